"""Keeping the statistics rollups (`ApprovalFact`) equal to the direct computation.

`refresh(ids)` rewrites the rows of some approvals (all of them when `ids` is None) in a fixed
number of SQL statements whatever their number: delete, INSERT ... SELECT from the approvals,
an UPDATE of the working days used from a cumulative working-day index over the calendar
(the same SQL the direct computation uses), and an UPDATE of the missing-materials facts from
the event log grouped by approval. Nothing is looped over in Python.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    DateField,
    F,
    IntegerField,
    Max,
    Q,
    Value,
    When,
)
from django.db.models import Case as SqlCase
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, TruncDate, TruncMonth
from django.utils import timezone

from portal.models import Event
from projects.models import Approval
from projects.streams import project_stream

from .models import ApprovalFact, MonthFact, RollupState
from .statistics import _DAYS_SQL, _ZERO, DECIDED, decided_counts, missing_counts

# Events after which an approval's row may have changed (anything carrying its id).
APPROVAL_EVENT_PREFIXES = ("approval.", "material.", "project.approval")

_FIELDS = [
    "id",
    "project_id",
    "department_id",
    "item_id",
    "status",
    "accepted_on",
    "decided_on",
    "due_date",
    "statutory_due_date",
    "promised_limit_days",
    "paused_working_days",
]
_ANNOTATIONS = {
    "received_on_": TruncDate("received_at"),
    "received_month_": TruncMonth(TruncDate("received_at")),
    "accepted_month_": TruncMonth("accepted_on"),
    "decided_month_": TruncMonth("decided_on"),
    "materials_pending_": SqlCase(
        When(materials_due__isnull=False, then=True), default=False, output_field=BooleanField()
    ),
}
_COLUMNS = [
    "approval_id",
    *_FIELDS[1:],
    "received_on",
    "received_month",
    "accepted_month",
    "decided_month",
    "materials_pending",
]


def approval_ids_of(event_name: str, data: dict) -> set[int]:
    """The approvals an event is about (empty for events that change no approval)."""
    if not event_name.startswith(APPROVAL_EVENT_PREFIXES):
        return set()
    ids = set()
    if isinstance(data.get("approval_id"), int):
        ids.add(data["approval_id"])
    for entry in data.get("approvals") or ():
        if isinstance(entry, dict) and isinstance(entry.get("approval_id"), int):
            ids.add(entry["approval_id"])
    return ids


def _sql(qs) -> tuple[str, tuple] | None:
    try:
        return qs.query.sql_with_params()
    except EmptyResultSet:
        return None


def _lock(ids: list[int] | None) -> None:
    """Refreshes of the same rows queue: a full rebuild takes the table, a partial one the
    approvals' rows (so two workers never insert the same row)."""
    if ids is None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f'LOCK TABLE "{ApprovalFact._meta.db_table}" IN EXCLUSIVE MODE')
        return
    list(Approval.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))


def refresh(approval_ids: Iterable[int] | None = None) -> int:
    """Rewrite the rows of these approvals (every approval when None); returns rows written.
    A deleted approval's row goes."""
    ids = None if approval_ids is None else sorted(set(approval_ids))
    if ids is not None and not ids:
        return 0
    table = connection.ops.quote_name(ApprovalFact._meta.db_table)
    facts = ApprovalFact.objects.all()
    approvals = Approval.objects.order_by()
    events = Event.objects.order_by().filter(event__in=("approval.accepted", "material.reviewed"))
    approval_id = Cast(KeyTextTransform("approval_id", "data"), IntegerField())
    events = events.annotate(aid=approval_id)
    only = ""
    only_params: list[int] = []
    if ids is not None:
        facts = facts.filter(pk__in=ids)
        approvals = approvals.filter(pk__in=ids)
        streams = {
            project_stream(pid)
            for pid in Approval.objects.filter(pk__in=ids).values_list("project_id", flat=True)
        }
        events = events.filter(stream__in=sorted(streams), aid__in=ids)
        only = f" AND {table}.approval_id IN ({', '.join(['%s'] * len(ids))})"
        only_params = list(ids)
    with transaction.atomic():
        _lock(ids)
        cells = None if ids is None else _cells(facts)
        facts._raw_delete(facts.db)
        rows = approvals.annotate(**_ANNOTATIONS).values(*_FIELDS, *_ANNOTATIONS)
        compiled = _sql(rows)
        if compiled is None:
            return 0
        select, params = compiled
        columns = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({columns}) {select}", params)  # noqa: S608
            written = cursor.rowcount
            _update_used(cursor, table, only, only_params)
            _update_missing(cursor, table, events)
        if cells is not None:
            new = _cells(ApprovalFact.objects.filter(pk__in=ids))
            cells = (cells[0] | new[0], cells[1] | new[1])
        refresh_months(cells)
    return written


