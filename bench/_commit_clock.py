"""When each event's transaction committed, for bench/realtime.py (not a benchmark).

`install()` patches two things in the process it runs in (a daphne serving the portal through
bench/_portal_asgi.py, or bench/_realtime_sender.py):
- Django's commit hooks stamp the connection with the wall-clock time just after COMMIT,
  before any on-commit callback runs;
- `portal.events.send_to_groups` (what `emit` calls after commit) records that stamp for the
  event it signals, as `COMMITS[(stream, seq)]`.
So a delivery's latency starts at the commit, on the portal's side as on the baseline's (whose
clock starts just before its group_send): what the portal does after commit (deciding who hears
the signal, sending it) is in the figure; the HTTP request, the service and the commit are not.
"""

from __future__ import annotations

import time

COMMITS: dict[tuple[str, int], float] = {}
_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    from django.db import connections
    from django.db.backends.base.base import BaseDatabaseWrapper

    import portal.events

    run_hooks = BaseDatabaseWrapper.run_and_clear_commit_hooks

    def run_and_clear_commit_hooks(self):
        self.bench_committed_at = time.time()
        return run_hooks(self)

    BaseDatabaseWrapper.run_and_clear_commit_hooks = run_and_clear_commit_hooks
    send = portal.events.send_to_groups

    def send_to_groups(groups, message):
        event = message.get("event") or {}
        stamp = getattr(connections["default"], "bench_committed_at", None)
        if isinstance(event.get("stream"), str) and isinstance(event.get("seq"), int):
            COMMITS[(event["stream"], event["seq"])] = stamp or time.time()
        return send(groups, message)

    portal.events.send_to_groups = send_to_groups


def take() -> list[tuple[str, int, float]]:
    """The commits recorded so far, forgotten once read."""
    rows = [(stream, seq, at) for (stream, seq), at in COMMITS.items()]
    COMMITS.clear()
    return rows
