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

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.models import Notification
from portal.realtime import STAFF_GROUP, user_group
from portal.streams import EventType, StreamKind, day, fill, moment, parse, text

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
    return text(data.get("title")) or text(data.get("meeting"))


def _action(data: dict[str, Any]) -> str:
    """The action item's title where its stream may carry it (the project's stream, the
    internal one for a decision about no project), else the meeting's; with the due date."""
    title = _title(data)
    due = day(data.get("due_date"))
    return f"{title} ({due})" if title and due else title


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _scheduled(data: dict[str, Any]) -> str:
    title, start, place = _title(data), moment(data.get("start")), text(data.get("place"))
    return (
        fill(
            _("scheduled “%(title)s” for %(start)s at %(place)s"),
            title=title,
            start=start,
            place=place,
        )
        or fill(_("scheduled “%(title)s” for %(start)s"), title=title, start=start)
        or fill(_("scheduled “%(title)s”"), title=title)
        or _("scheduled a meeting")
    )


def _drafted(data: dict[str, Any]) -> str:
    return fill(_("drafted “%(title)s”"), title=_title(data)) or _("drafted a meeting")


def _changed(data: dict[str, Any]) -> str:
    title = _title(data)
    if data.get("moved") is True:
        sentence = fill(
            _("changed the time or place of “%(title)s” (now %(start)s)"),
            title=title,
            start=moment(data.get("start")),
        ) or fill(_("changed the time or place of “%(title)s”"), title=title)
        if sentence:
            return sentence
    return fill(_("changed the details of “%(title)s”"), title=title) or _("changed a meeting")


def _cancelled(data: dict[str, Any]) -> str:
    return fill(_("cancelled “%(title)s”"), title=_title(data)) or _("cancelled a meeting")


def _answered(data: dict[str, Any]) -> str:
    answer = data.get("answer")
    if answer == "attend":
        template = _("accepted the invitation to “%(title)s”")
    elif answer == "decline":
        template = _("declined the invitation to “%(title)s”")
    else:
        template = _("answered the invitation to “%(title)s”")
    return fill(template, title=_title(data)) or _("answered an invitation")


def _agenda_changed(data: dict[str, Any]) -> str:
    title, count = _title(data), _count(data.get("agenda_items"))
    if count:
        template = ngettext(
            "changed the agenda of “%(title)s” (%(count)d item)",
            "changed the agenda of “%(title)s” (%(count)d items)",
            count,
        )
        return fill(template, title=title, count=count) or _("changed an agenda")
    return fill(_("changed the agenda of “%(title)s”"), title=title) or _("changed an agenda")


def _minutes_published(data: dict[str, Any]) -> str:
    return fill(_("published the minutes of “%(title)s”"), title=_title(data)) or _(
        "published the minutes of a meeting"
    )


def _internal_minutes_published(data: dict[str, Any]) -> str:
    return fill(_("published the internal minutes of “%(title)s”"), title=_title(data)) or _(
        "published the internal minutes of a meeting"
    )


def _finding_added(data: dict[str, Any]) -> str:
    title, files = _title(data), _count(data.get("files"))
    if files:
        template = ngettext(
            "recorded a finding at “%(title)s” with %(count)d file",
            "recorded a finding at “%(title)s” with %(count)d files",
            files,
        )
        return fill(template, title=title, count=files) or _("recorded a finding")
    return fill(_("recorded a finding at “%(title)s”"), title=title) or _("recorded a finding")


def _owned_and_due(sentence: str, data: dict[str, Any]) -> str:
    """An action item's owner and due date after the sentence, where they were recorded."""
    department = text(data.get("owner_department"))
    if department and translation.get_language() == "en":
        department = text(data.get("owner_department_en")) or department
    owner = text(data.get("owner")) or department
    if owner:
        sentence = fill(_("%(sentence)s, owned by %(owner)s"), sentence=sentence, owner=owner)
    due = day(data.get("due_date"))
    if due:
        sentence = fill(_("%(sentence)s, due %(date)s"), sentence=sentence, date=due)
    return sentence


