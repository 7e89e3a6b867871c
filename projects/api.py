"""JSON API for projects, approvals and event streams. Thin: parse, call a selector or service."""

from datetime import date, datetime
from typing import Literal

from django.utils import timezone, translation
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate
from pydantic import BaseModel

from portal.api_schemas import BODY_LIMIT, ID_MAX, problems
from portal.events import stream_heads
from portal.pagination import limit_offset

from .clock import WorkingCalendar
from .models import Project
from .selectors import (
    ApprovalCounts,
    approval_counts,
    approval_summary,
    counts_of,
    filter_projects,
    mark_blocking_prerequisites,
    project_for,
    projects_visible_to,
    readable_project_streams,
)
from .services import approval_transition
from .transitions import ACTIONS

router = Router(tags=["projects"])


class Out(BaseModel):
    """An answer built from dicts (never from model objects): plain pydantic validation,
    without ninja Schema's per-object attribute resolver (a sixth of a list's time)."""


class Ref(Out):
    id: int
    name: str


class ItemRef(Out):
    code: str
    name: str


class PersonRef(Out):
    username: str
    name: str


class MissingMaterial(Out):
    id: int
    name: str
    key: bool
    due: date | None


class ApprovalOut(Out):
    id: int
    item: ItemRef
    department: Ref
    status: str
    accepted_at: datetime | None
    due_date: date | None
    statutory_due_date: date | None
    working_days_used: int | None
    working_days_left: int | None
    colour: str = Field(
        description="on_track, due_soon (2 or fewer working days left), overdue, paused, "
        "not_started or closed"
    )
    ball_with: Literal["department", "enterprise"] | None
    department_days: int
    enterprise_days: int
    missing_materials: list[MissingMaterial]
    decision_number: str = Field("", description="the decision document's number, once decided")
    waits_for: list[str] = Field(
        [], description="codes of prerequisite items not yet approved: acceptance waits for them"
    )
    actions: list[str] = Field(
        description="the transitions the caller may make now (acceptance is not listed while "
        "prerequisites wait)"
    )


class ProjectSummary(Out):
    id: int
    code: str
    name: str
    enterprise: Ref
    stage: str
    town: Ref | None
    lead_helper: PersonRef | None
    approvals_by_status: dict[str, int]
    overdue: int
    next_due_date: date | None


class ProjectDetail(Out):
    id: int
    code: str
    name: str
    enterprise: Ref
    stage: str
    town: Ref | None
    industry: Ref | None
    investment: float | None
    planned_start: date | None
    lead_helper: PersonRef | None
    helpers: list[PersonRef]
    leading_official: str
    streams: dict[str, int]
    approvals: list[ApprovalOut]


class TransitionIn(Schema):
    action: Literal[ACTIONS]  # type: ignore[valid-type]  # the transition table's actions
    reason: str | None = Field(None, max_length=4000)
    missing_materials: list[int | str] | None = Field(None, max_length=200)
    materials_due: date | None = None
    conditions: str | None = Field(None, max_length=4000)
    decision_number: str | None = Field(None, max_length=60)
    on_paper: bool | None = Field(
        None, description="approve: decide on the paper file although sent files wait for review"
    )


class ProjectFilters(Schema):
    stage: Project.Stage | None = None
    town: int | None = Field(None, ge=1, le=ID_MAX)
    department: int | None = Field(None, ge=1, le=ID_MAX)
    q: str | None = Field(None, max_length=100)


def _ref(obj) -> dict | None:
    return {"id": obj.pk, "name": obj.label} if obj is not None else None


def _person(user) -> dict | None:
    return {"username": user.username, "name": user.get_full_name()} if user else None


# What a list's summary reads of each project, as plain values (no model objects: a page of 50
# projects with their enterprise, town and lead helper made 200 of them).
SUMMARY_COLUMNS = (
    "id",
    "registered_at",  # with id, the keyset: where `next` points
    "code",
    "name",
    "name_en",
    "stage",
    "enterprise_id",
    "enterprise__name",
    "enterprise__name_en",
    "town_id",
    "town__name",
    "town__name_en",
    "lead_helper_id",
    "lead_helper__username",
    "lead_helper__name",
    "lead_helper__first_name",
    "lead_helper__last_name",
)


def _bilingual(name: str, name_en: str) -> str:
    """`Bilingual.label` for values read without their model."""
    return name_en if name_en and translation.get_language() == "en" else name


