"""The hub's decisions on who may read a stream (portal.site.live.LiveHub.may_read): shared by
a process's sockets, made again behind the answer before they expire, never used past their
lifetime, and forgotten when the user's rights change."""

import asyncio

import pytest

from portal.site import live

TTL = 60.0


@pytest.fixture
def hub(monkeypatch):
    hub = live.LiveHub()
    hub.answers = {}  # (user id, stream) -> what the "database" says now
    hub.asked = []
    hub.gate = None  # an asyncio.Event that holds decisions back while unset

    hub.batches = []  # (stream, user ids) of each batch asked of the "database"

    async def readers_of(stream, user_ids):
        hub.batches.append((stream, list(user_ids)))
        hub.asked += [(user_id, stream) for user_id in user_ids]
        if hub.gate is not None:
            await hub.gate.wait()
        return {user_id for user_id in user_ids if hub.answers.get((user_id, stream), False)}

    monkeypatch.setattr(live, "_readers_of", readers_of)
    monkeypatch.setattr(live, "BEHIND_BATCH_SECONDS", 0.05)  # a second in production
    return hub


async def settle():
    """Let the batches collected meanwhile be asked (each waits its window first)."""
    await asyncio.sleep(max(live.BATCH_SECONDS, live.BEHIND_BATCH_SECONDS) * 2)


def age(hub, key, seconds):
    """Make a cached decision `seconds` older."""
    allowed, again, expires = hub.readable[key]
    hub.readable[key] = (allowed, again - seconds, expires - seconds)


async def test_one_decision_serves_every_socket_until_it_is_due_again(hub):
    hub.answers[(1, "project:7")] = True
    results = await asyncio.gather(*(hub.may_read(1, "project:7", TTL) for _ in range(50)))
    assert results == [True] * 50
    assert hub.asked == [(1, "project:7")]  # one query for fifty sockets
    allowed, again, expires = hub.readable[(1, "project:7")]
    decided = expires - TTL
    assert 0.4 * TTL <= again - decided <= 0.6 * TTL  # spread, not all at once


async def test_a_decision_due_again_is_answered_at_once_and_renewed_behind(hub):
    key = (1, "project:7")
    hub.answers[key] = True
    await hub.may_read(*key, TTL)
    age(hub, key, 0.7 * TTL)  # due again, not expired
    hub.answers[key] = False  # the rights changed, without a user-stream event
    hub.gate = asyncio.Event()
    assert await hub.may_read(*key, TTL) is True  # the old answer, without waiting
    await settle()
    assert len(hub.asked) == 2  # ... and a new decision under way
    assert await hub.may_read(*key, TTL) is True  # still the old one meanwhile, no second
    await settle()
    assert len(hub.asked) == 2
    hub.gate.set()
    await asyncio.gather(*hub._behind)
    assert await hub.may_read(*key, TTL) is False
    assert len(hub.asked) == 2


async def test_a_decision_is_never_used_past_its_lifetime(hub):
    key = (1, "project:7")
    hub.answers[key] = True
    await hub.may_read(*key, TTL)
    age(hub, key, TTL + 1)
    hub.answers[key] = False
    assert await hub.may_read(*key, TTL) is False  # decided again before answering
    assert len(hub.asked) == 2


async def test_a_change_of_rights_during_a_decision_is_not_overwritten_by_it(hub):
    key = (1, "project:7")
    hub.answers[key] = True
    hub.gate = asyncio.Event()
    pending = asyncio.ensure_future(hub.may_read(*key, TTL))
    await settle()
    hub.forget_user(1)  # e.g. removed from the project while the query ran
    hub.gate.set()
    assert await pending is True  # that caller asked before the change
    assert key not in hub.readable  # but nobody else is answered from it
    hub.answers[key] = False
    hub.gate = None
    assert await hub.may_read(*key, TTL) is False


async def test_forgetting_a_user_forgets_only_theirs(hub):
    for user in (1, 2):
        hub.answers[(user, "project:7")] = True
        await hub.may_read(user, "project:7", TTL)
    hub.forget_user(1)
    assert (1, "project:7") not in hub.readable
    assert (2, "project:7") in hub.readable


async def test_the_sockets_of_many_users_hearing_one_signal_are_decided_in_one_batch(hub):
    """A signal reaches hundreds of sockets at once: their users' access to the stream is
    decided in one batch (a fixed few queries), not once per user; a user asking after the
    batch was asked starts the next one."""
    for user in range(1, 41, 2):
        hub.answers[(user, "project:7")] = True
    results = await asyncio.gather(*(hub.may_read(user, "project:7", TTL) for user in range(1, 41)))
    assert results == [user % 2 == 1 for user in range(1, 41)]
    assert hub.batches == [("project:7", list(range(1, 41)))]
    # Another stream, another batch; a decision already made asks nothing.
    await asyncio.gather(hub.may_read(1, "project:8", TTL), hub.may_read(2, "project:7", TTL))
    assert hub.batches[1:] == [("project:8", [1])]


async def test_decisions_made_again_behind_are_collected_over_a_longer_window(hub):
    """Decisions due again are spread in time on purpose; made again behind an answer that
    still holds, they wait for each other (BEHIND_BATCH_SECONDS) and go in one batch."""
    for user in (1, 2, 3):
        hub.answers[(user, "project:7")] = True
        await hub.may_read(user, "project:7", TTL)
    assert len(hub.batches) == 3  # asked one after the other: three batches
    for user in (1, 2, 3):
        age(hub, (user, "project:7"), 0.7 * TTL)
        assert await hub.may_read(user, "project:7", TTL) is True  # at once, the old answer
        await asyncio.sleep(live.BATCH_SECONDS * 2)  # longer than a waiting socket's batch
    await settle()
    assert hub.batches[3:] == [("project:7", [1, 2, 3])]


async def test_a_failed_batch_fails_its_waiters_and_the_next_one_asks_again(hub, monkeypatch):
    working = live._readers_of  # the fixture's "database"

    async def broken(stream, user_ids):
        raise RuntimeError("database away")

    monkeypatch.setattr(live, "_readers_of", broken)
    results = await asyncio.gather(
        *(hub.may_read(user, "project:7", TTL) for user in (1, 2)), return_exceptions=True
    )
    assert all(isinstance(result, RuntimeError) for result in results)
    assert not hub.readable and not hub._batches and not hub._deciding
    monkeypatch.setattr(live, "_readers_of", working)  # back
    hub.answers[(1, "project:7")] = True
    assert await hub.may_read(1, "project:7", TTL) is True
