"""Permission-filtered reads. Every page, API call and consumer reads through here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from portal.errors import NotVisible, TransitionRefused
from portal.models import Event, User
from portal.roles import roles_of

from . import permissions as perms
from .clock import WorkingCalendar, read_clock
from .models import (
    Approval,
    ApprovalItem,
    ApprovalMaterial,
    ApprovalPause,
    Comment,
    Enterprise,
    EnterpriseMembershipRequest,
    MaterialVersion,
    Project,
    ProjectUserObjectPermission,
    StoredFile,
)
from .streams import MEMBERSHIP_EVENTS, project_internal_stream, project_stream


def projects_visible_to(user) -> QuerySet[Project]:
    """The projects a user may see: staff all; others by assignment, department or enterprise."""
    if not user.is_authenticated or not user.is_active:
        return Project.objects.none()
    if perms.is_bureau_staff(user):
        return Project.objects.all()
    assigned = ProjectUserObjectPermission.objects.filter(
        user=user, permission__codename="view_project"
    ).values("content_object_id")
    condition = Q(pk__in=assigned)
    departments = perms._department_ids(user)
    if departments:
        condition |= Q(
            pk__in=Approval.objects.filter(department_id__in=departments).values("project_id")
        )
    enterprises = perms._enterprise_ids(user)
    if enterprises:
        condition |= Q(enterprise_id__in=enterprises)
    return Project.objects.filter(condition)


def filter_projects(
    queryset: QuerySet[Project],
    *,
    stage: str | None = None,
    town: int | None = None,
    department: int | None = None,
    q: str | None = None,
) -> QuerySet[Project]:
    if stage:
        queryset = queryset.filter(stage=stage)
    if town:
        queryset = queryset.filter(town_id=town)
    if department:
        queryset = queryset.filter(
            pk__in=Approval.objects.filter(department_id=department).values("project_id")
        )
    if q:
        q = q.strip()
        queryset = queryset.filter(
            Q(name__icontains=q) | Q(name_en__icontains=q) | Q(code__icontains=q)
        )
    return queryset


@dataclass
class ApprovalCounts:
    """A project's approvals counted for a list: by status, the open ones overdue, and the
    earliest due date among the open ones not yet overdue."""

    by_status: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    next_due: date | None = None


def approval_counts(project_ids: list[int], today: date) -> dict[int, ApprovalCounts]:
    """The counts of each listed project's approvals, in one GROUP BY (no approval objects):
    what the project list page and GET /api/v1/projects show per project."""
    counts = {pk: ApprovalCounts() for pk in project_ids}
    if not project_ids:
        return counts
    open_ = Q(status__in=Approval.OPEN)
    rows = (
        Approval.objects.filter(project_id__in=project_ids)
        .values_list("project_id", "status")
        .annotate(
            n=Count("id"),
            late=Count("id", filter=open_ & Q(due_date__lt=today)),
            soon=Min("due_date", filter=open_ & Q(due_date__gte=today)),
        )
        .order_by()
    )
    for project_id, status, n, late, soon in rows:
        project = counts[project_id]
        project.by_status[status] = n
        project.overdue += late
        if soon is not None and (project.next_due is None or soon < project.next_due):
            project.next_due = soon
    return counts


def counts_of(approvals: list[Approval], today: date) -> ApprovalCounts:
    """The same counts from a project's approvals already loaded (its page, its detail)."""
    counts = ApprovalCounts()
    for approval in approvals:
        counts.by_status[approval.status] = counts.by_status.get(approval.status, 0) + 1
        if approval.is_open and approval.due_date is not None:
            if approval.due_date < today:
                counts.overdue += 1
            elif counts.next_due is None or approval.due_date < counts.next_due:
                counts.next_due = approval.due_date
    return counts


def approvals_prefetch() -> Prefetch:
    return Prefetch(
        "approvals",
        queryset=Approval.objects.select_related("item", "department").prefetch_related(
            Prefetch("materials", queryset=ApprovalMaterial.objects.order_by("position", "id"))
        ),
    )


def project_list_queryset(user) -> QuerySet[Project]:
    return (
        projects_visible_to(user)
        .select_related("enterprise", "lead_helper", "town", "industry")
        .prefetch_related(approvals_prefetch())
        .order_by("-registered_at", "-id")
    )


