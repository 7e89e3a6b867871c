"""The bureau's figures, computed in SQL from its own tables.

Each figure is an aggregate (conditional COUNT/SUM with GROUP BY) over a few dimensions
(department x month, department x working days used, kind, score, stage); Python only adds
up or reads percentiles from those small grouped results, never from the rows themselves.
A whole page costs a fixed number of queries whatever the size of the tables: the grouped
queries of one family are sent as one UNION ALL.

Working days used (acceptance to decision, minus the supplement pauses) are computed in SQL
by the clock's own rule: Monday to Friday, plus the calendar's working weekends, minus its
weekday holidays (`projects.WorkingDay` holds only those exceptions). The page builds, inside
its one query, a cumulative working-day index over every date from the earliest acceptance to
the latest decision in scope (a CTE of a few hundred or thousand dates, read fresh from the
calendar each time, so a calendar change never leaves a stored figure behind) and joins it on
both dates; the result is grouped by its value, so medians and 90th percentiles are read
exactly from a histogram of at most a few hundred distinct values. No per-approval column is
stored (it would need rewriting whenever staff correct the calendar).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    BigIntegerField,
    CharField,
    Count,
    DateField,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models import Case as SqlCase
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from meetings.models import ActionItem, Meeting
from portal.models import Event
from projects.models import Approval, ApprovalItem, Department, Project, Town, WorkingDay
from supervision.models import Case, Rating

from .models import ApprovalFact, MonthFact, RollupState

S = Approval.Status
DECIDED = (S.APPROVED, S.REJECTED)
MAX_YEARS = 10


# --- Working days in SQL --------------------------------------------------------------------


class DayNumber(Func):
    """The date's proleptic ordinal (`date.toordinal()`): 0001-01-01 is 1, a Monday."""

    output_field = IntegerField()
    arity = 1

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) - 1721424.5 AS INTEGER)",
            **extra,
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="((%(expressions)s) - DATE '0001-01-01' + 1)", **extra
        )


class WeekdaysThrough(Func):
    """Mondays to Fridays from the origin through the date (the clock's `_weekdays_through`)."""

    output_field = IntegerField()
    arity = 1

    def _sql(self, compiler, connection, least: str, **extra):
        inner, params = compiler.compile(DayNumber(self.source_expressions[0]))
        sql = f"(({inner}) / 7 * 5 + {least}(({inner}) %% 7, 5))"
        return sql, params + params

    def as_sqlite(self, compiler, connection, **extra):
        return self._sql(compiler, connection, "MIN")

    def as_postgresql(self, compiler, connection, **extra):
        return self._sql(compiler, connection, "LEAST")


def _exceptions_between(after: str, through: str, *, working: bool):
    """How many calendar exceptions of one kind fall in (after, through]."""
    weekend = Q(date__iso_week_day__gte=6)
    rows = WorkingDay.objects.filter(
        date__gt=OuterRef(after), date__lte=OuterRef(through), is_working=working
    ).filter(weekend if working else ~weekend)
    counted = rows.order_by().values("is_working").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def working_days_between(after: str, through: str):
    """Working days d with after < d <= through, as the clock counts them."""
    return (
        WeekdaysThrough(F(through))
        - WeekdaysThrough(F(after))
        + _exceptions_between(after, through, working=True)
        - _exceptions_between(after, through, working=False)
    )


def working_days_used():
    """An approval's working days from acceptance to decision, the pauses left out."""
    return working_days_between("accepted_on", "decided_on") - F("paused_working_days")


