"""How a change's signals leave the process: one after the other in the order given (the
largest group, staff, first), through one event loop and its Redis connections that stay
open, never as an error for the change that committed."""

import asyncio

import pytest

from portal import realtime


class SlowLayer:
    """A channel layer whose every send takes a while, recording when each starts and ends."""

    def __init__(self, fail_on: str | None = None):
        self.log: list[tuple[str, str, int]] = []
        self.fail_on = fail_on

    async def group_send(self, group, message):
        self.log.append(("start", group, message["n"]))
        await asyncio.sleep(0.02)
        if group == self.fail_on:
            raise ConnectionError("Redis went away")
        self.log.append(("end", group, message["n"]))


@pytest.fixture
def layer(monkeypatch):
    fake = SlowLayer()
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: fake)
    return fake


def test_the_signals_go_in_the_order_given_one_after_the_other(layer):
    sends = [("role.staff", {"n": 1}), ("user.2", {"n": 1}), ("user.1", {"n": 2})]
    realtime.send_signals(sends)
    assert layer.log == [
        ("start", "role.staff", 1),
        ("end", "role.staff", 1),
        ("start", "user.2", 1),
        ("end", "user.2", 1),
        ("start", "user.1", 2),
        ("end", "user.1", 2),
    ]


def test_every_send_of_the_process_uses_one_loop_that_stays(layer, monkeypatch):
    loops = []

    async def group_send(group, message):
        loops.append(asyncio.get_running_loop())

    monkeypatch.setattr(layer, "group_send", group_send)
    for n in range(3):
        realtime.send_to_groups(["a", "b"], {"n": n})
    # One loop for all (channels_redis keeps a pool of connections per loop), and not a
    # loop of the caller's thread.
    assert len(set(loops)) == 1 and len(loops) == 6
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
        await embedded.group_add("g.embedded", channel)
        await asyncio.to_thread(realtime.send_to_groups, ["g.embedded"], {"type": "x", "n": 7})
        return await asyncio.wait_for(embedded.receive(channel), 1)

    assert asyncio.run(receive())["n"] == 7


def test_a_failed_send_is_logged_and_later_signals_wait_for_the_backoff(monkeypatch, caplog):
    fake = SlowLayer(fail_on="g1")
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: fake)
    realtime.send_to_groups(["g0", "g1", "g2"], {"n": 1})  # no exception for the caller
    assert "channel layer unavailable" in caplog.text
    # What went before the failure went; the rest waits for the pollers, which read the log.
    assert ("end", "g0", 1) in fake.log
    assert not [entry for entry in fake.log if entry[1] == "g2"]
    fake.log.clear()
    realtime.send_to_groups(["g0"], {"n": 2})
    assert fake.log == []  # backing off: the pollers deliver from the log meanwhile
