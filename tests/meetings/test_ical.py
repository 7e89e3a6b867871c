"""Calendar output, judged by parsing it back the way calendar programs do."""

from datetime import UTC, datetime

import pytest
from django.core import mail

from meetings.ical import meeting_calendar, parse
from meetings.services import meeting_cancel, meeting_update
from tests.meetings.conftest import bj

pytestmark = pytest.mark.django_db


def vevent(data: bytes):
    calendar = parse(data)
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert len(events) == 1
    return calendar, events[0]


def test_the_invitation_parses_back_with_the_right_utc_and_local_times(mw):
    meeting, _ = mw.schedule()
    calendar, event = vevent(meeting_calendar(meeting, method="REQUEST"))
    assert str(calendar["method"]) == "REQUEST"
    start = event.decoded("dtstart")
    assert start.astimezone(UTC) == datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
    assert (start.hour, str(start.tzinfo)) == (9, "Asia/Shanghai")
    assert event["dtstart"].params["TZID"] == "Asia/Shanghai"
    timezones = [c for c in calendar.walk() if c.name == "VTIMEZONE"]
    assert [str(t["tzid"]) for t in timezones] == ["Asia/Shanghai"]
    assert str(event["organizer"]).startswith("mailto:no-reply@")
    attendees = event.get("attendee")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert {str(a) for a in attendees} == {"mailto:ent@x.cn", "mailto:officer@x.cn"}
    assert all(a.params["RSVP"] == "FALSE" for a in attendees)
    assert str(event["location"]) == "审批局三楼会议室"


def test_naive_input_means_beijing_time(mw):
    meeting, _ = mw.schedule(start=datetime(2026, 12, 4, 14, 30), end=datetime(2026, 12, 4, 16))
    assert meeting.start == datetime(2026, 12, 4, 6, 30, tzinfo=UTC)


def test_an_update_keeps_the_uid_and_raises_the_sequence_and_a_cancel_says_so(mw):
    meeting, _ = mw.schedule()
    _, first = vevent(meeting_calendar(meeting))
    meeting, _ = meeting_update(
        actor=mw.helper, meeting_id=meeting.pk, start=bj(2026, 12, 3, 14), end=bj(2026, 12, 3, 16)
    )
    _, moved = vevent(meeting_calendar(meeting))
    assert moved["uid"] == first["uid"]
    assert moved["sequence"] > first["sequence"]
    meeting = meeting_cancel(actor=mw.helper, meeting_id=meeting.pk)
    calendar, cancelled = vevent(meeting_calendar(meeting, method="CANCEL"))
    assert str(calendar["method"]) == "CANCEL"
    assert cancelled["uid"] == first["uid"]
    assert cancelled["sequence"] > moved["sequence"]
    assert str(cancelled["status"]) == "CANCELLED"


@pytest.mark.parametrize(
    "text",
    [
        "会议\r\nBEGIN:VEVENT\r\nSUMMARY:injected",
        "a;b,c\\d",
        "line\nDTSTART:19700101T000000Z",
        "END:VCALENDAR",
    ],
)
def test_text_from_users_stays_inside_its_property(mw, text):
    meeting, _ = mw.schedule(title=text, place=text)
    data = meeting_calendar(meeting)
    calendar, event = vevent(data)
    # Line endings inside text are normalised to \n; everything else is kept as typed.
    assert str(event["summary"]) == text.replace("\r\n", "\n")
    assert str(event["location"]) == text.replace("\r\n", "\n")
    lines = data.replace(b"\r\n ", b"").split(b"\r\n")  # unfolded content lines
    assert lines.count(b"BEGIN:VEVENT") == 1
    assert lines.count(b"END:VCALENDAR") == 1
    assert event.decoded("dtstart") == bj(2026, 12, 3, 9)
    assert [str(line) for line in event.content_lines() if line.startswith("DTSTART")] == [
        "DTSTART;TZID=Asia/Shanghai:20261203T090000"
    ]


def test_invitations_are_emailed_once_per_change_with_the_right_method(
    mw, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting, _ = mw.schedule()
    assert sorted(m.to[0] for m in mail.outbox) == ["ent@x.cn", "officer@x.cn"]
    attachment = mail.outbox[0].attachments[0]
    assert attachment[2].startswith("text/calendar") and "method=REQUEST" in attachment[2]
    assert "RSVP=FALSE" in attachment[1].decode() if isinstance(attachment[1], bytes) else True
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meeting_update(actor=mw.helper, meeting_id=meeting.pk, title="新标题")
    assert mail.outbox == []  # neither time nor place changed: no update sent
    with django_capture_on_commit_callbacks(execute=True):
        meeting_update(actor=mw.helper, meeting_id=meeting.pk, place="现场")
    assert len(mail.outbox) == 2
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meeting_cancel(actor=mw.helper, meeting_id=meeting.pk)
    assert len(mail.outbox) == 2
    assert all("method=CANCEL" in m.attachments[0][2] for m in mail.outbox)


def test_a_draft_sends_nothing_until_it_is_scheduled(
    mw, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting, _ = mw.schedule(status="draft")
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        meeting_update(actor=mw.helper, meeting_id=meeting.pk, status="scheduled")
    assert len(mail.outbox) == 2
