"""The portal's pages and Wagtail's admin run under the Content-Security-Policy, nothing blocked.

The policy allows no inline script; Wagtail's few inline scripts (inline panels, the multiple
chooser panel, date and time inputs) are replaced by templates/wagtailadmin/ overrides that
portal/static/portal/admin-csp.js starts. Every page of every browser test fails on a violation
(tests/e2e/conftest.py); here each page is also checked where it is visited, and the widgets that
lost their inline script are used: a date chooser opens, a multiple chooser panel adds a row.
"""

import os
import re
from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cms.demo import ensure_editorial_setup, seed_home_pages
from projects.models import WorkingDay
from tests.cms import builders as b
from tests.conftest import free_port
from tests.projects import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw"  # what tests/projects/factories.user gives everyone


@pytest.fixture
def world(transactional_db):
    home = seed_home_pages()
    ensure_editorial_setup()
    dept = f.department("发展和改革局", name_en="Development and Reform Bureau")
    item = f.item(dept, "SITE")
    staff = f.user("staff", "staff", name="李静")
    # The catalogue (approval items, the working-day calendar) is kept by the site's administrator.
    f.user("keeper", "staff", name="张强", is_staff=True, is_superuser=True)
    ent = f.enterprise([f.user("enterprise", "enterprise")], name="玻璃公司")
    project = f.project(staff, ent, [item], code="GLASS", name="汽车玻璃项目", now=timezone.now())
    policy = b.policy(b.policy_index(home), "关于推行容缺受理的通知")
    WorkingDay.objects.update_or_create(
        date=date(2026, 10, 1), defaults={"is_working": False, "name": "国庆节"}
    )
    return {"project": project, "item": item, "policy": policy}


def sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/admin/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def visit(page, url: str, csp_violations) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    assert csp_violations == [], url


def test_portal_pages_run_under_the_policy(start_daphne, new_page, world, csp_violations):
    # daphne, as in production: the live updates' websocket is under the policy too.
    daphne = start_daphne(free_port(), DJANGO_SETTINGS_MODULE=os.environ["DJANGO_SETTINGS_MODULE"])
    base = f"http://127.0.0.1:{daphne.port}"
    page = new_page(locale="zh-CN")
    sign_in(page, base, "staff")
    visit(page, base + "/", csp_violations)
    visit(page, base + f"/projects/{world['project'].pk}/", csp_violations)
    # Its live updates connect: 'self' lets the page open a websocket to its own host.
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    visit(page, base + "/meetings/", csp_violations)
    # The calendar address is selected by a click (no inline onclick).
    address = page.locator("input.calendar-url")
    address.click()
    assert page.evaluate(
        "() => { const i = document.querySelector('input.calendar-url');"
        " return i.selectionStart === 0 && i.selectionEnd === i.value.length; }"
    )
    # The API's documentation (django-ninja's Swagger UI, served from this site).
    visit(page, base + "/api/v1/docs", csp_violations)
    expect(page.locator(".swagger-ui .info")).to_be_visible()
    # A public page with Wagtail's user bar (signed in).
    visit(page, base + world["policy"].url, csp_violations)
    expect(page.locator("wagtail-userbar")).to_have_count(1)


def test_wagtail_admin_runs_under_the_policy(live_server, new_page, world, csp_violations):
    base = live_server.url
    page = new_page(locale="zh-CN")
    sign_in(page, base, "keeper")
    assert csp_violations == []

    # An approval item with its materials.
    visit(
        page,
        base + f"/admin/snippets/projects/approvalitem/edit/{world['item'].pk}/",
        csp_violations,
    )

    # The working-day calendar: the date input's chooser opens.
    visit(page, base + "/admin/snippets/projects/workingday/edit/2026-10-01/", csp_violations)
    visit(page, base + "/admin/snippets/projects/workingday/add/", csp_violations)
    page.locator("#id_date").click()
    expect(page.locator(".xdsoft_datetimepicker").first).to_be_visible()
    assert csp_violations == []

    # A policy page: date inputs and multiple chooser panels (an inline panel).
    visit(page, base + f"/admin/pages/{world['policy'].pk}/edit/", csp_violations)
    page.locator("#id_date_written").click()
    expect(page.locator(".xdsoft_datetimepicker:visible")).to_have_count(1)
    page.locator("#id_approval_item_links-OPEN_MODAL").click()
    modal = page.locator(".modal")
    modal.locator("input[data-multiple-choice-select]").first.check()
    modal.locator("input[data-multiple-choice-submit]").click()
    expect(page.locator("#id_approval_item_links-FORMS")).to_contain_text("审批事项")
    # The preview panel frames the page from the same site (frame-ancestors 'self' there only).
    expect(page.locator(".modal.in")).to_have_count(0)
    page.locator("[data-side-panel-toggle='preview']").click()
    preview = page.frame_locator("#w-preview-iframe")
    expect(preview.locator("h1")).to_contain_text("关于推行容缺受理的通知")
    assert csp_violations == []

    # Django's admin (read-only here) is under the same policy.
    visit(page, base + "/django-admin/", csp_violations)
    visit(page, base + "/django-admin/portal/user/", csp_violations)
