from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in: bureau staff, helper, officer or enterprise user."""

    # Chinese names are not split into first and last names.
    name = models.CharField(_("full name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("Language of the emails and notices sent to this person."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def get_full_name(self) -> str:
        return self.name or super().get_full_name() or self.username


class PeriodicTaskRun(models.Model):
    """One enqueued run of a periodic job; the unique slot stops a second enqueue."""

    name = models.CharField(_("job"), max_length=100)
    # The number of whole intervals since the epoch: the time slot this run covers.
    slot = models.BigIntegerField(_("slot"))
    enqueued_at = models.DateTimeField(_("enqueued at"), auto_now_add=True)
    task_result_id = models.CharField(_("task result"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("periodic job run")
        verbose_name_plural = _("periodic job runs")
        constraints = [
            models.UniqueConstraint(fields=["name", "slot"], name="periodic_run_once_per_slot")
        ]
        indexes = [models.Index(fields=["enqueued_at"])]

    def __str__(self) -> str:
        return f"{self.name} #{self.slot}"


class RealtimeTicket(models.Model):
    """A one-time, short-lived ticket that lets a non-browser client open a websocket."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    # Only a digest is stored; the ticket itself is shown once, to the client that asked.
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("realtime ticket")
        verbose_name_plural = _("realtime tickets")
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"{self.user} until {self.expires_at:%H:%M:%S}"


class StreamHead(models.Model):
    """The last seq written to a stream; locked to hand out the next one without gaps."""

    stream = models.CharField(max_length=80, primary_key=True)
    last_seq = models.PositiveBigIntegerField(default=0)
    # Wall-clock time of the last write: each process polls the heads that moved recently.
    updated_at = models.DateTimeField(null=True, db_index=True)

    class Meta:
        # The table keeps the name it had when the log lived in `projects`.
        db_table = "projects_streamhead"

    def __str__(self) -> str:
        return f"{self.stream}@{self.last_seq}"


class Event(models.Model):
    """One entry of the event log. Each sits in exactly one stream; the stream decides who reads.

    Stream kinds (`project:<id>`, `project:<id>:internal`, `meeting:<id>`, `user:<id>`, ...)
    are registered by the apps that own them (`portal.streams`).
    """

    stream = models.CharField(max_length=80)
    seq = models.PositiveBigIntegerField()
    event = models.CharField(max_length=60)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        # The table keeps the name it had when the log lived in `projects`.
        db_table = "projects_event"
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["stream", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["stream", "seq"], name="event_seq_unique_in_stream")
        ]

    def __str__(self) -> str:
        return f"{self.stream}#{self.seq} {self.event}"


class SentEmail(models.Model):
    """An email a worker task has sent: written in the transaction that sends it, so a task
    run again after its worker died skips the people it had already emailed."""

    # The django-tasks result of the run: a re-run of the same task has the same id.
    task_result_id = models.CharField(_("task result"), max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    template = models.CharField(_("template"), max_length=200)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sent email")
        verbose_name_plural = _("sent emails")
        constraints = [
            models.UniqueConstraint(
                fields=["task_result_id", "user", "template"], name="sent_email_once_per_task"
            )
        ]
        indexes = [models.Index(fields=["sent_at"])]

    def __str__(self) -> str:
        return f"{self.template} to {self.user_id} ({self.task_result_id})"


class Notification(models.Model):
    """One person told of one event, for one reason: shown at /notifications/ and, as the
    person chose for the reason, emailed at once, in the daily digest, or not at all.

    (event, user) is unique: writing the same notification twice is a no-op.
    """

    class Email(models.TextChoices):
        PENDING = "pending", _("to be emailed")
        DIGEST = "digest", _("waiting for the daily digest")
        SENT = "sent", _("emailed")
        SKIPPED = "skipped", _("not emailed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="notifications")
    reason = models.CharField(_("reason"), max_length=60)
    # The event's sentence in the person's language when it was written.
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_state = models.CharField(
        _("email"), max_length=10, choices=Email.choices, default=Email.SKIPPED
    )
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="notification_once_per_event")
        ]
        indexes = [
            models.Index(fields=["user", "-id"], name="notification_user_newest"),
            models.Index(
                fields=["user"],
                name="notification_unread",
                condition=models.Q(read_at__isnull=True),
            ),
            models.Index(
                fields=["email_state", "user"],
                name="notification_email_waiting",
                condition=models.Q(email_state__in=["pending", "digest"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.event_id} ({self.reason})"


class NotificationPreference(models.Model):
    """How email reaches a person for one reason (without a row: the reason's default)."""

    class Email(models.TextChoices):
        IMMEDIATE = "immediate", _("email immediately")
        DIGEST = "digest", _("in the daily digest")
        OFF = "off", _("no email")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    reason = models.CharField(_("reason"), max_length=60)
    email = models.CharField(_("email"), max_length=10, choices=Email.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "reason"], name="notification_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.reason} = {self.email}"


class DigestRun(models.Model):
    """A person's daily digest: written in the transaction that sends it, so each person gets
    at most one a day whatever the number of schedulers or reruns."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    notifications = models.PositiveIntegerField(_("notifications"), default=0)

    class Meta:
        verbose_name = _("notification digest")
        verbose_name_plural = _("notification digests")
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="digest_once_per_person_and_day")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"
