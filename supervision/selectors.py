"""Permission-filtered reads of service cases: every page, API call and panel reads here."""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from portal.errors import NotVisible
from portal.roles import HELPER, is_bureau_staff, roles_of
from projects import permissions as project_perms
from projects.models import Project, ProjectUserObjectPermission

from . import permissions as perms
from . import transitions as t
from .models import Case, CaseAttachment, CaseReply

S = Case.State

TABS = ("mine", "department", "all")


def _helper_projects(user):
    return ProjectUserObjectPermission.objects.filter(
        user=user, permission__codename="view_internal"
    ).values("content_object_id")


def _visible_condition(user) -> Q | None:
    """The cases a user may see, as one condition (None: every case). Mirrors
    `permissions.can_view_case`."""
    if is_bureau_staff(user):
        return None
    condition = Q(assignee=user) | Q(
        opened_by=user, opener_kind__in=(Case.Opener.STAFF, Case.Opener.HELPER)
    )
    departments = project_perms._department_ids(user)
    if departments:
        condition |= Q(department_id__in=departments)
    if HELPER in roles_of(user):
        condition |= Q(project_id__in=_helper_projects(user))
    enterprises = project_perms._enterprise_ids(user)
    if enterprises:
        condition |= Q(enterprise_id__in=enterprises) & ~Q(kind=Case.Kind.SUPERVISION)
    return condition


def cases_visible_to(user) -> QuerySet[Case]:
    """Staff every case; others the cases of their department, assigned to them, about
    their projects (helpers), or opened by their enterprise (never a supervision case)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    condition = _visible_condition(user)
    return Case.objects.all() if condition is None else Case.objects.filter(condition)


def tabs_for(user) -> list[str]:
    """The list's tabs this user has: mine always, the department's for officers, all for
    staff."""
    tabs = ["mine"]
    if project_perms._department_ids(user):
        tabs.append("department")
    if is_bureau_staff(user):
        tabs.append("all")
    return tabs


def cases_in_tab(user, tab: str) -> QuerySet[Case]:
    """Mine: assigned to me, opened by me or my enterprise, about my projects (helpers);
    my department's; or every case (staff)."""
    visible = cases_visible_to(user)
    if tab == "all" and is_bureau_staff(user):
        return visible
    if tab == "department":
        return visible.filter(department_id__in=project_perms._department_ids(user))
    mine = Q(assignee=user) | Q(opened_by=user)
    if HELPER in roles_of(user):
        mine |= Q(project_id__in=_helper_projects(user))
    enterprises = project_perms._enterprise_ids(user)
    if enterprises:
        mine |= Q(enterprise_id__in=enterprises) & ~Q(kind=Case.Kind.SUPERVISION)
    return visible.filter(mine)


def overdue_condition(today: date) -> Q:
    """A stage whose limit has passed, not waiting on its opener."""
    return Q(state__in=t.STAGE_STATES, waiting_since__isnull=True, stage_due__lt=today)


def filter_cases(
    queryset: QuerySet[Case],
    *,
    kind: str | None = None,
    state: str | None = None,
    overdue: bool = False,
    project: int | None = None,
    q: str | None = None,
    today: date,
) -> QuerySet[Case]:
    if kind:
        queryset = queryset.filter(kind=kind)
    if state == "open":
        queryset = queryset.filter(state__in=Case.OPEN_STATES)
    elif state:
        queryset = queryset.filter(state=state)
    if overdue:
        queryset = queryset.filter(overdue_condition(today))
    if project:
        queryset = queryset.filter(project_id=project)
    if q:
        queryset = queryset.filter(Q(number__icontains=q) | Q(title__icontains=q))
    return queryset


def for_listing(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """What a row of a list shows, in one query."""
    return queryset.select_related("department", "assignee", "project", "enterprise").order_by(
        "-opened_at", "-id"
    )


def case_for(user, number: str) -> Case:
    """The case of this number if the user may see it; NotVisible (a 404) otherwise."""
    number = (number or "").strip().upper()
    case = (
        Case.objects.select_related(
            "department", "assignee", "project", "approval__item", "enterprise", "opened_by"
        )
        .filter(number=number)
        .first()
    )
    if case is None or not perms.can_view_case(user, case):
        raise NotVisible(_("Case not found."))
    return case


def case_by_id(user, case_id: int) -> Case:
    case = (
        Case.objects.select_related(
            "department", "assignee", "project", "approval__item", "enterprise", "opened_by"
        )
        .filter(pk=case_id)
        .first()
    )
    if case is None or not perms.can_view_case(user, case):
        raise NotVisible(_("Case not found."))
    return case


def case_thread(user, case: Case) -> list[CaseReply]:
    """The replies this user may read, oldest first, with their attachments (internal notes
    only for the bureau's side)."""
    replies = CaseReply.objects.filter(case=case).select_related("author")
    if not perms.can_view_case_internal(user, case):
        replies = replies.filter(internal=False)
    return list(
        replies.prefetch_related(
            Prefetch("attachments", queryset=CaseAttachment.objects.order_by("id"))
        ).order_by("at", "id")
    )


def case_actions(user, case: Case) -> list[t.Transition]:
    """The actions this user may take on the case now: the table's `who`, its states, and
    the clock (a question waits for its reply; only a waiting case takes one)."""
    actions = []
    for spec in t.TRANSITIONS.values():
        if case.state not in spec.from_states or not perms.can_transition(user, case, spec.action):
            continue
        if spec.action == "opener_reply" and case.waiting_since is None:
            continue
        if spec.action == "ask_opener" and case.waiting_since is not None:
            continue
        if spec.action == "escalate" and case.escalation_level >= t.MAX_ESCALATION_LEVEL:
            continue
        actions.append(spec)
    return actions


def attachment_for(user, attachment_id: int) -> CaseAttachment:
    attachment = (
        CaseAttachment.objects.select_related("reply__case").filter(pk=attachment_id).first()
    )
    if attachment is None:
        raise NotVisible(_("File not found."))
    case = attachment.reply.case
    allowed = (
        perms.can_view_case_internal(user, case)
        if attachment.reply.internal
        else perms.can_view_case(user, case)
    )
    if not allowed:
        raise NotVisible(_("File not found."))
    return attachment


def project_cases(user, project: Project, *, limit: int = 20) -> list[Case]:
    """The cases about a project this user may see, newest first."""
    return list(for_listing(cases_visible_to(user).filter(project=project))[:limit])


def case_by_number(number: str) -> Case | None:
    """For the public tracking page only (it checks the code itself)."""
    number = (number or "").strip().upper()
    if not number or len(number) > 20:
        return None
    return Case.objects.select_related("department").filter(number=number).first()
