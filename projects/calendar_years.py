"""Which years of the working-day calendar are confirmed against the official notice.

The State Council publishes next year's holidays and make-up working days (调休) late in the
year, so a year added from the `holidays` library before then has its fixed holidays but none of
its make-up days: due dates in it are provisional. A year is confirmed only when bureau staff
said so (a `CalendarYear` row with `confirmed`); a year without a row is not. Staff are warned
on the dashboard while the current year is unconfirmed, and from WARNING_WEEKS before the next
one starts; they are emailed once per year (`services.calendar_years.calendar_year_warn_staff`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from portal import mail
from portal.models import User
from portal.roles import STAFF, groups_of_roles

from .models import Approval, CalendarYear, WorkingDay

WARNING_WEEKS = 8
# Sunday and Saturday in Django's week_day lookup (1 = Sunday).
WEEKEND = (1, 7)


@dataclass(frozen=True)
class YearStatus:
    """One year of the calendar as the back office shows it."""

    year: int
    confirmed: bool
    confirmed_at: datetime | None
    confirmed_by: str
    notice: str
    holidays: int  # weekdays off
    makeup_days: int  # weekends worked (调休)
    entries: int
    running_due: int  # running approvals with a promised or statutory due date in the year
    today: date

    @property
    def starts(self) -> date:
        return date(self.year, 1, 1)

    @property
    def is_current(self) -> bool:
        return self.year == self.today.year

    @property
    def is_past(self) -> bool:
        return self.year < self.today.year

    @property
    def days_until_start(self) -> int:
        return (self.starts - self.today).days

    @property
    def warned(self) -> bool:
        """Unconfirmed and current, or starting within WARNING_WEEKS."""
        return not self.confirmed and in_warning_window(self.year, self.today)


def today() -> date:
    """The bureau's date (one place, so that tests can set the clock)."""
    return timezone.localdate()


def in_warning_window(year: int, today: date) -> bool:
    """The current year, or a year starting within WARNING_WEEKS of `today`."""
    if year == today.year:
        return True
    return today < date(year, 1, 1) <= today + timedelta(weeks=WARNING_WEEKS)


def confirmed_years() -> set[int]:
    return set(CalendarYear.objects.filter(confirmed=True).values_list("year", flat=True))


def is_confirmed(year: int) -> bool:
    return CalendarYear.objects.filter(year=year, confirmed=True).exists()


def _running_due_by_year() -> Counter:
    counts: Counter = Counter()
    running = Approval.objects.filter(
        accepted_on__isnull=False, decided_on__isnull=True, due_date__isnull=False
    ).values_list("due_date", "statutory_due_date")
    for due, statutory in running:
        for year in {due.year, statutory.year if statutory else due.year}:
            counts[year] += 1
    return counts


def year_statuses(*, today: date, years: set[int] | None = None) -> list[YearStatus]:
    """Years with calendar entries, running due dates or a record, and this and next year.

    Newest first; `years` asks for those years instead. Three queries, whatever the years.
    """
    entries = {
        row["year"]: row
        for row in WorkingDay.objects.annotate(year=ExtractYear("date"))
        .values("year")
        .annotate(
            entries=Count("date"),
            holidays=Count("date", filter=Q(is_working=False) & ~Q(date__week_day__in=WEEKEND)),
            makeup=Count("date", filter=Q(is_working=True, date__week_day__in=WEEKEND)),
        )
        .order_by()
    }
    due = _running_due_by_year()
    records = {r.year: r for r in CalendarYear.objects.select_related("confirmed_by")}
    if years is not None:
        wanted = set(years)
    else:
        wanted = {today.year, today.year + 1} | set(entries) | set(due) | set(records)
    statuses = []
    for year in sorted(wanted, reverse=True):
        record = records.get(year)
        counts = entries.get(year, {})
        confirmed = bool(record and record.confirmed)
        statuses.append(
            YearStatus(
                year=year,
                confirmed=confirmed,
                confirmed_at=record.confirmed_at if confirmed else None,
                confirmed_by=(
                    record.confirmed_by.get_full_name() or record.confirmed_by.username
                    if confirmed and record.confirmed_by
                    else ""
                ),
                notice=record.notice if confirmed else "",
                holidays=counts.get("holidays", 0),
                makeup_days=counts.get("makeup", 0),
                entries=counts.get("entries", 0),
                running_due=due.get(year, 0),
                today=today,
            )
        )
    return statuses


def year_warnings(*, today: date) -> list[YearStatus]:
    """The unconfirmed years staff must be warned about today (current first)."""
    years = {today.year, today.year + 1}
    return sorted(
        (s for s in year_statuses(today=today, years=years) if s.warned),
        key=lambda s: s.year,
    )


def year_entries(year: int) -> list[WorkingDay]:
    """The calendar's entries of one year, to compare with the official notice."""
    return list(WorkingDay.objects.filter(date__year=year).order_by("date"))


def bureau_staff() -> list[User]:
    """Active bureau staff with an email address (superusers count as staff)."""
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(groups__name__in=groups_of_roles(STAFF)) | Q(is_superuser=True))
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def year_page_path(year: int) -> str:
    return reverse("calendar_years:detail", args=[year])


@mail.resumable
@task()
def notify_calendar_year_unconfirmed(year: int, today_iso: str) -> int:
    """Email bureau staff that `year` starts (or runs) unconfirmed; returns how many were sent."""
    today = date.fromisoformat(today_iso)
    status = year_statuses(today=today, years={year})[0]
    if status.confirmed:  # confirmed since the warning was decided
        return 0
    sent = 0
    for user in bureau_staff():
        sent += mail.send_to(
            user,
            "projects/email/calendar_year_unconfirmed",
            {"user": user, "status": status, "url": mail.absolute_url(year_page_path(year))},
        )
    return sent
