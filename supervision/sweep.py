"""The daily supervision sweep: cards, the escalation ladder, the cases' limits, the board.

Once per working day (the worker runs it hourly; everything it writes is keyed, so a second
run, a second scheduler or a retried task changes nothing):
- a yellow card (黄牌) for an open approval due within N working days (N: the ladder's
  `warn_days` for its item, else its department, else global; 2 by default), a red card (红牌)
  once it is overdue, each once per due date (`Card.key`); a red card opens a supervision case
  for the department (`case_open` with the card's key as `dedupe_key`);
- a `stalled` card for an approval with the department (accepted, clock running) on which
  nobody recorded anything for N working days (the ladder's `stalled_days`; 5 by default);
- the steps registered by apps above supervision (meetings: overdue action items);
- cards cleared whose approval was decided, paused or moved to another due date;
- the ladder's steps due today (`supervision.ladder`), the cases' stage limits
  (`cases_sweep`), and the board's stored rollup of projects at risk.

Each card is written in its own transaction with its event, so a failure on one subject leaves
the others done and the next run finishes the rest. The queries look only at approvals whose
due date falls within the warning window and that have no card of that colour for that date
yet: a day's work grows with what changes that day, not with the district's approvals.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from portal.events import emit
from portal.models import Event
from projects.clock import WorkingCalendar
from projects.models import Approval, Department, Project
from projects.streams import project_internal_stream

from . import board, services
from .card_events import CARD_CLEARED, CARD_ISSUED
from .ladder import Ladder, card_subject, ensure_case, take_due_steps
from .models import Card

C = Card.Colour
S = Approval.Status
SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class SweepContext:
    """What a sweep step is given: the day, the calendar and ladder read once, the counters."""

    today: date
    calendar: WorkingCalendar
    ladder: Ladder
    counts: Counter = field(default_factory=Counter)


SweepStep = Callable[[SweepContext], None]
_steps: dict[str, SweepStep] = {}


def register_sweep_step(name: str, step: SweepStep) -> None:
    """Apps above supervision add their own cards to the sweep from their `AppConfig.ready()`
    (meetings: overdue action items)."""
    _steps[name] = step


def sweep_steps() -> dict[str, SweepStep]:
    return dict(_steps)


# --- cards: issued once, cleared once -------------------------------------------------------


def card_issue(
    *,
    colour: str,
    key: str,
    today: date,
    project: Project,
    due_date: date,
    department: Department | None = None,
    approval: Approval | None = None,
    subject_type: str = "",
    subject_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> Card | None:
    """Issue a card and write its event (a red card also opens its case), once per key: None
    when a card with this key exists (issued earlier, or by a concurrent sweep)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                card = Card.objects.create(
                    colour=colour,
                    key=key[:120],
                    approval=approval,
                    project=project,
                    department=department,
                    subject_type=subject_type,
                    subject_id=subject_id,
                    due_date=due_date,
                    issued_on=today,
                    subject_data=data or {},
                )
        except IntegrityError:
            return None
        if colour == C.RED:
            # The yellow card of the same due date has done its work.
            for yellow in Card.objects.filter(
                approval=approval, colour=C.YELLOW, cleared_on__isnull=True
            ).select_related("project", "approval__item", "department"):
                _clear(yellow, today=today, why="superseded")
        emit(
            stream=project_internal_stream(project.pk),
            event=CARD_ISSUED,
            actor=None,
            at=timezone.now(),
            data={**card_subject(card), "card_id": card.pk, **(data or {})},
        )
        if colour == C.RED:
            ensure_case(card, today=today)
    return card


def _clear(card: Card, *, today: date, why: str) -> bool:
    updated = Card.objects.filter(pk=card.pk, cleared_on__isnull=True).update(cleared_on=today)
    if not updated:
        return False
    card.cleared_on = today
    if card.project_id:
        emit(
            stream=project_internal_stream(card.project_id),
            event=CARD_CLEARED,
            actor=None,
            at=timezone.now(),
            data={**card_subject(card), "card_id": card.pk, "why": why},
        )
    return True


