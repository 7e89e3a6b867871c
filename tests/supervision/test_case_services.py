"""The case services: opening (numbers, dedupe, codes), the lifecycle and its refusals."""

from datetime import date

import pytest
from django.db import transaction
from django.utils import translation

from portal.errors import InvalidInput, NotVisible, PermissionRefused, TransitionRefused
from portal.models import Event
from portal.streams import event_text, stream_readable
from supervision.models import Case
from supervision.services import (
    case_open,
    case_reply,
    case_transition,
    tracking_matches,
)
from tests.supervision.conftest import at

MON = date(2026, 9, 14)


def open_complaint(w, **kw):
    kw.setdefault("today", MON)
    kw.setdefault("now", at(MON))
    return case_open(actor=w.enterprise, kind="complaint", title="审查太慢", project=w.own, **kw)


def events(stream):
    return list(Event.objects.filter(stream=stream).order_by("seq").values_list("event", flat=True))


def test_numbers_per_kind_and_year_without_gaps(case_world):
    w = case_world
    first, _ = case_open(actor=w.staff, kind="supervision", title="a", project=w.own, today=MON)
    second, _ = case_open(actor=w.staff, kind="supervision", title="b", project=w.own, today=MON)
    complaint, _ = open_complaint(w)
    with pytest.raises(RuntimeError), transaction.atomic():
        case_open(actor=w.staff, kind="supervision", title="c", today=MON)
        raise RuntimeError("rolled back")
    third, _ = case_open(actor=w.staff, kind="supervision", title="d", today=MON)
    next_year, _ = case_open(actor=w.staff, kind="supervision", title="e", today=date(2027, 1, 4))
    assert [first.number, second.number, third.number] == [
        "DB-2026-0001",
        "DB-2026-0002",
        "DB-2026-0003",
    ]
    assert complaint.number == "TS-2026-0001"
    assert next_year.number == "DB-2027-0001"


def test_dedupe_key_opens_one_case_and_writes_nothing_the_second_time(case_world):
    w = case_world
    case, code = case_open(
        actor=None,
        kind="supervision",
        title="红牌",
        approval=w.approval,
        department=w.planning,
        dedupe_key="red:1:2026-09-14",
        today=MON,
    )
    before = Event.objects.count()
    again, again_code = case_open(
        actor=None,
        kind="supervision",
        title="红牌",
        approval=w.approval,
        department=w.planning,
        dedupe_key="red:1:2026-09-14",
        today=MON,
    )
    assert again.pk == case.pk and code is None and again_code is None
    assert Event.objects.count() == before
    assert Case.objects.count() == 1
    assert case.state == "dispatched" and case.project == w.own and case.opener_kind == "system"
    # The counter did not move either: the next case takes the next number.
    nxt, _ = case_open(actor=w.staff, kind="supervision", title="x", today=MON)
    assert nxt.number == "DB-2026-0002"


def test_tracking_code_given_once_to_enterprise_and_caller_only(case_world):
    w = case_world
    case, code = open_complaint(w)
    assert code and len(code) == 10
    assert tracking_matches(case, case.number, code)
    assert tracking_matches(case, case.number.lower(), code.lower())
    assert not tracking_matches(case, case.number, "WRONGCODE2")
    assert not tracking_matches(None, "TS-2026-9999", code)
    call, call_code = case_open(
        actor=w.staff,
        kind="hotline",
        title="咨询办理进度",
        opener_kind="phone",
        caller_name="王先生",
        caller_phone="13800000000",
        department=w.planning,
        today=MON,
    )
    assert call_code and call.number == "RX-2026-0001" and call.state == "dispatched"
    staff_case, staff_code = case_open(actor=w.staff, kind="supervision", title="s", today=MON)
    assert staff_code is None and staff_case.tracking_code_hash == ""


