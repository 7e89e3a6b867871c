"""Who is told of each step of a case, and why (the registry's `notify` of each event type)."""

from portal.models import Event
from portal.streams import event_type, notification_reasons
from supervision.services import case_open, case_reply, case_transition


def told(stream, event):
    row = Event.objects.filter(stream=stream, event=event).order_by("-seq").first()
    return sorted(event_type(event).notify(row))


def test_each_step_tells_the_other_side(case_world):
    w = case_world
    case, _ = case_open(actor=w.enterprise, kind="complaint", title="t", project=w.own)
    s = f"case:{case.pk}"
    # Not dispatched yet: the project's lead helper is asked to dispatch it.
    assert told(s, "case.opened") == [(w.helper.pk, "case_to_dispatch")]
    case_transition(actor=w.staff, case=case, action="dispatch", department=w.planning)
    # No one named: the department's officers.
    assert told(s, "case.dispatched") == sorted(
        [(w.officer.pk, "case_assigned"), (w.officer2.pk, "case_assigned")]
    )
    case_transition(
        actor=w.staff, case=case, action="dispatch", department=w.planning, assignee=w.officer2
    )
    assert told(s, "case.dispatched") == [(w.officer2.pk, "case_assigned")]
    case_transition(actor=w.officer2, case=case, action="sign")
    assert told(s, "case.signed") == [(w.enterprise.pk, "case_progress")]
    case_transition(actor=w.officer2, case=case, action="ask_opener", question="?")
    assert told(s, "case.asked_opener") == [(w.enterprise.pk, "case_question")]
    case_reply(actor=w.ent_colleague, case=case, body="答复")
    assert told(s, "case.opener_replied") == [(w.officer2.pk, "case_opener_replied")]
    case_reply(actor=w.officer2, case=case, body="收到")
    assert told(s, "case.replied") == [(w.enterprise.pk, "case_reply")]
    case_reply(actor=w.officer, case=case, body="内部", internal=True)
    assert told(f"{s}:internal", "case.noted") == [(w.officer2.pk, "case_reply")]
    case_transition(actor=w.officer2, case=case, action="answer", answer="a")
    assert told(s, "case.answered") == [(w.enterprise.pk, "case_answered")]
    case_transition(actor=w.enterprise, case=case, action="reopen", reason="no")
    assert told(s, "case.reopened") == [(w.officer2.pk, "case_reopened")]
    case_transition(actor=w.staff, case=case, action="escalate", reason="慢")
    # The department head and the person handling it.
    assert told(f"{s}:internal", "case.escalated") == sorted(
        [(w.head.pk, "case_escalated"), (w.officer2.pk, "case_escalated")]
    )


def test_the_actor_is_never_told_and_a_caller_has_no_account(case_world):
    w = case_world
    case, _ = case_open(
        actor=w.staff,
        kind="hotline",
        title="t",
        opener_kind="phone",
        caller_phone="1",
        department=w.planning,
        assignee=w.officer,
    )
    s = f"case:{case.pk}"
    assert told(s, "case.opened") == [(w.officer.pk, "case_assigned")]
    case_transition(actor=w.officer, case=case, action="sign")
    assert told(s, "case.signed") == []  # the caller is told by phone, not here
    case_reply(actor=w.officer, case=case, body="我自己")
    assert told(s, "case.replied") == []


def test_an_undispatched_case_escalates_to_the_projects_lead_helper(case_world):
    from datetime import date

    from supervision.services import cases_sweep

    w = case_world
    case, _ = case_open(
        actor=w.enterprise, kind="complaint", title="t", project=w.own, today=date(2026, 9, 14)
    )
    assert cases_sweep(today=date(2026, 9, 17))["escalated"] == 1
    assert told(f"case:{case.pk}:internal", "case.escalated") == [(w.helper.pk, "case_escalated")]


def test_the_reasons_are_registered():
    codes = set(notification_reasons())
    assert {"case_assigned", "case_answered", "case_question", "case_escalated"} <= codes
