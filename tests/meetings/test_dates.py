"""Dates outside the accepted window (portal.dates: 2000-01-01 to today + 30 years): refused at
every boundary with a message that says the window, never a 500; and a row already stored
with such a date breaks nobody's page, calendar file, feed or email."""

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from meetings.models import ActionItem, CalendarFeed, Meeting
from meetings.notifications import send_meeting_email
from meetings.services import (
    action_item_create,
    meeting_cancel,
    meeting_update,
)
from portal.errors import InvalidInput
from tests.meetings import rfc5546
from tests.meetings.conftest import bj

pytestmark = pytest.mark.django_db

EXTREMES = [datetime(1, 1, 1, 9, 0), datetime(9999, 12, 31, 9, 0)]
EXTREME_DAYS = [date(1, 1, 1), date(9999, 12, 31)]


def meeting_body(**changes):
    return {
        "title": "联席会议",
        "kind": "joint_meeting",
        "start": "2026-12-10T09:00:00",
        "end": "2026-12-10T11:00:00",
        **changes,
    }


def says_the_window(text: str) -> bool:
    return "2000-01-01" in text


def says_outside(text: str) -> bool:
    return "outside the accepted window" in text or "超出允许的范围" in text


# --- the boundary: services, API, pages --------------------------------------------------------


@pytest.mark.parametrize("extreme", EXTREMES)
def test_scheduling_refuses_a_start_or_end_outside_the_window(mw, extreme):
    with pytest.raises(InvalidInput) as refused:
        mw.schedule(start=extreme, end=extreme + timedelta(hours=2))
    assert refused.value.field == "start"
    assert says_the_window(refused.value.message)
    with pytest.raises(InvalidInput) as refused:
        mw.schedule(start=bj(2026, 12, 3, 9), end=extreme.replace(tzinfo=UTC))
    assert refused.value.field == "end"
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("extreme", EXTREMES)
def test_a_change_to_a_date_outside_the_window_is_refused(mw, extreme):
    meeting, _ = mw.schedule()
    with pytest.raises(InvalidInput) as refused:
        meeting_update(
            actor=mw.helper,
            meeting_id=meeting.pk,
            start=extreme,
            end=extreme + timedelta(hours=1),
        )
    assert refused.value.field == "start"
    meeting.refresh_from_db()
    assert meeting.start == bj(2026, 12, 3, 9)


@pytest.mark.parametrize("due", EXTREME_DAYS)
def test_an_action_item_due_outside_the_window_is_refused(mw, due):
    meeting, _ = mw.schedule()
    with pytest.raises(InvalidInput) as refused:
        action_item_create(
            actor=mw.helper,
            meeting_id=meeting.pk,
            decision="d",
            title="t",
            owner_user=mw.ent,
            due_date=due,
        )
    assert refused.value.field == "due_date" and says_the_window(refused.value.message)
    assert not ActionItem.objects.exists()


def test_working_days_that_end_outside_the_window_are_refused_at_once(mw):
    meeting, _ = mw.schedule()
    for days in (10**9, 365 * 40):
        with pytest.raises(InvalidInput) as refused:
            action_item_create(
                actor=mw.helper,
                meeting_id=meeting.pk,
                decision="d",
                title="t",
                owner_user=mw.ent,
                working_days=days,
            )
        assert refused.value.field == "working_days"
    action = action_item_create(
        actor=mw.helper,
        meeting_id=meeting.pk,
        decision="d",
        title="t",
        owner_user=mw.ent,
        working_days=5,
    )
    assert action.due_date == date(2026, 12, 10)


@pytest.mark.parametrize(
    "start",
    [
        "0001-01-01T09:00:00",
        "9999-12-31T09:00:00",
        "9999-12-31T23:59:59-12:00",
        "0001-01-01T00:00:00+14:00",
    ],
)
def test_the_api_answers_422_for_a_date_outside_the_window(client, mw, start):
    client.force_login(mw.helper)
    created = client.post(
        "/api/v1/meetings",
        json.dumps(meeting_body(start=start, end="2026-12-10T11:00:00")),
        content_type="application/json",
    )
    assert created.status_code == 422, created.content
    assert created.json()["field"] == "start" and says_the_window(created.json()["detail"])
    good = client.post(
        "/api/v1/meetings", json.dumps(meeting_body()), content_type="application/json"
    )
    assert good.status_code == 201
    changed = client.patch(
        f"/api/v1/meetings/{good.json()['id']}",
        json.dumps({"start": start, "end": "2026-12-10T11:00:00"}),
        content_type="application/json",
    )
    assert changed.status_code == 422 and changed.json()["field"] == "start"


