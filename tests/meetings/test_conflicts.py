"""Who would clash, asked while the organiser fills the meeting form (POST
/api/v1/meetings/conflicts): who may ask, which people are checked, what the answer may say
about meetings the organiser is not part of, and what input is refused."""

import json
import re
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from meetings.models import Meeting, Participant
from meetings.services import meeting_cancel, meeting_schedule
from portal.api_schemas import ID_MAX
from tests.meetings.conftest import bj
from tests.projects import factories as f

pytestmark = pytest.mark.django_db

URL = "/api/v1/meetings/conflicts"
SECRET_TITLE = "乙方融资保密会谈"  # helper2's meeting: the helper is not part of it


@pytest.fixture
def w(mw):
    """The helper's own meeting (mine) and, at the same time, helper2's meeting (secret) with
    the planning officer and the other company's user; a draft and a cancelled meeting of the
    water officer then too, which clash with nobody."""
    for user, name in [
        (mw.helper, "王海"),
        (mw.officer, "刘洋"),
        (mw.ent2, "乙方联络人"),
        (mw.other_officer, "水务张三"),
    ]:
        user.name = name
        user.save()
    mw.mine, _ = mw.schedule()  # 9:00-11:00, the planning officer and ent invited
    mw.secret, _ = meeting_schedule(
        actor=mw.helper2,
        title=SECRET_TITLE,
        kind="joint_meeting",
        start=bj(2026, 12, 3, 10),
        end=bj(2026, 12, 3, 12),
        participants=[mw.officer, mw.ent2],
    )
    meeting_schedule(
        actor=mw.helper2,
        title="草稿",
        kind="joint_meeting",
        start=bj(2026, 12, 3, 10),
        end=bj(2026, 12, 3, 12),
        participants=[mw.other_officer],
        status="draft",
    )
    cancelled, _ = meeting_schedule(
        actor=mw.helper2,
        title="取消",
        kind="joint_meeting",
        start=bj(2026, 12, 3, 10),
        end=bj(2026, 12, 3, 12),
        participants=[mw.other_officer],
    )
    meeting_cancel(actor=mw.helper2, meeting_id=cancelled.pk)
    mw.editor = f.user("editor", "editor", name="编辑")
    return mw


def ask(client, **body):
    payload = {"start": "2026-12-03T10:30:00", "end": "2026-12-03T11:30:00", **body}
    return client.post(URL, json.dumps(payload), content_type="application/json")


def by_person(answer) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for clash in answer["clashes"]:
        found.setdefault(clash["name"], []).append(clash)
    return found


# --- who clashes, and what the answer says --------------------------------------------------


def test_the_organiser_sees_who_clashes_and_only_the_titles_they_may_open(client, w):
    client.force_login(w.helper)
    response = ask(client, participant_ids=[w.officer.pk, w.ent2.pk, w.other_officer.pk])
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["checked"] == 4  # the organiser and the three named
    found = by_person(answer)
    assert set(found) == {"王海", "刘洋", "乙方联络人"}  # drafts and cancelled clash with nobody
    [own] = found["王海"]
    assert (own["meeting_id"], own["title"]) == (w.mine.pk, "项目推动联席会议")
    assert own["start"].startswith("2026-12-03T09:00:00+08:00")
    assert own["end"].startswith("2026-12-03T11:00:00+08:00")
    # The API speaks the site's language (Chinese); the sentence names the person, the
    # meeting and its time.
    assert all(part in own["message"] for part in ("王海", "项目推动联席会议", "09:00", "11:00"))
    officer = {c["meeting_id"]: c for c in found["刘洋"]}
    assert set(officer) == {w.mine.pk, None}
    busy = officer[None]
    # helper2's meeting: the time only, never its title or id.
    assert busy["title"] is None
    assert all(part in busy["message"] for part in ("刘洋", "2026-12-03 10:00", "12:00"))
    assert (busy["start"][:16], busy["end"][:16]) == ("2026-12-03T10:00", "2026-12-03T12:00")
    assert [c["title"] for c in found["乙方联络人"]] == [None]
    assert SECRET_TITLE not in response.content.decode()
    assert str(w.secret.pk) not in {str(c["meeting_id"]) for c in answer["clashes"]}


