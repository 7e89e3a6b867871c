"""The unread count reaches the person's open pages live, through their own stream."""

import pytest
from asgiref.sync import sync_to_async

from projects.services import approval_transition
from tests.projects import factories as f
from tests.websockets import open_socket

pytestmark = [pytest.mark.django_db(transaction=True)]

act = sync_to_async(approval_transition)


async def test_a_decision_raises_the_unread_count_on_the_enterprise_users_socket(settings):
    settings.ALLOWED_HOSTS = ["portal.test"]
    settings.LIVE_POLL_SECONDS = 0.2
    staff = await sync_to_async(f.user)("staff", "staff")
    dept = await sync_to_async(f.department)()
    officer = await sync_to_async(f.officer)(dept, "officer")
    ent_user = await sync_to_async(f.user)("ent", "enterprise")
    other = await sync_to_async(f.user)("ent2", "enterprise")
    item = await sync_to_async(f.item)(dept, "LAND")
    enterprise = await sync_to_async(f.enterprise)([ent_user])
    project = await sync_to_async(f.project)(staff, enterprise, [item])
    approval = await sync_to_async(lambda: project.approvals.get())()
    for action in ("receive", "accept"):
        await act(actor=officer, approval_id=approval.pk, action=action)
    ws = await open_socket(ent_user)
    stranger = await open_socket(other)
    for socket in (ws, stranger):
        await socket.send_json_to({"type": "resume", "after": {}})
    await act(actor=officer, approval_id=approval.pk, action="approve")
    got = []
    while not any(m.get("event") == "notification.added" for m in got):
        got.append(await ws.receive_json_from(timeout=5))
    added = next(m for m in got if m.get("event") == "notification.added")
    assert added["stream"] == f"user:{ent_user.pk}"
    assert added["data"]["unread"] == 1
    assert "LAND" in added["data"]["text"]
    assert added["text"]["en"].startswith("New notification: ")
    # Another company's user hears nothing of it.
    assert await stranger.receive_nothing(timeout=0.6, interval=0.05)
    await ws.disconnect()
    await stranger.disconnect()


async def test_a_resume_that_asks_gets_the_unread_count_of_now_and_no_one_elses(settings):
    # A tab that was away (or a page rendered before a notification came) learns the count
    # at its resume: events of the person's own stream from before the socket are not sent.
    settings.ALLOWED_HOSTS = ["portal.test"]
    staff = await sync_to_async(f.user)("staff", "staff")
    dept = await sync_to_async(f.department)()
    officer = await sync_to_async(f.officer)(dept, "officer")
    ent_user = await sync_to_async(f.user)("ent", "enterprise")
    other = await sync_to_async(f.user)("ent2", "enterprise")
    items = [await sync_to_async(f.item)(dept, code) for code in ("LAND", "PLAN")]
    enterprise = await sync_to_async(f.enterprise)([ent_user])
    project = await sync_to_async(f.project)(staff, enterprise, items)
    approvals = await sync_to_async(lambda: list(project.approvals.order_by("pk")))()
    for approval in approvals:  # two decisions while no socket is open: two unread
        for action in ("receive", "accept", "approve"):
            await act(actor=officer, approval_id=approval.pk, action=action)

    ws = await open_socket(ent_user)
    await ws.send_json_to({"type": "resume", "after": {}, "unread": True})
    assert await ws.receive_json_from(timeout=5) == {"type": "unread", "count": 2}
    # Without asking, nothing is sent (the protocol as before).
    await ws.send_json_to({"type": "resume", "after": {}})
    assert await ws.receive_nothing(timeout=0.3, interval=0.05)
    # Only the person's own count: another company's user has none.
    stranger = await open_socket(other)
    await stranger.send_json_to({"type": "resume", "after": {}, "unread": True})
    assert await stranger.receive_json_from(timeout=5) == {"type": "unread", "count": 0}
    for socket in (ws, stranger):
        await socket.disconnect()
