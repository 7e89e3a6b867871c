"""/ws/events/: order, resume, gaps, permissions, revocation, the log poller."""

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction
from django.test import override_settings

from portal.events import without_live_signals
from portal.site.consumers import CLOSE_DEACTIVATED
from projects.services import approval_transition, comment_add, project_assign_helpers
from tests.projects import factories as f
from tests.websockets import open_socket

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(db, settings):
    settings.ALLOWED_HOSTS = ["portal.test"]
    settings.LIVE_POLL_SECONDS = 0.2
    w = type("World", (), {})()
    w.staff = f.user("staff", "staff")
    w.helper = f.user("helper", "helper")
    w.helper2 = f.user("helper2", "helper")
    dept = f.department()
    w.officer = f.officer(dept, "officer")
    w.ent_user = f.user("ent", "enterprise")
    w.item = f.item(dept, "LAND")
    w.item2 = f.item(dept, "PLAN")
    w.project = f.project(w.staff, f.enterprise([w.ent_user]), [w.item, w.item2], lead=w.helper)
    w.approval = w.project.approvals.get(item=w.item)
    w.approval2 = w.project.approvals.get(item=w.item2)
    w.public = f"project:{w.project.pk}"
    w.internal = f"project:{w.project.pk}:internal"
    return w


async def events(ws, count, timeout=5.0):
    got = []
    while len(got) < count:
        message = await ws.receive_json_from(timeout=timeout)
        if message["type"] in ("event", "resync"):
            got.append(message)
    return got


async def nothing_more(ws, wait=0.6):
    # receive_nothing waits without cancelling the application (a timeout would).
    assert await ws.receive_nothing(timeout=wait, interval=0.05), "unexpected message"


act = sync_to_async(approval_transition)


async def test_live_events_arrive_once_in_order_with_the_rest_fields(world):
    ws = await open_socket(world.helper)
    await ws.send_json_to({"type": "resume", "after": {}})
    await act(actor=world.officer, approval_id=world.approval.pk, action="receive")
    await act(actor=world.officer, approval_id=world.approval.pk, action="accept")
    await act(actor=world.officer, approval_id=world.approval2.pk, action="receive")
    got = await events(ws, 3)
    assert [(e["stream"], e["seq"], e["event"]) for e in got] == [
        (world.public, 2, "approval.received"),
        (world.public, 3, "approval.accepted"),
        (world.public, 4, "approval.received"),
    ]
    assert set(got[0]) == {"type", "stream", "seq", "event", "at", "actor", "data", "text"}
    assert got[0]["actor"] == "officer"
    item = f"LAND {world.item.name_en}"
    assert got[0]["text"]["en"].endswith(f" received the application for “{item}”")
    await nothing_more(ws)  # the poller must not repeat what the signal delivered
    await ws.disconnect()


async def test_resume_after_a_seq_gives_exactly_the_missing_ones(world):
    for action in ("receive", "accept", "approve"):
        await act(actor=world.officer, approval_id=world.approval.pk, action=action)
    ws = await open_socket(world.ent_user)
    await ws.send_json_to({"type": "resume", "after": {world.public: 2}})
    got = await events(ws, 2)
    assert [e["seq"] for e in got] == [3, 4]
    await nothing_more(ws)
    await ws.disconnect()


async def test_a_resume_arriving_after_the_connection_sent_newer_events_repeats_none(world):
    """After a reconnection the client's resume can reach the server after a signal did (the
    server sent seq 2 on the new connection first): seq 2 is not sent again."""
    await act(actor=world.officer, approval_id=world.approval.pk, action="receive")  # seq 2
    ws = await open_socket(world.helper)
    await act(actor=world.officer, approval_id=world.approval.pk, action="accept")  # seq 3
    assert [e["seq"] for e in await events(ws, 1)] == [3]
    await ws.send_json_to({"type": "resume", "after": {world.public: 2}})
    await nothing_more(ws)
    await ws.disconnect()