def test_staff_may_open_every_meeting_so_they_see_every_title(client, w):
    client.force_login(w.staff)
    answer = ask(client, participant_ids=[w.officer.pk, w.ent2.pk]).json()
    titles = {(c["name"], c["title"]) for c in answer["clashes"]}
    assert ("乙方联络人", SECRET_TITLE) in titles and ("刘洋", SECRET_TITLE) in titles


def test_a_participant_of_the_other_meeting_sees_its_title(client, w):
    """helper2 organises the secret meeting: checking the same people, they see its title."""
    client.force_login(w.helper2)
    answer = ask(client, participant_ids=[w.officer.pk]).json()
    titles = {c["title"] for c in answer["clashes"] if c["name"] == "刘洋"}
    assert titles == {SECRET_TITLE, None}  # their own meeting by name; the helper's: busy


def test_departments_bring_their_active_officers(client, w):
    gone = f.officer(w.planning, "gone")
    gone.is_active = False
    gone.save()
    Participant.objects.create(meeting=w.mine, user=gone)
    client.force_login(w.helper)
    answer = ask(client, department_ids=[w.planning.pk]).json()
    assert answer["checked"] == 2  # the organiser and the planning officer, not the inactive one
    assert set(by_person(answer)) == {"王海", "刘洋"}


def test_back_to_back_is_no_clash_and_a_free_time_answers_nobody(client, w):
    client.force_login(w.helper)
    answer = ask(
        client,
        start="2026-12-03T12:00:00",
        end="2026-12-03T13:00:00",
        participant_ids=[w.officer.pk, w.ent2.pk],
    ).json()
    assert answer == {"checked": 3, "clashes": []}


def test_changing_a_meeting_leaves_itself_out_and_checks_its_organiser(client, w):
    client.force_login(w.staff)  # staff change the helper's meeting: the helper is checked
    answer = ask(client, meeting_id=w.mine.pk, participant_ids=[w.officer.pk]).json()
    assert w.mine.pk not in {c["meeting_id"] for c in answer["clashes"]}
    assert {c["name"] for c in answer["clashes"]} == {"刘洋"}  # busy in helper2's meeting
    assert answer["checked"] == 2  # the organiser (the helper) and the officer, not staff
    client.force_login(w.helper)
    mine = ask(client, meeting_id=w.mine.pk, participant_ids=[w.officer.pk]).json()
    assert [(c["name"], c["title"]) for c in mine["clashes"]] == [("刘洋", None)]


def test_naive_times_are_beijing_time_and_an_offset_is_honoured(client, w):
    client.force_login(w.helper)
    # 02:30-03:30 UTC is 10:30-11:30 in Beijing: the same clashes as above.
    utc = ask(
        client,
        start="2026-12-03T02:30:00Z",
        end="2026-12-03T03:30:00Z",
        participant_ids=[w.ent2.pk],
    ).json()
    assert sorted(c["name"] for c in utc["clashes"]) == sorted(["王海", "乙方联络人"])


# --- only people the organiser may invite are checked (guessing ids) -------------------------


def test_ids_of_people_nobody_may_invite_count_for_nothing(client, w):
    """An editor, an inactive officer, a user without a role and an id that does not exist
    are answered alike: not checked, nothing said about them."""
    gone = f.officer(w.planning, "inactive")
    gone.is_active = False
    gone.save()
    nobody = f.user("norole")
    for user in (w.editor, gone, nobody):
        Participant.objects.create(meeting=w.secret, user=user)
    client.force_login(w.helper)
    free = {"start": "2026-12-03T12:00:00", "end": "2026-12-03T13:00:00"}
    busy = {"start": "2026-12-03T10:30:00", "end": "2026-12-03T11:30:00"}
    for times in (busy, free):
        answers = {
            json.dumps(ask(client, participant_ids=[pk], **times).json())
            for pk in (w.editor.pk, gone.pk, nobody.pk, 10**12)
        }
        assert len(answers) == 1, answers  # no way to tell them apart
    [answer] = answers
    assert json.loads(answer) == {"checked": 1, "clashes": []}  # the organiser alone
    only_organiser = ask(client, participant_ids=[w.editor.pk, gone.pk, nobody.pk], **busy).json()
    assert {c["name"] for c in only_organiser["clashes"]} == {"王海"}


