"""The public figures of open government (办事公开): what the bureau received and completed per
department and month, how much of it on time, and per catalogue item the promised and statutory
limits next to the working days it really took.

Nothing about a project or a person: counts per department and month, and per item a median.
- received: approvals received in the month (their `received_at`);
- completed (办结): approvals decided in the month, approved or rejected (a withdrawn file is
  not completed by the bureau);
- on time: completed no later than their promised due date (which moves with the enterprise's
  supplement pauses, as the clock does);
- achieved working days: from acceptance to decision on the working-day calendar, without the
  days the file waited on the enterprise (the department's own clock, the one the limits count),
  the median over the decided approvals of the last twelve months.

Four queries whatever the size of the data (three GROUP BYs and the durations of the decided
approvals, read as four columns), plus the departments, the items and the calendar; the result
is cached for `CACHE_SECONDS` per month (it holds both languages' names), so a page or a
download reads no table while it lasts. It is not invalidated: a change shows within ten minutes.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation

from projects.clock import WorkingCalendar
from projects.models import Approval, ApprovalItem, Department

CACHE_SECONDS = 600
MONTHS = 12
DECIDED = (Approval.Status.APPROVED, Approval.Status.REJECTED)


def month_start(day: date, back: int = 0) -> date:
    """The first day of the month `back` months before `day`'s."""
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def months_ending(today: date, count: int = MONTHS) -> list[date]:
    """The first days of the last `count` months, oldest first, this month last."""
    return [month_start(today, back) for back in range(count - 1, -1, -1)]


def _month_key(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "date") and callable(value.date):
        value = value.date()
    return f"{value:%Y-%m}"


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class Figures:
    """Language-neutral: names in both languages, `label` picks the active one."""

    months: list[str]  # "2026-01", oldest first
    departments: list[dict[str, Any]]  # id, name, name_en
    cells: dict[tuple[int, str], dict[str, int]]  # (department id, month) -> counts
    items: list[dict[str, Any]]
    today: date

    @property
    def first_day(self) -> date:
        return date.fromisoformat(f"{self.months[0]}-01")

    def by_month(self) -> list[dict[str, Any]]:
        rows = []
        for month in self.months:
            received = sum(self.cells.get((d["id"], month), {}).get("received", 0)
                           for d in self.departments)  # fmt: skip
            completed = sum(self.cells.get((d["id"], month), {}).get("completed", 0)
                            for d in self.departments)  # fmt: skip
            on_time = sum(self.cells.get((d["id"], month), {}).get("on_time", 0)
                          for d in self.departments)  # fmt: skip
            rows.append(_row(month=month, received=received, completed=completed, on_time=on_time))
        return rows

    def by_department(self, month: str | None = None) -> list[dict[str, Any]]:
        """Per department, for one month or (None) the whole twelve months."""
        months = [month] if month else self.months
        rows = []
        for department in self.departments:
            counts = {"received": 0, "completed": 0, "on_time": 0}
            for m in months:
                for key, value in self.cells.get((department["id"], m), {}).items():
                    counts[key] += value
            rows.append(_row(department=label(department), **counts))
        return rows

    def long_rows(self) -> list[dict[str, Any]]:
        """One row per department and month: the downloads."""
        rows = []
        for month in self.months:
            for department in self.departments:
                counts = self.cells.get((department["id"], month), {})
                rows.append(
                    _row(
                        month=month,
                        department=label(department),
                        received=counts.get("received", 0),
                        completed=counts.get("completed", 0),
                        on_time=counts.get("on_time", 0),
                    )
                )
        return rows

    def item_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "code": item["code"],
                "item": label(item),
                "department": label(item, "department__name"),
                "promised_limit_days": item["promised_limit_days"],
                "statutory_limit_days": item["statutory_limit_days"],
                "decided": item["decided"],
                "median_working_days": item["median"],
            }
            for item in self.items
        ]


def _row(**values: Any) -> dict[str, Any]:
    values["on_time_rate"] = _rate(values["on_time"], values["completed"])
    return values


def label(row: dict[str, Any], field: str = "name") -> str:
    english = row.get(f"{field}_en")
    if translation.get_language() == "en" and english:
        return english
    return row[field]


def today_here() -> date:
    """Today in the bureau's time zone (one place, so tests can hold the date)."""
    return timezone.localdate()


def compute(*, today: date | None = None) -> Figures:
    """The figures of the twelve months ending with `today`'s month, straight from the tables."""
    today = today or today_here()
    first = month_start(today, MONTHS - 1)
    months = [f"{m:%Y-%m}" for m in months_ending(today)]
    cells: dict[tuple[int, str], dict[str, int]] = {}
    received = (
        Approval.objects.filter(received_at__date__gte=first, received_at__date__lte=today)
        .annotate(month=TruncMonth("received_at"))
        .values("department_id", "month")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in received:
        cell = cells.setdefault((row["department_id"], _month_key(row["month"])), {})
        cell["received"] = row["n"]
    completed = (
        Approval.objects.filter(status__in=DECIDED, decided_on__gte=first, decided_on__lte=today)
        .annotate(month=TruncMonth("decided_on"))
        .values("department_id", "month")
        .annotate(
            n=Count("id"),
            on_time=Count("id", filter=Q(due_date__isnull=False, decided_on__lte=F("due_date"))),
        )
        .order_by()
    )
    for row in completed:
        cell = cells.setdefault((row["department_id"], _month_key(row["month"])), {})
        cell["completed"] = row["n"]
        cell["on_time"] = row["on_time"]
    department_ids = {key[0] for key in cells}
    departments = list(
        Department.objects.filter(Q(pk__in=department_ids) | Q(items__is_active=True))
        .distinct()
        .order_by("level", "name")
        .values("id", "name", "name_en")
    )
    calendar = WorkingCalendar.current()
    taken: dict[int, list[int]] = {}
    for item_id, accepted_on, decided_on, paused in Approval.objects.filter(
        status__in=DECIDED,
        decided_on__gte=first,
        decided_on__lte=today,
        accepted_on__isnull=False,
    ).values_list("item_id", "accepted_on", "decided_on", "paused_working_days"):
        days = max(0, calendar.count(accepted_on, decided_on) - paused)
        taken.setdefault(item_id, []).append(days)
    items = []
    for item in (
        ApprovalItem.objects.filter(is_active=True)
        .order_by("department__level", "department__name", "code")
        .values(
            "id",
            "code",
            "name",
            "name_en",
            "department__name",
            "department__name_en",
            "promised_limit_days",
            "statutory_limit_days",
        )
    ):
        durations = taken.get(item["id"], [])
        item["decided"] = len(durations)
        item["median"] = round(float(statistics.median(durations)), 1) if durations else None
        items.append(item)
    return Figures(months=months, departments=departments, cells=cells, items=items, today=today)


def cache_key(today: date) -> str:
    return f"reports:open:figures:v1:{today:%Y-%m}"


def public_figures(*, today: date | None = None) -> Figures:
    """The figures, from the cache for up to ten minutes (per month: they hold both languages)."""
    today = today or today_here()
    key = cache_key(today)
    figures = cache.get(key)
    if figures is None or figures.today != today:
        figures = compute(today=today)
        cache.set(key, figures, CACHE_SECONDS)
    return figures