def project_for(user, project_id: int) -> Project:
    """One project the user may see, or NotVisible (the same for a missing one)."""
    project = project_list_queryset(user).filter(pk=project_id).first()
    if project is None:
        raise NotVisible("project not found")
    return project


def approval_for(user, approval_id: int) -> Approval:
    approval = (
        Approval.objects.select_related("project", "item", "department")
        .prefetch_related("materials")
        .filter(pk=approval_id)
        .first()
    )
    if approval is None or not perms.can_view_project(user, approval.project):
        raise NotVisible("approval not found")
    return approval


def readable_project_streams(user, project: Project) -> list[str]:
    streams = []
    if perms.can_view_project(user, project):
        streams.append(project_stream(project.pk))
        if perms.can_view_internal(user, project):
            streams.append(project_internal_stream(project.pk))
    return streams


def missing_materials(approval: Approval) -> list[dict[str, Any]]:
    """Derived from the approval's checklist: never typed twice."""
    return [
        {"id": m.pk, "name": m.label, "key": m.key, "due": m.due}
        for m in approval.materials.all()
        if m.is_missing
    ]


def mark_blocking_prerequisites(approvals: list[Approval], *, whole_project: bool = False) -> None:
    """Work out, for a page of approvals at once, which prerequisites each acceptance still
    waits for (see `permissions.blocking_prerequisites`): two queries for any number of rows,
    none for `whole_project` (every approval of one project, prerequisites prefetched)."""
    if not approvals:
        return
    if whole_project:
        approved_items = {a.item_id for a in approvals if a.status == Approval.Status.APPROVED}
        for approval in approvals:
            approval.prerequisites_pending = sorted(
                (i for i in approval.item.prerequisites.all() if i.pk not in approved_items),
                key=lambda i: i.code,
            )
        return
    through = ApprovalItem.prerequisites.through
    item_ids = {a.item_id for a in approvals}
    required: dict[int, list[ApprovalItem]] = {}
    for link in through.objects.filter(from_approvalitem_id__in=item_ids).select_related(
        "to_approvalitem"
    ):
        required.setdefault(link.from_approvalitem_id, []).append(link.to_approvalitem)
    wanted = {item.pk for items in required.values() for item in items}
    approved = set(
        Approval.objects.filter(
            project_id__in={a.project_id for a in approvals},
            item_id__in=wanted,
            status=Approval.Status.APPROVED,
        ).values_list("project_id", "item_id")
        if wanted
        else ()
    )
    for approval in approvals:
        approval.prerequisites_pending = [
            item
            for item in sorted(required.get(approval.item_id, ()), key=lambda i: i.code)
            if (approval.project_id, item.pk) not in approved
        ]


def unreviewed_versions_exist() -> Exists:
    """An approval has files sent for it (not pre-review drafts) whose newest version nobody
    reviewed: the same rule as `checklist.unreviewed_versions`, in SQL for the queue."""
    newer = MaterialVersion.objects.filter(
        material=OuterRef("material"), number__gt=OuterRef("number")
    )
    return Exists(
        MaterialVersion.objects.filter(
            material__approval=OuterRef("pk"), draft=False, review=MaterialVersion.Review.PENDING
        ).exclude(Exists(newer))
    )


def approval_summary(
    approval: Approval, *, calendar: WorkingCalendar, today: date | None = None, user=None
) -> dict[str, Any]:
    """An approval as the API and pages show it: state, clock, ball-holder, what is missing."""
    today = today or timezone.localdate()
    reading = read_clock(calendar, approval, today)
    summary = {
        "id": approval.pk,
        "item": {"code": approval.item.code, "name": approval.item.label},
        "department": {"id": approval.department_id, "name": approval.department.label},
        "status": approval.status,
        "accepted_at": approval.accepted_at,
        "due_date": approval.due_date,
        "statutory_due_date": approval.statutory_due_date,
        "working_days_used": reading.working_days_used,
        "working_days_left": reading.working_days_left,
        "colour": reading.colour,
        "ball_with": reading.ball_with,
        "department_days": reading.department_days,
        "enterprise_days": reading.enterprise_days,
        "missing_materials": missing_materials(approval),
        "decision_number": approval.decision_number,
        "overdue_days": (
            -reading.working_days_left
            if reading.working_days_left is not None and reading.working_days_left < 0
            else 0
        ),
    }
    if user is not None:
        summary["actions"] = perms.allowed_actions(user, approval)
        if approval.status in (Approval.Status.PENDING, Approval.Status.RECEIVED):
            summary["waits_for"] = [i.code for i in perms.blocking_prerequisites(approval)]
    return summary


