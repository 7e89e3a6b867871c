"""Ten registrations at the same moment, none with a code: each gets its own number of the year
(the unique index is the lock; a number taken meanwhile gives the next one)."""

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from portal.models import User
from projects.models import Project
from projects.services import project_register
from tests.projects import factories as f

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_ten_registrations_at_once_get_ten_numbers(postgres):
    helper = f.user("helper", "helper")
    enterprise = f.enterprise()
    count = 10
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(n):
        try:
            barrier.wait(timeout=30)
            project = project_register(
                actor=User.objects.get(pk=helper.pk), name=f"并发项目{n}", enterprise=enterprise
            )
            result = project.code
        except Exception as error:  # noqa: BLE001 - any error fails the test below
            result = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    year = timezone.localdate().year
    assert sorted(outcomes) == [f"ZDXM-{year}-{n:03d}" for n in range(1, count + 1)], outcomes
    connection.close()
    assert Project.objects.filter(code__startswith=f"ZDXM-{year}-").count() == count
