"""Bureau staff in the back office, in a real browser: the dashboard warns of a calendar year
that starts unconfirmed, and a catalogue spreadsheet is checked (refused rows by row number),
applied, and followed on its status page until the worker has written it.

The worker is not running here: the test plays it once the page shows the import queued, and
the page (polling its status address) shows the result by itself. Screenshots at 1366 px in
Chinese and English are kept in test-artifacts/.
"""

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from wagtail.users.models import UserProfile

from cms.demo import seed_home_pages
from projects import calendar_years
from projects.catalogue_import import catalogue_import_run
from projects.models import ApprovalItem, CalendarYear, CatalogueImport
from tests.projects import factories as f
from tests.projects.test_import_catalogue import item_row, write_xlsx

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-back-office-1"


@pytest.fixture
def back_office(transactional_db, settings, monkeypatch):
    # Tasks are queued and left there: the test runs the worker's part itself.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    monkeypatch.setattr(calendar_years, "today", lambda: date(2026, 12, 7))
    seed_home_pages()  # the dashboard needs Wagtail's root page, which a flush takes away
    f.department("区规划分局", short_name="规划", name_en="Planning Bureau")
    staff = f.user("boss", "staff", password=PASSWORD, name="李静")
    CalendarYear.objects.create(year=2026, confirmed=True, confirmed_by=staff, notice="某通知")
    return staff


def log_in(page, base: str) -> None:
    page.goto(base + "/admin/login/")
    page.locator("#id_username").fill("boss")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_staff_check_apply_and_follow_an_import(
    live_server, new_page, back_office, artifacts, tmp_path, language
):
    profile = UserProfile.get_for_user(back_office)
    profile.preferred_language = language
    profile.save()
    tag = "zh" if language == "zh-hans" else "en"
    base = live_server.url
    page = new_page(viewport={"width": 1366, "height": 900})
    log_in(page, base)

    # 2027 starts in 25 days and nobody confirmed it: the dashboard says so.
    warning = page.locator("[data-calendar-warning='2027']")
    expect(warning).to_be_visible()
    expect(warning.locator("a")).to_have_attribute("href", "/admin/catalogue/calendar-years/2027/")
    page.screenshot(path=artifacts / f"back-office-dashboard-{tag}-1366.png", full_page=True)

    # A file with a refused row: the report names it by its spreadsheet row.
    bad = write_xlsx(
        tmp_path / "catalogue.xlsx",
        [item_row("E2E-1"), item_row("E2E-2", department="月球局"), item_row("E2E-3")],
    )
    page.goto(base + "/admin/catalogue/import/")
    page.locator("#id_file").set_input_files(bad)
    page.locator("form.catalogue-import-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/catalogue/import/\d+/$"))
    refused = page.locator("table.catalogue-import-rows tr[data-outcome='rejected']")
    expect(refused).to_have_count(1)
    expect(refused.locator("td").first).to_have_text("3")
    expect(refused).to_contain_text("月球局")
    page.screenshot(path=artifacts / f"back-office-import-report-{tag}-1366.png", full_page=True)
    assert not ApprovalItem.objects.exists()

    # Applied: queued, the page follows it, and shows the result once the worker is done.
    page.locator("form.catalogue-import-apply button[type=submit]").click()
    expect(page.locator("[data-import-progress]")).to_be_visible()
    record = CatalogueImport.objects.get()
    assert record.status == CatalogueImport.Status.QUEUED
    page.screenshot(path=artifacts / f"back-office-import-queued-{tag}-1366.png", full_page=True)

    assert catalogue_import_run(record.pk) == CatalogueImport.Status.APPLIED

    expect(page.locator("[data-import-status]")).to_have_attribute(
        "data-import-status", "applied", timeout=20_000
    )
    expect(page.locator("table.catalogue-import-rows tr[data-row='2'] a")).to_have_text("E2E-1")
    page.screenshot(path=artifacts / f"back-office-import-applied-{tag}-1366.png", full_page=True)
    assert sorted(ApprovalItem.objects.values_list("code", flat=True)) == ["E2E-1", "E2E-3"]
