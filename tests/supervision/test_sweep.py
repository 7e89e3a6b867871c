"""The daily sweep: yellow and red cards once per due date on the right working day (across
the 2026 National Day holiday and its make-up days), stalled approvals, clearing, the red
card's case, and idempotency (twice, a retried task, a second scheduler)."""

from datetime import date

import pytest
from django.utils import timezone, translation

from portal.models import Event
from portal.streams import event_text, event_type
from projects.services import approval_transition, comment_add
from projects.streams import project_internal_stream
from supervision import tasks
from supervision.card_events import notify_issued
from supervision.models import Card, Case, EscalationStep
from supervision.sweep import card_clear, card_issue, run_sweep
from tests.supervision.sweep_world import at, build_district, sweep_through

pytestmark = pytest.mark.django_db


@pytest.fixture
def district(db):
    return build_district()


D = date


def cards(approval, colour=None):
    found = Card.objects.filter(approval=approval)
    if colour:
        found = found.filter(colour=colour)
    return list(found.order_by("issued_on", "id"))


def snapshot():
    return (
        Card.objects.count(),
        Card.objects.filter(cleared_on__isnull=True).count(),
        EscalationStep.objects.count(),
        Case.objects.count(),
        Event.objects.count(),
    )


def test_yellow_then_red_each_once_on_the_right_working_day_across_national_day(district):
    sweep_through(D(2026, 9, 21), D(2026, 10, 13), twice=True)
    # `late`, due Tue 29 Sep: yellow Thu 24 Sep (28 and 29 left: 25 Sep is the Mid-Autumn
    # Festival), red Wed 30 Sep.
    (yellow,) = cards(district.late, "yellow")
    (red,) = cards(district.late, "red")
    assert (yellow.issued_on, red.issued_on) == (D(2026, 9, 24), D(2026, 9, 30))
    assert yellow.due_date == red.due_date == D(2026, 9, 29)
    # The red card replaced the yellow one that day.
    assert yellow.cleared_on == D(2026, 9, 30) and red.cleared_on is None
    # `holiday`, due Sat 10 Oct (a make-up working day): on Wed 30 Sep three working days were
    # left (8, 9, 10 Oct; 1-7 Oct off), so the yellow card waits for Thu 8 Oct; red on Mon 12
    # Oct (Sun 11 Oct is an ordinary day off).
    (yellow,) = cards(district.holiday, "yellow")
    (red,) = cards(district.holiday, "red")
    assert (yellow.issued_on, red.issued_on) == (D(2026, 10, 8), D(2026, 10, 12))


def test_nothing_is_issued_on_a_day_off(district):
    result = run_sweep(today=D(2026, 10, 3))  # a National Day holiday
    assert not result.working_day
    assert not Card.objects.exists()
    assert run_sweep(today=D(2026, 10, 10)).working_day  # the make-up Saturday works


def test_an_item_can_warn_earlier(district):
    from supervision.models import EscalationRule

    rule = EscalationRule.objects.create(
        trigger="yellow", after_days=0, action="lead_helper", item=district.build, warn_days=3
    )
    assert rule.item_id
    sweep_through(D(2026, 9, 28), D(2026, 10, 9))
    (yellow,) = cards(district.holiday, "yellow")
    assert yellow.issued_on == D(2026, 9, 30)  # 8, 9 and 10 Oct left


def test_a_second_run_the_same_day_changes_nothing(district):
    sweep_through(D(2026, 9, 21), D(2026, 9, 29))
    first = run_sweep(today=D(2026, 9, 30))
    assert first["red"] == 1 and first["steps"] == 1  # the card and its department head
    before = snapshot()
    again = run_sweep(today=D(2026, 9, 30))
    assert snapshot() == before
    assert again["red"] == again["yellow"] == again["steps"] == 0


