"""iCalendar output that real calendar programs accept.

- invitations: METHOD:REQUEST from a no-reply organiser, attendees with RSVP=FALSE (answers
  are given in the portal), the same UID for every version and a higher SEQUENCE for each
  change of time or place, METHOD:CANCEL for a cancellation;
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


def meeting_event(meeting, *, method: str = "REQUEST", url: str = "") -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"meeting-{meeting.uid}@{settings.ICAL_UID_DOMAIN}")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now())
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
    cancelled = method == "CANCEL" or meeting.status == "cancelled"
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    organiser = icalendar.vCalAddress(_organiser_address())
    organiser.params["cn"] = icalendar.vText(meeting.organiser.get_full_name())
    event.add("organizer", organiser)
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


def meeting_calendar(meeting, *, method: str = "REQUEST", url: str = "") -> bytes:
    """One meeting as a calendar file: an invitation (REQUEST), a cancellation (CANCEL), or
    a plain download (PUBLISH)."""
    calendar = _calendar(method)
    calendar.add_component(meeting_event(meeting, method=method, url=url))
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
    """A personal subscription: meetings and visits, and due dates as all-day events."""
    calendar = _calendar("PUBLISH", name=name)
    for meeting in meetings:
        calendar.add_component(meeting_event(meeting, method="PUBLISH"))
    for event in all_day_events:
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)
