"""The process that makes the changes in bench/realtime.py's service mode (not a benchmark).

    python bench/_realtime_sender.py service ACTOR_ID   # projects.services.approval_transition
    python bench/_realtime_sender.py bare               # a bare group_send (the baseline)

A worker or a management command, as far as the web processes can tell: it shares only the
database (DATABASE_URL) and the channel layer (REDIS_URL, CHANNEL_LAYER_PREFIX) with them.
Reads one JSON request a line on stdin, answers one JSON line on stdout: `{"t0", "t1"}`, where
t0 is where the delivery's latency starts: the commit of the change (bench/_commit_clock.py)
for the portal, just before the group_send for the baseline; t1 is when the call returned (the
signal sent). `{"error"}` when the change failed. Prints `{"ready": true}` first. Ends at the
end of stdin.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The project first (its `cms` app, not bench/cms.py), this folder last (_commit_clock, _bare_asgi).
sys.path[:] = [str(HERE.parent)] + [p for p in sys.path if p and Path(p).resolve() != HERE]
sys.path.append(str(HERE))


def reply(**fields) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def serve_service(actor_id: int) -> None:
    import django

    django.setup()
    import _commit_clock

    _commit_clock.install()
    from portal.models import User
    from projects.services import approval_transition

    actor = User.objects.get(pk=actor_id)
    reply(ready=True)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            approval_transition(
                actor=actor,
                approval_id=request["approval_id"],
                action=request["action"],
                **request.get("payload", {}),
            )
        except Exception as error:  # noqa: BLE001 - reported to the benchmark, which goes on
            reply(error=f"{type(error).__name__}: {error}")
            continue
        t1 = time.time()
        # The change's own event, on its project's stream; the notifications it also sends
        # (one event on each notified person's `user:<id>` stream) are not the change.
        commits = [c for c in _commit_clock.take() if not c[0].startswith("user:")]
        if len(commits) != 1:
            reply(error=f"expected one project event from the change, got {len(commits)}")
            continue
        stream, seq, t0 = commits[0]
        reply(t0=t0, t1=t1, stream=stream, seq=seq)


def serve_bare() -> None:
    from _bare_asgi import GROUP  # configures a settings-free Django with the channel layer
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    reply(ready=True)
    for line in sys.stdin:
        request = json.loads(line)
        group, event = request.get("group", GROUP), request.get("event", request)
        t0 = time.time()
        try:
            # As a synchronous service sends after commit (portal/realtime.py).
            async_to_sync(layer.group_send)(group, {"type": "bench.event", "event": event})
        except Exception as error:  # noqa: BLE001
            reply(error=f"{type(error).__name__}: {error}")
            continue
        reply(t0=t0, t1=time.time())


if __name__ == "__main__":
    if sys.argv[1:2] == ["service"]:
        serve_service(int(sys.argv[2]))
    elif sys.argv[1:2] == ["bare"]:
        serve_bare()
    else:
        raise SystemExit(__doc__)
