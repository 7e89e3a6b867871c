"""How fast a committed change reaches every open /ws/events/ socket, against bare Channels.

    .venv/bin/python bench/realtime.py [--clients 500 --changes 500 --bursts 25 --runs 3]

Two modes, each against a baseline measured in the same run on the same process layout:
- embedded: one daphne process with the in-memory channel layer, on a throwaway SQLite file (a
  throwaway PostgreSQL database when DATABASE_URL is set); the changes are
  POST /api/v1/approvals/{id}/transitions on that process, with a bearer token.
- service: --processes daphne processes sharing Redis (a CHANNEL_LAYER_PREFIX of their own), on a
  throwaway PostgreSQL database (DATABASE_URL's server, else postgres@127.0.0.1:5432); the
  changes come from the web (the API on one of the processes, in turn) and from the worker
  (projects.services.approval_transition in a separate process, _realtime_sender.py), one in
  two each (--web-share). Skipped, with a note, when PostgreSQL or Redis cannot be reached.
The baseline (_bare_asgi.py) is a consumer that joins the groups it is given and forwards
what it gets, and a group_send of an event-sized message, made the same ways (over HTTP on a
process, or by a separate process through Redis). Each bare socket joins one group per stream
its portal counterpart's user may read, and each bare change goes to its portal change's
stream's group: both sides deliver the same changes to the same number of sockets, the
baseline without deciding anyone's access. --bare-dispatch direct also spares the baseline's
consumer Channels' hop to the sync thread before every message, as the portal's consumer is.

What is measured, so that the two sides compare like with like:
- latency from the commit to a socket having the event: the portal's clock starts when its
  transaction commits (_commit_clock.py stamps it inside the committing process), the
  baseline's just before its group_send. The HTTP request, the service and the commit are not
  in either figure; what the portal does after commit (who hears it, the send) is.
- the sockets are opened by --client-procs processes of their own (_realtime_clients.py), not
  by the process that makes the changes and keeps the time;
- the sockets are the sessions of many different users (--users): staff, helpers assigned to
  the changed projects, officers of their departments, enterprise users of theirs and of other
  enterprises, so the portal decides access per user, as it does in service. Each socket must
  get every event of the streams its user may read, exactly once, and nothing else: missing,
  duplicated, unexpected and leaked (a stream the user may not read) events are counted;
- --first changes (one per stream by default) reported apart: the first signal of a stream in
  a freshly started process decides every listening user's access, a cost a long-running
  process pays once per user and stream; then --changes changes one at a time (the next when
  every reader has the last one), then --bursts bursts of --burst-size changes made back to
  back; p50/p99/max over all those deliveries;
- --runs runs, portal and baseline in each (in turns: which goes first alternates), each
  scenario on freshly started daphne processes; every figure is printed as min / median / max
  over the runs, and the ratios are taken within each run;
- daphne's memory (RSS) before and after the sockets connect, per socket.
Prints figures; never asserts.
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

# bench/statistics.py (a benchmark) would shadow the standard library's module of that name for
# every script here: load the standard one first, so that _common gets it too.
_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p != _HERE]
import statistics  # noqa: E402

sys.path.insert(0, _HERE)

from _common import ROOT, percentile, print_table, setup_django, stopwatch  # noqa: E402

HERE = Path(__file__).resolve().parent
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
PORTAL_APP = "bench._portal_asgi:application"
BARE_APP = "bench._bare_asgi:application"
LATE_SECONDS = 1.0  # a delivery slower than this is counted as late
TARGET_P99_RATIO = 1.5
SLOWEST = 5  # changes listed with their own figures


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500, help="websockets per scenario")
    parser.add_argument(
        "--users",
        type=int,
        default=0,
        help="distinct users behind the sockets (default: four in five of --clients; the "
        "rest are second tabs)",
    )
    parser.add_argument("--changes", type=int, default=500, help="changes made one at a time")
    parser.add_argument(
        "--first",
        type=int,
        default=-1,
        help="changes made first, one at a time, and reported apart: each stream's first signal "
        "in a freshly started process decides every listening user's access (default: one per "
        "stream)",
    )
    parser.add_argument("--bursts", type=int, default=25, help="bursts of changes")
    parser.add_argument("--burst-size", type=int, default=20, help="changes per burst")
    parser.add_argument(
        "--streams", type=int, default=12, help="projects the changes go round (one stream each)"
    )
    parser.add_argument("--runs", type=int, default=3, help="runs of every scenario")
    parser.add_argument(
        "--processes", type=int, default=2, help="daphne processes in the service mode"
    )
    parser.add_argument("--client-procs", type=int, default=2, help="processes holding sockets")
    parser.add_argument(
        "--web-share",
        type=float,
        default=0.5,
        help="service mode: the share of changes made over HTTP on a web process (the rest by "
        "the worker process)",
    )
    parser.add_argument("--pause", type=float, default=0.02, help="seconds between changes")
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds to wait for one change everywhere"
    )
    parser.add_argument(
        "--settle", type=float, default=3.0, help="seconds to wait at the end for late events"
    )
    parser.add_argument(
        "--drain", type=float, default=30.0, help="up to this much longer for events on their way"
    )
    parser.add_argument(
        "--connect-concurrency", type=int, default=10, help="handshakes at once per client process"
    )
    parser.add_argument(
        "--bare-dispatch",
        choices=("stock", "direct"),
        default="stock",
        help="the baseline consumer's dispatch: Channels' own (a hop to the sync thread before "
        "every message) or direct, as the portal's consumer dispatches",
    )
    parser.add_argument(
        "--bare-layer",
        choices=("portal", "stock"),
        default="portal",
        help="embedded mode: the baseline's in-memory layer, the portal's (like with like, the "
        "default) or Channels' own",
    )
    parser.add_argument(
        "--modes", default="embedded,service", help="comma-separated: embedded, service"
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the daphne logs")
    parser.add_argument(
        "--mode-limit",
        type=float,
        default=0,
        help="seconds a mode may run before it is stopped (default: from the sizes, assuming "
        "about a second per change; a busy machine needs more)",
    )
    parser.add_argument(
        "--city",
        action="store_true",
        help="the city-scale run: service mode only, 2,000 sockets over 4 daphne processes and "
        "4 client processes (each option given explicitly still wins)",
    )
    # Internal: one mode runs in a child process of its own, on its own throwaway database.
    parser.add_argument("--phase", choices=("embedded", "service"), help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    return parser


CITY = {"modes": "service", "clients": 2000, "processes": 4, "client_procs": 4}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.city:
        # The preset fills what was not given on the command line (compared with the defaults).
        for name, value in CITY.items():
            if getattr(args, name) == parser.get_default(name):
                setattr(args, name, value)
    if min(args.clients, args.streams, args.runs, args.processes, args.client_procs) < 1:
        parser.error("--clients, --streams, --runs, --processes, --client-procs must be >= 1")
    if args.changes < 0 or args.bursts < 0 or args.burst_size < 1:
        parser.error("--changes and --bursts must be >= 0, --burst-size >= 1")
    if not 0 <= args.web_share <= 1:
        parser.error("--web-share is a share, from 0 to 1")
    if args.first < 0:
        args.first = args.streams
    if not args.users:
        args.users = max(1, args.clients * 4 // 5)
    args.users = min(args.users, args.clients)
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
    passed = {
        "--clients": args.clients,
        "--users": args.users,
        "--changes": args.changes,
        "--first": args.first,
        "--bursts": args.bursts,
        "--burst-size": args.burst_size,
        "--streams": args.streams,
        "--runs": args.runs,
        "--processes": args.processes,
        "--client-procs": args.client_procs,
        "--web-share": args.web_share,
        "--pause": args.pause,
        "--timeout": args.timeout,
        "--settle": args.settle,
        "--drain": args.drain,
        "--connect-concurrency": args.connect_concurrency,
        "--bare-layer": args.bare_layer,
        "--bare-dispatch": args.bare_dispatch,
    }
    command = [sys.executable, str(Path(__file__).resolve()), "--phase", mode]
    command += ["--result", str(result_path)]
    for option, value in passed.items():
        command += [option, str(value)]
    if args.keep_logs:
        command.append("--keep-logs")
    changes = args.first + args.changes + args.bursts * args.burst_size
    # Generous but bounded: per run two scenarios of connecting, changing and draining.
    limit = args.mode_limit or 600 + args.runs * 2 * (
        args.clients * 0.2 + changes * (1.0 + args.pause) + args.settle + args.drain + 60
    )
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


def spread(values: list[float], digits: int = 1) -> str:
    """min / median / max of a figure over the runs."""
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{low:.{digits}f} / {mid:.{digits}f} / {high:.{digits}f}"


FIGURES = (
    # (label, key in the stats, digits)
    ("one at a time: p50 ms", ("single", "p50"), 1),
    ("one at a time: p99 ms", ("single", "p99"), 1),
    ("one at a time: max ms", ("single", "max"), 0),
    ("  made over HTTP: p99 ms", ("single web", "p99"), 1),
    ("  made by the worker: p99 ms", ("single worker", "p99"), 1),
    ("bursts: p50 ms", ("burst", "p50"), 1),
    ("bursts: p99 ms", ("burst", "p99"), 1),
    ("bursts: max ms", ("burst", "max"), 0),
    ("all but the first: p99 ms", ("all", "p99"), 1),
    ("first of each stream: p50 ms", ("first", "p50"), 1),
    ("first of each stream: max ms", ("first", "max"), 0),
)


def _figure(outcome: dict, key: tuple[str, str]) -> float | None:
    part = outcome["stats"].get(key[0])
    return part.get(key[1]) if part else None


def mode_table(result: dict, title: str) -> None:
    """One mode's figures, min / median / max over the runs, ratios taken within each run."""
    runs = result["runs"]
    print(f"\n{title}: {len(runs)} run(s), min / median / max over the runs")
    rows = []
    for label, key, digits in FIGURES:
        ours = [_figure(r["portal"], key) for r in runs]
        bare = [_figure(r["bare"], key) for r in runs]
        ratios = [o / b for o, b in zip(ours, bare, strict=True) if o is not None and b]
        rows.append((label, spread(ours, digits), spread(bare, digits), spread(ratios, 2)))
    cpu_ours = [r["portal"]["server_cpu_seconds"] for r in runs]
    cpu_bare = [r["bare"]["server_cpu_seconds"] for r in runs]
    rows.append(
        (
            "daphne CPU s over the changes",
            spread(cpu_ours),
            spread(cpu_bare),
            spread([o / b for o, b in zip(cpu_ours, cpu_bare, strict=True) if b], 2),
        )
    )
    rss_ours = [r["portal"]["rss_kb_per_socket"] for r in runs]
    rss_bare = [r["bare"]["rss_kb_per_socket"] for r in runs]
    rows.append(("daphne RSS KB per socket", spread(rss_ours), spread(rss_bare), ""))
    print_table(("figure", "portal", "bare Channels", "portal / bare"), rows)
    for side in ("portal", "bare"):
        faults = Counter()
        for r in runs:
            for name in ("missing", "duplicates", "unexpected", "leaked", "changes_failed"):
                faults[name] += r[side][name]
            faults["late"] += r[side]["late"]
        sockets = spread([r[side]["connected"] for r in runs], 0)
        print(
            f"{side}: sockets open {sockets} of {runs[0][side]['clients']}; over all runs "
            + ", ".join(f"{n} {name}" for name, n in faults.items())
        )


