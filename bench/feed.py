"""How fast a personal calendar feed is served, against a plain listing of the same rows.

    .venv/bin/python bench/feed.py [--entries 1000 --requests 30 --runs 3]

Builds a throwaway database (see _common.py) with one helper whose feed has `--entries`
entries: meetings and visits they take part in (with agendas and other participants) and, as
all-day entries, their action items and the due dates of approvals on their projects. Times,
in-process with the same request:
- the baseline: the same rows read the plain way (values_list of the columns an entry shows,
  one query per kind of row, the participants and agenda counted by the database) and written
  as text lines: what reading 1,000 rows costs without any model objects;
- `feed_entries` + text: the feed's own selector (model objects, prefetches) written as the
  same text, which shows what the selector costs over the plain read;
- `/calendar/<secret>.ics`: the view, the selector and the iCalendar file.
The SQL time of each is printed too (the rest is Python). Every figure is min / median / max
over --runs timing passes, each ratio taken within its pass. Prints figures; never asserts.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

# bench/statistics.py (a benchmark) would shadow the standard library's module of that name for
# every script here: load the standard one first, so that _common gets it too.
_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p != _HERE]
import statistics  # noqa: E402, F401 - the standard one, for _common

sys.path.insert(0, _HERE)

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

BASELINE = "plain read of the same rows (baseline)"
SELECTOR = "feed_entries, as text"
FEED = "/calendar/<secret>.ics"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per pass")
    parser.add_argument("--runs", type=int, default=3, help="timing passes")
    return parser


def parse_args() -> argparse.Namespace:
    return build_parser().parse_args()


def plain_rows(user) -> list[str]:
    """The feed's rows the plain way: only the columns an entry shows, no model objects."""
    from django.db.models import Count, Q
    from django.utils import timezone

    from meetings.models import ActionItem, Meeting
    from meetings.selectors import EARLIEST, latest, window_instants
    from projects.models import Approval
    from projects.selectors import projects_visible_to

    today = timezone.localdate()
    first, after = window_instants(today)
    due = Q(due_date__gte=EARLIEST, due_date__lte=latest(today))
    meetings = (
        Meeting.objects.filter(participants__user=user)
        .exclude(status=Meeting.Status.DRAFT)
        .filter(start__gte=first, start__lt=after, end__gte=first, end__lt=after)
        .annotate(people=Count("participants", distinct=True), items=Count("agenda", distinct=True))
        .values_list("start", "title", "place", "people", "items")
    )
    lines = [
        f"{start:%Y-%m-%d %H:%M} {title} {place} {p} {a}" for start, title, place, p, a in meetings
    ]
    actions = ActionItem.objects.filter(due, owner_user=user, status="open").values_list(
        "pk", "due_date", "title", "meeting__title"
    )
    lines += [f"action-{pk} {day} ⚑ {title} {meeting}" for pk, day, title, meeting in actions]
    approvals = Approval.objects.filter(
        due, project__in=projects_visible_to(user), status__in=Approval.OPEN
    ).values_list("pk", "due_date", "item__code", "item__name", "project__name")
    lines += [
        f"approval-{pk}-{day:%Y%m%d} {day} {code} {name} {project}"
        for pk, day, code, name, project in approvals
    ]
    return lines


