"""The websocket clients of bench/realtime.py, in a process of their own (not a benchmark).

    python bench/_realtime_clients.py     # then one JSON line on stdin: the sockets to open

The sockets live apart from the process that makes the changes and keeps time, so reading
hundreds of sockets never delays a change or its clock; every process stamps with the same
wall clock (time.time()). Protocol, one JSON object a line:
- in: `{"sockets": [{"url", "cookie", "streams"}], "hello", "concurrency"}`; `streams` lists
  the streams that socket's user may read (null: every stream, the baseline's one group);
- out: `{"ready": connected, "failed", "error", "seconds"}` once the sockets are open;
- out: `{"done": "stream seq"}` as soon as every socket here that may read the stream has that
  event (none is sent for a stream no socket here reads);
- in: `{"report": {"stream seq": t0, ...}}` -> out: `{"result": {...}}`: per change, the
  latency (ms) of each socket that should have it, and what was missing, repeated, unexpected
  (an event that is not one of the changes) or leaked (an event on a socket whose user may not
  read its stream); then the sockets are closed and the process ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import sys
import time
from collections import Counter


class Socket:
    def __init__(self, url: str, cookie: str | None, streams: list[str] | None, hub: Hub):
        self.url = url
        self.cookie = cookie
        self.streams = set(streams) if streams is not None else None
        self.hub = hub
        self.ws = None
        self.task: asyncio.Task | None = None
        self.arrivals: dict[str, float] = {}
        self.duplicates = 0
        self.other: Counter[str] = Counter()
        self.error = ""
        self.closed_code: int | None = None
        self.closing = False

    def reads(self, stream: str) -> bool:
        return self.streams is None or stream in self.streams

    async def open(self, limit: asyncio.Semaphore, hello: str | None) -> None:
        from websockets.asyncio.client import connect

        origin = self.url.replace("ws://", "http://").split("/ws/", 1)[0]
        headers = {"Cookie": f"sessionid={self.cookie}"} if self.cookie else None
        async with limit:
            for attempt in range(6):
                try:
                    self.ws = await connect(
                        self.url,
                        origin=origin,
                        additional_headers=headers,
                        open_timeout=120,
                        ping_interval=None,
                        close_timeout=2,
                        compression=None,
                        max_queue=None,
                    )
                    break
                except Exception as error:  # noqa: BLE001 - counted and reported
                    self.error = f"{type(error).__name__}: {error}"
                    await asyncio.sleep(0.5 * 2**attempt)
        if self.ws is None:
            return
        if hello:
            await self.ws.send(hello)
        self.task = asyncio.create_task(self.read())

    async def read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        ws = self.ws
        try:
            async for raw in ws:
                now = time.time()
                message = json.loads(raw)
                if message.get("type") != "event":
                    self.other[str(message.get("type"))] += 1
                    continue
                key = f"{message['stream']} {message['seq']}"
                if key in self.arrivals:
                    self.duplicates += 1
                    continue
                self.arrivals[key] = now
                if self.reads(message["stream"]):
                    self.hub.arrived(key, message["stream"])
        except ConnectionClosed:
            pass
        if not self.closing:
            self.closed_code = ws.close_code

    async def close(self) -> None:
        self.closing = True
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5)
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task


class Hub:
    """Counts arrivals per event and says `done` when every reader here has it."""

    def __init__(self):
        self.readers: Counter[str] = Counter()  # stream -> sockets here that may read it
        self.everyone = 0  # sockets that read every stream (the baseline)
        self.counts: Counter[str] = Counter()

    def arrived(self, key: str, stream: str) -> None:
        self.counts[key] += 1
        if self.counts[key] == self.readers[stream] + self.everyone:
            say(done=key)


def say(**fields) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def result(sockets: list[Socket], t0: dict[str, float]) -> dict:
    latencies: dict[str, list[float]] = {key: [] for key in t0}
    missing = unexpected = leaked = duplicates = notifications = 0
    closed: Counter[str] = Counter()
    other: Counter[str] = Counter()
    for socket in sockets:
        for key, start in t0.items():
            stream = key.rsplit(" ", 1)[0]
            arrived = socket.arrivals.get(key)
            if not socket.reads(stream):
                leaked += arrived is not None
            elif arrived is None:
                missing += 1
            else:
                latencies[key].append(round((arrived - start) * 1000, 2))
        # The changes also notify people: the server sends those on each socket's own
        # `user:<id>` stream (the only user stream it ever joins). They are counted apart, not
        # as unexpected events.
        extra = [key for key in socket.arrivals if key not in t0]
        own = sum(1 for key in extra if key.startswith("user:"))
        notifications += own
        unexpected += len(extra) - own
        duplicates += socket.duplicates
        other.update(socket.other)
        if socket.closed_code is not None:
            closed[str(socket.closed_code)] += 1
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "latencies": latencies,
        "missing": missing,
        "duplicates": duplicates,
        "unexpected": unexpected,
        "notifications": notifications,
        "leaked": leaked,
        "closed_by_server": dict(closed),
        "other_messages": dict(other),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
    }


async def main() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**30)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    config = json.loads(await reader.readline())
    hub = Hub()
    sockets = [Socket(s["url"], s["cookie"], s["streams"], hub) for s in config["sockets"]]
    limit = asyncio.Semaphore(config.get("concurrency", 50))
    started = time.perf_counter()
    await asyncio.gather(*(s.open(limit, config.get("hello")) for s in sockets))
    live = [s for s in sockets if s.ws is not None]
    for s in live:
        if s.streams is None:
            hub.everyone += 1
        else:
            hub.readers.update(s.streams)
    say(
        ready=len(live),
        failed=len(sockets) - len(live),
        error=next((s.error for s in sockets if s.ws is None), ""),
        seconds=round(time.perf_counter() - started, 2),
    )
    try:
        while line := await reader.readline():
            request = json.loads(line)
            if "report" in request:
                say(result=result(live, request["report"]))
                break
    finally:
        await asyncio.gather(*(s.close() for s in sockets))


if __name__ == "__main__":
    asyncio.run(main())
