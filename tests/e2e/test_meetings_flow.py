"""A helper schedules a meeting, downloads its .ics and sees it on the calendar page; the
officer answers and the helper sees the answer live."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cms.demo import seed_home_pages
from meetings.ical import parse
from tests.conftest import free_port
from tests.projects import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    seed_home_pages()
    w = type("World", (), {})()
    w.staff = f.user("staff", "staff")
    w.helper = f.user("helper", "helper", name="王海")
    w.planning = f.department("规划局", name_en="Planning bureau")
    w.officer = f.officer(w.planning, "officer")
    w.officer.name = "刘洋"
    w.officer.email = "officer@x.cn"
    w.project = f.project(
        w.staff,
        f.enterprise([]),
        [f.item(w.planning, "PLAN")],
        lead=w.helper,
        name="物流基地",
        name_en="Logistics base",
    )
    for user in (w.helper, w.officer):
        user.set_password("pw-meet-1")
        user.save()
    return w


def log_in(page, base, path, username):
    page.goto(f"{base}/en/accounts/login/?next={path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw-meet-1")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(re.escape(path)))


def test_schedule_download_see_answer_live(world, start_daphne, new_page, artifacts):
    server = start_daphne(free_port(), LIVE_POLL_SECONDS="30")
    base = server.url
    when = timezone.localtime() + timedelta(days=3)
    start = when.replace(hour=9, minute=0, second=0, microsecond=0)

    helper = new_page(locale="en-GB", accept_downloads=True)
    log_in(helper, base, "/en/meetings/new/", "helper")
    helper.get_by_label("Title").fill("Joint meeting on the logistics base")
    helper.get_by_label("Kind").select_option("joint_meeting")
    helper.get_by_label("Start (Beijing time)").fill(start.strftime("%Y-%m-%dT%H:%M"))
    end = (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    helper.locator("#id_end").fill(end)
    helper.get_by_label("Place (empty for a site visit: the project site)").fill("Room 301")
    helper.get_by_label("Logistics base").check()
    # Departments are picked by name in the grouped list (ticking a department's box).
    helper.locator("input[name=departments]").and_(
        helper.get_by_label(re.compile(r"^\s*Planning bureau"))
    ).check()
    helper.get_by_role("button", name="Schedule").click()
    expect(helper.get_by_role("heading", level=1)).to_have_text(
        "Joint meeting on the logistics base"
    )
    meeting_path = re.search(r"/en/meetings/\d+/", helper.url).group(0)

    with helper.expect_download() as download:
        helper.get_by_role("link", name="Add to my calendar (.ics)").click()
    with open(download.value.path(), "rb") as downloaded:
        calendar = parse(downloaded.read())
    [event] = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert str(event["summary"]) == "Joint meeting on the logistics base"
    assert event.decoded("dtstart").astimezone(start.tzinfo) == start

    helper.goto(f"{base}/en/meetings/?year={start.year}&month={start.month}")
    expect(helper.locator("table.month")).to_contain_text("Joint meeting on the logistics base")
    helper.goto(base + meeting_path)
    expect(helper.locator("#live-status")).to_have_attribute("data-state", "live")
    row = helper.locator('tr[data-participant="officer"]')
    expect(row).to_contain_text("no answer yet")

    officer = new_page(locale="en-GB")
    log_in(officer, base, meeting_path, "officer")
    officer.get_by_role("button", name="I will attend").click()
    expect(officer.locator('[data-field="my-answer"]')).to_have_text("will attend")

    # The organiser's open page shows the answer without a reload.
    expect(row).to_contain_text("will attend", timeout=3000)
    expect(helper.locator("#live-notice")).to_contain_text("刘洋")
    helper.screenshot(path=artifacts / "meeting-en.png", full_page=True)
