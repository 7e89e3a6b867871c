"""Being invited to a meeting opens the meeting, never its projects or other companies' people.

What the outside probe did, each step: an enterprise added to a site visit about another
company's project, a helper invited to a meeting about a project they are not assigned to,
a forum of three companies, the events those actions write, and bureau staff who still see all.
"""

import json
from datetime import date

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from meetings.models import CalendarFeed
from meetings.services import (
    action_item_close,
    action_item_create,
    agenda_proposals,
    agenda_set,
    finding_add,
    meeting_record,
    meeting_respond,
    meeting_update,
)
from portal.errors import InvalidInput
from portal.models import Event
from projects.services import approval_transition
from tests.meetings.conftest import bj
from tests.projects import factories as f
from tests.projects.conftest import at

pytestmark = pytest.mark.django_db

PROJECT_A = "甲方汽车玻璃基地"
PROJECT_B = "乙方光伏电站"
AGENDA_A = "甲方规划许可卡点"
MINUTES_A = "甲方公开纪要本周办结"
INTERNAL_A = "甲方内部纪要暂不承诺"
DECISION_A = "甲方限期出具规划意见"
ACTION_A = "甲方落实规划意见"
FINDING_A = "甲方红线内有临时建筑"
FILE_A = "jiafang-photo.pdf"
A_PERSON = "甲方联络人王一"
AGENDA_B = "乙方环评进度"
INTERNAL_B = "乙方内部纪要"
ACTION_B = "乙方落实环评"
FINDING_B = "乙方升压站位置不符"
PDF = b"%PDF-1.4\n%%EOF\n"


def unfolded(response) -> str:
    """The response as a person or a program reads it: JSON decoded, calendar lines unfolded."""
    body = response.content
    if response["Content-Type"].startswith("application/json"):
        return json.dumps(json.loads(body), ensure_ascii=False)
    if response["Content-Type"].startswith("text/calendar"):
        body = body.replace(b"\r\n ", b"")
    return body.decode()


def feed(client, user) -> str:
    secret = CalendarFeed.objects.get_or_create(user=user)[0].secret
    return unfolded(client.get(f"/calendar/{secret}.ics"))


def views_of(client, user, meeting) -> dict[str, str]:
    """Everything the user reads of the meeting: page, API detail and list, .ics, feed."""
    client.force_login(user)
    responses = {
        "page": client.get(f"/en/meetings/{meeting.pk}/"),
        "api": client.get(f"/api/v1/meetings/{meeting.pk}"),
        "list": client.get("/api/v1/meetings"),
        "ics": client.get(f"/meetings/{meeting.pk}.ics"),
        "actions": client.get("/api/v1/action-items"),
        "my actions": client.get("/en/actions/?status=open"),
    }
    for name, response in responses.items():
        assert response.status_code == 200, name
    seen = {name: unfolded(response) for name, response in responses.items()}
    seen["feed"] = feed(client, user)
    return seen


def meeting_events(meeting, suffix: str = "") -> str:
    stream = f"meeting:{meeting.pk}{suffix}"
    rows = Event.objects.filter(stream=stream)
    assert rows.exists(), stream
    return json.dumps([[r.actor_id, r.data] for r in rows], ensure_ascii=False)


@pytest.fixture
def world(mw, settings, tmp_path):
    """Company A (ent, with a colleague) owns `mw.project`, company B (ent2) `mw.other_project`."""
    settings.MEDIA_ROOT = tmp_path
    mw.project.name = PROJECT_A
    mw.project.save()
    mw.other_project.name = PROJECT_B
    mw.other_project.save()
    mw.ent.name = A_PERSON
    mw.ent.save()
    mw.colleague = f.user("ent.colleague", "enterprise", email="colleague@a.cn", name="甲方同事")
    mw.project.enterprise.users.add(mw.colleague)
    return mw