def project_overview(rows: list[dict[str, Any]], still_needed: dict[str, list]) -> dict:
    """The top of a project page: what is late, what waits on whom, what the enterprise still
    has to send, and what the viewer can do now — read from the rows the page already built."""
    open_rows = [r for r in rows if r["approval"].is_open]
    late = [r for r in open_rows if r["summary"]["colour"] == "overdue"]
    due_soon = [r for r in open_rows if r["summary"]["colour"] == "due_soon"]
    by_department: dict[str, list] = {}
    with_enterprise, to_apply = [], []
    for row in open_rows:
        approval = row["approval"]
        if approval.status == Approval.Status.PENDING:
            to_apply.append(row)
        elif row["summary"]["ball_with"] == "enterprise":
            with_enterprise.append(row)
        else:
            by_department.setdefault(approval.department.label, []).append(row)
    decided = [r for r in rows if r["approval"].status == Approval.Status.APPROVED]
    return {
        "total": len(rows),
        "approved": len(decided),
        "open": len(open_rows),
        "late": late,
        "due_soon": due_soon,
        "with_departments": sorted(by_department.items(), key=lambda kv: (-len(kv[1]), kv[0])),
        "with_enterprise": with_enterprise,
        "to_apply": to_apply,
        "missing": still_needed.get("urgent", []),
        "for_you": [r for r in rows if r["transitions"]],
        "blocked": [r for r in open_rows if r.get("waits_for")],
    }


def user_summary(user) -> dict[str, Any]:
    departments = list(user.departments.all()) if user.is_authenticated else []
    enterprises = list(user.enterprises.all()) if user.is_authenticated else []
    return {
        "username": user.username,
        "name": user.get_full_name(),
        "roles": sorted(roles_of(user)),
        "department": (
            {"id": departments[0].pk, "name": departments[0].label} if departments else None
        ),
        "enterprise": (
            {"id": enterprises[0].pk, "name": enterprises[0].label} if enterprises else None
        ),
        "language": user.language,
    }


def project_page_queryset(user, *, latest_versions_only: bool = False) -> QuerySet[Project]:
    """A project with everything its page shows, in a fixed number of queries.

    `latest_versions_only`: each material's newest upload alone (what the page's summary and
    "still needed" read), not every version with its reviewer (what an opened card lists)."""
    versions = MaterialVersion.objects.select_related("stored", "reviewed_by").order_by("-number")
    if latest_versions_only:
        newest = MaterialVersion.objects.filter(material=OuterRef("material")).order_by("-number")
        versions = (
            MaterialVersion.objects.filter(pk=Subquery(newest.values("pk")[:1]))
            .select_related("stored")
            .order_by("-number")
        )
    materials = ApprovalMaterial.objects.order_by("position", "id").prefetch_related(
        Prefetch("versions", queryset=versions, to_attr="prefetched_versions")
    )
    approvals = (
        Approval.objects.select_related("item", "department")
        .prefetch_related(
            Prefetch("materials", queryset=materials),
            Prefetch("pauses", queryset=ApprovalPause.objects.order_by("requested_on")),
            "item__prerequisites",
        )
        .order_by("item__code")
    )
    return (
        projects_visible_to(user)
        .select_related("enterprise", "lead_helper", "town", "industry")
        .prefetch_related(Prefetch("approvals", queryset=approvals), "helpers")
    )


def project_events(user, project: Project, limit: int = 60) -> list[Event]:
    """The project's timeline: its public stream, and the internal one for those who may."""
    streams = readable_project_streams(user, project)
    return list(
        Event.objects.filter(stream__in=streams)
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )


def project_comments(user, project: Project):
    comments = Comment.objects.filter(project=project).select_related(
        "author", "approval__item", "attachment"
    )
    if not perms.can_view_internal(user, project):
        comments = comments.filter(internal=False)
    return list(comments)


