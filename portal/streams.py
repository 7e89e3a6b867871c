"""The stream registry: what the shared base knows of each app's streams and event types.

Every event sits in exactly one stream, named `<kind>:<id>` or `<kind>:<id>:<suffix>`
(`project:12`, `project:12:internal`, `meeting:3`, `user:7`). The app that owns a kind
registers it in its `AppConfig.ready()`: who may read a stream of that kind, which groups
of sockets hear its signals (portal/site/live.py hands them out in each process), and the
sentence each of its event types shows. The consumer, the events API, the live notices and
the timelines ask only this registry, so a new kind or event type is added in its own app,
in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .realtime import STAFF_GROUP, user_group
from .roles import STAFF, roles_of


@dataclass(frozen=True)
class StreamName:
    """A parsed stream name: `kind:object_id[:suffix]`."""

    kind: str
    object_id: int
    suffix: str = ""

    def __str__(self) -> str:
        base = f"{self.kind}:{self.object_id}"
        return f"{base}:{self.suffix}" if self.suffix else base


@dataclass(frozen=True)
class StreamKind:
    """One kind of stream, registered by the app that owns it.

    `may_read(user, object_id, suffix)` decides for the whole stream, never per event;
    `groups(object_id, suffix)` names the groups of sockets that hear its signals (a consumer
    in them still asks `may_read` before forwarding anything).
    """

    kind: str
    may_read: Callable[[Any, int, str], bool]
    groups: Callable[[int, str], list[str]]
    suffixes: frozenset[str] = frozenset({""})
    # Staff read every stream of this kind: the consumer decides without a query.
    staff_read_all: bool = True


@dataclass(frozen=True)
class EventType:
    """How one event type reads to a person: `<actor> <sentence>`.

    `sentence(data)` is what the actor did, whole, in the active language, from the event's
    recorded data ("created the action item “Submit the land survey”, due 2026-12-20"); it
    must cope with rows recorded before a key existed and still say something complete.
    `label` is the short verb phrase ("created an action item") and `subject(data)` names what
    the event is about (the item, the meeting): a type without a sentence reads
    `<label> <subject>`. `unnamed` is who the sentence names when the event records no actor
    (the system by default; a participant where the stream hides who acted).
    `changes_access` marks events on a user's own stream after which that user's right to
    read other streams must be decided afresh.
    """

    name: str
    label: str | Promise
    subject: Callable[[dict[str, Any]], str] | None = None
    changes_access: bool = False
    ends_session: bool = False
    sentence: Callable[[dict[str, Any]], str] | None = None
    unnamed: str | Promise | None = None
    # Who is told of it, and why: `notify(event_row)` -> [(user_id, reason code), ...]; the
    # notification centre writes one notification per event and person (see NotificationReason).
    notify: Callable[[Any], Iterable[tuple[int, str]]] | None = None
    # The page a notification of it links to: `link(event_row)` -> a path in the active
    # language, or "" (the default: the page of the event's stream, see notification_link).
    link: Callable[[Any], str] | None = None


@dataclass(frozen=True)
class NotificationReason:
    """Why a person is told of an event ("a decision on your project", "a case assigned to
    you"); each person chooses per reason how email reaches them (the portal always shows it).
    `email` is the default: "immediate", "digest" (08:30 on working days) or "off"."""

    code: str
    label: str | Promise
    email: str = "immediate"
    description: str | Promise = ""


@dataclass
class _Registry:
    kinds: dict[str, StreamKind] = field(default_factory=dict)
    event_types: dict[str, EventType] = field(default_factory=dict)
    socket_groups: list[Callable[[Any], list[str]]] = field(default_factory=list)
    reasons: dict[str, NotificationReason] = field(default_factory=dict)


_registry = _Registry()


def register_stream_kind(kind: StreamKind) -> None:
    existing = _registry.kinds.get(kind.kind)
    if existing is not None and existing != kind:
        raise ValueError(f"stream kind {kind.kind!r} is registered twice")
    _registry.kinds[kind.kind] = kind


def register_event_types(types: Iterable[EventType]) -> None:
    for event_type in types:
        existing = _registry.event_types.get(event_type.name)
        if existing is not None and existing != event_type:
            raise ValueError(f"event type {event_type.name!r} is registered twice")
        _registry.event_types[event_type.name] = event_type


def register_socket_groups(provider: Callable[[Any], list[str]]) -> None:
    """`provider(user)`: the groups a user's socket joins besides their own and their role's."""
    if provider not in _registry.socket_groups:
        _registry.socket_groups.append(provider)


def register_reasons(reasons: Iterable[NotificationReason]) -> None:
    for reason in reasons:
        existing = _registry.reasons.get(reason.code)
        if existing is not None and existing != reason:
            raise ValueError(f"notification reason {reason.code!r} is registered twice")
        _registry.reasons[reason.code] = reason


def notification_reasons() -> dict[str, NotificationReason]:
    return dict(_registry.reasons)


def stream_kinds() -> dict[str, StreamKind]:
    return dict(_registry.kinds)


def event_types() -> dict[str, EventType]:
    return dict(_registry.event_types)


def parse(stream: str) -> StreamName | None:
    """The stream's parts, or None for a name no registered kind accepts."""
    if not isinstance(stream, str) or len(stream) > 80:
        return None
    kind, _, rest = stream.partition(":")
    object_id, _, suffix = rest.partition(":")
    registered = _registry.kinds.get(kind)
    if registered is None or suffix not in registered.suffixes:
        return None
    if not object_id.isdigit() or not 0 < int(object_id) < 2**63:
        return None
    return StreamName(kind, int(object_id), suffix)


def kind_of(stream: str) -> StreamKind | None:
    name = parse(stream)
    return _registry.kinds[name.kind] if name else None


def stream_readable(user, stream: str) -> bool:
    """May this user read this stream? Decided by the stream alone, never per event."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    name = parse(stream)
    if name is None:
        return False
    return bool(_registry.kinds[name.kind].may_read(user, name.object_id, name.suffix))


def staff_reads_without_query(stream: str) -> bool:
    """True when staff read this stream by their role alone (no query needed)."""
    kind = kind_of(stream)
    return kind is not None and kind.staff_read_all


def groups_for_stream(stream: str) -> list[str]:
    name = parse(stream)
    if name is None:
        return []
    return _registry.kinds[name.kind].groups(name.object_id, name.suffix)


def groups_for_user(user) -> list[str]:
    """The groups one socket of this user joins: their own, their role's, and the apps'."""
    groups = [user_group(user.pk)]
    if STAFF in roles_of(user):
        groups.append(STAFF_GROUP)
    for provider in _registry.socket_groups:
        groups += [g for g in provider(user) if g not in groups]
    return groups


def event_type(name: str) -> EventType | None:
    return _registry.event_types.get(name)


def event_label(name: str) -> str:
    """The verb phrase of an event type in the active language (the name if unregistered)."""
    registered = _registry.event_types.get(name)
    return str(registered.label) if registered else name


def event_subject(name: str, data: dict[str, Any] | None) -> str:
    """What the event is about, from its recorded data; never raises on an odd stored row."""
    registered = _registry.event_types.get(name)
    if registered is None or registered.subject is None or not isinstance(data, dict):
        return ""
    try:
        return registered.subject(data) or ""
    except (KeyError, TypeError, ValueError, AttributeError):
        return ""


def event_type_count() -> int:
    """How many event types are registered (what a cache of `labels()` is keyed by)."""
    return len(_registry.event_types)


def labels() -> dict[str, str]:
    """Every event type's label in the active language: the live script's dictionary."""
    return {name: str(t.label) for name, t in _registry.event_types.items()}


def event_sentence(name: str, data: dict[str, Any] | None) -> str:
    """What the actor did, as a whole phrase in the active language; never raises, never
    empty: a stored row the type's sentence cannot read falls back to the label (and
    subject)."""
    registered = _registry.event_types.get(name)
    if registered is None:
        return _("made a change")
    if registered.sentence is not None and isinstance(data, dict):
        try:
            text = registered.sentence(data)
        except (KeyError, TypeError, ValueError, AttributeError):
            text = ""
        if text:
            return str(text)
    label = str(registered.label)
    subject = event_subject(name, data)
    return f"{label} {subject}" if subject else label


def event_actor(name: str, data: dict[str, Any] | None) -> str:
    """Who the sentence names: the actor's name as recorded, else the type's stand-in."""
    recorded = data.get("actor_name") if isinstance(data, dict) else None
    if isinstance(recorded, str) and recorded.strip():
        return recorded.strip()
    registered = _registry.event_types.get(name)
    if registered is not None and registered.unnamed:
        return str(registered.unnamed)
    return _("The system")


def event_text(name: str, data: dict[str, Any] | None) -> str:
    """The whole sentence in the active language: `<who> <what they did>`."""
    return f"{event_actor(name, data)} {event_sentence(name, data)}"


def event_texts(name: str, data: dict[str, Any] | None) -> dict[str, str]:
    """The whole sentence in each of the site's languages (the wire form carries them all, so
    a live notice reads in the page's language without asking the server)."""
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = event_text(name, data)
    return texts


