"""The escalation ladder: rules that staff edit, read once per sweep, and the steps they take.

A rule is global, or for one department, or for one approval item. For a card, the most
specific scope that has rules for the card's colour wins and its rules replace the others of
that colour: an item's rules, else its department's, else the global ones. A rule's step is
due `after_days` working days after the card was issued (on the issue day for 0), counted on
the working-day calendar across holidays and make-up days; it is taken once (the
`escalation_step_once` constraint), recorded as an EscalationStep and an event on the
project's internal stream, and told to the people it reaches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.events import emit
from portal.models import User
from portal.streams import listed
from projects.clock import WorkingCalendar
from projects.models import Department
from projects.streams import project_internal_stream

from . import services
from .card_events import CARD_ESCALATED
from .models import Card, Case, EscalationRule, EscalationStep

DEFAULT_WARN_DAYS = 2
DEFAULT_STALLED_DAYS = 5
MAX_AFTER_DAYS = 60

Rule = EscalationRule
A = EscalationRule.Action

# --- the agenda step's target, which meetings (above supervision) registers ----------------

# `target(project_id, today) -> {"id", "title", "start", "organiser_id"} | None`: the next
# scheduled joint meeting of the project, or the next joint meeting at all.
_agenda_targets: list[Callable[[int, date], dict[str, Any] | None]] = []


def register_agenda_target(target: Callable[[int, date], dict[str, Any] | None]) -> None:
    if target not in _agenda_targets:
        _agenda_targets.append(target)


def _agenda_target(project_id: int, today: date) -> dict[str, Any] | None:
    for target in _agenda_targets:
        found = target(project_id, today)
        if found:
            return found
    return None


# --- the rules ------------------------------------------------------------------------------


@dataclass
class Ladder:
    """Every active rule, by colour and scope: read in two queries, asked many times."""

    global_rules: dict[str, list[Rule]] = field(default_factory=dict)
    by_department: dict[tuple[str, int], list[Rule]] = field(default_factory=dict)
    by_item: dict[tuple[str, int], list[Rule]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Ladder:
        ladder = cls()
        rules = EscalationRule.objects.filter(active=True).prefetch_related("people")
        for rule in rules.order_by("after_days", "id"):
            if rule.item_id:
                ladder.by_item.setdefault((rule.trigger, rule.item_id), []).append(rule)
            elif rule.department_id:
                ladder.by_department.setdefault((rule.trigger, rule.department_id), []).append(rule)
            else:
                ladder.global_rules.setdefault(rule.trigger, []).append(rule)
        return ladder

    def rules_for(self, trigger: str, department_id: int | None, item_id: int | None) -> list[Rule]:
        """The rules of the most specific scope that has any for this colour."""
        if item_id and (trigger, item_id) in self.by_item:
            return self.by_item[(trigger, item_id)]
        if department_id and (trigger, department_id) in self.by_department:
            return self.by_department[(trigger, department_id)]
        return self.global_rules.get(trigger, [])

    def warn_days(self, department_id: int | None, item_id: int | None) -> int:
        """Working days before the due date that earn a yellow card here."""
        rules = self.rules_for(Rule.Trigger.YELLOW, department_id, item_id)
        return min((r.warn_days for r in rules), default=DEFAULT_WARN_DAYS)

    def stalled_days(self, department_id: int | None, item_id: int | None) -> int:
        """Working days without a recorded step after which an approval is stalled here."""
        rules = self.rules_for(Rule.Trigger.STALLED, department_id, item_id)
        return min((r.stalled_days for r in rules), default=DEFAULT_STALLED_DAYS)

    def _all(self) -> Iterable[Rule]:
        for rules in (
            *self.global_rules.values(),
            *self.by_department.values(),
            *self.by_item.values(),
        ):
            yield from rules

    def widest_warn_days(self) -> int:
        rules = [r for r in self._all() if r.trigger == Rule.Trigger.YELLOW]
        return max([DEFAULT_WARN_DAYS, *(r.warn_days for r in rules)])

    def stalled_range(self) -> tuple[int, int]:
        values = [r.stalled_days for r in self._all() if r.trigger == Rule.Trigger.STALLED]
        values = values or [DEFAULT_STALLED_DAYS]
        if not self.global_rules.get(Rule.Trigger.STALLED):
            values.append(DEFAULT_STALLED_DAYS)
        return min(values), max(values)

    @property
    def empty(self) -> bool:
        return not (self.global_rules or self.by_department or self.by_item)


def step_due_on(calendar: WorkingCalendar, issued_on: date, after_days: int) -> date:
    """The working day a step is due: `after_days` working days after the card's issue day."""
    return issued_on if after_days <= 0 else calendar.nth_after(issued_on, after_days)


