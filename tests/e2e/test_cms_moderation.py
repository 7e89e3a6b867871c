"""An editor writes a policy and submits it, bureau staff approve it, a visitor finds it.

Three people, three browser contexts, through Wagtail's real admin and the public search: the
search index is updated by the publish (tasks run inline here, by the worker in the demo).
"""

import re

import pytest
from playwright.sync_api import expect

from cms.demo import ensure_editorial_setup, seed_home_pages
from portal.demo import seed_accounts
from tests.cms import builders as b

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("immediate_tasks"),
]

PASSWORD = "demo-pw-1"
TITLE = "关于推行容缺受理进一步压缩审批时限的通知"


@pytest.fixture
def portal(transactional_db):
    home = seed_home_pages()
    seed_accounts(password=PASSWORD)
    ensure_editorial_setup()
    index = b.policy_index(home)
    b.authority("区行政审批局", "District Administrative Approval Bureau")
    return index


def admin_login(page, base: str, username: str) -> None:
    page.goto(base + "/admin/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def choose_the_bureau(editor) -> None:
    """The issuing authority, through Wagtail's snippet chooser."""
    editor.locator("#id_issuing_authority-chooser [data-chooser-action-choose]").first.click()
    editor.locator(".modal").get_by_role("link", name="区行政审批局").click()


def submit_for_moderation(editor) -> None:
    """A readable address (the Promote tab), then "Submit for moderation" from the footer."""
    editor.locator("[role=tab]").nth(1).click()
    editor.locator("#id_slug").fill("accept-now-notice")
    editor.locator(
        "footer [data-w-dropdown-target='toggle'], footer .dropdown-toggle"
    ).first.click()
    editor.locator("button[name='action-submit']").click()
    expect(editor.locator(".messages")).to_contain_text(TITLE)


def test_editor_submits_staff_approve_visitor_finds(live_server, new_page, portal, artifacts):
    base = live_server.url

    # The editor writes the policy in the admin and submits it for moderation.
    editor = new_page(locale="zh-CN")
    admin_login(editor, base, "editor")
    editor.goto(f"{base}/admin/pages/{portal.pk}/add_subpage/")  # one allowed type: its form
    expect(editor).to_have_url(re.compile(r"/admin/pages/add/cms/policypage/"))
    editor.locator("#id_title").fill(TITLE)
    choose_the_bureau(editor)
    expect(editor.locator("#id_issuing_authority-chooser")).to_contain_text("区行政审批局")
    editor.locator("#id_document_number").fill("区审批发〔2026〕12号")
    editor.locator("#id_summary").fill("申请材料中仅缺少非要件材料的，先予受理，审批时限照常计算。")
    submit_for_moderation(editor)
    editor.screenshot(path=artifacts / "cms-editor-submitted.png", full_page=True)

    # Not public yet: nobody finds it.
    visitor = new_page(locale="zh-CN")
    visitor.goto(f"{base}/search/?q=容缺")
    expect(visitor.locator(".search-results")).to_have_count(0)

    # Bureau staff see it awaiting their review and approve it.
    staff = new_page(locale="zh-CN")
    admin_login(staff, base, "staff")
    review = staff.locator("section", has_text=TITLE).first
    expect(review).to_be_visible()
    staff.goto(f"{base}/admin/pages/{_page_id(TITLE)}/edit/")
    approve = staff.locator(
        "button[data-workflow-action-name='approve']:not([data-workflow-action-modal-url])"
    )
    if not approve.is_visible():  # the action is in the menu under the main button
        staff.locator("footer [data-w-dropdown-target='toggle']").first.click()
    approve.click()
    expect(staff.locator(".messages")).to_contain_text(TITLE)
    staff.screenshot(path=artifacts / "cms-staff-approved.png", full_page=True)

    # A visitor searches in Chinese from the home page and opens it.
    visitor.goto(base + "/")
    visitor.locator("#search-q-home").fill("容缺")
    visitor.locator("form.search-box button").click()
    hit = visitor.locator(".search-results .search-hit").first
    expect(hit.locator("h2 a")).to_have_text(TITLE)
    expect(hit.locator("mark").first).to_have_text("容缺")
    visitor.screenshot(path=artifacts / "cms-search-zh.png", full_page=True)
    hit.locator("h2 a").click()
    expect(visitor.locator("h1")).to_have_text(TITLE)
    expect(visitor.locator(".policy-meta")).to_contain_text("区审批发〔2026〕12号")


def _page_id(title: str) -> int:
    from cms.models import PolicyPage

    return PolicyPage.objects.get(title=title).pk


def test_a_submit_while_the_first_autosave_is_on_its_way_makes_one_page(
    live_server, new_page, portal, monkeypatch
):
    """The editor submits right after typing, while Wagtail's first autosave of the new page
    is still being answered (its answer held back five seconds here, as on a slow
    connection): one page, submitted for moderation, with everything typed, not a draft and a
    second copy."""
    import threading
    import time

    from wagtail.admin.views.pages.create import CreateView

    from cms.models import PolicyPage

    answer = CreateView.post
    autosave_arrived, autosave_answered = threading.Event(), threading.Event()

    def slow_autosave(self, request, *args, **kwargs):
        """An autosave that makes the draft does so at once and answers five seconds later."""
        response = answer(self, request, *args, **kwargs)
        json = "application/json" in request.headers.get("Accept", "")
        if json and response.status_code == 200:
            autosave_arrived.set()
            time.sleep(5)
            autosave_answered.set()
        return response

    monkeypatch.setattr(CreateView, "post", slow_autosave)
    base = live_server.url
    editor = new_page(locale="zh-CN")
    admin_login(editor, base, "editor")
    editor.goto(f"{base}/admin/pages/{portal.pk}/add_subpage/")
    expect(editor).to_have_url(re.compile(r"/admin/pages/add/cms/policypage/"))
    # Wagtail takes the form as it is two seconds after loading as its unchanged state.
    editor.wait_for_timeout(2500)
    editor.locator("#id_title").fill(TITLE)
    choose_the_bureau(editor)
    editor.locator("#id_summary").fill("先予受理，补正后办结。")
    assert autosave_arrived.wait(15)  # the draft is made; its answer is on its way
    submit_for_moderation(editor)
    assert autosave_answered.wait(10)

    pages = list(PolicyPage.objects.filter(title=TITLE))
    assert len(pages) == 1
    page = pages[0]
    page.refresh_from_db()
    assert page.slug == "accept-now-notice"  # typed after the autosave left
    assert page.workflow_in_progress
