"""Accounts: inviting enterprise users, deactivating people."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.errors import InvalidInput, NotVisible, PermissionRefused, TransitionRefused
from portal.events import emit, user_stream
from portal.mail import enqueue_after_commit
from portal.models import User
from portal.realtime import send_to_groups_on_commit, user_group
from portal.roles import ENTERPRISE, HELPER, STAFF, group_name_of, roles_of

from .. import permissions as perms
from ..models import (
    Approval,
    Enterprise,
    Project,
)
from ..notifications import send_invitation
from ..streams import project_internal_stream
from ._common import (
    names,
    now_or,
)
from .membership import apply_change, person_data, request_membership
from .projects import set_helpers

S = Approval.Status


def enterprise_user_invite(
    *,
    actor: User,
    enterprise_id: int,
    email: str,
    name: str,
    username: str | None = None,
    language: str = "zh-hans",
    now: datetime | None = None,
) -> User:
    """Create an enterprise user and email them a link to set their password (it expires).

    They join the enterprise at once when the inviter is staff, or the enterprise has no users
    yet and the inviter sees all its projects; otherwise a membership request waits for the
    enterprise's administrators or staff (`enterprise_membership_confirm`).
    """

    now = now_or(now)
    email = (email or "").strip().lower()
    name = (name or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(_("Enter a valid email address."), field="email") from None
    if not name:
        raise InvalidInput(_("Enter the person's name."), field="name")
    if language not in dict(settings.LANGUAGES):
        raise InvalidInput(_("Unknown language."), field="language")
    username = (username or email).strip()
    perms.forget_cached_permissions(actor)
    with transaction.atomic():
        enterprise = Enterprise.objects.select_for_update().filter(pk=enterprise_id).first()
        if enterprise is None:
            raise NotVisible(_("Enterprise not found."))
        if not perms.can_invite_for(actor, enterprise.pk):
            raise PermissionRefused(
                _("Only bureau staff and the enterprise's helpers invite its users.")
            )
        if (
            User.objects.filter(username__iexact=username).exists()
            or User.objects.filter(email__iexact=email).exists()
        ):
            raise InvalidInput(
                _("Someone with this email or username has an account already."), field="email"
            )
        user = User(username=username, email=email, name=name, language=language)
        user.set_unusable_password()
        user.save()
        group_name = group_name_of(ENTERPRISE)
        user.groups.add(Group.objects.get_or_create(name=group_name)[0])
        # Joining shows every project of the enterprise: at once only when that shows the
        # account nothing its inviter could not see; otherwise the enterprise's administrators
        # or staff confirm first.
        at_once = perms.invite_joins_at_once(actor, enterprise)
        emit(
            stream=user_stream(user.pk),
            event="enterprise.user_invited",
            actor=actor,
            at=now,
            data={
                "username": user.username,
                "name": name,
                "person": person_data(user),
                "enterprise": {"id": enterprise.pk, **names(enterprise)},
                "pending": not at_once,
            },
        )
        if at_once:
            apply_change(
                actor=actor,
                target=enterprise,
                user=user,
                add=True,
                event="enterprise.user_added",
                now=now,
                extra={"invited": True},
            )
        else:
            request_membership(actor=actor, enterprise=enterprise, user=user, now=now)
        for project_id in enterprise.projects.values_list("pk", flat=True):
            emit(
                stream=project_internal_stream(project_id),
                event="enterprise.user_invited",
                actor=actor,
                at=now,
                data={
                    "username": user.username,
                    "name": name,
                    "enterprise": enterprise.name,
                    "pending": not at_once,
                },
            )
        enqueue_after_commit(send_invitation, user.pk, actor.pk)
    return user


def user_deactivate(
    *, actor: User, user_id: int, successor: User | None = None, now: datetime | None = None
) -> User:
    """Staff deactivate an account; a lead helper's projects go to the chosen successor."""

    now = now_or(now)
    if not perms.is_bureau_staff(actor):
        raise PermissionRefused(_("Only bureau staff deactivate accounts."))
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None:
            raise NotVisible(_("User not found."))
        if user.pk == actor.pk:
            raise TransitionRefused(_("You cannot deactivate your own account."), code="self")
        if not user.is_active:
            raise TransitionRefused(_("This account is already inactive."), code="inactive")
        led = list(Project.objects.select_for_update().filter(lead_helper=user))
        if led:
            if successor is None:
                raise InvalidInput(
                    ngettext(
                        "%(name)s leads %(count)d project: choose who takes it over.",
                        "%(name)s leads %(count)d projects: choose who takes them over.",
                        len(led),
                    )
                    % {"name": user.get_full_name(), "count": len(led)},
                    field="successor",
                )
            if (
                successor.pk == user.pk
                or not successor.is_active
                or not ({HELPER, STAFF} & roles_of(successor))
            ):
                raise InvalidInput(
                    _("The successor must be another active helper."), field="successor"
                )
        for project in led:
            others = [u for u in project.helpers.all() if u.pk not in (user.pk, successor.pk)]
            set_helpers(actor, project, successor, others, now)
        for project in Project.objects.select_for_update().filter(helpers=user):
            others = [u for u in project.helpers.all() if u.pk != user.pk]
            set_helpers(actor, project, project.lead_helper, others, now)
        user.is_active = False
        user.save(update_fields=["is_active"])
        emit(
            stream=user_stream(user.pk),
            event="account.deactivated",
            actor=actor,
            at=now,
            data={
                "handed_over_to": successor.username if (led and successor) else None,
                "projects": [p.code for p in led],
            },
        )
        # Close the person's open sockets on every process.
        send_to_groups_on_commit([user_group(user.pk)], {"type": "session.ended", "session": None})
    return user
