"""Membership: the officers of a department and the users of an enterprise.

Who belongs where decides what a person may read (an officer sees their departments'
approvals, an enterprise user their enterprise's projects). So each change is an event on the
person's own stream, of a type that makes their open sockets decide access afresh.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from portal.errors import InvalidInput, NotVisible, PermissionRefused, TransitionRefused
from portal.events import emit, user_stream
from portal.models import User
from portal.roles import ENTERPRISE_GROUP_NAME, OFFICERS_GROUP_NAME, is_bureau_staff

from .. import permissions as perms
from ..models import Department, Enterprise, EnterpriseMembershipRequest
from ._common import names, now_or

PENDING = EnterpriseMembershipRequest.Decision.PENDING
CONFIRMED = EnterpriseMembershipRequest.Decision.CONFIRMED
REFUSED = EnterpriseMembershipRequest.Decision.REFUSED


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
        apply_change(actor=actor, target=target, user=user, add=add, event=event, now=now)
    return target


def apply_change(
    *,
    actor: User,
    target: Department | Enterprise,
    user: User,
    add: bool,
    event: str,
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> None:
    """The one path of every membership change, for callers that checked permission and hold
    the locks (target, then user): change it, and write the event on the person's stream whose
    type makes their open sockets decide access afresh."""
    if isinstance(target, Department):
        relation, group_name, key = "officers", OFFICERS_GROUP_NAME, "department"
    else:
        relation, group_name, key = "users", ENTERPRISE_GROUP_NAME, "enterprise"
    model = type(target)
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
        if isinstance(target, Enterprise):
            # A request still waiting is settled by the addition itself.
            EnterpriseMembershipRequest.objects.filter(
                enterprise=target, user=user, decision=PENDING
            ).update(decision=CONFIRMED, decided_by=actor, decided_at=now)
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
        data={
            key: {"id": target.pk, **names(target)},
            "person": person_data(user),
            **(extra or {}),
        },
    )
    if (
        not add
        and isinstance(target, Enterprise)
        and target.administrators.filter(pk=user.pk).exists()
    ):
        # Whoever leaves an enterprise no longer administers it.
        _set_admin(actor=actor, enterprise=target, user=user, administrator=False, now=now)


def person_data(user: User) -> dict[str, Any]:
    return {"id": user.pk, "username": user.username, "name": user.get_full_name()}


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


# --- enterprise administrators and membership requests ----------------------------------------


def _set_admin(
    *, actor: User, enterprise: Enterprise, user: User, administrator: bool, now: datetime
) -> None:
    if administrator:
        enterprise.administrators.add(user)
    else:
        enterprise.administrators.remove(user)
    perms.forget_cached_permissions(user)
    emit(
        stream=user_stream(user.pk),
        event="enterprise.admin_granted" if administrator else "enterprise.admin_revoked",
        actor=actor,
        at=now,
        data={
            "enterprise": {"id": enterprise.pk, **names(enterprise)},
            "person": person_data(user),
        },
    )


def enterprise_admin_set(
    *,
    actor: User,
    enterprise_id: int,
    user_id: int,
    administrator: bool = True,
    now: datetime | None = None,
) -> Enterprise:
    """Staff make one of an enterprise's users its administrator (or no longer): the person who
    confirms or refuses the new users that others ask for."""
    now = now_or(now)
    if not is_bureau_staff(actor):
        raise PermissionRefused(_("Only bureau staff choose an enterprise's administrators."))
    with transaction.atomic():
        enterprise = Enterprise.objects.select_for_update().filter(pk=enterprise_id).first()
        if enterprise is None:
            raise NotVisible(_("Enterprise not found."))
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None:
            raise NotVisible(_("User not found."))
        person = {"person": user.get_full_name(), "place": enterprise.label}
        is_admin = enterprise.administrators.filter(pk=user.pk).exists()
        if administrator:
            if is_admin:
                raise TransitionRefused(
                    _("%(person)s already administers %(place)s.") % person, code="already_admin"
                )
            if not user.is_active or not enterprise.users.filter(pk=user.pk).exists():
                raise InvalidInput(
                    _("Only an active user of %(place)s administers it.") % person,
                    field="administrators",
                )
        elif not is_admin:
            raise TransitionRefused(
                _("%(person)s does not administer %(place)s.") % person, code="not_admin"
            )
        _set_admin(
            actor=actor, enterprise=enterprise, user=user, administrator=administrator, now=now
        )
    return enterprise


def request_membership(
    *, actor: User, enterprise: Enterprise, user: User, now: datetime
) -> EnterpriseMembershipRequest:
    """Ask for `user` to join `enterprise` (the caller checked permission and holds the locks):
    the request waits, and each administrator of the enterprise is told on their own stream."""
    request = EnterpriseMembershipRequest.objects.create(
        enterprise=enterprise, user=user, requested_by=actor, created_at=now
    )
    data = {
        "request_id": request.pk,
        "enterprise": {"id": enterprise.pk, **names(enterprise)},
        "person": person_data(user),
    }
    administrators = enterprise.administrators.filter(is_active=True, enterprises=enterprise)
    for administrator_id in administrators.values_list("pk", flat=True).order_by("pk"):
        emit(
            stream=user_stream(administrator_id),
            event="enterprise.membership_requested",
            actor=actor,
            at=now,
            data=data,
        )
    return request


def _decide(
    *, actor: User, request_id: int, confirm: bool, now: datetime | None
) -> EnterpriseMembershipRequest:
    now = now_or(now)
    perms.forget_cached_permissions(actor)
    with transaction.atomic():
        found = (
            EnterpriseMembershipRequest.objects.filter(pk=request_id)
            .values("enterprise_id", "user_id")
            .first()
        )
        # Those who may not decide do not see the request at all.
        if found is None or not perms.can_decide_membership(actor, found["enterprise_id"]):
            raise NotVisible(_("Request not found."))
        # Locks in the order of every membership change: enterprise, person, then the request.
        enterprise = Enterprise.objects.select_for_update().get(pk=found["enterprise_id"])
        user = User.objects.select_for_update().get(pk=found["user_id"])
        request = EnterpriseMembershipRequest.objects.select_for_update().get(pk=request_id)
        if not request.is_pending:
            raise TransitionRefused(_("This request has been decided already."), code="decided")
        extra = {
            "request_id": request.pk,
            "requested_by": person_data(request.requested_by) if request.requested_by else None,
        }
        if confirm:
            apply_change(
                actor=actor,
                target=enterprise,
                user=user,
                add=True,
                event="enterprise.membership_confirmed",
                now=now,
                extra=extra,
            )
            request.refresh_from_db()
        else:
            request.decision, request.decided_by, request.decided_at = REFUSED, actor, now
            request.save(update_fields=["decision", "decided_by", "decided_at"])
            emit(
                stream=user_stream(user.pk),
                event="enterprise.membership_refused",
                actor=actor,
                at=now,
                data={
                    "enterprise": {"id": enterprise.pk, **names(enterprise)},
                    "person": person_data(user),
                    **extra,
                },
            )
    return request


def enterprise_membership_confirm(
    *, actor: User, request_id: int, now: datetime | None = None
) -> EnterpriseMembershipRequest:
    """An enterprise's administrator (or staff) confirms a new user: they see its projects."""
    return _decide(actor=actor, request_id=request_id, confirm=True, now=now)


def enterprise_membership_refuse(
    *, actor: User, request_id: int, now: datetime | None = None
) -> EnterpriseMembershipRequest:
    """An enterprise's administrator (or staff) refuses a new user: they never see its projects."""
    return _decide(actor=actor, request_id=request_id, confirm=False, now=now)
