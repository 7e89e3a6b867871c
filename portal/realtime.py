"""Signals to websocket consumers through the channel layer.

The database is the truth; a signal only wakes consumers up. A channel-layer failure (Redis
down) must never turn a committed change into an error, so sending is best effort, logged,
and scheduled after commit so nothing is sent for a rolled-back change.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def send_to_groups(groups: list[str], message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for group in groups:
        try:
            async_to_sync(layer.group_send)(group, message)
        except Exception:  # the layer is a courier, not the record: log and go on
            logger.warning("channel layer unavailable; signal to %s not sent", group, exc_info=True)


def send_to_groups_on_commit(groups: list[str], message: dict) -> None:
    transaction.on_commit(lambda: send_to_groups(groups, message), robust=True)
