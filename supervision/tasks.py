"""Background jobs of supervision, run by the django-tasks worker."""

from django.utils import timezone
from django_tasks import task

from projects.clock import WorkingCalendar

from .sweep import run_sweep


@task()
def daily_sweep() -> dict[str, int]:
    """Yellow and red cards, stalled approvals, overdue action items, the escalation ladder and
    the cases' stage limits, once per working day: the scheduler runs it every hour and each
    run after the day's first finds its work keyed and done (nothing happens on a day off)."""
    today = timezone.localdate()
    if not WorkingCalendar.load().is_working(today):
        return {}
    return dict(run_sweep(today=today).counts)
