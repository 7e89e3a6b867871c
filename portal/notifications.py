"""The notification centre: who is told of each event, in their language, and how email
reaches them.

Each event type says who is told and why (`EventType.notify` in the stream registry). Inside
`emit`, in the change's transaction, one `Notification` is written per event and person (the
pair is unique: a second write is a no-op), the person's unread count goes to their own stream
(`notification.added`), and the emails the person asked for at once are handed to the worker
after commit. Email is sent at least once and never twice per notification: the worker locks
the notification's row, sends, and marks it sent in one transaction, so a worker killed
mid-send leaves it waiting (sent again by the sweep), and a retried task or a second worker
finds it sent or locked. The daily digest (08:30 Beijing time, working days) is written once
per person and day (`DigestRun`), in the transaction that sends it.

The base imports no app: an app registers what only it knows (the working-day calendar, the
email of a reason in its own words, reasons whose email its own task sends) from its
`AppConfig.ready()`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy, pgettext_lazy
from django_tasks import task

from . import mail, streams
from .events import emit, emit_many, replaying_history, user_stream
from .models import DigestRun, Event, Notification, NotificationPreference, User
from .roles import STAFF, fill_roles

logger = logging.getLogger(__name__)

IMMEDIATE = NotificationPreference.Email.IMMEDIATE
DIGEST = NotificationPreference.Email.DIGEST
OFF = NotificationPreference.Email.OFF
EMAIL_CHOICES = (IMMEDIATE, DIGEST, OFF)

BEIJING = ZoneInfo("Asia/Shanghai")
DIGEST_TIME = time(8, 30)
# Immediate emails still waiting after this long were lost on the way (a worker died, the
# queue was down): the periodic sweep sends them. Older ones are given up (marked skipped).
STALE_AFTER = timedelta(minutes=2)
GIVE_UP_AFTER = timedelta(days=2)


# --- What apps register ----------------------------------------------------------------------


@dataclass(frozen=True)
class EmailParts:
    """An email in an app's own words: `<template_prefix>_subject.txt` and `.txt`."""

    template_prefix: str
    context: dict[str, Any]
    attachments: tuple[tuple[str, str | bytes, str], ...] = ()


_working_day: list[Callable[[date], bool]] = []
_email_builders: dict[str, Callable[[Notification], EmailParts | None]] = {}
_app_sent: set[str] = set()


def register_working_day_check(check: Callable[[date], bool]) -> None:
    """`check(day)`: is it a working day (the digest goes out on working days only)?"""
    _working_day[:] = [check]


def is_working_day(day: date) -> bool:
    if _working_day:
        return bool(_working_day[0](day))
    return day.weekday() < 5


def register_email(reason: str, build: Callable[[Notification], EmailParts | None]) -> None:
    """The immediate email of a reason in the app's own words; `build(notification)` runs in
    the worker with the recipient's language active and returns None to send nothing."""
    _email_builders[reason] = build


def register_app_sent(reason: str) -> None:
    """A reason whose immediate email the app's own task sends (a calendar message that must
    follow its meeting's sequence); the app asks `emails_immediately()` before sending."""
    _app_sent.add(reason)


# --- The base's own event type on a person's stream -------------------------------------------


def _added_sentence(data: dict[str, Any]) -> str:
    return streams.text(data.get("text"))


def _read_sentence(data: dict[str, Any]) -> str:
    return str(gettext_lazy("read notifications"))


NOTIFICATION_EVENT_TYPES = [
    streams.EventType(
        "notification.added",
        gettext_lazy("new notification"),
        sentence=_added_sentence,
        unnamed=pgettext_lazy("notification", "New notification:"),
    ),
    streams.EventType(
        "notification.read",
        gettext_lazy("read notifications"),
        sentence=_read_sentence,
        unnamed=gettext_lazy("You"),
    ),
]


# --- Preferences --------------------------------------------------------------------------------


def reason_label(code: str) -> str:
    reason = streams.notification_reasons().get(code)
    return str(reason.label) if reason else code


def default_email(code: str) -> str:
    reason = streams.notification_reasons().get(code)
    return reason.email if reason and reason.email in EMAIL_CHOICES else IMMEDIATE


