"""The meeting streams and the event types of meetings and action items.

Registered in `MeetingsConfig.ready()`: `meeting:<id>` (the organiser and the participants)
and `meeting:<id>:internal` (the bureau side only). A stream is read whole by everyone it
admits, and those readers may see different projects of the meeting, so the events on both
are project-neutral: the meeting's own title, time and place, ids and counts. The details of
an action item about a project are on that project's stream; the page, re-rendered through
`selectors.MeetingScope` on each event, shows each reader their part.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from portal.realtime import STAFF_GROUP, user_group
from portal.streams import EventType, StreamKind

from . import permissions as perms
from .models import Meeting, Participant


def meeting_stream(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


def meeting_internal_stream(meeting_id: int) -> str:
    return f"meeting:{meeting_id}:internal"


def _may_read(user, meeting_id: int, suffix: str) -> bool:
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        return False
    if suffix == "internal":
        return perms.can_view_internal(user, meeting)
    return perms.can_view_meeting(user, meeting)


def _groups(meeting_id: int, suffix: str) -> list[str]:
    meeting = Meeting.objects.filter(pk=meeting_id).values("organiser_id").first()
    if meeting is None:
        return []
    people = set(
        Participant.objects.filter(meeting_id=meeting_id).values_list("user_id", flat=True)
    )
    people.add(meeting["organiser_id"])
    return [STAFF_GROUP, *(user_group(uid) for uid in sorted(people))]


MEETING_STREAMS = StreamKind(
    kind="meeting", may_read=_may_read, groups=_groups, suffixes=frozenset({"", "internal"})
)


def _title(data: dict[str, Any]) -> str:
    """The meeting's title (every meeting event records it)."""
    return str(data.get("title") or data.get("meeting") or "")


def _action(data: dict[str, Any]) -> str:
    """The action item's title where its stream may carry it (the project's stream, the
    internal one for a decision about no project), else the meeting's; with the due date."""
    title = str(data.get("title") or data.get("meeting") or "")
    due = data.get("due_date")
    return f"{title} ({due})" if title and due else title


EVENT_TYPES = [
    EventType("meeting.scheduled", _("scheduled"), _title),
    EventType("meeting.drafted", _("drafted"), _title),
    EventType("meeting.changed", _("changed"), _title),
    EventType("meeting.cancelled", _("cancelled"), _title),
    EventType("meeting.answered", _("answered the invitation to"), _title),
    EventType("meeting.agenda_changed", _("changed the agenda of"), _title),
    EventType("meeting.minutes_published", _("published the minutes of"), _title),
    EventType("meeting.internal_minutes_published", _("published internal minutes of"), _title),
    EventType("meeting.finding_added", _("recorded a finding at"), _title),
    EventType("action_item.created", _("created an action item:"), _action),
    EventType("action_item.closed", _("closed an action item:"), _action),
]