def print_summary(results: dict[str, dict], args: argparse.Namespace) -> None:
    if not results:
        print("\nno mode ran")
        return
    print(
        f"\n== summary: {args.clients} sockets of {args.users} users; {args.first} first changes "
        f"(one per stream, reported apart), then {args.changes} changes one at a time and "
        f"{args.bursts} bursts of {args.burst_size}, over {args.streams} streams; latency from "
        "the commit (portal) or the group_send (baseline) to a socket"
    )
    for mode, result in results.items():
        procs = result["runs"][0]["portal"]["processes"] if result["runs"] else "?"
        mode_table(result, f"{mode} ({procs} daphne process(es))")
        ratios = [
            _figure(r["portal"], ("all", "p99")) / _figure(r["bare"], ("all", "p99"))
            for r in result["runs"]
            if _figure(r["portal"], ("all", "p99")) and _figure(r["bare"], ("all", "p99"))
        ]
        lost = sum(
            r["portal"][k]
            for r in result["runs"]
            for k in ("missing", "duplicates", "leaked", "unexpected", "changes_failed")
        )
        within = ratios and max(ratios) <= TARGET_P99_RATIO
        print(
            f"target: p99 within {TARGET_P99_RATIO}x of the baseline in every run: "
            f"{'yes' if within else 'NO'} (all deliveries: {spread(ratios, 2)}); "
            f"{'nothing lost, repeated or leaked' if not lost else f'{lost} faults'}"
        )
        for note in result.get("notes", []):
            print(f"note: {note}")


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
    sockets: list[tuple[str, list[str]]]  # (session key, streams its user may read)
    plan: list[Change]
    roles: dict[str, int]  # sockets per role
    users: int