@pytest.mark.parametrize(
    "query",
    [
        "from=0001-01-01T00:00:00",
        "to=0001-01-01T00:00:00",
        "from=9999-12-31T23:59:59",
        "to=9999-12-31T23:59:59-12:00",
        "from=0001-01-01T00:00:00%2B14:00",
        "from=abc",
        "to=99999-01-01T00:00:00",
        "from=-1",
        "from=0",
    ],
)
def test_the_api_list_filters_answer_422_outside_the_window(client, mw, query):
    mw.schedule()
    client.force_login(mw.helper)
    response = client.get(f"/api/v1/meetings?{query}")
    assert response.status_code == 422, response.content
    within = client.get("/api/v1/meetings?from=2000-01-01T00:00:00&to=2040-01-01T00:00:00")
    assert within.json()["count"] == 1


@pytest.mark.parametrize(
    "query",
    [
        "year=9999&month=12",
        "year=1&month=1",
        "year=1999&month=12",
        "year=0&month=1",
        "year=-1&month=1",
        "year=99999&month=1",
        "year=abc&month=1",
        "year=2026&month=13",
        "year=2026&month=0",
        "year=2026&month=abc",
        "year=" + "9" * 5000 + "&month=1",
    ],
)
def test_the_month_view_refuses_a_month_outside_the_window_with_a_message(client, mw, query):
    mw.schedule()
    client.force_login(mw.helper)
    response = client.get(f"/en/meetings/?{query}")
    assert response.status_code == 200
    page = response.content.decode()
    today = timezone.localdate()
    assert f"<h2>{today:%Y-%m}</h2>" in page  # this month instead
    assert "Give a date between 2000-01-01 and" in page or "There is no such month" in page


def test_the_month_view_offers_no_way_out_of_the_window(client, mw):
    client.force_login(mw.helper)
    first = client.get("/en/meetings/?year=2000&month=1").content.decode()
    assert "<h2>2000-01</h2>" in first and 'rel="prev"' not in first and 'rel="next"' in first
    last = timezone.localdate().replace(year=timezone.localdate().year + 30)
    page = client.get(f"/en/meetings/?year={last.year}&month={last.month}").content.decode()
    assert f"<h2>{last:%Y-%m}</h2>" in page and 'rel="next"' not in page


