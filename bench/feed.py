"""How fast a personal calendar feed is served, against a plain listing of the same rows.

    .venv/bin/python bench/feed.py [--entries 1000 --requests 30]

Builds a throwaway database (see _common.py) with one officer whose feed has `--entries`
entries: meetings and visits they take part in (with agendas and other participants) and, as
all-day entries, their action items and the due dates of approvals on their projects. Times
`/calendar/<secret>.ics` and a plain text listing of the same rows (the same queries, no
iCalendar), both called in-process with the same request. Prints figures; never asserts.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from _common import count_queries, print_table, setup_django, stopwatch, time_interleaved


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=30)
    return parser.parse_args()


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

        def plain_listing():
            meetings, days = selectors.feed_entries(feed.user)
            lines = [
                f"{m.start:%Y-%m-%d %H:%M} {m.title} {m.place} "
                f"{len(m.participants.all())} {len(m.agenda.all())}"
                for m in meetings
            ]
            lines += [f"{day} {summary} {description}" for _uid, day, summary, description in days]
            return HttpResponse("\n".join(lines), content_type="text/plain")

        body = ics().content
        events = body.count(b"BEGIN:VEVENT")
        print(
            f"{db.description}; feed entries: {total}, VEVENTs in the file: {events}, "
            f"{len(body) / 1024:.0f} KB"
        )
        timings = time_interleaved(
            {"plain listing (baseline)": plain_listing, "/calendar/<secret>.ics": ics},
            requests=args.requests,
            warmup=3,
        )
        baseline = timings["plain listing (baseline)"].median_ms
        rows = []
        for label, fn in (
            ("plain listing (baseline)", plain_listing),
            ("/calendar/<secret>.ics", ics),
        ):
            timing = timings[label]
            queries, _sql = count_queries(fn)
            rows.append(
                [
                    label,
                    f"{timing.median_ms:.1f}",
                    f"{timing.p95_ms:.1f}",
                    f"{timing.median_ms / baseline:.2f}",
                    queries,
                ]
            )
        print_table(["what", "median ms", "p95 ms", "x baseline", "queries"], rows)
    finally:
        db.drop()


if __name__ == "__main__":
    main()
