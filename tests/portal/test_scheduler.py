from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult
from wagtail.models import Page

from cms.demo import seed_home_pages
from cms.models import HomePage
from portal.models import PeriodicTaskRun
from portal.scheduler import enqueue_due

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 11, 27, 4, 0, 0, tzinfo=UTC)


def test_a_due_task_is_enqueued_once_not_twice(settings):
    settings.PERIODIC_TASKS = {"wagtail.publish_scheduled": ("portal.tasks.publish_scheduled", 60)}
    assert enqueue_due(now=NOON) == ["wagtail.publish_scheduled"]
    # The same slot again (a second scheduler, a restart): nothing more is enqueued.
    assert enqueue_due(now=NOON + timedelta(seconds=30)) == []
    assert DBTaskResult.objects.filter(task_path="portal.tasks.publish_scheduled").count() == 1
    # The next interval is a new slot.
    assert enqueue_due(now=NOON + timedelta(seconds=60)) == ["wagtail.publish_scheduled"]
    assert DBTaskResult.objects.filter(task_path="portal.tasks.publish_scheduled").count() == 2
    assert PeriodicTaskRun.objects.count() == 2


def test_each_job_keeps_its_own_interval(settings):
    settings.PERIODIC_TASKS = {
        "every-minute": ("portal.tasks.publish_scheduled", 60),
        "hourly": ("portal.tasks.prune_housekeeping", 3600),
    }
    enqueued = []
    for minute in range(3):
        enqueued += enqueue_due(now=NOON + timedelta(minutes=minute))
    assert enqueued.count("every-minute") == 3
    assert enqueued.count("hourly") == 1


def test_the_scheduler_command_enqueues_and_the_worker_task_publishes(settings, immediate_tasks):
    """With tasks run inline, the scheduler's publish job publishes a page whose time has come."""
    home = seed_home_pages()
    page = HomePage(title="定时发布", slug="scheduled", locale=home.locale, live=False)
    Page.get_first_root_node().add_child(instance=page)
    page.go_live_at = datetime.now(UTC) - timedelta(minutes=1)
    revision = page.save_revision(approved_go_live_at=page.go_live_at)
    page.refresh_from_db()
    assert not page.live and revision.approved_go_live_at is not None
    settings.PERIODIC_TASKS = {"wagtail.publish_scheduled": ("portal.tasks.publish_scheduled", 60)}
    call_command("run_scheduler", "--once", verbosity=0)
    page.refresh_from_db()
    assert page.live
