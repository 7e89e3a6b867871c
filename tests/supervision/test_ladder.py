"""The escalation ladder: each step once, on its working day counted across the 2026 National
Day holiday and the make-up Saturday; the most specific scope's rules replace the global ones;
who each step tells; the agenda step and the agenda proposals; the back office for staff."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from wagtail.users.models import UserProfile

from meetings.services import agenda_proposals, meeting_schedule
from meetings.supervision import escalated_cases, next_joint_meeting
from portal.models import Event
from portal.streams import event_text
from supervision.card_events import notify_escalated
from supervision.ladder import Ladder, seed_default_ladder, step_due_on
from supervision.models import Card, EscalationRule, EscalationStep
from supervision.sweep import run_sweep
from tests.supervision.sweep_world import build_district, sweep_through, working_days

pytestmark = pytest.mark.django_db


@pytest.fixture
def district(db):
    return build_district()


D = date
BEIJING = ZoneInfo("Asia/Shanghai")


def steps_by_day(first: date, last: date, approval) -> dict[str, date]:
    """Run the sweep twice a day and note on which day each step of the approval's red card
    was first seen."""
    seen: dict[str, date] = {}
    for day in working_days(first, last):
        run_sweep(today=day)
        run_sweep(today=day)
        for step in EscalationStep.objects.filter(card__approval=approval, card__colour="red"):
            seen.setdefault(step.rule.action, day)
    return seen


def test_each_step_once_on_its_working_day_across_the_holiday_and_the_make_up_day(district):
    # `late` turns red on Wed 30 Sep. +3 working days: 8, 9, 10 Oct (the make-up Saturday),
    # so Sat 10 Oct; +5: 12, 13 Oct, so Tue 13 Oct. 1-7 Oct are off.
    seen = steps_by_day(D(2026, 9, 21), D(2026, 10, 20), district.late)
    assert seen == {
        "department_head": D(2026, 9, 30),
        "people": D(2026, 10, 10),
        "agenda": D(2026, 10, 13),
    }
    steps = EscalationStep.objects.filter(card__approval=district.late, card__colour="red")
    assert sorted((s.rule.after_days, s.due_on) for s in steps) == [
        (0, D(2026, 9, 30)),
        (3, D(2026, 10, 10)),
        (5, D(2026, 10, 13)),
    ]
    # Recorded once each, with an event each on the internal stream.
    events = Event.objects.filter(event="card.escalated", data__approval_id=district.late.pk)
    assert sorted(e.data["action"] for e in events) == [
        "agenda",
        "department_head",
        "lead_helper",  # the yellow card's step on 24 Sep
        "people",
    ]


def test_step_days_are_counted_in_working_days():
    from projects.clock import WorkingCalendar

    calendar = WorkingCalendar.load()
    assert step_due_on(calendar, D(2026, 9, 30), 0) == D(2026, 9, 30)
    assert step_due_on(calendar, D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert step_due_on(calendar, D(2026, 9, 30), 3) == D(2026, 10, 10)


def test_who_each_step_tells(district):
    sweep_through(D(2026, 9, 21), D(2026, 10, 13))
    by_action = {
        e.data["action"]: e
        for e in Event.objects.filter(event="card.escalated", data__approval_id=district.late.pk)
    }
    assert notify_escalated(by_action["department_head"]) == [(district.head.pk, "card_escalated")]
    assert notify_escalated(by_action["people"]) == [(district.leader.pk, "card_escalated")]
    # The lead helper heard of the yellow card with the card itself: not twice.
    assert notify_escalated(by_action["lead_helper"]) == []
    text = event_text("card.escalated", by_action["department_head"].data)
    assert text.startswith("The system escalated “LAND ")
    assert text.endswith("to the department head head")
    # No joint meeting is scheduled: the agenda step still opens the way, nobody to tell yet.
    assert notify_escalated(by_action["agenda"]) == []
    assert "none is scheduled yet" in event_text("card.escalated", by_action["agenda"].data)


def test_a_department_rule_replaces_the_global_ones_and_an_item_rule_beats_both(district):
    EscalationRule.objects.create(
        trigger="red", after_days=1, action="people", department=district.planning
    ).people.set([district.staff])
    ladder = Ladder.load()
    planning_rules = ladder.rules_for("red", district.planning.pk, district.land.pk)
    assert [(r.after_days, r.action) for r in planning_rules] == [(1, "people")]
    housing_rules = ladder.rules_for("red", district.housing.pk, district.build.pk)
    assert [r.action for r in housing_rules] == ["department_head", "people", "agenda"]

    sweep_through(D(2026, 9, 21), D(2026, 10, 20))
    late = EscalationStep.objects.filter(card__approval=district.late, card__colour="red")
    assert [(s.rule.action, s.due_on) for s in late] == [("people", D(2026, 10, 8))]
    holiday = EscalationStep.objects.filter(card__approval=district.holiday, card__colour="red")
    assert sorted(s.rule.after_days for s in holiday) == [0, 3, 5]

    EscalationRule.objects.create(
        trigger="red", after_days=0, action="department_head", item=district.land
    )
    assert [
        r.action for r in Ladder.load().rules_for("red", district.planning.pk, district.land.pk)
    ] == ["department_head"]


def test_a_switched_off_rule_takes_no_step(district):
    EscalationRule.objects.filter(trigger="red", after_days=3).update(active=False)
    sweep_through(D(2026, 9, 21), D(2026, 10, 20))
    actions = set(
        EscalationStep.objects.filter(card__colour="red").values_list("rule__action", flat=True)
    )
    assert actions == {"department_head", "agenda"}


def test_the_default_ladder_is_seeded_once(district):
    assert EscalationRule.objects.count() == 6
    assert seed_default_ladder(service_group_leaders=[district.staff]) == 0
    assert EscalationRule.objects.count() == 6
    people = EscalationRule.objects.get(trigger="red", after_days=3)
    assert list(people.people.all()) == [district.leader]


def joint_meeting(district, projects, day, title="项目推动联席会议"):
    meeting, _warnings = meeting_schedule(
        actor=district.staff,
        title=title,
        kind="joint_meeting",
        start=datetime(day.year, day.month, day.day, 9, tzinfo=BEIJING),
        end=datetime(day.year, day.month, day.day, 11, tzinfo=BEIJING),
        projects=projects,
        departments=[district.planning],
    )
    return meeting


def test_the_agenda_step_goes_to_the_projects_next_joint_meeting(district):
    elsewhere = joint_meeting(district, [district.logi], D(2026, 10, 14), "物流专题会")
    ours = joint_meeting(district, [district.glass], D(2026, 10, 21))
    assert next_joint_meeting(district.glass.pk, D(2026, 10, 13))["id"] == ours.pk
    sweep_through(D(2026, 9, 21), D(2026, 10, 13))
    step = Event.objects.get(
        event="card.escalated", data__action="agenda", data__approval_id=district.late.pk
    )
    assert step.data["meeting"]["id"] == ours.pk
    assert notify_escalated(step) == [(district.staff.pk, "card_agenda")]
    assert "项目推动联席会议" in event_text(step.event, step.data)

    card = Card.objects.get(approval=district.late, colour="red")
    assert escalated_cases([district.glass.pk]) == {district.late.pk: card.case}
    proposals = agenda_proposals(ours, today=D(2026, 10, 13))
    first = proposals[0]
    assert first["approval"] == district.late and first["case"] == card.case
    assert card.case.number in first["reason"]
    # The other meeting, about another project, is not offered this case.
    assert all(p.get("case") is None for p in agenda_proposals(elsewhere, today=D(2026, 10, 13)))


def test_without_a_meeting_of_its_own_the_next_joint_meeting_at_all(district):
    other = joint_meeting(district, [district.logi], D(2026, 10, 16), "物流专题会")
    assert next_joint_meeting(district.glass.pk, D(2026, 10, 13))["id"] == other.pk
    assert next_joint_meeting(district.glass.pk, D(2026, 10, 17)) is None


# --- the back office --------------------------------------------------------------------------

INDEX = "/admin/snippets/supervision/escalationrule/"
ADD = INDEX + "add/"


def form(**values):
    data = {
        "trigger": "red",
        "after_days": "2",
        "action": "department_head",
        "department": "",
        "item": "",
        "warn_days": "2",
        "stalled_days": "5",
        "active": "on",
    }
    data.update(values)
    return data


def in_english(user):
    """The back office speaks each person's chosen language; these tests read English."""
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


