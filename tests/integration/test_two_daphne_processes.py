"""Two daphne processes sharing Redis: a group message sent by one reaches a socket on the other.

The message is a real one: logging out through process A closes that session's socket held
by process B (and only that session's).
"""

import asyncio
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
import websockets
from django.test import Client

from cms.demo import seed_home_pages
from portal.site.consumers import CLOSE_SESSION_ENDED
from tests.conftest import free_port

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def logout_through(server_url: str, session_key: str) -> int:
    """POST the logout form as a browser would: session cookie, CSRF cookie and token."""
    cookie = f"sessionid={session_key}"
    with urllib.request.urlopen(
        urllib.request.Request(f"{server_url}/", headers={"Cookie": cookie}), timeout=10
    ) as response:
        page = response.read().decode()
        csrf_cookie = re.search(r"csrftoken=([^;]+)", response.headers.get("Set-Cookie", ""))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert csrf_cookie and token, "the home page of a signed-in user has the logout form"
    request = urllib.request.Request(
        f"{server_url}/accounts/logout/",
        data=urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1)}).encode(),
        method="POST",
        headers={"Cookie": f"{cookie}; csrftoken={csrf_cookie.group(1)}"},
    )
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as redirect:
        return redirect.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


async def open_socket(server_url: str, session_key: str):
    ws_url = server_url.replace("http://", "ws://") + "/ws/events/"
    return await websockets.connect(
        ws_url,
        origin=server_url,
        additional_headers={"Cookie": f"sessionid={session_key}"},
        open_timeout=10,
    )


def test_logout_on_one_process_closes_the_socket_held_by_the_other(
    redis_url, postgres, start_daphne, make_user
):
    seed_home_pages()
    user = make_user("helper", "helper")
    mine, other = Client(), Client()
    mine.force_login(user)
    other.force_login(user)
    mine_key, other_key = mine.cookies["sessionid"].value, other.cookies["sessionid"].value

    env = {"REDIS_URL": redis_url, "CHANNEL_LAYER_PREFIX": f"it-{uuid.uuid4().hex[:8]}"}
    server_a = start_daphne(free_port(), **env)
    server_b = start_daphne(free_port(), **env)

    async def scenario():
        ws_mine = await open_socket(server_b.url, mine_key)
        ws_other = await open_socket(server_b.url, other_key)
        try:
            await ws_mine.send('{"type": "ping"}')
            assert "pong" in await asyncio.wait_for(ws_mine.recv(), 10)

            status = await asyncio.to_thread(logout_through, server_a.url, mine_key)
            assert status == 302  # logged out, sent home

            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws_mine.recv(), 10)
            assert closed.value.rcvd.code == CLOSE_SESSION_ENDED

            await ws_other.send('{"type": "ping"}')
            assert "pong" in await asyncio.wait_for(ws_other.recv(), 10)
        finally:
            await ws_mine.close()
            await ws_other.close()

    asyncio.run(scenario())
