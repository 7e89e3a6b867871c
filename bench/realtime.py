"""How fast a change reaches every open /ws/events/ socket, against bare Channels.

    .venv/bin/python bench/realtime.py [--clients 500] [--changes 50]

Two modes, each against a baseline measured in the same run on the same process layout:
- embedded: one daphne process with the in-memory channel layer on a throwaway SQLite file
  (a throwaway PostgreSQL database when DATABASE_URL is set); the changes are
  POST /api/v1/approvals/{id}/transitions on that process, with a bearer token.
- service: two daphne processes sharing Redis (a CHANNEL_LAYER_PREFIX of their own) on a
  throwaway PostgreSQL database (DATABASE_URL's server, else postgres@127.0.0.1:5432); the
  changes are projects.services.approval_transition called by a separate process. Skipped,
  with a note, when PostgreSQL or Redis cannot be reached.
The baseline (bench/_bare_asgi.py) is a consumer that joins one group and forwards what it
gets, and a group_send of an event-sized message: over HTTP on the process in embedded mode,
from a separate process through Redis in service mode.

The sockets are signed-in sessions (staff, and one in five the projects' lead helper) sending
`{"type": "resume", "after": {}}`, split evenly over the processes. The changes are made one
after the other: the next one when every socket has the last one (or after --timeout), so
each figure is a delivery, not a queue. Latency is from just before the change is requested
(the HTTP request sent, the service or group_send called) until a socket has the event; "from
at" is from the event's own `at` (stamped by the service as it starts, same clock). Each
socket must get every change exactly once: missing ones are counted after a settling pause
longer than the log poller's period, and so are duplicates. Prints figures; never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from _common import ROOT, percentile, print_table, setup_django, stopwatch

HERE = Path(__file__).resolve().parent
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
PORTAL_APP = "portal.site.asgi:application"
BARE_APP = "bench._bare_asgi:application"
LATE_SECONDS = 1.0  # a delivery slower than this is counted as late
TARGET_P99_RATIO = 1.5
SLOWEST = 8  # changes listed with their own figures


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500, help="websockets per scenario")
    parser.add_argument("--changes", type=int, default=50, help="changes per scenario")
    parser.add_argument(
        "--streams", type=int, default=3, help="projects the changes go round (one stream each)"
    )
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between changes")
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds to wait for one change everywhere"
    )
    parser.add_argument(
        "--budget", type=float, default=90.0, help="seconds for all the changes of a scenario"
    )
    parser.add_argument(
        "--settle", type=float, default=3.0, help="seconds to wait at the end for late events"
    )
    parser.add_argument(
        "--drain", type=float, default=30.0, help="up to this much longer for events on their way"
    )
    parser.add_argument("--connect-concurrency", type=int, default=50)
    parser.add_argument(
        "--modes", default="embedded,service", help="comma-separated: embedded, service"
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the daphne logs")
    # Internal: one mode runs in a child process of its own, on its own throwaway database.
    parser.add_argument("--phase", choices=("embedded", "service"), help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.clients < 1 or args.changes < 1 or args.streams < 1:
        parser.error("--clients, --changes and --streams must be at least 1")
    return args


# --- the parent: one child process per mode, then the summary ---------------------------------


def main() -> None:
    args = parse_args()
    raise_open_file_limit(args.clients)
    if args.phase:
        run_phase(args)
        return
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    results: dict[str, dict] = {}
    for mode in modes:
        env = dict(os.environ)
        if mode == "embedded":
            env.pop("REDIS_URL", None)  # in-memory layer; DATABASE_URL, if given, is kept
        elif mode == "service":
            pg_url = os.environ.get("DATABASE_URL") or DEFAULT_PG
            redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS
            note = unavailable(pg_url, redis_url)
            if note:
                print(f"\n== service mode skipped: {note}", flush=True)
                continue
            env.update(DATABASE_URL=pg_url, REDIS_URL=redis_url)
        else:
            raise SystemExit(f"bench: unknown mode {mode!r}")
        print(f"\n== {mode} mode", flush=True)
        result = run_child(mode, args, env)
        if result is not None:
            results[mode] = result
    print_summary(results, args)


def raise_open_file_limit(clients: int) -> None:
    """Each socket is a descriptor here and one in daphne (children inherit the limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4 * clients + 1024
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))


