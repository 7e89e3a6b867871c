"""The portal's ASGI application as bench/realtime.py serves it (not a benchmark).

    python -m daphne -b 127.0.0.1 -p PORT bench._portal_asgi:application

Exactly `portal.site.asgi.application`, plus bench/_commit_clock.py's record of when each
event committed, read (and forgotten) with `GET /bench/commits`: `[[stream, seq, t], ...]`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.append(str(HERE))  # last: bench/cms.py must not hide the `cms` app

import _commit_clock  # noqa: E402

from portal.site.asgi import application as portal_application  # noqa: E402

_commit_clock.install()


async def application(scope, receive, send):
    if scope["type"] == "http" and scope["path"] == "/bench/commits":
        body = json.dumps(_commit_clock.take()).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})
        return
    await portal_application(scope, receive, send)
