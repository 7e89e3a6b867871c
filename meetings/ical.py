"""iCalendar output that real calendar programs accept.

- invitations: METHOD:REQUEST from a no-reply organiser, attendees with RSVP=FALSE (answers
  are given in the portal), the same UID for every version and a higher SEQUENCE for each
  change of time or place, METHOD:CANCEL for a cancellation;
- downloads and subscriptions are plain calendars: no METHOD and no ATTENDEE (RFC 5546 allows
  no attendees under PUBLISH, and a program reading attendees in a download offers replies
  that the portal would never receive); STATUS:CANCELLED marks a cancelled meeting;
- a meeting stored with a date outside the accepted window gets no event (a cancellation
  names it by UID without a time, which RFC 5546 allows);
- times in Asia/Shanghai with a proper VTIMEZONE;
- text from users goes through icalendar's escaping, so line breaks, `;`, `,` and `\\` in a
  title or place can never break the structure.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone

PRODID = "-//District Approval Bureau//Major-project service portal//ZH"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _calendar(method: str | None = None, name: str | None = None) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", "Asia/Shanghai")
    return calendar


def _organiser_address() -> str:
    return f"mailto:{settings.DEFAULT_FROM_EMAIL}"


class OutsideWindow(ValueError):
    """The meeting's stored dates lie outside the accepted window: no event can show it."""


INVITATIONS = ("REQUEST", "CANCEL")


def meeting_event(meeting, *, method: str | None = None, url: str = "") -> icalendar.Event:
    """The meeting as a VEVENT: with attendees for an invitation (REQUEST, CANCEL), without
    them for a plain calendar (method None)."""
    if method not in (None, *INVITATIONS):
        raise ValueError(f"unknown iTIP method {method!r}")
    timed = meeting.dates_in_window
    if not timed and method != "CANCEL":
        raise OutsideWindow(meeting.pk)
    event = icalendar.Event()
    event.add("uid", f"meeting-{meeting.uid}@{settings.ICAL_UID_DOMAIN}")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now())
    if timed:
        event.add("dtstart", meeting.start.astimezone(SHANGHAI))
        event.add("dtend", meeting.end.astimezone(SHANGHAI))
    event.add("summary", meeting.title)
    if meeting.place:
        event.add("location", meeting.place)
    description = [meeting.get_kind_display()]
    for item in meeting.agenda.all():
        description.append(f"- {item.title}")
    if url:
        description.append(url)
        event.add("url", url)
    event.add("description", "\n".join(str(line) for line in description))
    if method == "REQUEST":
        event.add("status", "CONFIRMED")  # REQUEST allows TENTATIVE or CONFIRMED only
    else:
        cancelled = method == "CANCEL" or meeting.status == "cancelled"
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    organiser = icalendar.vCalAddress(_organiser_address())
    organiser.params["cn"] = icalendar.vText(meeting.organiser.get_full_name())
    event.add("organizer", organiser)
    if method is None:
        return event
    for participant in meeting.participants.all():
        if not participant.user.email:
            continue
        attendee = icalendar.vCalAddress(f"mailto:{participant.user.email}")
        attendee.params["cn"] = icalendar.vText(participant.user.get_full_name())
        attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = icalendar.vText(
            {"attend": "ACCEPTED", "decline": "DECLINED"}.get(participant.answer, "NEEDS-ACTION")
        )
        attendee.params["rsvp"] = icalendar.vText("FALSE")
        event.add("attendee", attendee, encode=0)
    return event


def meeting_calendar(meeting, *, method: str | None = None, url: str = "") -> bytes:
    """One meeting as a calendar file: an invitation (REQUEST), a cancellation (CANCEL), or
    a plain download (no METHOD). `OutsideWindow` when the meeting has no usable time."""
    calendar = _calendar(method)
    calendar.add_component(meeting_event(meeting, method=method, url=url))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def uninvitation_calendar(meeting, user) -> bytes:
    """A CANCEL for a person taken off a meeting that goes on: it names only them as the
    attendee and has no STATUS (RFC 5546 3.2.5: the event is not cancelled for the others),
    nor anything the person may no longer see (agenda, other people)."""
    event = icalendar.Event()
    event.add("uid", f"meeting-{meeting.uid}@{settings.ICAL_UID_DOMAIN}")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now())
    if meeting.dates_in_window:
        event.add("dtstart", meeting.start.astimezone(SHANGHAI))
        event.add("dtend", meeting.end.astimezone(SHANGHAI))
    event.add("summary", meeting.title)
    organiser = icalendar.vCalAddress(_organiser_address())
    organiser.params["cn"] = icalendar.vText(meeting.organiser.get_full_name())
    event.add("organizer", organiser)
    attendee = icalendar.vCalAddress(f"mailto:{user.email}")
    attendee.params["cn"] = icalendar.vText(user.get_full_name())
    event.add("attendee", attendee, encode=0)
    calendar = _calendar("CANCEL")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def all_day(uid: str, day: date, summary: str, description: str = "") -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"{uid}@{settings.ICAL_UID_DOMAIN}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    if description:
        event.add("description", description)
    event.add("transp", "TRANSPARENT")
    return event


def feed_calendar(
    *, name: str, meetings: Iterable, all_day_events: Iterable[icalendar.Event]
) -> bytes:
    """A personal subscription (a plain calendar): meetings and visits, and due dates as
    all-day events. A meeting stored outside the accepted window is left out."""
    calendar = _calendar(name=name)
    for meeting in meetings:
        if meeting.dates_in_window:
            calendar.add_component(meeting_event(meeting))
    for event in all_day_events:
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)
