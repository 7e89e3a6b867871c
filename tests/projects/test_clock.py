"""The working-day clock, with dates worked out by hand on the 2026 calendar.

2026: National Day holiday Thu 1 Oct to Wed 7 Oct; make-up working days Sun 20 Sep and
Sat 10 Oct (调休).
"""

from datetime import date

import pytest

from projects.clock import WorkingCalendar, due_dates, read_clock
from projects.models import Approval

pytestmark = pytest.mark.django_db


@pytest.fixture
def calendar():
    return WorkingCalendar.load()


def test_the_seeded_calendar_knows_the_national_day_holiday_and_make_up_days(calendar):
    assert calendar.is_working(date(2026, 9, 30))
    assert not any(calendar.is_working(date(2026, 10, d)) for d in range(1, 8))
    assert calendar.is_working(date(2026, 9, 20))  # a Sunday, made a working day
    assert calendar.is_working(date(2026, 10, 10))  # a Saturday, made a working day
    assert not calendar.is_working(date(2026, 10, 11))  # an ordinary Sunday


def test_counting_across_the_national_day_holiday(calendar):
    # Accepted Mon 28 Sep: day 1 Tue 29, day 2 Wed 30, (1-7 Oct off), day 3 Thu 8,
    # day 4 Fri 9, day 5 Sat 10 (make-up), day 6 Mon 12.
    accepted = date(2026, 9, 28)
    assert calendar.nth_after(accepted, 1) == date(2026, 9, 29)
    assert calendar.nth_after(accepted, 3) == date(2026, 10, 8)
    assert calendar.nth_after(accepted, 5) == date(2026, 10, 10)
    assert calendar.nth_after(accepted, 6) == date(2026, 10, 12)
    assert calendar.count(accepted, date(2026, 10, 12)) == 6
    promised, statutory = due_dates(
        calendar, accepted_on=accepted, promised_days=5, statutory_days=10, pauses=[]
    )
    # Statutory: day 7 Tue 13, 8 Wed 14, 9 Thu 15, 10 Fri 16.
    assert (promised, statutory) == (date(2026, 10, 10), date(2026, 10, 16))


def test_a_make_up_sunday_is_day_one(calendar):
    # Accepted Fri 18 Sep: day 1 is Sun 20 Sep (make-up), day 3 Tue 22 Sep.
    assert calendar.nth_after(date(2026, 9, 18), 1) == date(2026, 9, 20)
    assert calendar.nth_after(date(2026, 9, 18), 3) == date(2026, 9, 22)


def test_a_supplement_pause_stops_the_clock(calendar):
    # Accepted Mon 2 Nov, 10 days: without a pause due Mon 16 Nov. Supplement requested Thu
    # 5 Nov (day 3 still counts), answered Wed 11 Nov: 6, 9, 10, 11 Nov do not count, so the
    # due date moves four working days to Fri 20 Nov.
    accepted = date(2026, 11, 2)
    assert due_dates(
        calendar, accepted_on=accepted, promised_days=10, statutory_days=10, pauses=[]
    ) == (date(2026, 11, 16), date(2026, 11, 16))
    pauses = [(date(2026, 11, 5), date(2026, 11, 11))]
    assert due_dates(
        calendar, accepted_on=accepted, promised_days=10, statutory_days=20, pauses=pauses
    ) == (date(2026, 11, 20), date(2026, 12, 4))
    # While the pause is open, the due date is unknown.
    assert due_dates(
        calendar,
        accepted_on=accepted,
        promised_days=10,
        statutory_days=20,
        pauses=[(date(2026, 11, 5), None)],
    ) == (None, None)


def approval(**fields):
    defaults = {
        "status": Approval.Status.ACCEPTED,
        "promised_limit_days": 10,
        "statutory_limit_days": 20,
        "accepted_on": date(2026, 11, 2),
        "due_date": date(2026, 11, 20),
        "paused_working_days": 4,
    }
    return Approval(**{**defaults, **fields})


@pytest.mark.parametrize(
    ("today", "used", "left", "colour"),
    [
        (date(2026, 11, 13), 5, 5, "on_track"),
        (date(2026, 11, 17), 7, 3, "on_track"),
        (date(2026, 11, 18), 8, 2, "due_soon"),
        (date(2026, 11, 20), 10, 0, "due_soon"),
        (date(2026, 11, 21), 10, 0, "overdue"),  # a Saturday past the promised date
        (date(2026, 11, 23), 11, -1, "overdue"),
    ],
)
def test_days_used_left_and_colour(calendar, today, used, left, colour):
    reading = read_clock(calendar, approval(), today)
    assert (reading.working_days_used, reading.working_days_left, reading.colour) == (
        used,
        left,
        colour,
    )
    assert reading.ball_with == "department"
    assert reading.enterprise_days == 4


def test_while_paused_the_enterprise_holds_the_ball_and_the_days_left_freeze(calendar):
    paused = approval(
        status=Approval.Status.SUPPLEMENT_REQUESTED,
        due_date=None,
        paused_since=date(2026, 11, 5),
        paused_working_days=0,
    )
    for today in (date(2026, 11, 9), date(2026, 11, 10)):
        reading = read_clock(calendar, paused, today)
        assert reading.working_days_used == 3
        assert reading.working_days_left == 7
        assert reading.colour == "paused"
        assert reading.ball_with == "enterprise"
    assert read_clock(calendar, paused, date(2026, 11, 10)).enterprise_days == 3


def test_not_started_and_closed(calendar):
    pending = read_clock(calendar, approval(status="pending", accepted_on=None), date(2026, 11, 3))
    assert (pending.colour, pending.ball_with, pending.working_days_left) == (
        "not_started",
        "enterprise",
        None,
    )
    received = read_clock(calendar, approval(status="received", accepted_on=None), date.today())
    assert received.ball_with == "department"
    done = read_clock(
        calendar, approval(status="approved", decided_on=date(2026, 11, 13)), date(2026, 12, 31)
    )
    assert (done.colour, done.ball_with, done.working_days_used) == ("closed", None, 5)


def test_counting_is_the_same_as_walking_day_by_day(calendar):
    from datetime import timedelta

    start = date(2025, 12, 20)
    walked = 0
    for offset in range(1, 400):
        day = start + timedelta(days=offset)
        walked += calendar.is_working(day)
        assert calendar.count(start, day) == walked, day