@dataclass
class Outcome:
    label: str
    processes: int
    clients: int
    connected: int = 0
    connect_seconds: float = 0.0
    changes_made: int = 0
    change_errors: list[str] = field(default_factory=list)
    changes_failed: int = 0
    stats: dict = field(default_factory=dict)  # part -> {"n", "p50", "p99", "max", ...}
    missing: int = 0
    duplicates: int = 0
    unexpected: int = 0
    notifications: int = 0  # events on the sockets' own `user:<id>` streams (notifications)
    leaked: int = 0
    late: int = 0
    no_commit_stamp: int = 0
    call_ms: float = 0.0  # median time of a change's call (HTTP request or service call)
    closed_by_server: dict[str, int] = field(default_factory=dict)
    other_messages: dict[str, int] = field(default_factory=dict)
    server_cpu_seconds: float = 0.0
    client_cpu_seconds: float = 0.0
    rss_before_kb: int = 0
    rss_connected_kb: int = 0
    rss_end_kb: int = 0
    rss_kb_per_socket: float = 0.0
    drain_seconds: float = 0.0
    log_findings: list[str] = field(default_factory=list)
    slowest: list[dict] = field(default_factory=list)


def run_phase(args: argparse.Namespace) -> None:
    mode = args.phase
    if mode == "service" and not os.environ.get("DATABASE_URL"):
        raise SystemExit("bench: the service mode needs DATABASE_URL")
    with stopwatch("migrate a throwaway database"):
        db = setup_django()
    print(f"database: {db.description}", flush=True)
    logdir = Path(tempfile.mkdtemp(prefix="realtime-logs-"))
    per_run = args.first + args.changes + args.bursts * args.burst_size
    try:
        with stopwatch(
            f"data set, {args.users} users, {args.clients} sessions, {args.runs} x {per_run} "
            "changes planned"
        ):
            fixture = prepare(args, per_run * args.runs)
        from django.db import connections

        connections.close_all()  # the bench process stays off the database from here on
        processes = 1 if mode == "embedded" else args.processes
        from django.conf import settings

        portal_layer = settings.CHANNEL_LAYERS["default"]["BACKEND"]
        bare_layer = (
            portal_layer if args.bare_layer == "portal" else "channels.layers.InMemoryChannelLayer"
        )
        prefixes = []
        runs = []
        for run in range(args.runs):
            plan = fixture.plan[run * per_run : (run + 1) * per_run]
            outcomes = {}
            order = ("portal", "bare") if run % 2 == 0 else ("bare", "portal")
            for side in order:
                env = dict(os.environ)
                if mode == "service":
                    env["CHANNEL_LAYER_PREFIX"] = (
                        f"bench-{side}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
                    )
                    prefixes.append(env["CHANNEL_LAYER_PREFIX"])
                print(f"\n-- run {run + 1}/{args.runs}: {side}", flush=True)
                outcomes[side] = asyncio.run(
                    scenario(
                        label="portal" if side == "portal" else "bare Channels (baseline)",
                        app=PORTAL_APP if side == "portal" else BARE_APP,
                        processes=processes,
                        env=env,
                        logdir=logdir,
                        args=args,
                        fixture=fixture,
                        portal=side == "portal",
                        plan=plan,
                        mode=mode,
                    )
                )
            for side in ("portal", "bare"):
                print_outcome(outcomes[side])
            runs.append({side: asdict(o) for side, o in outcomes.items()})
        if mode == "service":
            for prefix in prefixes:
                forget_redis_keys(os.environ["REDIS_URL"], prefix)
        roles = ", ".join(f"{n} {role}" for role, n in fixture.roles.items())
        notes = [
            f"the portal's sockets: {roles}; {fixture.users} distinct users",
            f"the baseline consumer's dispatch: {args.bare_dispatch}",
        ]
        if mode == "embedded":
            notes.append(f"channel layer: the portal's {portal_layer}, the baseline's {bare_layer}")
        Path(args.result).write_text(json.dumps({"runs": runs, "notes": notes}))
    finally:
        db.drop()
        if args.keep_logs:
            print(f"daphne logs kept in {logdir}")
        else:
            for log in logdir.glob("*"):
                log.unlink()
            logdir.rmdir()


