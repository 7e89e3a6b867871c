"""The one place that writes the event log and signals Channels.

Every event sits in exactly one stream with a per-stream gapless seq. The seq comes from the
stream's locked head row, so concurrent writers queue and never skip or repeat a number. The
signal goes out after commit: nothing is sent for a rolled-back change.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.realtime import send_to_groups_on_commit

from .models import Event, StreamHead

_live_signals = ContextVar("live_signals", default=True)


@contextmanager
def without_live_signals() -> Iterator[None]:
    """Write events without waking consumers or emailing anyone: for replaying history in
    bulk (the demo seed). Nothing is lost: the log is the truth, and consumers read it when
    they (re)connect.
    """
    token = _live_signals.set(False)
    try:
        yield
    finally:
        _live_signals.reset(token)


def replaying_history() -> bool:
    """Inside `without_live_signals()`: past events are being written, nobody is told."""
    return not _live_signals.get()


def project_stream(project_id: int) -> str:
    return f"project:{project_id}"


def project_internal_stream(project_id: int) -> str:
    return f"project:{project_id}:internal"


def user_stream(user_id: int) -> str:
    return f"user:{user_id}"


def _locked_head(stream: str) -> StreamHead:
    head = StreamHead.objects.select_for_update().filter(stream=stream).first()
    if head is not None:
        return head
    try:
        with transaction.atomic():
            StreamHead.objects.create(stream=stream, last_seq=0)
    except IntegrityError:
        pass  # another writer created it first; lock theirs
    return StreamHead.objects.select_for_update().get(stream=stream)


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    import json

    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def emit(
    *, stream: str, event: str, actor, data: dict[str, Any], at: datetime | None = None
) -> Event:
    """Append an event to `stream` inside the caller's transaction, signal it after commit."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events are written inside the transaction of the change")
    if actor is not None and actor.pk:
        # People read notices by name, programs by username (the event's `actor`).
        data = {**data, "actor_name": actor.get_full_name()}
    head = _locked_head(stream)
    head.last_seq += 1
    head.updated_at = timezone.now()
    head.save(update_fields=["last_seq", "updated_at"])
    row = Event.objects.create(
        stream=stream,
        seq=head.last_seq,
        event=event,
        at=at or timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        data=_jsonable(data),
    )
    if _live_signals.get():
        from .realtime import groups_for_stream

        send_to_groups_on_commit(
            groups_for_stream(stream),
            {"type": "event.signal", "id": row.pk, "event": serialize_event(row)},
        )
    return row


def serialize_event(row: Event) -> dict[str, Any]:
    """The wire form of an event, the same over REST and websockets."""
    return {
        "stream": row.stream,
        "seq": row.seq,
        "event": row.event,
        "at": row.at.isoformat(),
        "actor": row.actor.username if row.actor_id and row.actor else None,
        "data": row.data,
    }
