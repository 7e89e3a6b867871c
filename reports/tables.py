"""The statistics page's tables: one definition the page, the charts and the exports share,
so an export always holds the figures the page shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import formats, translation
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from meetings.models import Meeting
from projects.models import Project
from supervision.models import Case, Rating

from .statistics import Figures, rate

# Kinds of cell: how the page prints a value and how an export stores it.
TEXT, COUNT, PERCENT, DAYS, MONTH = "text", "count", "percent", "days", "month"
ON_TIME_TARGET = 0.95

TABLE_NAMES = (
    "summary",
    "monthly",
    "departments",
    "late",
    "stages",
    "meetings",
    "cases",
    "ratings",
)


@dataclass
class Cell:
    value: Any
    kind: str = COUNT

    @property
    def display(self) -> str:
        value = self.value
        if value is None:
            return "—"
        if self.kind == PERCENT:
            return f"{value * 100:.1f} %"
        if self.kind == DAYS:
            return formats.number_format(round(value, 1), decimal_pos=1 if value % 1 else 0)
        if self.kind == MONTH:
            return month_label(value)
        if self.kind == COUNT:
            return formats.number_format(value, force_grouping=True)
        return str(value)

    @property
    def numeric(self) -> bool:
        return self.kind in (COUNT, PERCENT, DAYS)


@dataclass
class Table:
    name: str
    caption: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    row_headers: bool = True  # the first cell of each row names it (th scope="row")
    note: str = ""

    def body_html(self) -> str:
        """The table's rows as HTML (the page's largest part: a few thousand cells, built here
        rather than by the template language, several times slower at it)."""
        if not self.rows:
            return format_html(
                '<tr><td colspan="{}">{}</td></tr>', len(self.headers), _("Nothing in this period.")
            )
        lines = []
        for row in self.rows:
            cells = []
            for index, cell in enumerate(row):
                text = escape(cell.display)
                if index == 0 and self.row_headers:
                    cells.append(f'<th scope="row">{text}</th>')
                elif cell.numeric:
                    cells.append(f'<td class="number">{text}</td>')
                else:
                    cells.append(f"<td>{text}</td>")
            lines.append(f"<tr>{''.join(cells)}</tr>")
        return mark_safe("\n".join(lines))  # noqa: S308 - every value escaped above


def month_label(day: date) -> str:
    if translation.get_language() == "en":
        return day.strftime("%b %Y")
    return f"{day.year}年{day.month}月"


def short_month_label(day: date) -> str:
    if translation.get_language() == "en":
        return day.strftime("%b")
    return f"{day.month}月"


def label_of(entry: dict) -> str:
    if translation.get_language() == "en" and entry.get("name_en"):
        return entry["name_en"]
    return entry["name"]


def department_labels(choices: dict) -> dict[int, str]:
    return {d["id"]: label_of(d) for d in choices["department"]}


def _text(value: Any) -> Cell:
    return Cell(str(value), TEXT)


def summary_table(f: Figures) -> Table:
    rows = [
        (_("Applications received"), f.received, COUNT),
        (_("Applications accepted"), f.accepted, COUNT),
        (_("Completed (approved)"), f.approved, COUNT),
        (_("Rejected"), f.rejected, COUNT),
        (_("Withdrawn"), f.withdrawn, COUNT),
        (_("Completion rate (of those accepted in the period)"), f.completion_rate, PERCENT),
        (_("On time against the promised limit"), f.on_time_rate, PERCENT),
        (_("On time against the statutory limit"), f.statutory_rate, PERCENT),
        (_("Working days used, median"), f.median_used, DAYS),
        (_("Working days used, 90th percentile"), f.p90_used, DAYS),
        (_("Working days promised, median"), f.median_promised, DAYS),
        (_("Working days with the departments (total)"), f.days_with_department, COUNT),
        (_("Working days waiting on the enterprise (total)"), f.days_with_enterprise, COUNT),
        (_("Share of the time waiting on the enterprise"), f.share_with_enterprise, PERCENT),
        (_("Accepted with materials missing"), f.missing_accepted, COUNT),
        (_("Of them, supplied on time"), f.missing_supplied_on_time, COUNT),
    ]
    return Table(
        "summary",
        _("Applications in the period"),
        [_("Figure"), _("Value")],
        [[_text(label), Cell(value, kind)] for label, value, kind in rows],
        note=_(
            "Received, accepted and decided are counted by the date each happened in the "
            "period. On-time rates count approvals approved or rejected in the period after "
            "acceptance. Working days follow the approvals' clock: the supplement pauses do "
            "not count."
        ),
    )


def monthly_table(f: Figures) -> Table:
    rows = [
        [
            Cell(m.month, MONTH),
            Cell(m.received),
            Cell(m.accepted),
            Cell(m.approved),
            Cell(m.rejected),
            Cell(m.withdrawn),
        ]
        for m in sorted(f.months.values(), key=lambda m: m.month)
        if f.scope.start.replace(day=1) <= m.month <= f.scope.end
    ]
    return Table(
        "monthly",
        _("Applications by month"),
        [_("Month"), _("Received"), _("Accepted"), _("Completed"), _("Rejected"), _("Withdrawn")],
        rows,
    )


def department_table(f: Figures, labels: dict[int, str]) -> Table:
    departments = [d for d in f.departments.values() if d.received or d.decided]
    # Best first; departments with nothing to measure last.
    departments.sort(
        key=lambda d: (
            d.on_time_rate is None,
            -(d.on_time_rate or 0),
            labels.get(d.department_id, ""),
        )
    )
    rows = [
        [
            _text(labels.get(d.department_id, "?")),
            Cell(d.received),
            Cell(d.decided),
            Cell(d.on_time_rate, PERCENT),
            Cell(d.statutory_rate, PERCENT),
            Cell(d.late),
            Cell(d.median_used, DAYS),
            Cell(d.median_promised, DAYS),
        ]
        for d in departments
    ]
    return Table(
        "departments",
        _("On-time rate by department"),
        [
            _("Department"),
            _("Received"),
            _("Decided"),
            _("On time (promised limit)"),
            _("On time (statutory limit)"),
            _("Decided late"),
            _("Working days used, median"),
            _("Working days promised, median"),
        ],
        rows,
        note=_("Target: %(target)s %% on time against the promised limit.")
        % {"target": int(ON_TIME_TARGET * 100)},
    )


def late_table(f: Figures, labels: dict[int, str]) -> Table:
    months = f.month_list()
    departments = sorted(
        {dept for dept, _month in f.late_by_month}, key=lambda d: labels.get(d, "")
    )
    rows = [
        [_text(labels.get(dept, "?"))]
        + [Cell(f.late_by_month.get((dept, month), 0)) for month in months]
        + [Cell(sum(f.late_by_month.get((dept, month), 0) for month in months))]
        for dept in departments
    ]
    return Table(
        "late",
        _("Approvals decided after their promised date, by department and month"),
        [_("Department")] + [month_label(m) for m in months] + [_("Total")],
        rows,
    )


def stage_table(f: Figures) -> Table:
    stages = list(Project.Stage)
    rows = []
    for index, stage in enumerate(stages):
        reached = sum(f.stages.get(later.value, 0) for later in stages[index:])
        rows.append([_text(stage.label), Cell(f.stages.get(stage.value, 0)), Cell(reached)])
    return Table(
        "stages",
        _("Projects by stage"),
        [_("Stage"), _("Projects at this stage now"), _("Projects that reached this stage")],
        rows,
    )


def meeting_table(f: Figures) -> Table:
    rows = []
    for kind in Meeting.Kind:
        counts = f.meetings.get(kind.value, {})
        rows.append(
            [
                _text(kind.label),
                Cell(counts.get("held", 0)),
                Cell(counts.get("scheduled", 0)),
                Cell(counts.get("cancelled", 0)),
            ]
        )
    actions = f.actions or {}
    decided = actions.get("decided", 0)
    on_time = actions.get("done_on_time", 0)
    table = Table(
        "meetings",
        _("Meetings, visits and their decisions"),
        [_("Kind"), _("Held"), _("Scheduled"), _("Cancelled")],
        rows,
    )
    table.rows += [
        [_text(_("Decisions with an owner and a date")), Cell(decided), Cell(None), Cell(None)],
        [_text(_("Of them, done on time")), Cell(on_time), Cell(None), Cell(None)],
        [_text(_("Done late")), Cell(actions.get("done", 0) - on_time), Cell(None), Cell(None)],
        [_text(_("Open and overdue")), Cell(actions.get("overdue", 0)), Cell(None), Cell(None)],
        [_text(_("Done on time, rate")), Cell(rate(on_time, decided), PERCENT)]
        + [Cell(None), Cell(None)],
    ]
    return table


def case_table(f: Figures) -> Table:
    rows = []
    for kind in Case.Kind:
        c = f.cases.get(kind.value, {})
        answered = c.get("answered", 0)
        average = c.get("answer_days", 0) / answered if answered else None
        rows.append(
            [
                _text(kind.label),
                Cell(c.get("opened", 0)),
                Cell(answered),
                Cell(average, DAYS),
                Cell(c.get("overdue", 0)),
            ]
        )
    return Table(
        "cases",
        _("Cases by kind"),
        [
            _("Kind"),
            _("Opened"),
            _("Answered"),
            _("Days to answer, average"),
            _("Open past their stage's date"),
        ],
        rows,
    )


def rating_table(f: Figures) -> Table:
    total = f.ratings_total
    rows = [
        [
            _text(score.label),
            Cell(f.ratings.get(score.value, 0)),
            Cell(rate(f.ratings.get(score.value, 0), total), PERCENT),
        ]
        for score in sorted(Rating.Score, key=lambda s: -s.value)
    ]
    rows.append([_text(_("All ratings")), Cell(total), Cell(1.0 if total else None, PERCENT)])
    satisfied = f.ratings.get(4, 0) + f.ratings.get(5, 0)
    rows.append(
        [
            _text(_("Satisfied or very satisfied")),
            Cell(satisfied),
            Cell(f.satisfaction_rate, PERCENT),
        ]
    )
    return Table("ratings", _("Ratings"), [_("Rating"), _("Count"), _("Share")], rows)


# The parts of `statistics.compute` each table reads: an export computes only those.
TABLE_PARTS = {
    "summary": ("approvals", "working_days", "missing"),
    "monthly": ("approvals",),
    "departments": ("approvals", "working_days"),
    "late": ("approvals",),
    "stages": ("other",),
    "meetings": ("other",),
    "cases": ("other",),
    "ratings": ("other",),
}


def build_tables(f: Figures, choices: dict, names=TABLE_NAMES) -> dict[str, Table]:
    labels = department_labels(choices)
    builders = {
        "summary": lambda: summary_table(f),
        "monthly": lambda: monthly_table(f),
        "departments": lambda: department_table(f, labels),
        "late": lambda: late_table(f, labels),
        "stages": lambda: stage_table(f),
        "meetings": lambda: meeting_table(f),
        "cases": lambda: case_table(f),
        "ratings": lambda: rating_table(f),
    }
    return {name: builders[name]() for name in names}