def test_whole_lifecycle_with_events_on_the_case_and_the_project(case_world):
    w = case_world
    case, _ = open_complaint(w, body="规划许可一个月没有消息")
    assert case.enterprise == w.ent_a and case.state == "opened"
    case = case_transition(
        actor=w.helper,
        case=case,
        action="dispatch",
        department=w.planning.pk,
        assignee=w.officer.pk,
        today=MON,
        now=at(MON),
    )
    assert case.state == "dispatched" and case.assignee == w.officer
    case = case_transition(actor=w.officer, case=case, action="sign", today=MON)
    assert case.state == "signed"
    # 5 working days: 15-18 September, then Sunday 20th, a make-up working day (调休).
    assert case.stage_due == date(2026, 9, 20)
    case = case_transition(
        actor=w.officer, case=case, action="answer", answer="已于今日办结", today=MON
    )
    assert case.state == "answered" and case.answer == "已于今日办结"
    case = case_transition(actor=w.ent_colleague, case=case, action="close", today=MON)
    assert case.state == "closed" and case.closed_at and not case.closed_automatically
    assert events(f"case:{case.pk}") == [
        "case.opened",
        "case.dispatched",
        "case.signed",
        "case.answered",
        "case.closed",
    ]
    assert events(f"project:{w.own.pk}:internal")[-5:] == ["project.case_step"] * 5
    row = Event.objects.filter(stream=f"case:{case.pk}", event="case.dispatched").get()
    with translation.override("en"):
        assert event_text(row.event, row.data) == (
            f"{w.helper.get_full_name()} assigned the complaint {case.number} “审查太慢” "
            f"to Planning bureau ({w.officer.get_full_name() or 'officer'})"
        )
    with translation.override("zh-hans"):
        assert case.number in event_text(row.event, row.data)
    closed = Event.objects.get(stream=f"case:{case.pk}", event="case.closed")
    with translation.override("en"):
        assert "confirmed the answer and closed the complaint" in event_text(
            closed.event, closed.data
        )


def test_refusals_say_why(case_world):
    w = case_world
    case, _ = open_complaint(w)
    with pytest.raises(PermissionRefused, match="not dispatch it"):
        case_transition(actor=w.enterprise, case=case, action="dispatch", department=w.planning)
    with pytest.raises(NotVisible):
        case_transition(actor=w.enterprise2, case=case, action="close")
    with pytest.raises(NotVisible):
        case_transition(actor=w.housing_officer, case=case, action="sign")
    with pytest.raises(TransitionRefused, match="Cannot close a case that is opened"):
        case_transition(actor=w.enterprise, case=case, action="close")
    with pytest.raises(InvalidInput) as refused:
        case_transition(
            actor=w.staff,
            case=case,
            action="dispatch",
            department=w.planning,
            assignee=w.housing_officer,
        )
    assert refused.value.field == "assignee" and "is not an officer of" in str(refused.value)
    case_transition(actor=w.staff, case=case, action="dispatch", department=w.planning)
    # Now the department sees it, the other department still does not.
    with pytest.raises(PermissionRefused, match="not dispatch it"):
        case_transition(actor=w.officer, case=case, action="dispatch", department=w.housing)
    case_transition(actor=w.officer2, case=case, action="sign")
    with pytest.raises(InvalidInput) as empty:
        case_transition(actor=w.officer2, case=case, action="answer", answer="  ")
    assert empty.value.field == "answer"
    with pytest.raises(InvalidInput, match="Unexpected input"):
        case_transition(actor=w.officer2, case=case, action="answer", answer="x", bogus=1)
    with pytest.raises(PermissionRefused, match="Only bureau staff record hotline calls"):
        case_open(actor=w.helper, kind="hotline", title="t", opener_kind="phone", caller_phone="1")
    with pytest.raises(NotVisible):
        case_open(actor=w.enterprise2, kind="complaint", title="t", project=w.own)
    with pytest.raises(PermissionRefused):
        case_open(actor=w.enterprise, kind="supervision", title="t", project=w.own)
    with pytest.raises(PermissionRefused, match="assigns the case"):
        case_open(
            actor=w.enterprise, kind="request", title="t", project=w.own, department=w.planning
        )