def still_needed_from_enterprise(project: Project) -> dict[str, list[dict[str, Any]]]:
    """What the project unit must still send, derived from the checklists.

    `urgent`: materials requested in a supplement, accepted as missing, or to correct, each
    with its date; `to_apply`: pending approvals and how many of their materials have no file.
    """
    urgent, to_apply = [], []
    for approval in project.approvals.all():
        if approval.status == Approval.Status.PENDING:
            without_file = [m for m in approval.materials.all() if not m.version_list]
            if without_file:
                to_apply.append({"approval": approval, "materials": without_file})
            continue
        for material in approval.materials.all():
            versions = material.version_list
            latest = versions[0] if versions else None
            reason = None
            fresh = (
                latest is not None
                and latest.review == "pending"
                and approval.paused_since is not None
                and timezone.localdate(latest.stored.uploaded_at) >= approval.paused_since
            )
            if material.state == ApprovalMaterial.State.REQUESTED:
                reason = "uploaded" if fresh else "requested"
            elif material.state == ApprovalMaterial.State.MISSING:
                reason = "missing"
            elif approval.is_open and latest is not None and latest.review == "needs_correction":
                reason = "correct"
            if reason:
                urgent.append(
                    {
                        "approval": approval,
                        "material": material,
                        "reason": reason,
                        "due": material.due,
                        "note": latest.review_note if latest is not None else "",
                    }
                )
    order = {"requested": 0, "uploaded": 1, "missing": 2, "correct": 3}
    urgent.sort(key=lambda n: (n["due"] or date.max, order[n["reason"]]))
    return {"urgent": urgent, "to_apply": to_apply}


QUEUE_STATES = ("received", "supplemented", "accepted", "waiting", "applied", "not_applied")


def department_queue(
    user,
    *,
    state: str | None = None,
    project_q: str | None = None,
    due_by: date | None = None,
    department_id: int | None = None,
) -> QuerySet[Approval]:
    """The open approvals of the officer's departments (all for staff), what to act on first:
    received (to accept), supplemented (files to review), accepted by due date, then
    waiting on the enterprise, then applied online but not yet received. Items nobody has
    applied for yet (pending, nothing uploaded) only with `state="not_applied"`.
    """
    S = Approval.Status
    if perms.is_bureau_staff(user):
        approvals = Approval.objects.all()
    else:
        approvals = Approval.objects.filter(department_id__in=perms._department_ids(user))
    if department_id:
        approvals = approvals.filter(department_id=department_id)
    # Supplemented: the enterprise sent files that nobody has reviewed yet.
    uploaded = MaterialVersion.objects.filter(material__approval=OuterRef("pk"))
    approvals = approvals.filter(status__in=Approval.OPEN).annotate(
        answered=unreviewed_versions_exist(), applied=Exists(uploaded)
    )
    approvals = approvals.annotate(
        bucket=Case(
            When(status=S.RECEIVED, then=Value(0)),
            When(status=S.ACCEPTED, answered=True, then=Value(1)),
            When(status=S.ACCEPTED, then=Value(2)),
            When(status=S.SUPPLEMENT_REQUESTED, then=Value(3)),
            When(status=S.PENDING, applied=True, then=Value(4)),
            default=Value(5),
            output_field=IntegerField(),
        )
    )
    buckets = dict(zip(QUEUE_STATES, range(6), strict=True))
    if state in buckets:
        approvals = approvals.filter(bucket=buckets[state])
    else:
        approvals = approvals.exclude(bucket=buckets["not_applied"])
    if project_q:
        approvals = approvals.filter(
            Q(project__name__icontains=project_q)
            | Q(project__name_en__icontains=project_q)
            | Q(project__code__icontains=project_q)
        )
    if due_by is not None:
        approvals = approvals.filter(due_date__lte=due_by)
    return (
        approvals.select_related("project__enterprise", "item", "department")
        .prefetch_related("materials__versions")
        .order_by("bucket", F("due_date").asc(nulls_last=True), "received_at", "id")
    )


def file_for(user, file_id: int):
    """A stored file the user may download, or NotVisible (404 for everyone else)."""
    stored = StoredFile.objects.select_related("project").filter(pk=file_id).first()
    if stored is None or not perms.can_view_project(user, stored.project):
        raise NotVisible("file not found")
    if stored.internal and not perms.can_view_internal(user, stored.project):
        raise NotVisible("file not found")
    return stored


