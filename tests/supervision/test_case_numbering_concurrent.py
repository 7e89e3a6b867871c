"""Cases opened at the same moment (PostgreSQL): numbers per kind and year without a gap or a
repeat, and one case per dedupe key however many writers race for it."""

import threading
from datetime import date

import pytest
from django.db import connections

from supervision.models import Case
from supervision.services import case_open
from tests.projects import factories as f

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_concurrent_openings_number_without_gaps_and_dedupe(postgres):
    staff = f.user("staff", "staff")
    department = f.department("规划局")
    day = date(2026, 9, 14)
    barrier = threading.Barrier(8)
    errors, codes = [], []

    def worker(n):
        try:
            barrier.wait(timeout=30)
            key = "red:same" if n % 2 else None
            case, code = case_open(
                actor=None if key else staff,
                kind="supervision",
                title=f"case {n}",
                department=department,
                dedupe_key=key,
                today=day,
            )
            codes.append(case.number)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    numbers = sorted(Case.objects.values_list("number", flat=True))
    # Four plain cases and one for the shared key: 0001 to 0005, none skipped.
    assert numbers == [f"DB-2026-{n:04d}" for n in range(1, 6)]
    assert Case.objects.filter(dedupe_key="red:same").count() == 1
    shared = Case.objects.get(dedupe_key="red:same").number
    assert codes.count(shared) == 4