def a_site_visit_with_company_b(w):
    """The probe's visit: a helper schedules it about A's project, adds B's user, records it."""
    visit, _ = w.schedule(
        title="现场联合踏勘",
        kind="site_inspection",
        place="",
        start=bj(2026, 11, 2, 9),
        end=bj(2026, 11, 2, 11),
        participants=[w.ent, w.ent2],
    )
    [item] = agenda_set(
        actor=w.helper, meeting_id=visit.pk, items=[{"project": w.project, "title": AGENDA_A}]
    )
    meeting_respond(actor=w.ent, meeting_id=visit.pk, answer="attend")
    meeting_respond(actor=w.ent2, meeting_id=visit.pk, answer="attend")
    finding = finding_add(
        actor=w.helper,
        meeting_id=visit.pk,
        project=w.project,
        text=FINDING_A,
        files=[SimpleUploadedFile(FILE_A, PDF)],
    )
    action = action_item_create(
        actor=w.helper,
        meeting_id=visit.pk,
        decision=DECISION_A,
        title=ACTION_A,
        owner_user=w.ent,
        due_date=date(2026, 11, 20),
        agenda_item_id=item.pk,
    )
    # A decision about no project is the meeting's own: B reads it, but not A's person owning it.
    action_item_create(
        actor=w.helper,
        meeting_id=visit.pk,
        decision="会后统一反馈",
        title="整理踏勘意见",
        owner_user=w.ent,
        due_date=date(2026, 11, 20),
    )
    meeting_record(
        actor=w.helper,
        meeting_id=visit.pk,
        attended=[w.ent.pk, w.ent2.pk],
        minutes={item.pk: MINUTES_A},
        internal_minutes={item.pk: INTERNAL_A},
        publish=True,
        now=at(2026, 11, 2, 12),
    )
    action_item_close(actor=w.ent, action_item_id=action.pk, note="甲方已落实")
    return visit, finding


A_SECRETS = [
    PROJECT_A,
    "GLASS",
    AGENDA_A,
    MINUTES_A,
    INTERNAL_A,
    DECISION_A,
    ACTION_A,
    FINDING_A,
    FILE_A,
    A_PERSON,
    "ent@x.cn",
    "甲方同事",
    "colleague@a.cn",
    "甲方已落实",
]


def test_a_company_invited_to_a_visit_about_another_companys_project_sees_none_of_it(client, world):
    visit, finding = a_site_visit_with_company_b(world)
    seen = views_of(client, world.ent2, visit)
    for name, text in seen.items():
        for secret in A_SECRETS:
            assert secret not in text, (name, secret)
    # The visit itself, the meeting's own decision and the bureau side it does see.
    assert "现场联合踏勘" in seen["page"] and "现场联合踏勘" in seen["feed"]
    assert "整理踏勘意见" in seen["page"]
    # The download is a plain calendar: nobody's address in it (invitations name people).
    assert "ATTENDEE" not in seen["ics"] and "ent2@x.cn" not in seen["ics"]
    assert json.loads(client.get(f"/api/v1/meetings/{visit.pk}").content)["project_ids"] == []
    # The finding's photo is a file of A's project: 404, like a file that does not exist.
    [stored] = finding.files.all()
    assert client.get(reverse("file_download", args=[stored.pk])).status_code == 404
    # A itself sees all of it.
    seen = views_of(client, world.ent, visit)
    for secret in (PROJECT_A, AGENDA_A, MINUTES_A, DECISION_A, FINDING_A, FILE_A, A_PERSON):
        assert secret in seen["page"], secret
    assert INTERNAL_A not in seen["page"]  # never for an enterprise
    assert "ent2@x.cn" not in seen["ics"] and "ent2@x.cn" not in seen["page"]
    assert client.get(reverse("file_download", args=[stored.pk])).status_code == 200


def test_being_invited_adds_no_project_to_write_about(world):
    """A helper invited to a visit about a project they are not on cannot write about it."""
    visit, _ = world.schedule(
        kind="site_inspection", participants=[world.ent2, world.helper2], departments=[]
    )
    with pytest.raises(InvalidInput):
        finding_add(actor=world.helper2, meeting_id=visit.pk, project=world.project, text="x")
    assert not visit.findings.exists()


def mixed_meeting(w):
    """Staff organise a visit about A's project (helper's) and B's (helper2's), both invited."""
    meeting, _ = w.schedule(
        actor=w.staff,
        title="两项目联合踏勘",
        kind="site_inspection",
        start=bj(2026, 11, 2, 9),
        end=bj(2026, 11, 2, 11),
        projects=[w.project, w.other_project],
        participants=[w.helper, w.helper2],
        departments=[],
    )
    items = agenda_set(
        actor=w.staff,
        meeting_id=meeting.pk,
        items=[
            {"project": w.project, "title": AGENDA_A},
            {"project": w.other_project, "title": AGENDA_B},
        ],
    )
    for project, title, text in (
        (w.project, ACTION_A, FINDING_A),
        (w.other_project, ACTION_B, FINDING_B),
    ):
        action_item_create(
            actor=w.staff,
            meeting_id=meeting.pk,
            decision=title,
            title=title,
            owner_user=w.helper if project == w.project else w.helper2,
            due_date=date(2026, 11, 20),
            project=project,
        )
        finding_add(actor=w.staff, meeting_id=meeting.pk, project=project, text=text)
    meeting_record(
        actor=w.staff,
        meeting_id=meeting.pk,
        minutes={items[0].pk: MINUTES_A, items[1].pk: "乙方公开纪要"},
        internal_minutes={items[0].pk: INTERNAL_A, items[1].pk: INTERNAL_B},
        publish=True,
        now=at(2026, 11, 2, 12),
    )
    return meeting