async def test_a_cursor_ahead_of_the_log_or_unreadable_gets_a_resync(world):
    ws = await open_socket(world.ent_user)
    await ws.send_json_to(
        {"type": "resume", "after": {world.public: 99, world.internal: 0, "user:1": 0}}
    )
    got = await events(ws, 3)
    assert sorted(e["stream"] for e in got if e["type"] == "resync") == sorted(
        [world.public, world.internal, "user:1"]
    )
    await ws.disconnect()


async def test_a_gap_makes_the_consumer_read_the_log(world):
    ws = await open_socket(world.helper)
    await ws.send_json_to({"type": "resume", "after": {world.public: 1}})
    await nothing_more(ws, 0.3)
    # Two events whose signals never arrive (another process, a dropped message) ...
    with without_live_signals():
        await act(actor=world.officer, approval_id=world.approval.pk, action="receive")
        await act(actor=world.officer, approval_id=world.approval.pk, action="accept")
    # ... then one whose signal does: the consumer notices seq 4 after 1 and reads 2..4.
    await act(actor=world.officer, approval_id=world.approval2.pk, action="receive")
    got = await events(ws, 3)
    assert [e["seq"] for e in got] == [2, 3, 4]
    await ws.disconnect()


async def test_an_event_written_by_another_process_arrives_through_the_poll(world):
    ws = await open_socket(world.helper)
    await ws.send_json_to({"type": "resume", "after": {world.public: 1}})
    with without_live_signals():  # as if written by the worker, with its own layer
        await act(actor=world.officer, approval_id=world.approval.pk, action="receive")
    got = await events(ws, 1, timeout=5)
    assert got[0]["seq"] == 2 and got[0]["event"] == "approval.received"
    await ws.disconnect()


async def test_the_internal_stream_never_reaches_the_enterprise(world):
    ent = await open_socket(world.ent_user)
    helper = await open_socket(world.helper)
    for ws in (ent, helper):
        await ws.send_json_to({"type": "resume", "after": {}})
    await sync_to_async(comment_add)(
        actor=world.helper, project_id=world.project.pk, body="内部", internal=True
    )
    await sync_to_async(comment_add)(
        actor=world.helper, project_id=world.project.pk, body="公开", internal=False
    )
    helper_got = await events(helper, 2)
    assert {e["stream"] for e in helper_got} == {world.public, world.internal}
    ent_got = await events(ent, 1)
    assert ent_got[0]["stream"] == world.public and ent_got[0]["data"]["body"] == "公开"
    await nothing_more(ent)
    for ws in (ent, helper):
        await ws.disconnect()


async def test_a_helper_removed_from_a_project_stops_receiving_it_at_the_next_event(world):
    ws = await open_socket(world.helper)
    await ws.send_json_to({"type": "resume", "after": {}})
    await act(actor=world.officer, approval_id=world.approval.pk, action="receive")
    assert (await events(ws, 1))[0]["stream"] == world.public
    await sync_to_async(project_assign_helpers)(
        actor=world.staff, project_id=world.project.pk, lead_helper=world.helper2
    )
    got = await events(ws, 1)
    assert got[0]["stream"] == f"user:{world.helper.pk}"
    assert got[0]["event"] == "project.unassigned"
    await act(actor=world.officer, approval_id=world.approval.pk, action="accept")
    got = await events(ws, 1)
    assert got == [{"type": "resync", "stream": world.public}]
    await nothing_more(ws)
    await ws.disconnect()


async def test_a_newly_assigned_helper_gets_the_project_on_the_same_socket(world):
    ws = await open_socket(world.helper2)
    await ws.send_json_to({"type": "resume", "after": {}})
    await sync_to_async(project_assign_helpers)(
        actor=world.staff,
        project_id=world.project.pk,
        lead_helper=world.helper,
        helpers=[world.helper2],
    )
    got = await events(ws, 2)
    assert [(e["stream"], e["event"]) for e in got] == [
        (f"user:{world.helper2.pk}", "project.assigned"),
        (world.internal, "project.helpers_changed"),
    ]
    await act(actor=world.officer, approval_id=world.approval.pk, action="receive")
    got = await events(ws, 1)
    assert (got[0]["stream"], got[0]["event"]) == (world.public, "approval.received")
    await ws.disconnect()


