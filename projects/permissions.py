"""Who may do what with projects and approvals: one place.

- staff: everything;
- helpers: the projects they are assigned to (guardian object permissions, granted and
  revoked when assignments change);
- officers: the approvals of their departments and the projects that have one;
- enterprise users: their own enterprise's projects, public stream only;
- enterprise administrators (users of it chosen by staff): confirm or refuse its new users.
An invitation that would show the new account projects its inviter cannot see waits for them.
"""

from guardian.shortcuts import assign_perm, remove_perm

from portal.roles import ENTERPRISE, HELPER, OFFICER, is_bureau_staff, roles_of

from . import transitions as t
from .models import Approval, ApprovalMaterial, Enterprise, Project, ProjectUserObjectPermission

HELPER_PERMISSIONS = ("view_project", "view_internal", "act_for_enterprise")


def forget_cached_permissions(user) -> None:
    """Drop what this user object remembers of its rights (after a grant or a revocation)."""
    for name in (
        "_project_perm_cache",
        "_department_ids",
        "_enterprise_ids",
        "_administered_ids",
        "_portal_roles",
    ):
        user.__dict__.pop(name, None)


def grant_helper(user, project: Project) -> None:
    for codename in HELPER_PERMISSIONS:
        assign_perm(f"projects.{codename}", user, project)
    forget_cached_permissions(user)


def revoke_helper(user, project: Project) -> None:
    for codename in HELPER_PERMISSIONS:
        remove_perm(f"projects.{codename}", user, project)
    forget_cached_permissions(user)


def _helper_codenames(user, project: Project) -> set[str]:
    cache = getattr(user, "_project_perm_cache", None)
    if cache is None:
        cache = user._project_perm_cache = {}
    if project.pk not in cache:
        cache[project.pk] = set(
            ProjectUserObjectPermission.objects.filter(
                user=user, content_object_id=project.pk
            ).values_list("permission__codename", flat=True)
        )
    return cache[project.pk]


def _department_ids(user) -> set[int]:
    cached = getattr(user, "_department_ids", None)
    if cached is None:
        cached = user._department_ids = (
            set(user.departments.values_list("id", flat=True))
            if OFFICER in roles_of(user)
            else set()
        )
    return cached


def _enterprise_ids(user) -> set[int]:
    cached = getattr(user, "_enterprise_ids", None)
    if cached is None:
        cached = user._enterprise_ids = (
            set(user.enterprises.values_list("id", flat=True))
            if ENTERPRISE in roles_of(user)
            else set()
        )
    return cached


def is_enterprise_user_of(user, project: Project) -> bool:
    return project.enterprise_id in _enterprise_ids(user)


def is_officer_of(user, approval: Approval) -> bool:
    return approval.department_id in _department_ids(user)


def officer_on_project(user, project: Project) -> bool:
    ids = _department_ids(user)
    return bool(ids) and project.approvals.filter(department_id__in=ids).exists()


def can_view_project(user, project: Project) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return (
        is_bureau_staff(user)
        or is_enterprise_user_of(user, project)
        or "view_project" in _helper_codenames(user, project)
        or officer_on_project(user, project)
    )


def can_view_internal(user, project: Project) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return (
        is_bureau_staff(user)
        or "view_internal" in _helper_codenames(user, project)
        or officer_on_project(user, project)
    )


def can_manage_project(user, project: Project | None = None) -> bool:
    """Register projects, edit them and assign helpers: staff, and helpers (their projects)."""
    if is_bureau_staff(user):
        return True
    if HELPER not in roles_of(user):
        return False
    return project is None or "view_internal" in _helper_codenames(user, project)


def can_transition(user, approval: Approval, action: str) -> bool:
    """May this user take this action on this approval (whatever its state)? Read from the
    transition table's `who`; staff may take every action."""
    spec = t.TRANSITIONS.get(action)
    if spec is None or not user.is_authenticated or not user.is_active:
        return False
    if is_bureau_staff(user):
        return True
    if t.OFFICER in spec.who and is_officer_of(user, approval):
        return True
    if t.ENTERPRISE in spec.who and is_enterprise_user_of(user, approval.project):
        return True
    return t.HELPER_FOR_ENTERPRISE in spec.who and (
        "act_for_enterprise" in _helper_codenames(user, approval.project)
    )


def acts_for_enterprise(user, project: Project) -> bool:
    """A helper of this project, who acts on the project unit's behalf (the direct object
    permission, read once per person and project)."""
    return HELPER in roles_of(user) and "act_for_enterprise" in _helper_codenames(user, project)


