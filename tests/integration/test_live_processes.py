"""Live updates across real daphne processes and Redis, including a Redis outage."""

import asyncio
import json
import shutil
import subprocess
import time
import urllib.request
import uuid

import pytest
from django.test import Client
from wagtail.models import APIToken

from tests.conftest import free_port
from tests.integration.live_client import LiveClient
from tests.projects import factories as f

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(postgres):
    w = type("World", (), {})()
    w.staff = f.user("staff", "staff")
    w.helper = f.user("helper", "helper")
    dept = f.department()
    w.officer = f.officer(dept, "officer")
    items = [f.item(dept, f"ITEM{i}") for i in range(6)]
    w.project = f.project(w.staff, f.enterprise([]), items, lead=w.helper)
    w.approvals = list(w.project.approvals.order_by("id"))
    w.stream = f"project:{w.project.pk}"
    w.token = APIToken.create_token(user=w.officer, name="it")[1]
    return w


def sessions(user, n):
    keys = []
    for _ in range(n):
        client = Client()
        client.force_login(user)
        keys.append(client.cookies["sessionid"].value)
    return keys


def transition(server_url, token, approval_id, action) -> int:
    request = urllib.request.Request(
        f"{server_url}/api/v1/approvals/{approval_id}/transitions",
        data=json.dumps({"action": action}).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        return response.status


async def wait_for(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.1)
    return condition()


def test_a_change_made_through_process_a_reaches_a_client_on_process_b(
    world, redis_url, start_daphne
):
    env = {
        "REDIS_URL": redis_url,
        "CHANNEL_LAYER_PREFIX": f"it-{uuid.uuid4().hex[:8]}",
        "LIVE_POLL_SECONDS": "30",
    }  # slow poller: delivery must come through Redis
    a = start_daphne(free_port(), **env)
    b = start_daphne(free_port(), **env)
    keys = sessions(world.helper, 3)

    async def scenario():
        clients = [LiveClient(b.url, key) for key in keys]
        for client in clients:
            await client.start()
        started = time.monotonic()
        status = await asyncio.to_thread(
            transition, a.url, world.token, world.approvals[0].pk, "receive"
        )
        assert status == 200
        assert await wait_for(lambda: all(c.seqs(world.stream) for c in clients), 10)
        elapsed = time.monotonic() - started
        for client in clients:
            await client.stop()
        return clients, elapsed

    clients, elapsed = asyncio.run(scenario())
    for client in clients:
        assert client.seqs(world.stream) == [2]
    assert elapsed < 10


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of the test's own on a spare loopback port (never the shared one)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed")
    port = free_port()

    class Server:
        url = f"redis://127.0.0.1:{port}/0"
        proc = None

        def start(self):
            self.proc = subprocess.Popen(
                [
                    binary,
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(tmp_path),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 10
            import redis

            while time.monotonic() < deadline:
                try:
                    redis.Redis(host="127.0.0.1", port=port, socket_timeout=0.5).ping()
                    return
                except Exception:
                    time.sleep(0.1)
            raise TimeoutError("redis-server did not start")

        def stop(self):
            if self.proc and self.proc.poll() is None:
                self.proc.terminate()
                self.proc.wait(timeout=10)

    server = Server()
    server.start()
    yield server
    server.stop()


def test_a_redis_outage_loses_nothing(world, own_redis, start_daphne, redis_url):
    env = {"REDIS_URL": own_redis.url, "LIVE_POLL_SECONDS": "1", "LIVE_REDIS_WATCH_SECONDS": "0.5"}
    a = start_daphne(free_port(), **env)
    b = start_daphne(free_port(), **env)
    keys = sessions(world.helper, 4)
    actions = ["receive", "accept", "approve"]

    async def scenario():
        clients = [LiveClient(a.url if i % 2 else b.url, key) for i, key in enumerate(keys)]
        for client in clients:
            await client.start()
        statuses = []
        # Before the outage.
        statuses.append(
            await asyncio.to_thread(
                transition, a.url, world.token, world.approvals[0].pk, "receive"
            )
        )
        own_redis.stop()
        # During it: the changes commit and answer normally.
        for approval in world.approvals[1:4]:
            for action in actions:
                statuses.append(
                    await asyncio.to_thread(transition, a.url, world.token, approval.pk, action)
                )
        await asyncio.sleep(2)
        own_redis.start()
        # After it: more changes, through the other process.
        for approval in world.approvals[4:]:
            for action in actions:
                statuses.append(
                    await asyncio.to_thread(transition, b.url, world.token, approval.pk, action)
                )
        expected = list(range(2, 2 + len(statuses)))
        done = await wait_for(
            lambda: all(sorted(set(c.seqs(world.stream))) == expected for c in clients), 30
        )
        for client in clients:
            await client.stop()
        return clients, statuses, expected, done

    clients, statuses, expected, done = asyncio.run(scenario())
    assert statuses == [200] * len(statuses)
    assert done, [c.seqs(world.stream) for c in clients]
    for client in clients:
        got = client.seqs(world.stream)
        assert sorted(got) == expected, "every event"
        assert len(got) == len(set(got)), "none twice"
        assert got == sorted(got), "in order"
    # The restart was noticed: the clients were asked to reconnect and resumed.
    assert all(c.connections >= 2 for c in clients)
