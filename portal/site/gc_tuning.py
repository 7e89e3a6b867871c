"""The garbage collector of the long-running processes (daphne, the task worker), in one place.

Why: after start-up a daphne process holds a large heap of objects that live as long as it
does (Django, Wagtail, the URL conf, compiled templates, translations: several hundred
thousand objects). CPython's full collection walks all of them every time, and with the
default thresholds (700, 10, 10) one ran every few changes under load, pausing the event loop
for 150-290 ms each (66-97 ms in a bare Channels app), so the deliveries it hit had twice the
p99 of the others, and the in-process API's p95 showed the same pauses (bench/realtime.py and
bench/api.py, issue 15).

What: once start-up is over, `settle_heap()` collects what start-up left behind and freezes the
survivors (`gc.freeze()`: moved to a permanent generation that collections never walk), then
raises the thresholds so that young objects (a request's, a message's) are collected in larger,
rarer batches. Freezing alone makes full collections cheap but, since the long-lived heap they
compare against is now small, more frequent; the raised second and third thresholds keep them
rare. Reference cycles are still collected: only their timing changes, and the memory they
hold in between is bounded by the gen-0 threshold (tens of thousands of objects).

Where: `portal/site/asgi.py` calls it when the ASGI application is built (daphne, and anything
else that serves it); the task worker (`manage.py db_worker`) calls it before its first task
(`connect_worker()` in `SiteConfig.ready()`). bench/api.py calls it as the server would.
"""

from __future__ import annotations

import gc
import sys

# gen0: collect the young generation after this many net allocations (default 700);
# gen1, gen2: collect the older generations after this many collections of the one below
# (defaults 10, 10). Chosen with bench/api.py (in-process p95) and bench/realtime.py (live p99).
THRESHOLDS = (20_000, 20, 50)

_settled = False


def settle_heap() -> bool:
    """Freeze what start-up built and set the thresholds; once per process (True the first
    time). Call it when the process is about to serve, not before its imports are done."""
    global _settled
    if _settled:
        return False
    _settled = True
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    return True


def _settle_before_first_task(sender, **kwargs) -> None:
    settle_heap()


def connect_worker() -> None:
    """In the task worker only: settle the heap just before its first task runs (Django and the
    task modules are loaded by then)."""
    if sys.argv[1:2] != ["db_worker"]:
        return
    from django_tasks.signals import task_started

    task_started.connect(_settle_before_first_task, dispatch_uid="portal.site.gc_tuning")
