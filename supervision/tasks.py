"""Background jobs of supervision, run by the django-tasks worker."""

from django_tasks import task


@task()
def daily_sweep() -> None:
    """Yellow and red cards, stalled approvals, overdue action items, the escalation ladder and
    the cases' stage limits, once per working day."""
