"""The channel layer of the embedded mode (one process, no Redis).

Channels' InMemoryChannelLayer looks for expired messages and group memberships on every
receive and every group_send, walking every channel and every group member each time. A change
that reaches N sockets makes N receives, so one broadcast walked N x (channels + memberships):
O(N^2), 18 % of daphne's CPU at 500 sockets (bench/realtime.py, issue 15). Expiry is a
safety net (a message nobody reads for a minute, a membership older than the group expiry),
not part of delivery, so here the walk runs at most once per `clean_interval` seconds, and a
receive still never hands out a message that has expired: it drops it, as the walk would have.
"""

from __future__ import annotations

import asyncio
import time

from channels.layers import InMemoryChannelLayer


class AmortisedInMemoryChannelLayer(InMemoryChannelLayer):
    def __init__(self, *args, clean_interval: float = 1.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.clean_interval = clean_interval
        self._next_clean = 0.0

    def _clean_expired(self):
        now = time.monotonic()
        if now < self._next_clean:
            return
        self._next_clean = now + self.clean_interval
        super()._clean_expired()

    async def receive(self, channel):
        # As InMemoryChannelLayer.receive, with the walk amortised and an expired message
        # dropped here instead (the walk would have dropped it and the channel's groups).
        self.require_valid_channel_name(channel)
        self._clean_expired()
        while True:
            queue = self.channels.get(channel)
            if queue is None:
                queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
            try:
                expires, message = await queue.get()
            finally:
                if queue.empty():
                    self.channels.pop(channel, None)
            if expires >= time.time():
                return message
            self._remove_from_groups(channel)