def prepare(args: argparse.Namespace, changes: int) -> Fixture:
    """A small data set, the users and sessions of the sockets, a token, the changes to make."""
    from _common import build_dataset
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group
    from django.utils.module_loading import import_string
    from wagtail.models import APIToken

    from portal.models import StreamHead, User
    from portal.roles import (
        ENTERPRISE_GROUP_NAME,
        HELPERS_GROUP_NAME,
        OFFICERS_GROUP_NAME,
        STAFF_GROUP_NAME,
    )
    from portal.streams import stream_readable
    from projects.models import Approval, Department, Enterprise, Project
    from projects.permissions import grant_helper

    helper_projects = max(2 * args.streams, 10)
    data = build_dataset(
        projects=max(60, 4 * args.streams), approvals_per_project=8, helper_projects=helper_projects
    )
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
    changed = [Project.objects.get(pk=a.project_id) for a in approvals]
    streams = [f"project:{p.pk}" for p in changed]

    # The users behind the sockets: a realistic mix, each deciding access for themselves.
    names = (STAFF_GROUP_NAME, HELPERS_GROUP_NAME, OFFICERS_GROUP_NAME, ENTERPRISE_GROUP_NAME)
    groups = {name: Group.objects.get(name=name) for name in names}
    n = args.users
    shares = {"staff": n * 15 // 100, "helper": n * 35 // 100, "officer": n * 30 // 100}
    shares["enterprise"] = n - sum(shares.values())
    departments = list(Department.objects.order_by("pk"))
    other_enterprises = list(
        Enterprise.objects.exclude(pk__in=[p.enterprise_id for p in changed]).order_by("pk")
    )
    users: list[tuple[str, User]] = []
    for role, count in shares.items():
        for i in range(count):
            user = User.objects.create_user(
                f"bench-rt-{role}-{i}", password=None, name=f"{role} {i}"
            )
            if role == "staff":
                user.groups.add(groups[STAFF_GROUP_NAME])
            elif role == "helper":
                user.groups.add(groups[HELPERS_GROUP_NAME])
                for project in (changed[i % len(changed)], changed[(i * 7 + 3) % len(changed)]):
                    project.helpers.add(user)
                    grant_helper(user, project)
            elif role == "officer":
                user.groups.add(groups[OFFICERS_GROUP_NAME])
                departments[i % len(departments)].officers.add(user)
            else:
                user.groups.add(groups[ENTERPRISE_GROUP_NAME])
                # Half the enterprise users are of the changed projects' enterprises.
                enterprise_id = (
                    changed[i % len(changed)].enterprise_id
                    if i % 2 == 0 or not other_enterprises
                    else other_enterprises[i % len(other_enterprises)].pk
                )
                Enterprise.users.through.objects.create(enterprise_id=enterprise_id, user=user)
            users.append((role, user))

    readable: dict[int, list[str]] = {}
    for _role, user in users:
        fresh = User.objects.get(pk=user.pk)  # rights as they are now, no cached roles
        readable[user.pk] = [s for s in streams if stream_readable(fresh, s)]

    store_class = import_string(settings.SESSION_ENGINE + ".SessionStore")
    # The backend a password sign-in records (the first one only refuses locked-out sign-ins).
    backend = "django.contrib.auth.backends.ModelBackend"
    if backend not in settings.AUTHENTICATION_BACKENDS:
        raise SystemExit(f"bench: {backend} is not in AUTHENTICATION_BACKENDS")

    def session_of(user) -> str:
        session = store_class()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return session.session_key

    # Socket i is user i mod --users: the users past the first --clients have two tabs.
    sockets, roles = [], Counter()
    for i in range(args.clients):
        role, user = users[i % len(users)]
        sockets.append((session_of(user), readable[user.pk]))
        roles[role] += 1
    _, token = APIToken.create_token(user=data.staff, name="bench-realtime")

    # Each approval goes round receive, accept, then request_supplement / supplement.
    heads = {}
    status = {a.pk: a.status for a in approvals}
    material = {a.pk: a.materials.order_by("pk").values_list("pk", flat=True)[0] for a in approvals}
    for stream in streams:
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
    for i in range(changes):
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
        sockets=sockets,
        plan=plan,
        roles=dict(roles),
        users=len(users),
    )


