"""JSON API routes (django-ninja), added to /api/v1/ by portal.site.api: the service cases.
Thin: parse, call a selector or a service; the same permission rules and refusals as the
pages (a case the caller may not see is 404, like one that does not exist)."""

from datetime import date, datetime
from typing import Literal

from django.urls import reverse
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import BaseModel

from portal.api_schemas import BODY_LIMIT, ID_MAX, problems
from portal.errors import NotVisible
from portal.events import stream_heads
from portal.pagination import limit_offset
from projects import permissions as project_perms
from projects.models import Approval, Project

from . import permissions as perms
from . import selectors
from .case_events import case_internal_stream, case_stream
from .models import Case
from .services import case_open, case_reply, case_transition
from .transitions import ACTIONS, STAGE_STATES

router = Router(tags=["cases"])


class Out(BaseModel):
    """An answer built from dicts (never from model objects)."""


class Ref(Out):
    id: int
    name: str


class ProjectRef(Out):
    id: int
    code: str
    name: str


class PersonRef(Out):
    username: str
    name: str


class AttachmentOut(Out):
    id: int
    name: str
    content_type: str
    size: int
    url: str


class ReplyOut(Out):
    id: int
    author: PersonRef | None
    body: str
    internal: bool
    at: datetime
    attachments: list[AttachmentOut]


class CaseOut(Out):
    id: int
    number: str
    kind: str = Field(description="supervision, complaint, rating, hotline or request")
    state: str = Field(description="opened, dispatched, signed, answered or closed")
    title: str
    project: ProjectRef | None
    approval_id: int | None
    opener_kind: str
    department: Ref | None
    assignee: PersonRef | None
    stage_due: date | None = Field(
        description="the current stage's due date (answered: the day it closes by itself)"
    )
    waiting_since: date | None = Field(
        description="waiting on the opener since (the stage clock is paused)"
    )
    overdue: bool
    escalation_level: int | None = Field(description="for the bureau's side only")
    opened_at: datetime
    answered_at: datetime | None
    closed_at: datetime | None
    closed_automatically: bool
    reopened: int
    actions: list[str] = Field(description="the transitions the caller may take now")


class CaseDetail(CaseOut):
    body: str
    answer: str
    streams: dict[str, int]
    replies: list[ReplyOut]


class CaseOpened(CaseDetail):
    tracking_code: str | None = Field(
        description="given once, to an enterprise or a caller: with the number it opens the "
        "public tracking page"
    )


class CaseFilters(Schema):
    kind: Case.Kind | None = None
    state: Case.State | Literal["open"] | None = None
    overdue: bool = False
    project: int | None = Field(None, ge=1, le=ID_MAX)
    q: str | None = Field(None, max_length=100)
    tab: Literal["mine", "department", "all"] | None = Field(
        None, description="mine, my department's, or all the caller may see (the default)"
    )


class CaseOpenIn(Schema):
    kind: Case.Kind
    title: str = Field(..., max_length=200)
    body: str = Field("", max_length=4000)
    project: int | None = Field(None, ge=1, le=ID_MAX)
    approval: int | None = Field(None, ge=1, le=ID_MAX)
    department: int | None = Field(None, ge=1, le=ID_MAX)
    assignee: int | None = Field(None, ge=1, le=ID_MAX)
    opener_kind: Literal["phone"] | None = Field(
        None, description="staff recording a call: phone (with the caller's name or phone)"
    )
    caller_name: str = Field("", max_length=100)
    caller_phone: str = Field("", max_length=30)


class TransitionIn(Schema):
    action: Literal[ACTIONS]  # type: ignore[valid-type]  # the transition table's actions
    department: int | None = Field(None, ge=1, le=ID_MAX)
    assignee: int | None = Field(None, ge=1, le=ID_MAX)
    note: str | None = Field(None, max_length=4000)
    answer: str | None = Field(None, max_length=4000)
    question: str | None = Field(None, max_length=4000)
    body: str | None = Field(None, max_length=4000)
    reason: str | None = Field(None, max_length=4000)


class ReplyIn(Schema):
    body: str = Field(..., max_length=4000)
    internal: bool = False


def _person(user) -> dict | None:
    return {"username": user.username, "name": user.get_full_name()} if user else None


