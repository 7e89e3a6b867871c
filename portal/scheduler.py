"""Enqueue periodic jobs into django-tasks at fixed intervals, each slot exactly once.

The unique (name, slot) row is the lock: a restarted scheduler, or a second one started by
mistake, cannot enqueue the same slot twice.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import PeriodicTaskRun

logger = logging.getLogger(__name__)


def current_slot(interval: int, now: datetime, offset: int = 0) -> int:
    return (int(now.timestamp()) - offset) // interval


def enqueue_due(*, now: datetime | None = None) -> list[str]:
    """Enqueue every periodic job whose current slot has not run yet; return their names."""
    now = now or timezone.now()
    enqueued = []
    for name, (task_path, interval, *offset) in settings.PERIODIC_TASKS.items():
        slot = current_slot(interval, now, offset[0] if offset else 0)
        try:
            with transaction.atomic():
                run = PeriodicTaskRun.objects.create(name=name, slot=slot)
                result = import_string(task_path).enqueue()
                run.task_result_id = str(result.id)
                run.save(update_fields=["task_result_id"])
        except IntegrityError:
            continue  # this slot was enqueued already
        logger.info("enqueued %s (slot %s)", name, slot)
        enqueued.append(name)
    return enqueued
