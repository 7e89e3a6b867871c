"""The parallel timeline of a project's approvals, laid out on working days.

The x axis counts working days, so weekends and holidays take no width. Each approval is a
bar from acceptance to its decision (or its due date); pauses are shaded; prerequisite arrows
run from the end of the prerequisite's bar to the start of the dependent's; vertical lines
mark today and the planned start. The result is plain numbers for an inline SVG: no script.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from .clock import WorkingCalendar

ROW_HEIGHT = 26
WINDOW_DAYS = 366 * 10
CHART_WIDTH = 900


@dataclass
class Bar:
    approval_id: int
    code: str
    label: str
    colour: str
    y: int
    x: float = 0
    width: float = 0
    planned: bool = False  # not started: a thin outline where it would run
    pauses: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class Timeline:
    start: date
    end: date
    width: int
    height: int
    bars: list[Bar]
    arrows: list[str]  # SVG path data
    today_x: float | None
    planned_start_x: float | None
    ticks: list[tuple[float, str]]


def build_timeline(
    project, approvals, summaries: dict[int, dict], today: date, calendar: WorkingCalendar
) -> Timeline | None:
    if not approvals:
        return None

    # Only dates within a sane window around today size the chart: a bad date already stored
    # (year 1, year 9999) is left out instead of breaking the page.
    def sane(day: date | None) -> bool:
        return day is not None and abs((day - today).days) <= WINDOW_DAYS

    planned = [project.planned_start] if sane(project.planned_start) else []
    starts = [a.accepted_on for a in approvals if sane(a.accepted_on)]
    ends = [
        d for a in approvals for d in (a.due_date, a.statutory_due_date, a.decided_on) if sane(d)
    ]
    start = min([*starts, today, *planned]) - timedelta(days=3)
    end = max([*ends, today, *planned]) + timedelta(days=5)
    total = max(1, calendar.count(start, end))

    def x(day: date) -> float:
        day = min(max(day, start), end)  # a stored date outside the window sits at an edge
        return round(CHART_WIDTH * calendar.count(start, day) / total, 1)

    bars, index = [], {}
    for row, approval in enumerate(approvals):
        summary = summaries[approval.pk]
        bar = Bar(
            approval_id=approval.pk,
            code=approval.item.code,
            label=approval.item.label,
            colour=summary["colour"],
            y=row * ROW_HEIGHT + 22,
        )
        if approval.accepted_on:
            finish = approval.decided_on or approval.due_date or today
            if approval.paused_since:
                finish = max(finish, today)
            bar.x = x(approval.accepted_on)
            bar.width = max(3.0, x(finish) - bar.x)
            for pause in approval.pauses.all():
                pause_end = pause.resumed_on or today
                bar.pauses.append(
                    (x(pause.requested_on), max(2.0, x(pause_end) - x(pause.requested_on)))
                )
        else:
            # Not started: drawn from today for its promised limit, as an outline.
            bar.planned = True
            bar.x = x(today)
            bar.width = max(3.0, x(calendar.nth_after(today, approval.promised_limit_days)) - bar.x)
        bars.append(bar)
        index[approval.item_id] = bar

    arrows = []
    for approval in approvals:
        for prerequisite in approval.item.prerequisites.all():
            source = index.get(prerequisite.pk)
            target = index.get(approval.item_id)
            if source and target:
                x1, y1 = source.x + source.width, source.y + 8
                x2, y2 = target.x, target.y + 8
                arrows.append(f"M {x1} {y1} C {x1 + 12} {y1}, {x2 - 12} {y2}, {x2} {y2}")

    ticks, day = [], start.replace(day=1)
    while day <= end:
        if day >= start:
            ticks.append((x(day), f"{day:%Y-%m}"))
        day = (day + timedelta(days=32)).replace(day=1)
    return Timeline(
        start=start,
        end=end,
        width=CHART_WIDTH,
        height=len(approvals) * ROW_HEIGHT + 30,
        bars=bars,
        arrows=arrows,
        today_x=x(today),
        planned_start_x=x(project.planned_start) if planned else None,
        ticks=ticks,
    )
