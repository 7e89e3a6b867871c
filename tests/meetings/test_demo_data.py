"""The demo meetings and visits of `seed_demo`: joint meetings, a forum, site visits."""

from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from meetings.demo import MEETING_TITLES, MEETINGS, seed_meetings
from meetings.models import ActionItem, AgendaItem, Finding, Meeting, Participant
from meetings.permissions import can_view_internal, can_view_meeting
from meetings.selectors import meetings_visible_to
from meetings.services import action_item_close, meeting_respond, meeting_schedule
from portal.demo import seed_accounts
from portal.models import Event, User
from projects.demo import seed_projects
from projects.selectors import projects_visible_to

pytestmark = pytest.mark.django_db

K = Meeting.Kind
PLANNING = "区规划和自然资源局"


@pytest.fixture
def seeded(seeded_demo):
    """The demo as `seed_demo` leaves it, seeded once for the session (tests/conftest.py)."""
    return seeded_demo


def user(username: str) -> User:
    return User.objects.get(username=username)


def demo() -> list[Meeting]:
    return list(Meeting.objects.filter(title__in=MEETING_TITLES).order_by("start"))


def snapshot() -> dict:
    meetings = Meeting.objects.filter(title__in=MEETING_TITLES)
    return {
        "meetings": sorted(meetings.values_list("title", "kind", "status", "start", "end")),
        "participants": sorted(
            Participant.objects.filter(meeting__in=meetings).values_list(
                "meeting__title", "user__username", "answer", "attended"
            )
        ),
        "agenda": sorted(AgendaItem.objects.values_list("meeting__title", "position", "title")),
        "actions": sorted(
            ActionItem.objects.values_list("title", "status", "due_date", "project__code")
        ),
        "findings": sorted(Finding.objects.values_list("text", "author__username")),
        "events": Event.objects.count(),
    }


def check_every_kind_is_there_and_past_joint_meetings_have_their_record():
    meetings = demo()
    assert len(meetings) == len(MEETINGS)
    assert {m.kind for m in meetings} == set(K.values)
    now = timezone.now()
    for meeting in meetings:  # as the meeting form offers them
        assert set(meeting.projects.all()) <= set(projects_visible_to(meeting.organiser))

    joint = [m for m in meetings if m.kind == K.JOINT_MEETING]
    past = [m for m in joint if m.end < now]
    assert 2 <= len(past) <= 3
    assert min(m.start for m in past) < now - timedelta(days=45)
    for meeting in past:
        assert meeting.status == Meeting.Status.HELD, meeting.title
        assert meeting.organiser.username in ("helper", "helper2", "staff")
        assert meeting.projects.exists() and meeting.place
        assert PLANNING in set(meeting.departments.values_list("name", flat=True))
        assert meeting.participants.filter(
            user__username="officer", via_department__name=PLANNING
        ).exists()
        # A department invitation reaches every officer of the department.
        for department in meeting.departments.all():
            officers = set(department.officers.values_list("pk", flat=True))
            assert officers <= set(meeting.participants.values_list("user_id", flat=True))
        agenda = list(meeting.agenda.all())
        assert agenda and all(item.minutes for item in agenda), meeting.title
        assert meeting.participants.filter(attended=True).count() >= 5
        assert meeting.participants.filter(answer=Participant.Answer.DECLINE, attended=False)
        assert meeting.action_items.exists()
    assert AgendaItem.objects.filter(meeting__in=past).exclude(internal_minutes="").exists()

    # The next joint meeting: its agenda proposed from today's overdue and paused approvals.
    upcoming = [m for m in joint if m.start > now]
    assert len(upcoming) == 1
    assert upcoming[0].status == Meeting.Status.SCHEDULED
    proposed = list(upcoming[0].agenda.all())
    assert len(proposed) >= 3
    assert all(item.approval_id for item in proposed)


def check_decisions_have_an_owner_and_a_date_and_are_done_open_or_overdue():
    today = timezone.localdate()
    actions = list(
        ActionItem.objects.filter(meeting__title__in=MEETING_TITLES).select_related("meeting")
    )
    done = [a for a in actions if a.status == ActionItem.Status.DONE]
    still_open = [a for a in actions if a.status == ActionItem.Status.OPEN and not a.is_overdue]
    overdue = [a for a in actions if a.is_overdue]
    assert len(done) >= 3 and len(still_open) >= 3 and len(overdue) >= 2
    for action in done:
        assert action.done_note and action.created_at <= action.done_at < timezone.now()
    assert all(a.due_date < today for a in overdue)
    assert all(a.due_date >= timezone.localdate(a.meeting.start) for a in actions)
    assert {a.owner_user_id is not None for a in actions} == {True, False}
    assert any(a.owner_department and a.owner_department.name == PLANNING for a in overdue)
    assert any(a.project_id for a in actions)
    assert all(timezone.localdate(a.created_at) < today for a in actions)


