"""Two schedulers sweeping the same day at the same moment (PostgreSQL): one card per key, one
case per red card, each ladder step once, and the events of one sweep, not two."""

import threading
from datetime import date

import pytest
from django.db import connections

from portal.models import Event
from supervision.models import Card, Case, EscalationStep
from supervision.sweep import run_sweep
from tests.supervision.sweep_world import build_district, sweep_through

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_two_sweeps_at_once_do_the_days_work_once(postgres):
    district = build_district()
    sweep_through(date(2026, 9, 21), date(2026, 9, 29))
    day = date(2026, 10, 12)  # `late` +3 (10 Oct) due, `holiday` turns red, `slow` stalled
    barrier = threading.Barrier(4)
    errors = []

    def worker():
        try:
            barrier.wait(timeout=30)
            run_sweep(today=day)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    keys = list(Card.objects.values_list("key", flat=True))
    assert len(keys) == len(set(keys))
    assert Card.objects.filter(colour="red").count() == 2
    assert Case.objects.count() == 2  # one per red card
    pairs = list(EscalationStep.objects.values_list("card_id", "rule_id"))
    assert len(pairs) == len(set(pairs))
    issued = Event.objects.filter(event="card.issued").values_list("data__card_id", flat=True)
    assert sorted(issued) == sorted(Card.objects.values_list("pk", flat=True))
    escalated = Event.objects.filter(event="card.escalated").count()
    assert escalated == len(pairs)
    assert district.late.pk
