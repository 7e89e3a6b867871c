"""Every kind of calendar the portal produces, checked against RFC 5546's restriction tables
(tests/meetings/rfc5546.py): downloads and feeds are plain calendars without attendees,
invitations are REQUEST or CANCEL with the organiser and the attendees."""

from datetime import date

import pytest
from django.core import mail

from meetings.ical import parse as icalendar_parse
from meetings.models import CalendarFeed
from meetings.services import action_item_create, meeting_cancel, meeting_update
from tests.meetings import rfc5546
from tests.meetings.conftest import bj

pytestmark = pytest.mark.django_db


def conforms(data: bytes, method: str | None) -> list[rfc5546.Component]:
    assert rfc5546.violations(data) == []
    assert rfc5546.method_of(data) == method
    return rfc5546.events_of(data)


def plain(data: bytes) -> list[rfc5546.Component]:
    """A download or feed: no METHOD, no ATTENDEE (and so also within PUBLISH's rules)."""
    events = conforms(data, None)
    assert all(event.count("ATTENDEE") == 0 for event in events)
    return events


def invitations(method: str) -> dict[str, bytes]:
    """The calendar attached to each email in the outbox, by recipient; each one's MIME
    method parameter says the same as its METHOD (RFC 6047)."""
    attached = {}
    for message in mail.outbox:
        [(name, body, mimetype)] = message.attachments
        body = body if isinstance(body, bytes) else body.encode()
        assert f"method={method}" in mimetype
        assert rfc5546.method_of(body) == method
        attached[message.to[0]] = body
    return attached


# --- downloads and feeds --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "helper", "officer", "ent"])
def test_the_download_is_a_plain_calendar_for_staff_and_participants(client, mw, role):
    meeting, _ = mw.schedule()
    client.force_login(getattr(mw, role))
    response = client.get(f"/meetings/{meeting.pk}.ics")
    assert response.status_code == 200
    [event] = plain(response.content)
    assert event.count("ORGANIZER") == 1 and event.count("DTSTART") == 1
    assert event.values("STATUS") == ["CONFIRMED"]


def test_the_download_of_a_cancelled_meeting_is_plain_and_says_cancelled(client, mw):
    meeting, _ = mw.schedule()
    meeting_cancel(actor=mw.helper, meeting_id=meeting.pk)
    client.force_login(mw.ent)
    [event] = plain(client.get(f"/meetings/{meeting.pk}.ics").content)
    assert event.values("STATUS") == ["CANCELLED"]


@pytest.mark.parametrize("role", ["staff", "ent", "officer"])
def test_the_personal_feed_is_a_plain_calendar(client, mw, role):
    meeting, _ = mw.schedule()
    mw.schedule(title="第二次", start=bj(2026, 12, 10, 9), end=bj(2026, 12, 10, 11))
    action_item_create(
        actor=mw.helper,
        meeting_id=meeting.pk,
        decision="定了",
        title="补充材料",
        owner_user=getattr(mw, role),
        due_date=date(2026, 12, 20),
    )
    feed = CalendarFeed.objects.create(user=getattr(mw, role))
    response = client.get(f"/calendar/{feed.secret}.ics")
    assert response.status_code == 200
    events = plain(response.content)
    assert len(events) == 3  # two meetings and the action item's day


# --- invitations ----------------------------------------------------------------------------


