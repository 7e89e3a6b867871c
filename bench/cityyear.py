"""A city's year of data: do the pages people read stay as fast as on a district's?

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/cityyear.py [--scale 1.0 --requests 30 --runs 3]

At --scale 1 the city is 50,000 projects, 1,000,000 approvals and 5,000,000 events, the
district 5,000 projects (a tenth). The district is built as api.py builds it (bulk_create through
the models: catalogue, enterprises, helpers, approvals with their materials and pauses, each
project's events), measured, then multiplied inside PostgreSQL (INSERT ... SELECT, the fastest
bulk path: no row crosses the wire) to the city's projects, approvals and materials, with each
project stream's history repeated further back in time until the event log reaches its target;
then the statistics rollups rebuilt (as the nightly job does), VACUUM ANALYZE and a
checkpoint, and the same requests again. Printed: each request's time at both sizes (min /
median / max over --runs passes, each against the minimal view in the same pass), its growth
ratio and its query count at both sizes, and the tables' and indexes' sizes. A page's time must
not grow with the tables: a growth ratio well above 1 is a scan or a count over a whole table.

PostgreSQL only (a SQLite file of this size says nothing about production). Prints figures;
never asserts.
"""

# ruff: noqa: S608 - every table name and number in the SQL here is the bench's own

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# bench/statistics.py (a benchmark) would shadow the standard library's module of that name for
# every script here: load the standard one first, so that _common gets it too.
_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p != _HERE]
import statistics  # noqa: E402

sys.path.insert(0, _HERE)

from _common import (  # noqa: E402
    RUN_HEADERS,
    RUN_NOTE,
    DatasetBuilder,
    GcWatch,
    add_gc_argument,
    apply_gc,
    count_queries,
    print_table,
    run_columns,
    setup_django,
    stopwatch,
    time_runs,
)

BASELINE = "minimal view (baseline)"
EVENTS = "GET /api/v1/events after a seq (helper)"
CITY_PROJECTS, CITY_EVENTS, DISTRICT_SHARE = 50_000, 5_000_000, 10
APPROVALS = 20


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="share of the city's size (1: 50,000 projects, 1,000,000 approvals, 5,000,000 "
        "events; the district is always a tenth of it)",
    )
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--runs", type=int, default=3, help="timing passes")
    parser.add_argument("--helper-projects", type=int, default=30)
    add_gc_argument(parser)
    parser.add_argument("--show-queries", action="store_true", help="print each request's SQL")
    return parser