# --- The filter -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What the figures cover: a date range and optional dimensions. `departments` is the set
    an officer is limited to (None: every department)."""

    start: date
    end: date
    department: int | None = None
    item: int | None = None
    town: int | None = None
    stage: str | None = None
    departments: frozenset[int] | None = None

    def department_ids(self) -> set[int] | None:
        if self.department is not None:
            return {self.department}
        if self.departments is not None:
            return set(self.departments)
        return None

    @property
    def slug(self) -> str:
        return f"{self.start.isoformat()}_{self.end.isoformat()}"


def _by_department(scope: Scope, path: str) -> Q:
    ids = scope.department_ids()
    if ids is None:
        return Q()
    return Q(**{f"{path}__in": sorted(ids)})


def scoped_approvals(scope: Scope) -> QuerySet:
    qs = Approval.objects.order_by().filter(_by_department(scope, "department_id"))
    if scope.item is not None:
        qs = qs.filter(item_id=scope.item)
    if scope.town is not None:
        qs = qs.filter(project__town_id=scope.town)
    if scope.stage:
        qs = qs.filter(project__stage=scope.stage)
    return qs


def _project_dimensions(qs: QuerySet, scope: Scope, project: str, item: str | None) -> QuerySet:
    if scope.item is not None and item:
        qs = qs.filter(**{item: scope.item})
    if scope.town is not None:
        qs = qs.filter(**{f"{project}__town_id": scope.town})
    if scope.stage:
        qs = qs.filter(**{f"{project}__stage": scope.stage})
    return qs


# --- Results --------------------------------------------------------------------------------


def rate(part: int, whole: int) -> float | None:
    """A share, or None when nothing was counted (shown as "—", never a division by zero)."""
    return part / whole if whole else None


def percentile_of_histogram(histogram: dict[int, int], pct: float) -> float | None:
    """The nearest-rank percentile of the values a histogram {value: count} describes; for the
    median of an even count, the mean of the two middle values."""
    total = sum(histogram.values())
    if not total:
        return None
    values = sorted(histogram.items())

    def nth(rank: int) -> int:  # rank from 1
        seen = 0
        for value, count in values:
            seen += count
            if seen >= rank:
                return value
        return values[-1][0]

    if pct == 50:
        if total % 2:
            return float(nth(total // 2 + 1))
        return (nth(total // 2) + nth(total // 2 + 1)) / 2
    return float(nth(max(1, math.ceil(pct / 100 * total))))


@dataclass
class DepartmentRow:
    department_id: int
    received: int = 0
    decided: int = 0
    on_time: int = 0
    on_time_statutory: int = 0
    with_due: int = 0
    late: int = 0
    used: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    promised: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.with_due)

    @property
    def statutory_rate(self) -> float | None:
        return rate(self.on_time_statutory, self.with_due)

    @property
    def median_used(self) -> float | None:
        return percentile_of_histogram(self.used, 50)

    @property
    def median_promised(self) -> float | None:
        return percentile_of_histogram(self.promised, 50)


@dataclass
class MonthRow:
    month: date
    received: int = 0
    accepted: int = 0
    approved: int = 0
    rejected: int = 0
    withdrawn: int = 0


@dataclass
class Figures:
    scope: Scope
    received: int = 0
    accepted: int = 0
    approved: int = 0
    rejected: int = 0
    withdrawn: int = 0
    accepted_decided: int = 0  # of those accepted in the range, decided by its end
    on_time: int = 0
    on_time_statutory: int = 0
    with_due: int = 0
    paused_days: int = 0
    used: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    promised: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    missing_accepted: int = 0
    missing_supplied_on_time: int = 0
    months: dict[date, MonthRow] = field(default_factory=dict)
    departments: dict[int, DepartmentRow] = field(default_factory=dict)
    late_by_month: dict[tuple[int, date], int] = field(default_factory=dict)
    meetings: dict[str, dict[str, int]] = field(default_factory=dict)
    actions: dict[str, int] = field(default_factory=dict)
    stages: dict[str, int] = field(default_factory=dict)
    cases: dict[str, dict[str, int]] = field(default_factory=dict)
    ratings: dict[int, int] = field(default_factory=dict)

    @property
    def completion_rate(self) -> float | None:
        return rate(self.accepted_decided, self.accepted)

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.with_due)

    @property
    def statutory_rate(self) -> float | None:
        return rate(self.on_time_statutory, self.with_due)

    @property
    def decided(self) -> int:
        return sum(self.used.values())

    @property
    def median_used(self) -> float | None:
        return percentile_of_histogram(self.used, 50)

    @property
    def p90_used(self) -> float | None:
        return percentile_of_histogram(self.used, 90)

    @property
    def median_promised(self) -> float | None:
        return percentile_of_histogram(self.promised, 50)

    @property
    def days_with_department(self) -> int:
        return sum(value * count for value, count in self.used.items())

    @property
    def days_with_enterprise(self) -> int:
        return self.paused_days

    @property
    def share_with_enterprise(self) -> float | None:
        total = self.days_with_department + self.days_with_enterprise
        return rate(self.days_with_enterprise, total)

    @property
    def missing_on_time_rate(self) -> float | None:
        return rate(self.missing_supplied_on_time, self.missing_accepted)

    @property
    def ratings_total(self) -> int:
        return sum(self.ratings.values())

    @property
    def satisfaction_rate(self) -> float | None:
        satisfied = self.ratings.get(4, 0) + self.ratings.get(5, 0)
        return rate(satisfied, self.ratings_total)

    def month_list(self) -> list[date]:
        months, day = [], self.scope.start.replace(day=1)
        while day <= self.scope.end:
            months.append(day)
            day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        return months


# --- The queries ----------------------------------------------------------------------------

_ZERO = Value(0, output_field=IntegerField())


def _branch(qs: QuerySet, tag: str, month, **counts) -> QuerySet:
    """One grouped branch of the approvals UNION: (tag, department, month, n1..n8)."""
    names = [f"n{i}" for i in range(1, 9)]
    values = {name: counts.get(name, _ZERO) for name in names}
    return (
        qs.annotate(tag=Value(tag, output_field=CharField()), month=month)
        .values("tag", "department_id", "month")
        .annotate(**values)
        .values("tag", "department_id", "month", *names)
    )


def _approval_queries(scope: Scope) -> QuerySet:
    base = scoped_approvals(scope)
    start, end = scope.start, scope.end
    received = _branch(
        base.filter(received_at__date__gte=start, received_at__date__lte=end),
        "r",
        TruncMonth(TruncDate("received_at")),
        n1=Count("id"),
    )
    accepted = _branch(
        base.filter(accepted_on__gte=start, accepted_on__lte=end),
        "a",
        TruncMonth("accepted_on"),
        n1=Count("id"),
        n2=Count("id", filter=Q(status__in=DECIDED, decided_on__lte=end)),
    )
    decided = _branch(
        base.filter(decided_on__gte=start, decided_on__lte=end),
        "d",
        TruncMonth("decided_on"),
        **decided_counts(),
    )
    return received.union(accepted, decided, all=True)


_DAYS_SQL = {
    # A cumulative working-day index over every date from the earliest acceptance to the latest
    # decision in scope (the weekday rule, overridden by the calendar's exceptions), joined on
    # both dates: one pass over a few hundred or thousand dates instead of a subquery per row.
    "postgresql": """
        bounds AS (SELECT MIN(accepted_on) AS lo, MAX(decided_on) AS hi FROM f),
        days AS (
            SELECT g.d::date AS d, SUM(CASE
                WHEN w.is_working IS NOT NULL THEN CASE WHEN w.is_working THEN 1 ELSE 0 END
                WHEN EXTRACT(ISODOW FROM g.d) < 6 THEN 1 ELSE 0 END) OVER (ORDER BY g.d) AS idx
            FROM bounds
            CROSS JOIN LATERAL generate_series(
                bounds.lo::timestamp, bounds.hi::timestamp, interval '1 day') AS g(d)
            LEFT JOIN projects_workingday w ON w.date = g.d::date
        )""",
    "sqlite": """
        bounds AS (SELECT MIN(accepted_on) AS lo, MAX(decided_on) AS hi FROM f),
        series(d) AS (
            SELECT lo FROM bounds WHERE lo IS NOT NULL
            UNION ALL SELECT date(d, '+1 day') FROM series, bounds WHERE d < bounds.hi
        ),
        days AS (
            SELECT s.d AS d, SUM(CASE
                WHEN w.is_working IS NOT NULL THEN w.is_working
                WHEN CAST(strftime('%%w', s.d) AS INTEGER) BETWEEN 1 AND 5 THEN 1 ELSE 0 END)
                OVER (ORDER BY s.d) AS idx
            FROM series s LEFT JOIN projects_workingday w ON w.date = s.d
        )""",
}


def _working_days_rows(scope: Scope) -> list[tuple[int, int, int, int]]:
    """(department, working days used, promised limit, how many) for the approvals approved or
    rejected in scope after acceptance: the histogram the medians are read from."""
    decided = (
        scoped_approvals(scope)
        .filter(
            status__in=DECIDED,
            decided_on__gte=scope.start,
            decided_on__lte=scope.end,
            accepted_on__isnull=False,
        )
        .values(
            "department_id",
            "accepted_on",
            "decided_on",
            "paused_working_days",
            "promised_limit_days",
        )
    )
    try:
        inner, params = decided.query.sql_with_params()
    except EmptyResultSet:  # an officer of no department: nothing to count
        return []
    recursive = "RECURSIVE " if connection.vendor == "sqlite" else ""
    # Only our own SQL and the ORM's compiled query; every value is a parameter.
    sql = f"""
        WITH {recursive}f AS ({inner}), {_DAYS_SQL[connection.vendor]}
        SELECT f.department_id, b.idx - a.idx - f.paused_working_days AS used,
               f.promised_limit_days, COUNT(*)
        FROM f JOIN days a ON a.d = f.accepted_on JOIN days b ON b.d = f.decided_on
        GROUP BY f.department_id, b.idx - a.idx - f.paused_working_days, f.promised_limit_days
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _missing_materials_query(scope: Scope) -> dict[str, int]:
    """Applications accepted with non-key materials missing (容缺受理), from the acceptance
    events, and how many had every one supplied by the date set at acceptance: one pass over
    the two kinds of event, grouped by approval (no subquery per event)."""
    approval_id = Cast(KeyTextTransform("approval_id", "data"), IntegerField())
    accepted_missing = Q(
        event="approval.accepted",
        data__missing_materials__0__isnull=False,
        at__date__gte=scope.start,
        at__date__lte=scope.end,
    )
    completed = Q(event="material.reviewed", data__material_completed=True)
    per_approval = (
        Event.objects.order_by()
        .filter(event__in=("approval.accepted", "material.reviewed"))
        .annotate(aid=approval_id)
        .filter(aid__in=scoped_approvals(scope).values("id"))
        .values("aid")
        .annotate(
            due=Max(
                SqlCase(
                    When(accepted_missing, then=KeyTextTransform("materials_due", "data")),
                    output_field=CharField(),
                )
            ),
            last=Max(
                SqlCase(
                    When(completed, then=Cast(TruncDate("at"), CharField())),
                    output_field=CharField(),
                )
            ),
        )
        .filter(due__isnull=False)
    )
    # Supplied on time: the last missing material completed by the date, and none left missing.
    still_missing = scoped_approvals(scope).filter(materials_due__isnull=False).values("id")
    return per_approval.aggregate(
        accepted=Count("aid"),
        on_time=Count(
            "aid",
            filter=Q(last__isnull=False, last__lte=F("due")) & ~Q(aid__in=still_missing),
        ),
    )


