"""A signal reaches each process once (the layer's PROCESSES_GROUP) and the process's hub
hands it to its own sockets in the groups it names (portal.site.live.LiveHub): once each, in
the order the signals came, never to a socket outside those groups or gone."""

import asyncio

import pytest
from channels.layers import get_channel_layer

from portal import realtime
from portal.site import live
from portal.site.consumers import INBOX_SIZE, EventsConsumer


class Socket:
    """What the hub sees of a consumer: its inbox."""

    def __init__(self, name):
        self.name = name
        self.got: list[int] = []

    def deliver(self, message):
        self.got.append(message["n"])


async def stop(hub):
    """End the hub's tasks and take its channel out of the layer's group."""
    for task in hub.tasks:
        task.cancel()
    await asyncio.gather(*hub.tasks, return_exceptions=True)
    if hub.channel is not None:
        await get_channel_layer().group_discard(realtime.PROCESSES_GROUP, hub.channel)


def test_each_socket_in_the_named_groups_gets_a_signal_once_in_order():
    hub = live.LiveHub()
    staff, helper, officer, stranger = (Socket(n) for n in ("staff", "helper", "o", "x"))
    hub.join(staff, ["user.1", "role.staff"])
    hub.join(helper, ["user.2", "department.9"])
    hub.join(officer, ["user.3", "department.9"])
    hub.join(stranger, ["user.4"])
    hub.dispatch({"n": 1, "groups": ["role.staff", "user.2", "department.9", "user.1"]})
    hub.dispatch({"n": 2, "groups": ["user.3"]})
    hub.dispatch({"n": 3, "groups": ["department.9"]})
    hub.dispatch({"n": 4, "groups": ["department.404"]})  # no one here: nothing
    assert staff.got == [1]  # in two of the groups: once
    assert helper.got == [1, 3]
    assert officer.got == [1, 2, 3]
    assert stranger.got == []
    hub.leave(officer, ["user.3", "department.9"])
    hub.dispatch({"n": 5, "groups": ["department.9", "user.3"]})
    assert officer.got == [1, 2, 3] and helper.got == [1, 3, 5]
    assert "user.3" not in hub.members  # an empty group is forgotten


def test_a_socket_too_far_behind_loses_signals_not_the_socket():
    consumer = EventsConsumer()
    consumer.inbox = asyncio.Queue(maxsize=INBOX_SIZE)
    for n in range(INBOX_SIZE + 5):
        consumer.deliver({"type": "event.signal", "n": n})  # never raises
    assert consumer.inbox.qsize() == INBOX_SIZE
    assert consumer.inbox.get_nowait()["n"] == 0  # the oldest kept first: the order stays


async def test_the_hub_listens_on_the_layer_and_hands_out_what_a_service_sends():
    hub = live.LiveHub()
    socket = Socket("helper")
    hub.register(socket)
    hub.join(socket, ["user.2"])
    await hub.until_listening()
    layer = get_channel_layer()
    assert hub.channel in layer.groups[realtime.PROCESSES_GROUP]
    try:
        # As a service's after-commit signal goes (from another thread, on the caller's way).
        await asyncio.to_thread(
            realtime.send_signals,
            [("user.2", {"type": "event.signal", "n": 1}), ("user.9", {"type": "x", "n": 2})],
        )
        for _ in range(50):
            if socket.got:
                break
            await asyncio.sleep(0.02)
        assert socket.got == [1]
    finally:
        await stop(hub)


async def test_the_membership_is_renewed_before_the_layer_forgets_it(monkeypatch):
    hub = live.LiveHub()
    hub.register(Socket("s"))
    await hub.until_listening()
    layer = get_channel_layer()
    try:
        first = hub.renewed_at
        assert first > 0
        layer.groups[realtime.PROCESSES_GROUP].pop(hub.channel)  # as an expiry would
        monkeypatch.setattr(live, "MEMBERSHIP_RENEW_SECONDS", 0.0)
        monkeypatch.setattr(live.settings, "LIVE_POLL_SECONDS", 0.01, raising=False)

        async def nothing_moved(since):
            return {}

        monkeypatch.setattr(live, "_moved_heads", nothing_moved)
        hub.tasks[0].cancel()  # the poller, started with the old interval: again, faster
        hub.tasks[0] = asyncio.get_running_loop().create_task(hub._poll_forever())
        for _ in range(100):
            if hub.channel in layer.groups.get(realtime.PROCESSES_GROUP, {}):
                break
            await asyncio.sleep(0.01)
        assert hub.channel in layer.groups[realtime.PROCESSES_GROUP]
        assert hub.renewed_at > first
    finally:
        await stop(hub)


@pytest.mark.parametrize("failing", ["receive", "group_add"])
async def test_a_failing_layer_lets_sockets_open_and_is_joined_again(monkeypatch, failing):
    """Redis away: a socket does not wait for it (the poller delivers), and when the layer
    answers again the hub is a member again and hands signals out."""
    layer = get_channel_layer()
    real = getattr(layer, failing)
    calls = {"n": 0}

    async def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] <= 2:
            raise ConnectionError("Redis went away")
        return await real(*args, **kwargs)

    monkeypatch.setattr(layer, failing, flaky)
    monkeypatch.setattr(live.asyncio, "sleep", _fast_sleep)
    hub = live.LiveHub()
    socket = Socket("s")
    hub.register(socket)
    hub.join(socket, ["user.2"])
    try:
        await asyncio.wait_for(hub.until_listening(), 1)  # answered at the first failure
        for _ in range(200):
            if hub.channel in layer.groups.get(realtime.PROCESSES_GROUP, {}) and calls["n"] > 2:
                break
            await _fast_sleep(0.005)
        await layer.group_send(
            realtime.PROCESSES_GROUP, {"type": "x", "n": 7, "groups": ["user.2"]}
        )
        for _ in range(200):
            if socket.got:
                break
            await _fast_sleep(0.005)
        assert socket.got == [7]
    finally:
        await stop(hub)


_real_sleep = asyncio.sleep


async def _fast_sleep(seconds, *args, **kwargs):
    return await _real_sleep(min(seconds, 0.005), *args, **kwargs)


@pytest.mark.django_db(transaction=True)  # the consumer's reads close old connections first
async def test_a_connect_that_fails_leaves_no_socket_behind(monkeypatch):
    """No disconnect follows a connect that raised: the hub must not keep handing signals to
    it (nor hold it in memory)."""
    from portal.site import consumers

    hub = live.LiveHub()
    monkeypatch.setattr(consumers, "hub", hub)

    async def last_event_id():
        return 0

    monkeypatch.setattr(consumers, "_last_event_id", last_event_id)
    monkeypatch.setattr(consumers.streams, "groups_for_user", lambda user: ["user.5"])

    class User:
        pk, is_authenticated, is_active = 5, True, True

    consumer = EventsConsumer()
    consumer.scope = {"user": User(), "session": None}

    async def accept(*args, **kwargs):
        raise ConnectionResetError("the client went away during the handshake")

    consumer.accept = accept
    try:
        with pytest.raises(ConnectionResetError):
            await consumer.connect()
        assert hub.members == {} and consumer not in hub.consumers
    finally:
        await stop(hub)
