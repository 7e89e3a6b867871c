"""Calendar years: staff confirm a year against the official notice, or take it back; and the
once-a-year warning to staff of a year that starts unconfirmed.

No stream fits these changes (they concern no project and no person): the `CalendarYear` row
records who confirmed, when, and against which notice; the back office adds Wagtail's log.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils.translation import gettext as _

from portal.errors import InvalidInput, PermissionRefused
from portal.mail import enqueue_after_commit
from portal.models import User

from .. import permissions as perms
from ..calendar_years import in_warning_window, notify_calendar_year_unconfirmed
from ..models import CalendarYear, WorkingDay
from ._common import now_or, today_of

YEAR_MIN, YEAR_MAX = 2000, 2100
NOTICE_MAX = CalendarYear._meta.get_field("notice").max_length


def _check(actor: User, year: int) -> None:
    if not perms.is_bureau_staff(actor):
        raise PermissionRefused(_("Only bureau staff confirm the working-day calendar."))
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise InvalidInput(
            _("The year must be between %(min)s and %(max)s.") % {"min": YEAR_MIN, "max": YEAR_MAX},
            field="year",
        )


def _locked_year(year: int) -> CalendarYear:
    CalendarYear.objects.get_or_create(year=year)
    return CalendarYear.objects.select_for_update().get(year=year)


def calendar_year_confirm(
    *, actor: User, year: int, notice: str, now: datetime | None = None
) -> CalendarYear:
    """Staff say a year's calendar matches the official notice (named in `notice`)."""
    now = now_or(now)
    _check(actor, year)
    notice = " ".join((notice or "").split())
    if not notice:
        raise InvalidInput(
            _("Name the official notice you checked the calendar against (its title or number)."),
            field="notice",
        )
    if len(notice) > NOTICE_MAX:
        raise InvalidInput(
            _("Write the notice in at most %(max)s characters.") % {"max": NOTICE_MAX},
            field="notice",
        )
    with transaction.atomic():
        if not WorkingDay.objects.filter(date__year=year, is_working=False).exists():
            raise InvalidInput(
                _(
                    "The calendar has no holidays in %(year)s yet. Add the year from the official "
                    "schedule, or enter its holidays, before confirming it."
                )
                % {"year": year}
            )
        record = _locked_year(year)
        record.confirmed = True
        record.confirmed_at = now
        record.confirmed_by = actor
        record.notice = notice
        record.save()
    return record


def calendar_year_unconfirm(*, actor: User, year: int, now: datetime | None = None) -> CalendarYear:
    """Staff take a confirmation back (the calendar turned out to differ from the notice)."""
    _check(actor, year)
    with transaction.atomic():
        record = _locked_year(year)
        record.confirmed = False
        record.confirmed_at = None
        record.confirmed_by = None
        record.notice = ""
        record.save()
    return record


def calendar_year_warn_staff(
    *, today: date | None = None, now: datetime | None = None
) -> list[int]:
    """Daily: email bureau staff, once per year, about a year in the warning window that is
    not confirmed (the current one, or the next from WARNING_WEEKS before it starts).

    Returns the years warned about now. The year's row records the warning in the same
    transaction that queues the email, so a second run (or a second scheduler) sends nothing.
    """
    now = now_or(now)
    today = today or today_of(now)
    warned = []
    for year in (today.year, today.year + 1):
        if not in_warning_window(year, today):
            continue
        with transaction.atomic():
            record = _locked_year(year)
            if record.confirmed or record.staff_warned_at is not None:
                continue
            record.staff_warned_at = now
            record.save(update_fields=["staff_warned_at"])
            enqueue_after_commit(notify_calendar_year_unconfirmed, year, today.isoformat())
        warned.append(year)
    return warned
