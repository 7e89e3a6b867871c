"""The forecast of a project's approvals and its critical path, on hand-built graphs.

Dates are worked out by hand on the 2026 calendar: Mid-Autumn Fri 25 Sep off; National Day
Thu 1 Oct to Wed 7 Oct off; make-up working days Sun 20 Sep and Sat 10 Oct (调休).
The approvals are unsaved model instances: the forecast reads their fields and nothing else.
"""

from datetime import date

import pytest

from projects.clock import WorkingCalendar, due_dates
from projects.forecast import critical_path, forecast, from_table, prerequisite_graph
from projects.models import Approval
from tests.projects import factories as f

TODAY = date(2026, 9, 28)  # a Monday, just before the holiday
CALENDAR = WorkingCalendar.from_exceptions(
    [(date(2026, 9, 25), False), (date(2026, 9, 20), True), (date(2026, 10, 10), True)]
    + [(date(2026, 10, d), False) for d in range(1, 8)]
)


def approval(pk, status="pending", promised=5, *, item=None, department=1, **fields):
    return Approval(
        pk=pk,
        item_id=item or pk,
        department_id=department,
        status=status,
        promised_limit_days=promised,
        statutory_limit_days=max(promised, 20),
        **fields,
    )


@pytest.fixture
def staged():
    """LAND closed; PLAN running (needs LAND); BUILD pending (needs PLAN); FIRE paused; ENV
    received (needs FIRE and PLAN); LATE accepted and overdue."""
    return [
        approval(
            1,
            "approved",
            accepted_on=date(2026, 9, 1),
            decided_on=date(2026, 9, 18),
            due_date=date(2026, 9, 8),
        ),
        # Accepted Tue 22 Sep, 5 days: 23, 24, (25 off), 28, 29, 30 -> due Wed 30 Sep.
        approval(2, "accepted", accepted_on=date(2026, 9, 22), due_date=date(2026, 9, 30)),
        approval(3, "pending"),
        # Accepted Mon 14 Sep for 12 days; supplement requested Thu 17 (15, 16, 17 used): the
        # due date is unknown while the file waits on the enterprise.
        approval(
            4,
            "supplement_requested",
            12,
            accepted_on=date(2026, 9, 14),
            paused_since=date(2026, 9, 17),
        ),
        approval(5, "received", 3, department=3),
        approval(6, "accepted", accepted_on=date(2026, 9, 1), due_date=date(2026, 9, 10)),
    ]


GRAPH = {1: [], 2: [1], 3: [2], 4: [], 5: [2, 4], 6: []}


def test_closed_approvals_keep_their_real_dates(staged):
    land = forecast(staged, GRAPH, today=TODAY, calendar=CALENDAR)[1]
    assert (land.starts_on, land.ends_on, land.state) == (
        date(2026, 9, 1),
        date(2026, 9, 18),
        "closed",
    )
    assert not land.estimated


def test_a_running_approval_ends_on_its_due_date_or_today_when_overdue(staged):
    result = forecast(staged, GRAPH, today=TODAY, calendar=CALENDAR)
    assert (result[2].starts_on, result[2].ends_on) == (date(2026, 9, 22), date(2026, 9, 30))
    assert result[2].state == "running" and result[2].after == 1
    assert result[6].ends_on == TODAY  # due 10 Sep, still open: it cannot end before today


def test_a_pending_approval_starts_when_its_prerequisite_should_be_decided_across_the_holiday(
    staged,
):
    build = forecast(staged, GRAPH, today=TODAY, calendar=CALENDAR)[3]
    # PLAN should be decided Wed 30 Sep (after today): BUILD's 5 days are Thu 8, Fri 9,
    # Sat 10 (make-up), Mon 12, Tue 13 Oct.
    assert (build.starts_on, build.ends_on) == (date(2026, 9, 30), date(2026, 10, 13))
    assert build.state == "forecast" and build.not_started and build.after == 2
    # The same approval with nothing before it starts today.
    alone = forecast([staged[2]], {}, today=TODAY, calendar=CALENDAR)[3]
    assert alone.starts_on == TODAY and alone.after is None
    # 29, 30 Sep, 8, 9, 10 Oct.
    assert alone.ends_on == date(2026, 10, 10)


def test_a_paused_approval_resumes_after_today_with_the_days_it_has_left(staged):
    result = forecast(staged, GRAPH, today=TODAY, calendar=CALENDAR)
    fire = result[4]
    # 3 of 12 days used before the pause: 9 left from Tue 29 Sep: 29, 30, 8, 9, 10, 12, 13,
    # 14, 15 Oct.
    assert fire.ends_on == date(2026, 10, 15) and fire.state == "running"
    # ENV (received, not accepted) waits for the later of PLAN (30 Sep) and FIRE (15 Oct):
    # 16, 19, 20 Oct.
    env = result[5]
    assert (env.starts_on, env.ends_on, env.after) == (date(2026, 10, 15), date(2026, 10, 20), 4)


