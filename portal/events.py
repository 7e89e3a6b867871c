"""The one place that writes the event log and signals Channels; and the reads of the log.

Every event sits in exactly one stream with a per-stream gapless seq. The seq comes from the
stream's locked head row, so concurrent writers queue and never skip or repeat a number. The
signal goes out after commit: nothing is sent for a rolled-back change. Which groups hear a
stream, and who may read it, the stream registry (`portal.streams`) says.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from portal.errors import NotVisible

from . import streams
from .models import Event, StreamHead
from .realtime import send_signals, send_to_groups

_live_signals = ContextVar("live_signals", default=True)
# Called with each event written live, in its transaction (the notification centre).
_emit_hooks: list[Callable[[Event], None]] = []


def register_emit_hook(hook: Callable[[Event], None]) -> None:
    """`hook(event_row)` runs inside `emit`, in the change's transaction, for every event
    written live (never while history is replayed)."""
    if hook not in _emit_hooks:
        _emit_hooks.append(hook)


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
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def emit(
    *, stream: str, event: str, actor, data: dict[str, Any], at: datetime | None = None
) -> Event:
    """Append an event to `stream` inside the caller's transaction, signal it after commit."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events are written inside the transaction of the change")
    if streams.parse(stream) is None:
        raise ValueError(f"no registered stream kind accepts {stream!r}")
    if streams.event_type(event) is None:
        raise ValueError(f"event type {event!r} is not registered")
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
        message = {"type": "event.signal", "id": row.pk, "event": serialize_event(row)}
        # Who hears it is decided after commit, outside the writing transaction's locks.
        transaction.on_commit(
            lambda: send_to_groups(streams.groups_for_stream(stream), message),
            robust=True,
        )
        for hook in _emit_hooks:
            hook(row)
    return row


def emit_many(
    *, event: str, items: list[tuple[str, dict[str, Any]]], actor=None, at: datetime | None = None
) -> list[Event]:
    """Append one event of the same type to each of several streams (one item per stream) in
    a constant number of queries: the heads locked in name order, the events inserted in bulk,
    one after-commit signal for all. No emit hooks run (for the base's own fan-out)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events are written inside the transaction of the change")
    if streams.event_type(event) is None:
        raise ValueError(f"event type {event!r} is not registered")
    names = sorted({stream for stream, _data in items})
    if len(names) != len(items) or any(streams.parse(name) is None for name in names):
        raise ValueError("emit_many takes one item per registered stream")
    if not names:
        return []

    def locked(wanted: list[str]) -> dict[str, StreamHead]:
        heads = StreamHead.objects.select_for_update().filter(stream__in=wanted)
        return {head.stream: head for head in heads.order_by("stream")}

    heads = locked(names)
    missing = [name for name in names if name not in heads]
    if missing:
        StreamHead.objects.bulk_create(
            [StreamHead(stream=name, last_seq=0) for name in missing], ignore_conflicts=True
        )
        heads.update(locked(missing))
    now = timezone.now()
    if actor is not None and actor.pk:
        extra = {"actor_name": actor.get_full_name()}
    else:
        extra, actor = {}, None
    rows = []
    for stream, data in items:
        head = heads[stream]
        head.last_seq += 1
        head.updated_at = now
        rows.append(
            Event(
                stream=stream,
                seq=head.last_seq,
                event=event,
                at=at or now,
                actor=actor,
                data=_jsonable({**data, **extra}),
            )
        )
    # One event per stream: every locked head moves on by one (one statement, not a CASE per
    # head as bulk_update would build).
    StreamHead.objects.filter(stream__in=names).update(last_seq=F("last_seq") + 1, updated_at=now)
    rows = Event.objects.bulk_create(rows)
    if _live_signals.get():
        messages = [
            (row.stream, {"type": "event.signal", "id": row.pk, "event": serialize_event(row)})
            for row in rows
        ]

        def signal() -> None:
            send_signals(
                [
                    (group, message)
                    for stream, message in messages
                    for group in streams.groups_for_stream(stream)
                ]
            )

        transaction.on_commit(signal, robust=True)
    return rows


def serialize_event(row: Event) -> dict[str, Any]:
    """The wire form of an event, the same over REST and websockets."""
    return {
        "stream": row.stream,
        "seq": row.seq,
        "event": row.event,
        "at": row.at.isoformat(),
        "actor": row.actor.username if row.actor_id and row.actor else None,
        "data": row.data,
        # The sentence in each language, from the registry: what live notices show.
        "text": streams.event_texts(row.event, row.data),
    }


def stream_heads(names: list[str]) -> dict[str, int]:
    """The last seq of each named stream (0 for a stream with no event yet)."""
    heads = dict(StreamHead.objects.filter(stream__in=names).values_list("stream", "last_seq"))
    return {name: heads.get(name, 0) for name in names}


def events_after(user, stream: str, after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
    """The events of a stream the user may read, after a seq, in order."""
    if not streams.stream_readable(user, stream):
        raise NotVisible("stream not found")
    rows = (
        Event.objects.filter(stream=stream, seq__gt=after)
        .select_related("actor")
        .order_by("seq")[:limit]
    )
    return [serialize_event(row) for row in rows]


def last_event_id() -> int:
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