# --- servers and clients ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_stat(pid: int) -> tuple[float, int]:
    """CPU seconds (user + system) and resident memory (KB) of a process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        rss = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
        return cpu, rss
    except (OSError, IndexError, ValueError):
        return 0.0, 0


class Server:
    """A daphne process on a loopback port, stopped by its pid (its own process group)."""

    def __init__(self, app: str, env: dict, log: Path):
        self.port = free_port()
        self.log = log
        self.proc = subprocess.Popen(
            # A handshake may wait long on a busy machine: the bench measures delivery, not how
            # many sockets daphne's 5-second default lets connect at once.
            [
                sys.executable,
                "-m",
                "daphne",
                "--websocket_connect_timeout",
                "120",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                app,
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, path: str, timeout: float = 90) -> None:
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
        return proc_stat(self.proc.pid)[0]

    def rss_kb(self) -> int:
        return proc_stat(self.proc.pid)[1]

    def get_json(self, path: str):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", path)
            return json.loads(conn.getresponse().read())
        finally:
            conn.close()

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


class ClientProcess:
    """bench/_realtime_clients.py: holds a share of the sockets, says when they have an event."""

    def __init__(self, proc: asyncio.subprocess.Process, streams: Counter, everyone: int):
        self.proc = proc
        self.readers = streams  # stream -> its sockets that may read it
        self.everyone = everyone
        self.ready: asyncio.Future = asyncio.get_running_loop().create_future()
        self.result: asyncio.Future = asyncio.get_running_loop().create_future()
        self.reader = asyncio.create_task(self._read())
        self.on_done = None

    @classmethod
    async def start(cls, sockets: list[dict], hello: str | None, concurrency: int, env: dict):
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(HERE / "_realtime_clients.py"),
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**30,
            start_new_session=True,
        )
        readers: Counter = Counter()
        everyone = 0
        for s in sockets:
            if s["streams"] is None:
                everyone += 1
            else:
                readers.update(s["streams"])
        client = cls(proc, readers, everyone)
        config = {"sockets": sockets, "hello": hello, "concurrency": concurrency}
        proc.stdin.write((json.dumps(config) + "\n").encode())
        await proc.stdin.drain()
        return client

    def hears(self, stream: str) -> bool:
        return self.everyone > 0 or self.readers[stream] > 0

    async def _read(self) -> None:
        while line := await self.proc.stdout.readline():
            message = json.loads(line)
            if "done" in message:
                if self.on_done is not None:
                    self.on_done(self, message["done"])
            elif "ready" in message:
                self.ready.set_result(message)
            elif "result" in message:
                self.result.set_result(message["result"])
        for future in (self.ready, self.result):
            if not future.done():
                future.set_exception(RuntimeError("a client process ended early"))

    async def report(self, t0: dict[str, float], timeout: float) -> dict:
        self.proc.stdin.write((json.dumps({"report": t0}) + "\n").encode())
        await self.proc.stdin.drain()
        return await asyncio.wait_for(self.result, timeout)

    async def stop(self) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(Exception):
                self.proc.stdin.close()
            try:
                await asyncio.wait_for(self.proc.wait(), 20)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                await self.proc.wait()
        self.reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.reader

    def cpu_seconds(self) -> float:
        return proc_stat(self.proc.pid)[0]


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
            ready = await asyncio.wait_for(proc.stdout.readline(), 90)
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


def bare_group(stream: str) -> str:
    """The bare baseline's group for a stream (group names take no colon)."""
    return "s-" + stream.replace(":", "-")


