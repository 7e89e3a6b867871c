"""Every event type reads as a whole sentence, in Chinese and in English.

The events are the ones the services record: the demo's months of history, plus each event
type the demo does not produce, triggered here through its own service on the demo's data.
Each is rendered through the functions the pages (the `event_sentence` filter), the live
notices (the wire form's `text`) and the API use. A sentence fails when it is empty, ends in a
colon, shows a raw key or value ("action_item", "needs_correction", "None", a dict), lacks
what the event is about, or, in Chinese, has an English word that is not part of the data.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.utils import timezone, translation

from portal import streams
from portal.events import serialize_event
from portal.models import Event, User

pytestmark = pytest.mark.django_db

LANGUAGES = ("zh-hans", "en")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# What each sentence must name, from the event's own data: the item, the meeting, the person...
# A new event type fails the test until it says here what its sentence is about.


def _item_code(data):
    item = data.get("item")
    return item.get("code") if isinstance(item, dict) else None


def _project_code(data):
    return data.get("code")


def _title(data):
    return data.get("title") or data.get("meeting")


def _first_approval(data):
    rows = data.get("approvals") or []
    return rows[0].get("code") if rows and isinstance(rows[0], dict) else None


def _place_name(key):
    def name(data):
        place = data.get(key)
        if isinstance(place, dict):
            return place["name_en"] if translation.get_language() == "en" else place["name"]
        return place

    return name


def _changed_field(data):
    from projects.models import Project

    changes = data.get("changes") or {}
    stage = changes.get("stage")
    if stage and len(changes) == 1:
        return str(Project.Stage(stage["to"]).label)
    return str(Project._meta.get_field(next(iter(changes))).verbose_name)


def _invited_name(data):
    return data.get("name")


def _requested_person(data):
    return data["person"]["name"]


def _number(data):
    return data.get("number")


def _card_subject(data):
    action = data.get("action_item")
    if isinstance(action, dict):
        return action.get("title")
    return _item_code(data)


SUBJECTS = {
    "project.registered": _project_code,
    "project.helpers_changed": None,  # records login names only: "changed the project's helpers"
    "project.assigned": _project_code,
    "project.unassigned": _project_code,
    "project.approvals_added": _first_approval,
    "project.approval_removed": lambda data: data.get("code"),
    "project.updated": _changed_field,
    "approval.received": _item_code,
    "approval.accepted": _item_code,
    "approval.supplement_requested": _item_code,
    "approval.supplemented": _item_code,
    "approval.approved": _item_code,
    "approval.rejected": _item_code,
    "approval.withdrawn": _item_code,
    "approval.due_date_changed": _item_code,
    "approval.due_soon": _item_code,
    "approval.overdue": _item_code,
    "material.uploaded": _item_code,
    "material.reviewed": _item_code,
    "comment.added": lambda data: _item_code(data) if data.get("item") else None,
    "enterprise.user_invited": _invited_name,
    "account.deactivated": None,
    "department.officer_added": _place_name("department"),
    "department.officer_removed": _place_name("department"),
    "enterprise.user_added": _place_name("enterprise"),
    "enterprise.user_removed": _place_name("enterprise"),
    "enterprise.membership_requested": _requested_person,
    "enterprise.membership_confirmed": _place_name("enterprise"),
    "enterprise.membership_refused": _place_name("enterprise"),
    "enterprise.admin_granted": _place_name("enterprise"),
    "enterprise.admin_revoked": _place_name("enterprise"),
    "meeting.scheduled": _title,
    "meeting.drafted": _title,
    "meeting.changed": _title,
    "meeting.cancelled": _title,
    "meeting.answered": _title,
    "meeting.agenda_changed": _title,
    "meeting.minutes_published": _title,
    "meeting.internal_minutes_published": _title,
    "meeting.finding_added": _title,
    "action_item.created": _title,
    "action_item.closed": _title,
    "project.enquiry_code_reset": None,  # "issued a new enquiry code" (never the code)
    "project.case_step": _number,
    "case.opened": _number,
    "case.dispatched": _number,
    "case.signed": _number,
    "case.answered": _number,
    "case.asked_opener": _number,
    "case.opener_replied": _number,
    "case.closed": _number,
    "case.reopened": _number,
    "case.escalated": _number,
    "case.replied": _number,
    "case.noted": _number,
    "card.issued": _card_subject,
    "card.cleared": _card_subject,
    "card.escalated": _card_subject,
    "rating.given": _item_code,
    "rating.followed_up": _item_code,
    # On the person's own stream: the notification's text, in the person's language.
    "notification.added": None,
    "notification.read": None,
}

# Raw values the services record that must never show as words.
RAW_VALUES = (
    "None",
    "True",
    "False",
    "needs_correction",
    "accepted_at",
    "joint_meeting",
    "site_service",
    "site_inspection",
    "supplement_requested",
)
SNAKE_CASE = re.compile(r"\b[a-z]+_[a-z_]+\b")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def _strings(value: Any) -> list[str]:
    """Every string in the recorded data (names, titles, codes: words that are data)."""
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) and value else []


def problems(name: str, data: dict, sentence: str, language: str) -> list[str]:
    """What is wrong with one rendered sentence (empty when nothing is)."""
    found = []
    stripped = sentence.strip()
    if not stripped:
        return ["empty"]
    if stripped.endswith((":", "：", "“", "(", "（", ",", "，")):
        found.append("ends in a dangling mark")
    if name in sentence:
        found.append("shows the event type's name")
    for raw in RAW_VALUES:
        if re.search(rf"\b{raw}\b", sentence):
            found.append(f"shows the raw value {raw!r}")
    if any(mark in sentence for mark in ("{", "}", "[", "]", "''", '""')):
        found.append("shows a repr")
    if "  " in sentence or "“”" in sentence or "()" in sentence or "（）" in sentence:
        found.append("has a gap where a value is missing")
    # Data may hold anything; what is left once the data's words are taken out is ours.
    ours = sentence
    for value in sorted(_strings(data), key=len, reverse=True):
        ours = ours.replace(value, " ")
    if SNAKE_CASE.search(ours):
        found.append(f"shows a key: {SNAKE_CASE.search(ours).group(0)!r}")
    if language == "zh-hans" and LATIN_WORD.search(ours):
        found.append(f"has English in Chinese: {LATIN_WORD.findall(ours)}")
    return found


def render_sentence(event: Event) -> str:
    """As the project page renders an event: its own template filter."""
    template = Template("{% load project_tags %}{{ e|event_sentence }}")
    return html.unescape(template.render(Context({"e": event}))).strip()


# --- every event type, as the services record it -----------------------------------------------


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def record_what_the_demo_does_not(settings, tmp_path) -> None:
    """Trigger, through the services, each event type the demo's history lacks."""
    from meetings.models import Meeting
    from meetings.services import meeting_cancel, meeting_schedule, meeting_update
    from projects.models import (
        Approval,
        ApprovalItem,
        ApprovalMaterial,
        Department,
        EnterpriseMembershipRequest,
        Project,
    )
    from projects.services import (
        comment_add,
        deadline_sweep,
        department_officer_add,
        department_officer_remove,
        enterprise_admin_set,
        enterprise_membership_confirm,
        enterprise_membership_refuse,
        enterprise_user_add,
        enterprise_user_invite,
        enterprise_user_remove,
        material_review,
        material_upload,
        project_approval_remove,
        project_assign_helpers,
        project_items_add,
        project_update,
        user_deactivate,
        working_day_set,
    )

    settings.MEDIA_ROOT = tmp_path / "media"
    people = {u.username: u for u in User.objects.all()}
    staff, helper, helper2 = people["staff"], people["helper"], people["helper2"]
    officer, enterprise, enterprise2 = (
        people["officer"],
        people["enterprise"],
        people["enterprise2"],
    )
    project = Project.objects.filter(lead_helper=helper, enterprise__users=enterprise).first()

    # The project: its facts, its stage, its helpers, an approval added and removed.
    project_update(actor=staff, project_id=project.pk, description="二期用地规划调整")
    next_stage = next(s for s in Project.Stage.values if s != project.stage)
    project_update(actor=staff, project_id=project.pk, stage=next_stage)
    project_assign_helpers(
        actor=staff, project_id=project.pk, lead_helper=helper, helpers=[helper2]
    )
    project_assign_helpers(actor=staff, project_id=project.pk, lead_helper=helper, helpers=[])
    spare = ApprovalItem.objects.filter(is_active=True).exclude(approvals__project=project).first()
    (added,) = project_items_add(actor=staff, project_id=project.pk, items=[spare])
    project_approval_remove(actor=staff, approval_id=added.pk)

    # Materials: a draft before the application, a version after it, both reviews.
    pending = Approval.objects.filter(project=project, status=Approval.Status.PENDING).first()
    draft = material_upload(
        actor=enterprise, material_id=pending.materials.first().pk, upload=_pdf("草稿.pdf")
    )
    running = Approval.objects.filter(project=project, status__in=Approval.OPEN).exclude(
        status=Approval.Status.PENDING
    )
    material = ApprovalMaterial.objects.filter(approval__in=running).first()
    first = material_upload(actor=enterprise, material_id=material.pk, upload=_pdf("申请表.pdf"))
    material_review(actor=staff, version_id=first.pk, verdict="needs_correction", note="缺盖章")
    second = material_upload(actor=enterprise, material_id=material.pk, upload=_pdf("申请表.pdf"))
    material_review(actor=staff, version_id=second.pk, verdict="accepted")
    assert draft.draft

    # Comments, on an approval and on the project.
    comment_add(actor=helper, project_id=project.pk, body="请尽快补充材料", approval_id=pending.pk)
    comment_add(actor=enterprise, project_id=project.pk, body="已收到")

    # The clock: a calendar change moves due dates; the nightly sweep warns.
    accepted = (
        Approval.objects.filter(status=Approval.Status.ACCEPTED, due_date__isnull=False)
        .order_by("due_date")
        .first()
    )
    day = accepted.due_date - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    working_day_set(actor=staff, day=day, is_working=False, name="临时调整")
    accepted.refresh_from_db()
    deadline_sweep(today=accepted.due_date - timedelta(days=1))
    deadline_sweep(today=accepted.due_date + timedelta(days=30))

    # Accounts: invitations (at once, and waiting for the enterprise's administrator),
    # memberships, administrators, a deactivation that hands projects over.
    ent = project.enterprise
    enterprise_user_invite(actor=staff, enterprise_id=ent.pk, email="new1@example.com", name="周文")
    if ent.administrators.filter(pk=enterprise.pk).exists():
        enterprise_admin_set(
            actor=staff, enterprise_id=ent.pk, user_id=enterprise.pk, administrator=False
        )
    enterprise_admin_set(actor=staff, enterprise_id=ent.pk, user_id=enterprise.pk)
    enterprise_user_invite(
        actor=helper, enterprise_id=ent.pk, email="new2@example.com", name="吴迪"
    )
    enterprise_user_invite(
        actor=helper, enterprise_id=ent.pk, email="new3@example.com", name="郑爽"
    )
    waiting = list(EnterpriseMembershipRequest.objects.filter(enterprise=ent, decision="pending"))
    assert len(waiting) == 2, "a helper's invitation waits for the enterprise's administrator"
    enterprise_membership_confirm(actor=enterprise, request_id=waiting[0].pk)
    enterprise_membership_refuse(actor=enterprise, request_id=waiting[1].pk)
    other = ent.__class__.objects.exclude(pk=ent.pk).exclude(users=enterprise2).first()
    enterprise_user_add(actor=staff, enterprise_id=other.pk, user_id=enterprise2.pk)
    enterprise_user_remove(actor=staff, enterprise_id=other.pk, user_id=enterprise2.pk)
    department = Department.objects.exclude(officers=officer).first()
    department_officer_add(actor=staff, department_id=department.pk, user_id=officer.pk)
    department_officer_remove(actor=staff, department_id=department.pk, user_id=officer.pk)
    user_deactivate(actor=staff, user_id=helper2.pk, successor=helper)

    # Meetings: a draft, scheduled by changing it, moved, cancelled.
    start = timezone.now().replace(microsecond=0) + timedelta(days=20)
    meeting, _warnings = meeting_schedule(
        actor=helper,
        title="二期用地协调会",
        kind=Meeting.Kind.JOINT_MEETING,
        start=start,
        end=start + timedelta(hours=2),
        place="区行政审批局二楼会议室",
        projects=[project],
        participants=[officer],
        status=Meeting.Status.DRAFT,
    )
    meeting_update(actor=helper, meeting_id=meeting.pk, status=Meeting.Status.SCHEDULED)
    meeting_update(
        actor=helper,
        meeting_id=meeting.pk,
        start=start + timedelta(days=1),
        end=start + timedelta(days=1, hours=2),
    )
    meeting_update(actor=helper, meeting_id=meeting.pk, title="二期用地协调会（第一次）")
    meeting_cancel(actor=helper, meeting_id=meeting.pk, reason="改为现场踏勘")

    # Supervision and the notification centre: a card cleared, a new enquiry code, the
    # person's notifications read (the demo's sweep and cases wrote the rest).
    from portal.notifications import notifications_mark_all_read
    from projects.services.projects import project_enquiry_code_reset
    from supervision.models import Card
    from supervision.sweep import card_clear

    card = Card.objects.filter(cleared_on__isnull=True).order_by("pk").first()
    assert card is not None, "the demo's sweep gives cards"
    card_clear(card_id=card.pk, today=timezone.localdate(), why="decided")
    project_enquiry_code_reset(actor=staff, project_id=project.pk)
    from supervision.models import Case
    from supervision.services import case_reply

    waiting = Case.objects.filter(waiting_since__isnull=False, opened_by__isnull=False).first()
    assert waiting is not None, "the demo has a case waiting on the person who opened it"
    case_reply(actor=waiting.opened_by, case=waiting, body="已补充项目红线图")
    case_reply(actor=staff, case=waiting, body="收到，已转承办部门")
    assert notifications_mark_all_read(actor=officer) > 0


