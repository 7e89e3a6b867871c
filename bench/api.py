"""How fast the JSON API answers on a realistic data set, against a minimal view.

    .venv/bin/python bench/api.py [--projects 5000 --approvals 20 --requests 200 --runs 3]
    .venv/bin/python bench/api.py --projects 5000 --grow-to 50000   # how the costs grow

The project list and detail (as staff and as a helper) and one project's events after a seq.

Builds a throwaway database (SQLite in a temporary directory, or a new PostgreSQL database
when DATABASE_URL is set), fills it in bulk, then times requests in-process with Django's
test client through the whole middleware stack, in --runs timing passes; every figure is
min / median / max over the passes, each ratio taken within its pass. Prints figures; never
asserts on time.
"""

from __future__ import annotations

import argparse
import json
import sys
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=5000)
    parser.add_argument("--approvals", type=int, default=20, help="approvals per project")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per endpoint")
    parser.add_argument("--helper-projects", type=int, default=30)
    parser.add_argument("--limit", type=int, default=50, help="page size of the project list")
    parser.add_argument("--runs", type=int, default=3, help="timing passes")
    parser.add_argument(
        "--grow-to",
        type=int,
        default=0,
        help="then grow the same data set to this many projects and measure again, printing "
        "how each cost grew (the measured helper's projects stay the same)",
    )
    add_gc_argument(parser)
    parser.add_argument("--show-queries", action="store_true", help="print each request's SQL")
    return parser


def parse_args() -> argparse.Namespace:
    return build_parser().parse_args()


def main() -> None:
    args = parse_args()
    with stopwatch("migrate a throwaway database"):
        db = setup_django(urlconf="bench._urls")
    print(f"database: {db.description}")

    from _common import DatasetBuilder
    from django.test import Client

    builder = DatasetBuilder(
        approvals_per_project=args.approvals, helper_projects=args.helper_projects
    )
    sizes_wanted = [args.projects] + ([args.grow_to] if args.grow_to > args.projects else [])
    gc_note, medians, counted = "", {}, {}
    calls = {}
    for size in sizes_wanted:
        with stopwatch(
            f"{'grow to' if builder.projects else 'build'} {size} projects x {args.approvals} "
            "approvals"
        ):
            data = builder.grow_to(size)
        print(
            f"data: {data.projects} projects, {data.approvals} approvals, {data.materials} "
            f"materials, {data.events} events, {data.permissions} object permissions; "
            f"built in {data.seconds:.1f} s"
        )
        if db.vendor == "postgresql":
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        if not calls:
            gc_note = apply_gc(args.gc, args.gc_thresholds)
            staff, helper = Client(), Client()
            staff.force_login(data.staff)
            helper.force_login(data.helper)
            project_id = data.helper_project_ids[0]
            stream = f"project:{project_id}"
            endpoints = {
                BASELINE: (staff, "/bench/minimal"),
                "GET /api/v1/projects (staff)": (staff, f"/api/v1/projects?limit={args.limit}"),
                "GET /api/v1/projects (helper)": (
                    helper,
                    f"/api/v1/projects?limit={args.limit}",
                ),
                "GET /api/v1/projects/{id} (staff)": (staff, f"/api/v1/projects/{project_id}"),
                "GET /api/v1/projects/{id} (helper)": (
                    helper,
                    f"/api/v1/projects/{project_id}",
                ),
                "GET /api/v1/events?stream=project:{id} (helper)": (
                    helper,
                    f"/api/v1/events?stream={stream}&after=0&limit=100",
                ),
            }
            calls = {label: request(client, url) for label, (client, url) in endpoints.items()}
        medians[size], counted[size] = measure(calls, data, args, db, gc_note)

    if len(sizes_wanted) > 1:
        small, large = sizes_wanted
        print(f"\nhow each cost grew from {small} to {large} projects (median of the runs)")
        print_table(
            (
                "endpoint",
                f"ms @{small}",
                f"ms @{large}",
                "x growth",
                f"queries @{small}",
                f"queries @{large}",
            ),
            [
                (
                    label,
                    medians[small][label],
                    medians[large][label],
                    f"{medians[large][label] / medians[small][label]:.2f}",
                    counted[small][label],
                    counted[large][label],
                )
                for label in calls
            ],
        )
    db.drop()


def request(client, url: str):
    def call():
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"bench: GET {url} answered {response.status_code}")
        return response

    return call


def measure(calls, data, args, db, gc_note) -> tuple[dict[str, float], dict[str, int]]:
    """Check, count and time every endpoint at the data set's present size; print the table."""
    _check(calls, data, args)
    queries, sizes = {}, {}
    for label, call in calls.items():
        queries[label], sql = count_queries(call)
        sizes[label] = len(call().content)
        if args.show_queries:
            print(f"\n{label}: {len(sql)} queries")
            for statement in sql:
                print(f"  {statement}")

    warmup = max(5, args.requests // 10)
    with (
        stopwatch(
            f"time {args.runs} x {args.requests} requests per endpoint after {warmup} warm-up"
        ),
        GcWatch() as collector,
    ):
        runs = time_runs(calls, requests=args.requests, warmup=warmup, runs=args.runs)

    print(f"\nat {data.projects} projects")
    print_table(
        ("endpoint", *RUN_HEADERS, "queries", "KB"),
        [
            (
                label,
                *run_columns(runs, label, BASELINE),
                queries[label],
                f"{sizes[label] / 1024:.1f}",
            )
            for label in calls
        ],
    )
    print(f"\n{RUN_NOTE}")
    print(f"in-process test client on {db.vendor}, list page size {args.limit}")
    print(f"{gc_note}; collections while timing: {collector.summary()}")
    print("baseline: a JsonResponse view reading request.user (the session and user queries)")
    medians = {label: statistics.median(run[label].median_ms for run in runs) for label in calls}
    return medians, queries


def _check(calls, data, args) -> None:
    """The figures mean nothing if the endpoints answer something else: check what they see."""
    staff_page = json.loads(calls["GET /api/v1/projects (staff)"]().content)
    helper_page = json.loads(calls["GET /api/v1/projects (helper)"]().content)
    detail = json.loads(calls["GET /api/v1/projects/{id} (staff)"]().content)
    expected = {
        "staff count": (staff_page["count"], data.projects),
        "staff page": (len(staff_page["items"]), min(args.limit, data.projects)),
        "helper count": (helper_page["count"], len(data.helper_project_ids)),
        "detail approvals": (len(detail["approvals"]), args.approvals),
    }
    wrong = {k: v for k, v in expected.items() if v[0] != v[1]}
    if wrong:
        raise SystemExit(f"bench: unexpected answers (got, expected): {wrong}")


if __name__ == "__main__":
    main()
