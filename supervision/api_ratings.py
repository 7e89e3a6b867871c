"""JSON API for ratings (好差评), added to /api/v1/ by portal.site.api. Thin: parse, call a
selector or service. The same refusals as the rest: 404 for what the caller may not see (a
guessed id too), 403 seen but not theirs to rate, 409 not now (not decided, already rated),
422 an input the domain refuses (reasons that do not fit the score, a long comment)."""

from datetime import date, datetime
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import BaseModel, model_validator

from portal.api_schemas import BODY_LIMIT, ID_MAX, problems
from portal.errors import NotVisible
from portal.pagination import limit_offset
from projects.models import Approval

from . import ratings
from .models import Case, Rating
from .rating_events import ALL_REASONS

router = Router(tags=["ratings"])

ReasonCode = Literal[tuple(ALL_REASONS)]  # type: ignore[valid-type]  # the fixed lists


class Out(BaseModel):
    """Built from dicts, as projects.api's answers."""


class Ref(Out):
    id: int
    name: str


class SubjectOut(Out):
    type: Literal["approval", "case"]
    id: int
    label: str = Field(description="the item's code and name, or the case's number")


class RatingOut(Out):
    id: int
    subject: SubjectOut
    project: Ref
    department: Ref | None
    enterprise: Ref
    score: int = Field(description="5 very satisfied .. 1 very dissatisfied")
    score_label: str
    reasons: list[str]
    comment: str
    at: datetime
    follow_up_case: str | None = Field(
        None, description="the number of the rectification case a dissatisfied rating opened"
    )
    follow_up_at: datetime | None = None
    follow_up_note: str | None = Field(
        None, description="the follow-up call's record (the bureau's side only)"
    )


class RatingIn(Schema):
    approval: int | None = Field(None, ge=1, le=ID_MAX, description="a decided approval")
    case: int | None = Field(None, ge=1, le=ID_MAX, description="a closed case")
    score: int = Field(..., ge=1, le=5)
    reasons: list[ReasonCode] = Field(  # type: ignore[valid-type]
        [], max_length=len(ALL_REASONS), description=", ".join(ALL_REASONS)
    )
    comment: str = Field("", max_length=ratings.COMMENT_MAX)

    @model_validator(mode="after")
    def one_subject(self):
        if (self.approval is None) == (self.case is None):
            raise ValueError("give either `approval` or `case`")
        return self


class RatingFilters(Schema):
    department: int | None = Field(None, ge=1, le=ID_MAX)
    project: int | None = Field(None, ge=1, le=ID_MAX)
    score: int | None = Field(None, ge=1, le=5)
    since: date | None = None
    until: date | None = None
    follow_up_pending: bool = Field(
        False, description="dissatisfied ratings nobody has called back yet"
    )


def _ref(obj) -> dict | None:
    return {"id": obj.pk, "name": obj.label} if obj is not None else None


def rating_data(user, rating: Rating) -> dict:
    if rating.approval_id:
        item = rating.approval.item
        subject = {
            "type": "approval",
            "id": rating.approval_id,
            "label": f"{item.code} {item.label}",
        }
    else:
        subject = {"type": "case", "id": rating.case_id, "label": rating.case.number}
    bureau = ratings.may_read_follow_up_note(user, rating)
    return {
        "id": rating.pk,
        "subject": subject,
        "project": _ref(rating.project),
        "department": _ref(rating.department),
        "enterprise": _ref(rating.enterprise),
        "score": rating.score,
        "score_label": str(rating.get_score_display()),
        "reasons": list(rating.reasons or []),
        "comment": rating.comment,
        "at": rating.at,
        "follow_up_case": rating.follow_up_case.number if rating.follow_up_case else None,
        "follow_up_at": rating.follow_up_at if bureau else None,
        "follow_up_note": rating.follow_up_note if bureau else None,
    }


def _shape(request, page: list[Rating]) -> list[dict]:
    return [rating_data(request.user, rating) for rating in page]


@router.get(
    "/ratings",
    response={200: list[RatingOut], **problems(401, 422)},
    summary="Ratings visible to the caller, newest first",
)
@paginate(limit_offset(50, 200), shape=_shape)
def list_ratings(request, filters: Query[RatingFilters]):
    """Staff all; the project's helpers its ratings; officers their departments'; an
    enterprise's users their own (without the follow-up call's record)."""
    return ratings.filter_ratings(
        ratings.ratings_list(request.user),
        department=filters.department,
        project=filters.project,
        score=filters.score,
        since=filters.since,
        until=filters.until,
        follow_up_pending=filters.follow_up_pending,
    ).order_by("-at", "-id")


@router.post(
    "/ratings",
    response={201: RatingOut, **problems(400, 401, 403, 404, 409, 422)},
    openapi_extra=BODY_LIMIT,
    summary="Rate a decided approval or a closed case, once",
)
def give_rating(request, payload: RatingIn):
    """For the project unit's own users. A score of 1 or 2 needs a reason and opens a
    rectification case (PJ-) for the department."""
    if payload.approval is not None:
        approval = Approval.objects.filter(pk=payload.approval).first()
        if approval is None:
            raise NotVisible(_("Approval not found."))
        subject = {"approval": approval}
    else:
        case = Case.objects.filter(pk=payload.case).first()
        if case is None:
            raise NotVisible(_("Case not found."))
        subject = {"case": case}
    rating = ratings.rating_give(
        actor=request.user,
        score=payload.score,
        reasons=list(payload.reasons),
        comment=payload.comment,
        **subject,
    )
    return Status(201, rating_data(request.user, ratings.rating_for(request.user, rating.pk)))
