"""A websocket client that behaves like the browser script: resume, reconnect, count."""

import asyncio
import contextlib
import json

import websockets

FINAL_CODES = {4001, 4401, 4403}


class LiveClient:
    def __init__(self, server_url: str, session_key: str):
        self.url = server_url.replace("http://", "ws://") + "/ws/events/"
        self.origin = server_url
        self.session_key = session_key
        self.cursors: dict[str, int] = {}
        self.received: list[tuple[str, int]] = []
        self.connections = 0
        self.task: asyncio.Task | None = None
        self.stopping = False

    async def start(self):
        self.ready = asyncio.Event()
        self.task = asyncio.create_task(self._run())
        await asyncio.wait_for(self.ready.wait(), 15)

    async def _run(self):
        delay = 0.2
        while not self.stopping:
            try:
                async with websockets.connect(
                    self.url,
                    origin=self.origin,
                    additional_headers={"Cookie": f"sessionid={self.session_key}"},
                    open_timeout=5,
                ) as ws:
                    self.connections += 1
                    delay = 0.2
                    await ws.send(json.dumps({"type": "resume", "after": self.cursors}))
                    self.ready.set()
                    async for raw in ws:
                        message = json.loads(raw)
                        if message["type"] == "event":
                            self.received.append((message["stream"], message["seq"]))
                            self.cursors[message["stream"]] = max(
                                message["seq"], self.cursors.get(message["stream"], 0)
                            )
            except websockets.ConnectionClosed as closed:
                if closed.rcvd is not None and closed.rcvd.code in FINAL_CODES:
                    return
            except asyncio.CancelledError:
                raise
            except Exception:  # refused handshake, reset, timeout: try again, like a browser
                pass
            if not self.stopping:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    def seqs(self, stream: str) -> list[int]:
        return [seq for s, seq in self.received if s == stream]

    async def stop(self):
        self.stopping = True
        if self.task:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
