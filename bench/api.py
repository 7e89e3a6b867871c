"""How fast the JSON API answers on a realistic data set, against a minimal view.

    .venv/bin/python bench/api.py [--projects 5000 --approvals 20 --requests 200]

Builds a throwaway database (SQLite in a temporary directory, or a new PostgreSQL database
when DATABASE_URL is set), fills it in bulk, then times requests in-process with Django's
test client through the whole middleware stack. Prints figures; never asserts on time.
"""

from __future__ import annotations

import argparse
import json

from _common import (
    count_queries,
    print_table,
    setup_django,
    stopwatch,
    time_interleaved,
)

BASELINE = "minimal view (baseline)"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=5000)
    parser.add_argument("--approvals", type=int, default=20, help="approvals per project")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per endpoint")
    parser.add_argument("--helper-projects", type=int, default=30)
    parser.add_argument("--limit", type=int, default=50, help="page size of the project list")
    parser.add_argument("--show-queries", action="store_true", help="print each request's SQL")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    with stopwatch("migrate a throwaway database"):
        db = setup_django(urlconf="bench._urls")
    print(f"database: {db.description}")

    from _common import build_dataset
    from django.test import Client

    with stopwatch(f"build {args.projects} projects x {args.approvals} approvals"):
        data = build_dataset(
            projects=args.projects,
            approvals_per_project=args.approvals,
            helper_projects=args.helper_projects,
        )
    print(
        f"data: {data.projects} projects, {data.approvals} approvals, {data.materials} "
        f"materials, {data.events} events, {data.permissions} object permissions; "
        f"built in {data.seconds:.1f} s"
    )
    if db.vendor == "postgresql":
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    staff, helper = Client(), Client()
    staff.force_login(data.staff)
    helper.force_login(data.helper)
    project_id = data.helper_project_ids[0]
    endpoints = {
        BASELINE: (staff, "/bench/minimal"),
        "GET /api/v1/projects (staff)": (staff, f"/api/v1/projects?limit={args.limit}"),
        "GET /api/v1/projects (helper)": (helper, f"/api/v1/projects?limit={args.limit}"),
        "GET /api/v1/projects/{id} (staff)": (staff, f"/api/v1/projects/{project_id}"),
        "GET /api/v1/projects/{id} (helper)": (helper, f"/api/v1/projects/{project_id}"),
    }

    def request(client: Client, url: str):
        def call():
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"bench: GET {url} answered {response.status_code}")
            return response

        return call

    calls = {label: request(client, url) for label, (client, url) in endpoints.items()}
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
    with stopwatch(f"time {args.requests} requests per endpoint after {warmup} warm-up"):
        timings = time_interleaved(calls, requests=args.requests, warmup=warmup)

    base = timings[BASELINE].median_ms
    print()
    print_table(
        ("endpoint", "median ms", "p95 ms", "x baseline", "queries", "KB"),
        [
            (
                label,
                t.median_ms,
                t.p95_ms,
                f"{t.median_ms / base:.1f}",
                queries[label],
                f"{sizes[label] / 1024:.1f}",
            )
            for label, t in timings.items()
        ],
    )
    print(f"\nin-process test client on {db.vendor}, list page size {args.limit}")
    print("baseline: a JsonResponse view reading request.user (the session and user queries)")
    db.drop()


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
