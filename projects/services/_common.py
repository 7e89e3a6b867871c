"""What the services of projects share: the clock, event data and the one tail of every change
that moves an approval's state or due date."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.db.models import Min, OuterRef, Subquery
from django.utils import timezone

from portal.events import emit
from portal.models import Event, User

from ..clock import WorkingCalendar, due_dates, paused_days
from ..models import Approval, Project
from ..streams import project_stream


def now_or(now: datetime | None) -> datetime:
    return now or timezone.now()


def today_of(now: datetime) -> date:
    return timezone.localdate(now)


def names(obj) -> dict[str, str]:
    """Both names, so that every reader sees the event in their own language."""
    return {"name": obj.name, "name_en": obj.name_en or obj.name}


def approval_data(approval: Approval, **extra: Any) -> dict[str, Any]:
    return {
        "approval_id": approval.pk,
        "item": {"code": approval.item.code, **names(approval.item)},
        "department": {"id": approval.department_id, **names(approval.department)},
        "status": approval.status,
        "due_date": approval.due_date,
        "statutory_due_date": approval.statutory_due_date,
        **extra,
    }


def refresh_next_due(project_ids: Iterable[int] | None = None) -> None:
    """Store each project's earliest open due date (all projects when none are named)."""
    earliest = (
        Approval.objects.filter(
            project=OuterRef("pk"), status__in=Approval.OPEN, due_date__isnull=False
        )
        .order_by()
        .values("project")
        .annotate(first=Min("due_date"))
        .values("first")
    )
    projects = Project.objects.all()
    if project_ids is not None:
        projects = projects.filter(pk__in=list(project_ids))
    projects.update(next_due=Subquery(earliest))


def recompute_clock(approval: Approval, calendar: WorkingCalendar) -> bool:
    """Recompute stored due dates and paused days from the pauses; True if anything moved."""
    if approval.accepted_on is None:
        return False
    pauses = list(approval.pauses.values_list("requested_on", "resumed_on"))
    due, statutory = due_dates(
        calendar,
        accepted_on=approval.accepted_on,
        promised_days=approval.promised_limit_days,
        statutory_days=approval.statutory_limit_days,
        pauses=pauses,
    )
    paused = paused_days(calendar, pauses)
    changed = (due, statutory, paused) != (
        approval.due_date,
        approval.statutory_due_date,
        approval.paused_working_days,
    )
    if due != approval.due_date:
        approval.alerted = ""  # a new due date earns new alerts
    approval.due_date, approval.statutory_due_date = due, statutory
    approval.paused_working_days = paused
    return changed


def approval_changed(
    approval: Approval,
    *,
    actor: User | None,
    event: str,
    at: datetime,
    data: dict[str, Any] | None = None,
    update_fields: list[str] | None = None,
    refresh_project: bool = True,
) -> Event:
    """The one tail of every change to an approval's state or due dates: save it, keep the
    project's stored earliest due date true, and write the event on the project's stream."""
    approval.save(update_fields=update_fields)
    if refresh_project:
        refresh_next_due([approval.project_id])
    return emit(
        stream=project_stream(approval.project_id),
        event=event,
        actor=actor,
        at=at,
        data=approval_data(approval, **(data or {})),
    )