async def test_a_rolled_back_change_sends_nothing(world):
    ws = await open_socket(world.helper)
    await ws.send_json_to({"type": "resume", "after": {}})

    def fail_after_change():
        with pytest.raises(RuntimeError), transaction.atomic():
            approval_transition(
                actor=world.officer, approval_id=world.approval.pk, action="receive"
            )
            raise RuntimeError("rolled back")

    await sync_to_async(fail_after_change)()
    await nothing_more(ws, 1.0)  # neither the signal nor the poller has anything
    await ws.disconnect()


async def test_a_deactivated_users_sockets_are_closed(world):
    from projects.services import user_deactivate

    ws = await open_socket(world.officer)
    await ws.send_json_to({"type": "resume", "after": {}})
    await sync_to_async(user_deactivate)(actor=world.staff, user_id=world.officer.pk)
    while True:
        message = await ws.receive_output(timeout=5)
        if message["type"] == "websocket.close":
            break
    assert message["code"] in (CLOSE_DEACTIVATED, 4001)


@override_settings(WEBSOCKET_HEARTBEAT_SECONDS=0.2)
async def test_heartbeats(world):
    ws = await open_socket(world.helper)
    assert await ws.receive_json_from(timeout=3) == {"type": "heartbeat"}
    await ws.disconnect()


async def test_bad_resume_messages_do_not_break_the_socket(world):
    ws = await open_socket(world.helper)
    await ws.send_json_to({"type": "resume", "after": ["x"]})
    assert (await ws.receive_json_from(timeout=3))["type"] == "error"
    await ws.send_json_to({"type": "resume", "after": {"project:x": "y", 5: -1}})
    await ws.send_to(text_data="not json")
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from(timeout=3) == {"type": "pong"}
    await ws.disconnect()


async def test_a_resume_naming_too_many_streams_is_refused_at_once(world):
    from portal.site.consumers import MAX_RESUME_STREAMS

    ws = await open_socket(world.helper)
    many = {f"project:{n}": 0 for n in range(1, MAX_RESUME_STREAMS + 2)}
    await ws.send_json_to({"type": "resume", "after": many})
    answer = await ws.receive_json_from(timeout=5)
    assert answer["type"] == "error" and str(MAX_RESUME_STREAMS) in answer["detail"]
    # Names no kind accepts are answered with a resync, without reading anything.
    await ws.send_json_to({"type": "resume", "after": {"nothing:1": 0, "project:x": 0}})
    got = [await ws.receive_json_from(timeout=5) for _ in range(2)]
    assert {m["type"] for m in got} == {"resync"}
    await ws.disconnect()


def test_the_hubs_batch_decides_as_each_persons_own_check(world):
    """The hub decides many users' access to a stream in one batch (live._readers_of): the
    same answers as each person's own check, for every role, inactive people and the
    internal stream, whatever the batch's size."""
    from asgiref.sync import async_to_sync

    from portal.site import live
    from portal.streams import stream_readable

    gone = f.user("gone", "staff")
    gone.is_active = False
    gone.save()
    stranger = f.user("stranger", "enterprise")
    f.enterprise([stranger])
    users = [world.staff, world.helper, world.helper2, world.officer, world.ent_user]
    users += [gone, stranger]
    for stream in (world.public, world.internal, f"project:{world.project.pk + 999}"):
        expected = {user.pk for user in users if stream_readable(user, stream)}
        for some in (users, users[:2], users[3:4]):
            readers = async_to_sync(live._readers_of)(stream, [user.pk for user in some])
            assert readers == expected & {user.pk for user in some}, (stream, len(some))
    assert world.ent_user.pk in async_to_sync(live._readers_of)(world.public, [world.ent_user.pk])
    assert not async_to_sync(live._readers_of)(world.internal, [world.ent_user.pk, gone.pk])
