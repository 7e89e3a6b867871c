"""Who may open /ws/events/: allowed Origin with a session, or no Origin and a one-time ticket."""

from datetime import timedelta

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client, override_settings
from django.utils import timezone

from portal.models import RealtimeTicket
from portal.services import realtime_ticket_issue
from portal.site.asgi import application
from portal.site.consumers import CLOSE_SESSION_ENDED, CLOSE_UNAUTHENTICATED

pytestmark = pytest.mark.django_db(transaction=True)


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def connect(path="/ws/events/", origin=None, host="portal.test", cookie=None):
    headers = [(b"host", host.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    if cookie is not None:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


@pytest.fixture
def user(make_user):
    return make_user("helper", "helper")


@override_settings(ALLOWED_HOSTS=["portal.test"])
async def test_same_origin_with_session_is_accepted_and_answers(user):
    from asgiref.sync import sync_to_async

    cookie = await sync_to_async(session_cookie)(user)
    ws, connected, _ = await connect(origin="http://portal.test", cookie=cookie)
    assert connected
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from(timeout=5) == {"type": "pong"}
    await ws.disconnect()


@override_settings(ALLOWED_HOSTS=["portal.test"])
@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "https://portal.test",  # other scheme than the socket (ws -> http)
        "http://portal.test.evil.example",
        "http://sub.portal.test",
        "null",
        "",
    ],
)
async def test_a_foreign_origin_is_refused(user, origin):
    from asgiref.sync import sync_to_async

    cookie = await sync_to_async(session_cookie)(user)
    ws, connected, _ = await connect(origin=origin, cookie=cookie)
    assert not connected


@override_settings(
    ALLOWED_HOSTS=["portal.test"],
    CSRF_TRUSTED_ORIGINS=["https://app.example.gov.cn", "https://*.example.gov.cn"],
)
async def test_exactly_listed_origins_pass_and_wildcards_never_do(user):
    from asgiref.sync import sync_to_async

    cookie = await sync_to_async(session_cookie)(user)
    ws, connected, _ = await connect(origin="https://app.example.gov.cn", cookie=cookie)
    assert connected
    await ws.disconnect()
    ws, connected, _ = await connect(origin="https://other.example.gov.cn", cookie=cookie)
    assert not connected


@override_settings(ALLOWED_HOSTS=["portal.test"])
async def test_a_host_outside_allowed_hosts_is_refused_even_if_same_origin(user):
    from asgiref.sync import sync_to_async

    cookie = await sync_to_async(session_cookie)(user)
    ws, connected, _ = await connect(
        origin="http://attacker.test", host="attacker.test", cookie=cookie
    )
    assert not connected


@override_settings(ALLOWED_HOSTS=["portal.test"])
async def test_allowed_origin_without_a_session_is_closed_as_unauthenticated():
    ws, connected, code = await connect(origin="http://portal.test")
    assert not connected
    assert code == CLOSE_UNAUTHENTICATED


async def test_missing_origin_without_ticket_is_refused(user):
    from asgiref.sync import sync_to_async

    cookie = await sync_to_async(session_cookie)(user)
    # A session cookie alone is not enough without Origin: that is not a browser.
    ws, connected, _ = await connect(cookie=cookie)
    assert not connected
    ws, connected, _ = await connect(path="/ws/events/?ticket=made-up")
    assert not connected


async def test_a_ticket_opens_one_connection_only(user):
    from asgiref.sync import sync_to_async

    ticket, _expires = await sync_to_async(realtime_ticket_issue)(actor=user)
    ws, connected, _ = await connect(path=f"/ws/events/?ticket={ticket}")
    assert connected
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from(timeout=5) == {"type": "pong"}
    await ws.disconnect()
    again, connected, _ = await connect(path=f"/ws/events/?ticket={ticket}")
    assert not connected


async def test_an_expired_ticket_is_refused(user):
    from asgiref.sync import sync_to_async

    ticket, _expires = await sync_to_async(realtime_ticket_issue)(actor=user)
    await RealtimeTicket.objects.all().aupdate(expires_at=timezone.now() - timedelta(seconds=1))
    ws, connected, _ = await connect(path=f"/ws/events/?ticket={ticket}")
    assert not connected


async def test_a_ticket_of_a_deactivated_user_is_refused(user):
    from asgiref.sync import sync_to_async

    ticket, _expires = await sync_to_async(realtime_ticket_issue)(actor=user)
    user.is_active = False
    await user.asave()
    ws, connected, _ = await connect(path=f"/ws/events/?ticket={ticket}")
    assert not connected


@override_settings(ALLOWED_HOSTS=["portal.test", "testserver"])
async def test_logging_out_closes_that_sessions_sockets_only(user):
    from asgiref.sync import sync_to_async

    def two_sessions():
        first, second = Client(), Client()
        first.force_login(user)
        second.force_login(user)
        return first, second

    first, second = await sync_to_async(two_sessions)()
    ws1, ok1, _ = await connect(
        origin="http://portal.test", cookie=first.cookies["sessionid"].value
    )
    ws2, ok2, _ = await connect(
        origin="http://portal.test", cookie=second.cookies["sessionid"].value
    )
    assert ok1 and ok2

    response = await sync_to_async(first.post)("/accounts/logout/")
    assert response.status_code == 302

    closed = await ws1.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": CLOSE_SESSION_ENDED}
    await ws2.send_json_to({"type": "ping"})
    assert await ws2.receive_json_from(timeout=5) == {"type": "pong"}
    await ws2.disconnect()
