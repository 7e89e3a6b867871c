"""The daily supervision sweep on a bulk-generated district, and the supervision board's page.

    .venv/bin/python bench/supervision.py [--projects 1250 --grow-to 12500 --approvals 20
                                           --due-today 200 --requests 30 --runs 3]

Builds a throwaway database (SQLite in a temporary directory, or a new PostgreSQL database when
DATABASE_URL is set) with `--projects` projects x `--approvals` approvals (bench/_common.py),
then arranges the running approvals so that a known number change on the measured day: every
accepted approval was accepted on the previous working day and is due far ahead, except
`--due-today` of them: a third overdue since yesterday (red cards, each opening a case and
taking the ladder's first step), a third due tomorrow (yellow), a third untouched for ten
working days (stalled). It then times:

- the sweep on that day (cards issued, steps taken, cases opened; its queries), of which the
  stored at-risk rollup's share is timed apart (it forecasts every project not yet building);
- the same sweep again (idempotent: nothing new; its time and queries);
- with `--grow-to`, the same after growing the district to that many projects, on the next
  working day with the same number of new changes: the sweep's time must follow the changes,
  not the district (the ratio of the two days' times, with and without the rollup, is printed;
  the issue's target is 1.5 or less for 25,000 -> 250,000 approvals on PostgreSQL);
- the board (`/supervision/` as staff) against the minimal view, min / median / max over the
  runs, with its query count at each size.

Prints figures; never asserts on time.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from functools import partial
from pathlib import Path

# bench/statistics.py (a benchmark) would shadow the standard library's module of that name for
# every script here: load the standard one first, so that _common gets it too.
_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p != _HERE]
import statistics  # noqa: E402, F401 - the standard one, for _common

sys.path.insert(0, _HERE)

from _common import (  # noqa: E402
    RUN_HEADERS,
    RUN_NOTE,
    DatasetBuilder,
    print_table,
    run_columns,
    setup_django,
    stopwatch,
    time_once,
    time_runs,
)

BASELINE = "minimal view (baseline)"
BOARD = "GET /supervision/ (staff)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=1250)
    parser.add_argument("--approvals", type=int, default=20, help="approvals per project")
    parser.add_argument(
        "--grow-to", type=int, default=12500, help="then grow to this many projects (0: no)"
    )
    parser.add_argument(
        "--due-today", type=int, default=200, help="approvals that change on a measured day"
    )
    parser.add_argument("--requests", type=int, default=30, help="timed board requests per run")
    parser.add_argument("--runs", type=int, default=3)
    return parser


def arrange(day, due_today: int, seed: int) -> dict[str, int]:
    """Every accepted approval without a card: accepted on the previous working day, due far
    ahead; then `due_today` of them made to change on `day` (red, yellow, stalled)."""
    import random

    from django.db import transaction

    from projects.clock import WorkingCalendar
    from projects.models import Approval
    from projects.services import refresh_next_due
    from supervision.sweep import working_days_before

    calendar = WorkingCalendar.load()
    yesterday = working_days_before(calendar, day, 1)
    long_ago = working_days_before(calendar, day, 10)
    free = Approval.objects.filter(status="accepted", paused_since__isnull=True, cards__isnull=True)
    with transaction.atomic():
        free.update(accepted_on=yesterday, due_date=day + timedelta(days=400))
        ids = list(free.values_list("pk", flat=True))
        chosen = random.Random(seed).sample(ids, min(due_today, len(ids)))
        third = len(chosen) // 3
        red, yellow, stalled = chosen[:third], chosen[third : 2 * third], chosen[2 * third :]
        Approval.objects.filter(pk__in=red).update(accepted_on=long_ago, due_date=yesterday)
        Approval.objects.filter(pk__in=yellow).update(due_date=calendar.nth_after(day, 1))
        Approval.objects.filter(pk__in=stalled).update(accepted_on=long_ago)
        refresh_next_due()
    return {"red": len(red), "yellow": len(yellow), "stalled": len(stalled), "running": len(ids)}


class QueryCounter:
    """Counts the queries run inside it (the debug log keeps only the last 9,000)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure_day(day, label: str) -> dict:
    from django.db import connection

    from supervision import board
    from supervision.models import Case
    from supervision.sweep import run_sweep

    kept = {}

    def sweep(key: str) -> None:
        kept[key] = run_sweep(today=day).counts

    cases_before = Case.objects.count()
    first_queries, second_queries = QueryCounter(), QueryCounter()
    with connection.execute_wrapper(first_queries):
        first_seconds = time_once(lambda: sweep("first"))
    cases = Case.objects.count() - cases_before
    with connection.execute_wrapper(second_queries):
        second_seconds = time_once(lambda: sweep("second"))
    first, second = kept["first"], kept["second"]
    # The rollup's share of the day's first run: a full refresh, without this process's copy.
    board.forget_at_risk()
    rollup = time_once(lambda: board.refresh_at_risk(today=day))
    return {
        "label": label,
        "first": first_seconds,
        "first_queries": first_queries.count,
        "second": second_seconds,
        "second_queries": second_queries.count,
        "rollup": rollup,
        "cards": sum(first[c] for c in ("red", "yellow", "stalled", "action_overdue")),
        "by_colour": {c: first[c] for c in ("red", "yellow", "stalled")},
        "steps": first["steps"],
        "cases": cases,
        "again": sum(second[c] for c in ("red", "yellow", "stalled", "action_overdue"))
        + second["steps"],
        "at_risk": first["at_risk"],
    }