def unavailable(pg_url: str, redis_url: str) -> str:
    """Why the service mode cannot run here, or "" when PostgreSQL and Redis answer."""
    for url in (pg_url, redis_url):
        host = urlsplit(url).hostname or ""
        if host not in ("127.0.0.1", "localhost", "::1"):
            return f"only loopback servers are used, not {host!r}"
    try:
        import psycopg

        parts = urlsplit(pg_url)
        with psycopg.connect(urlunsplit(parts._replace(scheme="postgresql")), connect_timeout=3):
            pass
    except Exception as error:  # noqa: BLE001
        return f"PostgreSQL unavailable at {pg_url} ({type(error).__name__}: {error})"
    try:
        import redis

        client = redis.Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as error:  # noqa: BLE001
        return f"Redis unavailable at {redis_url} ({type(error).__name__}: {error})"
    return ""


def run_child(mode: str, args: argparse.Namespace, env: dict) -> dict | None:
    """Run one mode in a child process (its own Django, database and daphne processes)."""
    with tempfile.NamedTemporaryFile(prefix="realtime-", suffix=".json", delete=False) as f:
        result_path = Path(f.name)
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--phase",
        mode,
        "--result",
        str(result_path),
        "--clients",
        str(args.clients),
        "--changes",
        str(args.changes),
        "--streams",
        str(args.streams),
        "--pause",
        str(args.pause),
        "--timeout",
        str(args.timeout),
        "--budget",
        str(args.budget),
        "--settle",
        str(args.settle),
        "--drain",
        str(args.drain),
        "--connect-concurrency",
        str(args.connect_concurrency),
        *(["--keep-logs"] if args.keep_logs else []),
    ]
    # Generous but bounded: two scenarios of connecting, changing and settling.
    limit = 240 + 2 * (args.clients * 0.1 + args.budget + args.timeout + args.settle + args.drain)
    child = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        child.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        print(f"bench: {mode} mode still running after {limit:.0f} s; stopping it", flush=True)
        child.send_signal(signal.SIGTERM)  # its finally stops daphne, atexit drops the database
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=10)
    except BaseException:
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=30)
        raise
    try:
        if child.returncode != 0:
            print(f"bench: {mode} mode failed (exit {child.returncode})", flush=True)
            return None
        return json.loads(result_path.read_text())
    finally:
        result_path.unlink(missing_ok=True)


def print_summary(results: dict[str, dict], args: argparse.Namespace) -> None:
    if not results:
        print("\nno mode ran")
        return
    print(
        f"\n== summary: {args.clients} sockets, {args.changes} changes over {args.streams} "
        f"stream(s), one at a time"
    )
    rows = []
    for mode, result in results.items():
        rows += outcome_rows(result["portal"], prefix=f"{mode}: ")
        rows += outcome_rows(result["bare"], prefix=f"{mode}: ")
    print_table(HEADERS, rows)
    print(LEGEND)
    print()
    for mode, result in results.items():
        ours, bare = result["portal"], result["bare"]
        if not ours["latencies"] or not bare["latencies"]:
            print(f"{mode}: no ratio (nothing delivered in one of the scenarios)")
            continue
        base50, base99 = _ms(bare["latencies"], 50), _ms(bare["latencies"], 99)
        p50, p99 = _ms(ours["latencies"], 50) / base50, _ms(ours["latencies"], 99) / base99
        lost = ours["missing"] + ours["duplicates"] + ours["unexpected"] + ours["changes_failed"]
        verdicts = [
            "nothing lost or repeated"
            if lost == 0
            else f"{ours['missing']} missing, {ours['duplicates']} duplicates, "
            f"{ours['unexpected']} unexpected, {ours['changes_failed']} changes failed",
            f"p99 {'within' if p99 <= TARGET_P99_RATIO else 'NOT within'} "
            f"{TARGET_P99_RATIO}x of the baseline",
        ]
        print(
            f"{mode}: portal / baseline  p50 x{p50:.2f}  p99 x{p99:.2f}  "
            f"(target: {'; '.join(verdicts)})"
        )
        for label, key in (("first change of a stream", "first"), ("later changes", "later")):
            subset = ours[f"{key}_latencies"]
            if subset and len(subset) != len(ours["latencies"]):
                print(
                    f"{' ' * len(mode)}  {label}: p50 x{_ms(subset, 50) / base50:.2f}  "
                    f"p99 x{_ms(subset, 99) / base99:.2f}"
                )
    for mode, result in results.items():
        for note in result.get("notes", []):
            print(f"note ({mode}): {note}")