def main() -> None:
    args = build_parser().parse_args()
    import os

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("bench: cityyear needs PostgreSQL: set DATABASE_URL")
    city = max(DISTRICT_SHARE, round(CITY_PROJECTS * args.scale))
    district = city // DISTRICT_SHARE
    events_wanted = round(CITY_EVENTS * args.scale)
    started = time.perf_counter()
    with stopwatch("migrate a throwaway database"):
        db = setup_django(urlconf="bench._urls")
    print(f"database: {db.description}")
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    builder = DatasetBuilder(approvals_per_project=APPROVALS, helper_projects=args.helper_projects)
    with stopwatch(f"build the district: {district} projects x {APPROVALS} approvals"):
        data = builder.grow_to(district)
    _rebuild_statistics(district)
    _analyze(connection)
    print(f"data: {_counts(connection)}")

    staff, helper = Client(), Client()
    staff.force_login(data.staff)
    helper.force_login(data.helper)
    project_id = data.helper_project_ids[0]
    stream = f"project:{project_id}"
    endpoints = {
        BASELINE: (staff, "/bench/minimal"),
        "GET /projects/ (staff)": (staff, "/projects/"),
        "GET /projects/ (helper)": (helper, "/projects/"),
        "GET /api/v1/projects (staff)": (staff, "/api/v1/projects?limit=50"),
        "GET /api/v1/projects (helper)": (helper, "/api/v1/projects?limit=50"),
        "GET /projects/{id}/ (staff)": (staff, f"/projects/{project_id}/"),
        "GET /projects/{id}/ (helper)": (helper, f"/projects/{project_id}/"),
        "GET /api/v1/projects/{id} (staff)": (staff, f"/api/v1/projects/{project_id}"),
        EVENTS: (helper, _events_url(connection, stream)),
        **_last_pages(staff),
    }
    try:
        endpoints[STATISTICS] = (staff, reverse("statistics"))
    except NoReverseMatch:
        print("note: no statistics page (reports.statistics) here: skipped")
    calls = {label: _request(client, url) for label, (client, url) in endpoints.items()}
    if STATISTICS in calls:
        # The statistics target's own baseline (bench/statistics.py): within 3x this query.
        calls[GROUP_BY] = _group_by_department
    gc_note = apply_gc(args.gc, args.gc_thresholds)

    results = {district: _measure(calls, args, district, gc_note)}
    sizes_before = _sizes(connection)

    with stopwatch(f"multiply to the city: {city} projects, about {events_wanted} events"):
        _multiply(connection, district, city, events_wanted)
    _rebuild_statistics(city)
    _analyze(connection)
    print(f"data: {_counts(connection)}")
    # The events read asks for the last few events of the stream at each size, not the copies'.
    calls[EVENTS] = _request(helper, _events_url(connection, stream))
    for label, (client, url) in _last_pages(staff).items():  # the last page of each size
        calls[label] = _request(client, url)
    results[city] = _measure(calls, args, city, gc_note)
    sizes_after = _sizes(connection)

    print(f"\nhow each cost grew from {district} to {city} projects (median of the runs)")
    rows = []
    for label in calls:
        small, large = results[district][label], results[city][label]
        rows.append(
            (
                label,
                f"{small['ms']:.2f}",
                f"{large['ms']:.2f}",
                f"{large['ms'] / small['ms']:.2f}",
                f"{small['ratio']:.1f}",
                f"{large['ratio']:.1f}",
                small["queries"],
                large["queries"],
            )
        )
    print_table(
        (
            "request",
            f"ms @{district}",
            f"ms @{city}",
            "x growth",
            f"x baseline @{district}",
            f"x baseline @{city}",
            f"queries @{district}",
            f"queries @{city}",
        ),
        rows,
    )
    if STATISTICS in calls:
        for size in (district, city):
            page, group_by = results[size][STATISTICS]["ms"], results[size][GROUP_BY]["ms"]
            print(
                f"statistics page at {size} projects: {page:.1f} ms, {page / group_by:.2f}x one "
                f"GROUP BY department over the approvals ({group_by:.1f} ms; target 3x)"
            )
    print("\ntable and index sizes (MB), the biggest")
    print_table(
        (
            "table",
            f"rows @{city}",
            f"table MB @{district}",
            f"table MB @{city}",
            f"indexes MB @{city}",
        ),
        [
            (
                name,
                rows_,
                f"{sizes_before.get(name, (0, 0, 0))[1]:.1f}",
                f"{table_mb:.1f}",
                f"{index_mb:.1f}",
            )
            for name, (rows_, table_mb, index_mb) in sorted(
                sizes_after.items(), key=lambda kv: -kv[1][1] - kv[1][2]
            )[:12]
        ],
    )
    print(f"\nwhole run: {time.perf_counter() - started:.0f} s; scale {args.scale}")
    db.drop()


