"""A refused meeting form keeps every value the person typed: scheduling and changing a
meeting at a refused time or place, publishing the minutes before the meeting took place
with minutes and attendance typed, an action item with a bad owner or due date, a finding
with a refused file, an answer to a meeting that closed meanwhile. Each time the page comes
back with the reason, and the form would send again exactly what was typed."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from meetings.models import ActionItem, AgendaItem, Finding, Meeting, Participant
from meetings.services import action_item_create, agenda_set, meeting_cancel
from tests.html_forms import form_with, missing
from tests.projects import factories as f

pytestmark = pytest.mark.django_db


def local(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour), timezone.get_current_timezone())


@pytest.fixture
def soon():
    """A day ahead: the meeting has not taken place yet."""
    return timezone.localdate() + timedelta(days=10)


@pytest.fixture
def meeting(mw, soon):
    """The helper's meeting ahead, with one agenda item about their project."""
    meeting, _ = mw.schedule(start=local(soon, 9), end=local(soon, 11))
    agenda_set(
        actor=mw.helper,
        meeting_id=meeting.pk,
        items=[{"project": mw.project, "title": "规划许可卡点"}],
    )
    return meeting


def page_of(response) -> str:
    return response.content.decode()


def opened(page: str, summary: str) -> bool:
    """The section with this summary is open, so the refused form is in view."""
    return bool(re.search(r"<details open>\s*<summary>" + re.escape(summary), page))


# --- scheduling and changing a meeting ---------------------------------------------------------


def typed_meeting(mw, **changes) -> dict:
    return {
        "title": "规划预审联席会",
        "kind": "joint_meeting",
        "start": "2026-12-20T09:30",
        "end": "2026-12-20T11:00",
        "place": "审批局三楼第二会议室",
        "projects": [mw.project.pk],
        "participants": [mw.officer.pk, mw.ent.pk],
        "departments": [mw.planning.pk],
        "draft": "on",
        **changes,
    }


def test_scheduling_at_a_refused_time_keeps_everything(client, mw):
    client.force_login(mw.helper)
    typed = typed_meeting(mw, start="1999-12-30T09:30", end="1999-12-30T11:00")
    response = client.post("/en/meetings/new/", typed)
    page = page_of(response)
    assert response.status_code == 200
    assert "Give a date between 2000-01-01" in page
    assert missing(typed, form_with(page, "title", typed["title"])) == {}
    assert not Meeting.objects.filter(title=typed["title"]).exists()


def test_scheduling_a_visit_without_its_project_keeps_the_place_and_everything(client, mw):
    client.force_login(mw.helper)
    typed = typed_meeting(mw, kind="site_inspection", projects=[], place="东门集合后步行进场")
    del typed["projects"]
    response = client.post("/en/meetings/new/", typed)
    page = page_of(response)
    assert "A site visit goes to a project: choose it." in page
    assert missing(typed, form_with(page, "title", typed["title"])) == {}


def test_a_place_too_long_keeps_everything_and_says_so(client, mw):
    client.force_login(mw.helper)
    typed = typed_meeting(mw, place="现场" * 101)
    response = client.post("/en/meetings/new/", typed)
    page = page_of(response)
    assert "Ensure this value has at most 200 characters" in page
    assert missing(typed, form_with(page, "title", typed["title"])) == {}


def test_changing_to_a_refused_time_keeps_everything_on_the_meeting_page(client, mw, meeting):
    client.force_login(mw.helper)
    typed = {
        "what": "change",
        **typed_meeting(mw, start="2026-12-21T15:00", end="2026-12-21T14:00"),
        "participants": [mw.ent.pk],
        "place": "改到现场指挥部",
    }
    del typed["draft"]  # a scheduled meeting stays scheduled
    response = client.post(f"/en/meetings/{meeting.pk}/", typed)
    page = page_of(response)
    assert response.status_code == 422
    assert re.search(r'class="field-error"[^>]*>The end must be after the start', page)
    assert opened(page, "Change the time, place or people")
    assert missing(typed, form_with(page, "what", "change")) == {}
    meeting.refresh_from_db()
    assert (meeting.title, meeting.place, meeting.sequence) == (
        "项目推动联席会议",
        "审批局三楼会议室",
        0,
    )


def test_a_change_the_form_refuses_keeps_everything_too(client, mw, meeting):
    client.force_login(mw.helper)
    typed = {"what": "change", **typed_meeting(mw, start="not a time")}
    del typed["draft"]
    response = client.post(f"/en/meetings/{meeting.pk}/", typed)
    page = page_of(response)
    assert response.status_code == 400
    assert "Enter a valid date/time." in page
    assert missing(typed, form_with(page, "what", "change")) == {}


# --- the record: minutes before the meeting took place ---------------------------------------


def test_publishing_the_minutes_too_early_keeps_the_minutes_and_attendance(client, mw, meeting):
    item = meeting.agenda.get()
    client.force_login(mw.helper)
    typed = {
        "what": "record",
        "attended": [mw.officer.pk, mw.ent.pk],
        f"minutes-{item.pk}": "规划条件已明确，企业下周提交总平面图。",
        f"internal-{item.pk}": "内部：规划局口头同意，待书面意见。",
        "publish": "on",
    }
    response = client.post(f"/en/meetings/{meeting.pk}/", typed)
    page = page_of(response)
    assert response.status_code == 409
    assert "The minutes can be published once the meeting has taken place." in page
    assert opened(page, "Record attendance and minutes")
    shown = form_with(page, "what", "record")
    # Publishing cannot be used now: it is not offered (the page says why), all else is kept.
    assert missing({k: v for k, v in typed.items() if k != "publish"}, shown) == {}
    assert "publish" not in shown
    item.refresh_from_db()
    assert (item.minutes, item.internal_minutes) == ("", "")
    assert not Participant.objects.filter(meeting=meeting, attended=True).exists()


