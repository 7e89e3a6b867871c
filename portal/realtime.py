"""Signals to websocket consumers through the channel layer.

The database is the truth; a signal only wakes consumers up. A channel-layer failure (Redis
down) must never turn a committed change into an error, so sending is best effort, logged,
and scheduled after commit so nothing is sent for a rolled-back change.
"""

import logging
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


# Channel-layer groups are by role, department, enterprise and user, never one per stream per
# connection: a staff member reads thousands of streams on one socket.
STAFF_GROUP = "role.staff"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


# After a failure, skip sending for a while: the pollers deliver from the log meanwhile, and
# requests do not each wait for a Redis that is down.
BACKOFF_SECONDS = 5.0
_failed_at = 0.0


def send_to_groups(groups: list[str], message: dict) -> None:
    global _failed_at
    layer = get_channel_layer()
    if layer is None or not groups:
        return
    if time.monotonic() - _failed_at < BACKOFF_SECONDS:
        return

    async def send_all():
        for group in groups:
            await layer.group_send(group, message)

    try:
        async_to_sync(send_all)()
    except Exception:  # the layer is a courier, not the record: log and go on
        _failed_at = time.monotonic()
        logger.warning("channel layer unavailable; signals to %s not sent", groups, exc_info=True)


def send_to_groups_on_commit(groups: list[str], message: dict) -> None:
    transaction.on_commit(lambda: send_to_groups(groups, message), robust=True)