def scoped_facts(scope: Scope) -> QuerySet:
    """The stored rollup rows (`ApprovalFact`) in scope; town and stage are read from the
    project itself, so a project moved to another town or stage needs no rewrite."""
    qs = ApprovalFact.objects.order_by().filter(_by_department(scope, "department_id"))
    if scope.item is not None:
        qs = qs.filter(item_id=scope.item)
    if scope.town is not None:
        qs = qs.filter(project__town_id=scope.town)
    if scope.stage:
        qs = qs.filter(project__stage=scope.stage)
    return qs


_NO_MONTH = Value(None, output_field=DateField())


def decided_counts() -> dict:
    """The decided figures of a group of approvals or their facts (n1..n8 of the "d" rows):
    approved, rejected, withdrawn, on time (promised, statutory), with a due date, late, working
    days paused. One definition for the direct computation, the page's edge days and the
    monthly rows (`reports.rollups`)."""
    with_due = Q(status__in=DECIDED, due_date__isnull=False)
    return {
        "n1": Count("pk", filter=Q(status=S.APPROVED)),
        "n2": Count("pk", filter=Q(status=S.REJECTED)),
        "n3": Count("pk", filter=Q(status=S.WITHDRAWN)),
        "n4": Count("pk", filter=with_due & Q(decided_on__lte=F("due_date"))),
        "n5": Count("pk", filter=with_due & Q(decided_on__lte=F("statutory_due_date"))),
        "n6": Count("pk", filter=with_due),
        "n7": Count("pk", filter=with_due & Q(decided_on__gt=F("due_date"))),
        "n8": Coalesce(
            Sum("paused_working_days", filter=Q(status__in=DECIDED, accepted_on__isnull=False)),
            _ZERO,
        ),
    }


