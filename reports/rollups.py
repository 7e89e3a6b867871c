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
from django.db.models import BooleanField, DateField, IntegerField, Max, Q, When
from django.db.models import Case as SqlCase
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, TruncDate, TruncMonth
from django.utils import timezone

from portal.models import Event
from projects.models import Approval
from projects.streams import project_stream

from .models import ApprovalFact, RollupState
from .statistics import _DAYS_SQL, DECIDED

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


def rebuild() -> int:
    """Rewrite every row and mark the rollups built (the page reads them from then on)."""
    with transaction.atomic():
        written = refresh(None)
        RollupState.objects.update_or_create(pk=1, defaults={"built_at": timezone.now()})
        if connection.vendor == "postgresql":
            # A table rewritten whole gets fresh planner statistics at once.
            with connection.cursor() as cursor:
                cursor.execute(f'ANALYZE "{ApprovalFact._meta.db_table}"')
    return written
