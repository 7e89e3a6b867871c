"""Per-process machinery behind the websockets: the signals' fan-out, the log poller and the
Redis watcher.

Each process's hub is the one member of the channel layer's PROCESSES_GROUP it holds
(portal/realtime.py): a signal comes once per process, naming the groups it is for (a role, a
department, an enterprise, a user), and the hub puts it in the inbox of each of its sockets
in those groups (`join`, `leave`), in the order the signals came.

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
import random
import weakref
from datetime import timedelta

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import timezone

from portal.models import Event, StreamHead, User
from portal.realtime import PROCESSES_GROUP
from portal.roles import fill_roles
from portal.streams import readers_among

logger = logging.getLogger(__name__)

CLOSE_RECONNECT = 4503  # "please reconnect and resume": the server lost its subscriptions


# How long a batch of access decisions collects users before asking (see LiveHub._batched):
# a socket waiting for its answer, a few milliseconds; a decision made again behind an answer
# still valid (due 24-36 s into its 60), five seconds, so that a stream's listeners of a
# process go in a batch or two rather than one or two at a time (py-spy, --city).
BATCH_SECONDS = 0.005
BEHIND_BATCH_SECONDS = 5.0
# How often the hub renews its membership of PROCESSES_GROUP (a layer forgets a membership
# after its group expiry, a day by default), and how long a connecting socket waits for the
# hub to be listening before it goes on without (the poller delivers meanwhile).
MEMBERSHIP_RENEW_SECONDS = 600.0
LISTENING_WAIT_SECONDS = 2.0


class LiveHub:
    """The consumers of this process, the poller and the watcher (started on first use)."""

    def __init__(self):
        self.consumers: weakref.WeakSet = weakref.WeakSet()
        self.tasks: list[asyncio.Task] = []
        self.loop = None
        self.redis_state: str | None = None  # "up:<run_id>" or "down"
        # Shared by every socket of this process, so hundreds of sockets that see the same
        # stream for the first time cost one query, not hundreds.
        # (user id, stream) -> (allowed, decide again at, expires at), loop times.
        self.readable: dict[tuple[int, str], tuple[bool, float, float]] = {}
        self.event_ids: dict[tuple[str, int], int] = {}  # (stream, seq) -> event id
        self._pending: dict[tuple, asyncio.Future] = {}
        # (stream, window) -> the users whose access to it is decided together (_batched).
        self._batches: dict[tuple[str, float], _Batch] = {}
        self._deciding: set[tuple[int, str]] = set()
        self._generations: dict[int, int] = {}  # user id -> times their rights changed
        self._behind: set[asyncio.Task] = set()  # decisions made again behind an answer
        # stream -> last seq, as the last poll read them: a poll hands its consumers only the
        # streams that moved since (see poll_once).
        self.heads_seen: dict[str, int] = {}
        # group -> this process's consumers in it; the hub's own channel on the layer.
        self.members: dict[str, set] = {}
        self.channel: str | None = None
        self.listening: asyncio.Future | None = None
        self.renewed_at = 0.0

    async def _single_flight(self, key: tuple, compute):
        """Run `compute()` once for concurrent callers with the same key."""
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            value = await compute()
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved: no "never retrieved" warning
            raise
        finally:
            self._pending.pop(key, None)
        future.set_result(value)
        return value

    async def may_read(self, user_id: int, stream: str, ttl: float) -> bool:
        """May this user read this stream: a decision made at most `ttl` seconds ago.

        Past about half its life (give or take a fifth, so that decisions made together are
        not all made again together) a decision is made again behind the answer, which stays
        the old one until the new one is in: a stream's first signal decides for every user
        who hears it, and when all of those had to be made again before the next delivery,
        hundreds of queries stood between a change and its sockets (bench/realtime.py). A
        decision older than `ttl` is never used, and a change of the user's rights that
        reaches them on their own stream forgets theirs (`forget_user`) at once.
        """
        key = (user_id, stream)
        now = asyncio.get_running_loop().time()
        cached = self.readable.get(key)
        if cached is not None:
            allowed, decide_again_at, expires_at = cached
            if now < expires_at:
                if now >= decide_again_at:
                    self._decide_behind(key, ttl)
                return allowed
        return await self._decide(key, ttl)

    async def _decide(
        self, key: tuple[int, str], ttl: float, window: float = BATCH_SECONDS
    ) -> bool:
        user_id, stream = key
        generation = self._generations.get(user_id, 0)
        started = asyncio.get_running_loop().time()
        self._deciding.add(key)
        try:
            allowed = await self._batched(stream, user_id, window)
        finally:
            self._deciding.discard(key)
        # Not if the user's rights changed while this was being decided.
        if self._generations.get(user_id, 0) == generation:
            if len(self.readable) > 100_000:
                self.readable.clear()
            again = ttl * random.uniform(0.4, 0.6)  # noqa: S311 - spreading work, not a secret
            self.readable[key] = (allowed, started + again, started + ttl)
        return allowed

    async def _batched(self, stream: str, user_id: int, window: float) -> bool:
        """Whether this user may read the stream, decided together with every other user
        asked about the same stream within `window` seconds (BATCH_SECONDS for a socket
        waiting for the answer, BEHIND_BATCH_SECONDS for a decision made again behind an
        answer still valid, due at moments spread on purpose): a signal reaches hundreds of
        sockets at once, and one decision per user and stream (a fresh user, their roles,
        enterprises, departments and grants: four or five queries each, on the process's one
        database thread) was more than half of daphne's CPU with 2,000 sockets
        (bench/realtime.py --city, py-spy); a batch costs a fixed few queries
        (portal.streams.readers_among, as the notification fan-out asks)."""
        loop = asyncio.get_running_loop()
        batch = self._batches.get((stream, window))
        if batch is None or batch.readers.get_loop() is not loop:  # none, or a gone loop's
            batch = self._batches[(stream, window)] = _Batch()
            batch.task = loop.create_task(self._run_batch(stream, window, batch))
        batch.user_ids.add(user_id)
        readers = await asyncio.shield(batch.readers)
        return user_id in readers

    async def _run_batch(self, stream: str, window: float, batch: _Batch) -> None:
        try:
            await asyncio.sleep(window)  # the others asked about the same stream meanwhile
        except asyncio.CancelledError:
            batch.readers.cancel()  # its waiters are told, not left waiting
            raise
        finally:
            if self._batches.get((stream, window)) is batch:
                del self._batches[(stream, window)]  # who asks from now on: the next batch
        try:
            batch.readers.set_result(await _readers_of(stream, sorted(batch.user_ids)))
        except asyncio.CancelledError:
            batch.readers.cancel()
            raise
        except Exception as error:
            batch.readers.set_exception(error)
            batch.readers.exception()  # retrieved: no "never retrieved" warning

    def _decide_behind(self, key: tuple[int, str], ttl: float) -> None:
        if key in self._deciding:
            return
        task = asyncio.get_running_loop().create_task(self._decide(key, ttl, BEHIND_BATCH_SECONDS))
        self._behind.add(task)
        task.add_done_callback(self._behind_done)

    def _behind_done(self, task: asyncio.Task) -> None:
        self._behind.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.warning("deciding stream access failed", exc_info=task.exception())

    def forget_user(self, user_id: int) -> None:
        """The user's access changed: decide afresh for every stream."""
        self._generations[user_id] = self._generations.get(user_id, 0) + 1
        for key in [k for k in self.readable if k[0] == user_id]:
            del self.readable[key]

    def remember(self, stream: str, seq: int, event_id: int) -> None:
        if len(self.event_ids) > 200_000:
            self.event_ids.clear()
        self.event_ids[(stream, seq)] = event_id

    async def id_of(self, stream: str, seq: int) -> int | None:
        """The id of an event, known from a signal or read once for the whole process."""
        key = (stream, seq)
        if key not in self.event_ids:
            found = await self._single_flight(("id", stream, seq), lambda: _event_id(stream, seq))
            if found is not None:
                self.remember(stream, seq, found)
            return found
        return self.event_ids[key]

    def register(self, consumer) -> None:
        self.consumers.add(consumer)
        loop = asyncio.get_running_loop()
        if self.loop is not loop or not self.tasks or any(t.done() for t in self.tasks):
            for task in self.tasks:
                task.cancel()
            if self.loop is not loop:
                self.members = {}  # another loop's consumers (tests): gone with it
            self.loop = loop
            self.listening = loop.create_future()
            self.tasks = [
                loop.create_task(self._poll_forever()),
                loop.create_task(self._listen_forever(self.channel)),
            ]
            self.channel = None
            if getattr(get_channel_layer(), "hosts", None):
                self.tasks.append(loop.create_task(self._watch_redis_forever()))

    def unregister(self, consumer) -> None:
        self.consumers.discard(consumer)

    # --- the signals ----------------------------------------------------------------------

    def join(self, consumer, groups) -> None:
        for group in groups:
            self.members.setdefault(group, set()).add(consumer)

    def leave(self, consumer, groups) -> None:
        for group in groups:
            members = self.members.get(group)
            if members is not None:
                members.discard(consumer)
                if not members:
                    del self.members[group]

    async def until_listening(self) -> None:
        """Wait (a little) until signals reach this process: a socket that accepts before then
        would miss what is sent meanwhile until the next poll."""
        if self.listening is not None and not self.listening.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self.listening), LISTENING_WAIT_SECONDS)

    def dispatch(self, message: dict) -> None:
        """Put a signal in the inbox of each of this process's consumers in its groups (once
        each, whatever the number of its groups they are in)."""
        groups = message.get("groups") or ()
        if len(groups) == 1:
            targets = self.members.get(groups[0], ())
        else:
            targets = set()
            for group in groups:
                targets |= self.members.get(group, set())
        for consumer in list(targets):
            consumer.deliver(message)

    async def _listen_forever(self, previous: str | None) -> None:
        layer = get_channel_layer()
        if previous is not None:  # another loop's channel (tests): it reads nothing now
            with contextlib.suppress(Exception):
                await layer.group_discard(PROCESSES_GROUP, previous)
        failures, joined = 0, False
        while True:
            try:
                if self.channel is None:
                    self.channel = await layer.new_channel()
                if not joined:
                    await self.renew_membership()
                    joined = True
                if not self.listening.done():
                    self.listening.set_result(None)
                message = await layer.receive(self.channel)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if "Timeout" in type(error).__name__ and joined:
                    continue  # an idle blocking read ran out: simply read again
                joined = False  # a layer that failed (Redis restarted) may have forgotten it
                failures += 1
                if failures == 1:
                    logger.warning("channel layer receive failed; retrying", exc_info=True)
                if not self.listening.done():
                    self.listening.set_result(None)  # sockets go on: the poller delivers
                await asyncio.sleep(min(5.0, 0.5 * failures))
                continue
            try:
                self.dispatch(message)
            except Exception:  # noqa: BLE001 - one bad message must not stop the signals
                logger.warning("a signal could not be handed out", exc_info=True)

    async def renew_membership(self) -> None:
        """Be (again) the member of PROCESSES_GROUP this process's channel makes: at the start,
        every MEMBERSHIP_RENEW_SECONDS (a layer forgets a membership after its group expiry)
        and after Redis restarted (it forgot them all)."""
        if self.channel is not None:
            await get_channel_layer().group_add(PROCESSES_GROUP, self.channel)
            self.renewed_at = asyncio.get_running_loop().time()

    # --- the poller -----------------------------------------------------------------------

    async def _poll_forever(self) -> None:
        since = timezone.now()
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(settings.LIVE_POLL_SECONDS)
            try:
                if loop.time() - self.renewed_at > MEMBERSHIP_RENEW_SECONDS:
                    await self.renew_membership()
                since = await self.poll_once(since)
            except asyncio.CancelledError:
                raise
            except Exception:  # a database hiccup: try again at the next tick
                logger.warning("live poll failed", exc_info=True)

    async def poll_once(self, since):
        """Let every local consumer catch up on the streams that moved since `since`.

        The heads are read with a lookback (a transaction stamps its head before it commits,
        so a late commit shows up with an older stamp), which returns the same streams on
        every tick for LIVE_POLL_LOOKBACK seconds; only those whose seq differs from the last
        poll's reading go to the consumers. Handing every consumer every head of the window
        on every tick cost hundreds of thousands of checks per tick with 500 sockets and a
        change a second (each change moves its project's stream and its notified people's),
        on the event loop that delivers the signals (bench/realtime.py --city). When a
        consumer fails to catch up, the next tick offers the same streams again."""
        now = timezone.now()
        heads = await _moved_heads(since - timedelta(seconds=settings.LIVE_POLL_LOOKBACK))
        moved = {s: seq for s, seq in heads.items() if self.heads_seen.get(s) != seq}
        caught_up = True
        for done, consumer in enumerate(list(self.consumers) if moved else (), start=1):
            try:
                await consumer.catch_up_heads(moved)
            except Exception:  # noqa: BLE001 - one socket's failure must not stop the others
                caught_up = False
            if done % 100 == 0:
                await asyncio.sleep(0)  # let the signals waiting meanwhile go out
        if caught_up:
            self.heads_seen = heads
        return now

    # --- the Redis watcher ----------------------------------------------------------------

    async def _watch_redis_forever(self) -> None:
        while True:
            await asyncio.sleep(settings.LIVE_REDIS_WATCH_SECONDS)
            state = await asyncio.to_thread(_redis_state)
            previous, self.redis_state = self.redis_state, state
            if previous is not None and state != previous and state != "down":
                # Redis came back or restarted: its group memberships are gone. The hub joins
                # again; the sockets resume from the log (what was signalled meanwhile).
                logger.warning(
                    "channel layer %s -> %s: joining again, closing sockets to resume",
                    previous,
                    state,
                )
                with contextlib.suppress(Exception):
                    await self.renew_membership()
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


class _Batch:
    """The users whose access to one stream is decided in one go, and the answer."""

    def __init__(self):
        self.user_ids: set[int] = set()
        self.readers: asyncio.Future = asyncio.get_running_loop().create_future()
        self.task: asyncio.Task | None = None  # held: the loop keeps only a weak reference


@database_sync_to_async
def _readers_of(stream: str, user_ids: list[int]) -> set[int]:
    # Fresh users each time: rights and activity as they are now (inactive ones read nothing).
    users = list(User.objects.filter(pk__in=user_ids).prefetch_related("groups"))
    fill_roles(users)
    return readers_among(users, stream)


@database_sync_to_async
def _event_id(stream: str, seq: int) -> int | None:
    return Event.objects.filter(stream=stream, seq=seq).values_list("id", flat=True).first()


@database_sync_to_async
def _moved_heads(since) -> dict[str, int]:
    return dict(StreamHead.objects.filter(updated_at__gte=since).values_list("stream", "last_seq"))


hub = LiveHub()
