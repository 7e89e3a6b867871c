"""Invitation emails with calendar attachments, sent by the worker once per change.

Invitations are a notification reason: the meeting's event types tell the participants
(`notify_participants`), the notification centre shows it in the portal and puts it in the
daily digest for those who chose so; the calendar message itself (REQUEST/CANCEL, which must
follow the meeting's sequence) is still sent by `send_meeting_email`, to the people who chose
email at once (the default).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy
from django_tasks import task

from portal import mail
from portal import notifications as centre
from portal.errors import NotVisible
from portal.models import User
from portal.streams import NotificationReason, register_reasons, register_stream_link

from .ical import meeting_calendar, uninvitation_calendar
from .models import Meeting
from .selectors import meeting_for
from .streams import MEETING_INVITATION

REASONS = [
    NotificationReason(
        MEETING_INVITATION,
        gettext_lazy("You are invited to a meeting, or it changes"),
        email="immediate",
        description=gettext_lazy(
            "Emailed at once with a calendar invitation; in the digest, without one."
        ),
    ),
]


def _meeting_page(object_id: int, suffix: str) -> str:
    return reverse("meeting_detail", args=[object_id])


def register() -> None:
    """What the notification centre learns from meetings (called from `ready()`)."""
    register_reasons(REASONS)
    centre.register_app_sent(MEETING_INVITATION)
    register_stream_link("meeting", _meeting_page)


def meeting_url(meeting: Meeting, language: str) -> str:
    return mail.page_url("meeting_detail", language, meeting.pk)


def _ics(body: bytes, method: str) -> tuple[str, bytes, str]:
    # The MIME method parameter says the same as the calendar's METHOD (RFC 6047).
    return ("invite.ics", body, f'text/calendar; charset="utf-8"; method={method}')


@mail.resumable  # only emails through mail.send_to: safe to run again after a dead worker
@task()
def send_meeting_email(
    meeting_id: int, method: str, sequence: int, user_ids: list[int] | None = None
) -> int:
    """Email the invitation (REQUEST) or cancellation (CANCEL) to the participants, each
    with the meeting as they may see it (their projects' agenda, the people they may see);
    a CANCEL for given people no longer invited tells them alone."""
    meeting = (
        Meeting.objects.select_related("organiser")
        .prefetch_related("participants__user")
        .get(pk=meeting_id)
    )
    if meeting.sequence != sequence and method == "REQUEST":
        return 0  # a newer change has its own email on the way
    if method == "REQUEST" and (
        meeting.status != Meeting.Status.SCHEDULED or not meeting.dates_in_window
    ):
        # Nothing to invite to: cancelled meanwhile, or stored with a date outside the window
        # (the services refuse such dates; a row written around them waits to be changed).
        return 0
    sent = 0
    participants = {p.user_id: p for p in meeting.participants.all()}
    # Who chose the calendar email at once (the others find it in the portal or the digest).
    at_once = centre.emails_immediately({*participants, *(user_ids or ())}, MEETING_INVITATION)
    if method == "CANCEL" and user_ids is not None:
        sent += _send_uninvitations(meeting, (set(user_ids) - set(participants)) & at_once)
    for participant in participants.values():
        user = participant.user
        if not user.is_active or not user.email or user.pk not in at_once:
            continue
        if user_ids is not None and user.pk not in user_ids:
            continue
        try:
            theirs = meeting_for(user, meeting.pk)
        except NotVisible:
            continue
        language = mail.language_of(user)
        url = meeting_url(meeting, language)
        context = {
            "meeting": theirs,
            "user": user,
            "url": url,
            "method": method,
            "update": meeting.sequence > 0,
        }
        with translation.override(language):
            ics = meeting_calendar(theirs, method=method, url=url)
        mail.send_to(user, "meetings/email/invitation", context, attachments=[_ics(ics, method)])
        sent += 1
    return sent


def _send_uninvitations(meeting: Meeting, user_ids: set[int]) -> int:
    """People taken off a meeting that goes on: they may no longer see it, so they are told
    its title and time only (which their invitation told them), with a CANCEL for them."""
    sent = 0
    for user in User.objects.filter(pk__in=user_ids, is_active=True).exclude(email=""):
        context = {"meeting": meeting, "user": user, "method": "CANCEL", "removed": True}
        ics = uninvitation_calendar(meeting, user)
        mail.send_to(user, "meetings/email/invitation", context, attachments=[_ics(ics, "CANCEL")])
        sent += 1
    return sent
