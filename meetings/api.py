"""JSON API of meetings, visits and action items. Thin: parse, call a selector or a service."""

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from portal.api_schemas import BODY_LIMIT, ID_MAX, problems
from portal.dates import check_date
from portal.errors import InvalidInput
from portal.events import stream_heads
from portal.models import User
from portal.pagination import limit_offset
from projects.models import Department
from projects.selectors import projects_visible_to

from . import selectors, services
from .models import Meeting

router = Router(tags=["meetings"])

Kind = Literal["joint_meeting", "forum", "site_service", "site_inspection"]


class PersonOut(Schema):
    username: str
    name: str


class ParticipantOut(Schema):
    username: str
    name: str
    answer: str
    department: str | None


class AgendaOut(Schema):
    id: int
    title: str
    project_id: int
    approval_id: int | None


class MeetingOut(Schema):
    id: int
    title: str
    kind: str
    start: datetime
    end: datetime
    place: str
    status: str
    sequence: int
    organiser: PersonOut
    project_ids: list[int]
    participants: list[ParticipantOut]
    agenda: list[AgendaOut]
    streams: dict[str, int] = Field(default_factory=dict)


class Warning(Schema):
    """Someone invited is busy then. The other meeting's id and title only when the caller may
    open that meeting; otherwise just the time."""

    user_id: int
    username: str
    name: str
    meeting_id: int | None
    title: str | None
    start: datetime
    end: datetime
    message: str = Field(..., description="the clash in a sentence, in the caller's language")


class MeetingCreated(MeetingOut):
    warnings: list[Warning]


class MeetingIn(Schema):
    title: str = Field(..., max_length=200)
    kind: Kind
    start: datetime = Field(..., description="naive times are Beijing time")
    end: datetime
    place: str = Field("", max_length=200)
    project_ids: list[int] = Field(default_factory=list, max_length=100)
    participant_usernames: list[str] = Field(default_factory=list, max_length=300)
    department_ids: list[int] = Field(default_factory=list, max_length=100)
    status: Literal["draft", "scheduled"] = "scheduled"


class MeetingPatch(Schema):
    title: str | None = Field(None, max_length=200)
    kind: Kind | None = None
    start: datetime | None = None
    end: datetime | None = None
    place: str | None = Field(None, max_length=200)
    project_ids: list[int] | None = Field(None, max_length=100)
    participant_usernames: list[str] | None = Field(None, max_length=300)
    department_ids: list[int] | None = Field(None, max_length=100)
    status: Literal["draft", "scheduled"] | None = None


Id = Annotated[int, Field(ge=1, le=ID_MAX)]


class ConflictCheckIn(Schema):
    start: datetime = Field(..., description="naive times are Beijing time")
    end: datetime
    participant_ids: list[Id] = Field(default_factory=list, max_length=300)
    department_ids: list[Id] = Field(default_factory=list, max_length=100)
    meeting_id: Id | None = Field(
        None, description="the meeting being changed: checked as its organiser, left out itself"
    )


class ConflictsOut(Schema):
    checked: int = Field(..., description="how many people were checked, the organiser included")
    clashes: list[Warning]


class CancelIn(Schema):
    reason: str = Field("", max_length=2000)


class ActionItemOut(Schema):
    id: int
    meeting_id: int
    meeting: str
    project_id: int | None
    decision: str
    title: str
    owner: str | None
    owner_department: str | None
    due_date: date
    status: str
    overdue: bool
    done_note: str


