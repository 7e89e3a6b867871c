"""How long approvals really take, read from the decided ones; the projects at risk.

A decided case is an approved or rejected approval with its acceptance and decision dates. Its
duration is the working days from acceptance to decision on the working-day calendar, the
enterprise's supplement pauses included: the investor waits through them too, so a forecast of
when building can start must count them (the department's own clock, which stops during a
pause, is the statistics' business). The figures come from the approvals' stored dates, which
the services set in the same transactions that log `approval.accepted` and the decisions; the
event log would give the same dates through one more join.

Per item, the median (p50) and 80th percentile (p80) of the durations; per department, the same
as a share of each case's promised limit (to the nearest 5 %), for items of that department with
too little history of their own. Fewer than `MIN_CASES` cases: no figure, the promised limit
stands. Percentiles are interpolated between the sorted values (as PostgreSQL's percentile_cont)
and rounded up to whole working days. Only cases decided within `LOOKBACK_DAYS` count:
procedures change.

Reads only. The tables are kept per process for each calendar and day, and read again when
the decided approvals change (one aggregate query tells). The lists' projects at risk are kept
per process too, each project recomputed only when its approvals, planned start or stage, the
estimates, the calendar or the day change.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Max, Q, QuerySet, Value, When

from portal.roles import HELPER, has_role

from .clock import WorkingCalendar
from .forecast import BUILDING, Durations, Readiness, readiness
from .models import Approval, ApprovalItem, Project

MIN_CASES = 5
LOOKBACK_DAYS = 730
DECIDED = (Approval.Status.APPROVED, Approval.Status.REJECTED)
LIKELY, CAUTIOUS = 0.5, 0.8


def percentile(values: list[float], q: float) -> float:
    """The q-quantile of sorted values, interpolated linearly between the two nearest."""
    if not values:
        raise ValueError("no values")
    position = q * (len(values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def _whole_days(value: float) -> int:
    return max(0, math.ceil(value - 1e-9))


def _to_five_percent(share: float) -> float:
    # A new case moves a department's shares a little; rounded, they (and the forecasts made
    # with them, which the lists keep) stay put until the habit really changes.
    return round(round(share * 20) / 20, 2)


@dataclass(frozen=True)
class Figures:
    """One item's (or department's) decided cases: how many, and how long they took."""

    cases: int
    p50: int  # working days, acceptance to decision, pauses included
    p80: int
    # For a department: the same as shares of each case's promised limit.
    share50: float = 0.0
    share80: float = 0.0


class _Source:
    """A duration source (`projects.forecast`) reading one quantile of a history."""

    counts_pauses = True  # the figures run from acceptance to decision, pauses included

    def __init__(self, history: History, cautious: bool) -> None:
        self.history, self.cautious = history, cautious

    def __call__(self, approval) -> int | None:
        return self.history.estimate(approval, cautious=self.cautious)


@dataclass(frozen=True)
class History:
    by_item: Mapping[int, Figures]  # only items with at least `minimum` cases
    by_department: Mapping[int, Figures]  # likewise
    through: date | None  # cases decided on or before this day
    cases: int  # decided cases read in all
    minimum: int = MIN_CASES
    durations: Durations = field(init=False, repr=False, compare=False)
    # What the estimates depend on (not the counts): equal signatures, equal forecasts.
    signature: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "signature",
            (
                self.minimum,
                tuple(sorted((k, f.p50, f.p80) for k, f in self.by_item.items())),
                tuple(sorted((k, f.share50, f.share80) for k, f in self.by_department.items())),
            ),
        )
        object.__setattr__(
            self,
            "durations",
            Durations(
                likely=_Source(self, cautious=False),
                cautious=_Source(self, cautious=True),
                cases=self.cases_behind,
            ),
        )

    def figures_for(self, approval) -> tuple[str, int, Figures] | None:
        """Which figures estimate this approval: its item's, else its department's, else none."""
        figures = self.by_item.get(approval.item_id)
        if figures is not None:
            return ("item", approval.item_id, figures)
        figures = self.by_department.get(approval.department_id)
        if figures is not None:
            return ("department", approval.department_id, figures)
        return None

    def estimate(self, approval, *, cautious: bool = False) -> int | None:
        """Working days from acceptance to decision, or None: too little history."""
        found = self.figures_for(approval)
        if found is None:
            return None
        kind, _key, figures = found
        if kind == "item":
            return figures.p80 if cautious else figures.p50
        share = figures.share80 if cautious else figures.share50
        return _whole_days(share * max(1, approval.promised_limit_days or 1))

    def cases_behind(self, approvals: Iterable) -> int:
        """Decided cases behind the estimates of these approvals (each table counted once)."""
        used = {}
        for approval in approvals:
            found = self.figures_for(approval)
            if found is not None:
                used[found[:2]] = found[2].cases
        return sum(used.values())


def history_from(
    rows: Iterable[tuple[int, int, int, date, date]],
    calendar: WorkingCalendar,
    *,
    through: date | None = None,
    minimum: int = MIN_CASES,
) -> History:
    """The figures from decided cases: (item id, department id, promised limit, accepted on,
    decided on) each. Pure: no queries."""
    by_item: dict[int, list[int]] = {}
    by_department: dict[int, list[tuple[int, float]]] = {}
    count = 0
    for item_id, department_id, promised, accepted_on, decided_on in rows:
        if accepted_on is None or decided_on is None or decided_on < accepted_on:
            continue
        days = calendar.count(accepted_on, decided_on)
        by_item.setdefault(item_id, []).append(days)
        by_department.setdefault(department_id, []).append((days, days / max(1, promised or 1)))
        count += 1

    items = {}
    for item_id, values in by_item.items():
        if len(values) >= minimum:
            values.sort()
            items[item_id] = Figures(
                len(values),
                _whole_days(percentile(values, LIKELY)),
                _whole_days(percentile(values, CAUTIOUS)),
            )
    departments = {}
    for department_id, pairs in by_department.items():
        if len(pairs) >= minimum:
            days = sorted(d for d, _share in pairs)
            shares = sorted(share for _d, share in pairs)
            departments[department_id] = Figures(
                len(pairs),
                _whole_days(percentile(days, LIKELY)),
                _whole_days(percentile(days, CAUTIOUS)),
                share50=_to_five_percent(percentile(shares, LIKELY)),
                share80=_to_five_percent(percentile(shares, CAUTIOUS)),
            )
    return History(items, departments, through, count, minimum)


# --- read from the database, kept per process ---------------------------------------------------

_CACHE_SIZE = 16
_cache: OrderedDict[tuple, tuple[tuple, History]] = OrderedDict()
_lock = threading.Lock()
# The decided approvals' stamp (count, last id), re-read at most this often per process
# (settings.FORECAST_HISTORY_RECHECK_SECONDS): counting every decided approval costs 25 ms at
# 100,000 and grows with the table, on every project page and helper's list; a forecast made
# from a history one minute old is the same forecast.
_stamp: list = [0.0, None]


def forget() -> None:
    """Drop every kept history and forecast (tests; after changing the past behind the
    services' back)."""
    with _lock:
        _cache.clear()
        _risk_maps.clear()


def decided_cases(*, through: date, lookback_days: int = LOOKBACK_DAYS) -> QuerySet[Approval]:
    """The decided cases a history on `through` reads."""
    return Approval.objects.filter(
        status__in=DECIDED,
        accepted_on__isnull=False,
        decided_on__isnull=False,
        decided_on__lte=through,
        decided_on__gt=through - timedelta(days=lookback_days),
    )


def _decided_stamp() -> tuple:
    recheck = getattr(settings, "FORECAST_HISTORY_RECHECK_SECONDS", 60)
    now = time.monotonic()
    with _lock:
        if recheck > 0 and _stamp[1] is not None and now < _stamp[0]:
            return _stamp[1]
    stamp = tuple(
        Approval.objects.filter(status__in=DECIDED)
        .order_by()
        .aggregate(n=Count("id"), last=Max("id"))
        .values()
    )
    with _lock:
        _stamp[:] = [now + recheck, stamp]
    return stamp


def forget_decided_stamp() -> None:
    """Re-read the stamp on the next call (tests, and a process that knows it decided)."""
    with _lock:
        _stamp[:] = [0.0, None]


def decided_history(
    calendar: WorkingCalendar,
    *,
    through: date,
    lookback_days: int = LOOKBACK_DAYS,
    minimum: int = MIN_CASES,
) -> History:
    """The history of cases decided on or before `through`: from this process's copy while
    nothing changed (the decided approvals' count and last id, re-read at most every
    FORECAST_HISTORY_RECHECK_SECONDS), one query more to read the cases when something did."""
    cases = decided_cases(through=through, lookback_days=lookback_days).order_by()
    # Decisions are final: a new one (or a removed one) changes the count or the last id. The
    # lookback window moves with `through`, which is part of the key. Read on an index alone.
    stamp = _decided_stamp()
    key = (
        through,
        lookback_days,
        minimum,
        tuple(calendar.extra_working),
        tuple(calendar.extra_off),
    )
    with _lock:
        kept = _cache.get(key)
        if kept is not None and kept[0] == stamp:
            _cache.move_to_end(key)
            return kept[1]
    rows = cases.values_list(
        "item_id", "department_id", "promised_limit_days", "accepted_on", "decided_on"
    )
    history = history_from(rows, calendar, through=through, minimum=minimum)
    with _lock:
        _cache[key] = (stamp, history)
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return history


# --- projects at risk, for the lists ----------------------------------------------------------


def sees_risk(user) -> bool:
    """Helpers have their projects at risk listed first (issue 14: "the helper's dashboard").
    Not staff: their list holds every project of the district, and ranking all of them by a
    forecast on each request made it several times slower at 5,000 projects (bench). Staff's
    view of projects at risk belongs on the supervision board (issue 13), from a stored
    rollup refreshed by the worker, not computed per request."""
    return has_role(user, HELPER)


@dataclass(frozen=True)
class AtRisk:
    """The projects of a list whose cautious ready date is after their planned start.

    Each readiness is the one kept for the project: its `cases` may lag behind the history's
    counts (the dates follow every change of the estimates)."""

    shown: bool  # the reader is one who has them listed first
    readiness: Mapping[int, Readiness] = field(default_factory=dict)  # project id -> at risk

    @property
    def ids(self) -> list[int]:
        return sorted(self.readiness)

    def first(self) -> list:
        """Order-by terms that put the projects at risk first (none when there are none)."""
        if not self.readiness:
            return []
        return [
            Case(
                When(pk__in=self.ids, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        ]


_FORECAST_FIELDS = (
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
    """What the forecast reads of an approval, without a model instance (lists read many)."""

    __slots__ = ("pk", *_FORECAST_FIELDS[1:])

    def __init__(self, values) -> None:
        for name, value in zip(self.__slots__, values, strict=True):
            setattr(self, name, value)


# Per process: for each (day, calendar, history's estimates, catalogue's prerequisites), the
# readiness of every candidate project seen, with the stamp of what it was computed from (its
# planned start, stage, and its approvals' count, last id and last change). A request reads the
# stamps in one query and computes only the projects whose stamp moved.
_RISK_MAPS = 2
_risk_maps: OrderedDict[tuple, dict[int, tuple[tuple, Readiness | None]]] = OrderedDict()


def projects_at_risk(
    user, projects: QuerySet[Project], *, today: date, calendar: WorkingCalendar | None = None
) -> AtRisk:
    """Which of these projects (already filtered for the user) are at risk, for helpers and
    staff; nothing for others. A fixed number of queries whatever the number of projects: the
    calendar, the history's check, the catalogue's prerequisites and the candidates' stamps,
    plus the approvals of the projects that changed since this process last looked (and the
    history's cases when a decision changed them)."""
    if not sees_risk(user):
        return AtRisk(shown=False)
    # A page's reading (nothing stored): the process's copy of the calendar, as clocks are read.
    calendar = calendar or WorkingCalendar.current()
    history = decided_history(calendar, through=today)
    needs: dict[int, set[int]] = {}
    for item_id, prerequisite_id in ApprovalItem.prerequisites.through.objects.values_list(
        "from_approvalitem_id", "to_approvalitem_id"
    ):
        needs.setdefault(item_id, set()).add(prerequisite_id)
    # Only a project not yet building, with a planned start and an open approval can be at risk.
    stamps = {
        pk: (planned, stage, *rest)
        for pk, planned, stage, *rest in projects.filter(planned_start__isnull=False)
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
        known = _risk_maps.setdefault(key, {})
        _risk_maps.move_to_end(key)
        while len(_risk_maps) > _RISK_MAPS:
            _risk_maps.popitem(last=False)
        stale = [pk for pk, stamp in stamps.items() if known.get(pk, (None,))[0] != stamp]
    if stale:
        by_project: dict[int, list[_Row]] = {pk: [] for pk in stale}
        rows = (
            Approval.objects.filter(project_id__in=stale)
            .order_by("project_id", "id")
            .values_list(*_FORECAST_FIELDS)
        )
        for values in rows:
            by_project[values[1]].append(_Row(values))
        fresh = {}
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
    result = {}
    for pk in stamps:
        ready = known.get(pk, (None, None))[1]
        if ready is not None and ready.at_risk:
            result[pk] = ready
    return AtRisk(shown=True, readiness=result)


@dataclass(frozen=True)
class _Planned:
    """What `readiness` reads of a project."""

    planned_start: date | None
    stage: str


def graph_from(approvals: list, needs: Mapping[int, set[int]]) -> dict[int, list[int]]:
    """Approval id -> the same project's approvals its item needs (from the catalogue's map)."""
    by_item = {a.item_id: a.pk for a in approvals}
    return {
        a.pk: sorted(
            by_item[p] for p in needs.get(a.item_id, ()) if p in by_item and p != a.item_id
        )
        for a in approvals
    }