def test_a_helper_sees_the_meeting_but_only_the_projects_they_are_on(client, world):
    meeting = mixed_meeting(world)
    seen = views_of(client, world.helper2, meeting)
    for name in ("page", "api", "list", "ics", "feed", "actions"):
        for secret in (PROJECT_A, AGENDA_A, MINUTES_A, INTERNAL_A, ACTION_A, FINDING_A):
            assert secret not in seen[name], (name, secret)
    assert "两项目联合踏勘" in seen["page"]
    for own in (PROJECT_B, AGENDA_B, "乙方公开纪要", INTERNAL_B, ACTION_B, FINDING_B):
        assert own in seen["page"], own
    api = json.loads(client.get(f"/api/v1/meetings/{meeting.pk}").content)
    assert api["project_ids"] == [world.other_project.pk]
    assert [a["title"] for a in api["agenda"]] == [AGENDA_B]
    # Staff see all of it, internal minutes of both projects included.
    seen = views_of(client, world.staff, meeting)
    for secret in (PROJECT_A, AGENDA_A, MINUTES_A, INTERNAL_A, ACTION_A, FINDING_A, PROJECT_B):
        assert secret in seen["page"], secret
    assert AGENDA_A in seen["ics"] and AGENDA_B in seen["ics"]


def test_an_organiser_keeps_what_they_cannot_see_and_is_proposed_only_their_projects(world):
    """A helper organises about A's project; staff add B's. The helper's proposals, agenda and
    changes leave B's project and its agenda as staff set them."""
    approval = world.other_project.approvals.get()
    for action in ("receive", "accept"):
        approval_transition(
            actor=world.officer, approval_id=approval.pk, action=action, now=at(2026, 10, 12)
        )
    meeting, _ = world.schedule()
    meeting_update(
        actor=world.staff, meeting_id=meeting.pk, projects=[world.project, world.other_project]
    )
    assert agenda_proposals(meeting, today=date(2026, 11, 27))  # B's overdue approval
    assert agenda_proposals(meeting, viewer=world.helper, today=date(2026, 11, 27)) == []
    agenda_set(
        actor=world.staff,
        meeting_id=meeting.pk,
        items=[{"project": world.other_project, "title": AGENDA_B}],
    )
    with pytest.raises(InvalidInput):
        agenda_set(
            actor=world.helper,
            meeting_id=meeting.pk,
            items=[{"project": world.other_project, "title": "x"}],
        )
    agenda_set(
        actor=world.helper,
        meeting_id=meeting.pk,
        items=[{"project": world.project, "title": AGENDA_A}],
    )
    assert [a.title for a in meeting.agenda.all()] == [AGENDA_A, AGENDA_B]
    meeting_update(actor=world.helper, meeting_id=meeting.pk, projects=[world.project])
    assert set(meeting.projects.all()) == {world.project, world.other_project}
    with pytest.raises(InvalidInput):
        action_item_create(
            actor=world.helper,
            meeting_id=meeting.pk,
            decision="d",
            title="t",
            owner_user=world.helper,
            due_date=date(2026, 12, 20),
            project=world.other_project,
        )


def test_a_forum_shows_each_company_only_its_own_people(
    client, world, immediate_tasks, django_capture_on_commit_callbacks
):
    ent3 = f.user("ent3", "enterprise", email="ent3@c.cn", name="丙方代表")
    f.enterprise([ent3])
    emails = {
        world.ent: {"ent@x.cn", "colleague@a.cn"},
        world.ent2: {"ent2@x.cn"},
        ent3: {"ent3@c.cn"},
    }
    names = {world.ent: {A_PERSON, "甲方同事"}, world.ent2: {"ent2"}, ent3: {"丙方代表"}}
    with django_capture_on_commit_callbacks(execute=True):
        forum, _ = world.schedule(
            actor=world.staff,
            title="企业家座谈会",
            kind="forum",
            projects=[],
            participants=[world.ent, world.colleague, world.ent2, ent3, world.helper],
        )
    for person in emails:
        meeting_respond(actor=person, meeting_id=forum.pk, answer="attend")
    letters = {m.to[0]: m.attachments[0][1] for m in mail.outbox}
    for person, own in emails.items():
        others = set().union(*emails.values()) - own
        seen = views_of(client, person, forum)
        seen["invitation"] = letters[person.email]
        if isinstance(seen["invitation"], bytes):
            seen["invitation"] = seen["invitation"].decode()
        seen["invitation"] = seen["invitation"].replace("\r\n ", "")
        other_names = set().union(*names.values()) - names[person]
        for name, text in seen.items():
            for address in others:
                assert address not in text, (person.username, name, address)
            if name != "invitation":
                for other in other_names - {"ent2"}:
                    assert other not in text, (person.username, name, other)
        for address in own | {"officer@x.cn", "helper@x.cn"}:
            assert address in seen["invitation"], address
        assert "ATTENDEE" not in seen["ics"]  # a download names nobody
        api = json.loads(client.get(f"/api/v1/meetings/{forum.pk}").content)
        expected = {u.username for u in emails} & {u.username for u in emails if u.email in own} | {
            "officer",
            "helper",
        }
        if person == world.ent:
            expected |= {"ent.colleague"}
        assert {p["username"] for p in api["participants"]} == expected
        assert api["organiser"]["username"] == "staff"
    # The bureau side sees everyone.
    seen = views_of(client, world.officer, forum)
    assert all(name in seen["page"] for own in names.values() for name in own)
    assert "ATTENDEE" not in seen["ics"]  # a download names nobody, whoever reads it