def _events_url(connection, stream: str) -> str:
    """A reader who saw all but the stream's last five events asks for what follows."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_seq FROM projects_streamhead WHERE stream = %s", [stream])
        head = cursor.fetchone()[0]
    return f"/api/v1/events?stream={stream}&after={max(0, head - 5)}&limit=100"


LAST_BY_OFFSET = "GET /api/v1/projects, last page by offset (staff)"
LAST_BY_AFTER = "GET /api/v1/projects, last page after its position (staff)"


def _last_pages(client) -> dict:
    """The list's last page of 50, asked for by offset and by the position `next` gives: an
    offset makes the database read every row before it, a position starts at it."""
    total = client.get("/api/v1/projects?limit=1").json()["count"]
    offset = max(0, total - 50)
    # The `next` of the row before the last page: what a reader walking the list holds there.
    before = client.get(f"/api/v1/projects?limit=1&offset={max(0, offset - 1)}").json()
    return {
        LAST_BY_OFFSET: (client, f"/api/v1/projects?limit=50&offset={offset}"),
        LAST_BY_AFTER: (client, f"/api/v1/projects?limit=50&after={before['next']}"),
    }


STATISTICS = "GET /statistics/ (staff)"
GROUP_BY = "GROUP BY department over approvals"


class _NoContent:
    content = b""


def _group_by_department():
    """One plain `GROUP BY department` count over the approvals: what the statistics page is
    held to (within 3x, bench/statistics.py), at each size."""
    from django.db.models import Count

    from projects.models import Approval

    list(Approval.objects.order_by().values("department_id").annotate(n=Count("id")))
    return _NoContent()


def _request(client, url: str):
    def call():
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"bench: GET {url} answered {response.status_code}")
        return response

    return call


def _measure(calls, args, size: int, gc_note: str) -> dict[str, dict]:
    queries, kb = {}, {}
    for label, call in calls.items():
        queries[label], sql = count_queries(call)
        kb[label] = len(call().content) / 1024
        if args.show_queries:
            print(f"\n{label}: {len(sql)} queries")
            for statement in sql:
                print(f"  {statement}")
    warmup = max(3, args.requests // 10)
    with (
        stopwatch(f"time {args.runs} x {args.requests} requests per page at {size} projects"),
        GcWatch() as collector,
    ):
        runs = time_runs(calls, requests=args.requests, warmup=warmup, runs=args.runs)
    print(f"\nat {size} projects")
    print_table(
        ("request", *RUN_HEADERS, "queries", "KB"),
        [
            (label, *run_columns(runs, label, BASELINE), queries[label], f"{kb[label]:.1f}")
            for label in calls
        ],
    )
    print(f"{RUN_NOTE}\n{gc_note}; collections while timing: {collector.summary()}")
    out = {}
    for label in calls:
        ms = statistics.median(run[label].median_ms for run in runs)
        ratio = statistics.median(run[label].median_ms / run[BASELINE].median_ms for run in runs)
        out[label] = {"ms": ms, "ratio": ratio, "queries": queries[label]}
    return out


def _analyze(connection) -> None:
    """Planner statistics, visibility map and hint bits set, and the dirty pages written, as a
    database that has been running for a while has them: otherwise the first reads after a bulk
    load rewrite the pages they touch, autovacuum and a checkpoint run during the timing, and
    every request, the minimal view's too, is several times slower for reasons production
    does not have (seen: the minimal view at 13 ms after the city's load, 2 ms before)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")


def _rebuild_statistics(size: int) -> None:
    """The statistics page reads stored rollups once they are built (the worker keeps them
    current after each approval event; `rebuild_statistics` rewrites them nightly). Data
    written straight into the tables, as here, went past the worker: rebuild them, as a
    deployment's nightly job would, and print what that job costs at this size."""
    try:
        from reports.rollups import rebuild
    except ImportError:
        return
    with stopwatch(f"rebuild the statistics rollups at {size} projects (the nightly job)"):
        rebuild()


def _counts(connection) -> str:
    with connection.cursor() as cursor:
        parts = []
        for table in ("projects_project", "projects_approval", "projects_event"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            parts.append(f"{cursor.fetchone()[0]} {table.split('_', 1)[1]}s")
    return ", ".join(parts)


def _sizes(connection) -> dict[str, tuple[int, float, float]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, c.reltuples::bigint,
                      pg_table_size(c.oid) / 1048576.0, pg_indexes_size(c.oid) / 1048576.0
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE c.relkind = 'r' AND n.nspname = 'public'"""
        )
        return {name: (rows, t, i) for name, rows, t, i in cursor.fetchall()}


def _multiply(connection, district: int, city: int, events_wanted: int) -> None:
    """Copy the district's projects (with their helpers, approvals, materials, pauses and
    project events) until there are `city` of them, then repeat each project stream's history
    further back in time until the event log holds `events_wanted` rows."""
    from django.db import transaction

    from portal.models import Event, StreamHead
    from projects.models import Approval, ApprovalMaterial, ApprovalPause, Project

    copies = city // district - 1
    models = [Project, Project.helpers.through, Approval, ApprovalMaterial, ApprovalPause]
    cloned = {m: m._meta.db_table for m in models}
    with connection.cursor() as cursor, transaction.atomic():
        offsets = {}
        for model, table in cloned.items():
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
            offsets[model] = cursor.fetchone()[0]
        for model, table in cloned.items():
            columns, values = [], []
            for field in model._meta.concrete_fields:
                column = field.column
                columns.append(f'"{column}"')
                if field.primary_key:
                    values.append(f'"{column}" + k * {offsets[model]}')
                elif field.is_relation and field.related_model in cloned:
                    values.append(f'"{column}" + k * {offsets[field.related_model]}')
                elif getattr(field, "unique", False) and field.get_internal_type() == "CharField":
                    values.append(f"\"{column}\" || '-' || k")
                else:
                    values.append(f'"{column}"')
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"SELECT {', '.join(values)} FROM {table}, generate_series(1, {copies}) AS k "
                f"WHERE id <= {offsets[model]}"
            )
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
            )
        # The copies' event streams: project:<id>[:internal] with the copy's id.
        events, heads = Event._meta.db_table, StreamHead._meta.db_table
        renamed = (
            f"'project:' || (split_part(stream, ':', 2)::bigint + k * {offsets[Project]}) || "
            "CASE WHEN split_part(stream, ':', 3) <> '' THEN ':' || split_part(stream, ':', 3) "
            "ELSE '' END"
        )
        cursor.execute(
            f"INSERT INTO {events} (stream, seq, event, at, actor_id, data) "
            f"SELECT {renamed}, seq, event, at, actor_id, data FROM {events}, "
            f"generate_series(1, {copies}) AS k WHERE stream LIKE 'project:%%'"
        )
        cursor.execute(
            f"INSERT INTO {heads} (stream, last_seq, updated_at) "
            f"SELECT {renamed}, last_seq, updated_at FROM {heads}, "
            f"generate_series(1, {copies}) AS k WHERE stream LIKE 'project:%%'"
        )
        cursor.execute(f"SELECT count(*) FROM {events}")
        have = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(*) FROM {events} WHERE stream LIKE 'project:%%'")
        project_events = cursor.fetchone()[0]
        # Earlier years: each project stream's history again, a year further back in time per
        # repeat, numbered after its head (seqs only grow), so a page's latest events by time
        # are still the real latest and every copy is readable after a seq.
        repeats = max(0, -(-(events_wanted - have) // max(1, project_events)))  # ceiling
        left_for_last = events_wanted - have - (repeats - 1) * project_events
        last_share = min(1.0, left_for_last / max(1, project_events))
        for r in range(1, repeats + 1):
            fraction = last_share if r == repeats else 1.0
            cursor.execute(
                f"INSERT INTO {events} (stream, seq, event, at, actor_id, data) "
                f"SELECT e.stream, e.seq + h.last_seq * {r}, e.event, "
                f"e.at - interval '{365 * r} days', e.actor_id, e.data "
                f"FROM {events} e JOIN {heads} h ON h.stream = e.stream "
                f"WHERE e.stream LIKE 'project:%%' AND e.seq <= h.last_seq "
                f"AND random() < {fraction}"
            )
        if repeats:
            # Seqs stay gapless per stream only where every repeat was whole; the head moves
            # past the highest copy either way.
            cursor.execute(
                f"UPDATE {heads} h SET last_seq = m.top FROM (SELECT stream, max(seq) AS top "
                f"FROM {events} WHERE stream LIKE 'project:%%' GROUP BY stream) m "
                "WHERE m.stream = h.stream"
            )


if __name__ == "__main__":
    main()
