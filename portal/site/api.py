"""The JSON API at /api/v1/ (django-ninja): accounts and tokens here, each app adds its router."""

from datetime import datetime

from django.contrib.auth import authenticate
from ninja import Field, NinjaAPI, Query, Schema
from ninja.responses import Status
from ninja.security import django_auth

from meetings.api import router as meetings_router
from meetings.views import calendar_feed_url
from portal.accounts import PortalBearerAuth
from portal.errors import DomainError
from portal.events import events_after, stream_heads
from portal.services import (
    api_token_create,
    api_token_expires_at,
    api_token_revoke,
    api_tokens_live,
    realtime_ticket_issue,
)
from portal.two_factor import token_refusal
from projects.api import router as projects_router
from projects.selectors import user_summary

api = NinjaAPI(
    title="Major-project service portal API",
    version="1",
    urls_namespace="api-v1",
    description=(
        "Projects, approvals and their event streams. Authenticate with "
        "`Authorization: Bearer <token>` (POST /api/v1/tokens) or, in the browser, the session."
    ),
    # Bearer tokens for programs; the session (with CSRF) for the browser.
    auth=[PortalBearerAuth(), django_auth],
)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    body = {"detail": str(exc.message), "code": exc.code}
    if exc.field:
        body["field"] = exc.field
    return api.create_response(request, body, status=exc.status)


class Credentials(Schema):
    username: str = Field(..., max_length=150)
    password: str = Field(..., max_length=256)
    name: str = Field("API", max_length=100, description="a label to recognise the token by")
    otp: str | None = Field(
        None,
        max_length=64,
        description=(
            "the current code of the account's authenticator app (or a backup code): required "
            "when the account has one, and for staff and editors where the site requires it"
        ),
    )


class NewToken(Schema):
    id: int
    token: str = Field(..., description="shown once: only a digest is stored")
    name: str
    expires_at: datetime


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created: datetime
    last_used_at: datetime | None
    expires_at: datetime


class Problem(Schema):
    detail: str
    code: str


class Ref(Schema):
    id: int
    name: str


class Me(Schema):
    username: str
    name: str
    roles: list[str]
    department: Ref | None
    enterprise: Ref | None
    language: str
    calendar_url: str = Field(..., description="personal calendar subscription (keep it secret)")


class TicketOut(Schema):
    ticket: str
    expires_at: datetime


@api.post(
    "/tokens",
    auth=None,
    response={201: NewToken, 401: Problem, 409: Problem, 429: Problem},
    tags=["accounts"],
    summary="Exchange a username and password for a bearer token",
)
def create_token(request, credentials: Credentials):
    """Who has an authenticator (and staff and editors where the site requires one) also sends
    `otp`: 401 `otp_required` without it, `otp_invalid` when wrong, 429 `otp_locked` after too
    many wrong codes."""
    user = authenticate(request, username=credentials.username, password=credentials.password)
    if user is None or not user.is_active:
        return Status(401, {"detail": "Wrong username or password.", "code": "unauthorized"})
    refusal = token_refusal(user, credentials.otp)
    if refusal is not None:  # 401 otp_required / otp_invalid, 429 otp_locked
        return Status(refusal.status, {"detail": refusal.detail, "code": refusal.code})
    token, plaintext = api_token_create(actor=user, name=credentials.name)
    return Status(
        201,
        {
            "id": token.pk,
            "token": plaintext,
            "name": token.name,
            "expires_at": api_token_expires_at(token),
        },
    )


@api.get("/tokens", response=list[TokenOut], tags=["accounts"], summary="My live tokens")
def list_tokens(request):
    return [
        {
            "id": t.pk,
            "name": t.name,
            "prefix": t.prefix,
            "created": t.created,
            "last_used_at": t.last_used_at,
            "expires_at": api_token_expires_at(t),
        }
        for t in api_tokens_live(request.user).order_by("-created")
    ]


@api.delete(
    "/tokens/{token_id}",
    response={204: None, 404: Problem},
    tags=["accounts"],
    summary="Revoke one",
)
def revoke_token(request, token_id: int):
    api_token_revoke(actor=request.user, token_id=token_id)
    return Status(204, None)


@api.get("/me", response=Me, tags=["accounts"], summary="Who I am")
def me(request):
    return {**user_summary(request.user), "calendar_url": calendar_feed_url(request.user)}


@api.post(
    "/realtime/ticket",
    response={201: TicketOut},
    auth=PortalBearerAuth(),
    tags=["realtime"],
    summary="A one-time ticket to open /ws/events/ without a cookie",
)
def realtime_ticket(request):
    """Valid 30 seconds, for one connection: `/ws/events/?ticket=...`."""
    ticket, expires_at = realtime_ticket_issue(actor=request.user)
    return Status(201, {"ticket": ticket, "expires_at": expires_at})


class EventOut(Schema):
    stream: str
    seq: int
    event: str
    at: datetime
    actor: str | None
    data: dict


class EventPage(Schema):
    stream: str
    items: list[EventOut]
    last_seq: int


@api.get(
    "/events", response=EventPage, tags=["events"], summary="Events of one stream, oldest first"
)
def list_events(
    request,
    stream: str = Query(..., max_length=80, examples=["project:12"]),
    after: int = Query(0, ge=0, le=2**63 - 1),
    limit: int = Query(100, ge=1, le=1000),
):
    """Any stream the caller may read (`project:<id>`, `meeting:<id>`, `user:<id>`, ...)."""
    items = events_after(request.user, stream, after=after, limit=limit)
    return {"stream": stream, "items": items, "last_seq": stream_heads([stream])[stream]}


api.add_router("", projects_router)
api.add_router("", meetings_router)
