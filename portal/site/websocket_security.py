"""Who may open a websocket: one small validator in front of every websocket route.

- A browser always sends `Origin`. It must be the site itself (same scheme and host as the
  request, the host being one of ALLOWED_HOSTS) or one listed exactly, scheme and host, in
  CSRF_TRUSTED_ORIGINS or WEBSOCKET_ALLOWED_ORIGINS. No wildcards: a wildcard subdomain would
  let any page on a sibling host drive a signed-in user's socket.
- A client with no `Origin` is not a browser: it must present a valid one-time `?ticket=`,
  which authenticates it (scope["user"]). Anything else is refused before the consumer runs.
"""

from urllib.parse import parse_qs, urlsplit

from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

from portal.services import realtime_ticket_redeem


def _normalise(scheme: str, netloc: str) -> tuple[str, str] | None:
    scheme = scheme.lower()
    netloc = netloc.lower()
    if scheme not in {"http", "https"} or not netloc or "*" in netloc:
        return None
    default_port = {"http": "80", "https": "443"}[scheme]
    host, port = split_domain_port(netloc)
    if not host:
        return None
    return scheme, f"{host}:{port or default_port}"


def parse_origin(value: str) -> tuple[str, str] | None:
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    if parts.path not in {"", "/"} or parts.query or parts.fragment or parts.username:
        return None
    return _normalise(parts.scheme, parts.netloc)


def configured_origins() -> set[tuple[str, str]]:
    origins = set()
    for value in [*settings.CSRF_TRUSTED_ORIGINS, *settings.WEBSOCKET_ALLOWED_ORIGINS]:
        parsed = parse_origin(value)
        if parsed is not None:  # wildcard entries are ignored on purpose
            origins.add(parsed)
    return origins


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return None


def origin_allowed(scope) -> bool:
    origin = parse_origin(_header(scope, b"origin") or "")
    if origin is None:
        return False
    if origin in configured_origins():
        return True
    # Same origin: the page was served by the host this socket connects to.
    host = _header(scope, b"host") or ""
    domain, _port = split_domain_port(host.lower())
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    scheme = {"ws": "http", "wss": "https"}.get(scope.get("scheme", "ws"), "http")
    return origin == _normalise(scheme, host)


def ticket_from_scope(scope) -> str:
    query = parse_qs(scope.get("query_string", b"").decode("latin1"))
    values = query.get("ticket") or [""]
    return values[0]


@database_sync_to_async
def _redeem(ticket: str):
    return realtime_ticket_redeem(ticket=ticket)


class WebsocketOriginValidator:
    """ASGI middleware: allowed Origin, or no Origin and a valid one-time ticket."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            raise ValueError("WebsocketOriginValidator only guards websocket connections")
        if _header(scope, b"origin") is not None:
            if origin_allowed(scope):
                return await self.application(scope, receive, send)
        else:
            user = await _redeem(ticket_from_scope(scope))
            if user is not None:
                scope = dict(scope, user=user, authenticated_by="ticket")
                return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)