def test_the_organiser_named_as_a_participant_is_checked_once(client, w):
    client.force_login(w.helper)
    answer = ask(client, participant_ids=[w.helper.pk, w.helper.pk]).json()
    assert answer["checked"] == 1
    assert len(answer["clashes"]) == 1


# --- who may ask -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("staff", 200),
        ("helper", 200),
        ("helper2", 200),
        ("officer", 403),
        ("other_officer", 403),
        ("ent", 403),
        ("ent2", 403),
        ("editor", 403),
    ],
)
def test_only_those_who_schedule_may_check_a_new_meeting(client, w, role, status):
    client.force_login(getattr(w, role))
    response = ask(client, participant_ids=[w.officer.pk])
    assert response.status_code == status
    if status == 403:
        body = response.json()
        assert body["code"] == "forbidden"
        assert "刘洋" not in response.content.decode()


def test_signed_out_is_401(client, w):
    response = ask(client, participant_ids=[w.officer.pk])
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("staff", 200),
        ("helper", 200),  # the organiser
        ("helper2", 404),  # not part of it: like a meeting that does not exist
        ("officer", 403),  # invited: sees it, may not change it
        ("ent", 403),
        ("ent2", 404),
        ("other_officer", 404),
        ("editor", 404),
    ],
)
def test_checking_a_change_is_for_who_may_change_the_meeting(client, w, role, status):
    client.force_login(getattr(w, role))
    response = ask(client, meeting_id=w.mine.pk)
    assert response.status_code == status, response.content


