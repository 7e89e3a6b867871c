"""Request bodies over the limit are refused before they are read (413), in front of Django.

Django reads a whole body into memory or a temporary file before any view runs, so without this
a 100 MB anonymous POST is read in full. A declared length over the limit is refused at once; a
body without a declared length (chunked) is counted as it arrives and cut off at the limit.
Uploads (multipart) may be as large as the upload limit plus room for the form; anything else
as large as Django's own DATA_UPLOAD_MAX_MEMORY_SIZE.
"""

from __future__ import annotations

from django.conf import settings

MULTIPART_ROOM = 1024 * 1024  # the form fields and boundaries around an upload


class BodyTooLarge(Exception):
    pass


def body_limit(scope) -> int:
    headers = dict(scope.get("headers") or [])
    content_type = headers.get(b"content-type", b"").decode("latin1").lower()
    if content_type.startswith("multipart/form-data"):
        return settings.PORTAL_UPLOAD_MAX_BYTES + MULTIPART_ROOM
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


async def _refuse(send, limit: int) -> None:
    body = f"Request body too large: at most {limit} bytes.\n".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestBodyLimit:
    """ASGI middleware for the HTTP side."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = body_limit(scope)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = True  # a length that is not a number is not served
            if too_big:
                return await _refuse(send, limit)
        received = 0
        started = False

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def watched_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if not started:
                await _refuse(send, limit)
