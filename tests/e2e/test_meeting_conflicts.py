"""A helper fills the meeting form and, before saving, sees who would clash: a colleague's
meeting they are not part of says only "busy" and the time; their own meeting by its title.
Nothing is saved or sent until they press Schedule; the warning after saving stays."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cms.demo import seed_home_pages
from meetings.models import Meeting
from meetings.services import meeting_schedule
from tests.conftest import free_port
from tests.projects import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SECRET = "乙方融资保密会谈"


@pytest.fixture
def world():
    seed_home_pages()
    w = type("World", (), {})()
    w.helper = f.user("helper", "helper", name="王海")
    w.helper2 = f.user("helper2", "helper", name="李静")
    w.planning = f.department("规划局", name_en="Planning bureau")
    w.officer = f.officer(w.planning, "officer")
    w.officer.name = "刘洋"
    w.officer.save()
    w.water = f.department("水务局", name_en="Water bureau")
    w.water_officer = f.officer(w.water, "water")
    w.water_officer.name = "张涛"
    w.water_officer.save()
    w.helper.set_password("pw-clash-1")
    w.helper.save()
    day = timezone.localdate() + timedelta(days=5)
    w.start = datetime.combine(day, time(10), timezone.get_current_timezone())
    # The helper's own meeting at 9-11 and a colleague's at 10-12 with the planning officer.
    meeting_schedule(
        actor=w.helper,
        title="物流基地周例会",
        kind="joint_meeting",
        start=w.start - timedelta(hours=1),
        end=w.start + timedelta(hours=1),
    )
    meeting_schedule(
        actor=w.helper2,
        title=SECRET,
        kind="joint_meeting",
        start=w.start,
        end=w.start + timedelta(hours=2),
        participants=[w.officer],
    )
    return w


def test_the_clash_shows_while_the_form_is_filled_before_anything_is_sent(
    world, start_daphne, new_page, artifacts
):
    server = start_daphne(free_port())
    page = new_page(locale="en-GB")
    page.goto(f"{server.url}/en/accounts/login/?next=/en/meetings/new/")
    page.get_by_label("Username").fill("helper")
    page.get_by_label("Password").fill("pw-clash-1")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile("/en/meetings/new/"))
    meetings_before = Meeting.objects.count()

    page.get_by_label("Title").fill("Planning pre-review")
    start = world.start + timedelta(minutes=30)
    page.get_by_label("Start (Beijing time)").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_end").fill((start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    region = page.locator("[data-conflicts-region]")
    expect(region).to_have_attribute("aria-live", "polite")
    # Only the organiser so far: their own meeting, by its title.
    expect(region).to_contain_text("王海: “物流基地周例会”")
    expect(region).not_to_contain_text("刘洋")

    # The planning bureau's officer is in a colleague's meeting then: busy, no title.
    page.get_by_role("checkbox", name=re.compile("^Planning bureau")).check()
    expect(region).to_contain_text("刘洋: busy,")
    expect(region).to_contain_text(f"{start:%Y-%m-%d} 10:00 – 12:00")
    expect(region).not_to_contain_text(SECRET)
    page.screenshot(path=str(artifacts / "meeting-conflicts-live.png"), full_page=True)

    # The water bureau's officer is free: adding them changes nothing said about them.
    page.get_by_role("checkbox", name=re.compile("^Water bureau")).check()
    expect(region).to_contain_text("刘洋: busy,")
    expect(region).not_to_contain_text("张涛")

    # Moved to the afternoon: nobody is busy.
    later = world.start + timedelta(hours=4)
    page.get_by_label("Start (Beijing time)").fill(later.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_end").fill((later + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    expect(region).to_contain_text("Nobody is busy then (3 people checked).")

    # Nothing saved (so no invitation sent) while the form was being filled.
    assert Meeting.objects.count() == meetings_before

    # Back to the clashing time and saved: the warning after saving still says it.
    page.get_by_label("Start (Beijing time)").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_end").fill((start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    expect(region).to_contain_text("刘洋: busy,")
    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Planning pre-review")
    expect(page.locator(".messages")).to_contain_text("刘洋")
    expect(page.locator(".messages")).not_to_contain_text(SECRET)

    # Changing it later: the check runs when the section opens, leaving the meeting itself out.
    page.get_by_text("Change the time, place or people").click()
    change = page.locator("details[open] [data-conflicts-region]")
    expect(change).to_contain_text("刘洋: busy,")
    expect(change).not_to_contain_text("Planning pre-review")