def count(call) -> int:
    from django.db import connection

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        call()
    return counter.count


def main() -> None:
    args = build_parser().parse_args()
    with stopwatch("migrate a throwaway database"):
        db = setup_django(urlconf="bench._urls")
    print(f"database: {db.description}")

    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from projects.clock import WorkingCalendar
    from supervision.demo_cards import last_working_day
    from supervision.ladder import seed_default_ladder

    builder = DatasetBuilder(approvals_per_project=args.approvals, helper_projects=30)
    sizes = [args.projects] + ([args.grow_to] if args.grow_to > args.projects else [])
    calendar = WorkingCalendar.load()
    day = last_working_day(timezone.localdate())
    days, results, board_queries = [], [], {}
    staff = None
    for n, size in enumerate(sizes):
        with stopwatch(f"{'grow to' if n else 'build'} {size} projects x {args.approvals}"):
            data = builder.grow_to(size)
        print(f"data: {data.summary}")
        if staff is None:
            staff = Client()
            staff.force_login(data.staff)
            seed_default_ladder(service_group_leaders=[data.staff])
        if n:
            day = calendar.nth_after(day, 1)
        arranged = arrange(day, args.due_today, seed=size)
        print(
            f"{day}: {arranged['running']} running approvals arranged; changing today: "
            f"{arranged['red']} overdue, {arranged['yellow']} due tomorrow, "
            f"{arranged['stalled']} untouched for ten working days"
        )
        if db.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        with stopwatch(f"sweep {day} twice at {size} projects"):
            results.append(measure_day(day, f"{data.approvals} approvals"))
        days.append(day)
        board_queries[size] = count(partial(staff.get, "/supervision/"))

    print("\nthe daily sweep (seconds; the rollup of projects at risk timed apart)")
    print_table(
        (
            "district",
            "first run s",
            "queries",
            "cards",
            "steps",
            "cases",
            "rollup s",
            "without rollup s",
            "second run s (rollup from this process's copy)",
            "queries",
            "new on 2nd",
        ),
        [
            (
                r["label"],
                f"{r['first']:.2f}",
                r["first_queries"],
                f"{r['cards']} {r['by_colour']}",
                r["steps"],
                r["cases"],
                f"{r['rollup']:.2f}",
                f"{max(0.0, r['first'] - r['rollup']):.2f}",
                f"{r['second']:.2f}",
                r["second_queries"],
                r["again"],
            )
            for r in results
        ],
    )
    if len(results) == 2:
        small, large = results
        bare = (large["first"] - large["rollup"]) / max(1e-9, small["first"] - small["rollup"])
        print(
            f"\nsweep time {large['label']} / {small['label']}: "
            f"{large['first'] / small['first']:.2f} with the rollup, "
            f"{bare:.2f} without it; the second (idempotent) run: "
            f"{large['second'] / small['second']:.2f}"
        )

    calls = {
        BASELINE: lambda: staff.get("/bench/minimal"),
        BOARD: lambda: staff.get("/supervision/"),
    }
    assert staff.get("/supervision/").status_code == 200
    warmup = max(3, args.requests // 10)
    with stopwatch(f"\ntime {args.runs} x {args.requests} requests per page"):
        runs = time_runs(calls, requests=args.requests, warmup=warmup, runs=args.runs)
    print()
    print_table(
        ("request", *RUN_HEADERS, *(f"queries @{s}" for s in sizes)),
        [
            (
                label,
                *run_columns(runs, label, BASELINE),
                *(board_queries[s] if label == BOARD else count(calls[label]) for s in sizes),
            )
            for label in calls
        ],
    )
    print(RUN_NOTE)
    print(f"sweep days: {', '.join(str(d) for d in days)}")


if __name__ == "__main__":
    main()