def _action_created(data: dict[str, Any]) -> str:
    # The project's stream records the action item's title; the meeting's stream only the
    # meeting (other companies read it).
    title, meeting = text(data.get("title")), text(data.get("meeting"))
    if title:
        return _owned_and_due(fill(_("created the action item “%(title)s”"), title=title), data)
    if meeting:
        return _owned_and_due(
            fill(_("created an action item at “%(meeting)s”"), meeting=meeting), data
        )
    return _("created an action item")


def _action_closed(data: dict[str, Any]) -> str:
    title, meeting = text(data.get("title")), text(data.get("meeting"))
    return (
        fill(_("closed the action item “%(title)s”"), title=title)
        or fill(_("closed an action item of “%(meeting)s”"), meeting=meeting)
        or _("closed an action item")
    )


# The notification reason of invitations (meetings/notifications.py registers it).
MEETING_INVITATION = "meeting_invitation"


def _meeting_id(event_row) -> int | None:
    name = parse(event_row.stream)
    return (
        name.object_id if name is not None and name.kind == "meeting" and not name.suffix else None
    )


def notify_participants(event_row) -> list[tuple[int, str]]:
    """The participants of a scheduled meeting; of a cancelled one, those told of it before."""
    meeting_id = _meeting_id(event_row)
    if meeting_id is None:
        return []
    if event_row.event == "meeting.cancelled":
        told = Notification.objects.filter(
            event__stream=event_row.stream, reason=MEETING_INVITATION
        ).values_list("user_id", flat=True)
        return [(user_id, MEETING_INVITATION) for user_id in sorted(set(told))]
    if not Meeting.objects.filter(pk=meeting_id, status=Meeting.Status.SCHEDULED).exists():
        return []  # a draft: nobody is invited yet
    people = Participant.objects.filter(meeting_id=meeting_id).values_list("user_id", flat=True)
    return [(user_id, MEETING_INVITATION) for user_id in sorted(people)]


# Where the meeting's stream hides who acted (an enterprise user, read by other companies).
PARTICIPANT = gettext_lazy("A participant")

EVENT_TYPES = [
    EventType(
        "meeting.scheduled",
        gettext_lazy("scheduled"),
        _title,
        sentence=_scheduled,
        notify=notify_participants,
    ),
    EventType("meeting.drafted", gettext_lazy("drafted"), _title, sentence=_drafted),
    EventType(
        "meeting.changed",
        gettext_lazy("changed"),
        _title,
        sentence=_changed,
        notify=notify_participants,
    ),
    EventType(
        "meeting.cancelled",
        gettext_lazy("cancelled"),
        _title,
        sentence=_cancelled,
        notify=notify_participants,
    ),
    EventType(
        "meeting.answered",
        gettext_lazy("answered the invitation to"),
        _title,
        sentence=_answered,
        unnamed=PARTICIPANT,
    ),
    EventType(
        "meeting.agenda_changed",
        gettext_lazy("changed the agenda of"),
        _title,
        sentence=_agenda_changed,
    ),
    EventType(
        "meeting.minutes_published",
        gettext_lazy("published the minutes of"),
        _title,
        sentence=_minutes_published,
    ),
    EventType(
        "meeting.internal_minutes_published",
        gettext_lazy("published internal minutes of"),
        _title,
        sentence=_internal_minutes_published,
    ),
    EventType(
        "meeting.finding_added",
        gettext_lazy("recorded a finding at"),
        _title,
        sentence=_finding_added,
    ),
    EventType(
        "action_item.created",
        gettext_lazy("created an action item"),
        _action,
        sentence=_action_created,
        unnamed=PARTICIPANT,
    ),
    EventType(
        "action_item.closed",
        gettext_lazy("closed an action item"),
        _action,
        sentence=_action_closed,
        unnamed=PARTICIPANT,
    ),
]
