"""The event types of supervision cards and of the escalation ladder's steps, and who is told.

Cards and steps are written on the project's internal stream (`project:<id>:internal`): staff,
the project's helpers and the officers of its departments read it, never the enterprise. Each
event records what its sentence and its recipients need (the colour, the approval's item and
department, the due date, the step's people), so a row reads the same years later.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.streams import EventType, NotificationReason, day, fill, text
from projects.models import Project
from projects.streams import localized

CARD_ISSUED = "card.issued"
CARD_CLEARED = "card.cleared"
CARD_ESCALATED = "card.escalated"

# The reason each colour of card is told for (the notification centre's preferences).
REASON_OF_COLOUR = {
    "yellow": "card_yellow",
    "red": "card_red",
    "stalled": "card_stalled",
    "action_overdue": "card_action_overdue",
}
REASON_ESCALATED = "card_escalated"
REASON_AGENDA = "card_agenda"


def _ids(values: Any) -> list[int]:
    if not isinstance(values, list):
        return []
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool)]


def _subject(data: dict[str, Any]) -> str:
    """What the card is about: `WAT-01 取水许可 (水务局)` or the action item's title."""
    action = data.get("action_item")
    if isinstance(action, dict):
        return text(action.get("title"))
    item = data.get("item")
    if not isinstance(item, dict):
        return ""
    name = f"{text(item.get('code'))} {localized(item)}".strip()
    department = localized(data.get("department")) if data.get("department") else ""
    return f"{name} ({department})" if name and department else name


def _project(data: dict[str, Any]) -> str:
    project = data.get("project")
    if not isinstance(project, dict):
        return ""
    return " ".join(p for p in (text(project.get("code")), localized(project)) if p)


def _issued(data: dict[str, Any]) -> str:
    colour = data.get("colour")
    parts = {"subject": _subject(data), "due": day(data.get("due_date"))}
    if colour == "yellow":
        sentence = fill(
            _("gave a yellow card: the approval “%(subject)s” is due on %(due)s"), **parts
        )
    elif colour == "red":
        sentence = fill(
            _("gave a red card: the approval “%(subject)s” was due on %(due)s and is overdue"),
            **parts,
        )
    elif colour == "stalled":
        sentence = fill(
            _(
                "flagged the approval “%(subject)s” as stalled: nothing was recorded on it for "
                "%(days)s working days"
            ),
            subject=parts["subject"],
            days=text(data.get("days")),
        )
    elif colour == "action_overdue":
        sentence = fill(
            _("flagged the action item “%(subject)s” as overdue: it was due on %(due)s"), **parts
        )
    else:
        sentence = ""
    return sentence or _("gave a supervision card")


def _cleared(data: dict[str, Any]) -> str:
    why = {
        "decided": _("it was decided"),
        "due_date_moved": _("its due date moved"),
        "paused": _("its clock is paused"),
        "activity": _("work on it was recorded"),
        "done": _("it was done"),
        "superseded": _("a red card replaced it"),
    }.get(data.get("why"), "")
    colour = {
        "yellow": _("yellow card"),
        "red": _("red card"),
        "stalled": _("stalled flag"),
        "action_overdue": _("overdue flag"),
    }.get(data.get("colour"), "")
    return fill(
        _("cleared the %(card)s of “%(subject)s”: %(why)s"),
        card=colour,
        subject=_subject(data),
        why=why,
    ) or _("cleared a supervision card")


