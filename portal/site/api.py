"""The JSON API at /api/v1/ (django-ninja): accounts and tokens here, each app adds its router."""

from datetime import datetime

from django.contrib.auth import authenticate
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from ninja import Field, NinjaAPI, Path, Query, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.responses import Status
from ninja.security import django_auth

from meetings.api import router as meetings_router
from meetings.views import calendar_feed_url
from portal.accounts import PortalBearerAuth
from portal.api_schemas import BODY_LIMIT, ID_MAX, problems
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
from supervision.api import router as cases_router
from supervision.api_ratings import router as ratings_router

NUL = "\x00"
NUL_REFUSED = "Null characters are not allowed."  # as Django's forms say


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


class PortalParser(Parser):
    """JSON bodies and query strings without NUL characters: no text the portal keeps or looks
    up may hold one (PostgreSQL refuses them with an error, which was a 500), so they are
    refused before any query: 400 in a body, 422 in a query parameter."""

    def parse_body(self, request):
        data = super().parse_body(request)
        if _holds_nul(data):
            raise ValueError(NUL_REFUSED)  # ninja answers 400 "Cannot parse request body"
        return data

    def parse_querydict(self, data, list_fields, request):
        for key, values in data.lists():
            if NUL in key or any(NUL in value for value in values):
                raise ValidationError(
                    [{"type": "string_pattern_mismatch", "loc": ["query", key], "msg": NUL_REFUSED}]
                )
        return super().parse_querydict(data, list_fields, request)


api = NinjaAPI(
    title="Major-project service portal API",
    version="1",
    urls_namespace="api-v1",
    description=(
        "Projects, approvals and their event streams. Authenticate with "
        "`Authorization: Bearer <token>` (POST /api/v1/tokens) or, in the browser, the session. "
        "Answers in Chinese, or in English with `Accept-Language: en` (names, refusals)."
    ),
    # Bearer tokens for programs; the session (with CSRF) for the browser.
    auth=[PortalBearerAuth(), django_auth],
    parser=PortalParser(),
)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    body = {"detail": str(exc.message), "code": exc.code}
    if exc.field:
        body["field"] = exc.field
    return api.create_response(request, body, status=exc.status)


# ninja's own refusals in the same {detail, code} shape as the domain's, so that one schema
# (Problem) describes every refusal but invalid input.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "refused",
    413: "too_large",
    429: "too_many_requests",
}


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc: AuthenticationError):
    body = {
        "detail": "Authentication credentials were not provided or are not valid.",
        "code": "unauthorized",
    }
    return api.create_response(request, body, status=401)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    body = {"detail": exc.message, "code": HTTP_CODES.get(exc.status_code, "refused")}
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(MultiPartParserError)
@api.exception_handler(BadRequest)
@api.exception_handler(SuspiciousOperation)
def bad_request(request, exc: Exception):
    """A body Django cannot read (a multipart without a boundary, too many fields) read by
    something other than ninja, e.g. the sign-in throttle: 400 like any unparseable body."""
    body = {"detail": "Cannot parse request body", "code": "bad_request"}
    return api.create_response(request, body, status=400)


@api.exception_handler(OverflowError)
def out_of_range(request, exc: OverflowError):
    """A number past what the database holds (SQLite refuses ints over 64 bits where PostgreSQL
    just finds nothing) in an input whose schema sets no bound: invalid input, not a crash."""
    body = {"detail": "A number in the request is out of range.", "code": "out_of_range"}
    return api.create_response(request, body, status=422)


@api.exception_handler(Http404)
def not_found(request, exc: Http404):
    return api.create_response(request, {"detail": "Not found.", "code": "not_found"}, status=404)


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
    response={201: NewToken, **problems(400, 401, 409, 422, 429)},
    openapi_extra=BODY_LIMIT,
    exclude_unset=True,  # a Problem without a field has none, not `"field": null`
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


@api.get(
    "/tokens",
    response={200: list[TokenOut], **problems(401)},
    tags=["accounts"],
    summary="My live tokens",
)
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
    response={204: None, **problems(401, 403, 404, 422)},
    tags=["accounts"],
    summary="Revoke one",
)
def revoke_token(request, token_id: int = Path(..., ge=1, le=ID_MAX)):
    api_token_revoke(actor=request.user, token_id=token_id)
    return Status(204, None)


@api.get("/me", response={200: Me, **problems(401)}, tags=["accounts"], summary="Who I am")
def me(request):
    return {**user_summary(request.user), "calendar_url": calendar_feed_url(request.user)}


@api.post(
    "/realtime/ticket",
    response={201: TicketOut, **problems(401)},
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
    text: dict[str, str] = Field(
        default_factory=dict,
        description="the event as a sentence in each language, keyed by language code",
        examples=[{"zh-hans": "刘洋 批准了“WAT-01 取水许可”", "en": "Liu Yang approved …"}],
    )


class EventPage(Schema):
    stream: str
    items: list[EventOut]
    last_seq: int


@api.get(
    "/events",
    response={200: EventPage, **problems(401, 404, 422)},
    tags=["events"],
    summary="Events of one stream, oldest first",
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
api.add_router("", cases_router)
api.add_router("", ratings_router)
