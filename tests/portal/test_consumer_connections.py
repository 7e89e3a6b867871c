"""The websocket consumer manages its database connections without a thread hop per message.

Channels' AsyncConsumer.dispatch runs `close_old_connections` on the sync thread before every
message; the portal's consumer skips that hop (a quarter of daphne's CPU when a change reaches
hundreds of sockets) because it and its hub reach the database only through
database_sync_to_async, which closes old connections itself before and after each read. These
tests hold all three: no hop per message, every database read a database_sync_to_async, and a
database_sync_to_async closing a connection past its age. (Channels' test communicator turns
connection closing off while it runs an application, so the last is shown on a direct call.)
"""

import inspect
import re

import pytest
from asgiref.sync import sync_to_async
from channels.db import DatabaseSyncToAsync
from django.db import connections

from portal.site import consumers, live
from projects.services import approval_transition
from tests.projects import factories as f
from tests.websockets import open_socket

act = sync_to_async(approval_transition)


async def events(ws, count, timeout=5.0):
    got = []
    while len(got) < count:
        message = await ws.receive_json_from(timeout=timeout)
        if message["type"] == "event":
            got.append(message)
    return got


@pytest.mark.django_db(transaction=True)
async def test_no_thread_hop_per_message(settings, monkeypatch):
    settings.ALLOWED_HOSTS = ["portal.test"]
    staff, helper = await sync_to_async(lambda: (f.user("staff", "staff"), f.user("h", "helper")))()
    dept = await sync_to_async(f.department)()
    officer = await sync_to_async(f.officer)(dept, "officer")
    project = await sync_to_async(
        lambda: f.project(staff, f.enterprise([]), [f.item(dept, "LAND")], lead=helper)
    )()
    approval = await sync_to_async(lambda: project.approvals.get())()
    hops = []

    async def counted_hop():
        hops.append(1)

    monkeypatch.setattr("channels.consumer.aclose_old_connections", counted_hop)
    ws = await open_socket(helper)
    await ws.send_json_to({"type": "resume", "after": {f"project:{project.pk}": 0}})
    for action in ("receive", "accept"):
        await act(actor=officer, approval_id=approval.pk, action=action)
    got = await events(ws, 3)  # the registration from the log, then two live events
    assert [e["seq"] for e in got] == [1, 2, 3]
    await ws.disconnect()
    assert hops == [], "the consumer hopped to the sync thread before a message"


def test_the_consumer_and_its_hub_read_the_database_only_through_database_sync_to_async():
    for module in (consumers, live):
        source = inspect.getsource(module)
        # Any other way off the event loop (sync_to_async, to_thread) would not close.
        plain = re.findall(r"(?<!database_)sync_to_async\(", source)
        assert plain == [], f"{module.__name__} uses plain sync_to_async"
        assert re.findall(r"to_thread\((\w+)", source) in ([], ["_redis_state"])
    readers = [consumers._last_event_id, consumers._head, consumers._events]
    readers += [live._readers_of, live._event_id, live._moved_heads]
    assert all(isinstance(reader, DatabaseSyncToAsync) for reader in readers)


@pytest.mark.django_db(transaction=True)
async def test_a_database_read_off_the_loop_closes_a_connection_past_its_age():
    def open_expiring_connection():
        connection = connections["default"]
        before = connection.settings_dict["CONN_MAX_AGE"]
        connection.settings_dict["CONN_MAX_AGE"] = 0  # past its age as soon as it is open
        connection.close()
        connection.ensure_connection()
        return before

    def still_open() -> bool:
        return connections["default"].connection is not None

    before = await sync_to_async(open_expiring_connection)()
    try:
        assert await sync_to_async(still_open)()
        assert await consumers._head("project:1") == 0  # a read, as the consumer makes it
        assert not await sync_to_async(still_open)()  # closed after the read, same thread
    finally:
        await sync_to_async(
            lambda: connections["default"].settings_dict.__setitem__("CONN_MAX_AGE", before)
        )()