def test_the_record_form_shows_what_is_stored_when_nothing_was_refused(client, mw, meeting):
    item = meeting.agenda.get()
    AgendaItem.objects.filter(pk=item.pk).update(minutes="已存纪要")
    Participant.objects.filter(meeting=meeting, user=mw.ent).update(attended=True)
    client.force_login(mw.helper)
    page = page_of(client.get(f"/en/meetings/{meeting.pk}/"))
    shown = form_with(page, "what", "record")
    assert shown[f"minutes-{item.pk}"] == ["已存纪要"]
    assert shown["attended"] == [str(mw.ent.pk)]
    assert not opened(page, "Record attendance and minutes")


# --- decisions and action items --------------------------------------------------------------


def typed_action(mw, meeting, **changes) -> dict:
    return {
        "what": "action",
        "decision": "规划局十个工作日内出具书面意见",
        "title": "出具规划条件书面意见",
        "owner_user": mw.officer.pk,
        "owner_department": mw.planning.pk,
        "due_date": "2026-12-30",
        "agenda_item": meeting.agenda.get().pk,
        **changes,
    }


def test_an_action_item_due_outside_the_window_keeps_everything(client, mw, meeting):
    client.force_login(mw.helper)
    typed = typed_action(mw, meeting, due_date="1999-01-04")
    response = client.post(f"/en/meetings/{meeting.pk}/", typed)
    page = page_of(response)
    assert response.status_code == 422
    assert re.search(r'class="field-error"[^>]*>Give a date between 2000-01-01', page)
    assert opened(page, "Add a decision with an action item")
    assert missing(typed, form_with(page, "what", "action")) == {}
    assert not ActionItem.objects.exists()


def test_an_action_item_without_an_owner_keeps_everything(client, mw, meeting):
    client.force_login(mw.helper)
    typed = typed_action(mw, meeting, owner_user="", owner_department="", working_days="5")
    del typed["due_date"]
    response = client.post(f"/en/meetings/{meeting.pk}/", typed)
    page = page_of(response)
    assert response.status_code == 422
    assert "Choose who owns it: a person or a department." in page
    shown = form_with(page, "what", "action")
    assert missing({k: v for k, v in typed.items() if v != ""}, shown) == {}


def test_an_action_item_owned_by_someone_who_cannot_own_it_keeps_the_rest(client, mw, meeting):
    """An editor takes no part in meetings: not offered, refused by the form, and everything
    else typed stays (the refused owner cannot be shown as chosen: it is not in the list)."""
    editor = f.user("editor", "editor")
    client.force_login(mw.helper)
    typed = typed_action(mw, meeting, owner_user=editor.pk, working_days="500")
    response = client.post(f"/en/meetings/{meeting.pk}/", typed)
    page = page_of(response)
    assert response.status_code == 400
    assert "Select a valid choice" in page
    assert "less than or equal to 120" in page
    kept = {k: v for k, v in typed.items() if k != "owner_user"}
    assert missing(kept, form_with(page, "what", "action")) == {}
    assert not ActionItem.objects.exists()


# --- a finding with a refused file ------------------------------------------------------------


def test_a_finding_with_a_refused_file_keeps_the_text_and_project(
    client, mw, soon, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    visit, _ = mw.schedule(kind="site_inspection", start=local(soon, 9), end=local(soon, 11))
    client.force_login(mw.helper)
    typed = {"what": "finding", "project": mw.project.pk, "text": "红线内有两处临时建筑待拆除"}
    bad = SimpleUploadedFile("run.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    response = client.post(f"/en/meetings/{visit.pk}/", {**typed, "files": [bad]})
    page = page_of(response)
    assert response.status_code == 422
    assert missing(typed, form_with(page, "what", "finding")) == {}
    assert not Finding.objects.exists()


# --- an answer to a meeting that closed meanwhile ---------------------------------------------


def test_an_answer_to_a_cancelled_meeting_says_which_answer_was_not_saved(client, mw, meeting):
    client.force_login(mw.ent)
    page = page_of(client.get(f"/en/meetings/{meeting.pk}/"))
    assert form_with(page, "what", "answer")  # offered while it was scheduled
    meeting_cancel(actor=mw.helper, meeting_id=meeting.pk)  # meanwhile
    response = client.post(f"/en/meetings/{meeting.pk}/", {"what": "answer", "answer": "attend"})
    page = page_of(response)
    assert response.status_code == 409
    assert "This meeting is cancelled: answers are closed." in page
    assert "Your answer “will attend” was not saved." in page
    assert Participant.objects.get(meeting=meeting, user=mw.ent).answer == "pending"


def test_closing_from_my_action_items_keeps_the_note_when_refused(client, mw, meeting):
    """A refused note (only spaces) comes back as typed, beside its item."""
    action = action_item_create(
        actor=mw.helper,
        meeting_id=meeting.pk,
        decision="d",
        title="复核用地",
        owner_user=mw.officer,
        due_date=timezone.localdate() + timedelta(days=20),
    )
    client.force_login(mw.officer)
    response = client.post(f"/en/actions/{action.pk}/close/", {"note": "   "})
    page = page_of(response)
    assert response.status_code == 422
    assert "Say what was done." in page
    assert re.search(rf'id="note-{action.pk}"[^>]*value="   "', page)