def can_upload_materials(user, project: Project) -> bool:
    """The project unit, a helper on its behalf, or staff."""
    return (
        is_bureau_staff(user)
        or is_enterprise_user_of(user, project)
        or "act_for_enterprise" in _helper_codenames(user, project)
    )


def material_open_for_upload(approval: Approval, material) -> bool:
    """A material takes a new version while its approval is open, or, when it was accepted as
    missing, after the decision too (先取证再补交)."""
    return approval.is_open or material.state == ApprovalMaterial.State.MISSING


def can_upload_material(user, approval: Approval, material) -> bool:
    """What the page offers and the service allows: the right person, a material still open."""
    return can_upload_materials(user, approval.project) and material_open_for_upload(
        approval, material
    )


def can_review_materials(user, approval: Approval) -> bool:
    return is_bureau_staff(user) or is_officer_of(user, approval)


def can_invite_for(user, enterprise_id: int) -> bool:
    """Staff, and helpers of one of the enterprise's projects, invite its users."""
    if is_bureau_staff(user):
        return True
    return ProjectUserObjectPermission.objects.filter(
        user=user,
        permission__codename="act_for_enterprise",
        content_object__enterprise_id=enterprise_id,
    ).exists()


def invite_joins_at_once(user, enterprise: Enterprise) -> bool:
    """May this inviter's invitation make the person a user of the enterprise at once?

    Joining shows every project of the enterprise, so only when that widens nobody's sight:
    staff, or an enterprise without users yet whose every project the inviter sees already.
    Otherwise the enterprise's administrators or staff confirm (a helper who registered one
    project for a company must not reach its other projects through an account they control).
    """
    if is_bureau_staff(user):
        return True
    if enterprise.users.exists():
        return False
    return all(can_view_project(user, project) for project in enterprise.projects.all())


def _administered_ids(user) -> set[int]:
    cached = getattr(user, "_administered_ids", None)
    if cached is None:
        cached = user._administered_ids = (
            # An administrator taken off the enterprise's users decides nothing for it.
            set(user.administered_enterprises.filter(users=user).values_list("id", flat=True))
            if ENTERPRISE in roles_of(user)
            else set()
        )
    return cached


def is_enterprise_administrator(user, enterprise_id: int | None = None) -> bool:
    """Administers this enterprise (or, without an id, any enterprise)."""
    if not user.is_authenticated or not user.is_active:
        return False
    ids = _administered_ids(user)
    return bool(ids) if enterprise_id is None else enterprise_id in ids


def can_decide_membership(user, enterprise_id: int) -> bool:
    """Confirm or refuse a new user of an enterprise: staff and its administrators."""
    if not user.is_authenticated or not user.is_active:
        return False
    return is_bureau_staff(user) or is_enterprise_administrator(user, enterprise_id)


def can_review_membership_requests(user) -> bool:
    """See the new users waiting for an enterprise: staff and enterprise administrators."""
    return is_bureau_staff(user) or is_enterprise_administrator(user)


def blocking_prerequisites(approval: Approval) -> list:
    """The prerequisite items not yet approved on the approval's project: accepting the file
    (受理) waits for them. A page that shows many approvals computes this once for all of them
    (`projects.selectors.mark_blocking_prerequisites`); otherwise it is read here."""
    known = approval.__dict__.get("prerequisites_pending")
    if known is not None:
        return known
    required = list(approval.item.prerequisites.all())
    approved = set(
        Approval.objects.filter(
            project_id=approval.project_id, item__in=required, status=Approval.Status.APPROVED
        ).values_list("item_id", flat=True)
        if required
        else ()
    )
    approval.prerequisites_pending = [item for item in required if item.pk not in approved]
    return approval.prerequisites_pending


def waits_on_prerequisites(action: str) -> bool:
    """Accepting the file is the step that must wait for the prerequisites' approval."""
    return action == "accept"


def allowed_actions(user, approval: Approval) -> list[str]:
    """The transitions this user may make on this approval now: in its present state, with
    the rights the table gives, and not an acceptance its prerequisites still block (the
    page says what it waits for instead of offering a button that would be refused)."""
    actions = [
        action
        for action, spec in t.TRANSITIONS.items()
        if approval.status in spec.from_states and can_transition(user, approval, action)
    ]
    if any(waits_on_prerequisites(a) for a in actions) and blocking_prerequisites(approval):
        actions = [a for a in actions if not waits_on_prerequisites(a)]
    return actions
