from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
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

    @property
    def display_name(self) -> str:
        return self.get_full_name()


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