# Recorded values that choose between sentences: one sample of each.
VARIANTS = ("moved", "answer", "verdict", "draft", "lead", "pending", "version", "files")


@pytest.fixture
def recorded(seeded_demo, settings, tmp_path, django_capture_on_commit_callbacks):
    """Every event the demo and the services above wrote: one row per type and stream shape
    (kind, internal or not, and the set of keys it recorded)."""
    with django_capture_on_commit_callbacks(execute=False):
        record_what_the_demo_does_not(settings, tmp_path)
    samples: dict[tuple, Event] = {}
    for event in Event.objects.select_related("actor").order_by("id"):
        kind = event.stream.split(":")[0]
        variant = tuple(repr(event.data.get(key)) for key in VARIANTS)
        shape = tuple(sorted(event.data))
        key = (event.event, kind, event.stream.endswith(":internal"), shape, variant)
        samples.setdefault(key, event)
    return list(samples.values())


def test_every_event_type_is_recorded_here_and_says_what_it_is_about(recorded):
    registered = set(streams.event_types())
    seen = {event.event for event in recorded}
    assert registered - seen == set(), "trigger these through their services above"
    assert registered - set(SUBJECTS) == set(), "say what these sentences must name"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_recorded_event_reads_as_a_whole_sentence(recorded, language):
    failures = []
    with translation.override(language):
        for event in recorded:
            page = render_sentence(event)
            whole = streams.event_text(event.event, event.data)
            for sentence in (page, whole):
                for problem in problems(event.event, event.data, sentence, language):
                    failures.append(f"{event.event} [{event.stream}]: {problem}: {sentence!r}")
            subject = SUBJECTS.get(event.event)
            expected = subject(event.data) if subject else None
            if expected and str(expected) not in page:
                failures.append(f"{event.event}: {page!r} does not name {expected!r}")
            if expected and page in (str(streams.event_type(event.event).label), ""):
                failures.append(f"{event.event}: only the label: {page!r}")
    assert failures == []