def email_choices(user_ids: Iterable[int], codes: Iterable[str]) -> dict[tuple[int, str], str]:
    """(user, reason) -> "immediate" | "digest" | "off", defaults filled in (one query)."""
    user_ids, codes = set(user_ids), set(codes)
    chosen = {
        (user_id, reason): email
        for user_id, reason, email in NotificationPreference.objects.filter(
            user_id__in=user_ids, reason__in=codes
        ).values_list("user_id", "reason", "email")
    }
    return {
        (user_id, code): chosen.get((user_id, code), default_email(code))
        for user_id in user_ids
        for code in codes
    }


def email_choice_labels() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in NotificationPreference.Email.choices]


def preferences_of(user) -> list[tuple[streams.NotificationReason, str]]:
    """Every registered reason with the person's email choice, in label order."""
    reasons = streams.notification_reasons()
    choices = email_choices([user.pk], reasons)
    return sorted(
        ((reason, choices[(user.pk, code)]) for code, reason in reasons.items()),
        key=lambda pair: str(pair[0].label),
    )


def preferences_set(*, actor, choices: dict[str, str]) -> None:
    """Save a person's email choice per reason (only registered reasons, only known choices)."""
    reasons = streams.notification_reasons()
    unknown = [code for code, value in choices.items() if code not in reasons]
    invalid = [code for code, value in choices.items() if value not in EMAIL_CHOICES]
    if unknown or invalid:
        raise ValueError(f"unknown reasons {unknown} or choices for {invalid}")
    with transaction.atomic():
        for code, value in choices.items():
            NotificationPreference.objects.update_or_create(
                user=actor, reason=code, defaults={"email": value}
            )


def emails_immediately(user_ids: Iterable[int], reason: str) -> set[int]:
    """The people who asked for this reason's email at once (for apps that send it)."""
    user_ids = set(user_ids)
    choices = email_choices(user_ids, [reason])
    return {user_id for user_id in user_ids if choices[(user_id, reason)] == IMMEDIATE}


# --- Writing: inside emit ------------------------------------------------------------------------


def _texts(row: Event, languages: Iterable[str]) -> dict[str, str]:
    texts = {}
    for language in languages:
        with translation.override(language):
            texts[language] = streams.event_text(row.event, row.data)
    return texts


def notify_event(row: Event) -> list[Notification]:
    """Write the notifications of an event just emitted (emit's hook); the new ones."""
    if replaying_history():
        return []
    return _write(row, quiet=False)


def notifications_backfill(*, events: Iterable[Event]) -> int:
    """Write the notifications of past events (the demo's history, replayed without live
    signals): shown in the portal, never emailed, no live signal; a second run is a no-op."""
    written = 0
    with transaction.atomic():
        for row in events:
            written += len(_write(row, quiet=True))
    return written


def _write(row: Event, *, quiet: bool) -> list[Notification]:
    event_type = streams.event_type(row.event)
    if event_type is None or event_type.notify is None:
        return []
    reasons: dict[int, str] = {}
    for user_id, reason in event_type.notify(row) or ():
        if user_id and user_id != row.actor_id:
            reasons.setdefault(int(user_id), reason)
    if not reasons:
        return []
    users = list(User.objects.filter(pk__in=reasons, is_active=True).prefetch_related("groups"))
    fill_roles(users)
    # Staff read most streams by their role; the others are asked in one batch per stream.
    free = streams.staff_reads_without_query(row.stream)
    by_role = {user.pk for user in users if free and STAFF in user._portal_roles}
    readers = by_role | streams.readers_among(
        [user for user in users if user.pk not in by_role], row.stream
    )
    users = [user for user in users if user.pk in readers]
    if quiet:  # a replay: only those not told yet
        told = set(Notification.objects.filter(event=row).values_list("user_id", flat=True))
        users = [user for user in users if user.pk not in told]
    if not users:
        return []
    choices = email_choices([u.pk for u in users], set(reasons.values()))
    texts = _texts(row, {mail.language_of(u) for u in users})
    wanted = []
    # When it was written (the event may be dated earlier): the sweep's clock.
    now = timezone.now()
    for user in users:
        reason = reasons[user.pk]
        choice = choices[(user.pk, reason)]
        if quiet:
            state = Notification.Email.SKIPPED
        elif choice == IMMEDIATE and reason not in _app_sent and user.email:
            state = Notification.Email.PENDING
        elif choice == DIGEST and user.email:
            state = Notification.Email.DIGEST
        else:
            state = Notification.Email.SKIPPED
        wanted.append(
            Notification(
                user=user,
                event=row,
                reason=reason,
                text=texts[mail.language_of(user)],
                created_at=row.at if quiet else now,
                email_state=state,
            )
        )
    Notification.objects.bulk_create(wanted, ignore_conflicts=True)
    if quiet:
        return wanted
    written = list(
        Notification.objects.filter(event=row, user__in=[u.pk for u in users]).order_by("pk")
    )
    unread = dict(
        Notification.objects.filter(user__in=[n.user_id for n in written], read_at__isnull=True)
        .values_list("user")
        .annotate(count=Count("pk"))
        .values_list("user", "count")
    )
    emit_many(
        event="notification.added",
        items=[
            (
                user_stream(note.user_id),
                {
                    "notification_id": note.pk,
                    "reason": note.reason,
                    "text": note.text,
                    "unread": unread.get(note.user_id, 0),
                },
            )
            for note in written
        ],
    )
    pending = [n.pk for n in written if n.email_state == Notification.Email.PENDING]
    if pending:
        transaction.on_commit(lambda: deliver_notifications.enqueue(pending), robust=True)
    return written