def meeting_data(user, meeting: Meeting, *, with_streams: bool = False) -> dict:
    data = {
        "id": meeting.pk,
        "title": meeting.title,
        "kind": meeting.kind,
        "start": meeting.start,
        "end": meeting.end,
        "place": meeting.place,
        "status": meeting.status,
        "sequence": meeting.sequence,
        "organiser": {
            "username": meeting.organiser.username,
            "name": meeting.organiser.get_full_name(),
        },
        "project_ids": [p.pk for p in meeting.projects.all()],
        "participants": [
            {
                "username": p.user.username,
                "name": p.user.get_full_name(),
                "answer": p.answer,
                "department": p.via_department.name if p.via_department_id else None,
            }
            for p in meeting.participants.all()
        ],
        "agenda": [
            {"id": a.pk, "title": a.title, "project_id": a.project_id, "approval_id": a.approval_id}
            for a in meeting.agenda.all()
        ],
    }
    if with_streams:
        data["streams"] = stream_heads(selectors.readable_meeting_streams(user, meeting))
    return data


def _people(user, payload) -> dict:
    """Resolve ids and usernames; unknown or unseen ones are a 422 that names them."""
    resolved = {}
    if payload.project_ids is not None:
        projects = list(projects_visible_to(user).filter(pk__in=payload.project_ids))
        missing = set(payload.project_ids) - {p.pk for p in projects}
        if missing:
            raise InvalidInput(f"Unknown projects: {sorted(missing)}", field="project_ids")
        resolved["projects"] = projects
    if payload.participant_usernames is not None:
        users = list(
            User.objects.filter(username__in=payload.participant_usernames, is_active=True)
        )
        missing = set(payload.participant_usernames) - {u.username for u in users}
        if missing:
            raise InvalidInput(f"Unknown users: {sorted(missing)}", field="participant_usernames")
        resolved["participants"] = users
    if payload.department_ids is not None:
        departments = list(Department.objects.filter(pk__in=payload.department_ids))
        missing = set(payload.department_ids) - {d.pk for d in departments}
        if missing:
            raise InvalidInput(f"Unknown departments: {sorted(missing)}", field="department_ids")
        resolved["departments"] = departments
    return resolved


class MeetingFilters(Schema):
    start_from: datetime | None = Field(None, alias="from")
    to: datetime | None = None


def _bound(value: datetime | None, field: str) -> datetime | None:
    """A list filter's instant, refused (422) outside the accepted window: a year-1 or
    year-9999 time may not even convert to the database's UTC."""
    if value is None:
        return None
    check_date(value.date(), field)
    return services.aware(value)


def _meetings(request, page: list[Meeting]) -> list[dict]:
    return [meeting_data(request.user, meeting) for meeting in page]


@router.get(
    "/meetings",
    response={200: list[MeetingOut], **problems(401, 422)},
    summary="Meetings and visits visible to me",
)
@paginate(limit_offset(50, 500), shape=_meetings)
def list_meetings(request, filters: Query[MeetingFilters]):
    return selectors.in_range(
        selectors.meeting_list_queryset(request.user),
        _bound(filters.start_from, "from"),
        _bound(filters.to, "to"),
    )


@router.post(
    "/meetings/conflicts",
    response={200: ConflictsOut, **problems(400, 401, 403, 404, 422)},
    openapi_extra=BODY_LIMIT,
    summary="Who would clash: check a meeting's time and people before saving it",
    url_name="meeting_conflicts",
)
def check_conflicts(request, payload: ConflictCheckIn):
    """Changes nothing. The people checked are the organiser and, of those named (people and
    the officers of the departments), whom the organiser may invite; any other id counts for
    nothing. Staff and helpers check a new meeting; for `meeting_id`, whoever may change it."""
    user = request.user
    if payload.meeting_id is None:
        services.require_scheduler(user)  # before any id is looked at
        organiser, exclude = user, None
    else:
        meeting = selectors.meeting_for(user, payload.meeting_id)  # 404 before 403 for strangers
        services.require_manager(user, meeting)
        organiser, exclude = meeting.organiser, meeting.pk
    start, end = services.aware(payload.start), services.aware(payload.end)
    services.check_times(start, end)
    people = selectors.people_to_check(organiser, payload.participant_ids, payload.department_ids)
    found = selectors.clashes(user, people=people, start=start, end=end, exclude_meeting_id=exclude)
    return {"checked": len(people), "clashes": [services.clash_warning(c) for c in found]}


