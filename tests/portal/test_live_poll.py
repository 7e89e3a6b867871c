"""The log poller hands its consumers only the streams that moved since its last reading
(portal.site.live.LiveHub.poll_once): the lookback window returns the same heads for half a
minute, and every socket checking each of them on every tick kept the event loop that
delivers the signals busy (bench/realtime.py --city)."""

from django.utils import timezone

from portal.site import live


class FakeConsumer:
    def __init__(self):
        self.offered: list[dict[str, int]] = []
        self.fail = False

    async def catch_up_heads(self, heads):
        self.offered.append(dict(heads))
        if self.fail:
            raise RuntimeError("the socket went away")


async def test_each_move_is_offered_once_and_again_after_a_consumer_failed(monkeypatch):
    heads = {"project:1": 3, "user:5": 1}

    async def moved_heads(since):
        return dict(heads)

    monkeypatch.setattr(live, "_moved_heads", moved_heads)
    hub = live.LiveHub()
    first, second = FakeConsumer(), FakeConsumer()
    hub.consumers.add(first)
    hub.consumers.add(second)
    since = timezone.now()

    await hub.poll_once(since)
    assert first.offered == second.offered == [heads]
    await hub.poll_once(since)  # the same heads in the window: nothing moved
    assert len(first.offered) == len(second.offered) == 1

    heads["project:1"] = 4
    heads["project:2"] = 1
    second.fail = True
    await hub.poll_once(since)
    assert first.offered[-1] == second.offered[-1] == {"project:1": 4, "project:2": 1}
    # One consumer failed: the same streams are offered to every consumer at the next tick
    # (those that caught up skip them on their cursors), until all have them.
    second.fail = False
    await hub.poll_once(since)
    assert second.offered[-1] == {"project:1": 4, "project:2": 1}
    await hub.poll_once(since)
    assert len(first.offered) == len(second.offered) == 3

    # A stream that left the window and moves again later is offered again.
    del heads["user:5"]
    await hub.poll_once(since)
    heads["user:5"] = 2
    await hub.poll_once(since)
    assert first.offered[-1] == {"user:5": 2}
