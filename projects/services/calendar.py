"""The working-day calendar: staff corrections and yearly imports; running clocks follow."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import holidays
from django.db import transaction
from django.utils.translation import gettext as _

from portal.dates import check_date
from portal.errors import PermissionRefused
from portal.models import User

from .. import permissions as perms
from ..clock import WorkingCalendar, forget_calendar_copy
from ..models import (
    Approval,
    WorkingDay,
)
from ._common import (
    approval_changed,
    now_or,
    recompute_clock,
    refresh_next_due,
)

S = Approval.Status


def _recompute_running_clocks(actor: User | None, now: datetime, reason: str) -> int:
    """After a calendar change: move the due dates it moves, one event per approval moved."""
    calendar = WorkingCalendar.load()
    moved = 0
    running = (
        Approval.objects.select_for_update(of=("self",))
        .select_related("item", "department")
        .filter(accepted_on__isnull=False, decided_on__isnull=True)
    )
    moved_projects: set[int] = set()
    for approval in running:
        before = (approval.due_date, approval.statutory_due_date)
        if recompute_clock(approval, calendar):
            moved += 1
            moved_projects.add(approval.project_id)
            approval_changed(
                approval,
                actor=actor,
                event="approval.due_date_changed",
                at=now,
                data={
                    "previous_due_date": before[0],
                    "previous_statutory_due_date": before[1],
                    "reason": reason,
                },
                update_fields=["due_date", "statutory_due_date", "paused_working_days", "alerted"],
                refresh_project=False,
            )
    # Lists sort on each project's stored earliest due date: keep it true for every move.
    refresh_next_due(moved_projects)
    return moved


def working_day_set(
    *, actor: User, day: date, is_working: bool, name: str = "", now: datetime | None = None
) -> int:
    """Staff correct the calendar for one date; running clocks follow. Returns approvals moved."""
    now = now_or(now)
    if not perms.is_bureau_staff(actor):
        raise PermissionRefused(_("Only bureau staff change the working-day calendar."))
    check_date(day, "date")
    with transaction.atomic():
        default = day.weekday() < 5
        if is_working == default and not name:
            WorkingDay.objects.filter(date=day).delete()
        else:
            WorkingDay.objects.update_or_create(
                date=day, defaults={"is_working": is_working, "name": name, "source": "staff"}
            )
        return _recompute_running_clocks(
            actor, now, _("calendar change on %(day)s") % {"day": day.isoformat()}
        )


def calendar_entries_from_library(years: Iterable[int]) -> list[WorkingDay]:
    """China's holidays and make-up working days as the `holidays` library knows them."""

    years = sorted(set(years))
    calendar = holidays.China(years=years, language="zh_CN")
    entries = {
        day: WorkingDay(date=day, is_working=False, name=str(label)[:100], source="holidays")
        for day, label in calendar.items()
        if day.year in years
    }
    for day in calendar.weekend_workdays:
        if day.year in years:
            entries[day] = WorkingDay(date=day, is_working=True, name="调休上班", source="holidays")
    return sorted(entries.values(), key=lambda e: e.date)


def working_days_import(
    *, actor: User | None, years: Iterable[int], now: datetime | None = None
) -> int:
    """Add a year's schedule from the library; dates staff already set are kept as they are."""
    now = now_or(now)
    if actor is not None and not perms.is_bureau_staff(actor):
        raise PermissionRefused(_("Only bureau staff change the working-day calendar."))
    with transaction.atomic():
        existing = set(WorkingDay.objects.values_list("date", flat=True))
        new = [e for e in calendar_entries_from_library(years) if e.date not in existing]
        WorkingDay.objects.bulk_create(new)
        # bulk_create sends no signal: tell this process's clocks (WorkingCalendar.current).
        transaction.on_commit(forget_calendar_copy)
        if new:
            _recompute_running_clocks(actor, now, _("calendar import"))
    return len(new)