def test_staff_edit_the_ladder_in_the_back_office(client, district):
    client.force_login(in_english(district.staff))
    page = client.get(INDEX)
    assert page.status_code == 200
    assert "department head" in page.content.decode()
    response = client.post(ADD, form(department=district.planning.pk))
    assert response.status_code == 302
    rule = EscalationRule.objects.get(department=district.planning)
    assert (rule.trigger, rule.after_days, rule.action) == ("red", 2, "department_head")


@pytest.mark.parametrize(
    "values, field, message",
    [
        ({"after_days": "61"}, "after_days", "from 0 to 60"),
        ({"action": "people"}, "people", "Name the people"),
        ({"stalled_days": "0"}, "stalled_days", "from 1 to 60"),
    ],
)
def test_the_back_office_refuses_a_bad_rule(client, district, values, field, message):
    client.force_login(in_english(district.staff))
    before = EscalationRule.objects.count()
    response = client.post(ADD, form(**values))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert EscalationRule.objects.count() == before


def test_a_rule_is_for_a_department_or_an_item_not_both(client, district):
    client.force_login(in_english(district.staff))
    response = client.post(ADD, form(department=district.planning.pk, item=district.land.pk))
    assert response.status_code == 200
    assert "not both" in response.content.decode()
    assert not EscalationRule.objects.filter(department=district.planning).exists()


def test_nobody_deletes_a_rung(client, district):
    client.force_login(in_english(district.staff))
    rule = EscalationRule.objects.first()
    response = client.post(f"{INDEX}delete/{rule.pk}/")
    assert response.status_code in (302, 403)
    assert EscalationRule.objects.filter(pk=rule.pk).exists()


def test_only_staff_reach_the_ladder(client, district):
    # An officer given the back office's door is still refused the ladder.
    officer = district.officer
    officer.user_permissions.add(Permission.objects.get(codename="access_admin"))
    for user in (district.officer, district.helper, district.enterprise, district.head):
        client.force_login(user)
        for url in (INDEX, ADD, f"{INDEX}edit/{EscalationRule.objects.first().pk}/"):
            response = client.get(url)
            assert response.status_code in (302, 403), (user, url)
        response = client.post(ADD, form())
        assert response.status_code in (302, 403)
    assert EscalationRule.objects.count() == 6
    client.logout()
    assert client.get(INDEX).status_code == 302