def card_clear(*, card_id: int, today: date, why: str) -> bool:
    """Clear an open card and write its event, once: False if it was cleared already."""
    with transaction.atomic():
        card = (
            Card.objects.select_related("project", "approval__item", "department")
            .filter(pk=card_id)
            .first()
        )
        if card is None or card.cleared_on is not None:
            return False
        return _clear(card, today=today, why=why)


# --- yellow and red -------------------------------------------------------------------------


def _card_exists(colour: str, **match: Any) -> Exists:
    return Exists(Card.objects.filter(colour=colour, approval=OuterRef("pk"), **match))


def _approval_key(colour: str, approval_id: int, due: date) -> str:
    return f"{colour}:approval:{approval_id}:{due.isoformat()}"


def due_cards(ctx: SweepContext) -> None:
    """Yellow and red cards for the running approvals due soon or overdue."""
    today, calendar, ladder = ctx.today, ctx.calendar, ctx.ladder
    horizon = calendar.nth_after(today, ladder.widest_warn_days())
    candidates = (
        Approval.objects.filter(
            # The projects' stored earliest due date narrows the search on an index.
            project__next_due__lte=horizon,
            status=S.ACCEPTED,
            paused_since__isnull=True,
            due_date__isnull=False,
            due_date__lte=horizon,
        )
        .annotate(
            has_red=_card_exists(C.RED, due_date=OuterRef("due_date")),
            has_yellow=_card_exists(C.YELLOW, due_date=OuterRef("due_date")),
        )
        .filter(Q(due_date__lt=today, has_red=False) | Q(due_date__gte=today, has_yellow=False))
        .select_related("project", "item", "department")
        .order_by("due_date", "id")
    )
    for approval in candidates:
        due = approval.due_date
        if due < today:
            colour = C.RED
        else:
            if approval.has_red:
                continue
            left = calendar.count(today, due)
            if left > ladder.warn_days(approval.department_id, approval.item_id):
                continue
            colour = C.YELLOW
        card = card_issue(
            colour=colour,
            key=_approval_key(colour, approval.pk, due),
            today=today,
            project=approval.project,
            department=approval.department,
            approval=approval,
            due_date=due,
        )
        if card is not None:
            ctx.counts[colour] += 1


def clear_due_cards(ctx: SweepContext) -> None:
    """Yellow and red cards whose approval was decided, paused or given another due date."""
    stale = Card.objects.filter(cleared_on__isnull=True, colour__in=(C.YELLOW, C.RED)).filter(
        Q(approval__isnull=True)
        | ~Q(approval__status=S.ACCEPTED)
        | Q(approval__paused_since__isnull=False)
        | Q(approval__due_date__isnull=True)
        | ~Q(approval__due_date=F("due_date"))
    )
    for card in stale.select_related("approval__item", "project", "department"):
        approval = card.approval
        if approval is None or approval.status in (S.APPROVED, S.REJECTED, S.WITHDRAWN):
            why = "decided"
        elif approval.status == S.SUPPLEMENT_REQUESTED or approval.paused_since is not None:
            why = "paused"
        else:
            why = "due_date_moved"
        with transaction.atomic():
            if _clear(card, today=ctx.today, why=why):
                ctx.counts["cleared"] += 1


# --- stalled --------------------------------------------------------------------------------


def working_days_before(calendar: WorkingCalendar, day: date, n: int) -> date:
    """The working day n working days before `day` (count(result, day) == n)."""
    current = day
    counted = 0
    while counted < n:
        if calendar.is_working(current):
            counted += 1
        current -= timedelta(days=1)
    while not calendar.is_working(current):
        current -= timedelta(days=1)
    return current


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def _activity(since: date) -> dict[int, date]:
    """The latest day someone recorded something on each approval since a day: events with an
    actor on the projects' streams that name the approval (read on the log's time index, so
    the cost follows the district's recent activity, not its size)."""
    latest: dict[int, date] = {}
    rows = Event.objects.filter(
        at__gte=_start_of(since), actor__isnull=False, stream__startswith="project:"
    ).values_list("data__approval_id", "at")
    for approval_id, at in rows.iterator(chunk_size=5000):
        if not isinstance(approval_id, int) or isinstance(approval_id, bool):
            continue
        on = timezone.localtime(at, SHANGHAI).date()
        if latest.get(approval_id, date.min) < on:
            latest[approval_id] = on
    return latest


