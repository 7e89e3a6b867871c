"""The one websocket of a browser tab: `/ws/events/`.

Protocol (JSON):
- client -> server `{"type": "resume", "after": {"project:12": 40, ...}, "unread": true}`:
  send what follows each named cursor, then live events. A stream the client does not name
  starts from the moment of connection. With `"unread": true` (a page showing the unread
  badge) the server then sends `{"type": "unread", "count": N}`, the person's unread
  notifications now: what came while the tab was away or before the socket opened.
- server -> client `{"type": "event", "stream", "seq", "event", "at", "actor", "data"}`, each
  once and in seq order per stream; `{"type": "heartbeat"}` every 25 s; `{"type": "resync",
  "stream"}` when a cursor cannot be served (ahead of the log, or no longer readable).

Delivery follows the Zulip lesson: the event log is the truth. A signal (which the process's
hub takes from the channel layer and hands to its sockets in the signal's groups) is
forwarded when its seq is the next one; a gap, a first sight of a stream, a resume
or the process poller reads the log instead. Permission is decided per stream, cached per
connection and forgotten when the user's own stream says their access changed.
"""

from __future__ import annotations

import asyncio
import contextlib

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch
from django.conf import settings

from portal import streams
from portal.events import last_event_id, serialize_event
from portal.models import Event, StreamHead, User
from portal.notifications import unread_count
from portal.realtime import STAFF_GROUP
from portal.signals import session_fingerprint

from .live import CLOSE_RECONNECT, hub

CLOSE_UNAUTHENTICATED = 4401
CLOSE_SESSION_ENDED = 4001
CLOSE_DEACTIVATED = 4403
# A tab follows a handful of streams; a resume naming more is refused, not served.
MAX_RESUME_STREAMS = 200
# Signals waiting for one socket at most (its client reading slower than the changes come);
# past that they are dropped and the log fills the gap.
INBOX_SIZE = 500
PERMISSION_TTL = 60.0

__all__ = ["CLOSE_RECONNECT", "EventsConsumer"]


