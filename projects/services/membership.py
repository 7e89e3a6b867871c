"""Membership: the officers of a department and the users of an enterprise.

Who belongs where decides what a person may read (an officer sees their departments'
approvals, an enterprise user their enterprise's projects). So each change is an event on the
person's own stream, of a type that makes their open sockets decide access afresh.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models, transaction
from django.utils.translation import gettext as _

from portal.errors import InvalidInput, NotVisible, PermissionRefused, TransitionRefused
from portal.events import emit, user_stream
from portal.models import User
from portal.roles import ENTERPRISE_GROUP_NAME, OFFICERS_GROUP_NAME, is_bureau_staff

from .. import permissions as perms
from ..models import Department, Enterprise
from ._common import names, now_or


def _change(
    *,
    actor: User,
    model: type[models.Model],
    object_id: int,
    user_id: int,
    add: bool,
    event: str,
    now: datetime | None,
):
    """Add a person to (or remove them from) a department's officers or an enterprise's users."""
    now = now_or(now)
    if model is Department:
        relation, group_name, key = "officers", OFFICERS_GROUP_NAME, "department"
    else:
        relation, group_name, key = "users", ENTERPRISE_GROUP_NAME, "enterprise"
    if not is_bureau_staff(actor):
        raise PermissionRefused(
            _("Only bureau staff change who belongs to a department or an enterprise.")
        )
    with transaction.atomic():
        target = model.objects.select_for_update().filter(pk=object_id).first()
        if target is None:
            raise NotVisible(
                _("Department not found.") if model is Department else _("Enterprise not found.")
            )
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None:
            raise NotVisible(_("User not found."))
        members = getattr(target, relation)
        is_member = members.filter(pk=user.pk).exists()
        person = {"person": user.get_full_name(), "place": target.label}
        if add:
            if is_member:
                raise TransitionRefused(_already(model) % person, code="already_member")
            if not user.is_active:
                raise InvalidInput(_("%(person)s's account is inactive.") % person, field=relation)
            if not user.groups.filter(name=group_name).exists():
                raise InvalidInput(_wrong_role(model) % person, field=relation)
            members.add(user)
        else:
            if not is_member:
                raise TransitionRefused(_not_member(model) % person, code="not_member")
            members.remove(user)
        perms.forget_cached_permissions(user)
        emit(
            stream=user_stream(user.pk),
            event=event,
            actor=actor,
            at=now,
            data={key: {"id": target.pk, **names(target)}},
        )
    return target


def _already(model) -> str:
    if model is Department:
        return _("%(person)s is already an officer of %(place)s.")
    return _("%(person)s is already a user of %(place)s.")


def _not_member(model) -> str:
    if model is Department:
        return _("%(person)s is not an officer of %(place)s.")
    return _("%(person)s is not a user of %(place)s.")


def _wrong_role(model) -> str:
    if model is Department:
        return _("%(person)s is not a department officer; only officers join a department.")
    return _("%(person)s is not an enterprise user; only enterprise users join an enterprise.")


def department_officer_add(
    *, actor: User, department_id: int, user_id: int, now: datetime | None = None
) -> Department:
    """Staff make a department officer one of a department's officers."""
    return _change(
        actor=actor,
        model=Department,
        object_id=department_id,
        user_id=user_id,
        add=True,
        event="department.officer_added",
        now=now,
    )


def department_officer_remove(
    *, actor: User, department_id: int, user_id: int, now: datetime | None = None
) -> Department:
    """Staff take an officer off a department: its approvals leave their queue."""
    return _change(
        actor=actor,
        model=Department,
        object_id=department_id,
        user_id=user_id,
        add=False,
        event="department.officer_removed",
        now=now,
    )


def enterprise_user_add(
    *, actor: User, enterprise_id: int, user_id: int, now: datetime | None = None
) -> Enterprise:
    """Staff make an enterprise user one of an enterprise's users."""
    return _change(
        actor=actor,
        model=Enterprise,
        object_id=enterprise_id,
        user_id=user_id,
        add=True,
        event="enterprise.user_added",
        now=now,
    )


def enterprise_user_remove(
    *, actor: User, enterprise_id: int, user_id: int, now: datetime | None = None
) -> Enterprise:
    """Staff take a user off an enterprise: its projects are no longer theirs to see."""
    return _change(
        actor=actor,
        model=Enterprise,
        object_id=enterprise_id,
        user_id=user_id,
        add=False,
        event="enterprise.user_removed",
        now=now,
    )