def build(entries: int):
    from django.contrib.auth.models import Group

    from meetings.models import ActionItem, AgendaItem, CalendarFeed, Meeting, Participant
    from portal.models import User
    from projects.models import Approval, ApprovalItem, Department, Enterprise, Project
    from projects.permissions import grant_helper

    beijing = ZoneInfo("Asia/Shanghai")
    group = Group.objects.get_or_create(name="Helpers")[0]
    helper = User.objects.create_user("bench-helper", email="h@x.cn", name="帮办员")
    helper.groups.add(group)
    others = User.objects.bulk_create(
        User(username=f"person{i}", email=f"p{i}@x.cn", name=f"参会人{i}") for i in range(5)
    )
    department = Department.objects.create(name="规划局", short_name="规划", level="district")
    item = ApprovalItem.objects.create(
        code="B-1",
        name="规划许可",
        department=department,
        statutory_limit_days=20,
        promised_limit_days=10,
    )
    enterprise = Enterprise.objects.create(name="企业")
    meetings_n = entries * 6 // 10
    approvals_n = (entries - meetings_n) // 2
    actions_n = entries - meetings_n - approvals_n
    start = datetime(2026, 1, 5, 9, tzinfo=beijing)
    meetings = Meeting.objects.bulk_create(
        Meeting(
            title=f"项目推动联席会议 第{i}次",
            kind="joint_meeting",
            start=start + timedelta(days=i),
            end=start + timedelta(days=i, hours=2),
            place="审批局三楼会议室",
            organiser=others[0],
            status="scheduled",
        )
        for i in range(meetings_n)
    )
    projects = Project.objects.bulk_create(
        Project(code=f"B{i}", name=f"项目{i}", enterprise=enterprise, registered_at=start)
        for i in range(approvals_n)
    )
    for project in projects:
        grant_helper(helper, project)
    Approval.objects.bulk_create(
        Approval(
            project=project,
            item=item,
            department=department,
            status="accepted",
            statutory_limit_days=20,
            promised_limit_days=10,
            accepted_on=date(2026, 1, 5),
            due_date=date(2026, 1, 5) + timedelta(days=i),
        )
        for i, project in enumerate(projects)
    )
    Participant.objects.bulk_create(
        Participant(meeting=m, user=u) for m in meetings for u in [helper, *others[1:3]]
    )
    AgendaItem.objects.bulk_create(
        AgendaItem(meeting=m, project=projects[i % len(projects)], position=0, title=f"议题 {i}")
        for i, m in enumerate(meetings)
    )
    ActionItem.objects.bulk_create(
        ActionItem(
            meeting=meetings[i % len(meetings)],
            decision="会议决定",
            title=f"落实 {i}",
            owner_user=helper,
            due_date=date(2026, 2, 1) + timedelta(days=i),
        )
        for i in range(actions_n)
    )
    feed = CalendarFeed.objects.create(user=helper)
    return feed, meetings_n + approvals_n + actions_n


def main() -> None:
    args = parse_args()
    with stopwatch("migrate a throwaway database"):
        db = setup_django()
    try:
        from django.http import HttpResponse
        from django.test import RequestFactory

        from meetings import selectors
        from meetings.views import calendar_feed

        with stopwatch(f"build a feed of {args.entries} entries"):
            feed, total = build(args.entries)
        request = RequestFactory().get(f"/calendar/{feed.secret}.ics")

        def ics():
            response = calendar_feed(request, feed.secret)
            assert response.status_code == 200
            return response

        def selector_listing():
            meetings, days = selectors.feed_entries(feed.user)
            lines = [
                f"{m.start:%Y-%m-%d %H:%M} {m.title} {m.place} "
                f"{len(m.participants.all())} {len(m.agenda.all())}"
                for m in meetings
            ]
            lines += [f"{day} {summary} {description}" for _uid, day, summary, description in days]
            return HttpResponse("\n".join(lines), content_type="text/plain")

        def plain_listing():
            return HttpResponse("\n".join(plain_rows(feed.user)), content_type="text/plain")

        body = ics().content
        events = body.count(b"BEGIN:VEVENT")
        plain = plain_rows(feed.user)
        from_selector = selector_listing().content.decode().splitlines()
        if not len(plain) == len(from_selector) == total == events:
            raise SystemExit(
                f"bench: the listings disagree: plain {len(plain)}, selector "
                f"{len(from_selector)}, feed {events} VEVENTs, {total} entries made"
            )
        print(
            f"{db.description}; feed entries: {total}, VEVENTs in the file: {events}, "
            f"{len(body) / 1024:.0f} KB"
        )
        calls = {BASELINE: plain_listing, SELECTOR: selector_listing, FEED: ics}
        runs = time_runs(calls, requests=args.requests, warmup=3, runs=args.runs)
        rows = []
        for label, fn in calls.items():
            queries, _sql = count_queries(fn)
            sql_ms = [sum(t for _, t in query_times(fn)) * 1000 for _ in range(5)]
            rows.append([label, *run_columns(runs, label, BASELINE), queries, spread(sql_ms, 1)])
        print_table(["what", *RUN_HEADERS, "queries", "SQL ms"], rows)
        print(RUN_NOTE)
    finally:
        db.drop()


if __name__ == "__main__":
    main()