def test_the_action_item_reads_with_its_title_owner_and_due_date(recorded):
    """The sentence the issue saw as "新建了督办事项：" with nothing after it."""
    on_project = next(
        e for e in recorded if e.event == "action_item.created" and e.stream.startswith("project:")
    )
    title, due = on_project.data["title"], on_project.data["due_date"]
    with translation.override("en"):
        assert render_sentence(on_project).startswith(f"created the action item “{title}”")
        assert due in render_sentence(on_project)
    with translation.override("zh-hans"):
        sentence = render_sentence(on_project)
        assert title in sentence and due in sentence
        assert not sentence.endswith("：")


def test_live_notices_and_the_api_carry_the_same_sentence(recorded, client):
    """The wire form (websocket and /api/v1/events) has the sentence in each language, the
    same words the page shows after the actor's name."""
    for event in recorded:
        wire = serialize_event(event)
        assert set(wire["text"]) == set(LANGUAGES)
        for language in LANGUAGES:
            with translation.override(language):
                assert wire["text"][language] == streams.event_text(event.event, event.data)
                assert wire["text"][language].endswith(render_sentence(event))
    staff = User.objects.get(username="staff")
    client.force_login(staff)
    project_event = next(e for e in recorded if e.stream.startswith("project:"))
    response = client.get(
        "/api/v1/events", {"stream": project_event.stream, "after": project_event.seq - 1}
    )
    assert response.status_code == 200
    first = response.json()["items"][0]
    assert first["text"] == serialize_event(project_event)["text"]