HEADERS = (
    "scenario",
    "procs",
    "sockets",
    "connect s",
    "changes",
    "p50 ms",
    "p99 ms",
    "max ms",
    "at p50",
    "at p99",
    "call ms",
    "missing",
    "dup",
    "late",
    "srv cpu s",
)
LEGEND = (
    "p50/p99/max: from the change requested to a socket having it; at: from the event's `at`; "
    f"call: the change's request (median); late: deliveries over {LATE_SECONDS:.0f} s; "
    "srv cpu: the daphne processes' CPU seconds over the changes"
)


def _ms(samples: list[float], pct: float) -> float:
    return percentile(samples, pct) * 1000


def outcome_rows(o: dict, prefix: str = "") -> list[tuple]:
    """The scenario's row, and for the portal rows for first and later changes of a stream."""
    lat, at = o["latencies"], o["from_at"]
    rows = [
        (
            prefix + o["label"],
            o["processes"],
            f"{o['connected']}/{o['clients']}",
            round(o["connect_seconds"], 1),
            f"{o['changes_made']}/{o['changes']}",
            _ms(lat, 50) if lat else "-",
            _ms(lat, 99) if lat else "-",
            max(lat) * 1000 if lat else "-",
            _ms(at, 50) if at else "-",
            _ms(at, 99) if at else "-",
            statistics.median(o["call_seconds"]) * 1000 if o["call_seconds"] else "-",
            o["missing"],
            o["duplicates"],
            o["late"],
            o["server_cpu_seconds"],
        )
    ]
    for label, key in (("first change of a stream", "first"), ("later changes", "later")):
        subset = o[f"{key}_latencies"]
        if subset and len(subset) != len(lat) and o["label"].startswith("portal"):
            blank = ("",) * 4
            rows.append(
                (f"  {label}", *blank, _ms(subset, 50), _ms(subset, 99), max(subset) * 1000)
                + ("",) * (len(HEADERS) - 8)
            )
    return rows


# --- one mode, in its own process ------------------------------------------------------------


@dataclass
class Change:
    approval_id: int
    action: str
    payload: dict
    stream: str
    seq: int


@dataclass
class Fixture:
    staff_id: int
    token: str
    cookies: list[str]  # one session per socket
    plan: list[Change]
    helper_sockets: int


@dataclass
class Outcome:
    label: str
    processes: int
    clients: int
    changes: int
    connected: int = 0
    connect_seconds: float = 0.0
    changes_made: int = 0
    change_errors: list[str] = field(default_factory=list)
    changes_failed: int = 0
    latencies: list[float] = field(default_factory=list)  # request -> socket, seconds
    first_latencies: list[float] = field(default_factory=list)  # a stream's first change
    later_latencies: list[float] = field(default_factory=list)  # the other changes
    from_at: list[float] = field(default_factory=list)  # event's `at` -> socket, seconds
    call_seconds: list[float] = field(default_factory=list)  # how long each change call took
    missing: int = 0
    duplicates: int = 0
    unexpected: int = 0
    late: int = 0
    closed_by_server: dict[str, int] = field(default_factory=dict)
    other_messages: dict[str, int] = field(default_factory=dict)
    server_cpu_seconds: float = 0.0
    drain_seconds: float = 0.0  # waited after the last change for the last deliveries
    log_findings: list[str] = field(default_factory=list)
    per_change: list[dict] = field(default_factory=list)  # each change's figures, in order


