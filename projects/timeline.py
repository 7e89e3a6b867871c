"""The parallel timeline of a project's approvals: a Gantt chart laid out on working days.

The x axis counts working days, so weekends and holidays take no width. There is one row per
approval; its label (the item's code) and its bar share the row's centre line, both inside one
SVG of a fixed pixel size, so they stay together at any screen width (the page scrolls the chart
inside its own box instead of stretching it). The dates of every bar come from the one forecast
(`projects.forecast`): a closed approval from acceptance to decision, a running one to its due
date (or today when overdue), one not started yet an outline from when its prerequisites should
be decided (or today) for its duration. The critical path (the chain that decides when the last
approval is decided) is marked on its bars and arrows, with a line at the forecast end. Pauses
are shaded; prerequisite arrows run from the end of the prerequisite's bar to the start of the
dependent's as orthogonal paths; vertical lines mark today and the planned start. The result is
plain numbers for an inline SVG: no script, no style attributes.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import date, timedelta

from .clock import WorkingCalendar
from .forecast import (
    WINDOW_DAYS,
    Durations,
    DurationSource,
    Readiness,
    critical_path,
    forecast,
    prerequisite_graph,
    promised,
    readiness,
)

ROW_HEIGHT = 26
BAR_HEIGHT = 16
TOP = 34  # month labels (y 12) and the "today" label (y 27) sit above the first row
BOTTOM = 24  # room for a marker label ("planned start") under the last row
LABEL_LINE = 14  # a second line of marker labels under the rows, when two would overlap
DAY_WIDTH = 8  # pixels per working day ...
MIN_PLOT_WIDTH = 560  # ... but never narrower than this
MAX_PLOT_WIDTH = 3200  # ... nor wider than this (a very long project is compressed)
RIGHT_PAD = 64  # pixels after the last day, so the last month and the marker labels fit
END_MARGIN_DAYS = 5  # working days drawn after the last date on the chart
LABEL_CHAR = 7.5  # approximate width of one character of a 12px label
STUB = 8  # length of the horizontal stubs of an arrow
MARKER_LABEL = 90  # approximate width of a marker label ("planned start", "today")
TOP_LABEL_Y = 28  # the line of marker labels above the first row


@dataclass
class Bar:
    approval_id: int
    code: str
    label: str
    colour: str
    row: int
    y: float  # the row's centre line: the label's y, and the bar's middle
    top: float  # the bar's rect y (y - BAR_HEIGHT / 2)
    x: float = 0
    width: float = 0
    starts_on: date | None = None
    ends_on: date | None = None
    forecast: bool = False  # not started: an outline where it should run
    critical: bool = False  # on the chain that decides when the last approval is decided
    pauses: list[tuple[float, float]] = field(default_factory=list)

    @property
    def end_x(self) -> float:
        return round(self.x + self.width, 1)


@dataclass
class Arrow:
    source: int  # the prerequisite's approval id
    target: int  # the dependent's approval id
    d: str  # SVG path data
    around: bool = False  # the dependent starts before the prerequisite ends
    critical: bool = False  # both ends are consecutive steps of the critical path


@dataclass
class Marker:
    """A vertical line across the rows with a short label above or under them."""

    x: float
    anchor: str = "start"  # the label reads rightwards from the line, or leftwards ("end")
    label_y: float = TOP_LABEL_Y

    @property
    def dx(self) -> int:
        return -3 if self.anchor == "end" else 3


@dataclass
class Timeline:
    start: date
    end: date
    width: int
    height: int
    label_width: int
    plot_right: float  # x of the chart's last day
    bars: list[Bar]
    arrows: list[Arrow]
    today: Marker
    planned_start: Marker | None
    finish: Marker | None  # the forecast end, while some approval is still open
    ticks: list[tuple[float, str]]
    finishes_on: date | None = None  # when every approval should be (or was) decided
    finish_estimated: bool = False
    # Working days the forecast end lies after the project's planned start (0 when not after).
    late_for_planned_start: int = 0
    critical: list[Bar] = field(default_factory=list)  # the critical path, first step first
    bar_height: int = BAR_HEIGHT
    # Likely and cautious ready-to-build dates and the risk to the planned start, when the
    # chart was drawn with `durations`.
    readiness: Readiness | None = None

    @property
    def rows_bottom(self) -> int:
        return TOP + len(self.bars) * ROW_HEIGHT

    @property
    def critical_codes(self) -> str:
        return " → ".join(bar.code for bar in self.critical)


def order_by_prerequisites(approvals) -> list:
    """Prerequisites before their dependents where possible; otherwise by item code.

    A topological order (Kahn's), choosing the smallest code among the approvals that are
    ready; approvals caught in a cycle of prerequisites follow in code order.
    """
    by_item = {a.item_id: a for a in approvals}
    needs = {
        a.item_id: {p.pk for p in a.item.prerequisites.all() if p.pk in by_item} - {a.item_id}
        for a in approvals
    }
    dependents: dict[int, list[int]] = {item_id: [] for item_id in by_item}
    for item_id, prerequisites in needs.items():
        for prerequisite in prerequisites:
            dependents[prerequisite].append(item_id)

    def key(item_id: int):
        approval = by_item[item_id]
        return (approval.item.code, approval.pk)

    waiting = {item_id: len(prerequisites) for item_id, prerequisites in needs.items()}
    ready = [(key(item_id), item_id) for item_id, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    ordered = []
    while ready:
        _, item_id = heapq.heappop(ready)
        ordered.append(by_item[item_id])
        for dependent in dependents[item_id]:
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                heapq.heappush(ready, (key(dependent), dependent))
    placed = {a.item_id for a in ordered}
    ordered += sorted(
        (a for a in approvals if a.item_id not in placed), key=lambda a: key(a.item_id)
    )
    return ordered


def arrow_path(x1: float, y1: float, x2: float, y2: float) -> tuple[str, bool]:
    """An orthogonal path from (x1, y1) (a bar's end) to (x2, y2) (another bar's start).

    Right, down or up, right when there is room; when there is not (the target starts when the
    source ends, or before: then `around` is true), a short stub out, along the gap between rows
    just before the target's row, back, and in, so the arrowhead always points right at the bar.
    """
    around = x2 < x1
    if x2 - x1 >= 2 * STUB:
        xm = round(x1 + STUB, 1)
        return f"M {x1} {y1} H {xm} V {y2} H {x2}", around
    gap = round(y2 - ROW_HEIGHT / 2 if y2 > y1 else y2 + ROW_HEIGHT / 2, 1)
    out, back = round(x1 + STUB, 1), round(x2 - STUB, 1)
    return f"M {x1} {y1} H {out} V {gap} H {back} V {y2} H {x2}", around


def place_marker_labels(markers: list[tuple[Marker, float]], width: int, rows_bottom: int) -> int:
    """Give each marker's label a line where it overlaps no other; how many lines under the rows.

    A label reads rightwards from its line unless that would leave the chart. The first marker
    prefers the line above the rows, the others the first line where they fit: above, under the
    rows, or a further line under those.
    """
    lines = [TOP_LABEL_Y, rows_bottom + BOTTOM - 8, rows_bottom + BOTTOM - 8 + LABEL_LINE]
    taken: dict[float, list[tuple[float, float]]] = {y: [] for y in lines}
    used_below = 0
    for marker, preferred in markers:
        marker.anchor = "end" if marker.x + MARKER_LABEL > width else "start"
        span = (
            (marker.x - MARKER_LABEL, marker.x)
            if marker.anchor == "end"
            else (marker.x, marker.x + MARKER_LABEL)
        )
        order = [preferred] + [y for y in lines if y != preferred]
        free = [y for y in order if all(span[1] < a or b < span[0] for a, b in taken[y])]
        marker.label_y = free[0] if free else lines[-1]
        taken[marker.label_y].append(span)
        if marker.label_y != TOP_LABEL_Y:
            used_below = max(used_below, lines.index(marker.label_y))
    return used_below


def build_timeline(
    project,
    approvals,
    summaries: dict[int, dict],
    today: date,
    calendar: WorkingCalendar,
    *,
    duration: DurationSource = promised,
    durations: Durations | None = None,
) -> Timeline | None:
    """The chart of a project's approvals on `today`, or None when it has none.

    `duration` says how long an approval not yet decided should take (`projects.forecast`).
    With `durations` (likely and cautious), the bars and the critical path follow the likely
    ones and the timeline also says when the project should be ready to build, both ways.
    """
    if not approvals:
        return None
    if durations is not None:
        duration = durations.likely
    approvals = order_by_prerequisites(list(approvals))
    graph = prerequisite_graph(approvals)
    forecasts = forecast(approvals, graph, today=today, calendar=calendar, duration=duration)
    path = critical_path(forecasts)
    # The path is drawn only while it forecasts something: once every approval is decided the
    # chart shows what happened, and the sentence under it says when it ended.
    on_path = path.approval_ids if path and path.estimated else []

    # Only dates within a sane window around today size the chart: a bad date already stored
    # (year 1, year 9999) is left out instead of breaking the page (the forecast clamps its own).
    def sane(day: date | None) -> bool:
        return day is not None and abs((day - today).days) <= WINDOW_DAYS

    planned = [project.planned_start] if sane(project.planned_start) else []
    starts = [f.starts_on for f in forecasts.values()]
    ends = [
        d for a in approvals for d in (a.due_date, a.statutory_due_date, a.decided_on) if sane(d)
    ] + [f.ends_on for f in forecasts.values()]
    start = min([*starts, today, *planned]) - timedelta(days=3)
    last = max([*ends, today, *planned])
    end = calendar.nth_after(last, END_MARGIN_DAYS)  # a few working days past the last date
    total = max(1, calendar.count(start, end))

    label_width = int(max(72, 16 + LABEL_CHAR * max(len(a.item.code) for a in approvals)))
    plot_width = min(max(total * DAY_WIDTH, MIN_PLOT_WIDTH), MAX_PLOT_WIDTH)
    width = int(label_width + plot_width + RIGHT_PAD)
    rows_bottom = TOP + len(approvals) * ROW_HEIGHT

    def x(day: date) -> float:
        day = min(max(day, start), end)  # a stored date outside the window sits at an edge
        return round(label_width + plot_width * calendar.count(start, day) / total, 1)

    bars, index = [], {}
    for row, approval in enumerate(approvals):
        summary = summaries[approval.pk]
        estimate = forecasts[approval.pk]
        centre = TOP + row * ROW_HEIGHT + ROW_HEIGHT / 2
        bar = Bar(
            approval_id=approval.pk,
            code=approval.item.code,
            label=approval.item.label,
            colour=summary["colour"],
            row=row,
            y=centre,
            top=centre - BAR_HEIGHT / 2,
            starts_on=estimate.starts_on,
            ends_on=estimate.ends_on,
            forecast=estimate.not_started,
            critical=approval.pk in on_path,
        )
        bar.x = x(estimate.starts_on)
        bar.width = round(max(3.0, x(estimate.ends_on) - bar.x), 1)
        if not estimate.not_started:
            for pause in approval.pauses.all():
                if not sane(pause.requested_on):
                    continue
                pause_end = pause.resumed_on if sane(pause.resumed_on) else today
                px = x(pause.requested_on)
                bar.pauses.append((px, round(max(2.0, x(pause_end) - px), 1)))
        bars.append(bar)
        index[approval.pk] = bar

    steps = set(zip(on_path, on_path[1:], strict=False))
    arrows = []
    for approval in approvals:
        target = index[approval.pk]
        for prerequisite in graph[approval.pk]:
            source = index[prerequisite]
            d, around = arrow_path(source.end_x, source.y, target.x, target.y)
            critical = (prerequisite, approval.pk) in steps
            arrows.append(Arrow(source.approval_id, target.approval_id, d, around, critical))
    arrows.sort(key=lambda arrow: arrow.critical)  # the path's arrows drawn over the others

    ticks, day = [], start.replace(day=1)
    while day <= end:
        if day >= start:
            ticks.append((x(day), f"{day:%Y-%m}"))
        day = (day + timedelta(days=32)).replace(day=1)

    today_marker = Marker(x(today))
    planned_marker = Marker(x(project.planned_start)) if planned else None
    finish_marker = Marker(x(path.ends_on)) if on_path else None
    markers = [(today_marker, TOP_LABEL_Y)]
    if finish_marker:
        markers.append((finish_marker, TOP_LABEL_Y))
    if planned_marker:
        markers.append((planned_marker, rows_bottom + BOTTOM - 8))
    below = place_marker_labels(markers, width, rows_bottom)
    return Timeline(
        start=start,
        end=end,
        width=width,
        height=rows_bottom + BOTTOM + (LABEL_LINE if below > 1 else 0),
        label_width=label_width,
        plot_right=round(label_width + plot_width, 1),
        bars=bars,
        arrows=arrows,
        today=today_marker,
        planned_start=planned_marker,
        finish=finish_marker,
        ticks=ticks,
        finishes_on=path.ends_on if path else None,
        finish_estimated=bool(path and path.estimated),
        late_for_planned_start=(
            calendar.count(project.planned_start, path.ends_on) if on_path and planned else 0
        ),
        critical=[index[approval_id] for approval_id in on_path],
        readiness=readiness(
            project,
            approvals,
            graph,
            today=today,
            calendar=calendar,
            durations=durations,
            likely=forecasts,
        )
        if durations is not None
        else None,
    )