def missing_counts() -> dict:
    """Accepted with materials missing (n1) and, of them, every one supplied by the date set
    (n2), of a group of facts: the "m" rows, for the edge days and the monthly rows."""
    return {
        "n1": Count("pk"),
        "n2": Count(
            "pk",
            filter=Q(
                materials_completed_on__isnull=False,
                materials_completed_on__lte=F("missing_due"),
                materials_pending=False,
            ),
        ),
    }


def full_months(start: date, end: date) -> tuple[date, date] | None:
    """The first days of the first and last whole months in [start, end] (None: none)."""
    first = start if start.day == 1 else _add_months(start.replace(day=1), 1)
    after_end = end + timedelta(days=1)
    last = end.replace(day=1) if after_end.day == 1 else _add_months(end.replace(day=1), -1)
    return (first, last) if first <= last else None


def _add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _window(start: date, end: date, months: tuple[date, date] | None):
    """The dates of [start, end] outside its whole months, as a filter on a date column."""

    def q(column: str) -> Q:
        if months is None:
            return Q(**{f"{column}__gte": start, f"{column}__lte": end})
        head = Q(**{f"{column}__gte": start, f"{column}__lt": months[0]})
        tail = Q(**{f"{column}__gte": _add_months(months[1], 1), f"{column}__lte": end})
        return head | tail

    return q


