"""Websocket probes: each role resumes every stream name of every registered kind (own and
other objects, internal suffixes, its own and someone else's user stream, guessed ids, junk)
through `portal.site.asgi.application`, and gets events only of the streams the rule table
below allows, a `resync` for every other one; then one new event on every stream arrives live
only where allowed.

The expectations come from SECURITY.md's table, written out here, not from the permission
functions; a stream kind registered in `portal.streams` that this table does not know fails.
"""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client

from portal.events import emit
from portal.models import StreamHead
from portal.site.asgi import application
from portal.site.consumers import CLOSE_UNAUTHENTICATED
from portal.streams import stream_kinds

from .world import ROLES, World

pytestmark = [pytest.mark.django_db(transaction=True)]

ON_OBJECT = ("enterprise", "helper", "officer")  # the roles that are on the "own" objects


def _on(*roles):
    def rule(role, obj):
        return role == "staff" or (obj == "own" and role in roles)

    return rule


# kind -> suffix -> (who reads the own / other object's stream, staff read guessed ids too)
EXPECTED = {
    "project": {
        "": (_on(*ON_OBJECT), True),
        "internal": (_on("helper", "officer"), True),
    },
    "meeting": {
        "": (_on(*ON_OBJECT), True),
        "internal": (_on("helper", "officer"), True),
    },
    # A service case: staff all; the own case (opened by `ent`'s enterprise about OWN,
    # dispatched to planning) by the enterprise's users, the project's helpers, the department's
    # officers; its internal side by helpers and officers only (supervision/case_events.py).
    "case": {
        "": (_on(*ON_OBJECT), True),
        "internal": (_on("helper", "officer"), True),
    },
    # One's own stream only; staff included ("own" is the role's own user id here).
    "user": {"": (lambda role, obj: obj == "own", False)},
}
EVENT_TYPE = {
    "project": {"": "comment.added", "internal": "comment.added"},
    "meeting": {"": "meeting.changed", "internal": "meeting.internal_minutes_published"},
    "case": {"": "case.replied", "internal": "case.noted"},
    "user": {"": "enterprise.user_invited"},
}
# Written by the notification centre on a recipient's own stream for an event that concerns
# them: the live probe may bring these on the role's own `user:<id>` stream, and nowhere else.
NOTIFICATION_EVENT = "notification.added"
JUNK = [
    "",
    "project",
    "project:",
    "project:abc",
    "project:0",
    "project:-1",
    "project:1:secret",
    "project:1:internal:x",
    f"project:{2**63}",
    "meeting:1:private",
    "case:abc",
    "case:1:private",
    "case:1:internal:x",
    "user:0",
    "user:1:internal",
    "nope:1",
    "PROJECT:1",
    " project:1",
    "x" * 81,
]


def test_every_registered_stream_kind_is_probed():
    registered = stream_kinds()
    unknown = sorted(
        f"{name}:<id>{':' + s if s else ''}"
        for name, kind in registered.items()
        for s in kind.suffixes
        if s not in EXPECTED.get(name, {})
    )
    assert not unknown, f"stream kinds the probe table does not know: {unknown}"
    gone = sorted(set(EXPECTED) - set(registered))
    assert not gone, f"probed stream kinds no longer registered: {gone}"
    for name, kind in registered.items():
        for _suffix, (_rule, staff_all) in EXPECTED[name].items():
            assert kind.staff_read_all == staff_all, f"{name}: staff_read_all changed"


def _object_id(w, kind, obj, role):
    if kind == "project":
        return (w.own if obj == "own" else w.other).pk
    if kind == "meeting":
        return w.meeting[obj].pk
    if kind == "case":
        return w.case[obj].pk
    person = w.people[role] if obj == "own" else w.helper2
    return person.pk


def probe_table(w, role):
    """stream -> (readable, kind, suffix) for every name the role resumes."""
    table = {}
    for kind, suffixes in EXPECTED.items():
        for suffix, (rule, staff_all) in suffixes.items():
            tail = f":{suffix}" if suffix else ""
            for obj in ("own", "other"):
                stream = f"{kind}:{_object_id(w, kind, obj, role)}{tail}"
                table[stream] = (rule(role, obj), kind, suffix)
            # A guessed id: nothing exists there; staff may "read" the empty stream.
            table[f"{kind}:987654{tail}"] = (role == "staff" and staff_all, kind, suffix)
    for junk in JUNK:
        table[junk] = (False, None, None)
    return table