def test_a_guessed_meeting_id_is_answered_like_one_not_seen(client, w):
    client.force_login(w.helper2)
    hidden = ask(client, meeting_id=w.mine.pk)
    missing = ask(client, meeting_id=10**12)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_the_browser_session_needs_its_csrf_token(w):
    """The form's page calls it with the session cookie and the form's CSRF token."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(w.helper)
    page = browser.get("/en/meetings/new/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = json.dumps({"start": "2026-12-03T10:30:00", "end": "2026-12-03T11:30:00"})
    refused = browser.post(URL, body, content_type="application/json")
    assert refused.status_code == 403
    allowed = browser.post(
        URL, body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert allowed.status_code == 200
    assert allowed.json()["checked"] == 1


# --- input refused ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"end": "2026-12-03T10:00:00"}, "end"),  # before the start
        ({"end": "2026-12-03T10:30:00"}, "end"),  # no time at all
        ({"end": "2026-12-11T10:30:00"}, "end"),  # longer than a week
        ({"start": "1999-12-31T10:30:00", "end": "1999-12-31T11:30:00"}, "start"),
        ({"start": "0001-01-01T00:00:00", "end": "0001-01-01T01:00:00"}, "start"),
        ({"end": "9999-12-31T23:59:00"}, "end"),
    ],
)
def test_times_outside_the_window_or_backwards_are_refused_with_the_field(client, w, body, field):
    client.force_login(w.helper)
    response = ask(client, **body)
    assert response.status_code == 422, response.content
    problem = response.json()
    assert problem["code"] == "invalid" and problem["field"] == field
    assert problem["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"participant_ids": [0]},
        {"participant_ids": [ID_MAX + 1]},
        {"department_ids": [-1]},
        {"department_ids": [ID_MAX + 1]},
        {"participant_ids": list(range(1, 302))},  # more than 300
        {"department_ids": list(range(1, 102))},  # more than 100
        {"meeting_id": 0},
        {"meeting_id": ID_MAX + 1},
        {"participant_ids": ["王海"]},
        {"start": "not a time"},
    ],
)
def test_ids_are_bounded_in_value_and_number(client, w, body):
    client.force_login(w.helper)
    response = ask(client, **body)
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["loc"][0] == "body"


def test_a_body_that_is_not_json_is_400(client, w):
    client.force_login(w.helper)
    response = client.post(URL, "start=now", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_the_most_ids_allowed_are_checked(client, w):
    client.force_login(w.helper)
    response = ask(client, participant_ids=list(range(1, 301)), department_ids=list(range(1, 101)))
    assert response.status_code == 200


# --- the same rule after saving, and constant queries -------------------------------------------


def test_the_warning_after_saving_names_no_meeting_the_organiser_cannot_open(w):
    _meeting, warnings = w.schedule(
        title="新会", start=bj(2026, 12, 3, 10, 30), end=bj(2026, 12, 3, 11, 30), departments=[]
    )
    hidden = [x for x in warnings if x["meeting_id"] is None]
    assert {x["name"] for x in hidden} == set()  # ent is not in helper2's meeting
    _meeting, warnings = w.schedule(
        title="再一个会",
        start=bj(2026, 12, 3, 10, 30),
        end=bj(2026, 12, 3, 11, 30),
        participants=[w.ent2],
        departments=[],
    )
    [secret] = [x for x in warnings if x["name"] == "乙方联络人"]
    assert secret["title"] is None
    assert secret["message"] == "乙方联络人 is busy from 2026-12-03 10:00 to 12:00."
    assert SECRET_TITLE not in json.dumps([x["message"] for x in warnings], ensure_ascii=False)


def _clashing_people(w, n: int) -> list[int]:
    """n more people, each in a meeting of their own at the time asked (some the helper's)."""
    ids = []
    for i in range(n):
        person = f.user(role="enterprise")
        meeting_schedule(
            actor=w.helper if i % 2 else w.helper2,
            title=f"会{i}",
            kind="joint_meeting",
            start=bj(2026, 12, 3, 10),
            end=bj(2026, 12, 3, 12),
            participants=[person],
        )
        ids.append(person.pk)
    return ids


def test_the_queries_do_not_grow_with_the_people_or_the_clashes(client, w):
    client.force_login(w.helper)
    ask(client)  # sessions, roles: read once
    counts = []
    for n in (2, 12):
        ids = _clashing_people(w, n)
        with CaptureQueriesContext(connection) as queries:
            answer = ask(client, participant_ids=ids, department_ids=[w.planning.pk]).json()
        assert len(answer["clashes"]) >= n
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- the form asks as the organiser types -------------------------------------------------------


def test_the_forms_carry_the_live_check_without_inline_script(client, w):
    client.force_login(w.helper)
    for url, meeting_id in [("/en/meetings/new/", None), (f"/en/meetings/{w.mine.pk}/", w.mine.pk)]:
        page = client.get(url).content.decode()
        assert f'data-conflicts="{URL}"' in page
        assert re.search(r'<div class="conflicts"[^>]*aria-live="polite"', page)
        assert "meetings/conflicts.js" in page
        inline = re.findall(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", page)
        assert not inline, "an inline script"
        if meeting_id:
            assert f'data-meeting-id="{meeting_id}"' in page


def test_a_meeting_that_can_no_longer_change_offers_no_check(client, w):
    Meeting.objects.filter(pk=w.mine.pk).update(status=Meeting.Status.HELD)
    client.force_login(w.helper)
    page = client.get(f"/en/meetings/{w.mine.pk}/").content.decode()
    assert "data-conflicts" not in page and "meetings/conflicts.js" not in page


def test_a_meeting_stored_with_an_end_past_the_window_still_answers(client, w):
    """A row written around the services, ending in year 9999: it clashes, and the answer
    says so without failing to convert its end to Beijing time."""
    broken = Meeting.objects.create(
        title="坏数据",
        kind="joint_meeting",
        start=bj(2026, 12, 3, 10),
        end=datetime(9999, 12, 31, 23, 0, tzinfo=UTC),
        organiser=w.helper2,
    )
    Participant.objects.create(meeting=broken, user=w.other_officer)
    client.force_login(w.helper)
    response = ask(client, participant_ids=[w.other_officer.pk])
    assert response.status_code == 200
    [clash] = [c for c in response.json()["clashes"] if c["name"] == "水务张三"]
    assert clash["end"].startswith("9999-12-31T23:00:00")