# --- Reading -------------------------------------------------------------------------------------


def unread_count(user) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_of(user, *, reason: str = ""):
    """A person's notifications, newest first (with their events, for the links)."""
    rows = Notification.objects.filter(user=user).select_related("event").order_by("-id")
    return rows.filter(reason=reason) if reason else rows


def _announce_read(user) -> None:
    emit(
        stream=user_stream(user.pk),
        event="notification.read",
        actor=None,
        data={"unread": unread_count(user)},
    )


def notification_mark_read(*, actor, notification_id: int) -> bool:
    """Mark one of the person's notifications read; False if it is not theirs or was read."""
    with transaction.atomic():
        changed = Notification.objects.filter(
            pk=notification_id, user=actor, read_at__isnull=True
        ).update(read_at=timezone.now())
        if changed:
            _announce_read(actor)
    return bool(changed)


def notifications_mark_all_read(*, actor, reason: str = "") -> int:
    """Mark all the person's unread notifications read (of one reason, if given)."""
    with transaction.atomic():
        rows = Notification.objects.filter(user=actor, read_at__isnull=True)
        if reason:
            rows = rows.filter(reason=reason)
        changed = rows.update(read_at=timezone.now())
        if changed:
            _announce_read(actor)
    return changed


# --- Delivery: immediate ------------------------------------------------------------------------


def _message(user: User, parts: EmailParts) -> EmailMultiAlternatives:
    with translation.override(mail.language_of(user)):
        subject = mail.render_text(f"{parts.template_prefix}_subject.txt", parts.context)
        body = mail.render_text(f"{parts.template_prefix}.txt", parts.context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    for name, content, mimetype in parts.attachments:
        message.attach(name, content, mimetype)
    return message


def absolute_link(note: Notification, language: str) -> str:
    with translation.override(language):
        path = streams.notification_link(note.event)
    return mail.absolute_url(path) if path else ""


def _generic_email(note: Notification) -> EmailParts:
    language = mail.language_of(note.user)
    return EmailParts(
        "portal/email/notification",
        {
            "user": note.user,
            "notification": note,
            "reason": reason_label(note.reason),
            "url": absolute_link(note, language),
            "preferences_url": mail.page_url("notification_preferences", language),
        },
    )


def _build(note: Notification) -> EmailParts | None:
    build = _email_builders.get(note.reason)
    with translation.override(mail.language_of(note.user)):
        return build(note) if build is not None else _generic_email(note)


def deliver(notification_id: int) -> bool:
    """Email one notification if it still waits: locked, sent and marked in one transaction,
    so that two workers or a rerun send it once, and a crash before the mark sends it again."""
    with transaction.atomic():
        note = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user", "event")
            .filter(pk=notification_id, email_state=Notification.Email.PENDING)
            .first()
        )
        if note is None:
            return False  # sent, not for email, or being sent by another worker
        user = note.user
        parts = None
        if user.is_active and user.email and streams.stream_readable(user, note.event.stream):
            parts = _build(note)
        if parts is None:
            note.email_state = Notification.Email.SKIPPED
            note.save(update_fields=["email_state"])
            return False
        _message(user, parts).send()
        note.email_state = Notification.Email.SENT
        note.emailed_at = timezone.now()
        note.save(update_fields=["email_state", "emailed_at"])
    return True


