"""The baseline of bench/realtime.py: bare Channels, one group, nothing else.

    python -m daphne -b 127.0.0.1 -p PORT bench._bare_asgi:application

Every websocket joins the groups named in its `?groups=a.b.c` query (the group "bench" when it
names none) and forwards what is sent to them as JSON, the way the portal's consumer forwards
an event; bench/realtime.py gives each bare socket one group per stream its portal
counterpart's user may read, so that each change reaches as many sockets on both sides.
`POST /send` with `{"group", "event"}` (or an event alone, for the group "bench") makes the
group_send inside this process (the in-memory layer is per process) and answers `{"t0"}`, the
wall-clock time just before the group_send (where the baseline's latency starts, as the
portal's starts at its commit); `GET` answers 200 (ready).
With REDIS_URL the layer is Redis, configured like the portal's (CHANNEL_LAYER_PREFIX, capacity,
pool size), so a sender in another process reaches the sockets of every process.
Not a benchmark itself: bench/run_all.py skips names starting with "_".
"""

from __future__ import annotations

import json
import os
import time
from urllib.parse import parse_qs

import django
from django.conf import settings

GROUP = "bench"


def channel_layers() -> dict:
    """The portal's channel-layer settings (portal/settings/base.py), but a working socket timeout.

    channels_redis 4.3 waits for messages with a 5 s BZPOPMIN; redis-py 8's default socket
    timeout is 5 s too (the portal sets 2 s), so an idle receive times out and a plain consumer
    ends its socket with 1011 within seconds. A bare deployment has to give the socket more
    time than the BZPOPMIN: 10 s here. Everything else is as the portal has it.
    """
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        # The portal's in-memory layer when bench/realtime.py names it (like with like: the
        # ratio is then the portal's own cost, not a difference of layers), else Channels'.
        backend = os.environ.get("BENCH_INMEMORY_BACKEND", "channels.layers.InMemoryChannelLayer")
        return {
            "default": {
                "BACKEND": backend,
                "CONFIG": {"capacity": 5000, "expiry": 60, "group_expiry": 9 * 24 * 3600},
            }
        }
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": redis_url,
                        "max_connections": int(os.environ.get("REDIS_MAX_CONNECTIONS", "2000")),
                        "socket_connect_timeout": 0.5,
                        "socket_timeout": 10,
                    }
                ],
                "capacity": int(os.environ.get("CHANNEL_CAPACITY", "5000")),
                "prefix": os.environ.get("CHANNEL_LAYER_PREFIX", "bench-bare"),
                "expiry": 60,
                "group_expiry": 9 * 24 * 3600,
            },
        }
    }


def configure() -> None:
    if not settings.configured:
        settings.configure(
            INSTALLED_APPS=["channels"],
            CHANNEL_LAYERS=channel_layers(),
            USE_TZ=True,
            LOGGING_CONFIG=None,
        )
        django.setup()


configure()

from channels.consumer import get_handler_name  # noqa: E402
from channels.generic.websocket import AsyncJsonWebsocketConsumer  # noqa: E402
from channels.layers import get_channel_layer  # noqa: E402
from channels.routing import ProtocolTypeRouter  # noqa: E402


class BareConsumer(AsyncJsonWebsocketConsumer):
    if os.environ.get("BENCH_BARE_DISPATCH") == "direct":
        # As the portal's consumer: no hop to the sync thread to close database connections
        # before every message (Channels' default, which a bare app without a database
        # pays too). bench/realtime.py --bare-dispatch direct.
        async def dispatch(self, message):
            await getattr(self, get_handler_name(message))(message)

    async def websocket_connect(self, message):
        # Joined before the handshake is accepted, as the portal's consumer does.
        query = parse_qs(self.scope.get("query_string", b"").decode())
        names = [g for g in (query.get("groups") or [""])[0].split(".") if g] or [GROUP]
        for group in names:
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups = names  # left on disconnect
        await self.accept()

    async def bench_event(self, message):
        await self.send_json({"type": "event", **message["event"]})


async def http_app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    status, answer = 200, {"ok": True}
    if scope["method"] == "POST" and scope["path"] == "/send":
        request = json.loads(body)
        group, event = request.get("group", GROUP), request.get("event", request)
        answer["t0"] = time.time()
        await get_channel_layer().group_send(group, {"type": "bench.event", "event": event})
    elif scope["method"] != "GET":
        status = 405
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(answer).encode()})


application = ProtocolTypeRouter({"http": http_app, "websocket": BareConsumer.as_asgi()})