class EventsConsumer(AsyncJsonWebsocketConsumer):
    async def __call__(self, scope, receive, send):
        # As AsyncConsumer.__call__, but the messages of the channel layer come from this
        # process's hub (portal/site/live.py), not from a channel of the socket's own: the
        # signals come once per process and the hub hands them out (`deliver`).
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = None
        self.inbox: asyncio.Queue = asyncio.Queue(maxsize=INBOX_SIZE)
        self.channel_receive = self.inbox.get
        self.base_send = quiet_after_close(send)
        with contextlib.suppress(StopConsumer):
            await await_many_dispatch([receive, self.channel_receive], self.dispatch)

    def deliver(self, message: dict) -> None:
        """A signal for one of this socket's groups (from the hub). A socket too far behind to
        take it (its client reads slower than the changes come) loses the signal, not the
        event: the poller and the next signal's gap read the log."""
        with contextlib.suppress(asyncio.QueueFull):
            self.inbox.put_nowait(message)

    async def dispatch(self, message):
        # As AsyncConsumer.dispatch, without its `aclose_old_connections()` before every
        # message: that is a hop to the one sync thread for each message to each socket (a
        # quarter of daphne's CPU when a change reaches hundreds of sockets), and it is not
        # needed here: this consumer and the hub read the database only through
        # database_sync_to_async, which closes old connections itself before and after each
        # read (tests/portal/test_consumer_connections.py).
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        session = self.scope.get("session")
        self.session_fingerprint = (
            session_fingerprint(session.session_key) if session is not None else None
        )
        self.cursors: dict[str, int] = {}
        self.lock = asyncio.Lock()
        # Events with a larger id were written after this connection: "from now on".
        self.base_id = await _last_event_id()
        self.groups_joined = await database_sync_to_async(streams.groups_for_user)(user)
        # Staff read every stream of the kinds that say so: no query to decide it.
        self.is_staff = STAFF_GROUP in self.groups_joined
        hub.register(self)
        hub.join(self, self.groups_joined)
        try:
            await hub.until_listening()
            await self.accept()
        except BaseException:  # no disconnect follows a connect that failed: leave here
            hub.leave(self, self.groups_joined)
            hub.unregister(self)
            raise
        self.heartbeat = asyncio.create_task(self._heartbeat())

    async def disconnect(self, code):
        hub.unregister(self)
        hub.leave(self, getattr(self, "groups_joined", []))
        task = getattr(self, "heartbeat", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _heartbeat(self):
        while True:
            await asyncio.sleep(settings.WEBSOCKET_HEARTBEAT_SECONDS)
            await self.send_json({"type": "heartbeat"})

    # --- from the client ----------------------------------------------------------------

    @classmethod
    async def decode_json(cls, text_data):
        import json

        try:
            return json.loads(text_data)
        except ValueError:
            return None  # ignored: a bad message must not end the connection

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "resume":
            after = content.get("after") or {}
            if not isinstance(after, dict) or len(after) > MAX_RESUME_STREAMS:
                await self.send_json(
                    {
                        "type": "error",
                        "detail": f"after: a map of at most {MAX_RESUME_STREAMS} stream -> seq",
                    }
                )
                return
            async with self.lock:
                for stream, seq in after.items():
                    if not isinstance(seq, int) or not 0 <= seq < 2**63:
                        continue
                    if streams.parse(stream) is None:  # no such kind: answered without a query
                        await self.send_json({"type": "resync", "stream": str(stream)[:80]})
                        continue
                    await self._resume(stream, seq)
                if content.get("unread") is True:
                    count = await database_sync_to_async(unread_count)(self.user)
                    await self.send_json({"type": "unread", "count": count})

    async def _resume(self, stream: str, seq: int) -> None:
        if not await self._may_read(stream):
            self.cursors.pop(stream, None)
            await self.send_json({"type": "resync", "stream": stream})
            return
        head = await _head(stream)
        if seq > head:  # the client knows more than the log: it must reload
            await self.send_json({"type": "resync", "stream": stream})
            return
        # Never backwards: events this connection sent before the resume arrived (a signal or
        # the poller got there first) are on their way to the client already.
        self.cursors[stream] = max(seq, self.cursors.get(stream, seq))
        await self._read_log(stream)

    # --- from the channel layer and the poller ------------------------------------------

    async def event_signal(self, message):
        """A change was committed somewhere: forward it, or read the log on a gap."""
        event = message.get("event") or {}
        stream, seq = event.get("stream"), event.get("seq")
        if not isinstance(stream, str) or not isinstance(seq, int):
            return
        async with self.lock:
            if not await self._may_read(stream):
                if self.cursors.pop(stream, None) is not None:
                    await self.send_json({"type": "resync", "stream": stream})
                return
            event_id = message.get("id")
            if isinstance(event_id, int):
                hub.remember(stream, seq, event_id)
            cursor = self.cursors.get(stream)
            if cursor is not None and seq <= cursor:
                return  # seen already
            if cursor is not None and seq == cursor + 1:
                await self._send_event(event)
            elif cursor is None and await self._first_since_connection(stream, seq):
                await self._send_event(event)  # the stream's first event since we connected
            else:
                await self._read_log(stream)  # a gap: the log has what the signals missed

    async def catch_up_heads(self, heads: dict[str, int]) -> None:
        """The poller saw these streams move: read the log where this socket is behind."""
        own = f"user:{self.user.pk}"
        async with self.lock:
            for stream, last_seq in heads.items():
                if stream.startswith("user:") and stream != own:
                    continue  # someone else's notifications: most of the moved streams
                cursor = self.cursors.get(stream)
                if cursor is not None and cursor >= last_seq:
                    continue
                if await self._may_read(stream):
                    await self._read_log(stream)
                elif cursor is not None:
                    self.cursors.pop(stream, None)
                    await self.send_json({"type": "resync", "stream": stream})

    async def _first_since_connection(self, stream: str, seq: int) -> bool:
        """True when the event before this one was written before this socket connected."""
        if seq == 1:
            return True
        previous = await hub.id_of(stream, seq - 1)
        return previous is not None and previous <= self.base_id

    async def _read_log(self, stream: str) -> None:
        cursor = self.cursors.get(stream)
        while True:
            rows = await _events(stream, cursor, self.base_id)
            for event in rows:
                await self._send_event(event)
            if len(rows) < 500:
                return
            cursor = self.cursors.get(stream)

    async def _send_event(self, event: dict) -> None:
        self.cursors[event["stream"]] = event["seq"]
        await self.send_json({"type": "event", **event})
        if event["stream"] == f"user:{self.user.pk}":
            event_type = streams.event_type(event["event"])
            if event_type is not None and event_type.changes_access:
                hub.forget_user(self.user.pk)  # assignments changed: decide access afresh
                await self._rejoin_groups()
            if event_type is not None and event_type.ends_session:
                await self.close(code=CLOSE_DEACTIVATED)

    async def _rejoin_groups(self) -> None:
        """Join the groups the user's new rights bring (a department, an enterprise), leave
        the ones they lost, so signals arrive at once rather than through the poller."""
        wanted = await database_sync_to_async(_fresh_groups)(self.user.pk)
        hub.leave(self, set(self.groups_joined) - set(wanted))
        hub.join(self, set(wanted) - set(self.groups_joined))
        self.groups_joined = wanted

    async def _may_read(self, stream: str) -> bool:
        kind = streams.kind_of(stream)
        if kind is None:
            return False
        if self.is_staff and kind.staff_read_all:
            return True
        if kind.kind == "user":
            return stream == f"user:{self.user.pk}"
        return await hub.may_read(self.user.pk, stream, PERMISSION_TTL)

    async def session_ended(self, message):
        # A ticket connection has no session: it ends when its user is deactivated (None).
        if message.get("session") is None or message.get("session") == self.session_fingerprint:
            await self.close(code=CLOSE_SESSION_ENDED)


def quiet_after_close(send):
    """The server's `send`, ignoring a message for a socket the client has just closed.

    Between the client's close frame and daphne's notice of the disconnect (which reaches the
    consumer next), daphne's websocket raises `Disconnected` for anything sent; a signal or a
    heartbeat landing in that moment ended the consumer with "Exception inside application"
    and a traceback in the log (bench/realtime.py --city, as 2,000 sockets closed). Nothing
    is lost: the client resumes from its last seq when it connects again."""

    async def sending(message):
        try:
            await send(message)
        except Exception as error:
            if type(error).__name__ != "Disconnected":
                raise

    return sending


_last_event_id = database_sync_to_async(last_event_id)


def _fresh_groups(user_id: int) -> list[str]:
    """The groups of the user as their rights are now (a fresh object: no cached roles)."""
    user = User.objects.filter(pk=user_id).first()
    return streams.groups_for_user(user) if user is not None else []


@database_sync_to_async
def _head(stream: str) -> int:
    return StreamHead.objects.filter(stream=stream).values_list("last_seq", flat=True).first() or 0


@database_sync_to_async
def _events(stream: str, after_seq: int | None, base_id: int) -> list[dict]:
    rows = Event.objects.filter(stream=stream).select_related("actor").order_by("seq")
    # A stream followed since connection continues from its cursor; a new one from "now".
    rows = rows.filter(seq__gt=after_seq) if after_seq is not None else rows.filter(id__gt=base_id)
    return [serialize_event(row) for row in rows[:500]]
