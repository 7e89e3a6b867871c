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


def on_event(row: Event) -> None:
    """The emit hook: after the change commits, refresh the rows of the approvals the event is
    about (no query here, inside the service's transaction)."""
    ids = rollups.approval_ids_of(row.event, row.data)
    if ids:
        transaction.on_commit(lambda: refresh_approval_statistics.enqueue(sorted(ids)), robust=True)


def on_calendar_change(**kwargs) -> None:
    """A working-day calendar entry saved or deleted: rebuild after commit."""
    transaction.on_commit(rebuild_statistics.enqueue, robust=True)
