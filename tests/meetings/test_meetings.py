"""Meetings: who sees and does what, conflicts, agenda proposals, action items, feeds, API."""

import json
import re
from datetime import date

import pytest

from meetings.models import CalendarFeed, Meeting
from meetings.services import (
    action_item_close,
    action_item_create,
    agenda_proposals,
    agenda_set,
    finding_add,
    meeting_record,
    meeting_respond,
)
from portal.errors import InvalidInput, NotVisible, PermissionRefused, TransitionRefused
from portal.models import Event
from projects.services import approval_transition
from tests.meetings.conftest import bj
from tests.projects import factories as f
from tests.projects.conftest import at

pytestmark = pytest.mark.django_db

ROLES = ["staff", "helper", "helper2", "officer", "other_officer", "ent", "ent2"]
SEES = {"staff", "helper", "officer", "ent"}  # organiser, participants (dept officer), staff


def test_a_department_invitation_reaches_its_officers(mw):
    meeting, _ = mw.schedule()
    assert {(p.user.username, p.via_department_id) for p in meeting.participants.all()} == {
        ("ent", None),
        ("officer", mw.planning.pk),
    }


def test_conflicts_warn_about_people_already_busy(mw):
    mw.schedule()
    _, warnings = mw.schedule(
        title="另一个会",
        start=bj(2026, 12, 3, 10),
        end=bj(2026, 12, 3, 12),
        participants=[mw.officer],
        departments=[],
    )
    assert {w["username"] for w in warnings} == {"officer", "helper"}
    assert all(w["title"] == "项目推动联席会议" for w in warnings)
    _, none = mw.schedule(title="下午", start=bj(2026, 12, 3, 12), end=bj(2026, 12, 3, 13))
    assert none == []  # back to back is no conflict


