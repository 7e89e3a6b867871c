"""One way to email a person: in their language, rendered as plain text, sent by the worker.

Text emails are rendered without HTML escaping (a name with quotes reads as typed), and
links are absolute, on the configured public address.

A worker killed mid-task (SIGKILL, out of memory, a host restart) leaves its task RUNNING for
ever: django-tasks-db never runs it again, so the people after the one being emailed would get
nothing. Tasks that only email through `send_to` are marked `resumable`: while one runs, its
worker holds a PostgreSQL advisory lock on the task, which dies with the worker's connection;
the next task a worker starts puts such orphans back in the queue. Their second run emails only
the people the first did not reach: each email is recorded (`SentEmail`, per task run, person
and template) in the transaction that sends it.
"""

from __future__ import annotations

import contextvars
import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, transaction
from django.dispatch import receiver
from django.template import Context
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import TaskResultStatus, task_finished, task_started
from django_tasks_db.models import DBTaskResult

from .events import replaying_history
from .models import SentEmail

logger = logging.getLogger(__name__)


def language_of(user) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def absolute_url(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def page_url(url_name: str, language: str, *args, **kwargs) -> str:
    """The absolute address of a page in the given language."""
    with translation.override(language):
        path = reverse(url_name, args=args or None, kwargs=kwargs or None)
    return absolute_url(path)


def render_text(template_name: str, context: dict) -> str:
    """A plain-text template, rendered without HTML escaping."""
    template = get_template(template_name).template
    return template.render(Context(context, autoescape=False))


def send_to(
    user,
    template_prefix: str,
    context: dict,
    *,
    attachments: Iterable[tuple[str, str | bytes, str]] = (),
) -> bool:
    """Email `user` the templates `<prefix>_subject.txt` and `<prefix>.txt` in their language.

    Returns False (and sends nothing) for a person without an address.
    """
    if not user.email:
        return False
    task_result_id = _running_task.get()
    if task_result_id is None:
        _message(user, template_prefix, context, attachments).send()
        return True
    # In the worker: the record and the sending in one transaction. A worker killed between
    # the two rolls the record back, so the person is emailed again rather than never.
    with transaction.atomic():
        try:
            with transaction.atomic():
                SentEmail.objects.create(
                    task_result_id=task_result_id, user=user, template=template_prefix
                )
        except IntegrityError:
            return False  # an earlier run of this task emailed them
        _message(user, template_prefix, context, attachments).send()
    return True


def _message(user, template_prefix: str, context: dict, attachments) -> EmailMultiAlternatives:
    with translation.override(language_of(user)):
        subject = render_text(f"{template_prefix}_subject.txt", context)
        body = render_text(f"{template_prefix}.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    return message


def enqueue_after_commit(task_function, *args) -> None:
    """Hand a task to the worker after commit; nothing while history is replayed (it is past)."""
    if replaying_history():
        return
    transaction.on_commit(lambda: task_function.enqueue(*args), robust=True)


# --- tasks that survive their worker ------------------------------------------------------------

_resumable_tasks: set[str] = set()
# The DBTaskResult being run by this worker, while a task runs.
_running_task: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "running_task", default=None
)


def resumable(task_function):
    """Mark a task that only emails through `send_to`: run again if its worker dies."""
    _resumable_tasks.add(task_function.module_path)
    return task_function


def _in_db_worker(sender) -> bool:
    backend = sender if isinstance(sender, type) else type(sender)
    return issubclass(backend, DatabaseBackend) and connection.vendor == "postgresql"


def _lock_key(task_result_id) -> int:
    # A signed 64-bit key of the task's UUID; the first 63 bits are plenty apart.
    return uuid.UUID(str(task_result_id)).int >> 65


@receiver(task_started)
def _task_started(sender, task_result, **kwargs) -> None:
    if not _in_db_worker(sender):
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [_lock_key(task_result.id)])
    _running_task.set(str(task_result.id))
    try:
        requeue_orphaned_tasks()
    except Exception:  # never stop the task that is starting
        logger.exception("could not look for orphaned tasks")


@receiver(task_finished)
def _task_finished(sender, task_result, **kwargs) -> None:
    if not _in_db_worker(sender):
        return
    _running_task.set(None)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_lock_key(task_result.id)])
    except Exception:  # a broken connection has released the lock already
        logger.warning("could not release the lock of task %s", task_result.id, exc_info=True)


def requeue_orphaned_tasks() -> list[str]:
    """Put back in the queue resumable tasks left RUNNING by a worker that died; their ids.

    A live worker holds its task's advisory lock from `task_started` on; the grace period
    covers the moment between a worker claiming a task and taking the lock.
    """
    if not _resumable_tasks:
        return []
    grace = timedelta(seconds=getattr(settings, "TASK_ORPHAN_GRACE_SECONDS", 10))
    candidates = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING,
        task_path__in=_resumable_tasks,
        started_at__lt=timezone.now() - grace,
    ).values_list("id", "started_at")
    requeued = []
    for task_result_id, started_at in candidates:
        key = _lock_key(task_result_id)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            if not cursor.fetchone()[0]:
                continue  # its worker is alive
            try:
                # Only the run that was found: another worker may have requeued and run it.
                if DBTaskResult.objects.filter(
                    pk=task_result_id, status=TaskResultStatus.RUNNING, started_at=started_at
                ).update(status=TaskResultStatus.READY):
                    requeued.append(str(task_result_id))
                    logger.warning("task %s lost its worker; queued again", task_result_id)
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
    return requeued
