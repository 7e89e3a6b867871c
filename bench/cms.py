"""How fast the public portal's pages answer, against a minimal view in the same run.

    .venv/bin/python bench/cms.py [--policies 300 --requests 200 --runs 3]

Builds a throwaway database (SQLite in a temporary directory, or a new PostgreSQL database when
DATABASE_URL is set) with the demo's pages, catalogue and guides, plus --policies generated
policies (each with a body, topics and a linked approval item) and as many news articles, then
times the pages in-process with Django's test client through the whole middleware stack, as an
anonymous visitor (and the home page as signed-in staff). Each page is compared with a minimal
view requested the same way: the anonymous pages with an anonymous request, the staff home page
with a signed-in one (which also reads the session and the user). Counts each page's queries at
the demo size and again after the policies are added: a count that grows runs a query per row
somewhere. The timing is --runs passes: every figure is min / median / max over the passes,
each ratio taken within its pass. Prints figures; never asserts on time.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from datetime import date, timedelta
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

BASELINE = "minimal view, anonymous (baseline)"
STAFF_BASELINE = "minimal view, staff (baseline)"
FRAME = "base.html around nothing"
STAFF_HOME = "GET / (home, staff)"
SEARCH_AFRESH = "GET /search/?q=审批, not cached"


def _search_afresh(client, request):
    """The same search, each time a question the visitors' cache has not seen: another page
    number (1-999, each its own cache entry; past the last page the search shows its last
    page, so every request does the whole search). 998 numbers: enough for 4 runs of the
    default 200 requests and their warm-up; more would read some from the cache."""
    numbers = itertools.count(2)

    def call():
        return request(client, f"/search/?q=审批&page={next(numbers) % 998 + 2}")()

    return call


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policies", type=int, default=300, help="generated policies (and news)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--runs", type=int, default=3, help="timing passes")
    add_gc_argument(parser)
    parser.add_argument("--show-queries", action="store_true", help="print each request's SQL")
    return parser


def parse_args() -> argparse.Namespace:
    return build_parser().parse_args()


def baseline_of(label: str) -> str:
    """Each page against the minimal view requested the same way (signed in or not)."""
    return STAFF_BASELINE if label in (STAFF_HOME, STAFF_BASELINE) else BASELINE


def main() -> None:
    args = parse_args()
    with stopwatch("migrate a throwaway database"):
        db = setup_django(urlconf="bench._urls")
    print(f"database: {db.description}")

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from cms.demo import seed_home_pages, seed_public_pages
    from cms.models import PolicyPage
    from portal.demo import seed_accounts
    from portal.models import User
    from projects.demo import seed_projects

    with stopwatch("load the demo: accounts, catalogue, projects, pages"):
        seed_accounts(password="bench-pw")  # noqa: S106 - a throwaway database
        seed_home_pages()
        seed_projects()
        seed_public_pages()
        call_command("update_index", verbosity=0)

    anonymous = Client()
    staff = Client()
    staff.force_login(User.objects.get(username="staff"))
    policy = PolicyPage.objects.get(
        slug="investment-environment-measures", locale__language_code="zh-hans"
    )
    urls = {
        BASELINE: (anonymous, "/bench/minimal"),
        STAFF_BASELINE: (staff, "/bench/minimal"),
        FRAME: (anonymous, "/bench/minimal-page"),
        "GET / (home)": (anonymous, "/"),
        STAFF_HOME: (staff, "/"),
        "GET /en/ (home)": (anonymous, "/en/"),
        "GET policy page": (anonymous, policy.url),
        "GET /en/ policy page": (anonymous, "/en" + policy.url),
        "GET /policies/?status=in_force": (anonymous, "/policies/?status=in_force"),
        "GET /guide/DRC-02/": (anonymous, "/guide/DRC-02/"),
        "GET /guide/": (anonymous, "/guide/"),
        "GET /search/?q=审批": (anonymous, "/search/?q=审批"),
    }

    def request(client, url):
        def call():
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"bench: GET {url} answered {response.status_code}")
            return response

        return call

    calls = {label: request(client, url) for label, (client, url) in urls.items()}
    calls[SEARCH_AFRESH] = _search_afresh(anonymous, request)
    small = {label: count_queries(call)[0] for label, call in calls.items()}
    demo_policies = PolicyPage.objects.filter(locale__language_code="zh-hans").count()

    with stopwatch(f"add {args.policies} policies and {args.policies} news articles"):
        added = _grow(args.policies)
        call_command("update_index", verbosity=0)
    if db.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    total_policies = PolicyPage.objects.filter(locale__language_code="zh-hans").count()
    print(f"data: {total_policies} Chinese policies ({added} added), their news and guides")

    large = {}
    sizes = {}
    for label, call in calls.items():
        large[label], sql = count_queries(call)
        sizes[label] = len(call().content)
        if args.show_queries:
            print(f"\n{label}: {len(sql)} queries")
            for statement in sql:
                print(f"  {statement}")

    warmup = max(5, args.requests // 10)
    with stopwatch(
        f"\ntime {args.runs} x {args.requests} requests per page after {warmup} warm-up"
    ):
        gc_note = apply_gc(args.gc, args.gc_thresholds)
        with GcWatch() as collector:
            runs = time_runs(calls, requests=args.requests, warmup=warmup, runs=args.runs)

    print()
    print_table(
        (
            "request",
            *RUN_HEADERS,
            f"queries @{demo_policies}",
            f"queries @{total_policies}",
            "KB",
        ),
        [
            (
                label,
                *run_columns(runs, label, baseline_of(label)),
                small[label],
                large[label],
                f"{sizes[label] / 1024:.1f}",
            )
            for label in calls
        ],
    )
    deviation = statistics.median(statistics.pstdev(run[BASELINE].samples) * 1000 for run in runs)
    print(f"\n{RUN_NOTE}")
    print(f"{gc_note}; collections while timing: {collector.summary()}")
    print(
        f"in-process test client on {db.vendor}; baselines: a JsonResponse view reading "
        f"request.user, anonymous (sd {deviation:.2f} ms) for the anonymous pages and signed in "
        f"as staff for {STAFF_HOME!r}; {FRAME!r}: the site's frame every page pays"
    )
    print("queries @N: per request with N Chinese policies (the demo's, then with the added)")
    db.drop()


def _grow(count: int) -> int:
    """`count` policies (body, two topics, an approval item) and as many news articles."""
    from cms.models import (
        IssuingAuthority,
        NewsIndexPage,
        NewsPage,
        PolicyApprovalItem,
        PolicyIndexPage,
        PolicyPage,
    )
    from cms.richtext import sanitise
    from projects.models import ApprovalItem

    index = PolicyIndexPage.objects.get(locale__language_code="zh-hans")
    news_index = NewsIndexPage.objects.get(locale__language_code="zh-hans")
    authorities = list(IssuingAuthority.objects.all())
    items = list(ApprovalItem.objects.all())
    text = sanitise(
        "<p>为深化审批制度改革，优化营商环境，推行并联审批、限时办结和容缺受理，制定本办法。</p>"
    )
    body = [{"type": "paragraph", "value": text}] * 4
    for n in range(count):
        day = date(2020, 1, 1) + timedelta(days=n * 5)
        policy = PolicyPage(
            title=f"关于推进审批服务改革的第{n + 1}号实施办法",
            slug=f"bench-policy-{n}",
            summary="围绕项目审批全流程，提出并联审批、限时办结等措施。",
            issuing_authority=authorities[n % len(authorities)],
            document_number=f"区审批发〔{day.year}〕{n + 1}号",
            published_on=day,
            repealed_on=day + timedelta(days=900) if n % 7 == 0 else None,
            body=body,
        )
        index.add_child(instance=policy)
        policy.topics.set([f"主题{n % 12}", "审批制度改革"])
        policy.approval_item_links = [PolicyApprovalItem(item=items[n % len(items)])]
        policy.save_revision().publish()
        news_index.add_child(
            instance=NewsPage(
                title=f"审批服务动态第{n + 1}期",
                slug=f"bench-news-{n}",
                summary="区行政审批局工作动态。",
                date=day,
                body=body,
            )
        )
    return count


if __name__ == "__main__":
    main()
