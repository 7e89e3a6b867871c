"""A websocket client that behaves like the browser script: resume, reconnect, count."""

import asyncio
import contextlib
import json
import time
import urllib.request

import websockets
from django.test import Client

FINAL_CODES = {4001, 4401, 4403}


class LiveClient:
    def __init__(self, server_url: str, session_key: str, cursors: dict[str, int] | None = None):
        self.url = server_url.replace("http://", "ws://") + "/ws/events/"
        self.origin = server_url
        self.session_key = session_key
        # As the browser reads them from the page it rendered (data-streams): without one, a
        # stream starts at the moment of connection, and a reconnection skips what came between.
        self.cursors: dict[str, int] = dict(cursors or {})
        self.resyncs: list[str] = []
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
                        elif message["type"] == "resync":  # the browser reloads the region
                            self.resyncs.append(message["stream"])
                            self.cursors.pop(message["stream"], None)
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


async def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.1)
    return condition()


def sessions(user, n: int) -> list[str]:
    """Session keys of `n` signed-in browsers of `user`."""
    keys = []
    for _ in range(n):
        client = Client()
        client.force_login(user)
        keys.append(client.cookies["sessionid"].value)
    return keys


def transition(server_url: str, token: str, approval_id: int, action: str) -> int:
    """An approval transition through the JSON API of a running server; its HTTP status."""
    request = urllib.request.Request(
        f"{server_url}/api/v1/approvals/{approval_id}/transitions",
        data=json.dumps({"action": action}).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        return response.status


def exactly_once_in_order(client: LiveClient, stream: str, expected: list[int]) -> list[str]:
    """What is wrong with what `client` received on `stream`: losses, duplicates, disorder."""
    got = client.seqs(stream)
    problems = []
    if missing := sorted(set(expected) - set(got)):
        problems.append(f"{stream}: lost {missing}")
    if len(got) != len(set(got)):
        problems.append(f"{stream}: duplicated {sorted(s for s in set(got) if got.count(s) > 1)}")
    if got != sorted(got):
        problems.append(f"{stream}: out of order {got}")
    if extra := sorted(set(got) - set(expected)):
        problems.append(f"{stream}: unexpected {extra}")
    return problems