# --- Helpers for the apps' sentences: recorded values as words, never as reprs -------------


def text(value: Any) -> str:
    """A recorded scalar as text; "" for what would read as a repr (None, a dict, a list)."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, str | int | float):
        return str(value).strip()
    return ""


def day(value: Any) -> str:
    """A recorded date (ISO text or a date) as YYYY-MM-DD; "" if it is not one."""
    if isinstance(value, datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        return ""
    try:
        parsed = parse_date(value[:10])
    except ValueError:
        return ""
    return parsed.isoformat() if parsed else ""


def moment(value: Any) -> str:
    """A recorded time (ISO text or a datetime) as local YYYY-MM-DD HH:MM; "" if not one."""
    if isinstance(value, str):
        try:
            value = parse_datetime(value)
        except ValueError:
            return ""
    if not isinstance(value, datetime):
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m-%d %H:%M")


def listed(values: Iterable[str]) -> str:
    """Words joined as a list in the active language (、 in Chinese, commas in English)."""
    return pgettext("list separator", ", ").join(v for v in values if v)


def fill(template: str | Promise, **parts: Any) -> str:
    """The template filled in when every part is known; "" when one is missing, so that the
    caller falls back to a shorter sentence instead of leaving a gap."""
    if any(part is None or part == "" for part in parts.values()):
        return ""
    return str(template) % parts


# A person's own stream: assignments, account changes. Registered by the shared base itself.
USER_STREAMS = StreamKind(
    kind="user",
    may_read=lambda user, user_id, suffix: user.pk == user_id,
    groups=lambda user_id, suffix: [user_group(user_id)],
    staff_read_all=False,
)


# --- Who among many may read a stream (the notification centre's fan-out) -------------------

_readers: dict[str, Callable[[list, int, str], Iterable[int]]] = {}


def register_stream_readers(kind: str, readers: Callable[[list, int, str], Iterable[int]]) -> None:
    """`readers(users, object_id, suffix)`: the ids of those among `users` (active, their
    roles read) who may read the stream, answering as `may_read` does, in a few queries."""
    _readers[kind] = readers


def readers_among(users: list, stream: str) -> set[int]:
    """The ids among `users` who may read `stream`: by the kind's batch answer if it has one,
    else one `stream_readable` per person."""
    name = parse(stream)
    if name is None or not users:
        return set()
    batch = _readers.get(name.kind)
    # A person or two: asking each costs fewer queries than the batch's fixed few.
    if batch is None or len(users) <= 2:
        return {user.pk for user in users if stream_readable(user, stream)}
    active = [user for user in users if user.is_authenticated and user.is_active]
    return set(batch(active, name.object_id, name.suffix))


# --- Where a notification leads --------------------------------------------------------------

_stream_links: dict[str, Callable[[int, str], str]] = {}


def register_stream_link(kind: str, link: Callable[[int, str], str]) -> None:
    """`link(object_id, suffix)`: the page of a stream of this kind, in the active language."""
    _stream_links[kind] = link


def notification_link(row) -> str:
    """The page an event is about (its type's `link`, else its stream's page); "" if none."""
    registered = _registry.event_types.get(row.event)
    if registered is not None and registered.link is not None:
        try:
            return registered.link(row) or ""
        except (KeyError, TypeError, ValueError, AttributeError):
            return ""
    name = parse(row.stream)
    if name is None or name.kind not in _stream_links:
        return ""
    return _stream_links[name.kind](name.object_id, name.suffix) or ""
