"""How a change's signals leave the process: one message per change to every process (the
layer's PROCESSES_GROUP) naming the groups it is for, one after the other in the order given,
through one event loop and its Redis connections that stay open, never as an error for the
change that committed."""

import asyncio

import pytest

from portal import realtime


class SlowLayer:
    """A channel layer whose every send takes a while, recording when each starts and ends."""

    def __init__(self, fail_on: str | None = None):
        self.log: list[tuple[str, str, int]] = []
        self.fail_on = fail_on

    async def group_send(self, group, message):
        assert group == realtime.PROCESSES_GROUP
        groups = tuple(message["groups"])
        self.log.append(("start", groups, message["n"]))
        await asyncio.sleep(0.02)
        if self.fail_on in groups:
            raise ConnectionError("Redis went away")
        self.log.append(("end", groups, message["n"]))


@pytest.fixture
def layer(monkeypatch):
    fake = SlowLayer()
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: fake)
    return fake


def test_one_message_per_change_names_its_groups_in_the_order_given(layer):
    first, second = {"n": 1}, {"n": 2}
    sends = [("role.staff", first), ("user.2", first), ("user.1", second)]
    realtime.send_signals(sends)
    assert layer.log == [
        ("start", ("role.staff", "user.2"), 1),
        ("end", ("role.staff", "user.2"), 1),
        ("start", ("user.1",), 2),
        ("end", ("user.1",), 2),
    ]
    assert "groups" not in first  # the caller's message is left as it was


def test_every_send_of_the_process_uses_one_loop_that_stays(layer, monkeypatch):
    loops = []

    async def group_send(group, message):
        loops.append(asyncio.get_running_loop())

    monkeypatch.setattr(layer, "group_send", group_send)
    for n in range(3):
        realtime.send_to_groups(["a", "b"], {"n": n})
    # One loop for all (channels_redis keeps a pool of connections per loop), and not a
    # loop of the caller's thread.
    assert len(set(loops)) == 1 and len(loops) == 3
    assert loops[0].is_running()
    assert realtime._courier().thread.is_alive()


def test_the_embedded_layer_is_sent_to_on_the_callers_way(monkeypatch):
    # The in-memory layer's queues belong to the loop its consumers wait on: no courier.
    from channels.layers import get_channel_layer

    embedded = get_channel_layer()
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: embedded)
    monkeypatch.setattr(realtime, "_courier", lambda: pytest.fail("no courier for it"))

    async def receive():
        channel = await embedded.new_channel()
        await embedded.group_add(realtime.PROCESSES_GROUP, channel)
        try:
            await asyncio.to_thread(realtime.send_to_groups, ["g.embedded"], {"type": "x", "n": 7})
            return await asyncio.wait_for(embedded.receive(channel), 1)
        finally:
            await embedded.group_discard(realtime.PROCESSES_GROUP, channel)

    assert asyncio.run(receive()) == {"type": "x", "n": 7, "groups": ["g.embedded"]}


def test_a_failed_send_is_logged_and_later_signals_wait_for_the_backoff(monkeypatch, caplog):
    fake = SlowLayer(fail_on="g1")
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: fake)
    realtime.send_signals([("g0", {"n": 0}), ("g1", {"n": 1}), ("g2", {"n": 2})])
    assert "channel layer unavailable" in caplog.text  # no exception for the caller
    # What went before the failure went; the rest waits for the pollers, which read the log.
    assert ("end", ("g0",), 0) in fake.log
    assert not [entry for entry in fake.log if entry[2] == 2]
    fake.log.clear()
    realtime.send_to_groups(["g0"], {"n": 3})
    assert fake.log == []  # backing off: the pollers deliver from the log meanwhile