def _lead_helper_of_row(row: dict) -> dict | None:
    """`_person(project.lead_helper)` from the values (User.get_full_name's rule)."""
    if row["lead_helper_id"] is None:
        return None
    full = f"{row['lead_helper__first_name']} {row['lead_helper__last_name']}".strip()
    username = row["lead_helper__username"]
    return {"username": username, "name": row["lead_helper__name"] or full or username}


def _summary_of_row(row: dict, counts: ApprovalCounts) -> dict:
    town = row["town_id"]
    return {
        "id": row["id"],
        "code": row["code"],
        "name": _bilingual(row["name"], row["name_en"]),
        "enterprise": {
            "id": row["enterprise_id"],
            "name": _bilingual(row["enterprise__name"], row["enterprise__name_en"]),
        },
        "stage": row["stage"],
        "town": (
            {"id": town, "name": _bilingual(row["town__name"], row["town__name_en"])}
            if town is not None
            else None
        ),
        "lead_helper": _lead_helper_of_row(row),
        "approvals_by_status": counts.by_status,
        "overdue": counts.overdue,
        "next_due_date": counts.next_due,
    }


def _summary(project: Project, counts: ApprovalCounts) -> dict:
    return {
        "id": project.pk,
        "code": project.code,
        "name": project.label,
        "enterprise": _ref(project.enterprise),
        "stage": project.stage,
        "town": _ref(project.town),
        "lead_helper": _person(project.lead_helper),
        "approvals_by_status": counts.by_status,
        "overdue": counts.overdue,
        "next_due_date": counts.next_due,
    }


def project_detail_data(user, project: Project) -> dict:
    calendar = WorkingCalendar.current()
    today = timezone.localdate()
    streams = readable_project_streams(user, project)
    approvals = list(project.approvals.all())
    mark_blocking_prerequisites(approvals)
    return {
        **_summary(project, counts_of(approvals, today)),
        "industry": _ref(project.industry),
        "investment": float(project.investment) if project.investment is not None else None,
        "planned_start": project.planned_start,
        "helpers": [_person(u) for u in project.helpers.all()],
        "leading_official": project.leading_official,
        "streams": stream_heads(streams),
        "approvals": [
            approval_summary(a, calendar=calendar, today=today, user=user) for a in approvals
        ],
    }


def _summaries(request, page: list[dict]) -> list[dict]:
    counts = approval_counts([row["id"] for row in page], timezone.localdate())
    return [_summary_of_row(row, counts[row["id"]]) for row in page]


def _summary_rows(queryset):
    return queryset.values(*SUMMARY_COLUMNS)


@router.get(
    "/projects",
    response={200: list[ProjectSummary], **problems(401, 422)},
    summary="Projects visible to the caller",
)
@paginate(
    limit_offset(50, 200, keyset=("-registered_at", "-id")),
    shape=_summaries,
    rows=_summary_rows,
)
def list_projects(request, filters: Query[ProjectFilters]):
    queryset = filter_projects(
        projects_visible_to(request.user),
        stage=filters.stage,
        town=filters.town,
        department=filters.department,
        q=filters.q,
    )
    # Counted as it is (no joins); the page's projects are read as the values a summary
    # shows (_summary_rows), and their approvals counted in SQL (_summaries): no objects.
    return queryset.order_by("-registered_at", "-id")


@router.get(
    "/projects/{project_id}",
    response={200: ProjectDetail, **problems(401, 404, 422)},
    summary="One project",
)
def get_project(request, project_id: int = Path(..., ge=1, le=ID_MAX)):
    project = project_for(request.user, project_id)
    return project_detail_data(request.user, project)


@router.post(
    "/approvals/{approval_id}/transitions",
    response={200: ApprovalOut, **problems(400, 401, 403, 404, 409, 422)},
    openapi_extra=BODY_LIMIT,
    summary="Move an approval: " + ", ".join(ACTIONS),
)
def transition_approval(
    request, payload: TransitionIn, approval_id: int = Path(..., ge=1, le=ID_MAX)
):
    # The service returns the approval as it committed it (its item, department and project
    # loaded, the caller allowed to see it): no second read. Its materials are read afresh.
    approval = approval_transition(
        actor=request.user,
        approval_id=approval_id,
        **payload.dict(exclude_none=True),
    )
    return approval_summary(approval, calendar=WorkingCalendar.current(), user=request.user)
