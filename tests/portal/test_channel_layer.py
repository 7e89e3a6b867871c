"""The embedded mode's channel layer: Channels' in-memory layer, its expiry walk amortised."""

import asyncio
import time

import pytest
from channels.layers import InMemoryChannelLayer, get_channel_layer

from portal.site.channel_layers import AmortisedInMemoryChannelLayer


def test_the_tests_use_it_as_the_embedded_mode_does():
    # The embedded settings name it too: tests/portal/test_settings.py.
    assert isinstance(get_channel_layer(), AmortisedInMemoryChannelLayer)


async def test_a_broadcast_walks_for_expired_messages_once_not_once_per_socket(monkeypatch):
    walks = []
    walk = InMemoryChannelLayer._clean_expired
    monkeypatch.setattr(
        InMemoryChannelLayer, "_clean_expired", lambda self: (walks.append(1), walk(self))
    )
    for layer_class, expected_walks in (
        (InMemoryChannelLayer, 201),
        (AmortisedInMemoryChannelLayer, 1),
    ):
        walks.clear()
        layer = layer_class(capacity=100, expiry=60)
        channels = [await layer.new_channel() for _ in range(200)]
        for channel in channels:
            await layer.group_add("everyone", channel)
        await layer.group_send("everyone", {"type": "event.signal", "n": 1})
        got = [await layer.receive(c) for c in channels]
        assert [m["n"] for m in got] == [1] * 200  # every socket has it, once
        # Channels' own layer walks every channel and membership on the send and on each of
        # the 200 receives; the amortised one once.
        assert len(walks) == expected_walks


async def test_an_expired_message_is_never_handed_out():
    layer = AmortisedInMemoryChannelLayer(capacity=100, expiry=0.05)
    channel = await layer.new_channel()
    await layer.group_add("g", channel)
    await layer.send(channel, {"type": "old"})
    await asyncio.sleep(0.1)  # expired, and the walk ran less than a second ago or never
    layer._next_clean = time.monotonic() + 60  # no walk now: the receive itself must drop it
    await layer.send(channel, {"type": "fresh"})
    message = await asyncio.wait_for(layer.receive(channel), 1)
    assert message["type"] == "fresh"
    # As the walk would: a channel whose message expired unread leaves its groups.
    assert channel not in layer.groups.get("g", {})


async def test_expired_memberships_still_end_at_the_next_walk():
    layer = AmortisedInMemoryChannelLayer(capacity=100, expiry=60, group_expiry=1)
    channel = await layer.new_channel()
    await layer.group_add("g", channel)
    layer.groups["g"][channel] = time.time() - 10  # joined long ago
    layer._next_clean = 0.0
    await layer.group_send("g", {"type": "x"})
    assert channel not in layer.groups["g"]


@pytest.mark.parametrize("interval", [1.0])
async def test_the_walk_runs_again_after_the_interval(interval):
    layer = AmortisedInMemoryChannelLayer(capacity=100, expiry=60, clean_interval=interval)
    layer._clean_expired()
    first = layer._next_clean
    layer._clean_expired()
    assert layer._next_clean == first  # skipped
    layer._next_clean = time.monotonic() - 0.001
    layer._clean_expired()
    assert layer._next_clean > first