def test_hidden_actors_and_the_system_are_named_as_such(recorded):
    unnamed = [e for e in recorded if not e.data.get("actor_name")]
    assert {e.event for e in unnamed} >= {"approval.due_soon", "meeting.answered"}
    with translation.override("en"):
        for event in unnamed:
            text = streams.event_text(event.event, event.data)
            if event.event.startswith("approval."):
                assert text.startswith("The system "), text
            if event.stream.startswith("meeting:"):
                assert text.startswith("A participant "), text


# --- rows recorded before a key existed, or odd ones ---------------------------------------------


def _shapes(data: dict) -> list[dict]:
    """The recorded data with each key left out in turn, and with odd values."""
    shapes = [{}, {"item": "not a dict", "approvals": 3, "title": None, "due_date": "garbage"}]
    shapes += [{k: v for k, v in data.items() if k != key} for key in data]
    shapes += [{k: (None if k != "actor_name" else v) for k, v in data.items()}]
    return shapes


@pytest.mark.parametrize("language", LANGUAGES)
def test_old_rows_missing_keys_still_read_as_sentences(recorded, language):
    failures = []
    with translation.override(language):
        for event in recorded:
            for data in _shapes(event.data):
                sentence = streams.event_sentence(event.event, data)
                for problem in problems(event.event, data, sentence, language):
                    failures.append(f"{event.event} {sorted(data)}: {problem}: {sentence!r}")
                assert streams.event_text(event.event, data)
    assert failures == []


