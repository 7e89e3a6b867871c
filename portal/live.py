"""Per-process machinery behind the websockets: the log poller and the Redis watcher.

The event log is the truth; channel-layer signals only make delivery fast. Every daphne
process also polls the stream heads every couple of seconds and lets its own consumers catch
up from the log, so an event written by any process (web, worker, scheduler, a management
command) reaches its readers even when its signal was lost: Redis down, a full channel, or
the in-memory layer of another process. With Redis, a watcher notices a restart (which loses
group memberships) and closes the sockets so that clients reconnect, rejoin and resume.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from datetime import timedelta

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

CLOSE_RECONNECT = 4503  # "please reconnect and resume": the server lost its subscriptions


class LiveHub:
    """The consumers of this process, the poller and the watcher (started on first use)."""

    def __init__(self):
        self.consumers: weakref.WeakSet = weakref.WeakSet()
        self.tasks: list[asyncio.Task] = []
        self.loop = None
        self.redis_state: str | None = None  # "up:<run_id>" or "down"

    def register(self, consumer) -> None:
        self.consumers.add(consumer)
        loop = asyncio.get_running_loop()
        if self.loop is not loop or not self.tasks or any(t.done() for t in self.tasks):
            for task in self.tasks:
                task.cancel()
            self.loop = loop
            self.tasks = [loop.create_task(self._poll_forever())]
            if getattr(get_channel_layer(), "hosts", None):
                self.tasks.append(loop.create_task(self._watch_redis_forever()))

    def unregister(self, consumer) -> None:
        self.consumers.discard(consumer)

    # --- the poller -----------------------------------------------------------------------

    async def _poll_forever(self) -> None:
        since = timezone.now()
        while True:
            await asyncio.sleep(settings.LIVE_POLL_SECONDS)
            try:
                since = await self.poll_once(since)
            except asyncio.CancelledError:
                raise
            except Exception:  # a database hiccup: try again at the next tick
                logger.warning("live poll failed", exc_info=True)

    async def poll_once(self, since):
        """Let every local consumer catch up on the streams that moved since `since`."""
        now = timezone.now()
        # Look back a little: a transaction stamps its head before it commits.
        heads = await _moved_heads(since - timedelta(seconds=settings.LIVE_POLL_LOOKBACK))
        if heads:
            for consumer in list(self.consumers):
                with contextlib.suppress(Exception):
                    await consumer.catch_up_heads(heads)
        return now

    # --- the Redis watcher ----------------------------------------------------------------

    async def _watch_redis_forever(self) -> None:
        while True:
            await asyncio.sleep(settings.LIVE_REDIS_WATCH_SECONDS)
            state = await asyncio.to_thread(_redis_state)
            previous, self.redis_state = self.redis_state, state
            if previous is not None and state != previous and state != "down":
                # Redis came back or restarted: its group memberships are gone.
                logger.warning(
                    "channel layer %s -> %s: closing sockets to resubscribe", previous, state
                )
                await self.close_all(CLOSE_RECONNECT)

    async def close_all(self, code: int) -> None:
        for consumer in list(self.consumers):
            with contextlib.suppress(Exception):
                await consumer.close(code=code)


def _redis_state() -> str:
    import redis

    layer = get_channel_layer()
    try:
        client = redis.Redis.from_url(
            layer.hosts[0]["address"], socket_connect_timeout=1, socket_timeout=1
        )
        try:
            return "up:" + str(client.info("server").get("run_id"))
        finally:
            client.close()
    except Exception:
        return "down"


@database_sync_to_async
def _moved_heads(since) -> dict[str, int]:
    from projects.models import StreamHead

    return dict(StreamHead.objects.filter(updated_at__gte=since).values_list("stream", "last_seq"))


hub = LiveHub()