def test_the_meeting_streams_carry_no_project_or_other_companys_details(world):
    visit, _finding = a_site_visit_with_company_b(world)
    mixed = mixed_meeting(world)
    about_projects = [
        PROJECT_A,
        world.project.code,
        AGENDA_A,
        MINUTES_A,
        INTERNAL_A,
        DECISION_A,
        ACTION_A,
        FINDING_A,
        FILE_A,
        "甲方已落实",
        PROJECT_B,
        world.other_project.code,
        AGENDA_B,
        INTERNAL_B,
        ACTION_B,
        FINDING_B,
    ]
    for meeting in (visit, mixed):
        # Everyone invited reads this one: no project, no other company's person.
        written = meeting_events(meeting)
        for secret in about_projects + A_SECRETS:
            assert secret not in written, (meeting.title, secret)
        # The bureau side reads this one: they see everyone, but not every project.
        internal = meeting_events(meeting, ":internal")
        for secret in about_projects:
            assert secret not in internal, (meeting.title, secret)
    # The enterprise's answer and closing are on the meeting stream without the person.
    unnamed = Event.objects.filter(stream=f"meeting:{visit.pk}", actor__isnull=True)
    assert {e.event for e in unnamed} >= {"meeting.answered", "action_item.closed"}
    # What is about the project is on the project's own stream.
    on_project = Event.objects.filter(
        stream=f"project:{world.project.pk}", event="action_item.created"
    )
    assert ACTION_A in json.dumps([e.data for e in on_project], ensure_ascii=False)
    # Every event still reads as a sentence with a subject.
    from portal.streams import event_label, event_subject

    for event in Event.objects.filter(stream__startswith="meeting:"):
        assert event_label(event.event) and event_subject(event.event, event.data), event.event


def test_in_the_demo_each_person_reads_only_their_projects_of_each_meeting(seeded_demo, client):
    """The probe's first finding: helper2 read internal minutes about helper-only projects."""
    from meetings.demo import MEETING_TITLES
    from meetings.models import ActionItem, AgendaItem, Finding, Meeting
    from portal.models import User
    from projects.selectors import projects_visible_to

    meetings = list(Meeting.objects.filter(title__in=MEETING_TITLES))
    hidden_somewhere = False
    for username in ("helper2", "helper", "enterprise", "enterprise2", "officer"):
        person = User.objects.get(username=username)
        mine = set(projects_visible_to(person).values_list("pk", flat=True))
        client.force_login(person)
        for meeting in meetings:
            page = client.get(f"/en/meetings/{meeting.pk}/")
            if page.status_code == 404:
                continue
            text = page.content.decode()
            hidden = [
                *AgendaItem.objects.filter(meeting=meeting).exclude(project__in=mine),
                *ActionItem.objects.filter(meeting=meeting)
                .exclude(project=None)
                .exclude(project__in=mine),
                *Finding.objects.filter(meeting=meeting).exclude(project__in=mine),
            ]
            hidden_somewhere |= bool(hidden)
            for row in hidden:
                for value in (
                    getattr(row, "title", ""),
                    getattr(row, "minutes", ""),
                    getattr(row, "internal_minutes", ""),
                    getattr(row, "decision", ""),
                    getattr(row, "text", ""),
                ):
                    if value:
                        assert escape(value) not in text and value not in text, (username, value)
            if username.startswith("enterprise"):
                for item in AgendaItem.objects.filter(meeting=meeting).exclude(internal_minutes=""):
                    assert item.internal_minutes not in text, (username, meeting.title)
    assert hidden_somewhere  # the demo has meetings with projects some participants may not see
