"""The supervision board's reads, and the stored rollup of projects at risk it shows.

The board is for bureau staff (the whole district) and the service group's helpers (the
projects they help). It lists the open cards and the open supervision cases by department,
oldest first, with counts per department, and the projects whose cautious ready date
(`projects.history`: the 80th percentile of the decided cases) falls after their planned
start. That last list is computed by the daily sweep for every project and stored
(`ProjectAtRisk`): forecasting the district on each request is what the project lists stopped
doing for staff.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Count, Max, Min, Q, QuerySet

from portal.roles import HELPER, is_bureau_staff, roles_of
from projects.clock import WorkingCalendar
from projects.forecast import BUILDING, Readiness, readiness
from projects.history import decided_history, graph_from
from projects.models import Approval, ApprovalItem, Department, Project
from projects.selectors import projects_visible_to

from .models import Card, Case, ProjectAtRisk

# How many rows each list of the board shows (the counts cover everything).
BOARD_ROWS = 100
AT_RISK_ROWS = 50


def may_see_board(user) -> bool:
    """Bureau staff and the service group's helpers."""
    return is_bureau_staff(user) or HELPER in roles_of(user)


# --- the rollup -----------------------------------------------------------------------------

_FIELDS = (
    "id",
    "project_id",
    "item_id",
    "department_id",
    "status",
    "accepted_on",
    "decided_on",
    "due_date",
    "paused_since",
    "paused_working_days",
    "promised_limit_days",
)


class _Row:
    """What the forecast reads of an approval, without a model instance."""

    __slots__ = ("pk", *_FIELDS[1:])

    def __init__(self, values) -> None:
        for name, value in zip(self.__slots__, values, strict=True):
            setattr(self, name, value)


@dataclass(frozen=True)
class _Planned:
    planned_start: date | None
    stage: str


# Per process (the worker's): for each (day, calendar, history's estimates, prerequisites), the
# readiness of every candidate project with the stamp it was computed from (planned start,
# stage, its approvals' count, last id and last change). The day's first sweep forecasts every
# candidate; the hourly runs after it forecast only the projects whose stamp moved.
_KEEP = 2
_known: OrderedDict[tuple, dict[int, tuple[tuple, Readiness | None]]] = OrderedDict()
_lock = threading.Lock()


def forget_at_risk() -> None:
    with _lock:
        _known.clear()


def refresh_at_risk(*, today: date, calendar: WorkingCalendar | None = None) -> int:
    """Recompute which projects are at risk today and store what changed; the number at risk."""
    calendar = calendar or WorkingCalendar.load()
    history = decided_history(calendar, through=today)
    needs: dict[int, set[int]] = defaultdict(set)
    for item_id, prerequisite_id in ApprovalItem.prerequisites.through.objects.values_list(
        "from_approvalitem_id", "to_approvalitem_id"
    ):
        needs[item_id].add(prerequisite_id)
    # Only a project not yet building, with a planned start and an open approval can be at risk.
    stamps = {
        pk: (planned, stage, *rest)
        for pk, planned, stage, *rest in Project.objects.filter(planned_start__isnull=False)
        .exclude(stage__in=BUILDING)
        .annotate(
            open=Count("approvals", filter=Q(approvals__status__in=Approval.OPEN)),
            n=Count("approvals"),
            last=Max("approvals__id"),
            changed=Max("approvals__updated_at"),
        )
        .filter(open__gt=0)
        .order_by()
        .values_list("pk", "planned_start", "stage", "n", "last", "changed")
    }
    key = (
        today,
        tuple(calendar.extra_working),
        tuple(calendar.extra_off),
        history.signature,
        frozenset((item, frozenset(p)) for item, p in needs.items()),
    )
    with _lock:
        known = _known.setdefault(key, {})
        _known.move_to_end(key)
        while len(_known) > _KEEP:
            _known.popitem(last=False)
        stale = [pk for pk, stamp in stamps.items() if known.get(pk, (None,))[0] != stamp]
    fresh: dict[int, tuple[tuple, Readiness | None]] = {}
    for start in range(0, len(stale), 2000):
        chunk = stale[start : start + 2000]
        by_project: dict[int, list[_Row]] = {pk: [] for pk in chunk}
        rows = (
            Approval.objects.filter(project_id__in=chunk)
            .order_by("project_id", "id")
            .values_list(*_FIELDS)
        )
        for values in rows:
            by_project[values[1]].append(_Row(values))
        for pk, approvals in by_project.items():
            planned, stage = stamps[pk][:2]
            fresh[pk] = (
                stamps[pk],
                readiness(
                    _Planned(planned, stage),
                    approvals,
                    graph_from(approvals, needs),
                    today=today,
                    calendar=calendar,
                    durations=history.durations,
                ),
            )
    with _lock:
        known.update(fresh)
        current = {pk: known.get(pk, (None, None))[1] for pk in stamps}
    wanted = {
        pk: ProjectAtRisk(
            project_id=pk,
            planned_start=stamps[pk][0],
            likely=ready.likely,
            cautious=ready.cautious,
            late_days=ready.late_days,
            cases=ready.cases,
            refreshed_on=today,
        )
        for pk, ready in current.items()
        if ready is not None and ready.at_risk
    }
    stored = {row[0]: row[1:] for row in ProjectAtRisk.objects.values_list(*_ROLLUP_FIELDS)}
    changed = [
        row
        for pk, row in wanted.items()
        if stored.get(pk) != tuple(getattr(row, f) for f in _ROLLUP_FIELDS[1:])
    ]
    gone = [pk for pk in stored if pk not in wanted]
    with transaction.atomic():
        if gone:
            ProjectAtRisk.objects.filter(project_id__in=gone).delete()
        if changed:
            ProjectAtRisk.objects.bulk_create(
                changed,
                update_conflicts=True,
                unique_fields=["project"],
                update_fields=list(_ROLLUP_FIELDS[1:]),
                batch_size=1000,
            )
    return len(wanted)


