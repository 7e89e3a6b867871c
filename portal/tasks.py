"""Background jobs run by the django-tasks worker."""

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone
from django_tasks import task

from . import notifications
from .models import PeriodicTaskRun, RealtimeTicket, SentEmail


@task()
def publish_scheduled() -> None:
    """Wagtail's scheduled publishing and unpublishing of pages and snippets."""
    call_command("publish_scheduled", verbosity=0)


@task()
def prune_housekeeping() -> None:
    """Forget spent realtime tickets, old scheduler rows, sent-email records and finished task
    results."""
    now = timezone.now()
    RealtimeTicket.objects.filter(expires_at__lt=now - timedelta(hours=1)).delete()
    PeriodicTaskRun.objects.filter(enqueued_at__lt=now - timedelta(days=7)).delete()
    # Records of emails sent by a task matter only while that task may still run again.
    SentEmail.objects.filter(sent_at__lt=now - timedelta(days=7)).delete()
    call_command("prune_db_task_results", min_age_days=7, verbosity=0)


@task()
def send_notification_digests() -> int:
    """Every 15 minutes: immediate emails left waiting are sent, and from 08:30 Beijing time
    on working days each person's daily digest, once per person and day."""
    notifications.sweep_pending()
    return notifications.send_digests()