# --- the steps ------------------------------------------------------------------------------


def _names(users: Iterable[User]) -> str:
    return listed(u.get_full_name() or u.username for u in users)


def ensure_case(card: Card, *, today: date) -> Case:
    """The supervision case of a card, opened for its department once (by the card's key)."""
    if card.case_id:
        return card.case
    approval = card.approval
    # Stored text, like a title a person types: in the bureau's language, whichever
    # language the process that runs the sweep happens to have active.
    with translation.override(settings.LANGUAGE_CODE):
        if approval is not None:
            title = _("Overdue: %(item)s %(name)s (%(project)s)") % {
                "item": approval.item.code,
                "name": approval.item.name,
                "project": card.project.code if card.project else "",
            }
            if card.colour == Card.Colour.STALLED:
                title = _("Stalled: %(item)s %(name)s (%(project)s)") % {
                    "item": approval.item.code,
                    "name": approval.item.name,
                    "project": card.project.code if card.project else "",
                }
            body = _(
                "The approval was due on %(due)s. Please sign for this case and answer it."
            ) % {"due": card.due_date.isoformat()}
        else:
            title = _("Action item overdue (%(project)s)") % {
                "project": card.project.code if card.project else ""
            }
            body = _("The action item was due on %(due)s.") % {"due": card.due_date.isoformat()}
    case, _code = services.case_open(
        actor=None,
        kind=Case.Kind.SUPERVISION,
        title=title[:200],
        body=body,
        project=card.project,
        approval=approval,
        subject_type=card.subject_type,
        subject_id=card.subject_id,
        opener_kind=Case.Opener.SYSTEM,
        department=card.department,
        dedupe_key=f"card:{card.key}"[:120],
        today=today,
    )
    Card.objects.filter(pk=card.pk).update(case=case)
    card.case = case
    return case


def _recipients(card: Card, rule: Rule) -> tuple[list[User], str]:
    """The people a step reaches, and how the result reads."""
    if rule.action == A.LEAD_HELPER:
        lead = card.project.lead_helper if card.project else None
        return ([lead] if lead else []), (
            _("told the lead helper") if lead else _("the project has no lead helper")
        )
    if rule.action == A.DEPARTMENT_HEAD:
        head = card.department.head_user if card.department else None
        return ([head] if head else []), (
            _("told the department head") if head else _("the department has no head account")
        )
    if rule.action == A.PEOPLE:
        people = [p for p in rule.people.all() if p.is_active]
        return people, (_("told the people named") if people else _("nobody is named"))
    return [], ""


def take_step(card_id: int, rule: Rule, *, due_on: date, today: date) -> bool:
    """Take one rung for one card, once: False if it was taken already (by this sweep's twin,
    a retried task or a second scheduler) or the card has been cleared meanwhile."""
    with transaction.atomic():
        card = (
            Card.objects.select_for_update(of=("self",))
            .select_related(
                "project__lead_helper", "department__head_user", "approval__item", "case"
            )
            .filter(pk=card_id, cleared_on__isnull=True)
            .first()
        )
        if card is None:
            return False
        try:
            with transaction.atomic():
                step = EscalationStep.objects.create(card=card, rule=rule, due_on=due_on)
        except IntegrityError:
            return False
        data: dict[str, Any] = {
            **card_subject(card),
            "card_id": card.pk,
            "rule_id": rule.pk,
            "action": rule.action,
            "after_days": rule.after_days,
            "due_on": due_on,
        }
        recipients: list[User] = []
        if rule.action in (A.LEAD_HELPER, A.DEPARTMENT_HEAD, A.PEOPLE):
            recipients, result = _recipients(card, rule)
            data["names"] = _names(recipients)
        elif rule.action == A.OPEN_CASE:
            case = ensure_case(card, today=today)
            data["case_number"] = case.number
            result = _("opened %(case)s") % {"case": case.number}
            if case.department_id and case.department.head_user_id:
                recipients = [case.department.head_user]
        else:  # the agenda
            case = ensure_case(card, today=today)
            data["case_number"] = case.number
            meeting = _agenda_target(card.project_id, today) if card.project_id else None
            if meeting:
                data["meeting"] = {k: meeting[k] for k in ("id", "title", "start")}
                organiser = User.objects.filter(pk=meeting.get("organiser_id")).first()
                recipients = [organiser] if organiser else []
                result = _("proposed for the joint meeting “%(title)s”") % {
                    "title": meeting["title"]
                }
            else:
                result = _("proposed for the next joint meeting (none scheduled yet)")
        # The card's own notice told the project's helpers on the day it was issued.
        if rule.after_days == 0 and rule.action == A.LEAD_HELPER and recipients:
            recipients = [u for u in recipients if u.pk != card_lead_helper_id(card)]
            result = _("told the lead helper with the card")
        data["recipients"] = [u.pk for u in recipients]
        step.result = str(result)[:300]
        step.save(update_fields=["result"])
        if card.project_id:
            emit(
                stream=project_internal_stream(card.project_id),
                event=CARD_ESCALATED,
                actor=None,
                at=timezone.now(),
                data=data,
            )
    return True