def _month_fact_queries(scope: Scope, parts: set[str], months: tuple[date, date]) -> list:
    """The whole months of the range from the monthly rows (`MonthFact`), shaped like the
    branches of `_fact_queries` (several rows may share a department and month: they add)."""
    rows = MonthFact.objects.order_by().filter(
        _by_department(scope, "department_id"), period__gte=months[0], period__lte=months[1]
    )
    end = scope.end
    # Accepted in these months and decided by the range's end: decided in an earlier month
    # than the end's, or in the end's month when the range ends with it (the rest of that
    # month comes from the facts, see `_fact_queries`).
    end_month = end.replace(day=1)
    if (end + timedelta(days=1)).day == 1:
        decided_by_end = Q(decided_month__lte=end_month)
    else:
        decided_by_end = Q(decided_month__lt=end_month)

    def total(n: int, **kwargs):
        # Cast: PostgreSQL sums bigints as numeric, slow to read back by the thousand.
        return Cast(Coalesce(Sum(f"c{n}", **kwargs), _ZERO), BigIntegerField())

    branches = []
    if "approvals" in parts:
        branches.append(_branch(rows.filter(family="r"), "r", F("period"), n1=total(1)))
        branches.append(
            _branch(
                rows.filter(family="a"),
                "a",
                F("period"),
                n1=total(1),
                n2=total(2, filter=decided_by_end),
            )
        )
        counts = {f"n{i}": total(i) for i in range(1, 9)}
        branches.append(_branch(rows.filter(family="d"), "d", F("period"), **counts))
    if "working_days" in parts:
        branches.append(
            rows.filter(family="w")
            .annotate(
                tag=Value("w", output_field=CharField()),
                month=_NO_MONTH,
                n1=F("used_days"),
                n2=F("promised_days"),
            )
            .values("tag", "department_id", "month", "n1", "n2")
            .annotate(n3=total(1), **{f"n{i}": _ZERO for i in range(4, 9)})
            .values("tag", "department_id", "month", *[f"n{i}" for i in range(1, 9)])
        )
    if "missing" in parts:
        branches.append(_branch(rows.filter(family="m"), "m", _NO_MONTH, n1=total(1), n2=total(2)))
    return branches


