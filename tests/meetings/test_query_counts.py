"""The meeting pages and the meetings API make no more queries for more people, departments,
projects, agenda items, decisions and findings (with their files)."""

from datetime import datetime, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings.services import (
    action_item_create,
    agenda_proposals,
    agenda_set,
    finding_add,
    meeting_schedule,
    meeting_update,
)
from projects.services import approval_transition
from tests.projects import factories as f
from tests.projects.conftest import at

pytestmark = pytest.mark.django_db

VIEWERS = ["staff", "officer", "ent"]  # bureau staff, a department's officer, an enterprise


def _day():
    """A day ahead, so the meetings are upcoming on the list's agenda view too."""
    return timezone.localdate() + timedelta(days=30)


def _at(day, hour):
    return datetime.combine(day, time(hour), timezone.get_current_timezone())


def urls(meeting) -> list[str]:
    day = meeting.start.astimezone(timezone.get_current_timezone())
    return [
        f"/en/meetings/{meeting.pk}/",
        f"/en/meetings/?view=month&year={day.year}&month={day.month}",
        "/en/meetings/?view=agenda",
        "/api/v1/meetings",
        f"/api/v1/meetings/{meeting.pk}",
    ]


class Growth:
    """The meeting under test and everything hung on it, grown in steps."""

    def __init__(self, mw):
        self.mw = mw
        self.projects = [mw.project]
        self.people = [mw.ent]
        self.departments = [mw.planning]
        self.day = _day()
        self.meeting, _ = mw.schedule(
            kind="site_inspection", start=_at(self.day, 9), end=_at(self.day, 11)
        )

    def grow(self, n: int) -> None:
        mw = self.mw
        for _i in range(n):
            department = f.department()
            f.officer(department)
            f.officer(department)
            self.departments.append(department)
            self.people.append(f.user(role="enterprise"))
            project = f.project(mw.staff, f.enterprise(), [mw.item], lead=mw.helper)
            approval = project.approvals.get()
            # Received and accepted long ago: overdue, so the agenda proposes it.
            for action in ("receive", "accept"):
                approval_transition(
                    actor=mw.officer, approval_id=approval.pk, action=action, now=at(2026, 10, 12)
                )
            self.projects.append(project)
        meeting_update(
            actor=mw.helper,
            meeting_id=self.meeting.pk,
            projects=self.projects,
            participants=self.people,
            departments=self.departments,
        )
        proposals = agenda_proposals(self.meeting)
        kept = [
            {"project": a.project, "approval": a.approval, "title": a.title}
            for a in self.meeting.agenda.all()
        ]
        fresh = [p for p in proposals if p["approval"] not in {k["approval"] for k in kept}]
        # Half of the new proposals go on the agenda, the rest stay proposals.
        agenda_set(
            actor=mw.helper,
            meeting_id=self.meeting.pk,
            items=kept + fresh[: max(1, len(fresh) // 2)],
        )
        agenda = list(self.meeting.agenda.all())
        for i, project in enumerate(self.projects[-n:]):
            owner = {"owner_user": mw.officer} if i % 2 else {"owner_department": mw.planning}
            action_item_create(
                actor=mw.helper,
                meeting_id=self.meeting.pk,
                decision=f"决定{i}",
                title=f"落实{i}",
                due_date=self.day,
                project=project,
                agenda_item_id=agenda[i % len(agenda)].pk,
                **owner,
            )
            finding_add(
                actor=mw.helper,
                meeting_id=self.meeting.pk,
                project=project,
                text=f"现场发现{i}",
                files=[
                    SimpleUploadedFile(f"photo{i}.pdf", b"%PDF-1.4\n%%EOF\n"),
                    SimpleUploadedFile(f"note{i}.pdf", b"%PDF-1.4\n%%EOF\n"),
                ],
            )
            # Other meetings the same month, which the lists show too.
            meeting_schedule(
                actor=mw.helper,
                title=f"协调会{i}",
                kind="joint_meeting",
                start=_at(self.day, 14),
                end=_at(self.day, 15),
                projects=[project],
                participants=self.people[-2:] + [mw.ent],
                departments=self.departments[-2:] + [mw.planning],
            )


def counts(client, meeting) -> dict[str, int]:
    measured = {}
    for url in urls(meeting):
        client.get(url)  # warm the caches (content types, the calendar address)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        measured[url] = len(captured)
    return measured


@pytest.mark.parametrize("viewer", VIEWERS)
def test_no_more_queries_for_more_people_decisions_and_findings(
    client, mw, settings, tmp_path, django_assert_max_num_queries, viewer
):
    settings.MEDIA_ROOT = tmp_path
    growth = Growth(mw)
    growth.grow(2)
    client.force_login(getattr(mw, viewer))
    few = counts(client, growth.meeting)
    growth.grow(8)
    for url in urls(growth.meeting):
        with django_assert_max_num_queries(few[url]):
            assert client.get(url).status_code == 200


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_grown_meeting_page_shows_what_it_holds(client, mw, settings, tmp_path, viewer):
    """The measured page is the full one: people, agenda, decisions, findings and their files."""
    settings.MEDIA_ROOT = tmp_path
    growth = Growth(mw)
    growth.grow(3)
    client.force_login(getattr(mw, viewer))
    page = client.get(f"/en/meetings/{growth.meeting.pk}/").content.decode()
    participants = list(growth.meeting.participants.select_related("user"))
    # ent, 3 more enterprise users, the planning officer, 2 officers of each new department
    assert len(participants) == 1 + 3 + 1 + 2 * 3
    # The enterprise sees neither the other companies' people nor their projects' decisions
    # and findings (the new projects are theirs); the bureau side sees everything.
    others = {u.username for u in growth.people[1:]} if viewer == "ent" else set()
    assert all(
        (f'data-participant="{p.user.username}"' in page) is (p.user.username not in others)
        for p in participants
    )
    shown = 0 if viewer == "ent" else 3
    assert page.count("现场发现") == shown and page.count(".pdf</a>") == 2 * shown
    assert all((f"落实{i}" in page) is bool(shown) for i in range(3))
    assert ("Prepare the agenda" in page) is (viewer == "staff")
    api = client.get(f"/api/v1/meetings/{growth.meeting.pk}").json()
    departments = {p["department"] for p in api["participants"]}
    assert {d.name for d in growth.departments} <= departments
