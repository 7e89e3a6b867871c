"""When each approval of a project should be decided, and which chain decides the last one.

One forecast for the whole portal (the timeline draws it; later pages may print it):
- a closed approval (approved, rejected, withdrawn) keeps its real dates;
- a running one (accepted, or waiting on a supplement) started on its acceptance day and ends
  on its due date, or today when that has passed; while the clock is paused the due date is
  unknown, so the forecast assumes the enterprise answers today and counts the working days
  left after that;
- one not started yet (pending, or received but not accepted) starts on the latest forecast
  decision date of its prerequisites or today, whichever is later, and runs for its duration in
  working days on the working-day calendar (holidays and make-up days included).

How long an approval takes comes from a *duration source*: a function approval -> working days,
or None for "no estimate of its own: keep the promise" (the promised limit, and for a running
approval its stored due date). The default, `promised`, always says None; `from_table` builds a
source from figures per item and per department (historical medians, say). A source whose
figures count every working day from acceptance to decision, the enterprise's supplement pauses
included (`counts_pauses` true, as `projects.history` gives them), has a running approval use up
every working day since its acceptance; otherwise only the days its clock ran count.

`Durations` pairs a likely source (the median) with a cautious one (the 80th percentile):
`readiness` says when every approval should be decided by each, and whether the cautious date
falls after the planned start of construction (the project is then *at risk*). `what_if` moves
one approval's decision later by some working days and says where the last decision goes.

The critical path is the chain that decides when the last approval is decided: start at the
approval with the latest forecast end and walk back through the prerequisite that finishes last.

Everything here is a pure function of the approvals, the prerequisite graph, the calendar and
today: no queries beyond the prefetched `item.prerequisites`, nothing stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .clock import WorkingCalendar, read_clock

CLOSED = ("approved", "rejected", "withdrawn")
RUNNING = ("accepted", "supplement_requested")
MAX_DAYS = 1000  # a duration beyond this is taken as this (a bad stored or estimated value)
WINDOW_DAYS = 366 * 10  # stored dates further than this from today are moved to its edge

DurationSource = Callable[[Any], int | None]
BUILDING = ("construction", "production")  # stages past "ready to build": never at risk


def promised(approval) -> int | None:
    """The default duration source: no estimate of its own, so every approval keeps its promise."""
    return None


def from_table(
    by_item: Mapping[int, int], by_department: Mapping[int, int] | None = None
) -> DurationSource:
    """A duration source from working days per item id, else per department id, else the promise."""
    by_department = by_department or {}

    def source(approval) -> int | None:
        days = by_item.get(approval.item_id)
        return days if days is not None else by_department.get(approval.department_id)

    return source


def _no_cases(approvals) -> int:
    return 0


@dataclass(frozen=True)
class Durations:
    """How long approvals should take, likely and cautiously, and how many decided cases say so."""

    likely: DurationSource = promised
    cautious: DurationSource = promised
    # Decided cases behind the estimates of these (open) approvals; 0 when all keep the promise.
    cases: Callable[[list], int] = _no_cases


@dataclass(frozen=True)
class Forecast:
    approval_id: int
    starts_on: date
    ends_on: date
    state: str  # "closed" (real dates), "running" (started; end forecast), "forecast" (both)
    after: int | None = None  # the prerequisite (approval id) that finishes last, if any

    @property
    def estimated(self) -> bool:
        """True when the end is a forecast rather than a decision already taken."""
        return self.state != "closed"

    @property
    def not_started(self) -> bool:
        return self.state == "forecast"


@dataclass(frozen=True)
class CriticalPath:
    approval_ids: list[int]  # from the first prerequisite to the approval that finishes last
    ends_on: date  # the day by which every approval should be decided
    estimated: bool  # some approval is still open, so ends_on is a forecast


def prerequisite_graph(approvals: Iterable) -> dict[int, list[int]]:
    """Approval id -> ids of the same project's approvals whose items it needs, by item code.

    Reads the prefetched `item.prerequisites`; prerequisites the project does not have are left
    out (nothing to wait for on this project's chart).
    """
    approvals = list(approvals)
    by_item = {a.item_id: a for a in approvals}
    graph = {}
    for approval in approvals:
        needed = {p.pk for p in approval.item.prerequisites.all() if p.pk in by_item} - {
            approval.item_id
        }
        graph[approval.pk] = [
            by_item[item_id].pk
            for item_id in sorted(needed, key=lambda i: (by_item[i].item.code, by_item[i].pk))
        ]
    return graph


def _evaluation_order(approvals: list, graph: Mapping[int, Iterable[int]]) -> list:
    """Prerequisites first (Kahn's, stable in the given order); approvals in a cycle last."""
    by_id = {a.pk: a for a in approvals}
    waiting = {a.pk: len([p for p in graph.get(a.pk, ()) if p in by_id]) for a in approvals}
    dependents: dict[int, list[int]] = {a.pk: [] for a in approvals}
    for a in approvals:
        for p in graph.get(a.pk, ()):
            if p in by_id:
                dependents[p].append(a.pk)
    ready = [a.pk for a in approvals if waiting[a.pk] == 0]
    ordered, seen = [], set()
    while ready:
        approval_id = ready.pop(0)
        ordered.append(by_id[approval_id])
        seen.add(approval_id)
        for dependent in dependents[approval_id]:
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                ready.append(dependent)
    return ordered + [a for a in approvals if a.pk not in seen]


def forecast(
    approvals: Iterable,
    graph: Mapping[int, Iterable[int]],
    *,
    today: date,
    calendar: WorkingCalendar,
    duration: DurationSource = promised,
    slip: Mapping[int, int] | None = None,
) -> dict[int, Forecast]:
    """Approval id -> its forecast (see the module's docstring for the rules).

    `slip` (approval id -> working days) decides those open approvals that much later than
    forecast; their dependents move with them.
    """
    approvals = list(approvals)
    slip = slip or {}
    counts_pauses = bool(getattr(duration, "counts_pauses", False))
    low, high = today - timedelta(days=WINDOW_DAYS), today + timedelta(days=WINDOW_DAYS)

    def clamp(day: date) -> date:
        return min(max(day, low), high)

    def days_of(approval) -> tuple[int | None, int]:
        own = duration(approval)
        days = own if own is not None else approval.promised_limit_days
        return own, max(1, min(days or 1, MAX_DAYS))

    result: dict[int, Forecast] = {}
    for approval in _evaluation_order(approvals, graph):
        known = [result[p] for p in graph.get(approval.pk, ()) if p in result]
        # The prerequisite finishing last; on a tie the first in the graph's order (by code).
        latest = max((f.ends_on for f in known), default=None)
        after = next((f.approval_id for f in known if f.ends_on == latest), None)

        if approval.status in CLOSED:
            begin = approval.accepted_on or approval.decided_on or today
            begin = clamp(begin)
            end = max(clamp(approval.decided_on or begin), begin)
            result[approval.pk] = Forecast(approval.pk, begin, end, "closed", after)
        elif approval.status in RUNNING and approval.accepted_on is not None:
            begin = clamp(approval.accepted_on)
            own, days = days_of(approval)
            if own is None and approval.due_date is not None and approval.paused_since is None:
                end = max(approval.due_date, today)
            else:
                # The working days left after those already used (the clock is frozen during a
                # pause, and resumes after today at the earliest). An estimate that counts the
                # pauses has used every working day since acceptance.
                if own is not None and counts_pauses:
                    used = calendar.count(begin, today)
                else:
                    used = read_clock(calendar, approval, today).working_days_used or 0
                left = days - used
                end = calendar.nth_after(today, min(left, MAX_DAYS)) if left > 0 else today
            end = max(clamp(_slipped(calendar, end, slip.get(approval.pk))), begin)
            result[approval.pk] = Forecast(approval.pk, begin, end, "running", after)
        else:
            begin = clamp(max([today, *(f.ends_on for f in known)]))
            _own, days = days_of(approval)
            end = clamp(_slipped(calendar, calendar.nth_after(begin, days), slip.get(approval.pk)))
            result[approval.pk] = Forecast(approval.pk, begin, end, "forecast", after)
    return {a.pk: result[a.pk] for a in approvals}


def _slipped(calendar: WorkingCalendar, end: date, days: int | None) -> date:
    return calendar.nth_after(end, min(days, MAX_DAYS)) if days and days > 0 else end


def finish(forecasts: Mapping[int, Forecast]) -> date | None:
    """The day by which every approval should be (or was) decided."""
    return max((f.ends_on for f in forecasts.values()), default=None)


@dataclass(frozen=True)
class Readiness:
    """When a project should be ready to build: every approval decided, likely and cautiously."""

    likely: date  # every approval decided, with the likely durations (the median)
    cautious: date  # ... with the cautious ones (the 80th percentile); never before `likely`
    estimated: bool  # some approval is still open (otherwise both are the real last decision)
    at_risk: bool  # the cautious date falls after the planned start of construction
    late_days: int  # working days the cautious date lies after the planned start (0 if not)
    cases: int  # decided cases behind the estimates (0: every open approval keeps its promise)


def readiness(
    project,
    approvals: Iterable,
    graph: Mapping[int, Iterable[int]],
    *,
    today: date,
    calendar: WorkingCalendar,
    durations: Durations,
    likely: Mapping[int, Forecast] | None = None,
) -> Readiness | None:
    """The project's likely and cautious ready dates and whether its planned start is at risk.

    `likely` is the forecast already made with `durations.likely`, if the caller has one. A
    project already building, or with no planned start, is never at risk.
    """
    approvals = list(approvals)
    if not approvals:
        return None
    if likely is None:
        likely = forecast(
            approvals, graph, today=today, calendar=calendar, duration=durations.likely
        )
    cautious = forecast(
        approvals, graph, today=today, calendar=calendar, duration=durations.cautious
    )
    likely_on, cautious_on = finish(likely), finish(cautious)
    cautious_on = max(cautious_on, likely_on)
    estimated = any(f.estimated for f in likely.values())
    planned = project.planned_start
    at_risk = bool(
        estimated
        and planned is not None
        and project.stage not in BUILDING
        and cautious_on > planned
    )
    return Readiness(
        likely=likely_on,
        cautious=cautious_on,
        estimated=estimated,
        at_risk=at_risk,
        late_days=calendar.count(planned, cautious_on) if at_risk else 0,
        cases=durations.cases([a for a in approvals if a.status not in CLOSED]) if estimated else 0,
    )


@dataclass(frozen=True)
class WhatIf:
    approval_id: int
    days: int  # the slip asked about, in working days
    before: date  # every approval decided, as forecast
    after: date  # ... with the slip
    moved: int  # working days the last decision moves (0: the approval had that much slack)


def what_if(
    approvals: Iterable,
    graph: Mapping[int, Iterable[int]],
    *,
    today: date,
    calendar: WorkingCalendar,
    duration: DurationSource,
    approval_id: int,
    days: int,
) -> WhatIf:
    """Where the last decision goes if one open approval is decided `days` working days later."""
    approvals = list(approvals)
    before = finish(forecast(approvals, graph, today=today, calendar=calendar, duration=duration))
    after = finish(
        forecast(
            approvals,
            graph,
            today=today,
            calendar=calendar,
            duration=duration,
            slip={approval_id: days},
        )
    )
    return WhatIf(approval_id, days, before, after, calendar.count(before, after))


def critical_path(forecasts: Mapping[int, Forecast]) -> CriticalPath | None:
    """The chain ending at the approval decided last, through the prerequisite finishing last.

    Among approvals that end on the same last day, the one with the longest chain behind it
    (then the first given) ends the path.
    """
    if not forecasts:
        return None

    def chain(end: Forecast) -> list[int]:
        ids, seen, current = [], set(), end
        while current is not None and current.approval_id not in seen:
            ids.append(current.approval_id)
            seen.add(current.approval_id)
            current = forecasts.get(current.after) if current.after is not None else None
        return ids[::-1]

    finish = max(f.ends_on for f in forecasts.values())
    ends = [chain(f) for f in forecasts.values() if f.ends_on == finish]
    longest = max(ends, key=len)  # max keeps the first of equals
    return CriticalPath(
        approval_ids=longest,
        ends_on=finish,
        estimated=any(f.estimated for f in forecasts.values()),
    )
