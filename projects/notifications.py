"""Emails, sent by the worker, each in its recipient's language with a link to the page.

Each task only emails through `mail.send_to`, so each is `resumable`: run again after its
worker died, it emails the people the first run did not reach, and no one twice.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from portal import mail
from portal.models import Event, User

from .models import Approval, Project


def page_url(project: Project, language: str) -> str:
    return mail.page_url("project_detail", language, project.pk)


def _send(user: User, template: str, context: dict) -> None:
    mail.send_to(user, f"projects/email/{template}", context)


def recipients_for(approval: Approval, *, enterprise: bool, lead_helper: bool) -> list[User]:
    people: dict[int, User] = {}
    if enterprise:
        for user in approval.project.enterprise.users.filter(is_active=True):
            people[user.pk] = user
    lead = approval.project.lead_helper
    if lead_helper and lead is not None and lead.is_active:
        people[lead.pk] = lead
    return [p for p in people.values() if p.email]


@mail.resumable
@task()
def notify_approval_event(event_id: int) -> int:
    """Supplement requested, approved, rejected: to the enterprise's users and the lead helper."""
    event = Event.objects.select_related("actor").get(pk=event_id)
    approval = Approval.objects.select_related(
        "project__enterprise", "project__lead_helper", "item", "department"
    ).get(pk=event.data["approval_id"])
    template = {
        "approval.supplement_requested": "supplement_requested",
        "approval.approved": "decided",
        "approval.rejected": "decided",
    }[event.event]
    sent = 0
    for user in recipients_for(approval, enterprise=True, lead_helper=True):
        _send(
            user,
            template,
            {
                "user": user,
                "approval": approval,
                "project": approval.project,
                "event": event,
                "materials": approval.materials.filter(state="requested"),
                "url": page_url(approval.project, user.language),
            },
        )
        sent += 1
    return sent


@mail.resumable
@task()
def notify_deadline(approval_id: int, alert: str) -> int:
    """An approval turned due soon or overdue: to the lead helper."""
    approval = Approval.objects.select_related("project__lead_helper", "item", "department").get(
        pk=approval_id
    )
    recipients = recipients_for(approval, enterprise=False, lead_helper=True)
    for user in recipients:
        _send(
            user,
            "deadline",
            {
                "user": user,
                "approval": approval,
                "project": approval.project,
                "alert": alert,
                "url": page_url(approval.project, user.language),
            },
        )
    return len(recipients)


@mail.resumable
@task()
def send_invitation(user_id: int, invited_by_id: int | None) -> None:
    """An invited enterprise user gets a link to set a password (it expires)."""
    user = User.objects.get(pk=user_id)
    inviter = User.objects.filter(pk=invited_by_id).first()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    _send(
        user,
        "invitation",
        {
            "user": user,
            "inviter": inviter,
            "enterprises": list(user.enterprises.all()),
            "url": mail.page_url(
                "password_reset_confirm", mail.language_of(user), uidb64=uid, token=token
            ),
            "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
        },
    )