def _update_used(cursor, table: str, only: str, params: list) -> None:
    """Working days used, by the clock: a cumulative working-day index over the dates from the
    earliest acceptance to the latest decision of the rows, joined on both dates."""
    decided = ", ".join(["%s"] * len(DECIDED))
    needed = (
        f"{table}.status IN ({decided}) AND {table}.accepted_on IS NOT NULL"
        f" AND {table}.decided_on IS NOT NULL{only}"
    )
    recursive = "RECURSIVE " if connection.vendor == "sqlite" else ""
    sql = f"""
        WITH {recursive}f AS (SELECT accepted_on, decided_on FROM {table} WHERE {needed}),
        {_DAYS_SQL[connection.vendor]}
        UPDATE {table} SET used = b.idx - a.idx - {table}.paused_working_days
        FROM days a, days b
        WHERE a.d = {table}.accepted_on AND b.d = {table}.decided_on AND {needed}
    """  # noqa: S608
    both = [*DECIDED, *params]
    cursor.execute(sql, both + both)


def _update_missing(cursor, table: str, events) -> None:
    """Accepted with materials missing and when the last one was completed, from the event log
    grouped by approval (the direct computation's reading of the same events)."""
    accepted_missing = Q(event="approval.accepted", data__missing_materials__0__isnull=False)
    completed = Q(event="material.reviewed", data__material_completed=True)
    per = (
        events.values("aid")
        .annotate(
            acc=Max(
                SqlCase(When(accepted_missing, then=TruncDate("at")), output_field=DateField())
            ),
            due=Max(
                SqlCase(
                    When(
                        accepted_missing,
                        then=Cast(KeyTextTransform("materials_due", "data"), DateField()),
                    ),
                    output_field=DateField(),
                )
            ),
            last=Max(SqlCase(When(completed, then=TruncDate("at")), output_field=DateField())),
        )
        .filter(acc__isnull=False)
        .values("aid", "acc", "due", "last")
    )
    compiled = _sql(per)
    if compiled is None:
        return
    select, params = compiled
    sql = f"""
        WITH per (aid, acc, due, last) AS ({select})
        UPDATE {table} SET missing_accepted_on = per.acc, missing_due = per.due,
            materials_completed_on = per.last
        FROM per WHERE per.aid = {table}.approval_id
    """  # noqa: S608
    cursor.execute(sql, params)


# --- The monthly rows (`MonthFact`) -----------------------------------------------------------

# `MonthFact`'s columns and the names the grouped facts give them.
_MONTH_COLUMNS = {
    "family": "tag_",
    "department_id": "department_id",
    "period": "month_",
    "decided_month": "decided_month_",
    "used_days": "used_",
    "promised_days": "promised_",
    **{f"c{i}": f"n{i}" for i in range(1, 9)},
}
# Typed nulls (a bare NULL in a subquery is text to PostgreSQL).
_NULL_DATE = Cast(Value(None), DateField())
_NULL_INT = Cast(Value(None), IntegerField())


