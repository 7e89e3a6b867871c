"""An officer asks for a supplement, the enterprise sends it, the officer approves: in the browser.

Two people, two browser contexts, through the real pages: the login form, the department queue
and the project page with its forms. Screenshots of the project page in both languages are kept
in test-artifacts/.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cms.demo import seed_home_pages
from projects.models import StoredFile
from tests.projects import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw"  # what tests/projects/factories.user gives everyone
# The smallest file that is a PDF by its content, not only by its name.
MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(transactional_db):
    """One department with its officer, one item (a key and a non-key material), one project."""
    seed_home_pages()
    dept = f.department("发展和改革局", name_en="Development and Reform Bureau")
    officer = f.officer(dept, "officer")
    officer.name = "王明"
    officer.save()
    item = f.item(
        dept,
        "SITE",
        promised=5,
        statutory=20,
        materials=(("申请表", "Application form", True), ("补充说明", "Supplementary note", False)),
    )
    ent_user = f.user("enterprise", "enterprise", name="陈芳")
    ent = f.enterprise([ent_user], name="玻璃公司")
    helper = f.user("helper", "helper", name="刘强")
    staff = f.user("staff", "staff", name="李静")
    project = f.project(
        staff,
        ent,
        [item],
        lead=helper,
        code="GLASS",
        name="汽车玻璃项目",
        name_en="Car glass project",
        now=timezone.now(),
    )

    class World:
        pass

    w = World()
    w.__dict__.update(
        officer=officer,
        enterprise=ent_user,
        helper=helper,
        staff=staff,
        project=project,
        approval=project.approvals.get(item__code="SITE"),
    )
    return w


def log_in(page: Page, url: str, username: str) -> None:
    """Open a page, get sent to the login form, log in, land back on the page."""
    page.goto(url)
    english = "/en/" in url
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Username" if english else "用户名").fill(username)
    page.get_by_label("Password" if english else "密码").fill(PASSWORD)
    page.get_by_role("button", name="Log in" if english else "登录").click()
    expect(page).to_have_url(url)
    expect(page.locator(".whoami")).to_be_visible()
    page.wait_for_load_state()  # its scripts run: what the test opens next is remembered


def flash(page: Page):
    """The messages a page shows after a form was sent (not the live-update status)."""
    return page.locator("ul.messages")


def card_of(page: Page, approval):
    """The approval's card under "Materials and actions", opened (cards start collapsed)."""
    card = page.locator(f"details.approval-card#approval-{approval.pk}")
    card.evaluate("card => { card.open = true; }")
    return card


def status_cell(page: Page, approval):
    return page.locator(f'tr[data-approval="{approval.pk}"] [data-field="status"]')


def material_row(card, name: str):
    return card.get_by_role("row").filter(has=card.page.get_by_role("cell", name=re.compile(name)))


