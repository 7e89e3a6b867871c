"""The nightly deadline sweep."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction

from portal.events import emit

from ..clock import WorkingCalendar, read_clock
from ..models import (
    Approval,
)
from ..streams import project_stream
from ._common import (
    approval_data,
    now_or,
    today_of,
)

S = Approval.Status


ALERT_ORDER = {"": 0, "due_soon": 1, "overdue": 2}


def deadline_sweep(*, today: date | None = None, now: datetime | None = None) -> int:
    """Nightly: approvals that turned due soon or overdue get one event and one alert each."""

    now = now_or(now)
    today = today or today_of(now)
    calendar = WorkingCalendar.load()
    alerted = 0
    candidates = Approval.objects.filter(status=S.ACCEPTED, due_date__isnull=False).values_list(
        "pk", flat=True
    )
    for approval_id in candidates.iterator():
        with transaction.atomic():
            approval = (
                Approval.objects.select_for_update(of=("self",))
                .select_related("item", "department")
                .get(pk=approval_id)
            )
            if approval.status != S.ACCEPTED:
                continue
            colour = read_clock(calendar, approval, today).colour
            if colour not in ("due_soon", "overdue"):
                continue
            if ALERT_ORDER[colour] <= ALERT_ORDER.get(approval.alerted, 0):
                continue
            approval.alerted = colour
            approval.save(update_fields=["alerted"])
            emit(
                stream=project_stream(approval.project_id),
                event=f"approval.{colour}",
                actor=None,
                at=now,
                data=approval_data(approval),
            )
            alerted += 1
    return alerted