def _cells(facts) -> tuple[set[int], set]:
    """The departments and months whose monthly rows these facts count in."""
    departments, months = set(), set()
    columns = ("received_month", "accepted_month", "decided_month", "missing_accepted_on")
    for dept, *dates in facts.values_list("department_id", *columns):
        departments.add(dept)
        months.update(d.replace(day=1) for d in dates if d is not None)
    return departments, months


def _month_group(
    qs, tag: str, month, *, decided_month=_NULL_DATE, used=_NULL_INT, promised=_NULL_INT, **counts
):
    values = {f"n{i}": counts.get(f"n{i}", _ZERO) for i in range(1, 9)}
    keys = {
        "tag_": Value(tag, output_field=CharField()),
        "month_": month,
        "decided_month_": decided_month,
        "used_": used,
        "promised_": promised,
    }
    names = ["tag_", "department_id", "month_", "decided_month_", "used_", "promised_"]
    return qs.annotate(**keys).values(*names).annotate(**values).values(*names, *values)


def _month_queries(cells) -> list:
    """One grouped query per figure family, over the facts of these cells (every fact when
    None), shaped as `MonthFact` rows."""
    facts = ApprovalFact.objects.order_by()
    month_filter = {}
    if cells is not None:
        departments, months = cells
        facts = facts.filter(department_id__in=sorted(departments))
        month_filter = {"months": sorted(months)}

    def within(column: str):
        if not month_filter:
            return Q(**{f"{column}__isnull": False})
        return Q(**{f"{column}__in": month_filter["months"]})

    missing_month = TruncMonth("missing_accepted_on", output_field=DateField())
    return [
        _month_group(
            facts.filter(within("received_month")), "r", F("received_month"), n1=Count("pk")
        ),
        _month_group(
            facts.filter(within("accepted_month")),
            "a",
            F("accepted_month"),
            decided_month=F("decided_month"),
            n1=Count("pk"),
            n2=Count("pk", filter=Q(status__in=DECIDED, decided_on__isnull=False)),
        ),
        _month_group(
            facts.filter(within("decided_month")), "d", F("decided_month"), **decided_counts()
        ),
        _month_group(
            facts.filter(
                within("decided_month"),
                status__in=DECIDED,
                accepted_on__isnull=False,
                used__isnull=False,
            ),
            "w",
            F("decided_month"),
            used=F("used"),
            promised=F("promised_limit_days"),
            n1=Count("pk"),
        ),
        _month_group(
            facts.annotate(missing_month=missing_month).filter(within("missing_month")),
            "m",
            F("missing_month"),
            **missing_counts(),
        ),
    ]


def refresh_months(cells=None) -> None:
    """Rewrite the monthly rows of these cells ((departments, months); every row when None)
    from the facts, in the caller's transaction. Refreshes queue on the table's lock, so a
    cell is always recomputed from every committed fact."""
    if cells is not None and (not cells[0] or not cells[1]):
        return
    table = connection.ops.quote_name(MonthFact._meta.db_table)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        rows = MonthFact.objects.all()
        if cells is not None:
            rows = rows.filter(department_id__in=sorted(cells[0]), period__in=sorted(cells[1]))
        rows._raw_delete(rows.db)
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in _MONTH_COLUMNS)
        picked = ", ".join(f"q.{quote(name)}" for name in _MONTH_COLUMNS.values())
        with connection.cursor() as cursor:
            for query in _month_queries(cells):
                compiled = _sql(query)
                if compiled is None:
                    continue
                select, params = compiled
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) SELECT {picked} FROM ({select}) q",  # noqa: S608
                    params,
                )


def rebuild() -> int:
    """Rewrite every row and mark the rollups built (the page reads them from then on)."""
    with transaction.atomic():
        written = refresh(None)
        RollupState.objects.update_or_create(pk=1, defaults={"built_at": timezone.now()})
        if connection.vendor == "postgresql":
            # A table rewritten whole gets fresh planner statistics at once.
            with connection.cursor() as cursor:
                cursor.execute(f'ANALYZE "{ApprovalFact._meta.db_table}"')
                cursor.execute(f'ANALYZE "{MonthFact._meta.db_table}"')
    return written