def test_an_unregistered_type_reads_as_a_change_not_as_its_key():
    with translation.override("en"):
        assert streams.event_sentence("gone.away", {"x": 1}) == "made a change"
        assert streams.event_text("gone.away", None) == "The system made a change"


@pytest.mark.parametrize("prefix, language", [("", "zh-hans"), ("/en", "en")])
def test_the_project_page_shows_each_event_as_a_sentence(recorded, client, prefix, language):
    """The timeline the helper and the enterprise read: the action item with its title."""
    from bs4 import BeautifulSoup

    from projects.selectors import projects_visible_to

    readers = [User.objects.get(username=name) for name in ("helper", "enterprise")]
    visible = set.intersection(
        *(set(projects_visible_to(person).values_list("pk", flat=True)) for person in readers)
    )
    action = next(
        e
        for e in Event.objects.filter(event="action_item.created", stream__startswith="project:")
        if e.stream.count(":") == 1 and int(e.stream.split(":")[1]) in visible
    )
    project_id = int(action.stream.split(":")[1])
    for person in readers:
        username = person.username
        client.force_login(person)
        response = client.get(f"{prefix}/projects/{project_id}/")
        assert response.status_code == 200, username
        rows = BeautifulSoup(response.content, "html.parser").select(".event-list li.event")
        # The page shows the latest events; the earlier ones come on demand.
        earlier = client.get(f"{prefix}/projects/{project_id}/sections/events/?fragment=1")
        assert earlier.status_code == 200, username
        rows += BeautifulSoup(earlier.content, "html.parser").select(".event-list li.event")
        assert rows, username
        texts = [" ".join(row.get_text(" ").split()) for row in rows]
        assert any(action.data["title"] in t for t in texts), (username, texts[:5])
        for row, shown in zip(rows, texts, strict=True):
            stream, seq = row["data-stream"], int(row["data-seq"])
            event = Event.objects.get(stream=stream, seq=seq)
            sentence = shown.split(" ", 2)[-1]  # after the time (date and hour)
            for problem in problems(event.event, event.data, sentence, language):
                raise AssertionError(f"{username}: {event.event}: {problem}: {shown!r}")