def run_phase(args: argparse.Namespace) -> None:
    mode = args.phase
    if mode == "service" and not os.environ.get("DATABASE_URL"):
        raise SystemExit("bench: the service mode needs DATABASE_URL")
    with stopwatch("migrate a throwaway database"):
        db = setup_django()
    print(f"database: {db.description}", flush=True)
    logdir = Path(tempfile.mkdtemp(prefix="realtime-logs-"))
    notes: list[str] = []
    try:
        with stopwatch(f"data set, {args.clients} sessions and the plan of {args.changes} changes"):
            fixture = prepare(args)
        from django.db import connections

        connections.close_all()  # the bench process stays off the database from here on
        processes = 1 if mode == "embedded" else 2
        env = dict(os.environ)
        if mode == "service":
            env["CHANNEL_LAYER_PREFIX"] = f"bench-rt-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        portal = asyncio.run(
            scenario(
                label="portal" + (" (HTTP API)" if mode == "embedded" else " (service)"),
                app=PORTAL_APP,
                processes=processes,
                env=env,
                logdir=logdir,
                args=args,
                fixture=fixture,
            )
        )
        bare_env = dict(env)
        if mode == "service":
            bare_env["CHANNEL_LAYER_PREFIX"] = f"bench-bare-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        bare = asyncio.run(
            scenario(
                label="bare Channels (baseline)",
                app=BARE_APP,
                processes=processes,
                env=bare_env,
                logdir=logdir,
                args=args,
                fixture=None,
            )
        )
        for outcome in (portal, bare):
            print_outcome(outcome)
        if mode == "service":
            for prefix in (env["CHANNEL_LAYER_PREFIX"], bare_env["CHANNEL_LAYER_PREFIX"]):
                forget_redis_keys(os.environ["REDIS_URL"], prefix)
        if fixture.helper_sockets:
            notes.append(
                f"{fixture.helper_sockets} of {args.clients} sockets are the lead helper's "
                "sessions, the others staff sessions"
            )
        result = {"portal": asdict(portal), "bare": asdict(bare), "notes": notes}
        Path(args.result).write_text(json.dumps(result))
    finally:
        db.drop()
        if args.keep_logs:
            print(f"daphne logs kept in {logdir}")
        else:
            for log in logdir.glob("*"):
                log.unlink()
            logdir.rmdir()


