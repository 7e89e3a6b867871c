"""Signals to websocket consumers through the channel layer.

The database is the truth; a signal only wakes consumers up. A channel-layer failure (Redis
down) must never turn a committed change into an error, so sending is best effort, logged,
and scheduled after commit so nothing is sent for a rolled-back change.
"""

import asyncio
import logging
import os
import threading
import time

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


# The groups a socket belongs to are by role, department, enterprise and user, never one per
# stream per connection: a staff member reads thousands of streams on one socket.
STAFF_GROUP = "role.staff"

# On the channel layer there is one group: each daphne process's hub (portal/site/live.py),
# one member per process. A signal names the groups it is for and goes once to every process,
# whose hub hands it to its own sockets in those groups. Sent to the sockets' groups on the
# layer instead, a change reaching 500 sockets of a process was 500 messages through Redis
# and 500 receives in that process (with 2,000 sockets, daphne's CPU at 2.2-2.4x bare
# Channels and one-at-a-time p99 at 1.75-1.82x it, bench/realtime.py --city); now it is one.
PROCESSES_GROUP = "live.processes"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


# After a failure, skip sending for a while: the pollers deliver from the log meanwhile, and
# requests do not each wait for a Redis that is down.
BACKOFF_SECONDS = 5.0
_failed_at = 0.0


def send_to_groups(groups: list[str], message: dict) -> None:
    send_signals([(group, message) for group in groups])


def send_signals(sends: list[tuple[str, dict]]) -> None:
    """Signal each (group, message), in the order given: one message per distinct message to
    every process (PROCESSES_GROUP), carrying the groups it is for, one after the other. (Sent
    all at once, the same work only shuffled who heard first on a busy machine and put later
    events of a stream ahead of earlier ones, each such gap a log read per socket:
    bench/realtime.py, p50 twice as long, bursts' p99 3.5x.)"""
    global _failed_at
    layer = get_channel_layer()
    if layer is None or not sends:
        return
    if time.monotonic() - _failed_at < BACKOFF_SECONDS:
        return
    messages: dict[int, tuple[dict, list[str]]] = {}
    for group, message in sends:
        messages.setdefault(id(message), (message, []))[1].append(group)
    signals = [{**message, "groups": groups} for message, groups in messages.values()]

    async def send_all():
        for signal in signals:
            await layer.group_send(PROCESSES_GROUP, signal)

    try:
        if isinstance(layer, InMemoryChannelLayer):
            # The embedded layer's queues belong to the loop its consumers wait on.
            async_to_sync(send_all)()
        else:
            _courier().send(send_all())
    except Exception:  # the layer is a courier, not the record: log and go on
        _failed_at = time.monotonic()
        logger.warning(
            "channel layer unavailable; signals to %s not sent",
            sorted({group for group, _message in sends}),
            exc_info=True,
        )


class _Courier:
    """An event loop of its own, in a thread of its own, for this process's sends to Redis.

    `async_to_sync` outside a running loop (the worker, a command) makes a new loop for each
    call, and channels_redis a new pool, so every signal opened connections to Redis again; in
    daphne it runs the sends on the loop that is delivering to the sockets, behind that work.
    Here the connections stay open and the sends start at once."""

    def __init__(self):
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="portal-signals", daemon=True
        )
        self.thread.start()

    def send(self, coroutine) -> None:
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            future.result(timeout=SEND_TIMEOUT_SECONDS)
        except TimeoutError:
            future.cancel()
            raise


SEND_TIMEOUT_SECONDS = 5.0
_courier_lock = threading.Lock()
_the_courier: _Courier | None = None


def _courier() -> _Courier:
    global _the_courier
    with _courier_lock:
        if _the_courier is None or _the_courier.pid != os.getpid():  # none yet, or forked
            _the_courier = _Courier()
        return _the_courier


def send_to_groups_on_commit(groups: list[str], message: dict) -> None:
    transaction.on_commit(lambda: send_to_groups(groups, message), robust=True)
