"""The window of dates the portal accepts at its boundary (forms, API, import, back office).

A year-1 or year-9999 date typed by mistake would break every page, calendar and feed that
shows it; the services refuse it with a message that says the window. Renderers still survive
a bad row already stored (they clamp or leave it out).
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import InvalidInput

EARLIEST = date(2000, 1, 1)
YEARS_AHEAD = 30


def latest(today: date | None = None) -> date:
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def in_window(value: date, today: date | None = None) -> bool:
    return EARLIEST <= value <= latest(today)


def check_date(value: date | None, field: str, today: date | None = None) -> date | None:
    """The date itself if it lies in the window (or is None); InvalidInput otherwise."""
    if value is None:
        return None
    if not in_window(value, today):
        raise InvalidInput(
            _("Give a date between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST.isoformat(), "latest": latest(today).isoformat()},
            field=field,
        )
    return value