async def open_socket(user):
    headers = [(b"host", b"portal.test"), (b"origin", b"http://portal.test")]
    if user is not None:

        def login():
            client = Client()
            client.force_login(user)
            return client.cookies["sessionid"].value

        cookie = await sync_to_async(login)()
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return WebsocketCommunicator(application, "/ws/events/", headers=headers)


async def until_pong(ws):
    got = []
    while True:
        message = await ws.receive_json_from(timeout=10)
        if message["type"] == "pong":
            return got
        if message["type"] in ("event", "resync"):
            got.append(message)


def _build():
    with transaction.atomic():
        return World()


def _heads(names):
    return dict(StreamHead.objects.filter(stream__in=names).values_list("stream", "last_seq"))


def _write_one_more(w, table):
    """One new event on every real stream of the table (as a service would write it)."""
    with transaction.atomic():
        for stream, (_readable, kind, suffix) in table.items():
            if kind is None or "987654" in stream:
                continue
            emit(stream=stream, event=EVENT_TYPE[kind][suffix], actor=w.staff, data={"probe": 2})


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_reads_only_the_streams_the_rule_allows(role, settings):
    settings.ALLOWED_HOSTS = ["portal.test"]
    settings.LIVE_POLL_SECONDS = 0.2
    w = await sync_to_async(_build)()
    ws = await open_socket(w.people[role])
    connected, code = await ws.connect(timeout=5)
    if role == "anonymous":
        assert not connected and code == CLOSE_UNAUTHENTICATED
        return
    assert connected
    table = probe_table(w, role)
    heads = await sync_to_async(_heads)(list(table))
    await ws.send_json_to({"type": "resume", "after": dict.fromkeys(table, 0)})
    await ws.send_json_to({"type": "ping"})
    got = await until_pong(ws)

    resynced = {m["stream"] for m in got if m["type"] == "resync"}
    delivered = {}
    for m in got:
        if m["type"] == "event":
            delivered.setdefault(m["stream"], []).append(m["seq"])
    readable = {s for s, (ok, _k, _s) in table.items() if ok}
    leaked = sorted(set(delivered) - readable)
    assert not leaked, f"{role} got events of {leaked}"
    assert resynced == {s[:80] for s in table if s not in readable}, (
        f"{role}: resync for {sorted(resynced)}, expected for the unreadable ones"
    )
    for stream in readable:
        assert delivered.get(stream, []) == list(range(1, heads.get(stream, 0) + 1)), stream
    assert any(heads.get(s) for s in readable), "nothing readable had events: a vacuous probe"

    # Live: one more event on every stream; only the readable ones arrive. Besides, the
    # notification centre may add `notification.added` events on the role's own user stream
    # (the probe events notify their recipients): accepted there, and only there.
    await sync_to_async(_write_one_more)(w, table)
    own_stream = f"user:{w.people[role].pk}"
    wanted = {s: heads.get(s, 0) + 1 for s, (ok, kind, _x) in table.items() if ok and kind}
    wanted = {s: seq for s, seq in wanted.items() if "987654" not in s}
    live = {}
    notified = []

    def take(message):
        if message["type"] != "event":
            return
        stream = message["stream"]
        if stream == own_stream and message["event"] == NOTIFICATION_EVENT:
            notified.append(message["seq"])
            return
        assert stream in wanted, f"{role} got a live event of {stream}: {message['event']}"
        assert stream not in live, f"{role} got more than one live event of {stream}"
        live[stream] = message["seq"]

    while set(live) != set(wanted):
        take(await ws.receive_json_from(timeout=10))
    # The notifications may have been written on the own stream before the probe's event.
    assert {s: q for s, q in live.items() if s != own_stream} == {
        s: q for s, q in wanted.items() if s != own_stream
    }
    # Whatever else comes is a notification on the role's own stream; then nothing.
    while not await ws.receive_nothing(timeout=0.8, interval=0.05):
        message = await ws.receive_json_from(timeout=1)
        assert message["type"] == "event", f"{role}: unexpected {message}"
        assert message["stream"] == own_stream and message["event"] == NOTIFICATION_EVENT, (
            f"more than the readable events: {role} got {message['event']} on {message['stream']}"
        )
        notified.append(message["seq"])
    # The own stream: the probe's event and the notifications, each once, nothing skipped.
    first = heads.get(own_stream, 0) + 1
    assert sorted([live[own_stream], *notified]) == list(range(first, first + 1 + len(notified)))
    await ws.disconnect()
