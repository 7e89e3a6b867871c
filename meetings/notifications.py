"""Invitation emails with calendar attachments, sent by the worker once per change."""

from __future__ import annotations

from django.utils import translation
from django_tasks import task

from portal import mail
from portal.errors import NotVisible

from .ical import meeting_calendar
from .models import Meeting
from .selectors import meeting_for


def meeting_url(meeting: Meeting, language: str) -> str:
    return mail.page_url("meeting_detail", language, meeting.pk)


@task()
def send_meeting_email(
    meeting_id: int, method: str, sequence: int, user_ids: list[int] | None = None
) -> int:
    """Email the invitation (REQUEST) or cancellation (CANCEL) to the participants, each
    with the meeting as they may see it (their projects' agenda, the people they may see)."""
    meeting = (
        Meeting.objects.select_related("organiser")
        .prefetch_related("participants__user")
        .get(pk=meeting_id)
    )
    if meeting.sequence != sequence and method == "REQUEST":
        return 0  # a newer change has its own email on the way
    sent = 0
    for participant in meeting.participants.all():
        user = participant.user
        if not user.is_active or not user.email:
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
        mail.send_to(
            user,
            "meetings/email/invitation",
            context,
            attachments=[("invite.ics", ics, f'text/calendar; charset="utf-8"; method={method}')],
        )
        sent += 1
    return sent