def approval_removal_refusals(approvals: list[Approval]) -> dict[int, TransitionRefused | None]:
    """Why each approval cannot be removed from its project (None: it can), in three queries.

    The service refuses with exactly this, and the edit page offers "remove" only where it is
    None: an approval may be dropped only while pending, with no file, needed by no other.
    """
    ids = [a.pk for a in approvals]
    with_files = set(
        ApprovalMaterial.objects.filter(approval_id__in=ids, versions__isnull=False).values_list(
            "approval_id", flat=True
        )
    )
    needed_by: dict[int, list[Approval]] = {pk: [] for pk in ids}
    by_item = {(a.project_id, a.item_id): a.pk for a in approvals}
    links = ApprovalItem.prerequisites.through.objects.filter(
        to_approvalitem_id__in={a.item_id for a in approvals}
    ).values_list("from_approvalitem_id", "to_approvalitem_id")
    needs: dict[int, set[int]] = {}
    for dependant_item, prerequisite_item in links:
        needs.setdefault(dependant_item, set()).add(prerequisite_item)
    dependants = Approval.objects.filter(
        project_id__in={a.project_id for a in approvals}, item_id__in=needs
    ).select_related("item")
    for dependant in dependants:
        for prerequisite_item in needs[dependant.item_id]:
            target = by_item.get((dependant.project_id, prerequisite_item))
            if target is not None:
                needed_by[target].append(dependant)
    refusals: dict[int, TransitionRefused | None] = {}
    for approval in approvals:
        if approval.status != Approval.Status.PENDING or approval.pk in with_files:
            refusals[approval.pk] = TransitionRefused(
                _("Only a pending approval with no files yet can be removed; withdraw it instead."),
                code="not_removable",
            )
        elif needed_by[approval.pk]:
            refusals[approval.pk] = TransitionRefused(
                _("%(names)s need this approval first.")
                % {
                    "names": pgettext("list separator", ", ").join(
                        f"{a.item.code} {a.item.label}" for a in needed_by[approval.pk]
                    )
                },
                code="needed_by_others",
            )
        else:
            refusals[approval.pk] = None
    return refusals


# --- enterprise membership ------------------------------------------------------------------


def membership_requests_to_decide(user) -> QuerySet[EnterpriseMembershipRequest]:
    """The pending requests this user may confirm or refuse: staff all, an enterprise's
    administrators those of the enterprises they administer; oldest first."""
    pending = EnterpriseMembershipRequest.objects.filter(
        decision=EnterpriseMembershipRequest.Decision.PENDING
    )
    if not user.is_authenticated or not user.is_active:
        return pending.none()
    if not perms.is_bureau_staff(user):
        pending = pending.filter(enterprise_id__in=perms._administered_ids(user))
    return pending.select_related("enterprise", "user", "requested_by").order_by("created_at", "id")


def pending_membership_requests(enterprise_id: int) -> QuerySet[EnterpriseMembershipRequest]:
    """The people still waiting to join an enterprise (for those who manage one of its
    projects: who they invited and is not confirmed yet)."""
    return (
        EnterpriseMembershipRequest.objects.filter(
            enterprise_id=enterprise_id, decision=EnterpriseMembershipRequest.Decision.PENDING
        )
        .select_related("user")
        .order_by("created_at", "id")
    )


def membership_changes(user) -> QuerySet[Event]:
    """Staff: every change of who belongs to or administers an enterprise, newest first, as
    written on the person's own stream (invited, added, removed, confirmed, refused, admin)."""
    if not perms.is_bureau_staff(user):
        return Event.objects.none()
    return (
        Event.objects.filter(stream__startswith="user:", event__in=list(MEMBERSHIP_EVENTS))
        .select_related("actor")
        .order_by("-at", "-id")
    )


def enterprises_with_administrators() -> QuerySet[Enterprise]:
    """Enterprises that have administrators, with them (two queries whatever the number)."""
    return (
        Enterprise.objects.filter(administrators__isnull=False)
        .distinct()
        .prefetch_related(
            Prefetch("administrators", queryset=User.objects.order_by("name", "username"))
        )
        .order_by("name")
    )


def people_of_user_streams(events) -> dict[int, User]:
    """The person of each event's `user:<id>` stream, in one query."""
    ids = {int(e.stream.split(":")[1]) for e in events if e.stream.startswith("user:")}
    return User.objects.in_bulk(ids)
