"""The collector settings of the server processes (portal.site.gc_tuning): applied once, after
start-up, and only in the processes that serve."""

import gc
import weakref

import pytest

from portal.site import gc_tuning


@pytest.fixture
def fresh_collector(monkeypatch):
    before = gc.get_threshold()
    monkeypatch.setattr(gc_tuning, "_settled", False)
    yield
    gc.set_threshold(*before)
    gc.unfreeze()


def test_settling_freezes_the_start_up_heap_and_raises_the_thresholds(fresh_collector):
    gc.unfreeze()
    assert gc_tuning.settle_heap() is True
    assert gc.get_freeze_count() > 10_000  # Django and the apps, loaded by the test run
    assert gc.get_threshold() == gc_tuning.THRESHOLDS
    # A second call (another import of the ASGI module) freezes nothing more. (A frozen object
    # can still be freed meanwhile, by its reference count, on another thread of the run: the
    # count may go down, never up.)
    frozen = gc.get_freeze_count()
    assert gc_tuning.settle_heap() is False
    assert gc.get_freeze_count() <= frozen


def test_cycles_made_after_settling_are_still_collected(fresh_collector):
    gc_tuning.settle_heap()

    class Node:
        pass

    node = Node()
    node.me = node  # a reference cycle: only the collector frees it
    alive = weakref.ref(node)
    del node
    gc.collect()
    assert alive() is None


def test_only_the_task_worker_settles_before_its_first_task(fresh_collector, monkeypatch):
    from django_tasks.signals import task_started

    try:
        monkeypatch.setattr("sys.argv", ["manage.py", "runserver"])
        gc_tuning.connect_worker()
        task_started.send_robust(sender=object, task_result=None)
        assert not gc_tuning._settled

        monkeypatch.setattr("sys.argv", ["manage.py", "db_worker"])
        gc_tuning.connect_worker()
        task_started.send_robust(sender=object, task_result=None)
        assert gc_tuning._settled
        assert gc.get_threshold() == gc_tuning.THRESHOLDS
    finally:
        task_started.disconnect(dispatch_uid="portal.site.gc_tuning")
