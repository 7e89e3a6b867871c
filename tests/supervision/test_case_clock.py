"""The stage clock of a case: paused while the case waits on its opener (across National Day
2026 and its make-up working days), escalation once per stage and level, automatic closing."""

from datetime import date

from portal.models import Event
from supervision.models import Case
from supervision.services import case_open, case_reply, case_transition, cases_sweep
from tests.supervision.conftest import at

D = date


def signed_case(w, day):
    case, _ = case_open(
        actor=w.enterprise, kind="request", title="用地预审", project=w.own, today=day, now=at(day)
    )
    case_transition(
        actor=w.staff,
        case=case,
        action="dispatch",
        department=w.planning,
        assignee=w.officer,
        today=day,
        now=at(day),
    )
    return case_transition(actor=w.officer, case=case, action="sign", today=day, now=at(day))


def escalations(case):
    return list(
        Event.objects.filter(stream=f"case:{case.pk}:internal", event="case.escalated")
        .order_by("seq")
        .values_list("data__level", "data__overdue_since")
    )


def test_the_stage_clock_stops_while_waiting_on_the_opener_across_national_day(case_world):
    w = case_world
    # Signed Tuesday 29 September: 5 working days to answer are 30 Sep, 8 and 9 Oct, Saturday
    # 10 Oct (a make-up working day) and Monday 12 Oct.
    case = signed_case(w, D(2026, 9, 29))
    assert case.stage_due == D(2026, 10, 12)
    case = case_transition(
        actor=w.officer,
        case=case,
        action="ask_opener",
        question="请补充红线图",
        today=D(2026, 9, 30),
    )
    assert case.waiting_since == D(2026, 9, 30)
    # While it waits nothing escalates, however late the original due date.
    assert cases_sweep(today=D(2026, 10, 13)) == {"escalated": 0, "closed": 0}
    # The enterprise answers on Tuesday 13 Oct: 8, 9, 10 (Saturday, worked), 12 and 13 Oct
    # were waited (1-7 Oct are the holiday): the due date moves 5 working days, to 19 Oct.
    case_reply(actor=w.enterprise, case=case, body="已上传红线图", today=D(2026, 10, 13))
    case.refresh_from_db()
    assert case.waiting_since is None
    assert case.stage_due == D(2026, 10, 19)
    resumed = Event.objects.get(stream=f"case:{case.pk}", event="case.opener_replied")
    assert resumed.data["waited"] == 5 and resumed.data["due"] == "2026-10-19"
    assert cases_sweep(today=D(2026, 10, 19))["escalated"] == 0
    # The limit passed: escalated once on the 20th, however often the sweep runs that day.
    assert cases_sweep(today=D(2026, 10, 20))["escalated"] == 1
    assert cases_sweep(today=D(2026, 10, 20))["escalated"] == 0
    assert cases_sweep(today=D(2026, 10, 21))["escalated"] == 0
    case.refresh_from_db()
    assert case.escalation_level == 1
    assert escalations(case) == [(1, "2026-10-19")]
    # At the higher level the stage has its limit again (to 27 Oct); then the next level.
    assert case.stage_due == D(2026, 10, 27)
    assert cases_sweep(today=D(2026, 10, 28))["escalated"] == 1
    case.refresh_from_db()
    assert case.escalation_level == 2


def test_the_opener_replies_through_the_transition_too(case_world):
    w = case_world
    case = signed_case(w, D(2026, 9, 29))
    case_transition(
        actor=w.officer, case=case, action="ask_opener", question="?", today=D(2026, 9, 30)
    )
    # Asked on the 30th, answered on 9 Oct: the 8th and 9th were waited (1-7 Oct are off).
    case = case_transition(
        actor=w.ent_colleague,
        case=case,
        action="opener_reply",
        body="见附件",
        today=D(2026, 10, 9),
    )
    assert case.stage_due == D(2026, 10, 14)


def test_a_signed_case_answered_closes_itself_after_five_working_days(case_world):
    w = case_world
    case = signed_case(w, D(2026, 9, 24))
    case = case_transition(
        actor=w.officer,
        case=case,
        action="answer",
        answer="已办结",
        today=D(2026, 9, 24),
        now=at(D(2026, 9, 24)),
    )
    # Five working days after Thursday 24 Sep: 28, 29, 30 Sep, 8 and 9 Oct (25 Sep and
    # 1-7 Oct are off).
    assert case.stage_due == D(2026, 10, 9)
    assert cases_sweep(today=D(2026, 10, 8))["closed"] == 0
    assert cases_sweep(today=D(2026, 10, 9), now=at(D(2026, 10, 9)))["closed"] == 1
    assert cases_sweep(today=D(2026, 10, 9))["closed"] == 0
    case.refresh_from_db()
    assert case.state == "closed" and case.closed_automatically
    closed = Event.objects.get(stream=f"case:{case.pk}", event="case.closed")
    assert closed.actor is None and closed.data["automatically"] is True
    from portal.streams import event_text

    assert event_text(closed.event, closed.data) == (
        f"The system closed the request for help {case.number} “用地预审” automatically, "
        "5 working days after the answer"
    )


def test_a_case_not_dispatched_in_time_is_escalated(case_world):
    w = case_world
    case, _ = case_open(
        actor=w.enterprise, kind="complaint", title="t", project=w.own, today=D(2026, 9, 29)
    )
    assert case.state == Case.State.OPENED and case.stage_due == D(2026, 9, 30)
    assert cases_sweep(today=D(2026, 10, 8))["escalated"] == 1
    case.refresh_from_db()
    assert case.escalation_level == 1 and case.stage_due == D(2026, 10, 9)