def test_the_duration_source_is_pluggable(staged):
    """Figures per item, else per department, else the promise."""
    # A running approval with a closed pause: accepted Mon 21 Sep, supplement Tue 22 to Thu 24
    # (23, 24 do not count).
    accepted = date(2026, 9, 21)
    promised_due, _ = due_dates(
        CALENDAR,
        accepted_on=accepted,
        promised_days=10,
        statutory_days=20,
        pauses=[(date(2026, 9, 22), date(2026, 9, 24))],
    )
    paused_once = approval(
        7,
        "accepted",
        10,
        item=70,
        department=2,
        accepted_on=accepted,
        due_date=promised_due,
        paused_working_days=CALENDAR.count(date(2026, 9, 22), date(2026, 9, 24)),
    )
    approvals = [*staged, paused_once]
    graph = {**GRAPH, 7: []}
    kept = forecast(approvals, graph, today=TODAY, calendar=CALENDAR)
    assert kept[7].ends_on == promised_due
    faster = from_table({70: 6, 3: 2}, {3: 1})
    result = forecast(approvals, graph, today=TODAY, calendar=CALENDAR, duration=faster)
    # 6 days: 22, (23, 24 paused), (25 off), 28, 29, 30 Sep, 8, 9 Oct.
    assert result[7].ends_on == date(2026, 10, 9)
    assert result[3].ends_on == date(2026, 10, 9)  # BUILD by item: 2 days after 30 Sep
    assert result[5].ends_on == date(2026, 10, 16)  # ENV by its department: 1 day after FIRE
    assert result[1].ends_on == date(2026, 9, 18)  # a closed approval keeps its real dates


def test_stored_dates_far_off_and_cycles_do_not_break_the_forecast():
    broken = [
        approval(1, "approved", accepted_on=date(1, 1, 1), decided_on=date(9999, 12, 31)),
        approval(2, "pending", 900),
        approval(3, "pending"),
        approval(4, "pending"),
    ]
    result = forecast(broken, {1: [], 2: [1], 3: [4], 4: [3]}, today=TODAY, calendar=CALENDAR)
    assert all(abs((f.ends_on - TODAY).days) < 366 * 11 for f in result.values())
    assert result[2].starts_on >= result[1].ends_on
    assert {result[3].state, result[4].state} == {"forecast"}
    path = critical_path(result)
    assert path.approval_ids[-1] == 2 and path.estimated


def diamond(b_days: int, c_days: int):
    """SITE running; ROAD (b_days) and WATER (c_days) both need SITE; PERMIT needs both."""
    approvals = [
        approval(1, "accepted", accepted_on=date(2026, 9, 21), due_date=date(2026, 9, 30)),
        approval(2, "pending", b_days),
        approval(3, "pending", c_days),
        approval(4, "pending", 2),
        approval(5, "approved", accepted_on=date(2026, 9, 1), decided_on=date(2026, 9, 10)),
    ]
    return approvals, {1: [], 2: [1], 3: [1], 4: [2, 3], 5: []}


def test_the_critical_path_follows_the_prerequisite_that_finishes_last():
    approvals, graph = diamond(3, 8)
    result = forecast(approvals, graph, today=TODAY, calendar=CALENDAR)
    path = critical_path(result)
    assert path.approval_ids == [1, 3, 4]
    # WATER: 8 days after Wed 30 Sep: 8, 9, 10, 12, 13, 14, 15, 16 Oct; PERMIT 19, 20 Oct.
    assert result[3].ends_on == date(2026, 10, 16)
    assert path.ends_on == result[4].ends_on == date(2026, 10, 20)
    assert path.estimated
    # The other branch is longer: the path moves with it.
    assert path_of(*diamond(9, 2)) == [1, 2, 4]
    # A tie goes to the first prerequisite in the graph's order.
    assert path_of(*diamond(4, 4)) == [1, 2, 4]


def path_of(approvals, graph) -> list[int]:
    return critical_path(forecast(approvals, graph, today=TODAY, calendar=CALENDAR)).approval_ids


def test_a_project_with_every_approval_decided_has_a_real_finish():
    approvals = [
        approval(1, "approved", accepted_on=date(2026, 9, 1), decided_on=date(2026, 9, 10)),
        approval(2, "rejected", accepted_on=date(2026, 9, 11), decided_on=date(2026, 9, 17)),
        approval(3, "withdrawn", decided_on=date(2026, 9, 2)),
    ]
    result = forecast(approvals, {1: [], 2: [1], 3: []}, today=TODAY, calendar=CALENDAR)
    assert result[3].starts_on == result[3].ends_on == date(2026, 9, 2)
    path = critical_path(result)
    assert path.approval_ids == [1, 2] and path.ends_on == date(2026, 9, 17)
    assert not path.estimated
    assert critical_path({}) is None


@pytest.mark.django_db
def test_the_graph_holds_only_the_projects_own_approvals_by_code(world):
    # Registering `own` with BUILD brought its prerequisites PLAN and LAND along.
    own = list(world.own.approvals.select_related("item").prefetch_related("item__prerequisites"))
    ids = {a.item.code: a.pk for a in own}
    assert prerequisite_graph(own) == {
        ids["LAND"]: [],
        ids["PLAN"]: [ids["LAND"]],
        ids["BUILD"]: [ids["PLAN"]],
    }
    # An approval the list does not hold is nothing to wait for.
    assert prerequisite_graph([a for a in own if a.item.code != "PLAN"])[ids["BUILD"]] == []
    dept = f.department()
    first, second = f.item(dept, "Z-1"), f.item(dept, "A-2")
    last = f.item(dept, "M-3", prerequisites=[first, second])
    project = f.project(world.staff, world.ent_a, [last, first, second], code="DIAMOND")
    approvals = list(project.approvals.select_related("item"))
    ids = {a.item.code: a.pk for a in approvals}
    assert prerequisite_graph(approvals) == {
        ids["Z-1"]: [],
        ids["A-2"]: [],
        ids["M-3"]: [ids["A-2"], ids["Z-1"]],
    }