def test_a_second_scheduler_that_raced_to_the_same_card_writes_nothing(district):
    # The other scheduler's sweep chose the same approval before this one committed its card:
    # the key is taken, so no second card, event or case.
    run_sweep(today=D(2026, 9, 30))
    before = snapshot()
    again = card_issue(
        colour="red",
        key=f"red:approval:{district.late.pk}:2026-09-29",
        today=D(2026, 9, 30),
        project=district.glass,
        department=district.planning,
        approval=district.late,
        due_date=D(2026, 9, 29),
    )
    assert again is None
    assert snapshot() == before
    # Clearing twice clears once.
    (red,) = cards(district.late, "red")
    assert card_clear(card_id=red.pk, today=D(2026, 10, 8), why="decided")
    after_first = snapshot()
    assert not card_clear(card_id=red.pk, today=D(2026, 10, 8), why="decided")
    assert snapshot() == after_first


def test_the_task_runs_for_today_and_a_retry_changes_nothing(district, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: D(2026, 10, 12))
    first = tasks.daily_sweep.call()
    assert first["red"] == 2  # `late` and `holiday` are both overdue on 12 Oct
    before = snapshot()
    assert tasks.daily_sweep.call().get("red", 0) == 0
    assert snapshot() == before


def test_the_task_does_nothing_on_a_day_off(district, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: D(2026, 10, 11))  # Sunday
    assert tasks.daily_sweep.call() == {}
    assert not Card.objects.exists()


def test_a_red_card_opens_one_supervision_case_for_the_department(district):
    sweep_through(D(2026, 9, 21), D(2026, 10, 8), twice=True)
    (red,) = cards(district.late, "red")
    case = Case.objects.get()
    assert red.case == case
    assert case.kind == "supervision" and case.department == district.planning
    assert case.approval == district.late and case.project == district.glass
    assert case.opener_kind == "system" and case.dedupe_key == f"card:{red.key}"
    assert case.state == "dispatched"


def test_a_card_is_an_event_on_the_internal_stream_told_to_the_helpers(district):
    run_sweep(today=D(2026, 9, 24))
    row = Event.objects.get(event="card.issued")
    assert row.stream == project_internal_stream(district.glass.pk)
    assert row.actor is None
    assert notify_issued(row) == [
        (district.helper.pk, "card_yellow"),
        (district.assistant.pk, "card_yellow"),
    ]
    assert event_text(row.event, row.data) == (
        f"The system gave a yellow card: the approval “LAND {district.land.name_en} "
        "(Planning bureau)” is due on 2026-09-29"
    )
    with translation.override("zh-hans"):
        chinese = event_text(row.event, row.data)
    assert "2026-09-29" in chinese and "LAND" in chinese and "规划局" in chinese
    assert event_type("card.issued").notify is notify_issued


def test_a_decided_approval_clears_its_card(district):
    sweep_through(D(2026, 9, 21), D(2026, 9, 30))
    approval_transition(
        actor=district.officer,
        approval_id=district.late.pk,
        action="approve",
        decision_number="规审〔2026〕1号",
        now=at(D(2026, 10, 8), 9),
    )
    run_sweep(today=D(2026, 10, 8))
    (red,) = cards(district.late, "red")
    assert red.cleared_on == D(2026, 10, 8)
    cleared = Event.objects.get(event="card.cleared", data__card_id=red.pk)
    assert "it was decided" in event_text(cleared.event, cleared.data)
    # Decided stays decided: no new card later.
    sweep_through(D(2026, 10, 9), D(2026, 10, 12))
    assert len(cards(district.late)) == 2  # the yellow and the red


def test_a_new_due_date_clears_the_card_and_earns_its_own(district):
    sweep_through(D(2026, 9, 24), D(2026, 9, 24))  # the yellow card for 29 Sep
    approval_transition(
        actor=district.officer,
        approval_id=district.late.pk,
        action="request_supplement",
        reason="图纸不清晰",
        missing_materials=["申请表"],
        now=at(D(2026, 9, 24), 15),
    )
    run_sweep(today=D(2026, 9, 28))
    (yellow,) = cards(district.late, "yellow")
    assert yellow.cleared_on == D(2026, 9, 28)
    assert not cards(district.late, "red")
    # Answered on Fri 9 Oct: 24 Sep was day 3 of 5, so two days are left: Sat 10 Oct (make-up)
    # and Mon 12 Oct.
    approval_transition(
        actor=district.enterprise,
        approval_id=district.late.pk,
        action="supplement",
        now=at(D(2026, 10, 9)),
    )
    district.late.refresh_from_db()
    new_due = district.late.due_date
    assert new_due == D(2026, 10, 12)
    sweep_through(D(2026, 10, 9), D(2026, 10, 20))
    reds = cards(district.late, "red")
    assert [c.due_date for c in reds] == [new_due]
    assert len(cards(district.late, "yellow")) == 2  # one per due date


