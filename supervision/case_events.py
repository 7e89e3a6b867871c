"""The service cases' streams and event types: who reads `case:<id>` and
`case:<id>:internal`, the sentence of each step, and who is told of it (registered by
`supervision.streams.register()`).

- `case:<id>`: everyone who may see the case, its opener's enterprise included;
- `case:<id>:internal`: the bureau's side only (notes, escalations): staff, the department,
  the assignee, the project's helpers.
Each step of a case is also a line on its project's internal timeline: `project.case_step` on
`project:<id>:internal` (its own event type: never the same event in two streams).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.realtime import STAFF_GROUP, user_group
from portal.streams import (
    EventType,
    NotificationReason,
    StreamKind,
    day,
    fill,
    text,
)
from projects.models import Department, ProjectUserObjectPermission
from projects.streams import department_group, enterprise_group, localized

from . import permissions as perms
from .models import Case


def case_stream(case_id: int) -> str:
    return f"case:{case_id}"


def case_internal_stream(case_id: int) -> str:
    return f"case:{case_id}:internal"


def _may_read(user, case_id: int, suffix: str) -> bool:
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        return False
    if suffix == "internal":
        return perms.can_view_case_internal(user, case)
    return perms.can_view_case(user, case)


def _helper_ids(project_id: int | None) -> list[int]:
    if project_id is None:
        return []
    return sorted(
        set(
            ProjectUserObjectPermission.objects.filter(
                content_object_id=project_id, permission__codename="view_internal"
            ).values_list("user_id", flat=True)
        )
    )


def _groups(case_id: int, suffix: str) -> list[str]:
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        return []
    groups = [STAFF_GROUP]
    if case.department_id:
        groups.append(department_group(case.department_id))
    people = set(_helper_ids(case.project_id))
    for person in (case.assignee_id, case.opened_by_id):
        if person:
            people.add(person)
    groups += [user_group(pk) for pk in sorted(people)]
    if suffix != "internal" and case.enterprise_id and case.kind != Case.Kind.SUPERVISION:
        groups.append(enterprise_group(case.enterprise_id))
    return groups


CASE_STREAMS = StreamKind(
    kind="case", may_read=_may_read, groups=_groups, suffixes=frozenset({"", "internal"})
)


# --- The sentences ------------------------------------------------------------------------


def _case(data: dict[str, Any]) -> str:
    """`the complaint TS-2026-0001 “Slow review”` in the active language."""
    number, title = text(data.get("number")), text(data.get("title"))
    templates = {
        Case.Kind.SUPERVISION: _("the supervision case %(number)s “%(title)s”"),
        Case.Kind.COMPLAINT: _("the complaint %(number)s “%(title)s”"),
        Case.Kind.RATING: _("the rating follow-up %(number)s “%(title)s”"),
        Case.Kind.HOTLINE: _("the hotline case %(number)s “%(title)s”"),
        Case.Kind.REQUEST: _("the request for help %(number)s “%(title)s”"),
    }
    template = templates.get(data.get("kind"), _("the case %(number)s “%(title)s”"))
    return fill(template, number=number, title=title) or fill(
        _("the case %(number)s"), number=number
    )


def _department(data: dict[str, Any]) -> str:
    return localized(data.get("department"))


def _person(data: dict[str, Any]) -> str:
    person = data.get("assignee")
    return text(person.get("name")) if isinstance(person, dict) else ""


def _opened(data: dict[str, Any]) -> str:
    case = _case(data)
    department, person = _department(data), _person(data)
    return (
        fill(
            _("opened %(case)s and assigned it to %(department)s (%(person)s)"),
            case=case,
            department=department,
            person=person,
        )
        or fill(
            _("opened %(case)s and assigned it to %(department)s"),
            case=case,
            department=department,
        )
        or fill(_("opened %(case)s"), case=case)
        or _("opened a case")
    )


def _dispatched(data: dict[str, Any]) -> str:
    case = _case(data)
    department, person = _department(data), _person(data)
    return (
        fill(
            _("assigned %(case)s to %(department)s (%(person)s)"),
            case=case,
            department=department,
            person=person,
        )
        or fill(_("assigned %(case)s to %(department)s"), case=case, department=department)
        or fill(_("assigned %(case)s"), case=case)
        or _("assigned a case")
    )


def _signed(data: dict[str, Any]) -> str:
    case = _case(data)
    return (
        fill(
            _("signed for %(case)s, to be answered by %(date)s"),
            case=case,
            date=day(data.get("due")),
        )
        or fill(_("signed for %(case)s"), case=case)
        or _("signed for a case")
    )


def _answered(data: dict[str, Any]) -> str:
    return fill(_("answered %(case)s"), case=_case(data)) or _("answered a case")


def _asked(data: dict[str, Any]) -> str:
    return fill(
        _("asked the opener of %(case)s for information; the stage clock is paused"),
        case=_case(data),
    ) or _("asked the opener of a case for information")


def _opener_replied(data: dict[str, Any]) -> str:
    case = _case(data)
    return (
        fill(
            _("replied to the question on %(case)s; the clock runs again, due %(date)s"),
            case=case,
            date=day(data.get("due")),
        )
        or fill(_("replied to the question on %(case)s"), case=case)
        or _("replied to a question on a case")
    )


def _closed(data: dict[str, Any]) -> str:
    case = _case(data)
    if data.get("automatically") is True:
        days = data.get("days")
        if isinstance(days, int) and not isinstance(days, bool) and days > 0:
            template = ngettext(
                "closed %(case)s automatically, %(days)d working day after the answer",
                "closed %(case)s automatically, %(days)d working days after the answer",
                days,
            )
            sentence = fill(template, case=case, days=days)
            if sentence:
                return sentence
        return fill(_("closed %(case)s automatically"), case=case) or _(
            "closed a case automatically"
        )
    return fill(_("confirmed the answer and closed %(case)s"), case=case) or _("closed a case")


def _reopened(data: dict[str, Any]) -> str:
    return fill(_("reopened %(case)s: not resolved"), case=_case(data)) or _("reopened a case")


def _escalated(data: dict[str, Any]) -> str:
    case = _case(data)
    level = data.get("level")
    level = level if isinstance(level, int) and not isinstance(level, bool) else None
    if data.get("overdue_since"):
        sentence = fill(
            _("escalated %(case)s to level %(level)s: the stage limit passed on %(date)s"),
            case=case,
            level=level,
            date=day(data.get("overdue_since")),
        )
        if sentence:
            return sentence
    return (
        fill(_("escalated %(case)s to level %(level)s"), case=case, level=level)
        or fill(_("escalated %(case)s"), case=case)
        or _("escalated a case")
    )


def _replied(data: dict[str, Any]) -> str:
    case = _case(data)
    files = data.get("attachments")
    files = files if isinstance(files, int) and not isinstance(files, bool) else 0
    if files:
        template = ngettext(
            "wrote on %(case)s, with %(count)d attachment",
            "wrote on %(case)s, with %(count)d attachments",
            files,
        )
        sentence = fill(template, case=case, count=files)
        if sentence:
            return sentence
    return fill(_("wrote on %(case)s"), case=case) or _("wrote on a case")


def _noted(data: dict[str, Any]) -> str:
    return fill(_("added an internal note on %(case)s"), case=_case(data)) or _(
        "added an internal note on a case"
    )


# The step of a case -> its sentence; the project's line reads the same sentence.
SENTENCES = {
    "opened": _opened,
    "dispatched": _dispatched,
    "signed": _signed,
    "answered": _answered,
    "asked_opener": _asked,
    "opener_replied": _opener_replied,
    "closed": _closed,
    "reopened": _reopened,
    "escalated": _escalated,
    "replied": _replied,
    "noted": _noted,
}


def _project_line(data: dict[str, Any]) -> str:
    sentence = SENTENCES.get(data.get("step"))
    return (sentence(data) if sentence else "") or _("worked on a case about the project")


# --- Who is told, and why -----------------------------------------------------------------

ASSIGNED = "case_assigned"
TO_DISPATCH = "case_to_dispatch"
PROGRESS = "case_progress"
ANSWERED = "case_answered"
QUESTION = "case_question"
OPENER_REPLIED = "case_opener_replied"
CLOSED = "case_closed"
REOPENED = "case_reopened"
ESCALATED = "case_escalated"
REPLY = "case_reply"

REASONS = [
    NotificationReason(
        ASSIGNED,
        gettext_lazy("A case assigned to you or your department"),
        email="immediate",
    ),
    NotificationReason(
        TO_DISPATCH,
        gettext_lazy("A new case about your project to dispatch"),
        email="immediate",
    ),
    NotificationReason(PROGRESS, gettext_lazy("Progress on a case you opened"), email="digest"),
    NotificationReason(ANSWERED, gettext_lazy("An answer to a case you opened"), email="immediate"),
    NotificationReason(
        QUESTION, gettext_lazy("A question on a case you opened"), email="immediate"
    ),
    NotificationReason(
        OPENER_REPLIED,
        gettext_lazy("The opener's reply on a case assigned to you"),
        email="immediate",
    ),
    NotificationReason(CLOSED, gettext_lazy("A case you handle was closed"), email="digest"),
    NotificationReason(REOPENED, gettext_lazy("A case you handle was reopened"), email="immediate"),
    NotificationReason(
        ESCALATED, gettext_lazy("A case escalated in your department"), email="immediate"
    ),
    NotificationReason(REPLY, gettext_lazy("A message on a case"), email="digest"),
]


def _case_of(event_row) -> Case | None:
    parts = str(event_row.stream).split(":")
    if len(parts) < 2 or not parts[1].isdigit():
        return None
    return Case.objects.filter(pk=int(parts[1])).first()


def _data(event_row) -> dict[str, Any]:
    return event_row.data if isinstance(event_row.data, dict) else {}


def _handlers(case: Case, data: dict[str, Any]) -> list[int]:
    """The person assigned, else the department's officers (as the event recorded them)."""
    assignee = data.get("assignee")
    if isinstance(assignee, dict) and isinstance(assignee.get("id"), int):
        return [assignee["id"]]
    department = data.get("department")
    department_id = department.get("id") if isinstance(department, dict) else case.department_id
    if not department_id:
        return []
    return list(
        Department.officers.through.objects.filter(department_id=department_id)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def _openers(case: Case) -> list[int]:
    """Who opened it and has an account to be told on (not the system, not a caller)."""
    if case.opener_kind in (Case.Opener.SYSTEM, Case.Opener.PHONE) or not case.opened_by_id:
        return []
    if case.opener_kind == Case.Opener.ENTERPRISE and case.kind == Case.Kind.SUPERVISION:
        return []
    return [case.opened_by_id]


def _recipients(event_row, people: list[int], reason: str) -> list[tuple[int, str]]:
    seen, out = set(), []
    for person in people:
        if person and person != event_row.actor_id and person not in seen:
            seen.add(person)
            out.append((person, reason))
    return out


def _notify(pick):
    def notify(event_row) -> list[tuple[int, str]]:
        case = _case_of(event_row)
        if case is None:
            return []
        people, reason = pick(case, _data(event_row))
        return _recipients(event_row, people, reason)

    return notify


def _on_opened(case: Case, data: dict[str, Any]):
    if isinstance(data.get("department"), dict):
        return _handlers(case, data), ASSIGNED
    # Not dispatched yet: the project's lead helper dispatches it (staff see every new case).
    lead = case.project.lead_helper_id if case.project_id else None
    return ([lead] if lead else []), TO_DISPATCH


def _on_reply(case: Case, data: dict[str, Any]):
    # The opener's side writes to whoever handles it, and the other way round.
    if data.get("from_opener") is True:
        return _handlers(case, data), REPLY
    return _openers(case) + _handlers(case, data), REPLY


def _on_escalated(case: Case, data: dict[str, Any]):
    """The department's head and whoever handles it; before it is dispatched, the project's
    lead helper (who should have dispatched it)."""
    if not case.department_id:
        lead = case.project.lead_helper_id if case.project_id else None
        return ([lead] if lead else []), ESCALATED
    head = case.department.head_user_id
    return ([head] if head else []) + _handlers(case, data), ESCALATED


notify_opened = _notify(_on_opened)
notify_dispatched = _notify(lambda case, data: (_handlers(case, data), ASSIGNED))
notify_signed = _notify(lambda case, data: (_openers(case), PROGRESS))
notify_answered = _notify(lambda case, data: (_openers(case), ANSWERED))
notify_asked = _notify(lambda case, data: (_openers(case), QUESTION))
notify_opener_replied = _notify(lambda case, data: (_handlers(case, data), OPENER_REPLIED))
notify_closed = _notify(lambda case, data: (_handlers(case, data), CLOSED))
notify_reopened = _notify(lambda case, data: (_handlers(case, data), REOPENED))
notify_escalated = _notify(_on_escalated)
notify_replied = _notify(_on_reply)
notify_noted = _notify(lambda case, data: (_handlers(case, data), REPLY))


EVENT_TYPES = [
    EventType(
        "case.opened", gettext_lazy("opened a case"), _case, sentence=_opened, notify=notify_opened
    ),
    EventType(
        "case.dispatched",
        gettext_lazy("assigned a case"),
        _case,
        sentence=_dispatched,
        notify=notify_dispatched,
    ),
    EventType(
        "case.signed",
        gettext_lazy("signed for a case"),
        _case,
        sentence=_signed,
        notify=notify_signed,
    ),
    EventType(
        "case.answered",
        gettext_lazy("answered a case"),
        _case,
        sentence=_answered,
        notify=notify_answered,
    ),
    EventType(
        "case.asked_opener",
        gettext_lazy("asked the opener of a case"),
        _case,
        sentence=_asked,
        notify=notify_asked,
    ),
    EventType(
        "case.opener_replied",
        gettext_lazy("replied to a question on a case"),
        _case,
        sentence=_opener_replied,
        notify=notify_opener_replied,
    ),
    EventType(
        "case.closed", gettext_lazy("closed a case"), _case, sentence=_closed, notify=notify_closed
    ),
    EventType(
        "case.reopened",
        gettext_lazy("reopened a case"),
        _case,
        sentence=_reopened,
        notify=notify_reopened,
    ),
    EventType(
        "case.escalated",
        gettext_lazy("escalated a case"),
        _case,
        sentence=_escalated,
        notify=notify_escalated,
    ),
    EventType(
        "case.replied",
        gettext_lazy("wrote on a case"),
        _case,
        sentence=_replied,
        notify=notify_replied,
    ),
    EventType(
        "case.noted",
        gettext_lazy("added an internal note on a case"),
        _case,
        sentence=_noted,
        notify=notify_noted,
    ),
    # On the project's internal timeline: one line per step of a case about the project.
    EventType(
        "project.case_step",
        gettext_lazy("worked on a case about the project"),
        _case,
        sentence=_project_line,
    ),
]

# The event type of each step on the case's own stream.
STEP_EVENTS = {
    "opened": "case.opened",
    "dispatched": "case.dispatched",
    "signed": "case.signed",
    "answered": "case.answered",
    "asked_opener": "case.asked_opener",
    "opener_replied": "case.opener_replied",
    "closed": "case.closed",
    "reopened": "case.reopened",
    "escalated": "case.escalated",
    "replied": "case.replied",
    "noted": "case.noted",
}
# Steps written on the bureau's side of the case only.
INTERNAL_STEPS = frozenset({"escalated", "noted"})