# Safe to run again after its worker died: each notification is sent once (see `deliver`).
@mail.resumable
@task()
def deliver_notifications(notification_ids: list[int]) -> int:
    """The immediate emails of one event's notifications; each sent once (see `deliver`)."""
    sent = 0
    for notification_id in notification_ids:
        try:
            sent += deliver(notification_id)
        except Exception:
            # Left waiting: the sweep tries again; the others still go out.
            logger.exception("could not email notification %s", notification_id)
    return sent


def sweep_pending(*, now: datetime | None = None) -> int:
    """Send immediate emails left waiting (a lost task, a dead worker); give up old ones."""
    now = now or timezone.now()
    waiting = Notification.objects.filter(email_state=Notification.Email.PENDING)
    waiting.filter(created_at__lt=now - GIVE_UP_AFTER).update(
        email_state=Notification.Email.SKIPPED
    )
    ids = list(
        waiting.filter(created_at__lt=now - STALE_AFTER).order_by("pk").values_list("pk", flat=True)
    )
    return deliver_notifications.call(ids) if ids else 0


# --- Delivery: the daily digest ------------------------------------------------------------------


def digest_due(now: datetime) -> date | None:
    """The Beijing day whose digest may go out now (08:30 on, working days), or None."""
    local = timezone.localtime(now, BEIJING)
    if local.time() < DIGEST_TIME or not is_working_day(local.date()):
        return None
    return local.date()


def send_digest(user_id: int, day: date) -> int:
    """One person's digest of the day: the notifications waiting for it, once per day."""
    with transaction.atomic():
        user = User.objects.get(pk=user_id)
        notes = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event")
            .filter(user=user, email_state=Notification.Email.DIGEST)
            .order_by("pk")
        )
        if not notes:
            return 0
        try:
            with transaction.atomic():
                DigestRun.objects.create(user=user, day=day, notifications=len(notes))
        except IntegrityError:
            return 0  # today's digest went out already (another scheduler, a rerun)
        shown = []
        if user.is_active and user.email:
            readable = {}
            for note in notes:
                stream = note.event.stream
                if stream not in readable:
                    readable[stream] = streams.stream_readable(user, stream)
                if readable[stream]:
                    shown.append(note)
        now = timezone.now()
        if shown:
            language = mail.language_of(user)
            with translation.override(language):
                items = [
                    {
                        "text": note.text,
                        "reason": reason_label(note.reason),
                        "at": timezone.localtime(note.created_at),
                        "url": absolute_link(note, language),
                    }
                    for note in shown
                ]
            parts = EmailParts(
                "portal/email/notification_digest",
                {
                    "user": user,
                    "day": day,
                    "items": items,
                    "url": mail.page_url("notifications", language),
                    "preferences_url": mail.page_url("notification_preferences", language),
                },
            )
            _message(user, parts).send()
        sent_ids = [n.pk for n in shown]
        Notification.objects.filter(pk__in=sent_ids).update(
            email_state=Notification.Email.SENT, emailed_at=now
        )
        Notification.objects.filter(pk__in=[n.pk for n in notes if n.pk not in sent_ids]).update(
            email_state=Notification.Email.SKIPPED
        )
    return len(shown)


def send_digests(*, now: datetime | None = None) -> int:
    """Every person's digest, if one is due now; the number of emails sent."""
    now = now or timezone.now()
    day = digest_due(now)
    if day is None:
        return 0
    waiting = (
        Notification.objects.filter(email_state=Notification.Email.DIGEST)
        .exclude(user__in=DigestRun.objects.filter(day=day).values("user"))
        .values_list("user", flat=True)
        .distinct()
    )
    sent = 0
    for user_id in sorted(set(waiting)):
        try:
            sent += bool(send_digest(user_id, day))
        except Exception:
            logger.exception("could not send the digest of user %s", user_id)
    return sent