@pytest.mark.parametrize("start", ["0001-01-01T09:00", "9999-12-31T09:00"])
def test_the_form_shows_the_refusal_at_the_field(client, mw, start):
    client.force_login(mw.helper)
    response = client.post(
        "/en/meetings/new/",
        {"title": "会", "kind": "joint_meeting", "start": start, "end": "2026-12-10T11:00"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Give a date between 2000-01-01 and" in page  # at the field, in the page's language
    assert 'min="2000-01-01T00:00"' in page  # and the browser offers only the window
    assert not Meeting.objects.exists()


# --- rows already stored with an extreme date ------------------------------------------------

STORED = {
    "year 1": (datetime(1, 1, 1, 0, 0, tzinfo=UTC), datetime(1, 1, 1, 1, 0, tzinfo=UTC)),
    "year 9999": (
        datetime(9999, 12, 31, 22, 0, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ),
}


@pytest.fixture(params=list(STORED))
def stored(request, mw):
    """A scheduled meeting written around the services with an extreme date, and a good one."""
    bad, _ = mw.schedule(title="坏日期的会")
    good, _ = mw.schedule(title="正常的会", start=bj(2026, 12, 10, 9), end=bj(2026, 12, 10, 11))
    start, end = STORED[request.param]
    Meeting.objects.filter(pk=bad.pk).update(start=start, end=end)
    bad.refresh_from_db()
    return bad, good


def feed_of(client, user) -> bytes:
    feed, _ = CalendarFeed.objects.get_or_create(user=user)
    response = client.get(f"/calendar/{feed.secret}.ics")
    assert response.status_code == 200
    assert rfc5546.violations(response.content) == []
    return response.content


def summaries(data: bytes) -> set[str]:
    return {s for event in rfc5546.events_of(data) for s in event.values("SUMMARY")}


@pytest.mark.parametrize("role", ["helper", "staff", "officer", "ent"])
def test_a_stored_extreme_meeting_breaks_no_page_of_anyone(client, mw, stored, role):
    bad, good = stored
    client.force_login(getattr(mw, role))
    for path in ("/en/meetings/", "/en/meetings/?view=agenda", "/en/actions/"):
        assert client.get(path).status_code == 200, path
    agenda = client.get("/en/meetings/?view=agenda").content.decode()
    assert "正常的会" in agenda
    if bad.start.year == 9999:  # still coming up: listed, with its date as stored
        assert "坏日期的会" in agenda and "9999-12-31" in agenda
    page = client.get(f"/en/meetings/{bad.pk}/")
    assert page.status_code == 200
    assert "outside the accepted window" in page.content.decode()
    download = client.get(f"/meetings/{bad.pk}.ics")
    assert download.status_code == 409
    assert says_outside(download.content.decode())
    assert client.get(f"/meetings/{good.pk}.ics").status_code == 200
    assert client.get(f"/api/v1/meetings/{bad.pk}").status_code == 200
    assert client.get("/api/v1/meetings").json()["count"] == 2


@pytest.mark.parametrize("role", ["helper", "staff", "officer", "ent"])
def test_feeds_leave_a_stored_extreme_meeting_out(client, mw, stored, role):
    assert summaries(feed_of(client, getattr(mw, role))) == {"正常的会"}


def test_the_organiser_fixes_a_stored_extreme_meeting_on_its_page(client, mw, stored):
    bad, _good = stored
    with pytest.raises(InvalidInput) as refused:
        meeting_update(actor=mw.helper, meeting_id=bad.pk, title="改个标题")
    assert refused.value.field == "start"  # the date must be mended first
    client.force_login(mw.helper)
    page = client.get(f"/en/meetings/{bad.pk}/").content.decode()
    [start_input] = re.findall(r'<input[^>]*name="start"[^>]*>', page)
    assert "value=" not in start_input  # the stored date is not offered back: type a new one
    response = client.post(
        f"/en/meetings/{bad.pk}/",
        {
            "what": "change",
            "title": "修好的会",
            "kind": "joint_meeting",
            "start": "2026-12-17T09:00",
            "end": "2026-12-17T11:00",
            "participants": [mw.ent.pk],
            "departments": [mw.planning.pk],
            "projects": [mw.project.pk],
        },
    )
    assert response.status_code == 302
    bad.refresh_from_db()
    assert bad.dates_in_window and bad.title == "修好的会"
    assert "修好的会" in summaries(feed_of(client, mw.ent))


def test_working_days_from_a_stored_extreme_meeting_are_refused(mw, stored):
    bad, _good = stored
    with pytest.raises(InvalidInput) as refused:
        action_item_create(
            actor=mw.helper,
            meeting_id=bad.pk,
            decision="d",
            title="t",
            owner_user=mw.ent,
            working_days=3,
        )
    assert refused.value.field == "working_days"


def test_invitation_emails_survive_a_stored_extreme_meeting(
    mw, stored, immediate_tasks, django_capture_on_commit_callbacks
):
    bad, _good = stored
    mail.outbox.clear()
    # A REQUEST queued before the row went bad: nothing to invite to, nothing sent.
    assert send_meeting_email.call(bad.pk, "REQUEST", bad.sequence) == 0
    assert mail.outbox == []
    # Cancelling it tells everyone, by UID, without a time.
    with django_capture_on_commit_callbacks(execute=True):
        meeting_cancel(actor=mw.helper, meeting_id=bad.pk)
    assert sorted(m.to[0] for m in mail.outbox) == ["ent@x.cn", "officer@x.cn"]
    for message in mail.outbox:
        assert says_outside(message.body)  # in the person's language
        [(_name, body, _mimetype)] = message.attachments
        assert rfc5546.violations(body) == []
        [event] = rfc5546.events_of(body)
        assert event.count("DTSTART") == 0 and event.values("STATUS") == ["CANCELLED"]


@pytest.mark.parametrize("due", EXTREME_DAYS)
def test_a_stored_extreme_due_date_breaks_neither_feed_nor_lists(client, mw, due):
    meeting, _ = mw.schedule()
    action = action_item_create(
        actor=mw.helper,
        meeting_id=meeting.pk,
        decision="定了",
        title="极端日期的事",
        owner_user=mw.ent,
        due_date=date(2026, 12, 20),
    )
    kept = action_item_create(
        actor=mw.helper,
        meeting_id=meeting.pk,
        decision="定了",
        title="正常的事",
        owner_user=mw.ent,
        due_date=date(2026, 12, 21),
    )
    ActionItem.objects.filter(pk=action.pk).update(due_date=due)
    mw.project.approvals.update(due_date=due)  # an approval's due date, shown in the feed too
    client.force_login(mw.ent)
    data = feed_of(client, mw.ent)
    assert "⚑ 正常的事" in summaries(data) and "⚑ 极端日期的事" not in summaries(data)
    assert kept.title in client.get("/en/actions/").content.decode()
    listed = client.get("/en/actions/").content.decode()
    assert "极端日期的事" in listed and due.isoformat()[-5:] in listed
    assert client.get("/en/actions/?status=overdue").status_code == 200
    assert client.get(f"/en/meetings/{meeting.pk}/").status_code == 200
    assert client.get("/api/v1/action-items?owner=me").status_code == 200
    client.force_login(mw.staff)
    assert client.get(f"/en/meetings/{meeting.pk}/").status_code == 200
    feed_of(client, mw.staff)