def _fact_queries(scope: Scope, parts: set[str]) -> QuerySet | None:
    """The approvals, working-days and missing-materials figures from the rollups: one UNION
    ALL of grouped branches (tag, department, month, n1..n8). Without a filter on item, town
    or stage, the range's whole months come from the monthly rows and only the days at its
    edges from the per-approval facts; otherwise every day from the facts."""
    base = scoped_facts(scope)
    start, end = scope.start, scope.end
    months = None
    if scope.item is None and scope.town is None and not scope.stage:
        months = full_months(start, end)
    within = _window(start, end, months)
    branches = [] if months is None else _month_fact_queries(scope, parts, months)
    if "approvals" in parts:
        branches.append(
            _branch(base.filter(within("received_on")), "r", F("received_month"), n1=Count("pk"))
        )
        if months is not None and (end + timedelta(days=1)).day != 1:
            # Accepted in the whole months, decided in the end's partial month by the end.
            branches.append(
                _branch(
                    base.filter(
                        accepted_on__gte=months[0],
                        accepted_on__lt=_add_months(months[1], 1),
                        status__in=DECIDED,
                        decided_on__gte=end.replace(day=1),
                        decided_on__lte=end,
                    ),
                    "a",
                    F("accepted_month"),
                    n2=Count("pk"),
                )
            )
        branches.append(
            _branch(
                base.filter(within("accepted_on")),
                "a",
                F("accepted_month"),
                n1=Count("pk"),
                n2=Count("pk", filter=Q(status__in=DECIDED, decided_on__lte=end)),
            )
        )
        branches.append(
            _branch(base.filter(within("decided_on")), "d", F("decided_month"), **decided_counts())
        )
    if "working_days" in parts:
        decided = base.filter(
            within("decided_on"),
            status__in=DECIDED,
            accepted_on__isnull=False,
            used__isnull=False,
        )
        branches.append(
            decided.annotate(
                tag=Value("w", output_field=CharField()),
                month=_NO_MONTH,
                n1=F("used"),
                n2=F("promised_limit_days"),
            )
            .values("tag", "department_id", "month", "n1", "n2")
            .annotate(n3=Count("pk"), **{f"n{i}": _ZERO for i in range(4, 9)})
            .values("tag", "department_id", "month", *[f"n{i}" for i in range(1, 9)])
        )
    if "missing" in parts:
        missing = base.filter(within("missing_accepted_on"))
        branches.append(_branch(missing, "m", _NO_MONTH, **missing_counts()))
    if not branches:
        return None
    return branches[0].union(*branches[1:], all=True)


def _during(scope: Scope, path: str) -> Q:
    """Instants on the range's dates in the portal's time zone, as a plain range on the column
    (the same rows as `__date` between the two, without converting every row's value)."""
    zone = timezone.get_current_timezone()
    first = datetime.combine(scope.start, time.min, tzinfo=zone)
    after = datetime.combine(scope.end + timedelta(days=1), time.min, tzinfo=zone)
    return Q(**{f"{path}__gte": first, f"{path}__lt": after})


def _other_queries(scope: Scope, today: date) -> QuerySet:
    """Meetings by kind, action items, projects by stage, cases by kind and ratings by score:
    one UNION of (tag, key, n1..n4)."""
    names = ["n1", "n2", "n3", "n4"]

    def shape(qs: QuerySet, tag: str, key, **counts) -> QuerySet:
        values = {name: counts.get(name, _ZERO) for name in names}
        return (
            qs.order_by()
            .annotate(tag=Value(tag, output_field=CharField()), key=key)
            .values("tag", "key")
            .annotate(**values)
            .values("tag", "key", *names)
        )

    meetings = Meeting.objects.filter(_during(scope, "start"))
    meetings = meetings.filter(_by_department(scope, "departments__id"))
    meetings = _project_dimensions(meetings, scope, "projects", "projects__approvals__item_id")
    meeting_rows = shape(
        meetings,
        "meeting",
        F("kind"),
        n1=Count("id", distinct=True, filter=Q(status=Meeting.Status.HELD)),
        n2=Count("id", distinct=True, filter=Q(status=Meeting.Status.SCHEDULED)),
        n3=Count("id", distinct=True, filter=Q(status=Meeting.Status.CANCELLED)),
    )
    actions = ActionItem.objects.filter(_during(scope, "meeting__start")).filter(
        _by_department(scope, "owner_department_id")
    )
    actions = _project_dimensions(actions, scope, "project", "project__approvals__item_id")
    action_rows = shape(
        actions,
        "action",
        Value("", output_field=CharField()),
        n1=Count("id", distinct=True),
        n2=Count(
            "id",
            distinct=True,
            filter=Q(status=ActionItem.Status.DONE, done_at__date__lte=F("due_date")),
        ),
        n3=Count("id", distinct=True, filter=Q(status=ActionItem.Status.DONE)),
        n4=Count("id", distinct=True, filter=Q(status=ActionItem.Status.OPEN, due_date__lt=today)),
    )
    projects = Project.objects.all()
    if scope.department_ids() is not None or scope.item is not None:
        projects = projects.filter(
            pk__in=scoped_approvals(Scope(**{**scope.__dict__, "stage": None})).values("project_id")
        )
    if scope.town is not None:
        projects = projects.filter(town_id=scope.town)
    stage_rows = shape(projects, "stage", F("stage"), n1=Count("id"))
    cases = Case.objects.filter(_during(scope, "opened_at"))
    cases = cases.filter(_by_department(scope, "department_id"))
    cases = _project_dimensions(cases, scope, "project", "approval__item_id")
    answered = Q(answered_at__isnull=False)
    case_rows = shape(
        cases,
        "case",
        F("kind"),
        n1=Count("id"),
        n2=Count("id", filter=answered),
        n3=Coalesce(
            Sum(
                DayNumber(TruncDate("answered_at")) - DayNumber(TruncDate("opened_at")),
                filter=answered,
            ),
            _ZERO,
        ),
        # Past the current stage's date and still unanswered (an answered case waits on the
        # person who opened it, not on the department).
        n4=Count(
            "id",
            filter=Q(
                state__in=(Case.State.OPENED, Case.State.DISPATCHED, Case.State.SIGNED),
                stage_due__lt=today,
            ),
        ),
    )
    ratings = Rating.objects.filter(_during(scope, "at"))
    ratings = ratings.filter(_by_department(scope, "department_id"))
    ratings = _project_dimensions(ratings, scope, "project", "approval__item_id")
    rating_rows = shape(ratings, "rating", Cast("score", CharField()), n1=Count("id"))
    return meeting_rows.union(action_rows, stage_rows, case_rows, rating_rows, all=True)