def check_the_forum_is_upcoming_with_both_enterprises_and_some_answers():
    forum = Meeting.objects.get(title__in=MEETING_TITLES, kind=K.FORUM)
    now = timezone.now()
    assert forum.status == Meeting.Status.SCHEDULED
    assert now < forum.start < now + timedelta(weeks=4)
    assert forum.departments.count() >= 4
    people = dict(forum.participants.values_list("user__username", "answer"))
    assert {"enterprise", "enterprise2"} <= set(people)
    assert people["enterprise"] == Participant.Answer.ATTEND
    assert set(people.values()) == set(Participant.Answer.values)
    assert not forum.participants.filter(attended__isnull=False).exists()


def check_the_site_visits_have_findings_and_follow_ups():
    service = Meeting.objects.get(title__in=MEETING_TITLES, kind=K.SITE_SERVICE)
    inspection = Meeting.objects.get(title__in=MEETING_TITLES, kind=K.SITE_INSPECTION)
    assert "汽车玻璃" in " ".join(service.projects.values_list("name", flat=True))
    assert inspection.projects.get().name.startswith("20兆瓦渔光互补")
    assert inspection.departments.count() >= 3
    for visit in (service, inspection):
        assert visit.status == Meeting.Status.HELD
        assert visit.findings.count() >= 3
        assert visit.findings.values("author").distinct().count() >= 3
        follow_ups = visit.action_items.all()
        assert follow_ups.count() >= 3
        assert all(a.project in visit.projects.all() for a in follow_ups)
        assert {a.status for a in follow_ups} == {"open", "done"}
    photo = inspection.findings.get(files__isnull=False).files.get()
    assert photo.content_type == "image/png" and photo.original_name.endswith(".png")
    with photo.file.open("rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"


def check_the_officer_has_an_upcoming_meeting_to_answer(client):
    officer = user("officer")
    waiting = Participant.objects.filter(
        user=officer,
        answer=Participant.Answer.PENDING,
        meeting__status=Meeting.Status.SCHEDULED,
        meeting__start__gt=timezone.now(),
    ).select_related("meeting")
    assert waiting.exists()
    meeting = waiting.first().meeting
    client.force_login(officer)
    page = client.get(reverse("meeting_detail", args=[meeting.pk]))
    assert page.status_code == 200 and page.context["mine"].answer == "pending"
    client.post(
        reverse("meeting_detail", args=[meeting.pk]), {"what": "answer", "answer": "attend"}
    )
    assert meeting.participants.get(user=officer).answer == Participant.Answer.ATTEND
    # The planning department's overdue follow-up is the officer's to close.
    action = ActionItem.objects.filter(
        meeting__title__in=MEETING_TITLES, owner_department__name=PLANNING, status="open"
    ).first()
    closed = action_item_close(actor=officer, action_item_id=action.pk, note="已办结。")
    assert closed.status == ActionItem.Status.DONE


def check_the_enterprise_sees_the_forum_and_its_visit_but_no_internal_record(client):
    enterprise, enterprise2 = user("enterprise"), user("enterprise2")
    visible = list(meetings_visible_to(enterprise))
    assert {m.kind for m in visible} == {K.FORUM, K.SITE_SERVICE}
    own_projects = set(projects_visible_to(enterprise))
    for meeting in visible:
        assert set(meeting.projects.all()) <= own_projects, meeting.title
        assert {a.project for a in meeting.action_items.exclude(project=None)} <= own_projects
        assert can_view_meeting(enterprise, meeting)
        assert not can_view_internal(enterprise, meeting)
    visit = next(m for m in visible if m.kind == K.SITE_SERVICE)
    assert visit.agenda.exclude(internal_minutes="").exists()
    assert can_view_internal(user("officer"), visit)
    assert [m.kind for m in meetings_visible_to(enterprise2)] == [K.FORUM]

    client.force_login(enterprise)
    forum = next(m for m in visible if m.kind == K.FORUM)
    page = client.get(reverse("meeting_detail", args=[forum.pk]))
    assert page.status_code == 200 and page.context["mine"].answer == "attend"


def person_owned(meeting: Meeting) -> bool:
    return meeting.action_items.filter(owner_user__isnull=False).exists()


def check_the_meeting_pages_render(client, username):
    person = user(username)
    client.force_login(person)
    assert client.get(reverse("meeting_list")).status_code == 200
    assert client.get(reverse("meeting_list"), {"view": "agenda"}).status_code == 200
    visible = meetings_visible_to(person).filter(title__in=MEETING_TITLES)
    assert visible.exists()
    for meeting in visible:
        start = timezone.localtime(meeting.start)
        month = client.get(reverse("meeting_list"), {"year": start.year, "month": start.month})
        assert meeting in month.context["meetings"]
        page = client.get(reverse("meeting_detail", args=[meeting.pk]))
        assert page.status_code == 200, meeting.title
        assert meeting.title in page.content.decode()
    hidden = Meeting.objects.filter(title__in=MEETING_TITLES).exclude(pk__in=visible)
    for meeting in hidden:
        assert client.get(reverse("meeting_detail", args=[meeting.pk])).status_code == 404
    officer = user("officer")
    client.force_login(officer)
    assert client.get(reverse("action_list"), {"status": "overdue"}).status_code == 200


def check_the_meeting_streams_read_in_time_order_before_today():
    today = timezone.localdate()
    for meeting in demo():
        for stream in (f"meeting:{meeting.pk}", f"meeting:{meeting.pk}:internal"):
            ats = list(
                Event.objects.filter(stream=stream).order_by("seq").values_list("at", flat=True)
            )
            assert all(a <= b for a, b in pairwise(ats)), stream
            assert all(timezone.localdate(at) < today for at in ats), stream
        assert Event.objects.filter(stream=f"meeting:{meeting.pk}").exists()
    project_streams = Event.objects.filter(
        stream__startswith="project:", event__startswith="action_item."
    ).values_list("stream", flat=True)
    assert project_streams.exists()
    for stream in set(project_streams):
        ats = list(Event.objects.filter(stream=stream).order_by("seq").values_list("at", flat=True))
        assert all(a <= b for a, b in pairwise(ats)), stream


def test_the_demo_has_every_kind_with_its_record_decisions_and_findings(seeded):
    check_every_kind_is_there_and_past_joint_meetings_have_their_record()
    check_decisions_have_an_owner_and_a_date_and_are_done_open_or_overdue()
    check_the_forum_is_upcoming_with_both_enterprises_and_some_answers()
    check_the_site_visits_have_findings_and_follow_ups()
    check_the_meeting_streams_read_in_time_order_before_today()


def test_who_sees_what_and_the_pages_render(seeded, client):
    check_the_enterprise_sees_the_forum_and_its_visit_but_no_internal_record(client)
    for username in ("helper", "officer", "enterprise"):
        check_the_meeting_pages_render(client, username)
    check_the_officer_has_an_upcoming_meeting_to_answer(client)  # last: it changes data


def test_pages_with_an_action_item_owned_by_a_person_render(seeded, client):
    client.force_login(user("helper"))
    assert client.get(reverse("action_list"), {"status": "done"}).status_code == 200
    client.force_login(user("enterprise"))
    visit = Meeting.objects.get(title__in=MEETING_TITLES, kind=K.SITE_SERVICE)
    assert person_owned(visit)
    internal = visit.agenda.exclude(internal_minutes="").first()
    page = client.get(reverse("meeting_detail", args=[visit.pk])).content.decode()
    assert internal.minutes[:20] in page
    assert internal.internal_minutes[:20] not in page
    assert "二期拟用地块" in page  # the findings are for the enterprise too


def test_seeding_twice_keeps_the_counts(seeded):
    first = snapshot()
    call_command("seed_demo", verbosity=0)
    assert snapshot() == first


def test_reset_rebuilds_the_demo_meetings(seeded, django_capture_on_commit_callbacks):
    fresh = snapshot()
    photo = Finding.objects.get(files__isnull=False).files.get()
    photo_path = Path(photo.file.path)
    forum = Meeting.objects.get(title__in=MEETING_TITLES, kind=K.FORUM)
    meeting_respond(actor=user("officer"), meeting_id=forum.pk, answer="decline")
    Meeting.objects.filter(kind=K.SITE_INSPECTION).update(place="changed")
    # A meeting a demo account made in the demo goes too: its organiser is deleted.
    meeting_schedule(
        actor=user("helper"),
        title="试用：新建的会议",
        kind=K.JOINT_MEETING,
        start=timezone.now() + timedelta(days=3),
        end=timezone.now() + timedelta(days=3, hours=1),
    )
    assert snapshot() != fresh
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--reset", verbosity=0)
    assert snapshot() == fresh
    assert not Meeting.objects.exclude(title__in=MEETING_TITLES).exists()
    assert not photo_path.exists()  # the old photo went with its finding
    assert Path(Finding.objects.get(files__isnull=False).files.get().file.path).exists()


def test_the_meetings_are_dated_from_the_given_today():
    seed_accounts(password="pw")
    today = date(2026, 3, 2)
    seed_projects(today=today)
    assert seed_meetings(today=today) == len(MEETINGS)
    for meeting in demo():
        day = timezone.localdate(meeting.start)
        if meeting.status == Meeting.Status.HELD:
            assert today - timedelta(days=140) < day < today
        else:
            assert today < day < today + timedelta(days=28)
    days = [timezone.localdate(at) for at in Event.objects.values_list("at", flat=True)]
    assert max(days) < today
    assert seed_meetings(today=today) == 0