def test_bad_input_is_refused_with_the_field(mw):
    for kwargs, field in [
        ({"title": " "}, "title"),
        ({"kind": "party"}, "kind"),
        ({"end": bj(2026, 12, 3, 8)}, "end"),
        ({"kind": "site_inspection", "projects": []}, "project_ids"),
        ({"status": "held"}, "status"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            mw.schedule(**kwargs)
        assert refused.value.field == field
    with pytest.raises(PermissionRefused):
        mw.schedule(actor=mw.officer)


def test_a_site_visit_without_a_place_goes_to_the_project_site(mw):
    meeting, _ = mw.schedule(kind="site_service", place="")
    assert meeting.place.startswith("Project site") or "项目" in meeting.place
    # Everyone invited reads the place: it names the town, never the project.
    assert mw.project.name not in meeting.place
    mw.project.town = f.town("杨柳青镇")
    mw.project.save()
    meeting, _ = mw.schedule(
        kind="site_service", place="", start=bj(2026, 12, 4, 9), end=bj(2026, 12, 4, 11)
    )
    assert "杨柳青镇" in meeting.place and mw.project.name not in meeting.place


def test_answers_in_the_portal(mw):
    meeting, _ = mw.schedule()
    meeting_respond(actor=mw.officer, meeting_id=meeting.pk, answer="attend")
    meeting_respond(actor=mw.ent, meeting_id=meeting.pk, answer="decline")
    assert dict(meeting.participants.values_list("user__username", "answer")) == {
        "officer": "attend",
        "ent": "decline",
    }
    with pytest.raises(PermissionRefused):
        meeting_respond(actor=mw.staff, meeting_id=meeting.pk, answer="attend")
    with pytest.raises(NotVisible):
        meeting_respond(actor=mw.ent2, meeting_id=meeting.pk, answer="attend")
    with pytest.raises(InvalidInput):
        meeting_respond(actor=mw.officer, meeting_id=meeting.pk, answer="maybe")
    answered = Event.objects.filter(stream=f"meeting:{meeting.pk}", event="meeting.answered")
    assert answered.count() == 2


def test_agenda_proposals_come_from_overdue_paused_and_blocked_approvals(mw):
    approval = mw.project.approvals.get()
    approval_transition(
        actor=mw.officer, approval_id=approval.pk, action="receive", now=at(2026, 10, 12)
    )
    approval_transition(
        actor=mw.officer, approval_id=approval.pk, action="accept", now=at(2026, 10, 12)
    )
    meeting, _ = mw.schedule()
    proposals = agenda_proposals(meeting, today=date(2026, 11, 27))
    assert [p["approval"] for p in proposals] == [approval]
    assert "overdue" in proposals[0]["reason"]
    items = agenda_set(actor=mw.helper, meeting_id=meeting.pk, items=proposals)
    assert [i.approval for i in items] == [approval]
    with pytest.raises(PermissionRefused):
        agenda_set(actor=mw.officer, meeting_id=meeting.pk, items=[])
    with pytest.raises(InvalidInput):
        agenda_set(
            actor=mw.helper,
            meeting_id=meeting.pk,
            items=[{"project": mw.other_project, "title": "x"}],
        )


def test_action_items_show_on_the_project_timeline_and_close_with_a_note(mw):
    meeting, _ = mw.schedule(start=bj(2026, 11, 2, 9), end=bj(2026, 11, 2, 11))
    action = action_item_create(
        actor=mw.helper,
        meeting_id=meeting.pk,
        decision="规划局限期出具意见",
        title="出具规划意见",
        owner_department=mw.planning,
        working_days=5,
        project=mw.project,
    )
    assert action.due_date == date(2026, 11, 9)  # 5 working days after Mon 2 Nov
    on_project = Event.objects.filter(
        stream=f"project:{mw.project.pk}", event="action_item.created"
    )
    assert on_project.count() == 1 and on_project.get().data["title"] == "出具规划意见"
    with pytest.raises(InvalidInput):
        action_item_create(actor=mw.helper, meeting_id=meeting.pk, decision="d", title="t")
    with pytest.raises(PermissionRefused):
        action_item_close(actor=mw.ent, action_item_id=action.pk, note="x")
    with pytest.raises(InvalidInput):
        action_item_close(actor=mw.officer, action_item_id=action.pk, note=" ")
    done = action_item_close(actor=mw.officer, action_item_id=action.pk, note="已出具")
    assert (done.status, done.done_note) == ("done", "已出具")
    assert Event.objects.filter(
        stream=f"project:{mw.project.pk}", event="action_item.closed"
    ).exists()
    with pytest.raises(TransitionRefused):
        action_item_close(actor=mw.officer, action_item_id=action.pk, note="again")


def test_minutes_public_and_internal_and_publishing(mw):
    meeting, _ = mw.schedule(start=bj(2026, 11, 2, 9), end=bj(2026, 11, 2, 11))
    [item] = agenda_set(
        actor=mw.helper,
        meeting_id=meeting.pk,
        items=[{"project": mw.project, "title": "规划许可进度"}],
    )
    meeting_record(
        actor=mw.helper,
        meeting_id=meeting.pk,
        attended=[mw.officer.pk],
        minutes={item.pk: "本周内完成"},
        internal_minutes={item.pk: "内部：督办"},
        publish=True,
    )
    meeting.refresh_from_db()
    assert meeting.status == "held"
    public = Event.objects.get(stream=f"meeting:{meeting.pk}", event="meeting.minutes_published")
    assert "内部" not in json.dumps(public.data, ensure_ascii=False)
    assert Event.objects.filter(stream=f"meeting:{meeting.pk}:internal").count() == 1
    future, _ = mw.schedule(title="未来", start=bj(2050, 1, 5), end=bj(2050, 1, 5, 11))
    with pytest.raises(TransitionRefused):
        meeting_record(actor=mw.helper, meeting_id=future.pk, publish=True)


def test_site_visit_findings_follow_the_file_rules(mw, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    visit, _ = mw.schedule(kind="site_inspection")
    finding = finding_add(
        actor=mw.officer,
        meeting_id=visit.pk,
        project=mw.project,
        text="用地红线内有临时建筑",
        files=[SimpleUploadedFile("photo.pdf", b"%PDF-1.4\n%%EOF\n")],
    )
    assert finding.files.count() == 1
    with pytest.raises(InvalidInput):
        finding_add(
            actor=mw.officer,
            meeting_id=visit.pk,
            project=mw.project,
            text="x",
            files=[SimpleUploadedFile("photo.jpg", b"not a jpeg")],
        )
    with pytest.raises(PermissionRefused):
        finding_add(actor=mw.ent, meeting_id=visit.pk, project=mw.project, text="x")


# --- pages and API: every role -----------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_meeting_page_ics_api_and_streams_by_role(client, mw, role):
    meeting, _ = mw.schedule()
    client.force_login(getattr(mw, role))
    sees = role in SEES
    assert client.get(f"/en/meetings/{meeting.pk}/").status_code == (200 if sees else 404)
    assert client.get(f"/meetings/{meeting.pk}.ics").status_code == (200 if sees else 404)
    assert client.get(f"/api/v1/meetings/{meeting.pk}").status_code == (200 if sees else 404)
    listed = {m["id"] for m in client.get("/api/v1/meetings").json()["items"]}
    assert (meeting.pk in listed) is sees
    public = client.get(f"/api/v1/events?stream=meeting:{meeting.pk}")
    internal = client.get(f"/api/v1/events?stream=meeting:{meeting.pk}:internal")
    assert public.status_code == (200 if sees else 404)
    assert internal.status_code == (200 if sees and role != "ent" else 404)


def test_the_enterprise_never_sees_internal_minutes_on_the_page(client, mw):
    meeting, _ = mw.schedule(start=bj(2026, 11, 2, 9), end=bj(2026, 11, 2, 11))
    [item] = agenda_set(
        actor=mw.helper,
        meeting_id=meeting.pk,
        items=[{"project": mw.project, "title": "规划许可进度"}],
    )
    meeting_record(
        actor=mw.helper,
        meeting_id=meeting.pk,
        minutes={item.pk: "公开纪要"},
        internal_minutes={item.pk: "内部纪要"},
        publish=True,
    )
    client.force_login(mw.ent)
    page = client.get(f"/en/meetings/{meeting.pk}/").content.decode()
    assert "公开纪要" in page and "内部纪要" not in page
    client.force_login(mw.officer)
    assert "内部纪要" in client.get(f"/en/meetings/{meeting.pk}/").content.decode()


def test_api_schedule_change_cancel_and_errors(client, mw):
    client.force_login(mw.helper)
    body = {
        "title": "联席会议",
        "kind": "joint_meeting",
        "start": "2026-12-10T09:00:00",
        "end": "2026-12-10T11:00:00",
        "project_ids": [mw.project.pk],
        "participant_usernames": ["ent"],
        "department_ids": [mw.planning.pk],
    }
    created = client.post("/api/v1/meetings", json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["start"].startswith("2026-12-10T01:00:00")  # naive input: Beijing time
    assert {p["username"] for p in data["participants"]} == {"ent", "officer"}
    assert data["warnings"] == []
    assert f"meeting:{data['id']}" in data["streams"]
    clash = client.post(
        "/api/v1/meetings", json.dumps({**body, "title": "重叠"}), content_type="application/json"
    )
    assert {w["username"] for w in clash.json()["warnings"]} >= {"ent", "officer", "helper"}
    bad = client.post(
        "/api/v1/meetings",
        json.dumps({**body, "end": "2026-12-10T08:00:00"}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["field"] == "end"
    unknown = client.post(
        "/api/v1/meetings",
        json.dumps({**body, "participant_usernames": ["nobody"]}),
        content_type="application/json",
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "participant_usernames"
    moved = client.patch(
        f"/api/v1/meetings/{data['id']}",
        json.dumps({"place": "现场"}),
        content_type="application/json",
    )
    assert moved.status_code == 200 and moved.json()["sequence"] == 1
    client.force_login(mw.officer)
    assert (
        client.patch(
            f"/api/v1/meetings/{data['id']}",
            json.dumps({"place": "x"}),
            content_type="application/json",
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/meetings", json.dumps(body), content_type="application/json"
        ).status_code
        == 403
    )
    client.force_login(mw.ent2)
    assert (
        client.post(
            f"/api/v1/meetings/{data['id']}/cancel", "{}", content_type="application/json"
        ).status_code
        == 404
    )
    client.force_login(mw.helper)
    cancelled = client.post(
        f"/api/v1/meetings/{data['id']}/cancel", "{}", content_type="application/json"
    )
    assert cancelled.json()["status"] == "cancelled"
    again = client.post(
        f"/api/v1/meetings/{data['id']}/cancel", "{}", content_type="application/json"
    )
    assert again.status_code == 409


def test_api_meetings_window_and_action_items(client, mw):
    meeting, _ = mw.schedule()
    action_item_create(
        actor=mw.helper,
        meeting_id=meeting.pk,
        decision="d",
        title="t",
        owner_user=mw.officer,
        due_date=date(2026, 1, 1),
    )
    client.force_login(mw.officer)
    window = client.get("/api/v1/meetings?from=2026-12-03T00:00:00&to=2026-12-04T00:00:00")
    assert window.json()["count"] == 1
    assert client.get("/api/v1/meetings?from=2026-12-04T00:00:00").json()["count"] == 0
    mine = client.get("/api/v1/action-items?owner=me&status=overdue").json()
    assert [a["title"] for a in mine["items"]] == ["t"] and mine["items"][0]["overdue"]
    client.force_login(mw.ent2)
    assert client.get("/api/v1/action-items").json()["count"] == 0


# --- the personal calendar ------------------------------------------------------------------------


def test_the_personal_feed_needs_no_login_and_its_secret_can_be_regenerated(client, mw):
    meeting, _ = mw.schedule()
    action_item_create(
        actor=mw.helper,
        meeting_id=meeting.pk,
        decision="d",
        title="复核用地",
        owner_user=mw.officer,
        due_date=date(2026, 12, 20),
    )
    approval = mw.project.approvals.get()
    approval_transition(actor=mw.officer, approval_id=approval.pk, action="receive")
    approval_transition(actor=mw.officer, approval_id=approval.pk, action="accept")
    client.force_login(mw.officer)
    url = client.get("/api/v1/me").json()["calendar_url"]
    path = url.split("://", 1)[1].split("/", 1)[1]
    client.logout()
    response = client.get("/" + path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    from meetings.ical import parse

    events = [c for c in parse(response.content).walk() if c.name == "VEVENT"]
    summaries = {str(e["summary"]) for e in events}
    assert "项目推动联席会议" in summaries
    assert "⚑ 复核用地" in summaries
    assert any(s.startswith("PLAN ") for s in summaries)  # the approval's due date
    client.force_login(mw.officer)
    client.post("/en/calendar/new-address/")
    client.logout()
    assert client.get("/" + path).status_code == 404
    new_secret = CalendarFeed.objects.get(user=mw.officer).secret
    assert client.get(f"/calendar/{new_secret}.ics").status_code == 200
    assert client.get("/calendar/guessed-secret.ics").status_code == 404


def test_the_ics_download_works_with_a_bearer_token(client, mw):
    from wagtail.models import APIToken

    meeting, _ = mw.schedule()
    token = APIToken.create_token(user=mw.officer, name="cal")[1]
    assert client.get(f"/meetings/{meeting.pk}.ics").status_code == 401
    response = client.get(f"/meetings/{meeting.pk}.ics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    other = APIToken.create_token(user=mw.ent2, name="cal")[1]
    assert (
        client.get(f"/meetings/{meeting.pk}.ics", HTTP_AUTHORIZATION=f"Bearer {other}").status_code
        == 404
    )


@pytest.mark.parametrize("role", ROLES)
def test_pages_for_each_role(client, mw, role):
    client.force_login(getattr(mw, role))
    assert client.get("/en/meetings/").status_code == 200
    assert client.get("/en/meetings/?view=agenda").status_code == 200
    assert client.get("/en/actions/").status_code == 200
    can_schedule = role in ("staff", "helper", "helper2")
    assert client.get("/en/meetings/new/").status_code == (200 if can_schedule else 404)


def test_scheduling_through_the_page_shows_conflicts(client, mw):
    mw.schedule()
    client.force_login(mw.helper)
    response = client.post(
        "/en/meetings/new/",
        {
            "title": "现场服务",
            "kind": "site_service",
            "start": "2026-12-03T10:00",
            "end": "2026-12-03T12:00",
            "projects": [mw.project.pk],
            "participants": [mw.officer.pk],
        },
        follow=True,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "already has" in page
    assert "现场服务" in page


# --- refusals on the pages ------------------------------------------------------------------------


def test_a_refused_schedule_keeps_what_was_typed(client, mw):
    client.force_login(mw.helper)
    typed = {
        "title": "红线踏勘",
        "kind": "site_inspection",
        "start": "2026-12-10T10:00",
        "end": "2026-12-10T12:00",
        "place": "东门集合",
        "participants": [mw.officer.pk],
    }
    no_project = client.post("/en/meetings/new/", typed)
    page = no_project.content.decode()
    assert no_project.status_code == 200
    assert "A site visit goes to a project" in page
    assert 'value="红线踏勘"' in page and 'value="东门集合"' in page
    backwards = client.post(
        "/en/meetings/new/", {**typed, "projects": [mw.project.pk], "end": "2026-12-10T09:00"}
    )
    page = backwards.content.decode()
    assert re.search(r'class="field-error"[^>]*>The end must be after the start', page)
    assert 'value="红线踏勘"' in page
    assert not Meeting.objects.filter(title="红线踏勘").exists()


def test_refusals_on_the_meeting_page_are_messages_and_strangers_get_404(client, mw):
    meeting, _ = mw.schedule()
    action = action_item_create(
        actor=mw.helper,
        meeting_id=meeting.pk,
        decision="d",
        title="t",
        owner_user=mw.officer,
        due_date=date(2026, 12, 20),
    )
    url = f"/en/meetings/{meeting.pk}/"
    client.force_login(mw.helper)
    blank = client.post(url, {"what": "close_action", "action": action.pk, "note": " "})
    # The page again, with the reason (and what was typed: tests/meetings/test_refusals.py).
    assert blank.status_code == 422
    page = blank.content.decode()
    assert "Say what was done." in page and "Action item closed." not in page
    closed = client.post(
        url, {"what": "close_action", "action": action.pk, "note": "已完成"}, follow=True
    )
    assert "Action item closed." in closed.content.decode()
    again = client.post(
        url, {"what": "close_action", "action": action.pk, "note": "再次"}, follow=True
    )
    assert "This action item is done already." in again.content.decode()
    assert client.post(url, {"what": "dance"}).status_code == 404
    client.force_login(mw.officer)
    refused = client.post(url, {"what": "cancel"}, follow=True).content.decode()
    assert "Only the organiser and bureau staff change this meeting." in refused
    client.force_login(mw.ent2)
    assert client.post(url, {"what": "cancel"}).status_code == 404
    assert client.get(url).status_code == 404
    assert client.post(f"/en/actions/{action.pk}/close/", {"note": "x"}).status_code == 404
    meeting.refresh_from_db()
    assert meeting.status == "scheduled"


def test_closing_from_my_action_items(client, mw):
    meeting, _ = mw.schedule()
    action = action_item_create(
        actor=mw.helper,
        meeting_id=meeting.pk,
        decision="d",
        title="复核用地",
        owner_department=mw.planning,
        due_date=date(2026, 12, 20),
    )
    client.force_login(mw.officer)
    blank = client.post(f"/en/actions/{action.pk}/close/", {"note": ""}, follow=True)
    assert "Say what was done." in blank.content.decode()
    done = client.post(f"/en/actions/{action.pk}/close/", {"note": "已复核"}, follow=True)
    assert "Action item closed." in done.content.decode()
    action.refresh_from_db()
    assert (action.status, action.done_note) == ("done", "已复核")