PARTS = ("approvals", "working_days", "missing", "other")
SOURCES = ("auto", "rollup", "direct")


def rollups_built() -> bool:
    """Whether the rollups were built whole (then approval events keep them current)."""
    return RollupState.objects.filter(pk=1).exists()


def _plain_rows(query: QuerySet | None) -> list[dict]:
    """A values() query's rows straight from the cursor: thousands of small rows without the
    ORM's per-value converters (only the month needs one: SQLite returns it as text)."""
    if query is None:
        return []
    try:
        sql, params = query.query.sql_with_params()
    except EmptyResultSet:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        month = row["month"]
        if isinstance(month, str):
            row["month"] = date.fromisoformat(month[:10])
        elif isinstance(month, datetime):
            row["month"] = month.date()
    return rows


def _rollup_rows(scope: Scope, parts: set[str]):
    """(approval rows, working-days rows, missing-materials counts) from the rollups."""
    approval_rows, days_rows = [], []
    missing = {"accepted": 0, "on_time": 0}
    query = _fact_queries(scope, parts)
    for row in _plain_rows(query):
        tag = row["tag"]
        if tag == "w":
            days_rows.append((row["department_id"], row["n1"], row["n2"], row["n3"]))
        elif tag == "m":
            missing["accepted"] += row["n1"]
            missing["on_time"] += row["n2"]
        else:
            approval_rows.append(row)
    return approval_rows, days_rows, missing