def bare_event(stream: str, seq: int) -> dict:
    """An event the size and shape of an approval event, with the portal change's key."""
    n = seq
    return {
        "stream": stream,
        "seq": seq,
        "event": "approval.supplemented",
        "at": datetime.now(UTC).isoformat(),
        "actor": "bench-staff",
        "data": {
            "approval_id": 1000 + n,
            "item": {"code": "BENCH-ITEM-001", "name": "审批事项1", "name_en": "Approval item 1"},
            "department": {"id": 3, "name": "生态环境分局", "name_en": "Ecology Bureau"},
            "status": "accepted",
            "due_date": "2026-10-12",
            "statutory_due_date": "2026-11-02",
            "materials": [{"name": "环境影响报告表", "name_en": "EIA report"}],
            "actor_name": "基准员工",
        },
    }


def stats(samples: list[float]) -> dict:
    if not samples:
        return {}
    return {
        "n": len(samples),
        "p50": percentile(samples, 50),
        "p90": percentile(samples, 90),
        "p99": percentile(samples, 99),
        "p999": percentile(samples, 99.9),
        "max": max(samples),
    }


async def scenario(
    *,
    label: str,
    app: str,
    processes: int,
    env: dict,
    logdir: Path,
    args: argparse.Namespace,
    fixture: Fixture,
    portal: bool,
    plan: list[Change],
    mode: str,
) -> Outcome:
    """Start the servers and the socket clients, make the changes, count what arrived."""
    outcome = Outcome(label, processes, args.clients)
    tag = "portal" if portal else "bare"
    servers: list[Server] = []
    clients: list[ClientProcess] = []
    sender: Sender | None = None
    posters: list[HttpPoster] = []
    try:
        with stopwatch(f"start {processes} daphne process(es)"):
            for i in range(processes):
                servers.append(
                    Server(app, env, logdir / f"daphne-{tag}-{i}-{uuid.uuid4().hex[:4]}.log")
                )
            for server in servers:
                await asyncio.to_thread(server.wait_ready, "/healthz" if portal else "/")
        await asyncio.sleep(1.0)
        outcome.rss_before_kb = sum(s.rss_kb() for s in servers)

        # Socket i goes to server i mod processes, and to client process i mod client-procs.
        shares: list[list[dict]] = [[] for _ in range(args.client_procs)]
        for i in range(args.clients):
            url = servers[i % processes].url.replace("http://", "ws://") + "/ws/events/"
            cookie, streams = fixture.sockets[i]
            if not portal:
                # The same streams as the portal's socket i, one bare group each, so that each
                # change reaches as many sockets on both sides (none are asked for permission).
                cookie = None
                url += "?groups=" + ".".join(bare_group(stream) for stream in streams)
            shares[i % args.client_procs].append({"url": url, "cookie": cookie, "streams": streams})
        hello = json.dumps({"type": "resume", "after": {}}) if portal else None
        started = time.perf_counter()
        for share in shares:
            if share:
                clients.append(
                    await ClientProcess.start(share, hello, args.connect_concurrency, env)
                )
        ready = [await asyncio.wait_for(c.ready, 120 + args.clients * 0.2) for c in clients]
        outcome.connect_seconds = time.perf_counter() - started
        outcome.connected = sum(r["ready"] for r in ready)
        failures = [r["error"] for r in ready if r["failed"]]
        print(
            f"{outcome.connected}/{args.clients} sockets open in {outcome.connect_seconds:.1f} s"
            + (f"; a failure: {failures[0]}" if failures else ""),
            flush=True,
        )
        if not outcome.connected:
            raise RuntimeError("no socket could connect")
        await asyncio.sleep(1.0)
        outcome.rss_connected_kb = sum(s.rss_kb() for s in servers)
        outcome.rss_kb_per_socket = round(
            (outcome.rss_connected_kb - outcome.rss_before_kb) / outcome.connected, 1
        )

        # Who must say "done" for each key, and the events that wake the change loop.
        waiting: dict[str, asyncio.Event] = {}
        reported: dict[str, set[int]] = {}

        def expected(key: str) -> list[ClientProcess]:
            stream = key.rsplit(" ", 1)[0]
            return [c for c in clients if c.hears(stream)]

        def on_done(client: ClientProcess, key: str) -> None:
            reported.setdefault(key, set()).add(id(client))
            if key in waiting and len(reported[key]) >= len(expected(key)):
                waiting[key].set()

        for client in clients:
            client.on_done = on_done

        def expect(key: str) -> asyncio.Event:
            event = waiting[key] = asyncio.Event()
            if len(reported.get(key, ())) >= len(expected(key)):
                event.set()
            return event

        # How each change is made: over HTTP on a web process, or by the worker process.
        web_share = 1.0 if processes == 1 else args.web_share
        if web_share < 1.0:
            sender = await (
                Sender.start("service", str(fixture.staff_id), env=env)
                if portal
                else Sender.start("bare", env=env)
            )
        auth = {"Authorization": f"Bearer {fixture.token}"} if portal else {}
        posters = [HttpPoster(s.port, auth) for s in servers]
        t0s: dict[str, float] = {}  # key -> where its latency starts
        web_keys: set[str] = set()  # the portal's made over HTTP: commit stamped by the server
        made_by_web: set[str] = set()
        calls: list[float] = []

        async def change(i: int) -> str:
            by_web = int((i + 1) * web_share) > int(i * web_share)
            if portal:
                step = plan[i]
                key = f"{step.stream} {step.seq}"
                body = {"action": step.action, **step.payload}
                path = f"/api/v1/approvals/{step.approval_id}/transitions"
                request = {"approval_id": step.approval_id, "action": step.action}
                request["payload"] = step.payload
            else:
                step = plan[i]
                key = f"{step.stream} {step.seq}"
                body = request = {
                    "group": bare_group(step.stream),
                    "event": bare_event(step.stream, step.seq),
                }
                path = "/send"
            expect(key)
            if by_web:
                made_by_web.add(key)
                poster = posters[i % len(posters)]
                t0, t1, status, content = await asyncio.to_thread(poster.post, path, body)
                if status != 200:
                    raise RuntimeError(f"HTTP {status}: {content[:200]!r}")
                if portal:
                    web_keys.add(key)  # its commit time comes from the server afterwards
                else:
                    t0s[key] = json.loads(content)["t0"]
            else:
                answer = await sender.call(request, timeout=60)
                if "error" in answer:
                    raise RuntimeError(answer["error"])
                t0, t1 = answer["t0"], answer["t1"]
                t0s[key] = t0
            calls.append(t1 - t0)
            return key

        made: list[str] = []
        single_keys: set[str] = set()
        cpu_before = sum(s.cpu_seconds() for s in servers)

        async def make(i: int) -> str | None:
            try:
                key = await change(i)
            except Exception as error:  # noqa: BLE001 - reported, the run goes on
                outcome.change_errors.append(f"change {i}: {type(error).__name__}: {error}")
                outcome.changes_failed += 1
                return None
            made.append(key)
            return key

        async def wait_for(keys: list[str]) -> None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    asyncio.gather(*(waiting[k].wait() for k in keys)), args.timeout
                )

        first_keys: set[str] = set()
        with stopwatch(f"{args.first} first changes, one at a time"):
            for i in range(args.first):
                key = await make(i)
                if key is not None:
                    first_keys.add(key)
                    await wait_for([key])
                await asyncio.sleep(args.pause)
        with stopwatch(f"{args.changes} changes one at a time"):
            for i in range(args.first, args.first + args.changes):
                key = await make(i)
                if key is not None:
                    single_keys.add(key)
                    await wait_for([key])
                await asyncio.sleep(args.pause)
        with stopwatch(f"{args.bursts} bursts of {args.burst_size} changes"):
            for b in range(args.bursts):
                first = args.first + args.changes + b * args.burst_size
                keys = [await make(i) for i in range(first, first + args.burst_size)]
                await wait_for([k for k in keys if k is not None])
                await asyncio.sleep(max(0.2, args.pause))
        # Late and repeated deliveries: the log poller (LIVE_POLL_SECONDS) catches up.
        settle_started = time.monotonic()
        settled, drained = settle_started + args.settle, settle_started + args.settle + args.drain
        while time.monotonic() < drained:
            if all(waiting[k].is_set() for k in made) and time.monotonic() >= settled:
                break
            await asyncio.sleep(0.25)
        outcome.drain_seconds = round(time.monotonic() - settle_started, 1)
        outcome.server_cpu_seconds = round(sum(s.cpu_seconds() for s in servers) - cpu_before, 2)
        outcome.rss_end_kb = sum(s.rss_kb() for s in servers)
        outcome.changes_made = len(made)
        outcome.call_ms = round(statistics.median(calls) * 1000, 1) if calls else 0.0

        if portal:
            commits = {}
            for server in servers:
                for stream, seq, at in await asyncio.to_thread(server.get_json, "/bench/commits"):
                    commits[f"{stream} {seq}"] = at
            for key in web_keys:
                if key in commits:
                    t0s[key] = commits[key]
                else:
                    outcome.no_commit_stamp += 1
        reports = [await c.report({k: t0s[k] for k in made if k in t0s}, 300) for c in clients]
        samples: dict[str, list[float]] = {
            "first": [],
            "single": [],
            "single web": [],
            "single worker": [],
            "burst": [],
            "all": [],
        }
        per_key: dict[str, list[float]] = {}
        for report in reports:
            for key, values in report["latencies"].items():
                if key in first_keys:
                    samples["first"] += values
                    continue
                part = "single" if key in single_keys else "burst"
                samples[part] += values
                if part == "single":
                    samples["single web" if key in made_by_web else "single worker"] += values
                samples["all"] += values
                per_key.setdefault(key, []).extend(values)
            for name in ("missing", "duplicates", "unexpected", "leaked"):
                setattr(outcome, name, getattr(outcome, name) + report[name])
            outcome.notifications += report.get("notifications", 0)
            for code, n in report["closed_by_server"].items():
                outcome.closed_by_server[code] = outcome.closed_by_server.get(code, 0) + n
            for kind, n in report["other_messages"].items():
                outcome.other_messages[kind] = outcome.other_messages.get(kind, 0) + n
            outcome.client_cpu_seconds += report["cpu_seconds"]
        outcome.late = sum(
            1 for part in ("first", "all") for v in samples[part] if v > LATE_SECONDS * 1000
        )
        outcome.stats = {part: stats(values) for part, values in samples.items()}
        order = {key: n for n, key in enumerate(made)}
        outcome.slowest = [
            {
                "n": order.get(key, -1),
                "key": key,
                "burst": key not in single_keys,
                "p50": percentile(values, 50),
                "max": max(values),
                "sockets": len(values),
            }
            for key, values in sorted(per_key.items(), key=lambda kv: -max(kv[1] or [0]))[:SLOWEST]
            if values
        ]
    finally:
        for client in clients:
            await client.stop()
        if sender is not None:
            await sender.stop()
        for poster in posters:
            poster.close()
        for server in servers:
            server.stop()
        for server in servers:
            outcome.log_findings += log_findings(server.log)
    return outcome


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.1f}"