def card_lead_helper_id(card: Card) -> int | None:
    return card.project.lead_helper_id if card.project_id else None


def card_subject(card: Card) -> dict[str, Any]:
    """What a card's events record of its subject (see card_events' sentences)."""
    data: dict[str, Any] = {
        "colour": card.colour,
        "due_date": card.due_date,
        "key": card.key,
    }
    if card.project_id:
        p = card.project
        data["project"] = {"id": p.pk, "code": p.code, "name": p.name, "name_en": p.name_en}
    if card.approval_id:
        a = card.approval
        data["approval_id"] = a.pk
        data["item"] = {"code": a.item.code, "name": a.item.name, "name_en": a.item.name_en}
    if card.department_id:
        d = card.department
        data["department"] = {"id": d.pk, "name": d.name, "name_en": d.name_en}
    if card.subject_type:
        data["subject_type"] = card.subject_type
        data["subject_id"] = card.subject_id
    if isinstance(card.subject_data, dict):
        data.update({k: v for k, v in card.subject_data.items() if k not in data})
    return data


def take_due_steps(*, today: date, calendar: WorkingCalendar, ladder: Ladder) -> int:
    """Every rung due by today of every open card, each once; the number taken now."""
    if ladder.empty:
        return 0
    cards = list(
        Card.objects.filter(cleared_on__isnull=True)
        .order_by("issued_on", "id")
        .values_list("pk", "colour", "department_id", "approval__item_id", "issued_on")
    )
    if not cards:
        return 0
    taken: dict[int, set[int]] = defaultdict(set)
    for card_id, rule_id in EscalationStep.objects.filter(
        card__cleared_on__isnull=True
    ).values_list("card_id", "rule_id"):
        taken[card_id].add(rule_id)
    done = 0
    for card_id, colour, department_id, item_id, issued_on in cards:
        for rule in ladder.rules_for(colour, department_id, item_id):
            if rule.pk in taken[card_id]:
                continue
            due_on = step_due_on(calendar, issued_on, rule.after_days)
            if due_on > today:
                continue
            if take_step(card_id, rule, due_on=due_on, today=today):
                done += 1
    return done


# --- the default ladder -----------------------------------------------------------------------


def seed_default_ladder(*, service_group_leaders: Iterable[User] = ()) -> int:
    """The default global ladder, once (nothing is added while any global rule exists):
    yellow: the lead helper; red: the department head; red + 3 working days: the service
    group's leaders; red + 5: proposed onto the next joint meeting's agenda."""
    with transaction.atomic():
        # Serialise two seeders on the departments' table (any row): a cheap lock both take.
        list(Department.objects.select_for_update().order_by("pk")[:1])
        existing = EscalationRule.objects.filter(department__isnull=True, item__isnull=True)
        if existing.exists():
            # The installation's default (migration 0003) names nobody for its "people"
            # rung: the leaders given fill it, where nobody was named yet.
            leaders = list(service_group_leaders)
            for rule in existing.filter(action=A.PEOPLE).prefetch_related("people"):
                if leaders and not rule.people.all():
                    rule.people.set(leaders)
            return 0
        rows = [
            EscalationRule(trigger=Rule.Trigger.YELLOW, after_days=0, action=A.LEAD_HELPER),
            EscalationRule(trigger=Rule.Trigger.RED, after_days=0, action=A.DEPARTMENT_HEAD),
            EscalationRule(trigger=Rule.Trigger.RED, after_days=3, action=A.PEOPLE),
            EscalationRule(trigger=Rule.Trigger.RED, after_days=5, action=A.AGENDA),
            EscalationRule(trigger=Rule.Trigger.STALLED, after_days=0, action=A.LEAD_HELPER),
            EscalationRule(trigger=Rule.Trigger.ACTION_OVERDUE, after_days=0, action=A.LEAD_HELPER),
        ]
        for row in rows:
            row.save()
        rows[2].people.set(list(service_group_leaders))
    return len(rows)