def compute(
    scope: Scope, *, today: date, parts: Iterable[str] = PARTS, source: str = "auto"
) -> Figures:
    """The figures of the statistics page: a fixed number of queries whatever the size of the
    data. `source="direct"` computes from the approvals, the event log and the calendar (four
    queries, the reference); `"rollup"` reads the stored rollups (`ApprovalFact`: one query for
    the approvals, working days and missing materials, one for the rest); `"auto"` (the page)
    reads the rollups once they were built (one more query to ask)."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    parts = set(parts)
    if source == "auto":
        source = "rollup" if parts - {"other"} and rollups_built() else "direct"
    figures = Figures(scope=scope)
    for month in figures.month_list():
        figures.months[month] = MonthRow(month)

    def department(dept_id: int) -> DepartmentRow:
        if dept_id not in figures.departments:
            figures.departments[dept_id] = DepartmentRow(dept_id)
        return figures.departments[dept_id]

    if source == "rollup":
        approval_rows, days_rows, missing = _rollup_rows(scope, parts)
    else:
        approval_rows = _approval_queries(scope) if "approvals" in parts else ()
        days_rows = _working_days_rows(scope) if "working_days" in parts else ()
        missing = _missing_materials_query(scope) if "missing" in parts else None

    for row in approval_rows:
        month = row["month"]
        if hasattr(month, "date"):
            month = month.date()
        month_row = figures.months.setdefault(month, MonthRow(month))
        dept = department(row["department_id"])
        tag = row["tag"]
        if tag == "r":
            figures.received += row["n1"]
            month_row.received += row["n1"]
            dept.received += row["n1"]
        elif tag == "a":
            figures.accepted += row["n1"]
            figures.accepted_decided += row["n2"]
            month_row.accepted += row["n1"]
        else:
            figures.approved += row["n1"]
            figures.rejected += row["n2"]
            figures.withdrawn += row["n3"]
            figures.on_time += row["n4"]
            figures.on_time_statutory += row["n5"]
            figures.with_due += row["n6"]
            figures.paused_days += row["n8"]
            month_row.approved += row["n1"]
            month_row.rejected += row["n2"]
            month_row.withdrawn += row["n3"]
            dept.decided += row["n1"] + row["n2"]
            dept.on_time += row["n4"]
            dept.on_time_statutory += row["n5"]
            dept.with_due += row["n6"]
            dept.late += row["n7"]
            if row["n7"]:
                key = (row["department_id"], month)
                figures.late_by_month[key] = figures.late_by_month.get(key, 0) + row["n7"]

    for dept_id, used, promised, count in days_rows:
        used = max(0, used)
        figures.used[used] += count
        figures.promised[promised] += count
        dept = department(dept_id)
        dept.used[used] += count
        dept.promised[promised] += count

    if missing is not None:
        figures.missing_accepted = missing["accepted"]
        figures.missing_supplied_on_time = missing["on_time"]

    for row in _other_queries(scope, today) if "other" in parts else ():
        tag, key = row["tag"], row["key"]
        if tag == "meeting":
            figures.meetings[key] = {
                "held": row["n1"],
                "scheduled": row["n2"],
                "cancelled": row["n3"],
            }
        elif tag == "action":
            figures.actions = {
                "decided": row["n1"],
                "done_on_time": row["n2"],
                "done": row["n3"],
                "overdue": row["n4"],
            }
        elif tag == "stage":
            figures.stages[key] = row["n1"]
        elif tag == "case":
            figures.cases[key] = {
                "opened": row["n1"],
                "answered": row["n2"],
                "answer_days": row["n3"],
                "overdue": row["n4"],
            }
        elif tag == "rating":
            figures.ratings[int(key)] = row["n1"]
    return figures


def catalogue_and_source() -> tuple[dict[str, list[dict]], str]:
    """Departments, items and towns for the filter and the labels, and where the page's figures
    come from ("rollup" once the rollups were built, else "direct"): one query."""
    columns = ["tag", "id", "name", "name_en", "code"]
    empty = Value("", output_field=CharField())

    def shape(qs: QuerySet, tag: str, code, name=None, name_en=None) -> QuerySet:
        # Every column an annotation, so each branch lists them in the same order.
        name = F("name") if name is None else name
        name_en = F("name_en") if name_en is None else name_en
        return (
            qs.order_by()
            .annotate(
                tag=Value(tag, output_field=CharField()),
                k=F("id"),
                n=name,
                ne=name_en,
                c=code,
            )
            .values("tag", "k", "n", "ne", "c")
        )

    union = shape(Department.objects.all(), "department", F("short_name")).union(
        shape(ApprovalItem.objects.all(), "item", F("code")),
        shape(Town.objects.all(), "town", empty),
        shape(RollupState.objects.filter(pk=1), "built", empty, empty, empty),
        all=True,
    )
    result: dict[str, list[dict]] = {"department": [], "item": [], "town": []}
    source = "direct"
    for row in union:
        if row["tag"] == "built":
            source = "rollup"
            continue
        entry = dict(
            zip(columns, (row["tag"], row["k"], row["n"], row["ne"], row["c"]), strict=True)
        )
        result[entry["tag"]].append(entry)
    result["item"].sort(key=lambda entry: entry["code"])
    return result, source


def catalogue_choices() -> dict[str, list[dict]]:
    """Departments, items and towns for the filter and the labels: one query."""
    return catalogue_and_source()[0]
