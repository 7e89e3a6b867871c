"""The parallel timeline of a project's approvals: a Gantt chart laid out on working days.

The x axis counts working days, so weekends and holidays take no width. There is one row per
approval; its label (the item's code) and its bar share the row's centre line, both inside one
SVG of a fixed pixel size, so they stay together at any screen width (the page scrolls the chart
inside its own box instead of stretching it). Each approval is a bar from acceptance to its
decision (or its due date); one not started yet is an outline from the day it could start (today,
or when its prerequisites should be done) for its promised limit. Pauses are shaded; prerequisite
arrows run from the end of the prerequisite's bar to the start of the dependent's as orthogonal
paths; vertical lines mark today and the planned start. The result is plain numbers for an
inline SVG: no script, no style attributes.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import date, timedelta

from .clock import WorkingCalendar

ROW_HEIGHT = 26
BAR_HEIGHT = 16
TOP = 34  # month labels (y 12) and the "today" label (y 27) sit above the first row
BOTTOM = 24  # room for the "planned start" label under the last row
WINDOW_DAYS = 366 * 10
DAY_WIDTH = 8  # pixels per working day ...
MIN_PLOT_WIDTH = 560  # ... but never narrower than this
MAX_PLOT_WIDTH = 3200  # ... nor wider than this (a very long project is compressed)
RIGHT_PAD = 64  # pixels after the last day, so the last month and the marker labels fit
END_MARGIN_DAYS = 5  # working days drawn after the last date on the chart
LABEL_CHAR = 7.5  # approximate width of one character of a 12px label
STUB = 8  # length of the horizontal stubs of an arrow
MAX_LIMIT_DAYS = 1000  # a promised limit beyond this is drawn as this (a bad stored value)
MARKER_LABEL = 90  # approximate width of a marker label ("planned start", "today")


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
    planned: bool = False  # not started: a thin outline where it would run
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
    today_x: float | None
    today_anchor: str
    planned_start_x: float | None
    planned_start_anchor: str
    ticks: list[tuple[float, str]]
    bar_height: int = BAR_HEIGHT

    @property
    def rows_bottom(self) -> int:
        return TOP + len(self.bars) * ROW_HEIGHT


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


def build_timeline(
    project, approvals, summaries: dict[int, dict], today: date, calendar: WorkingCalendar
) -> Timeline | None:
    if not approvals:
        return None
    approvals = order_by_prerequisites(list(approvals))

    # Only dates within a sane window around today size the chart: a bad date already stored
    # (year 1, year 9999) is left out instead of breaking the page.
    def sane(day: date | None) -> bool:
        return day is not None and abs((day - today).days) <= WINDOW_DAYS

    def clamp(day: date) -> date:
        return min(
            max(day, today - timedelta(days=WINDOW_DAYS)), today + timedelta(days=WINDOW_DAYS)
        )

    # First the dates of each bar (in prerequisite order, so a bar not started yet can begin
    # when its prerequisites should be done), then the chart's extent, then the pixels.
    spans: dict[int, tuple[date, date, bool]] = {}
    finish_of: dict[int, date] = {}
    for approval in approvals:
        if approval.accepted_on:
            begin = clamp(approval.accepted_on)
            finish = approval.decided_on or approval.due_date or today
            if approval.paused_since:
                finish = max(finish, today)
            finish = max(clamp(finish), begin)
            spans[approval.pk] = (begin, finish, False)
        else:
            # Not started: from today, or when its prerequisites should be done, for its
            # promised limit.
            after = [
                finish_of[p.pk] for p in approval.item.prerequisites.all() if p.pk in finish_of
            ]
            begin = max([today, *after])
            limit = max(1, min(approval.promised_limit_days or 1, MAX_LIMIT_DAYS))
            spans[approval.pk] = (begin, calendar.nth_after(begin, limit), True)
        finish_of[approval.item_id] = spans[approval.pk][1]

    planned = [project.planned_start] if sane(project.planned_start) else []
    starts = [begin for begin, _, _ in spans.values()]
    ends = [
        d for a in approvals for d in (a.due_date, a.statutory_due_date, a.decided_on) if sane(d)
    ] + [finish for _, finish, _ in spans.values()]
    start = min([*starts, today, *planned]) - timedelta(days=3)
    last = max([*ends, today, *planned])
    end = calendar.nth_after(last, END_MARGIN_DAYS)  # a few working days past the last date
    total = max(1, calendar.count(start, end))

    label_width = int(max(72, 16 + LABEL_CHAR * max(len(a.item.code) for a in approvals)))
    plot_width = min(max(total * DAY_WIDTH, MIN_PLOT_WIDTH), MAX_PLOT_WIDTH)
    width = int(label_width + plot_width + RIGHT_PAD)
    height = TOP + len(approvals) * ROW_HEIGHT + BOTTOM

    def x(day: date) -> float:
        day = min(max(day, start), end)  # a stored date outside the window sits at an edge
        return round(label_width + plot_width * calendar.count(start, day) / total, 1)

    bars, index = [], {}
    for row, approval in enumerate(approvals):
        summary = summaries[approval.pk]
        begin, finish, not_started = spans[approval.pk]
        centre = TOP + row * ROW_HEIGHT + ROW_HEIGHT / 2
        bar = Bar(
            approval_id=approval.pk,
            code=approval.item.code,
            label=approval.item.label,
            colour=summary["colour"],
            row=row,
            y=centre,
            top=centre - BAR_HEIGHT / 2,
            starts_on=begin,
            ends_on=finish,
            planned=not_started,
        )
        bar.x = x(begin)
        bar.width = round(max(3.0, x(finish) - bar.x), 1)
        if not not_started:
            for pause in approval.pauses.all():
                if not sane(pause.requested_on):
                    continue
                pause_end = pause.resumed_on if sane(pause.resumed_on) else today
                px = x(pause.requested_on)
                bar.pauses.append((px, round(max(2.0, x(pause_end) - px), 1)))
        bars.append(bar)
        index[approval.item_id] = bar

    arrows = []
    for approval in approvals:
        target = index[approval.item_id]
        for prerequisite in sorted(approval.item.prerequisites.all(), key=lambda p: p.code):
            source = index.get(prerequisite.pk)
            if source is None or source is target:
                continue
            d, around = arrow_path(source.end_x, source.y, target.x, target.y)
            arrows.append(Arrow(source.approval_id, target.approval_id, d, around))

    ticks, day = [], start.replace(day=1)
    while day <= end:
        if day >= start:
            ticks.append((x(day), f"{day:%Y-%m}"))
        day = (day + timedelta(days=32)).replace(day=1)

    def anchor(at: float) -> str:
        # A marker label reads rightwards from its line unless that would leave the chart.
        return "end" if at + MARKER_LABEL > width else "start"

    today_x = x(today)
    planned_start_x = x(project.planned_start) if planned else None
    return Timeline(
        start=start,
        end=end,
        width=width,
        height=height,
        label_width=label_width,
        plot_right=round(label_width + plot_width, 1),
        bars=bars,
        arrows=arrows,
        today_x=today_x,
        today_anchor=anchor(today_x),
        planned_start_x=planned_start_x,
        planned_start_anchor=anchor(planned_start_x) if planned else "start",
        ticks=ticks,
    )