def stalled_cards(ctx: SweepContext) -> None:
    """A `stalled` card for a running approval nobody recorded anything on for N working
    days; cleared when someone does, or when it is decided or paused."""
    today, calendar, ladder = ctx.today, ctx.calendar, ctx.ladder
    shortest, longest = ladder.stalled_range()
    newest_accepted = working_days_before(calendar, today, shortest)
    window = working_days_before(calendar, today, longest)
    open_cards = list(
        Card.objects.filter(colour=C.STALLED, cleared_on__isnull=True).select_related(
            "approval__item", "project", "department"
        )
    )
    since = min([window, *(card.issued_on for card in open_cards)])
    active = _activity(since)

    candidates = (
        Approval.objects.filter(
            status=S.ACCEPTED, paused_since__isnull=True, accepted_on__lte=newest_accepted
        )
        # A yellow or red card already chases it: no stalled card on top.
        .annotate(
            open_card=Exists(
                Card.objects.filter(
                    colour__in=(C.STALLED, C.YELLOW, C.RED),
                    approval=OuterRef("pk"),
                    cleared_on__isnull=True,
                )
            )
        )
        .filter(open_card=False)
        .order_by("accepted_on", "id")
        .values_list("pk", "accepted_on", "department_id", "item_id")
    )
    stalled: dict[int, tuple[date, int]] = {}
    for pk, accepted_on, department_id, item_id in candidates.iterator(chunk_size=5000):
        last = max(accepted_on, active.get(pk, date.min))
        days = calendar.count(last, today)
        if days >= ladder.stalled_days(department_id, item_id):
            stalled[pk] = (last, days)
    if stalled:
        for approval in Approval.objects.filter(pk__in=list(stalled)).select_related(
            "project", "item", "department"
        ):
            last, days = stalled[approval.pk]
            card = card_issue(
                colour=C.STALLED,
                key=f"stalled:approval:{approval.pk}:{today.isoformat()}",
                today=today,
                project=approval.project,
                department=approval.department,
                approval=approval,
                due_date=approval.due_date or today,
                data={"days": days, "since": last},
            )
            if card is not None:
                ctx.counts[C.STALLED] += 1

    for card in open_cards:
        approval = card.approval
        if approval is None or approval.status in (S.APPROVED, S.REJECTED, S.WITHDRAWN):
            why = "decided"
        elif approval.status != S.ACCEPTED or approval.paused_since is not None:
            why = "paused"
        elif active.get(approval.pk, date.min) >= card.issued_on:
            why = "activity"
        else:
            continue
        with transaction.atomic():
            if _clear(card, today=today, why=why):
                ctx.counts["cleared"] += 1


# --- the whole sweep ----------------------------------------------------------------------


@dataclass
class SweepResult:
    today: date
    working_day: bool
    counts: Counter

    def __getitem__(self, key: str) -> int:
        return self.counts[key]


def run_sweep(*, today: date) -> SweepResult:
    """The day's supervision work; nothing on a day off; a second run writes nothing new."""
    calendar = WorkingCalendar.load()
    if not calendar.is_working(today):
        return SweepResult(today, False, Counter())
    ctx = SweepContext(today=today, calendar=calendar, ladder=Ladder.load())
    due_cards(ctx)
    clear_due_cards(ctx)
    stalled_cards(ctx)
    for step in sweep_steps().values():
        step(ctx)
    ctx.counts["steps"] += take_due_steps(today=today, calendar=calendar, ladder=ctx.ladder)
    services.cases_sweep(today=today)
    ctx.counts["at_risk"] = board.refresh_at_risk(today=today, calendar=calendar)
    return SweepResult(today, True, ctx.counts)
