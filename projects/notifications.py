"""Emails, sent by the worker, each in its recipient's language with a link to the page."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from portal.models import User

from .models import Approval, Event, Project


def page_url(project: Project, language: str) -> str:
    with translation.override(language):
        path = reverse("project_detail", args=[project.pk])
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def _send(user: User, template: str, context: dict) -> None:
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language):
        subject = render_to_string(f"projects/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"projects/email/{template}.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    message.send()


def recipients_for(approval: Approval, *, enterprise: bool, lead_helper: bool) -> list[User]:
    people: dict[int, User] = {}
    if enterprise:
        for user in approval.project.enterprise.users.filter(is_active=True):
            people[user.pk] = user
    lead = approval.project.lead_helper
    if lead_helper and lead is not None and lead.is_active:
        people[lead.pk] = lead
    return [p for p in people.values() if p.email]


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


@task()
def send_invitation(user_id: int, invited_by_id: int | None) -> None:
    """An invited enterprise user gets a link to set a password (it expires)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = User.objects.get(pk=user_id)
    inviter = User.objects.filter(pk=invited_by_id).first()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    with translation.override(user.language):
        path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    _send(
        user,
        "invitation",
        {
            "user": user,
            "inviter": inviter,
            "enterprises": list(user.enterprises.all()),
            "url": settings.PORTAL_BASE_URL.rstrip("/") + path,
            "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
        },
    )


def enqueue_after_commit(task_function, *args) -> None:
    """Send after commit; nothing while history is replayed (the demo seed): it is past."""
    from .events import replaying_history

    if replaying_history():
        return
    transaction.on_commit(lambda: task_function.enqueue(*args), robust=True)