@router.get(
    "/meetings/{meeting_id}",
    response={200: MeetingOut, **problems(401, 404, 422)},
    summary="One meeting",
)
def get_meeting(request, meeting_id: int = Path(..., ge=1, le=ID_MAX)):
    meeting = selectors.meeting_for(request.user, meeting_id)
    return meeting_data(request.user, meeting, with_streams=True)


@router.post(
    "/meetings",
    response={201: MeetingCreated, **problems(400, 401, 403, 409, 422)},
    openapi_extra=BODY_LIMIT,
    summary="Schedule a meeting or visit",
)
def create_meeting(request, payload: MeetingIn):
    services.require_scheduler(request.user)  # before any username is looked up
    resolved = _people(request.user, payload)
    meeting, warnings = services.meeting_schedule(
        actor=request.user,
        title=payload.title,
        kind=payload.kind,
        start=payload.start,
        end=payload.end,
        place=payload.place,
        status=payload.status,
        **resolved,
    )
    meeting = selectors.meeting_for(request.user, meeting.pk)
    return Status(
        201, {**meeting_data(request.user, meeting, with_streams=True), "warnings": warnings}
    )


@router.patch(
    "/meetings/{meeting_id}",
    response={200: MeetingCreated, **problems(400, 401, 403, 404, 409, 422)},
    openapi_extra=BODY_LIMIT,
    summary="Change a meeting",
)
def update_meeting(request, payload: MeetingPatch, meeting_id: int = Path(..., ge=1, le=ID_MAX)):
    meeting = selectors.meeting_for(request.user, meeting_id)  # 404 before 422 for strangers
    services.require_manager(request.user, meeting)  # 403 before any username is looked up
    resolved = _people(request.user, payload)
    changes = {
        key: value
        for key, value in payload.dict(exclude_unset=True).items()
        if key in ("title", "kind", "start", "end", "place", "status")
    }
    meeting, warnings = services.meeting_update(
        actor=request.user, meeting_id=meeting_id, **changes, **resolved
    )
    meeting = selectors.meeting_for(request.user, meeting.pk)
    return {**meeting_data(request.user, meeting, with_streams=True), "warnings": warnings}


@router.post(
    "/meetings/{meeting_id}/cancel",
    response={200: MeetingOut, **problems(400, 401, 403, 404, 409, 422)},
    openapi_extra=BODY_LIMIT,
    summary="Cancel a meeting",
)
def cancel_meeting(request, payload: CancelIn, meeting_id: int = Path(..., ge=1, le=ID_MAX)):
    services.meeting_cancel(actor=request.user, meeting_id=meeting_id, reason=payload.reason)
    return meeting_data(
        request.user, selectors.meeting_for(request.user, meeting_id), with_streams=True
    )


class ActionFilters(Schema):
    owner: Literal["me"] | None = None
    status: Literal["open", "done", "overdue"] | None = None


def _action_items(request, page: list) -> list[dict]:
    return [
        {
            "id": a.pk,
            "meeting_id": a.meeting_id,
            "meeting": a.meeting.title,
            # Owning an action item opens neither its project nor other companies' people.
            "project_id": a.project_id if a.project_shown else None,
            "decision": a.decision,
            "title": a.title,
            "owner": a.owner_user.username if a.owner_user_id and a.owner_shown else None,
            "owner_department": a.owner_department.name if a.owner_department_id else None,
            "due_date": a.due_date,
            "status": a.status,
            "overdue": a.is_overdue,
            "done_note": a.done_note,
        }
        for a in page
    ]


@router.get(
    "/action-items",
    response={200: list[ActionItemOut], **problems(401, 422)},
    summary="Action items (owner=me: mine)",
)
@paginate(limit_offset(100, 500), shape=_action_items)
def list_action_items(request, filters: Query[ActionFilters]):
    return selectors.action_items_for(
        request.user, owner_me=filters.owner == "me", status=filters.status
    )
