"""Demo cards and ladder: the default escalation ladder (the bureau's staff account stands for
the service group's leader), then the day's sweep over the demo projects, so the supervision
board opens with yellow and red cards, stalled approvals, their cases and the projects at risk.
Running it twice adds nothing: the ladder is seeded once and every card is keyed."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from portal.events import without_live_signals
from portal.models import User
from projects.clock import WorkingCalendar

from .ladder import seed_default_ladder
from .sweep import run_sweep

SERVICE_GROUP_LEADER = "staff"


def last_working_day(today: date) -> date:
    calendar = WorkingCalendar.load()
    while not calendar.is_working(today):
        today -= timedelta(days=1)
    return today


def seed_cards(*, today: date | None = None) -> int:
    """The ladder and one sweep on the last working day up to today; what was added."""
    leaders = list(User.objects.filter(username=SERVICE_GROUP_LEADER))
    added = seed_default_ladder(service_group_leaders=leaders)
    day = last_working_day(today or timezone.localdate())
    with without_live_signals():
        result = run_sweep(today=day)
    counts = result.counts
    return added + sum(counts[c] for c in ("yellow", "red", "stalled", "action_overdue"))