def test_invitation_update_and_cancellation_follow_request_and_cancel(
    mw, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting, _ = mw.schedule()
    first = invitations("REQUEST")
    assert set(first) == {"ent@x.cn", "officer@x.cn"}
    for recipient, body in first.items():
        [event] = conforms(body, "REQUEST")
        assert event.count("ORGANIZER") == 1
        assert f"mailto:{recipient}" in event.values("ATTENDEE")
        assert event.values("SEQUENCE") == ["0"]

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meeting_update(
            actor=mw.helper,
            meeting_id=meeting.pk,
            start=bj(2026, 12, 3, 14),
            end=bj(2026, 12, 3, 16),
        )
    for recipient, body in invitations("REQUEST").items():
        [event] = conforms(body, "REQUEST")
        [before] = rfc5546.events_of(first[recipient])
        assert event.values("UID") == before.values("UID")
        assert int(event.values("SEQUENCE")[0]) > int(before.values("SEQUENCE")[0])
        assert event.count("ATTENDEE") >= 1

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meeting_cancel(actor=mw.helper, meeting_id=meeting.pk)
    cancelled = invitations("CANCEL")
    assert set(cancelled) == {"ent@x.cn", "officer@x.cn"}
    for recipient, body in cancelled.items():
        [event] = conforms(body, "CANCEL")
        assert event.values("STATUS") == ["CANCELLED"]
        assert event.values("SEQUENCE") == ["2"]
        assert f"mailto:{recipient}" in event.values("ATTENDEE")


def test_people_taken_off_a_meeting_get_a_cancel_that_names_only_them(
    mw, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting, _ = mw.schedule()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meeting_update(actor=mw.helper, meeting_id=meeting.pk, participants=[])
    removed = invitations("CANCEL")
    assert set(removed) == {"ent@x.cn"}
    [event] = conforms(removed["ent@x.cn"], "CANCEL")
    # Uninviting some: only them, and no STATUS (the event goes on for the others).
    assert event.values("ATTENDEE") == ["mailto:ent@x.cn"]
    assert event.count("STATUS") == 0


# --- the checker itself ---------------------------------------------------------------------

GOOD_EVENT = (
    "BEGIN:VEVENT\r\nUID:x@portal\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:20261203T010000Z\r\n"
    "SUMMARY:A\r\nORGANIZER:mailto:no-reply@portal\r\nSEQUENCE:0\r\n{extra}END:VEVENT\r\n"
)


def calendar(method: str | None, extra: str = "") -> bytes:
    head = "BEGIN:VCALENDAR\r\nPRODID:-//t//t//EN\r\nVERSION:2.0\r\n"
    if method:
        head += f"METHOD:{method}\r\n"
    return (head + GOOD_EVENT.format(extra=extra) + "END:VCALENDAR\r\n").encode()


ATTENDEE = "ATTENDEE;CN=A;RSVP=FALSE:mailto:a@x.cn\r\n"


def test_the_checker_rejects_publish_with_attendees_which_icalendar_accepts():
    broken = calendar("PUBLISH", ATTENDEE)
    icalendar_parse(broken)  # the library alone takes it
    assert rfc5546.violations(broken) == ["VEVENT 1 (PUBLISH): ATTENDEE appears 1 times, allowed 0"]
    assert rfc5546.violations(calendar("PUBLISH")) == []


def test_the_checker_knows_the_other_rows():
    assert rfc5546.violations(calendar("REQUEST", ATTENDEE)) == []
    assert any("ATTENDEE" in v for v in rfc5546.violations(calendar("REQUEST")))
    assert any(
        "STATUS:CANCELLED" in v
        for v in rfc5546.violations(calendar("REQUEST", ATTENDEE + "STATUS:CANCELLED\r\n"))
    )
    no_sequence = calendar("CANCEL").replace(b"SEQUENCE:0\r\n", b"")
    assert any("SEQUENCE" in v for v in rfc5546.violations(no_sequence))
    assert any(
        "VALARM" in v
        for v in rfc5546.violations(
            calendar("CANCEL", "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\n")
        )
    )
    assert rfc5546.violations(calendar(None, ATTENDEE)) == []  # RFC 5545 allows them
    no_stamp = calendar(None).replace(b"DTSTAMP:20261201T000000Z\r\n", b"")
    assert any("DTSTAMP" in v for v in rfc5546.violations(no_stamp))
    no_start = calendar(None).replace(b"DTSTART:20261203T010000Z\r\n", b"")
    assert any("DTSTART" in v for v in rfc5546.violations(no_start))
    tz = calendar(None).replace(b"DTSTART:", b"DTSTART;TZID=Asia/Shanghai:")
    assert any("VTIMEZONE" in v for v in rfc5546.violations(tz))
    assert any("METHOD" in v for v in rfc5546.violations(calendar("REFRESH")))
