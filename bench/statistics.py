"""The statistics page and its export on a large bulk-generated history, against one GROUP BY.

    DATABASE_URL=postgresql:///postgres?host=/var/run/postgresql \\
        .venv/bin/python bench/statistics.py [--scale 1.0 --requests 10 --runs 3]

Builds a throwaway database (see _common.py) and bulk-generates (COPY on PostgreSQL,
bulk_create in batches on SQLite) 250,000 approvals over two years (`--scale` multiplies every
count: 0.04 for a quick run) on 12,500 projects in 25 departments with 200 items and 8 towns,
1,000,000 events (received, accepted, supplement requested and answered, decided, materials
reviewed; a share accepted with materials missing), meetings, action items, cases and ratings.
Then times, in-process with the same request and the same signed-in staff user:
- the baseline: one `GROUP BY department` count over the approvals table (a plain query,
  no page), what the cheapest figure per department costs on this data;
- `/statistics/` over the two years (every figure, chart and table), and its XLSX export of the
  department table; target: at most 10 queries each and within 3x the baseline;
- `/open/` (the public figures, anonymous, built by another task) against the minimal view
  (`bench/minimal`, anonymous), target under 2x once cached; "not built" when it is not there.
Prints the figures the page shows, each request's queries and SQL time; never asserts on time.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
from datetime import UTC, date, datetime, timedelta

# This file's name is the standard library's `statistics`, which _common imports: load the real
# one first, with this directory out of the path, then put the directory back for _common.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
import statistics as _stdlib_statistics  # noqa: E402, F401

sys.path.append(_HERE)

from _common import (  # noqa: E402
    RUN_HEADERS,
    RUN_NOTE,
    count_queries,
    print_table,
    query_times,
    run_columns,
    setup_django,
    spread,
    stopwatch,
    time_runs,
)

BASELINE = "GROUP BY department over approvals (baseline)"
PAGE = "/statistics/ (two years, staff)"
EXPORT = "/statistics/?format=xlsx&table=departments"
MINIMAL = "minimal view, anonymous (baseline for /open/)"
OPEN = "/open/ (anonymous, cached)"
START, END = date(2025, 1, 1), date(2026, 11, 30)
QUERY = f"?date_from={START}&date_to={END}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 250,000 approvals")
    parser.add_argument("--requests", type=int, default=10, help="timed requests per pass")
    parser.add_argument("--runs", type=int, default=3, help="timing passes")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--queries-only", action="store_true", help="print the page's queries")
    parser.add_argument("--explain", action="store_true", help="with --queries-only: EXPLAIN")
    return parser


def parse_args() -> argparse.Namespace:
    return build_parser().parse_args()


def _insert(model, fields: list[str], rows, *, batch: int = 5000) -> int:
    """Write rows (tuples in `fields` order): COPY on PostgreSQL, bulk_create elsewhere."""
    from django.db import connection

    count = 0
    if connection.vendor == "postgresql":
        table = model._meta.db_table
        columns = ", ".join(f'"{model._meta.get_field(f).column}"' for f in fields)
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(
                        tuple(json.dumps(v) if isinstance(v, (dict, list)) else v for v in row)
                    )
                    count += 1
        return count
    chunk = []
    for row in rows:
        chunk.append(model(**dict(zip(fields, row, strict=True))))
        if len(chunk) >= batch:
            model.objects.bulk_create(chunk)
            count += len(chunk)
            chunk = []
    if chunk:
        model.objects.bulk_create(chunk)
        count += len(chunk)
    return count


def build(scale: float, seed: int) -> dict:
    from django.contrib.auth.models import Group
    from django.db import connection, transaction

    from meetings.models import ActionItem, Meeting
    from portal.models import Event, User
    from portal.roles import STAFF_GROUP_NAME
    from projects.clock import WorkingCalendar
    from projects.models import Approval, ApprovalItem, Department, Enterprise, Project, Town
    from supervision.models import Case, Rating

    rng = random.Random(seed)
    calendar = WorkingCalendar.load()
    staff = User.objects.create_user("bench-staff", email="s@x.cn", name="统计员")
    staff.groups.add(Group.objects.get_or_create(name=STAFF_GROUP_NAME)[0])
    departments = Department.objects.bulk_create(
        Department(name=f"区第{i}局", name_en=f"Bureau {i}", short_name=f"B{i}", level="district")
        for i in range(25)
    )
    items = ApprovalItem.objects.bulk_create(
        ApprovalItem(
            code=f"BI-{i:03}",
            name=f"事项{i}",
            department=departments[i % 25],
            promised_limit_days=(p := rng.choice([1, 3, 5, 7, 10, 15])),
            statutory_limit_days=p * 2,
        )
        for i in range(200)
    )
    towns = Town.objects.bulk_create(Town(name=f"镇{i}") for i in range(8))
    enterprises = Enterprise.objects.bulk_create(
        Enterprise(name=f"企业{i}") for i in range(max(1, int(500 * scale)))
    )
    n_projects = max(2, int(12_500 * scale))
    stages = [s.value for s in Project.Stage]
    projects = Project.objects.bulk_create(
        (
            Project(
                code=f"BP-{i}",
                name=f"项目{i}",
                enterprise=enterprises[i % len(enterprises)],
                town=towns[i % 8],
                stage=rng.choice(stages),
                registered_at=datetime(2025, 1, 1, tzinfo=UTC),
            )
            for i in range(n_projects)
        ),
        batch_size=5000,
    )

    def nth(start: date, n: int) -> date:
        return calendar.nth_after(start, n)

    approvals = []  # (project_id, item, received, accepted, decided, status, paused, missing)
    statuses = ["approved"] * 70 + ["rejected"] * 3 + ["withdrawn"] * 3 + ["accepted"] * 14
    statuses += ["received"] * 5 + ["supplement_requested"] * 5
    span = (END - START).days
    for project in projects:
        for item in rng.sample(items, 20):
            received = START + timedelta(days=rng.randrange(span))
            status = rng.choice(statuses)
            accepted = None if status in ("received",) else nth(received, rng.choice([0, 1]) or 1)
            paused = rng.choice([0] * 8 + [2, 4])
            decided = None
            if status in ("approved", "rejected", "withdrawn") and accepted:
                late = rng.random() < 0.08
                used = item.promised_limit_days + (
                    rng.randint(1, 5) if late else -rng.randint(0, item.promised_limit_days - 1)
                )
                decided = nth(accepted, max(1, used + paused))
            missing = accepted is not None and rng.random() < 0.05
            approvals.append(
                (project.pk, item, received, accepted, decided, status, paused, missing)
            )

    now = datetime(2026, 12, 1, tzinfo=UTC)

    def approval_rows():
        for pid, item, received, accepted, decided, status, paused, _missing in approvals:
            due = nth(accepted, item.promised_limit_days + paused) if accepted else None
            statutory_due = nth(accepted, item.statutory_limit_days + paused) if accepted else None
            yield (
                pid, item.pk, item.department_id, status, item.statutory_limit_days,
                item.promised_limit_days, datetime.combine(received, datetime.min.time(), UTC),
                datetime.combine(accepted, datetime.min.time(), UTC) if accepted else None,
                accepted, decided, due, statutory_due, None, paused,
                None, "", "", "", "", now,
            )  # fmt: skip

    fields = [
        "project_id", "item_id", "department_id", "status", "statutory_limit_days",
        "promised_limit_days", "received_at", "accepted_at", "accepted_on", "decided_on",
        "due_date", "statutory_due_date", "paused_since", "paused_working_days",
        "materials_due", "conditions", "decision_number", "reason", "alerted", "updated_at",
    ]  # fmt: skip
    with transaction.atomic():
        written = _insert(Approval, fields, approval_rows())
    ids = {
        (pid, item_id): pk
        for pk, pid, item_id in Approval.objects.values_list("pk", "project_id", "item_id")
    }

    target_events = int(1_000_000 * scale)

    def event_rows():
        seqs: dict[int, int] = {}
        made = 0

        def event(pid, name, day, data):
            nonlocal made
            seqs[pid] = seqs.get(pid, 0) + 1
            made += 1
            at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=2)
            return (f"project:{pid}", seqs[pid], name, at, None, data)

        for pid, item, received, accepted, decided, status, paused, missing in approvals:
            aid = ids[(pid, item.pk)]
            yield event(pid, "approval.received", received, {"approval_id": aid})
            if accepted:
                data = {"approval_id": aid, "missing_materials": [], "materials_due": None}
                if missing:
                    due = accepted + timedelta(days=14)
                    data = {"approval_id": aid, "missing_materials": [{"name": "说明"}],
                            "materials_due": due.isoformat()}  # fmt: skip
                    supplied = accepted + timedelta(days=rng.choice([5, 10, 20]))
                    yield event(pid, "material.reviewed", supplied,
                                {"approval_id": aid, "material_completed": True})  # fmt: skip
                yield event(pid, "approval.accepted", accepted, data)
            if paused and accepted:
                yield event(pid, "approval.supplement_requested", accepted + timedelta(1),
                            {"approval_id": aid})  # fmt: skip
            if decided:
                yield event(pid, f"approval.{status}", decided, {"approval_id": aid})
        # Comments and uploads fill the log up to the target.
        pids = [a[0] for a in approvals]
        while made < target_events:
            pid = pids[made % len(pids)]
            day = START + timedelta(days=made % span)
            yield event(pid, "comment.added", day, {"comment": "进展如何"})

    with transaction.atomic():
        events = _insert(Event, ["stream", "seq", "event", "at", "actor_id", "data"], event_rows())
    kinds = [k.value for k in Meeting.Kind]
    meetings = Meeting.objects.bulk_create(
        Meeting(
            title=f"会议{i}",
            kind=kinds[i % 4],
            start=datetime(2025, 1, 6, 2, tzinfo=UTC) + timedelta(days=i % span),
            end=datetime(2025, 1, 6, 4, tzinfo=UTC) + timedelta(days=i % span),
            organiser=staff,
            status="held",
        )
        for i in range(max(4, int(2000 * scale)))
    )
    ActionItem.objects.bulk_create(
        ActionItem(
            meeting=m,
            decision="决定",
            title="落实",
            owner_department=departments[i % 25],
            due_date=m.start.date() + timedelta(days=10),
            status="done" if i % 3 else "open",
            done_at=m.start + timedelta(days=5 + i % 10),
        )
        for i, m in enumerate(meetings)
    )
    case_kinds = [k.value for k in Case.Kind]
    Case.objects.bulk_create(
        (
            Case(
                number=f"BC-{i}",
                kind=case_kinds[i % 5],
                title="诉求",
                opener_kind="staff",
                department=departments[i % 25],
                opened_at=datetime(2025, 1, 2, tzinfo=UTC) + timedelta(days=i % span),
                answered_at=datetime(2025, 1, 4, tzinfo=UTC) + timedelta(days=i % span)
                if i % 4
                else None,
                stage_due=date(2025, 1, 9) + timedelta(days=i % span),
                state="answered" if i % 4 else "signed",
            )
            for i in range(max(5, int(20_000 * scale)))
        ),
        batch_size=5000,
    )
    decided = list(
        Approval.objects.filter(status="approved").values_list(
            "pk", "project_id", "department_id", "project__enterprise_id"
        )[: max(5, int(30_000 * scale))]
    )
    Rating.objects.bulk_create(
        (
            Rating(
                approval_id=pk,
                project_id=pid,
                department_id=dept,
                enterprise_id=ent,
                score=rng.choice([5, 5, 5, 4, 4, 3, 2, 1]),
                at=datetime(2025, 3, 1, tzinfo=UTC) + timedelta(days=i % 600),
            )
            for i, (pk, pid, dept, ent) in enumerate(decided)
        ),
        batch_size=5000,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"staff": staff, "approvals": written, "events": events, "projects": n_projects}


def main() -> None:
    args = parse_args()
    with stopwatch("migrate a throwaway database"):
        db = setup_django(urlconf="bench._urls")
    try:
        from django.db import connection
        from django.db.models import Count
        from django.test import Client
        from django.urls import NoReverseMatch, reverse
        from openpyxl import load_workbook

        from projects.models import Approval
        from reports.rollups import rebuild
        from reports.statistics import Scope, compute

        with stopwatch(f"bulk-generate the data set (scale {args.scale})"):
            data = build(args.scale, args.seed)
        # The worker's job, not the page's: the rollups of the bulk data (events written by
        # COPY fired no refresh), built once as `manage.py rebuild_statistics` would.
        with stopwatch("build the statistics rollups (rebuild_statistics)"):
            rolled_rows = rebuild()
        print(f"rollups: {rolled_rows:,} approval rows")
        print(
            f"{db.description}; {data['projects']:,} projects, {data['approvals']:,} approvals, "
            f"{data['events']:,} events"
        )
        staff = Client()
        staff.force_login(data["staff"])
        anonymous = Client()

        def baseline():
            return list(Approval.objects.values("department_id").annotate(n=Count("id")))

        def page():
            response = staff.get(f"/statistics/{QUERY}")
            assert response.status_code == 200, response.status_code
            return response

        def export():
            response = staff.get(f"/statistics/{QUERY}&format=xlsx&table=departments")
            assert response.status_code == 200, response.status_code
            return response

        def minimal():
            return anonymous.get("/bench/minimal")

        calls = {BASELINE: baseline, PAGE: page, EXPORT: export}
        try:
            open_url = reverse("open_statistics")
        except NoReverseMatch:
            open_url = "/open/"
        open_built = anonymous.get(open_url).status_code == 200
        if open_built:

            def open_page():
                response = anonymous.get(open_url)
                assert response.status_code == 200
                return response

            calls[MINIMAL] = minimal
            calls[OPEN] = open_page

        figures = compute(Scope(START, END), today=END)
        with stopwatch("the figures computed directly (the reference, no rollups), once"):
            direct = compute(Scope(START, END), today=END, source="direct")
        print(f"rollup figures equal the direct computation: {figures == direct}")
        print(
            f"figures {START} to {END}: received {figures.received:,}, accepted "
            f"{figures.accepted:,}, approved {figures.approved:,}, rejected {figures.rejected:,}, "
            f"withdrawn {figures.withdrawn:,}; completion rate {figures.completion_rate:.1%}, "
            f"on time (promised) {figures.on_time_rate:.1%}, (statutory) "
            f"{figures.statutory_rate:.1%}; working days median {figures.median_used}, p90 "
            f"{figures.p90_used} (promised median {figures.median_promised}); accepted with "
            f"materials missing {figures.missing_accepted:,}, supplied on time "
            f"{figures.missing_supplied_on_time:,}; ratings {figures.ratings_total:,}, satisfied "
            f"{figures.satisfaction_rate:.1%}"
        )
        sheet = load_workbook(io.BytesIO(export().content)).active
        print(f"export: {sheet.max_row - 3} department rows in the XLSX")

        if args.queries_only:
            for sql, seconds in sorted(query_times(page), key=lambda q: -q[1]):
                print(f"  {seconds * 1000:8.1f} ms  {' '.join(sql.split())[:150]}")
            if args.explain:
                from django.db import connection as c

                for sql, _s in query_times(page):
                    if sql.startswith("SELECT") and "UNION" not in sql[:40]:
                        with c.cursor() as cursor:
                            cursor.execute("EXPLAIN ANALYZE " + sql)
                            print("\n".join(r[0] for r in cursor.fetchall()))
            return
        runs = time_runs(calls, requests=args.requests, warmup=2, runs=args.runs)
        rows = []
        for label in calls:
            fn = calls[label]
            base = MINIMAL if label == OPEN else BASELINE
            queries, _sql = count_queries(fn)
            sql_ms = [sum(t for _, t in query_times(fn)) * 1000 for _ in range(3)]
            rows.append([label, *run_columns(runs, label, base), queries, spread(sql_ms, 1)])
        print_table(["what", *RUN_HEADERS, "queries", "SQL ms"], rows)
        print(f"the queries of {PAGE}, slowest first:")
        for sql, seconds in sorted(query_times(page), key=lambda q: -q[1]):
            print(f"  {seconds * 1000:8.1f} ms  {' '.join(sql.split())[:150]}")
        if not open_built:
            print("/open/: not built")
        print(RUN_NOTE)
        print(
            "targets: the page and the export at most 10 queries and within 3x the GROUP BY; "
            "/open/ under 2x the minimal view (cached)"
        )
        print(f"database: {connection.vendor}")
    finally:
        db.drop()


if __name__ == "__main__":
    main()
