"""Concurrent rollup refreshes on PostgreSQL (several workers, approvals of the same department
and month, a full rebuild among them) leave the monthly rows exactly as one rebuild writes them."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, connections

from projects.models import Approval
from projects.services import approval_accept, approval_approve, approval_receive
from reports.models import MonthFact
from reports.rollups import rebuild, refresh
from tests.projects import factories as f

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def month_rows() -> list[tuple]:
    fields = [field.attname for field in MonthFact._meta.fields if field.attname != "id"]
    return sorted(MonthFact.objects.values_list(*fields), key=repr)


def test_concurrent_refreshes_keep_the_monthly_rows_whole(postgres):
    staff = f.user("staff", "staff")
    dept = f.department()
    items = [f.item(dept, f"X{n}") for n in range(3)]
    projects = [f.project(staff, f.enterprise([]), items) for _ in range(4)]
    approvals = list(Approval.objects.filter(project__in=projects).order_by("pk"))
    rebuild()
    # The changes are made without the worker; each thread then refreshes its share at once.
    day = datetime(2026, 6, 3, 2, tzinfo=UTC)
    for approval in approvals:
        approval_receive(actor=staff, approval_id=approval.pk, now=day)
        approval_accept(actor=staff, approval_id=approval.pk, now=day)
        approval_approve(actor=staff, approval_id=approval.pk, now=day.replace(day=10))
    shares = [approvals[n::6] for n in range(6)]
    jobs = [lambda s=share: refresh([a.pk for a in s]) for share in shares] + [rebuild]
    barrier = threading.Barrier(len(jobs))
    errors: list[str] = []

    def run(job):
        try:
            barrier.wait(timeout=30)
            job()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert not errors
    connection.close()
    kept = month_rows()
    received = [row for row in kept if row[0] == "r"]
    assert sum(row[6] for row in received) == len(approvals)
    rebuild()
    assert month_rows() == kept
