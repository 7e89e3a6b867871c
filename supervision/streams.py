"""The case streams (`case:<id>`) and the event types of cases, cards and ratings.

Registered once, in `SupervisionConfig.ready()` through `register()`: the case stream kind and
its event types (`case_events.py`), the cards' and escalation steps' event types
(`card_events.py`) and the ratings' (`rating_events.py`).
"""

from __future__ import annotations

from dataclasses import replace

from django.urls import NoReverseMatch, reverse

from portal.streams import register_event_types, register_reasons, register_stream_kind

from . import card_events, case_events, panels_cases, panels_ratings, rating_events

REASONS = case_events.REASONS


def _case_page(row) -> str:
    """Where a case event's notification leads: the case page, by the number it records."""
    number = row.data.get("number") if isinstance(row.data, dict) else None
    if not isinstance(number, str) or not number:
        return ""
    try:
        return reverse("case_detail", args=[number])
    except NoReverseMatch:
        return ""


# Case events lead to their case page (the stream's id alone would cost a query per line).
EVENT_TYPES = [
    replace(t, link=_case_page) if t.link is None and t.name.startswith("case.") else t
    for t in case_events.EVENT_TYPES
]


def register() -> None:
    register_stream_kind(case_events.CASE_STREAMS)
    register_event_types(EVENT_TYPES)
    register_event_types(card_events.EVENT_TYPES)
    register_event_types(rating_events.EVENT_TYPES)
    register_reasons(REASONS)
    register_reasons(card_events.REASONS)
    register_reasons(rating_events.REASONS)
    panels_cases.register_panels()
    panels_ratings.register_panels()
