"""Who may see and do what with service cases: one place.

- bureau staff: every case;
- officers of the department a case is assigned to, and the person assigned: that case;
- the project's helpers (the service group): the cases about their projects;
- whoever opened a case: that case;
- an enterprise's users: the cases their enterprise opened (and the follow-ups of its
  ratings), never a supervision case, never an internal note.
The internal side of a case (notes, escalations) is for all of them but the enterprise side.
"""

from __future__ import annotations

from portal.roles import HELPER, is_bureau_staff, roles_of
from projects import permissions as project_perms
from projects.models import ProjectUserObjectPermission

from . import transitions as t
from .models import Case


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def is_officer_of_case(user, case: Case) -> bool:
    return case.department_id is not None and case.department_id in project_perms._department_ids(
        user
    )


def is_assignee(user, case: Case) -> bool:
    return case.assignee_id is not None and case.assignee_id == user.pk


def _project_helper_ids(user) -> set[int]:
    cached = getattr(user, "_case_helper_project_ids", None)
    if cached is None:
        cached = user._case_helper_project_ids = (
            set(
                ProjectUserObjectPermission.objects.filter(
                    user=user, permission__codename="view_internal"
                ).values_list("content_object_id", flat=True)
            )
            if HELPER in roles_of(user)
            else set()
        )
    return cached


def is_project_helper(user, case: Case) -> bool:
    return case.project_id is not None and case.project_id in _project_helper_ids(user)


def enterprise_side(user, case: Case) -> bool:
    """A user of the enterprise whose case it is (never for a supervision case)."""
    return (
        case.kind != Case.Kind.SUPERVISION
        and case.enterprise_id is not None
        and case.enterprise_id in project_perms._enterprise_ids(user)
    )


def is_opener(user, case: Case) -> bool:
    """The person who opened it, its enterprise's users, or staff for the system's cases and
    the phone calls they record (the caller has no account)."""
    if not _active(user):
        return False
    if case.opener_kind in (Case.Opener.SYSTEM, Case.Opener.PHONE):
        return is_bureau_staff(user)
    if case.opener_kind == Case.Opener.ENTERPRISE:
        return enterprise_side(user, case)
    if case.opener_kind == Case.Opener.STAFF:
        return case.opened_by_id == user.pk or is_bureau_staff(user)
    return case.opened_by_id == user.pk


def can_view_case_internal(user, case: Case) -> bool:
    """The case's internal side: staff, the department, the assignee, the project's helpers,
    and the staff member or helper who opened it."""
    if not _active(user):
        return False
    return (
        is_bureau_staff(user)
        or is_officer_of_case(user, case)
        or is_assignee(user, case)
        or is_project_helper(user, case)
        or (
            case.opened_by_id == user.pk
            and case.opener_kind in (Case.Opener.STAFF, Case.Opener.HELPER)
        )
    )


def can_view_case(user, case: Case) -> bool:
    if not _active(user):
        return False
    return can_view_case_internal(user, case) or enterprise_side(user, case)


def roles_on_case(user, case: Case) -> frozenset[str]:
    """The transition table's `who` this user holds on this case."""
    if not _active(user):
        return frozenset()
    roles = set()
    if is_bureau_staff(user):
        roles.add(t.STAFF)
    if is_project_helper(user, case):
        roles.add(t.SERVICE_GROUP)
    if is_officer_of_case(user, case):
        roles.add(t.OFFICER)
    if is_assignee(user, case):
        roles.add(t.ASSIGNEE)
    if is_opener(user, case):
        roles.add(t.OPENER)
    return frozenset(roles)


def can_transition(user, case: Case, action: str) -> bool:
    """May this user take this action on this case (whatever its state)? `user` None is the
    system (the sweep), which may take every action."""
    spec = t.TRANSITIONS.get(action)
    if spec is None:
        return False
    if user is None:
        return True
    return bool(spec.who & roles_on_case(user, case))


def can_reply(user, case: Case, *, internal: bool = False) -> bool:
    if internal:
        return can_view_case_internal(user, case)
    return can_view_case(user, case)


def can_open_case(user, kind: str, project=None) -> bool:
    """Staff open any kind; helpers supervision cases about their projects; enterprise users
    complaints and requests about their own projects (or none)."""
    if not _active(user):
        return False
    if is_bureau_staff(user):
        return True
    if kind == Case.Kind.SUPERVISION:
        return (
            project is not None
            and HELPER in roles_of(user)
            and project.pk in _project_helper_ids(user)
        )
    if kind in (Case.Kind.COMPLAINT, Case.Kind.REQUEST):
        enterprises = project_perms._enterprise_ids(user)
        if not enterprises:
            return False
        return project is None or project.enterprise_id in enterprises
    return False


def forget_cached(user) -> None:
    if user is not None:
        user.__dict__.pop("_case_helper_project_ids", None)
        project_perms.forget_cached_permissions(user)