def test_reopen_within_the_limit_only(case_world):
    w = case_world
    case, _ = open_complaint(w)
    case_transition(actor=w.staff, case=case, action="dispatch", department=w.planning, today=MON)
    case_transition(actor=w.officer, case=case, action="sign", today=MON)
    case_transition(actor=w.officer, case=case, action="answer", answer="a", today=MON)
    case_transition(actor=w.enterprise, case=case, action="close", today=MON, now=at(MON))
    with pytest.raises(InvalidInput):
        case_transition(actor=w.enterprise, case=case, action="reopen", reason="")
    # 10 working days after Monday 14 September, with Sunday 20th worked (调休) and the
    # Mid-Autumn Friday off: the 28th is the last day to reopen.
    late = date(2026, 9, 29)
    with pytest.raises(TransitionRefused, match="within 10 working days"):
        case_transition(actor=w.enterprise, case=case, action="reopen", reason="no", today=late)
    case = case_transition(
        actor=w.enterprise, case=case, action="reopen", reason="还是没批", today=date(2026, 9, 28)
    )
    assert case.state == "dispatched" and case.reopened == 1 and case.closed_at is None


def test_staff_close_system_and_phone_cases_not_enterprise_ones(case_world):
    w = case_world
    case, _ = open_complaint(w)
    case_transition(actor=w.staff, case=case, action="dispatch", department=w.planning)
    case_transition(actor=w.officer, case=case, action="sign")
    case_transition(actor=w.officer, case=case, action="answer", answer="a")
    with pytest.raises(PermissionRefused, match="not close it"):
        case_transition(actor=w.staff, case=case, action="close")
    system, _ = case_open(actor=None, kind="supervision", title="s", department=w.planning)
    case_transition(actor=w.officer, case=system, action="sign")
    case_transition(actor=w.officer, case=system, action="answer", answer="a")
    case_transition(actor=w.staff2, case=system, action="close")


def test_internal_notes_and_streams_by_role(case_world):
    w = case_world
    case, _ = open_complaint(w)
    case_transition(actor=w.staff, case=case, action="dispatch", department=w.planning)
    case_reply(actor=w.officer, case=case, body="内部：需要规划局会签", internal=True)
    case_reply(actor=w.enterprise, case=case, body="请尽快")
    with pytest.raises(PermissionRefused, match="internal notes"):
        case_reply(actor=w.enterprise, case=case, body="x", internal=True)
    public, internal = f"case:{case.pk}", f"case:{case.pk}:internal"
    assert events(internal) == ["case.noted"]
    assert events(public)[-1] == "case.replied"
    readers = {
        "staff": (True, True),
        "helper": (True, True),  # the project's helper
        "helper2": (False, False),
        "officer": (True, True),
        "officer2": (True, True),
        "housing_officer": (False, False),
        "enterprise": (True, False),
        "colleague": (True, False),
        "enterprise2": (False, False),
        "nobody": (False, False),
    }
    for name, (reads_public, reads_internal) in readers.items():
        user = getattr(w, name) if name != "colleague" else w.ent_colleague
        assert stream_readable(user, public) is reads_public, name
        assert stream_readable(user, internal) is reads_internal, name
        # A guessed case stream reads like one that does not exist.
        assert not stream_readable(user, "case:999999")
        assert not stream_readable(user, "case:999999:internal")
        assert not stream_readable(user, f"case:{case.pk}:other")


def test_enterprise_never_reads_a_supervision_case_of_its_project(case_world):
    w = case_world
    case, _ = case_open(actor=w.helper, kind="supervision", title="督办", approval=w.approval)
    assert case.opener_kind == "helper"
    assert stream_readable(w.helper, f"case:{case.pk}")
    assert not stream_readable(w.enterprise, f"case:{case.pk}")
    assert not stream_readable(w.officer, f"case:{case.pk}")  # not assigned yet
    with pytest.raises(NotVisible):
        case_reply(actor=w.enterprise, case=case, body="?")