def test_supplement_requested_sent_reviewed_and_approved(
    live_server, new_page, artifacts, world, tmp_path
):
    base = live_server.url
    approval = world.approval
    detail_en = f"{base}/en/projects/{world.project.pk}/"
    detail_zh = f"{base}/projects/{world.project.pk}/"
    due = timezone.localdate() + timedelta(days=14)

    # 1. The officer (context A) takes the application from the department queue.
    officer = new_page(locale="en-GB")
    log_in(officer, base + "/en/queue/", "officer")
    expect(officer.get_by_role("heading", name="Department queue")).to_be_visible()
    # Nothing was sent online yet: the item is behind the "not applied for yet" filter.
    expect(officer.get_by_role("row").filter(has_text="Car glass project")).to_have_count(0)
    officer.get_by_label("Show").select_option("not_applied")
    officer.get_by_role("button", name="Filter").click()
    row = officer.get_by_role("row").filter(has_text="Car glass project")
    expect(row).to_contain_text("pending")
    row.get_by_role("button", name="Receive the application").click()
    # The officer stays on the queue, sees the message, and finds the file first in the queue.
    expect(officer).to_have_url(re.compile(r"/en/queue/"))
    expect(officer.locator("ul.messages")).to_contain_text("Received:")
    officer.goto(base + "/en/queue/")
    row = officer.get_by_role("row").filter(has_text="Car glass project")
    expect(row).to_contain_text("received")
    row.get_by_role("link", name="Open").click()
    expect(officer).to_have_url(re.compile(rf"/en/projects/{world.project.pk}/"))
    expect(status_cell(officer, approval)).to_have_text("received")
    card = card_of(officer, approval)
    card.get_by_role("group", name="Accept the file").get_by_role("button", name="Accept").click()
    expect(status_cell(officer, approval)).to_have_text("accepted")

    # 2. The officer asks for a supplement of the key material.
    card = card_of(officer, approval)
    ask = card.get_by_role("group", name="Ask for a supplement (stops the clock)")
    ask.get_by_label("Application form").check()
    ask.get_by_label("Reason").fill("The application form is not signed.")
    ask.get_by_label("To be supplied by").fill(due.isoformat())
    ask.get_by_role("button", name="Ask for a supplement").click()
    expect(flash(officer)).to_contain_text("Supplement requested for")
    expect(status_cell(officer, approval)).to_have_text("supplement requested")
    expect(card_of(officer, approval).locator("summary")).to_contain_text("supplement requested")
    expect(card_of(officer, approval)).to_contain_text("The application form is not signed.")

    # 3. The enterprise (context B) sees what is needed, uploads it and sends the supplement.
    enterprise = new_page(locale="en-GB")
    log_in(enterprise, detail_en, "enterprise")
    needed = enterprise.get_by_role("region", name="What we still need from you")
    expect(needed).to_be_visible()
    need = needed.get_by_role("listitem").filter(has_text="Application form")
    expect(need).to_contain_text("requested in a supplement")
    expect(need).to_contain_text(due.isoformat())
    expect(needed).not_to_contain_text("Supplementary note")

    pdf = tmp_path / "signed-application-form.pdf"
    pdf.write_bytes(MINIMAL_PDF)
    card = card_of(enterprise, approval)
    row = material_row(card, "Application form")
    row.get_by_label("File for Application form").set_input_files(pdf)
    row.get_by_role("button", name="Upload").click()
    expect(flash(enterprise)).to_contain_text("Application form uploaded as version 1.")
    row = material_row(card_of(enterprise, approval), "Application form")
    expect(row.get_by_role("link", name="v1 signed-application-form.pdf")).to_be_visible()
    expect(row).to_contain_text("awaiting review")
    enterprise.screenshot(path=artifacts / "project-en-supplement-requested.png", full_page=True)

    card_of(enterprise, approval).get_by_role("button", name="Send the supplement").click()
    expect(flash(enterprise)).to_contain_text("Supplement sent for")
    expect(status_cell(enterprise, approval)).to_have_text("accepted")

    # 4. The officer reloads, accepts the new version, then approves.
    officer.reload()
    expect(status_cell(officer, approval)).to_have_text("accepted")
    card = card_of(officer, approval)
    review = card.get_by_role("group", name="Review v1")
    review.get_by_role("radio", name="Accept").check()
    review.get_by_role("button", name="Save review").click()
    expect(flash(officer)).to_contain_text("Review saved.")
    row = material_row(card_of(officer, approval), "Application form")
    expect(row).to_contain_text(re.compile(r"v1 signed-application-form\.pdf.*— accepted", re.S))
    expect(row.get_by_role("button", name="Save review")).to_have_count(0)

    approve = card_of(officer, approval).get_by_role("group", name="Approve")
    approve.get_by_label("Conditions (optional)").fill("Start within six months.")
    approve.get_by_role("button", name="Approve").click()
    expect(flash(officer)).to_contain_text("Approved:")
    expect(status_cell(officer, approval)).to_have_text("approved")
    expect(card_of(officer, approval).locator("summary")).to_contain_text("approved")

    # 5. The enterprise reloads: approved, and nothing more is asked of it.
    enterprise.reload()
    expect(status_cell(enterprise, approval)).to_have_text("approved")
    # Nothing is asked any more: the summary says so and the "still needed" box is gone.
    summary = enterprise.get_by_role("region", name="Summary")
    expect(summary).to_contain_text("Nothing urgent.")
    expect(enterprise.get_by_role("region", name="What we still need from you")).to_have_count(0)
    expect(card_of(enterprise, approval)).to_contain_text("Start within six months.")
    enterprise.screenshot(path=artifacts / "project-en.png", full_page=True)

    # 6. The same page in Chinese, at the bare path.
    enterprise.goto(detail_zh)
    expect(enterprise.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(enterprise.get_by_role("heading", level=1)).to_have_text("汽车玻璃项目")
    expect(enterprise.locator(".whoami")).to_contain_text("陈芳")
    expect(card_of(enterprise, approval)).to_contain_text("申请表")
    enterprise.screenshot(path=artifacts / "project-zh.png", full_page=True)


def test_a_file_that_is_not_what_its_name_says_is_refused(
    live_server, new_page, artifacts, world, tmp_path
):
    """A text file named .pdf is refused with a message saying why; nothing is stored."""
    approval = world.approval
    fake = tmp_path / "application-form.pdf"
    fake.write_bytes(b"This is plain text, not a PDF.\n" * 20)

    page = new_page(locale="en-GB")
    log_in(page, f"{live_server.url}/en/projects/{world.project.pk}/", "enterprise")
    row = material_row(card_of(page, approval), "Application form")
    row.get_by_label("File for Application form").set_input_files(fake)
    # Before the application is received, an upload is a draft sent for online pre-review.
    row.get_by_role("button", name="Send for pre-review").click()

    expect(flash(page).locator(".message--error")).to_contain_text(
        "The content of application-form.pdf is not a real PDF file."
    )
    row = material_row(card_of(page, approval), "Application form")
    expect(row).to_contain_text("nothing uploaded")
    expect(row.get_by_role("link", name=re.compile("application-form.pdf"))).to_have_count(0)
    assert not StoredFile.objects.filter(project=world.project).exists()
    page.screenshot(path=artifacts / "project-en-upload-refused.png", full_page=True)
