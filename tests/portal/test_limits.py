"""Request bodies over the limit are refused (413) before Django reads them."""

import pytest

from portal.site.limits import RequestBodyLimit

pytestmark = pytest.mark.django_db


async def call(headers, chunks):
    """Run the middleware around an app that reads the whole body, as Django does."""
    read = []

    async def app(scope, receive, send):
        while True:
            message = await receive()
            read.append(len(message.get("body", b"")))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    pending = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]

    async def receive():
        return pending.pop(0)

    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/v1/tokens", "headers": headers}
    await RequestBodyLimit(app)(scope, receive, send)
    return sent[0]["status"], sum(read)


async def test_a_declared_length_over_the_limit_is_refused_unread(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    status, read = await call(
        [(b"content-type", b"application/json"), (b"content-length", b"100000000")], [b"{}"]
    )
    assert (status, read) == (413, 0)


async def test_a_chunked_body_is_cut_off_at_the_limit(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    status, read = await call([(b"content-type", b"application/json")], [b"x" * 600] * 10)
    assert status == 413 and read <= 1200


async def test_uploads_may_be_as_large_as_the_upload_limit(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.PORTAL_UPLOAD_MAX_BYTES = 5000
    multipart = [(b"content-type", b"multipart/form-data; boundary=x")]
    assert (await call([*multipart, (b"content-length", b"4000")], [b"x" * 4000]))[0] == 200
    too_big = str(5000 + 2 * 1024 * 1024).encode()
    assert (await call([*multipart, (b"content-length", too_big)], [b"x"]))[0] == 413


async def test_a_length_that_is_not_a_number_is_refused(settings):
    status, _ = await call([(b"content-length", b"lots")], [b""])
    assert status == 413
