"""The working-day clock.

Counting rules (限时办结):
- day 1 is the first working day after acceptance;
- working days from the day after a supplement request up to and including the day the
  enterprise answers do not count (the clock stands still while the file waits on it);
- the due date is the day on which the limit's last working day falls.

A date is a working day by the weekday rule (Monday to Friday) unless the `WorkingDay` table
says otherwise (public holidays, and the weekends China makes working days: 调休).
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import WorkingDay

DUE_SOON_DAYS = 2


def _weekdays_through(day: date) -> int:
    """Number of Mondays-to-Fridays from a fixed origin up to and including `day`."""
    ordinal = day.toordinal()  # date(1, 1, 1) is ordinal 1 and a Monday
    weeks, rest = divmod(ordinal, 7)  # ordinal 7 is a Sunday
    return weeks * 5 + min(rest, 5)


@dataclass
class WorkingCalendar:
    """The weekday rule with its exceptions, answering counts in O(log n)."""

    extra_working: list[date]  # weekends that are working days, sorted
    extra_off: list[date]  # weekdays that are not, sorted

    @classmethod
    def from_exceptions(cls, exceptions: Iterable[tuple[date, bool]]) -> WorkingCalendar:
        working, off = [], []
        for day, is_working in exceptions:
            weekend = day.weekday() >= 5
            if is_working and weekend:
                working.append(day)
            elif not is_working and not weekend:
                off.append(day)
        return cls(sorted(working), sorted(off))

    @classmethod
    def load(cls) -> WorkingCalendar:
        """The calendar as the database has it now: what services that store due dates use,
        inside their transaction."""
        return cls.from_exceptions(WorkingDay.objects.values_list("date", "is_working"))

    @classmethod
    def current(cls) -> WorkingCalendar:
        """This process's copy, for reading clocks (pages, the API, the live notices): no query
        while it is fresh. A calendar change made in this process is seen at once (saving or
        deleting a WorkingDay forgets the copy when it commits); one made in another process
        within CALENDAR_COPY_SECONDS (rows written in bulk, as the yearly import does, send
        no signal: their writer calls forget_calendar_copy when it commits). Never use it to
        compute a date that is stored."""
        cached = _copy
        if cached is not None and time.monotonic() < cached[0]:
            return cached[1]
        calendar = cls.load()
        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(lambda: _remember(calendar))  # never an uncommitted state
        else:
            _remember(calendar)
        return calendar

    def is_working(self, day: date) -> bool:
        if day.weekday() >= 5:
            index = bisect.bisect_left(self.extra_working, day)
            return index < len(self.extra_working) and self.extra_working[index] == day
        index = bisect.bisect_left(self.extra_off, day)
        return not (index < len(self.extra_off) and self.extra_off[index] == day)

    def count(self, after: date, through: date) -> int:
        """Working days d with after < d <= through (0 if through <= after)."""
        if through <= after:
            return 0
        plain = _weekdays_through(through) - _weekdays_through(after)
        plus = bisect.bisect_right(self.extra_working, through) - bisect.bisect_right(
            self.extra_working, after
        )
        minus = bisect.bisect_right(self.extra_off, through) - bisect.bisect_right(
            self.extra_off, after
        )
        return plain + plus - minus

    def nth_after(self, start: date, n: int, *, skip: list[tuple[date, date]] = ()) -> date:
        """The date of the n-th counted working day after `start` (n >= 1).

        `skip` holds paused stretches (after, through]: their working days do not count.
        """
        counted, day = 0, start
        while True:
            day += timedelta(days=1)
            if not self.is_working(day) or any(a < day <= b for a, b in skip):
                continue
            counted += 1
            if counted >= n:
                return day


# How long a process keeps its copy of the calendar before reading it again: the bound on how
# late a calendar change made elsewhere (another daphne process, the worker) shows on a clock
# here. Stored due dates never use the copy.
CALENDAR_COPY_SECONDS = 30.0

_copy: tuple[float, WorkingCalendar] | None = None  # (fresh until, calendar)
_copy_lock = threading.Lock()


def _remember(calendar: WorkingCalendar) -> None:
    global _copy
    with _copy_lock:
        _copy = (time.monotonic() + CALENDAR_COPY_SECONDS, calendar)


def forget_calendar_copy() -> None:
    global _copy
    with _copy_lock:
        _copy = None


@receiver(post_save, sender=WorkingDay, dispatch_uid="projects.clock.saved")
@receiver(post_delete, sender=WorkingDay, dispatch_uid="projects.clock.deleted")
def _calendar_changed(sender, **kwargs) -> None:
    # Forget now (nothing in this transaction reads a stale copy) and again at commit (a read
    # in between may have copied the uncommitted state).
    forget_calendar_copy()
    transaction.on_commit(forget_calendar_copy)


@dataclass(frozen=True)
class ClockReading:
    """What an approval's clock says on a given day."""

    working_days_used: int | None
    working_days_left: int | None
    colour: str
    ball_with: str | None
    department_days: int
    enterprise_days: int


def due_dates(
    calendar: WorkingCalendar,
    *,
    accepted_on: date,
    promised_days: int,
    statutory_days: int,
    pauses: list[tuple[date, date | None]],
) -> tuple[date | None, date | None]:
    """The promised and statutory due dates; unknown (None) while the clock is paused."""
    if any(resumed is None for _requested, resumed in pauses):
        return None, None
    closed = [(requested, resumed) for requested, resumed in pauses]
    return (
        calendar.nth_after(accepted_on, promised_days, skip=closed),
        calendar.nth_after(accepted_on, statutory_days, skip=closed),
    )


def paused_days(calendar: WorkingCalendar, pauses: list[tuple[date, date | None]]) -> int:
    """Working days in the closed pauses."""
    return sum(calendar.count(requested, resumed) for requested, resumed in pauses if resumed)


def read_clock(calendar: WorkingCalendar, approval, today: date) -> ClockReading:
    """Days used and left, colour and ball-holder of an approval, from its stored fields."""
    status = approval.status
    limit = approval.promised_limit_days
    if approval.accepted_on is None:
        ball = {"pending": "enterprise", "received": "department"}.get(status)
        colour = "not_started" if status in ("pending", "received") else "closed"
        return ClockReading(None, None, colour, ball, 0, 0)

    end = approval.decided_on or today
    open_pause = 0
    if approval.paused_since is not None:
        # Frozen at the supplement request: nothing after it counts for the department.
        end = min(end, approval.paused_since)
        open_pause = calendar.count(approval.paused_since, approval.decided_on or today)
    used = max(0, calendar.count(approval.accepted_on, end) - approval.paused_working_days)
    left = limit - used
    enterprise_days = approval.paused_working_days + open_pause

    if status in ("approved", "rejected", "withdrawn"):
        colour, ball = "closed", None
    elif status == "supplement_requested":
        colour, ball = "paused", "enterprise"
    else:
        ball = "department"
        if approval.due_date is not None and today > approval.due_date:
            colour = "overdue"
        elif left <= DUE_SOON_DAYS:
            colour = "due_soon"
        else:
            colour = "on_track"
    return ClockReading(used, left, colour, ball, used, enterprise_days)
