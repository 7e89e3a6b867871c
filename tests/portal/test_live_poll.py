"""The log poller hands its consumers only the streams that moved since its last reading
(portal.site.live.LiveHub.poll_once): the lookback window returns the same heads for half a
minute, and every socket checking each of them on every tick kept the event loop that
delivers the signals busy (bench/realtime.py --city). And a message for a socket whose client
has just closed it is dropped without ending the consumer in an error."""

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


async def test_a_message_for_a_socket_the_client_just_closed_is_dropped_quietly():
    from autobahn.exception import Disconnected

    from portal.site.consumers import quiet_after_close

    sent = []

    async def open_socket(message):
        sent.append(message)

    async def closing_socket(message):
        raise Disconnected("Attempt to send on a closed protocol")

    async def broken_server(message):
        raise ValueError("not a websocket message")

    await quiet_after_close(open_socket)({"type": "websocket.send", "text": "{}"})
    assert sent == [{"type": "websocket.send", "text": "{}"}]
    await quiet_after_close(closing_socket)({"type": "websocket.send", "text": "{}"})
    try:
        await quiet_after_close(broken_server)({"type": "websocket.send"})
    except ValueError:
        pass
    else:
        raise AssertionError("any other error still ends the consumer")
