"""The garbage collector of the long-running processes (daphne, the task worker), in one place.

Why: after start-up a server process holds a large heap of objects that live as long as it
does (Django, Wagtail, the URL conf, compiled templates, translations: about 240,000 objects).
CPython's full collection walks all of them every time; with the default thresholds (700, 10,
10) one ran every few dozen requests, for 150-800 ms each on a busy 2-core machine. In
bench/api.py (5,000 projects, 1,500 requests) the collector ran 23 full passes, 7.4 s in all,
the longest 655 ms, and the staff project list's p95 was 6 to 9 times its median; the live
deliveries they hit had twice the p99 of the others (issue 15).

What: once start-up is over, `settle_heap()` collects what start-up left behind and freezes the
survivors (`gc.freeze()`: moved to a permanent generation that collections never walk), then
raises the thresholds so that young objects (a request's, a message's) are collected in larger,
rarer batches. Freezing alone makes full collections cheap but, since the long-lived heap they
compare against is now small, more frequent (11 instead of 3 in the run above); with the
raised thresholds none ran in 1,500 API requests, and in bench/pages.py (project pages of
185 KB) the collector's time fell from 2.5 s to 1.4 s and its longest pause from 92-205 ms
(other settings tried: 700/2,000/5,000/20,000 young objects) to 63 ms. Reference cycles are
still collected: only their timing changes, and what they hold in between is bounded by the
young generation's threshold.

Where: `portal/site/asgi.py` calls it when the ASGI application is built (daphne, and anything
else that serves it), after loading the URL conf; the task worker (`manage.py db_worker`)
calls it before its first task (`connect_worker()` in `SiteConfig.ready()`). bench/api.py,
pages.py and cms.py call it as a server would (`--gc`).
"""

from __future__ import annotations

import gc
import sys

# gen0: collect the young generation after this many net allocations (default 700);
# gen1, gen2: collect the older generations after this many collections of the one below
# (defaults 10, 10; a full pass also waits until a quarter of the long-lived heap is new).
# Chosen with bench/api.py and bench/pages.py (--gc frozen --gc-thresholds ...).
THRESHOLDS = (10_000, 10, 10)

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
