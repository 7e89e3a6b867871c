"""Emails, sent by the worker, each in its recipient's language with a link to the page.

Decisions, supplement requests and deadline alerts are notification reasons: the event types
name who is told (`notify_*`, used by projects/streams.py), the notification centre writes the
notifications and sends each person's email as they chose (at once, in the daily digest, or
not at all); the emails at once keep their own words (`email_for_approval`).

The account invitation stays a plain email: the person cannot sign in to choose anything yet.
It only emails through `mail.send_to`, so it is `resumable`: run again after its worker died,
it emails the people the first run did not reach, and no one twice.
"""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy
from django_tasks import task

from portal import mail
from portal import notifications as centre
from portal.models import Notification, User
from portal.roles import ENTERPRISE, OFFICER, roles_of
from portal.streams import (
    NotificationReason,
    parse,
    register_reasons,
    register_stream_link,
    register_stream_readers,
)

from . import permissions as perms
from .clock import WorkingCalendar
from .models import Approval, Department, Enterprise, Project, ProjectUserObjectPermission

APPROVAL_DECIDED = "approval_decided"
SUPPLEMENT_REQUESTED = "supplement_requested"
DEADLINE_ALERT = "deadline_alert"

REASONS = [
    NotificationReason(
        APPROVAL_DECIDED,
        gettext_lazy("An approval of your project is decided"),
        email="immediate",
        description=gettext_lazy("Approved or rejected, with the decision number."),
    ),
    NotificationReason(
        SUPPLEMENT_REQUESTED,
        gettext_lazy("A department asks for a supplement"),
        email="immediate",
        description=gettext_lazy("The materials to supply and the date to supply them by."),
    ),
    NotificationReason(
        DEADLINE_ALERT,
        gettext_lazy("An approval you help with is due soon or overdue"),
        email="immediate",
        description=gettext_lazy("For the project's lead helper."),
    ),
]

EMAIL_TEMPLATES = {
    "approval.supplement_requested": "supplement_requested",
    "approval.approved": "decided",
    "approval.rejected": "decided",
    "approval.due_soon": "deadline",
    "approval.overdue": "deadline",
}


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


# --- Who is told (the event types' `notify`) -----------------------------------------------


def _project_id(event_row) -> int | None:
    name = parse(event_row.stream)
    return name.object_id if name is not None and name.kind == "project" else None


def notify_enterprise_and_lead(reason: str):
    """The project's enterprise users and its lead helper (active ones: the centre checks)."""

    def notify(event_row) -> list[tuple[int, str]]:
        project_id = _project_id(event_row)
        if project_id is None:
            return []
        rows = Project.objects.filter(pk=project_id).values_list(
            "lead_helper_id", "enterprise__users"
        )
        people = {user_id for row in rows for user_id in row if user_id}
        return [(user_id, reason) for user_id in sorted(people)]

    return notify


def notify_lead_helper(event_row) -> list[tuple[int, str]]:
    project_id = _project_id(event_row)
    lead = Project.objects.filter(pk=project_id).values_list("lead_helper_id", flat=True).first()
    return [(lead, DEADLINE_ALERT)] if lead else []


# --- The emails at once, in their own words ---------------------------------------------------


def email_for_approval(note: Notification) -> centre.EmailParts | None:
    """The decision, supplement or deadline email of one notification (the recipient's
    language is active)."""
    event = note.event
    template = EMAIL_TEMPLATES.get(event.event)
    approval = (
        Approval.objects.select_related("project", "item", "department")
        .filter(pk=(event.data or {}).get("approval_id"))
        .first()
    )
    if template is None or approval is None:
        return None
    user = note.user
    return centre.EmailParts(
        f"projects/email/{template}",
        {
            "user": user,
            "approval": approval,
            "project": approval.project,
            "event": event,
            "alert": event.event.removeprefix("approval."),
            "materials": approval.materials.filter(state="requested"),
            "url": page_url(approval.project, mail.language_of(user)),
        },
    )


def project_readers(users: list[User], project_id: int, suffix: str) -> set[int]:
    """Who among `users` may read the project's stream: the permission functions themselves,
    with each person's caches (enterprises, departments, grants on this project) filled for
    all of them in three queries instead of two or three per person."""
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        return set()
    ids = [user.pk for user in users]
    enterprises, departments, grants = defaultdict(set), defaultdict(set), defaultdict(set)
    for user_id, enterprise_id in Enterprise.users.through.objects.filter(
        user_id__in=ids
    ).values_list("user_id", "enterprise_id"):
        enterprises[user_id].add(enterprise_id)
    for user_id, department_id in Department.officers.through.objects.filter(
        user_id__in=ids
    ).values_list("user_id", "department_id"):
        departments[user_id].add(department_id)
    for user_id, codename in ProjectUserObjectPermission.objects.filter(
        user_id__in=ids, content_object_id=project.pk
    ).values_list("user_id", "permission__codename"):
        grants[user_id].add(codename)
    for user in users:
        roles = roles_of(user)
        user._enterprise_ids = enterprises[user.pk] if ENTERPRISE in roles else set()
        user._department_ids = departments[user.pk] if OFFICER in roles else set()
        cache = getattr(user, "_project_perm_cache", None)
        if cache is None:
            cache = user._project_perm_cache = {}
        cache[project.pk] = grants[user.pk]
    may_read = perms.can_view_internal if suffix == "internal" else perms.can_view_project
    return {user.pk for user in users if may_read(user, project)}


def _project_page(object_id: int, suffix: str) -> str:
    return reverse("project_detail", args=[object_id])


def _working_day(day) -> bool:
    return WorkingCalendar.load().is_working(day)


def register() -> None:
    """What the notification centre learns from projects (called from `ready()`)."""
    register_reasons(REASONS)
    for reason in (APPROVAL_DECIDED, SUPPLEMENT_REQUESTED, DEADLINE_ALERT):
        centre.register_email(reason, email_for_approval)
    register_stream_link("project", _project_page)
    register_stream_readers("project", project_readers)
    centre.register_working_day_check(_working_day)


# --- Superseded tasks ------------------------------------------------------------------------


@task()
def notify_approval_event(event_id: int) -> int:
    """Superseded by the notification centre (the event type's `notify`); kept so that calls
    still enqueued, and services not yet rid of the call, do nothing instead of emailing
    twice."""
    return 0


@task()
def notify_deadline(approval_id: int, alert: str) -> int:
    """Superseded by the notification centre, as `notify_approval_event`."""
    return 0


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