def case_data(user, case: Case, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    internal = perms.can_view_case_internal(user, case)
    return {
        "id": case.pk,
        "number": case.number,
        "kind": case.kind,
        "state": case.state,
        "title": case.title,
        "project": (
            {"id": case.project.pk, "code": case.project.code, "name": case.project.label}
            if case.project_id
            else None
        ),
        "approval_id": case.approval_id,
        "opener_kind": case.opener_kind,
        "department": (
            {"id": case.department.pk, "name": case.department.label}
            if case.department_id
            else None
        ),
        "assignee": _person(case.assignee) if case.assignee_id else None,
        "stage_due": case.stage_due,
        "waiting_since": case.waiting_since,
        "overdue": bool(
            case.state in STAGE_STATES
            and case.waiting_since is None
            and case.stage_due is not None
            and case.stage_due < today
        ),
        "escalation_level": case.escalation_level if internal else None,
        "opened_at": case.opened_at,
        "answered_at": case.answered_at,
        "closed_at": case.closed_at,
        "closed_automatically": case.closed_automatically,
        "reopened": case.reopened,
        "actions": [spec.action for spec in selectors.case_actions(user, case)],
    }


def case_detail_data(user, case: Case) -> dict:
    internal = perms.can_view_case_internal(user, case)
    streams = [case_stream(case.pk)] + ([case_internal_stream(case.pk)] if internal else [])
    return {
        **case_data(user, case),
        "body": case.body,
        "answer": case.answer,
        "streams": stream_heads(streams),
        "replies": [
            {
                "id": reply.pk,
                "author": _person(reply.author),
                "body": reply.body,
                "internal": reply.internal,
                "at": reply.at,
                "attachments": [
                    {
                        "id": a.pk,
                        "name": a.original_name,
                        "content_type": a.content_type,
                        "size": a.size,
                        "url": reverse("case_attachment", args=[a.pk]),
                    }
                    for a in reply.attachments.all()
                ],
            }
            for reply in selectors.case_thread(user, case)
        ],
    }


def _rows(request, page: list[Case]) -> list[dict]:
    today = timezone.localdate()
    return [case_data(request.user, case, today) for case in page]


@router.get(
    "/cases",
    response={200: list[CaseOut], **problems(401, 422)},
    summary="Service cases visible to the caller",
)
@paginate(limit_offset(50, 200), shape=_rows)
def list_cases(request, filters: Query[CaseFilters]):
    user = request.user
    queryset = (
        selectors.cases_in_tab(user, filters.tab)
        if filters.tab
        else selectors.cases_visible_to(user)
    )
    queryset = selectors.filter_cases(
        queryset,
        kind=filters.kind,
        state=filters.state,
        overdue=filters.overdue,
        project=filters.project,
        q=filters.q,
        today=timezone.localdate(),
    )
    return selectors.for_listing(queryset)


@router.get(
    "/cases/{case_id}",
    response={200: CaseDetail, **problems(401, 404, 422)},
    summary="One case with its thread",
)
def get_case(request, case_id: int = Path(..., ge=1, le=ID_MAX)):
    return case_detail_data(request.user, selectors.case_by_id(request.user, case_id))


@router.post(
    "/cases",
    response={201: CaseOpened, **problems(400, 401, 403, 404, 409, 422)},
    openapi_extra=BODY_LIMIT,
    summary="Open a case",
)
def open_case(request, payload: CaseOpenIn):
    user = request.user
    project = approval = None
    if payload.project is not None:
        project = Project.objects.filter(pk=payload.project).first()
        if project is None:
            raise NotVisible("project not found")
    if payload.approval is not None:
        approval = Approval.objects.select_related("project").filter(pk=payload.approval).first()
        if approval is None or not project_perms.can_view_project(user, approval.project):
            raise NotVisible("approval not found")
    case, code = case_open(
        actor=user,
        kind=payload.kind,
        title=payload.title,
        body=payload.body,
        project=project,
        approval=approval,
        department=payload.department,
        assignee=payload.assignee,
        opener_kind=payload.opener_kind,
        caller_name=payload.caller_name,
        caller_phone=payload.caller_phone,
    )
    case = selectors.case_by_id(user, case.pk)
    return Status(201, {**case_detail_data(user, case), "tracking_code": code})


@router.post(
    "/cases/{case_id}/transitions",
    response={200: CaseDetail, **problems(400, 401, 403, 404, 409, 422)},
    openapi_extra=BODY_LIMIT,
    summary="Move a case: " + ", ".join(ACTIONS),
)
def transition_case(request, payload: TransitionIn, case_id: int = Path(..., ge=1, le=ID_MAX)):
    case = selectors.case_by_id(request.user, case_id)
    arguments = payload.dict(exclude_none=True)
    action = arguments.pop("action")
    case_transition(actor=request.user, case=case, action=action, **arguments)
    return case_detail_data(request.user, selectors.case_by_id(request.user, case_id))


@router.post(
    "/cases/{case_id}/replies",
    response={201: ReplyOut, **problems(400, 401, 403, 404, 409, 422)},
    openapi_extra=BODY_LIMIT,
    summary="Write on a case's thread (internal: a note for the bureau's side)",
)
def reply_case(request, payload: ReplyIn, case_id: int = Path(..., ge=1, le=ID_MAX)):
    case = selectors.case_by_id(request.user, case_id)
    reply = case_reply(actor=request.user, case=case, body=payload.body, internal=payload.internal)
    return Status(
        201,
        {
            "id": reply.pk,
            "author": _person(request.user),
            "body": reply.body,
            "internal": reply.internal,
            "at": reply.at,
            "attachments": [],
        },
    )
