"""Live updates across real daphne processes and Redis, including a Redis outage."""

import asyncio
import time
import uuid

import pytest

from tests.conftest import free_port
from tests.integration.live_client import (
    LiveClient,
    exactly_once_in_order,
    sessions,
    transition,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


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
        run_id = own_redis.run_id()
        own_redis.stop()
        # During it: the changes commit and answer normally.
        for approval in world.approvals[1:4]:
            for action in actions:
                statuses.append(
                    await asyncio.to_thread(transition, a.url, world.token, approval.pk, action)
                )
        await asyncio.sleep(2)
        own_redis.start()
        # A new server, not a reconnection: its groups and subscriptions are gone.
        assert own_redis.run_id() != run_id
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
    # What each client lacks (and how often it connected), not its whole list: readable when
    # it fails.
    assert done, [
        (sorted(set(expected) - set(c.seqs(world.stream))), c.connections) for c in clients
    ]
    # 0 lost, 0 duplicated, in order, on every client.
    assert [p for c in clients for p in exactly_once_in_order(c, world.stream, expected)] == []
    # The restart was noticed: the clients were asked to reconnect and resumed.
    assert all(c.connections >= 2 for c in clients)
