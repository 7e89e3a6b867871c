"""Opening /ws/events/ in a test as a signed-in person (session cookie and an allowed Origin)."""

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from portal.site.asgi import application


async def open_socket(user):
    """A connected websocket of `user` (settings.ALLOWED_HOSTS must accept portal.test)."""

    def login():
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    cookie = await sync_to_async(login)()
    ws = WebsocketCommunicator(
        application,
        "/ws/events/",
        headers=[
            (b"host", b"portal.test"),
            (b"origin", b"http://portal.test"),
            (b"cookie", f"sessionid={cookie}".encode()),
        ],
    )
    connected, _ = await ws.connect(timeout=5)
    assert connected
    return ws
