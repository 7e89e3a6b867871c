"""Periodic jobs of the project module, enqueued by the scheduler."""

from django_tasks import task

from .services import deadline_sweep as sweep


@task()
def deadline_sweep() -> int:
    """Nightly: alert lead helpers of approvals that turned due soon or overdue."""
    return sweep()