def prepare(args: argparse.Namespace) -> Fixture:
    """A small data set, the sessions of the sockets, a token, and the changes to make."""
    from _common import build_dataset
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.module_loading import import_string
    from wagtail.models import APIToken

    from portal.models import StreamHead
    from projects.models import Approval

    helper_projects = max(2 * args.streams, 10)
    data = build_dataset(
        projects=max(40, 2 * helper_projects),
        approvals_per_project=8,
        helper_projects=helper_projects,
    )
    store_class = import_string(settings.SESSION_ENGINE + ".SessionStore")
    backend = settings.AUTHENTICATION_BACKENDS[0]

    def session_of(user) -> str:
        session = store_class()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return session.session_key

    # One socket in five is the lead helper of the changed projects, the rest staff.
    users = [data.helper if i % 5 == 4 else data.staff for i in range(args.clients)]
    cookies = [session_of(user) for user in users]
    _, token = APIToken.create_token(user=data.staff, name="bench-realtime")

    open_statuses = ["pending", "received", "accepted", "supplement_requested"]
    approvals = []
    for project_id in data.helper_project_ids:
        approval = (
            Approval.objects.filter(project_id=project_id, status__in=open_statuses)
            .order_by("pk")
            .first()
        )
        if approval is not None and approval.materials.exists():
            approvals.append(approval)
        if len(approvals) == args.streams:
            break
    if len(approvals) < args.streams:
        raise SystemExit(f"bench: only {len(approvals)} open approvals for {args.streams} streams")

    # Each approval goes round receive, accept, then request_supplement / supplement.
    heads = {}
    status = {a.pk: a.status for a in approvals}
    material = {a.pk: a.materials.order_by("pk").values_list("pk", flat=True)[0] for a in approvals}
    for a in approvals:
        stream = f"project:{a.project_id}"
        heads[stream] = (
            StreamHead.objects.filter(stream=stream).values_list("last_seq", flat=True).first() or 0
        )
    nxt = {
        "pending": ("receive", "received"),
        "received": ("accept", "accepted"),
        "accepted": ("request_supplement", "supplement_requested"),
        "supplement_requested": ("supplement", "accepted"),
    }
    plan = []
    for i in range(args.changes):
        a = approvals[i % len(approvals)]
        action, status[a.pk] = nxt[status[a.pk]]
        payload = {}
        if action == "request_supplement":
            payload = {"reason": "基准测试：请补正材料。", "missing_materials": [material[a.pk]]}
        stream = f"project:{a.project_id}"
        heads[stream] += 1
        plan.append(Change(a.pk, action, payload, stream, heads[stream]))
    return Fixture(
        staff_id=data.staff.pk,
        token=token,
        cookies=cookies,
        plan=plan,
        helper_sockets=sum(1 for u in users if u is data.helper),
    )


