"""The worker's jobs that keep the statistics rollups current."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from portal.models import Event

from . import rollups


@task()
def refresh_approval_statistics(approval_ids: list[int]) -> int:
    """After an approval event: rewrite those approvals' rollup rows."""
    return rollups.refresh(approval_ids)


@task()
def rebuild_statistics() -> int:
    """Nightly and after a calendar change: rewrite every rollup row (the working days used
    of decided approvals follow the calendar)."""
    return rollups.rebuild()


class _Pending:
    """The approvals touched in one transaction: refreshed by one task after its commit."""

    def __init__(self, savepoints: list) -> None:
        self.ids: set[int] = set()
        self.savepoints = list(savepoints)
        self.done = False

    def flush(self) -> None:
        self.done = True
        refresh_approval_statistics.enqueue(sorted(self.ids))


def on_event(row: Event) -> None:
    """The emit hook: after the change commits, refresh the rows of the approvals the event is
    about, one task per transaction (no query here, inside the service's transaction)."""
    _pend(rollups.approval_ids_of(row.event, row.data))


def on_approval_deleted(instance, **kwargs) -> None:
    """An approval deleted by any path (a removal, a project deleted whole from the shell or
    the back office): its rollup row goes after the commit, not at the nightly rebuild."""
    _pend({instance.pk})


def _pend(ids: set[int]) -> None:
    """Refresh these approvals' rollup rows after the commit: one task per transaction."""
    if not ids:
        return
    connection = transaction.get_connection()
    pending = getattr(connection, "_reports_pending", None)
    # A pending set is reused only in the same block while its flush still waits for the
    # commit (not run yet, not dropped with a rolled-back savepoint).
    if (
        pending is None
        or pending.done
        or pending.savepoints != connection.savepoint_ids
        or not any(entry[1] == pending.flush for entry in connection.run_on_commit)
    ):
        pending = _Pending(connection.savepoint_ids)
        connection._reports_pending = pending
        transaction.on_commit(pending.flush, robust=True)
    pending.ids |= ids


def on_calendar_change(**kwargs) -> None:
    """A working-day calendar entry saved or deleted: rebuild after commit."""
    transaction.on_commit(rebuild_statistics.enqueue, robust=True)