def test_a_stalled_approval_gets_a_card_until_someone_records_something(district):
    sweep_through(D(2026, 9, 21), D(2026, 9, 28))
    assert not cards(district.slow, "stalled")
    run_sweep(today=D(2026, 9, 29))  # 22, 23, 24, 28, 29 Sep: five working days untouched
    (stalled,) = cards(district.slow, "stalled")
    assert stalled.issued_on == D(2026, 9, 29) and stalled.department == district.planning
    run_sweep(today=D(2026, 9, 29))
    assert len(cards(district.slow, "stalled")) == 1  # once, not every run
    comment_add(
        actor=district.officer,
        project_id=district.logi.pk,
        body="正在审查",
        approval_id=district.slow.pk,
        now=at(D(2026, 9, 30)),
    )
    run_sweep(today=D(2026, 9, 30))
    stalled.refresh_from_db()
    assert stalled.cleared_on == D(2026, 9, 30)
    # Five working days after the comment, across the holiday: 8, 9, 10 (make-up), 12, 13 Oct.
    sweep_through(D(2026, 10, 1), D(2026, 10, 12))
    assert len(cards(district.slow, "stalled")) == 1
    run_sweep(today=D(2026, 10, 13))
    latest = cards(district.slow, "stalled")[-1]
    assert latest.issued_on == D(2026, 10, 13) and latest.cleared_on is None


def test_the_sweep_calls_the_cases_sweep(district, monkeypatch):
    from supervision import services

    seen = []
    monkeypatch.setattr(services, "cases_sweep", lambda *, today: seen.append(today) or {})
    run_sweep(today=D(2026, 9, 30))
    run_sweep(today=D(2026, 10, 4))  # a holiday: nothing at all
    assert seen == [D(2026, 9, 30)]


def test_an_overdue_action_item_gets_a_card_until_it_is_done(district):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from meetings.services import action_item_close, action_item_create, meeting_schedule

    beijing = ZoneInfo("Asia/Shanghai")
    meeting, _warnings = meeting_schedule(
        actor=district.staff,
        title="项目推动联席会议",
        kind="joint_meeting",
        start=datetime(2026, 9, 22, 9, tzinfo=beijing),
        end=datetime(2026, 9, 22, 11, tzinfo=beijing),
        projects=[district.glass],
        departments=[district.planning],
        now=at(D(2026, 9, 21)),
    )
    action = action_item_create(
        actor=district.staff,
        meeting_id=meeting.pk,
        decision="规划局加快用地审查",
        title="完成用地预审",
        owner_user=district.officer,
        owner_department=district.planning,
        due_date=D(2026, 9, 28),
        project=district.glass,
        now=at(D(2026, 9, 22), 12),
    )
    run_sweep(today=D(2026, 9, 28))  # due today: not yet overdue
    assert not Card.objects.filter(colour="action_overdue").exists()
    run_sweep(today=D(2026, 9, 29))
    run_sweep(today=D(2026, 9, 29))
    (card,) = Card.objects.filter(colour="action_overdue")
    assert (card.subject_type, card.subject_id) == ("action_item", action.pk)
    assert card.project == district.glass and card.department == district.planning
    row = Event.objects.get(event="card.issued", data__card_id=card.pk)
    assert row.stream == project_internal_stream(district.glass.pk)
    assert notify_issued(row) == [
        (district.helper.pk, "card_action_overdue"),
        (district.assistant.pk, "card_action_overdue"),
        (district.officer.pk, "card_action_overdue"),
    ]
    assert event_text(row.event, row.data) == (
        "The system flagged the action item “完成用地预审” as overdue: it was due on 2026-09-28"
    )
    action_item_close(
        actor=district.officer, action_item_id=action.pk, note="已完成", now=at(D(2026, 9, 30))
    )
    run_sweep(today=D(2026, 9, 30))
    card.refresh_from_db()
    assert card.cleared_on == D(2026, 9, 30)
    assert Card.objects.filter(colour="action_overdue").count() == 1