def _escalated(data: dict[str, Any]) -> str:
    subject = _subject(data)
    action = data.get("action")
    names = text(data.get("names"))
    if action == "lead_helper":
        return fill(
            _("escalated “%(subject)s” to the lead helper %(names)s"), subject=subject, names=names
        ) or _("escalated a card to the lead helper")
    if action == "department_head":
        return fill(
            _("escalated “%(subject)s” to the department head %(names)s"),
            subject=subject,
            names=names,
        ) or _("escalated a card to the department head")
    if action == "people":
        return fill(_("escalated “%(subject)s” to %(names)s"), subject=subject, names=names) or _(
            "escalated a card"
        )
    if action == "open_case":
        return fill(
            _("opened the supervision case %(case)s about “%(subject)s”"),
            case=text(data.get("case_number")),
            subject=subject,
        ) or _("opened a supervision case about a card")
    if action == "agenda":
        meeting = data.get("meeting")
        if isinstance(meeting, dict):
            return fill(
                _(
                    "proposed the supervision case %(case)s about “%(subject)s” for the agenda "
                    "of the joint meeting “%(meeting)s” on %(date)s"
                ),
                case=text(data.get("case_number")),
                subject=subject,
                meeting=text(meeting.get("title")),
                date=day(meeting.get("start")),
            ) or _("proposed a supervision case for a joint meeting's agenda")
        return fill(
            _(
                "proposed the supervision case %(case)s about “%(subject)s” for the next joint "
                "meeting about the project (none is scheduled yet)"
            ),
            case=text(data.get("case_number")),
            subject=subject,
        ) or _("proposed a supervision case for a joint meeting's agenda")
    return _("took a step of the escalation ladder")


def _project_id(event_row) -> int | None:
    parts = str(getattr(event_row, "stream", "")).split(":")
    if len(parts) >= 2 and parts[0] == "project" and parts[1].isdigit():
        return int(parts[1])
    return None


def helpers_of(project_id: int | None) -> list[int]:
    """The project's lead helper and its other helpers, lead first."""
    if project_id is None:
        return []
    lead = Project.objects.filter(pk=project_id).values_list("lead_helper_id", flat=True).first()
    others = Project.helpers.through.objects.filter(project_id=project_id).values_list(
        "user_id", flat=True
    )
    found = [lead] if lead else []
    return found + sorted(uid for uid in set(others) if uid != lead)


def notify_issued(event_row) -> list[tuple[int, str]]:
    """A card is told to the project's lead helper and helpers (and an overdue action item's
    owner), for the reason of its colour."""
    data = event_row.data if isinstance(event_row.data, dict) else {}
    reason = REASON_OF_COLOUR.get(data.get("colour"))
    if reason is None:
        return []
    people = helpers_of(_project_id(event_row))
    people += [uid for uid in _ids(data.get("also")) if uid not in people]
    return [(uid, reason) for uid in people]


def notify_escalated(event_row) -> list[tuple[int, str]]:
    """A step is told to the people it reaches (recorded in the event when it was taken)."""
    data = event_row.data if isinstance(event_row.data, dict) else {}
    reason = REASON_AGENDA if data.get("action") == "agenda" else REASON_ESCALATED
    seen: list[int] = []
    for uid in _ids(data.get("recipients")):
        if uid not in seen:
            seen.append(uid)
    return [(uid, reason) for uid in seen]


EVENT_TYPES = [
    EventType(
        CARD_ISSUED,
        gettext_lazy("gave a supervision card"),
        _subject,
        sentence=_issued,
        notify=notify_issued,
    ),
    EventType(
        CARD_CLEARED, gettext_lazy("cleared a supervision card"), _subject, sentence=_cleared
    ),
    EventType(
        CARD_ESCALATED,
        gettext_lazy("escalated a supervision card"),
        _subject,
        sentence=_escalated,
        notify=notify_escalated,
    ),
]

REASONS = [
    NotificationReason(
        "card_yellow",
        gettext_lazy("Yellow card: an approval of your project is due soon"),
        email="digest",
    ),
    NotificationReason(
        "card_red", gettext_lazy("Red card: an approval of your project is overdue")
    ),
    NotificationReason(
        "card_stalled",
        gettext_lazy("An approval of your project is stalled with its department"),
        email="digest",
    ),
    NotificationReason(
        "card_action_overdue", gettext_lazy("An action item of a meeting is overdue")
    ),
    NotificationReason(REASON_ESCALATED, gettext_lazy("A supervision card was escalated to you")),
    NotificationReason(
        REASON_AGENDA,
        gettext_lazy("A supervision case was proposed for your joint meeting's agenda"),
    ),
]


def project_names(project) -> dict[str, Any]:
    return {
        "id": project.pk,
        "code": project.code,
        "name": project.name,
        "name_en": project.name_en,
    }
