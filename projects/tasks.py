"""Periodic jobs of the project module, enqueued by the scheduler."""

from django_tasks import task

from .services import deadline_sweep as sweep
from .services.calendar_years import calendar_year_warn_staff


@task()
def deadline_sweep() -> int:
    """Nightly: alert lead helpers of approvals that turned due soon or overdue."""
    return sweep()


@task()
def calendar_year_warning() -> list[int]:
    """Daily: email bureau staff, once per year, about a year that starts unconfirmed."""
    return calendar_year_warn_staff()
