"""Joint meetings, enterprise forums and site visits: time, people, agenda, record, follow-up."""

import secrets
import uuid
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.dates import EARLIEST, in_window, latest
from projects.models import Approval, Department, Project, StoredFile


def window_instants(today: date | None = None) -> tuple[datetime, datetime]:
    """The accepted date window (`portal.dates`) as instants: [first moment, moment after)."""
    return (
        datetime.combine(EARLIEST, time.min, tzinfo=UTC),
        datetime.combine(latest(today) + timedelta(days=1), time.min, tzinfo=UTC),
    )


class Meeting(models.Model):
    class Kind(models.TextChoices):
        JOINT_MEETING = "joint_meeting", _("joint meeting")
        FORUM = "forum", _("enterprise forum")
        SITE_SERVICE = "site_service", _("on-site service visit")
        SITE_INSPECTION = "site_inspection", _("joint site inspection")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SCHEDULED = "scheduled", _("scheduled")
        HELD = "held", _("held")
        CANCELLED = "cancelled", _("cancelled")

    SITE_VISITS = (Kind.SITE_SERVICE, Kind.SITE_INSPECTION)

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="organised_meetings",
        verbose_name=_("organiser"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SCHEDULED
    )
    projects = models.ManyToManyField(
        Project, blank=True, related_name="meetings", verbose_name=_("projects")
    )
    departments = models.ManyToManyField(
        Department, blank=True, related_name="meetings", verbose_name=_("invited departments")
    )
    # iCalendar: each change of time or place sent to the participants raises the sequence.
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("meeting or visit")
        verbose_name_plural = _("meetings and visits")
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="meeting_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["start"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_site_visit(self) -> bool:
        return self.kind in self.SITE_VISITS

    @property
    def dates_in_window(self) -> bool:
        """False for a row stored with a date outside the accepted window (typed before the
        window was checked, or written around the services): calendars leave it out and
        pages show it without converting it to local time, which could overflow."""
        first, after = window_instants()
        return first <= self.start < after and first <= self.end < after


class Participant(models.Model):
    class Answer(models.TextChoices):
        PENDING = "pending", _("no answer yet")
        ATTEND = "attend", _("will attend")
        DECLINE = "decline", _("declined")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participations"
    )
    # Invited as an officer of this department (a department invitation reaches its officers).
    via_department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answer = models.CharField(
        _("answer"), max_length=10, choices=Answer.choices, default=Answer.PENDING
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="participant_once")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.meeting}"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField(default=0)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="agenda_items")
    approval = models.ForeignKey(
        Approval, on_delete=models.SET_NULL, null=True, blank=True, related_name="agenda_items"
    )
    title = models.CharField(_("item"), max_length=300)
    minutes = models.TextField(_("minutes"), blank=True)
    internal_minutes = models.TextField(_("internal minutes"), blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda")
        ordering = ["meeting", "position", "id"]

    def __str__(self) -> str:
        return self.title


class ActionItem(models.Model):
    """A follow-up decided at a meeting or visit: an owner, a date, chased until done."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("done")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="action_items")
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="action_items"
    )
    decision = models.TextField(_("decision"))
    title = models.CharField(_("action"), max_length=300)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_items",
        verbose_name=_("owner (person)"),
    )
    owner_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_items",
        verbose_name=_("owner (department)"),
    )
    due_date = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=6, choices=Status.choices, default="open")
    done_note = models.TextField(_("how it was done"), blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_user__isnull=False) | Q(owner_department__isnull=False),
                name="action_item_has_an_owner",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_date < timezone.localdate()

    @property
    def due_in_window(self) -> bool:
        """False for a due date stored outside the accepted window: no calendar entry."""
        return in_window(self.due_date)


class Finding(models.Model):
    """What a site visit found, with photos or documents (the same file rules as approvals)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="findings")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="findings")
    text = models.TextField(_("finding"))
    files = models.ManyToManyField(StoredFile, blank=True, related_name="findings")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


def new_calendar_secret() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """A personal subscription address: whoever has the secret reads the calendar."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    secret = models.CharField(max_length=64, unique=True, default=new_calendar_secret)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("calendar subscription")
        verbose_name_plural = _("calendar subscriptions")

    def __str__(self) -> str:
        return f"{self.user} calendar"