_ROLLUP_FIELDS = (
    "project_id",
    "planned_start",
    "likely",
    "cautious",
    "late_days",
    "cases",
    "refreshed_on",
)


# --- the board ------------------------------------------------------------------------------


@dataclass
class DepartmentRow:
    department: Department | None
    cards: list[Card] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    card_count: int = 0
    red_count: int = 0
    case_count: int = 0
    oldest: date | None = None


@dataclass
class Board:
    departments: list[DepartmentRow]
    at_risk: list[ProjectAtRisk]
    refreshed_on: date | None
    card_total: int
    case_total: int
    shown_cards: int
    shown_cases: int


def _scoped(user, queryset: QuerySet, project_field: str = "project") -> QuerySet:
    if is_bureau_staff(user):
        return queryset
    return queryset.filter(**{f"{project_field}__in": projects_visible_to(user).values("pk")})


def board_for(user) -> Board:
    """What the board shows this user: a fixed number of queries whatever the district's size."""
    cards = _scoped(user, Card.objects.filter(cleared_on__isnull=True))
    cases = _scoped(
        user, Case.objects.filter(kind=Case.Kind.SUPERVISION, state__in=Case.OPEN_STATES)
    )
    card_counts = {
        row["department_id"]: row
        for row in cards.order_by()
        .values("department_id")
        .annotate(
            n=Count("id"),
            red=Count("id", filter=Q(colour=Card.Colour.RED)),
            oldest=Min("issued_on"),
        )
    }
    case_counts = {
        row["department_id"]: row
        for row in cases.order_by()
        .values("department_id")
        .annotate(n=Count("id"), oldest=Min("opened_at"))
    }
    card_rows = list(
        cards.select_related("project", "approval__item", "case").order_by("issued_on", "id")[
            :BOARD_ROWS
        ]
    )
    case_rows = list(
        cases.select_related("project", "approval__item").order_by("opened_at", "id")[:BOARD_ROWS]
    )
    ids = set(card_counts) | set(case_counts)
    departments = {d.pk: d for d in Department.objects.filter(pk__in=[i for i in ids if i])}
    rows: dict[int | None, DepartmentRow] = {}
    for pk in ids:
        row = rows[pk] = DepartmentRow(department=departments.get(pk))
        counted = card_counts.get(pk)
        if counted:
            row.card_count, row.red_count, row.oldest = (
                counted["n"],
                counted["red"],
                counted["oldest"],
            )
        counted = case_counts.get(pk)
        if counted:
            row.case_count = counted["n"]
            opened = counted["oldest"].date()
            row.oldest = min(row.oldest, opened) if row.oldest else opened
    for card in card_rows:
        rows[card.department_id].cards.append(card)
    for case in case_rows:
        rows[case.department_id].cases.append(case)
    ordered = sorted(
        rows.values(),
        key=lambda r: (r.oldest or date.max, r.department.name if r.department else ""),
    )
    at_risk = _scoped(user, ProjectAtRisk.objects.all()).select_related("project")
    at_risk_rows = list(at_risk.order_by("-late_days", "project_id")[:AT_RISK_ROWS])
    refreshed = at_risk_rows[0].refreshed_on if at_risk_rows else None
    return Board(
        departments=ordered,
        at_risk=at_risk_rows,
        refreshed_on=refreshed,
        card_total=sum(r.card_count for r in ordered),
        case_total=sum(r.case_count for r in ordered),
        shown_cards=len(card_rows),
        shown_cases=len(case_rows),
    )
