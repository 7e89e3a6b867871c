"""The process that makes the changes in bench/realtime.py's service mode (not a benchmark).

    python bench/_realtime_sender.py service ACTOR_ID   # projects.services.approval_transition
    python bench/_realtime_sender.py bare               # a bare group_send (the baseline)

A worker or a management command, as far as the web processes can tell: it shares only the
database (DATABASE_URL) and the channel layer (REDIS_URL, CHANNEL_LAYER_PREFIX) with them.
Reads one JSON request a line on stdin, answers one JSON line on stdout: `{"t0", "t1"}`, the
wall-clock times just before the call and after it returned (the signal is sent by then),
or `{"error"}`. Prints `{"ready": true}` first. Ends at the end of stdin.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
for folder in (HERE.parent, HERE):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


def reply(**fields) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def serve_service(actor_id: int) -> None:
    import django

    django.setup()
    from portal.models import User
    from projects.services import approval_transition

    actor = User.objects.get(pk=actor_id)
    reply(ready=True)
    for line in sys.stdin:
        request = json.loads(line)
        t0 = time.time()
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
        reply(t0=t0, t1=time.time())


def serve_bare() -> None:
    from _bare_asgi import GROUP  # configures a settings-free Django with the channel layer
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    reply(ready=True)
    for line in sys.stdin:
        event = json.loads(line)
        t0 = time.time()
        try:
            # As a synchronous service sends after commit (portal/realtime.py).
            async_to_sync(layer.group_send)(GROUP, {"type": "bench.event", "event": event})
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