# --- servers ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A daphne process on a loopback port, stopped by its pid (its own process group)."""

    def __init__(self, app: str, env: dict, log: Path):
        self.port = free_port()
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), app],
            cwd=ROOT,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daphne exited: {self.log.read_text()[-2000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", path)
                if conn.getresponse().status == 200:
                    conn.close()
                    return
                conn.close()
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"daphne on {self.port} not ready: {self.log.read_text()[-2000:]}")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process so far (Linux /proc), 0 when unknown."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return 0.0

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def log_findings(log: Path) -> list[str]:
    """Lines of a daphne log worth a look: errors, warnings, tracebacks (first few, distinct)."""
    words = ("Traceback", "ERROR", "WARNING", "Error", "Exception", "MaxConnections")
    seen: Counter[str] = Counter()
    for line in log.read_text(errors="replace").splitlines():
        if any(word in line for word in words):
            # Drop the timestamp so repeats of one message count as one.
            seen[line.split(" ", 2)[-1][:300] if line[:2] == "20" else line[:300]] += 1
    return [f"{log.name}: {text} (x{n})" for text, n in seen.most_common(8)]


def forget_redis_keys(redis_url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=5)
    try:
        keys = []
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            keys.append(key)
            if len(keys) >= 100_000:
                break
        if keys:
            client.delete(*keys)
    finally:
        client.close()


# --- one scenario: sockets, changes, figures -------------------------------------------------


class Tracker:
    """How many sockets have each event; wakes the change loop when all have it."""

    def __init__(self):
        self.sockets = 0
        self.counts: Counter = Counter()
        self.done: dict[tuple, asyncio.Event] = {}
        self.at: dict[tuple, float] = {}

    def expect(self, key: tuple) -> None:
        self.done[key] = asyncio.Event()
        if self.counts[key] >= self.sockets:
            self.done[key].set()

    def seen(self, key: tuple, message: dict) -> None:
        self.counts[key] += 1
        if key not in self.at:
            with contextlib.suppress(KeyError, TypeError, ValueError):
                self.at[key] = datetime.fromisoformat(message["at"]).timestamp()
        if self.counts[key] >= self.sockets and key in self.done:
            self.done[key].set()


class SocketClient:
    def __init__(self, server: str, cookie: str | None, tracker: Tracker):
        self.server = server
        self.cookie = cookie
        self.tracker = tracker
        self.ws = None
        self.task: asyncio.Task | None = None
        self.arrivals: dict[tuple, float] = {}
        self.duplicates = 0
        self.other: Counter[str] = Counter()
        self.error = ""
        self.closed_code: int | None = None
        self.closing = False

    async def open(self, limit: asyncio.Semaphore, hello: str | None) -> None:
        from websockets.asyncio.client import connect

        headers = {"Cookie": f"sessionid={self.cookie}"} if self.cookie else None
        async with limit:
            for _attempt in range(3):
                try:
                    self.ws = await connect(
                        self.server.replace("http://", "ws://") + "/ws/events/",
                        origin=self.server,
                        additional_headers=headers,
                        open_timeout=20,
                        ping_interval=None,
                        close_timeout=2,
                        compression=None,
                        max_queue=None,
                    )
                    break
                except Exception as error:  # noqa: BLE001 - counted and reported
                    self.error = f"{type(error).__name__}: {error}"
                    await asyncio.sleep(0.5)
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
                key = (message["stream"], message["seq"])
                if key in self.arrivals:
                    self.duplicates += 1
                    continue
                self.arrivals[key] = now
                self.tracker.seen(key, message)
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


class HttpPoster:
    """POSTs JSON to one server over one keep-alive connection (called in a worker thread)."""

    def __init__(self, port: int, headers: dict[str, str]):
        self.port = port
        self.headers = {"Content-Type": "application/json", **headers}
        self.conn: http.client.HTTPConnection | None = None

    def post(self, path: str, body: dict) -> tuple[float, float, int, bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        data = json.dumps(body).encode()
        t0 = time.time()
        try:
            self.conn.request("POST", path, body=data, headers=self.headers)
            response = self.conn.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        return t0, time.time(), response.status, content

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


class Sender:
    """bench/_realtime_sender.py in a child process: one JSON request a line, one answer."""

    def __init__(self, proc: asyncio.subprocess.Process):
        self.proc = proc

    @classmethod
    async def start(cls, *argv: str, env: dict) -> Sender:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(HERE / "_realtime_sender.py"),
            *argv,
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
        sender = cls(proc)
        try:
            ready = await asyncio.wait_for(proc.stdout.readline(), 60)
        except TimeoutError:
            await sender.stop()
            raise
        if not ready or not json.loads(ready).get("ready"):
            await sender.stop()
            raise RuntimeError(f"the sender did not start: {ready!r}")
        return sender

    async def call(self, request: dict, timeout: float) -> dict:
        self.proc.stdin.write((json.dumps(request) + "\n").encode())
        await self.proc.stdin.drain()
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not line:
            raise RuntimeError("the sender exited")
        return json.loads(line)

    async def stop(self) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(Exception):
                self.proc.stdin.close()
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                await self.proc.wait()


def bare_event(n: int) -> dict:
    """An event the size and shape of an approval event, in a stream of its own."""
    return {
        "stream": "bare:1",
        "seq": n,
        "event": "approval.supplemented",
        "at": datetime.now(UTC).isoformat(),
        "actor": "bench-staff",
        "data": {
            "approval_id": 1000 + n,
            "item": {"code": "BENCH-ITEM-001", "name": "审批事项1"},
            "department": {"id": 3, "name": "生态环境分局"},
            "status": "accepted",
            "due_date": "2026-10-12",
            "statutory_due_date": "2026-11-02",
            "materials": ["环境影响报告表"],
        },
    }


async def scenario(
    *,
    label: str,
    app: str,
    processes: int,
    env: dict,
    logdir: Path,
    args: argparse.Namespace,
    fixture: Fixture | None,
) -> Outcome:
    """Start the servers, open the sockets, make the changes one by one, count what arrived."""
    outcome = Outcome(label, processes, args.clients, args.changes)
    portal = fixture is not None
    tag = "portal" if portal else "bare"
    servers: list[Server] = []
    clients: list[SocketClient] = []
    sender: Sender | None = None
    poster: HttpPoster | None = None
    print(f"-- {label}: {processes} daphne process(es), {args.clients} sockets", flush=True)
    try:
        with stopwatch("start daphne"):
            for i in range(processes):
                servers.append(Server(app, env, logdir / f"daphne-{tag}-{i}.log"))
            for server in servers:
                await asyncio.to_thread(server.wait_ready, "/healthz" if portal else "/")

        tracker = Tracker()
        for i in range(args.clients):
            cookie = fixture.cookies[i] if portal else None
            clients.append(SocketClient(servers[i % processes].url, cookie, tracker))
        hello = json.dumps({"type": "resume", "after": {}}) if portal else None
        limit = asyncio.Semaphore(args.connect_concurrency)
        started = time.perf_counter()
        await asyncio.gather(*(c.open(limit, hello) for c in clients))
        outcome.connect_seconds = time.perf_counter() - started
        live = [c for c in clients if c.ws is not None]
        outcome.connected = tracker.sockets = len(live)
        print(
            f"{len(live)} sockets open in {outcome.connect_seconds:.1f} s"
            + (f"; failures, last: {clients[-1].error}" if len(live) < len(clients) else ""),
            flush=True,
        )
        if not live:
            raise RuntimeError("no socket could connect")

        # How each change is made, and the key of the event it must produce.
        if portal and processes == 1:
            poster = HttpPoster(servers[0].port, {"Authorization": f"Bearer {fixture.token}"})
        elif portal:
            sender = await Sender.start("service", str(fixture.staff_id), env=env)
        elif processes == 1:
            poster = HttpPoster(servers[0].port, {})
        else:
            sender = await Sender.start("bare", env=env)

        async def change(i: int) -> tuple[tuple, float, float]:
            if portal:
                step = fixture.plan[i]
                key = (step.stream, step.seq)
                request = {"approval_id": step.approval_id, "action": step.action}
                if poster is not None:
                    path = f"/api/v1/approvals/{step.approval_id}/transitions"
                    body = {"action": step.action, **step.payload}
                else:
                    request["payload"] = step.payload
            else:
                key = ("bare:1", i + 1)
                body = request = bare_event(i + 1)
                path = "/send"
            tracker.expect(key)
            if poster is not None:
                t0, t1, status, content = await asyncio.to_thread(poster.post, path, body)
                if status != 200:
                    raise RuntimeError(f"HTTP {status}: {content[:200]!r}")
            else:
                answer = await sender.call(request, timeout=30)
                if "error" in answer:
                    raise RuntimeError(answer["error"])
                t0, t1 = answer["t0"], answer["t1"]
            return key, t0, t1

        made: dict[tuple, float] = {}
        first_of_stream: set[tuple] = set()
        cpu_before = sum(s.cpu_seconds() for s in servers)
        deadline = time.monotonic() + args.budget
        with stopwatch(f"{args.changes} changes, one at a time"):
            for i in range(args.changes):
                if time.monotonic() > deadline:
                    outcome.change_errors.append(
                        f"out of --budget ({args.budget:.0f} s): {args.changes - i} changes "
                        "not made"
                    )
                    break
                try:
                    key, t0, t1 = await change(i)
                except Exception as error:  # noqa: BLE001 - reported, the run goes on
                    outcome.change_errors.append(f"change {i}: {type(error).__name__}: {error}")
                    outcome.changes_failed += 1
                    continue
                made[key] = t0
                if not any(k[0] == key[0] for k in list(made)[:-1]):
                    first_of_stream.add(key)
                outcome.call_seconds.append(t1 - t0)
                with contextlib.suppress(TimeoutError):
                    wait = min(args.timeout, deadline - time.monotonic())
                    await asyncio.wait_for(tracker.done[key].wait(), max(0.1, wait))
                await asyncio.sleep(args.pause)
            # Late and repeated deliveries: the log poller (LIVE_POLL_SECONDS) catches up.
            # Wait at least --settle, and up to --drain for events still on their way.
            settled = time.monotonic() + args.settle
            drained = settled + args.drain
            while time.monotonic() < drained:
                behind = sum(1 for key in made if tracker.counts[key] < tracker.sockets)
                if not behind and time.monotonic() >= settled:
                    break
                await asyncio.sleep(0.25)
            outcome.drain_seconds = round(time.monotonic() - settled + args.settle, 1)
        outcome.server_cpu_seconds = round(sum(s.cpu_seconds() for s in servers) - cpu_before, 2)
        outcome.changes_made = len(made)

        for client in live:
            for key, t0 in made.items():
                arrived = client.arrivals.get(key)
                if arrived is None:
                    outcome.missing += 1
                    continue
                outcome.latencies.append(arrived - t0)
                if key in first_of_stream:
                    outcome.first_latencies.append(arrived - t0)
                else:
                    outcome.later_latencies.append(arrived - t0)
                if key in tracker.at:
                    outcome.from_at.append(arrived - tracker.at[key])
                if arrived - t0 > LATE_SECONDS:
                    outcome.late += 1
            outcome.unexpected += sum(1 for key in client.arrivals if key not in made)
            outcome.duplicates += client.duplicates
            for kind, n in client.other.items():
                outcome.other_messages[kind] = outcome.other_messages.get(kind, 0) + n
            if client.closed_code is not None:
                code = str(client.closed_code)
                outcome.closed_by_server[code] = outcome.closed_by_server.get(code, 0) + 1
        first_t0 = min(made.values(), default=0.0)
        for n, (key, t0) in enumerate(made.items()):
            got = [c.arrivals[key] - t0 for c in live if key in c.arrivals]
            outcome.per_change.append(
                {
                    "n": n,
                    "stream": key[0],
                    "first": key in first_of_stream,
                    "since_start": round(t0 - first_t0, 1),
                    "p50": _ms(got, 50) if got else None,
                    "p99": _ms(got, 99) if got else None,
                    "max": max(got) * 1000 if got else None,
                    "missing": len(live) - len(got),
                }
            )
    finally:
        await asyncio.gather(*(c.close() for c in clients))
        if sender is not None:
            await sender.stop()
        if poster is not None:
            poster.close()
        for server in servers:
            server.stop()
        for server in servers:
            outcome.log_findings += log_findings(server.log)
    return outcome


def print_outcome(o: Outcome) -> None:
    print(f"\n{o.label}: {o.connected}/{o.clients} sockets on {o.processes} process(es)")
    print_table(HEADERS, outcome_rows(asdict(o)))
    if o.latencies:
        print(
            f"latency ms: min {min(o.latencies) * 1000:.1f}, p90 {_ms(o.latencies, 90):.1f}, "
            f"p99.9 {_ms(o.latencies, 99.9):.1f}; waited {o.drain_seconds} s after the last "
            "change"
        )
    slowest = sorted((c for c in o.per_change if c["max"] is not None), key=lambda c: -c["max"])[
        :SLOWEST
    ]
    if slowest and o.label.startswith("portal"):
        print(f"the {len(slowest)} slowest changes:")
        print_table(
            (
                "change",
                "stream",
                "first of stream",
                "s after change 0",
                "p50 ms",
                "p99 ms",
                "max ms",
            ),
            [
                (f"#{c['n']}", c["stream"], "yes" if c["first"] else "no", c["since_start"])
                + (c["p50"], c["p99"], c["max"])
                for c in slowest
            ],
        )
    for error in o.change_errors[:5]:
        print(f"change failed: {error}")
    if o.unexpected:
        print(f"unexpected events (not one of the changes): {o.unexpected}")
    if o.closed_by_server:
        print(f"sockets closed by the server during the run, by close code: {o.closed_by_server}")
    if o.other_messages:
        print(f"other messages: {o.other_messages}")
    for finding in o.log_findings:
        print(f"daphne log: {finding}")


if __name__ == "__main__":
    main()
