"""How fast the server-rendered project pages answer on a realistic data set, vs a minimal view.

    .venv/bin/python bench/pages.py [--projects 5000 --approvals 20 --requests 100 --runs 3]

Builds a throwaway database (SQLite in a temporary directory, or a new PostgreSQL database
when DATABASE_URL is set) with uploaded material versions and comments besides what api.py
has, first with --small projects to count each page's queries, then grown to --projects to
count them again and time the pages in-process with Django's test client through the whole
middleware stack. A page whose query count differs between the two sizes, or between projects,
runs a query per row somewhere. The timing is --runs passes: every figure is min / median /
max over the passes, each ratio taken within its pass. Prints figures; never asserts on time.
"""

from __future__ import annotations

import argparse
import re
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
    DatasetBuilder,
    GcWatch,
    add_gc_argument,
    apply_gc,
    count_queries,
    print_table,
    query_times,
    run_columns,
    setup_django,
    stopwatch,
    time_runs,
)

BASELINE = "minimal view (baseline)"
FRAME = "base.html around nothing"
STAFF_LIST = "GET /projects/ (staff)"
HELPER_LIST = "GET /projects/ (helper)"
STAFF_PAGE = "GET /projects/{id}/ (staff)"
ENTERPRISE_PAGE = "GET /projects/{id}/ (enterprise)"
# Parts of the project page fetched when the reader opens them (not before the first action).
ONE_CARD = "  on demand: one approval's card (staff)"
ALL_CARDS = "  on demand: every card (staff)"
CHART = "  on demand: the timeline chart (staff)"
PAGE_SIZE = 25  # the project list's, fixed in projects.views.project_list


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=5000)
    parser.add_argument("--approvals", type=int, default=20, help="approvals per project")
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page")
    parser.add_argument("--helper-projects", type=int, default=30)
    parser.add_argument("--dump", help="write each page's HTML into this folder")
    parser.add_argument(
        "--small",
        type=int,
        default=500,
        help="count the queries first at this many projects, then grow (0: only --projects)",
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=8,
        help="projects whose page's queries are also counted, as staff and as their enterprise",
    )
    parser.add_argument("--runs", type=int, default=3, help="timing passes")
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

    from django.db import connection
    from django.test import Client

    from projects.models import Project

    builder = DatasetBuilder(
        approvals_per_project=args.approvals, helper_projects=args.helper_projects, uploads=True
    )
    sizes = [args.small] if 0 < args.small < args.projects else []
    sizes.append(args.projects)
    calls: dict = {}
    sample: list[tuple[int, Client, Client]] = []  # (project id, staff, its enterprise user)
    queries: dict[int, dict[str, int]] = {}
    sql_ms: dict[int, dict[str, float]] = {}
    slowest: dict[int, dict[str, tuple[float, str]]] = {}
    sampled: dict[int, dict[str, tuple[int, int]]] = {}
    for size in sizes:
        with stopwatch(
            f"{'grow to' if builder.projects else 'build'} {size} projects x {args.approvals} "
            "approvals, with uploads and comments"
        ):
            data = builder.grow_to(size)
        print(f"data: {data.summary}")
        if db.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        if not calls:
            project_id = data.helper_project_ids[0]
            sections = f"/projects/{project_id}/sections/"
            first_approval = Project.objects.get(pk=project_id).approvals.order_by("pk")[0].pk
            staff, helper = _client(data.staff), _client(data.helper)
            enterprise = _client(_enterprise_user(project_id))
            urls = {
                BASELINE: (staff, "/bench/minimal"),
                FRAME: (staff, "/bench/minimal-page"),
                STAFF_LIST: (staff, "/projects/"),
                HELPER_LIST: (helper, "/projects/"),
                STAFF_PAGE: (staff, f"/projects/{project_id}/"),
                ENTERPRISE_PAGE: (enterprise, f"/projects/{project_id}/"),
                ONE_CARD: (staff, f"{sections}cards/?approval={first_approval}&fragment=1"),
                ALL_CARDS: (staff, f"{sections}cards/?fragment=1"),
                CHART: (staff, f"{sections}timeline/?fragment=1"),
            }
            calls = {label: _request(client, url) for label, (client, url) in urls.items()}
            # The same projects at every size, spread over the first size's.
            ids = list(Project.objects.order_by("pk").values_list("pk", flat=True))
            step = max(1, len(ids) // max(1, args.sample))
            sample = [
                (pk, staff, _client(_enterprise_user(pk))) for pk in ids[::step][: args.sample]
            ]
        _check(urls, data, args)
        queries[size] = {label: count_queries(call)[0] for label, call in calls.items()}
        sampled[size] = _sample_queries(sample)
        sql_ms[size], slowest[size] = _sql_profile(calls)

    print(f"\nqueries per request, and their SQL time (median of {SQL_RUNS} runs)")
    print("at each size, for the same users and project; then over the sampled projects")
    print_table(
        (
            "request",
            *(f"queries @{size}" for size in sizes),
            *(f"SQL ms @{size}" for size in sizes),
        ),
        [
            (
                label,
                *(queries[size][label] for size in sizes),
                *(sql_ms[size][label] for size in sizes),
            )
            for label in calls
        ]
        + [
            (
                f"{label}, {len(sample)} projects",
                *(_span(sampled[size][label]) for size in sizes),
                *("" for size in sizes),
            )
            for label in (STAFF_PAGE, ENTERPRISE_PAGE)
        ],
    )
    print(f"\nthe slowest query of each request at {args.projects} projects")
    for label, (seconds, sql) in slowest[args.projects].items():
        print(f"  {label}: {seconds * 1000:.2f} ms  {_brief(sql)}")

    response_sizes = {}
    for label, call in calls.items():
        content = call().content
        response_sizes[label] = len(content)
        if args.dump:
            name = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
            (Path(args.dump) / f"{name}.html").write_bytes(content)
        if args.show_queries:
            _, sql = count_queries(call)
            times = [seconds for _, seconds in query_times(call)]
            print(f"\n{label}: {len(sql)} queries")
            for statement, seconds in zip(sql, times, strict=True):
                print(f"  [{seconds * 1000:.2f} ms] {statement}")

    warmup = max(5, args.requests // 10)
    with stopwatch(
        f"\ntime {args.runs} x {args.requests} requests per page after {warmup} warm-up"
    ):
        gc_note = apply_gc(args.gc, args.gc_thresholds)
        with GcWatch() as collector:
            runs = time_runs(calls, requests=args.requests, warmup=warmup, runs=args.runs)

    print()
    print_table(
        ("request", *RUN_HEADERS, "queries", "KB"),
        [
            (
                label,
                *run_columns(runs, label, BASELINE),
                queries[args.projects][label],
                f"{response_sizes[label] / 1024:.1f}",
            )
            for label in calls
        ],
    )
    print(f"\n{RUN_NOTE}")
    print(f"{gc_note}; collections while timing: {collector.summary()}")
    print(
        f"in-process test client on {db.vendor}, {args.projects} projects x {args.approvals} "
        f"approvals, list page size {PAGE_SIZE}, Chinese (the default language)"
    )
    print("baseline: a JsonResponse view reading request.user (the session and user queries)")
    print(f"{FRAME!r}: the site's frame every page pays (navigation, user bar), as staff")
    db.drop()


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _enterprise_user(project_id: int):
    from projects.models import Project

    return Project.objects.get(pk=project_id).enterprise.users.get()


def _request(client, url: str):
    def call():
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"bench: GET {url} answered {response.status_code}")
        return response

    return call


SQL_RUNS = 5


def _sql_profile(calls) -> tuple[dict[str, float], dict[str, tuple[float, str]]]:
    """Per request: the median milliseconds spent in SQL, and its slowest query by median
    (seconds, SQL). The queries come in the same order every time, so runs line up."""
    runs: dict[str, list[list[tuple[str, float]]]] = {label: [] for label in calls}
    for _ in range(2):  # warm the database's caches after the data has grown
        for call in calls.values():
            call()
    for _ in range(SQL_RUNS):
        for label, call in calls.items():
            runs[label].append(query_times(call))
    totals, slowest = {}, {}
    for label, timed in runs.items():
        totals[label] = statistics.median(sum(s for _, s in run) for run in timed) * 1000
        medians = [
            (statistics.median(run[i][1] for run in timed), timed[0][i][0])
            for i in range(min(len(run) for run in timed))
        ]
        slowest[label] = max(medians, default=(0.0, ""))
    return totals, slowest


def _sample_queries(sample) -> dict[str, tuple[int, int]]:
    """The fewest and most queries of the project page over the sampled projects."""
    counts: dict[str, list[int]] = {STAFF_PAGE: [], ENTERPRISE_PAGE: []}
    for pk, staff, enterprise in sample:
        counts[STAFF_PAGE].append(count_queries(_request(staff, f"/projects/{pk}/"))[0])
        counts[ENTERPRISE_PAGE].append(count_queries(_request(enterprise, f"/projects/{pk}/"))[0])
    return {label: (min(n), max(n)) for label, n in counts.items()}


def _brief(sql: str, width: int = 200) -> str:
    """A query without its column list, cut to `width`: enough to tell which one it is."""
    sql = re.sub(r"^SELECT .*? FROM ", "SELECT ... FROM ", sql, count=1)
    return sql if len(sql) <= width else sql[: width - 3] + "..."


def _span(low_high: tuple[int, int]) -> str:
    low, high = low_high
    return str(low) if low == high else f"{low}-{high}"


def _check(urls, data, args) -> None:
    """The figures mean nothing if the pages show something else: check what they show.

    The totals are read from the English pages ("5000 projects"), the rest from the timed ones.
    """

    def html(label: str, prefix: str = "") -> str:
        client, url = urls[label]
        return _request(client, prefix + url)().content.decode()

    def total(page: str) -> int:
        found = re.search(r"(\d+) projects?\b", page)
        return int(found.group(1)) if found else -1

    staff_list, helper_list = html(STAFF_LIST), html(HELPER_LIST)
    staff_page, enterprise_page = html(STAFF_PAGE), html(ENTERPRISE_PAGE)
    mine = len(data.helper_project_ids)
    expected = {
        "staff total": (total(html(STAFF_LIST, "/en")), data.projects),
        "staff rows": (staff_list.count("<tr data-project="), min(PAGE_SIZE, data.projects)),
        "helper total": (total(html(HELPER_LIST, "/en")), mine),
        "helper rows": (helper_list.count("<tr data-project="), min(PAGE_SIZE, mine)),
        "staff page approvals": (staff_page.count("<tr data-approval="), args.approvals),
        "enterprise page approvals": (enterprise_page.count("<tr data-approval="), args.approvals),
        # Staff see the internal stream or may write internal comments; the enterprise not.
        "staff page internal": (
            "event--internal" in staff_page or 'name="internal"' in staff_page,
            True,
        ),
        "enterprise page internal": (
            "event--internal" in enterprise_page or 'name="internal"' in enterprise_page,
            False,
        ),
        "enterprise page still needed": ('class="still-needed"' in enterprise_page, True),
        "staff cards files": ("/files/" in html(ALL_CARDS), True),
    }
    wrong = {k: v for k, v in expected.items() if v[0] != v[1]}
    if wrong:
        raise SystemExit(f"bench: unexpected answers (got, expected): {wrong}")


if __name__ == "__main__":
    main()