def print_outcome(o: Outcome) -> None:
    print(
        f"\n{o.label}: {o.connected}/{o.clients} sockets on {o.processes} process(es), "
        f"open in {o.connect_seconds:.1f} s; {o.changes_made} changes (call median "
        f"{o.call_ms} ms); daphne CPU {o.server_cpu_seconds} s, clients' CPU "
        f"{o.client_cpu_seconds:.1f} s; RSS {o.rss_before_kb // 1024} MB before the sockets, "
        f"{o.rss_connected_kb // 1024} MB with them ({o.rss_kb_per_socket} KB per socket), "
        f"{o.rss_end_kb // 1024} MB at the end"
    )
    rows = []
    names = {
        "first": "first of each stream",
        "single": "one at a time",
        "single web": "  made over HTTP",
        "single worker": "  made by the worker",
        "burst": "bursts",
        "all": "all but the first",
    }
    for part in ("first", "single", "single web", "single worker", "burst", "all"):
        s = o.stats.get(part) or {}
        rows.append(
            (
                names[part],
                s.get("n", 0),
                _fmt(s.get("p50")),
                _fmt(s.get("p90")),
                _fmt(s.get("p99")),
                _fmt(s.get("p999")),
                _fmt(s.get("max")),
            )
        )
    print_table(("deliveries", "n", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms"), rows)
    print(
        f"missing {o.missing}, duplicates {o.duplicates}, unexpected {o.unexpected}, leaked "
        f"{o.leaked}, own notifications {o.notifications}, late (> {LATE_SECONDS:.0f} s) "
        f"{o.late}, changes failed {o.changes_failed}"
        + (f", no commit stamp {o.no_commit_stamp}" if o.no_commit_stamp else "")
        + f"; waited {o.drain_seconds} s after the last change"
    )
    if o.slowest:
        print(
            "slowest changes: "
            + "; ".join(
                f"#{c['n']} {c['key']}{' (burst)' if c['burst'] else ''} p50 {c['p50']:.0f} "
                f"max {c['max']:.0f} ms"
                for c in o.slowest
            )
        )
    for error in o.change_errors[:5]:
        print(f"change failed: {error}")
    if o.closed_by_server:
        print(f"sockets closed by the server during the run, by close code: {o.closed_by_server}")
    if o.other_messages:
        print(f"other messages: {o.other_messages}")
    for finding in o.log_findings:
        print(f"daphne log: {finding}")


if __name__ == "__main__":
    main()
