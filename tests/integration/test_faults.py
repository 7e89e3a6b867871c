"""Faults of the live layer and the worker: 0 committed events lost, 0 notifications duplicated.

- daphne killed (SIGKILL) mid-stream and restarted on its port while changes keep committing;
- Redis stopped and restarted with a new run_id (groups lost): test_live_processes.py,
  `test_a_redis_outage_loses_nothing`;
- the `db_worker` killed (SIGKILL) in the middle of a task that emails people, and restarted.
"""

import asyncio
import email
import email.policy
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db.models import Max
from django_tasks_db.models import DBTaskResult

from portal.models import Event, Notification
from projects.notifications import recipients_for
from projects.services import approval_transition
from tests.conftest import free_port
from tests.integration.live_client import (
    LiveClient,
    exactly_once_in_order,
    sessions,
    transition,
    wait_for,
)
from tests.integration.slow_mail import sending_marker
from tests.projects import factories as f
from tests.servers import ROOT, database_env_of_test_db

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ACTIONS = ("receive", "accept", "approve")


def last_seqs(streams) -> dict[str, int]:
    found = dict(
        Event.objects.filter(stream__in=streams)
        .values_list("stream")
        .annotate(last=Max("seq"))
        .values_list("stream", "last")
    )
    return {stream: found.get(stream, 0) for stream in streams}


# --- daphne killed --------------------------------------------------------------------------------


def test_daphne_killed_mid_stream_and_restarted_on_its_port_loses_and_repeats_nothing(
    world, own_redis, start_daphne, redis_url
):
    dept = world.approvals[0].department
    second = f.project(
        world.staff,
        f.enterprise([]),
        [f.item(dept, f"SECOND{i}") for i in range(3)],
        lead=world.helper,
    )
    projects = [world.project, second]
    streams = [f"project:{p.pk}" for p in projects] + [f"project:{p.pk}:internal" for p in projects]
    approvals = [a for p in projects for a in p.approvals.order_by("id")]
    # Round by round, so every approval goes receive -> accept -> approve: 27 changes.
    steps = [(approval.pk, action) for action in ACTIONS for approval in approvals]

    env = {"REDIS_URL": own_redis.url, "LIVE_POLL_SECONDS": "1", "LIVE_REDIS_WATCH_SECONDS": "0.5"}
    port_a = free_port()
    a = start_daphne(port_a, **env)
    b = start_daphne(free_port(), **env)
    keys = sessions(world.helper, 6)
    before = last_seqs(streams)

    async def scenario():
        # Each browser shows both projects: it resumes from the seqs its page was rendered at.
        clients = [
            LiveClient(a.url if i % 2 == 0 else b.url, key, cursors=before)
            for i, key in enumerate(keys)
        ]
        for client in clients:
            await client.start()
        a_up = asyncio.Event()
        a_up.set()
        done = 0
        at_a = 0  # requests to A not answered yet: A is killed between requests, not in one
        statuses = []

        async def produce():
            nonlocal done, at_a
            for i, (approval_id, action) in enumerate(steps):
                if i == 20:
                    await asyncio.wait_for(a_up.wait(), 60)  # some go through the new A
                server = a if a_up.is_set() and i % 2 == 0 else b
                at_a += server is a
                try:
                    statuses.append(
                        await asyncio.to_thread(
                            transition, server.url, world.token, approval_id, action
                        )
                    )
                finally:
                    at_a -= server is a
                done += 1
                await asyncio.sleep(0.05)

        async def break_a():
            nonlocal a
            while done < 6:
                await asyncio.sleep(0.01)
            a_up.clear()
            while at_a:
                await asyncio.sleep(0.001)
            os.killpg(a.proc.pid, signal.SIGKILL)  # no goodbye to its sockets, nor to Redis
            a.proc.wait(timeout=10)
            while done < 12:  # changes keep committing through B while A is down
                await asyncio.sleep(0.01)
            a = await asyncio.to_thread(start_daphne, port_a, **env)
            a_up.set()

        started = time.monotonic()
        await asyncio.gather(produce(), break_a())
        expected = {
            stream: list(range(before[stream] + 1, last + 1))
            for stream, last in (await asyncio.to_thread(last_seqs, streams)).items()
        }
        readable = [s for s in streams if any(c.seqs(s) for c in clients)]
        complete = await wait_for(
            lambda: all(set(c.seqs(s)) >= set(expected[s]) for c in clients for s in readable),
            30,
        )
        await asyncio.sleep(1.5)  # a poll more: anything sent twice would have arrived
        for client in clients:
            await client.stop()
        return clients, statuses, expected, readable, complete, time.monotonic() - started

    clients, statuses, expected, readable, complete, elapsed = asyncio.run(scenario())
    assert statuses == [200] * len(steps)
    assert [f"project:{p.pk}" for p in projects] == [s for s in readable if "internal" not in s]
    assert all(expected[s] for s in readable)
    problems = [
        p for c in clients for s in readable for p in exactly_once_in_order(c, s, expected[s])
    ]
    assert complete and problems == [], problems
    # The clients of A lost their connection, came back to the new A and resumed.
    assert all(c.connections >= 2 for c in clients[0::2])
    assert all(c.connections == 1 for c in clients[1::2])
    assert elapsed < 60


# --- the worker killed ----------------------------------------------------------------------------


class WorkerProcess:
    """A real `manage.py db_worker` on the test database, emailing into files slowly."""

    def __init__(self, log: Path, env: dict):
        self.log = log
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--interval",
                "0.1",
                "--no-startup-delay",
                "--no-reload",
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)


@pytest.fixture
def start_worker(tmp_path):
    workers: list[WorkerProcess] = []
    outbox = tmp_path / "outbox"
    outbox.mkdir()

    def start() -> WorkerProcess:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.integration.worker_settings",
            **database_env_of_test_db(),
            "EMAIL_FILE_PATH": str(outbox),
            "SLOW_MAIL_SECONDS": "0.25",
            "LOG_LEVEL": "WARNING",
        }
        worker = WorkerProcess(tmp_path / "worker.log", env)
        workers.append(worker)
        return worker

    start.outbox = outbox
    yield start
    for worker in workers:
        worker.kill()


def sent_emails(outbox: Path) -> list[tuple[str, str]]:
    """(To, Subject) of every message the file backend wrote: one file a message."""
    found = []
    for path in sorted(outbox.iterdir()):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                message = email.message_from_bytes(chunk, policy=email.policy.default)
                found.append((str(message["To"]), str(message["Subject"])))
    return found


def kill_while_sending(worker, outbox: Path, timeout: float = 10) -> None:
    """Kill the worker while its mail server is still taking a message (set off under 0.1 s
    ago, of 0.25 s): its previous messages are sent and marked. A kill between a message's
    send and its mark would send that one again, as `deliver` says."""

    def fresh() -> bool:
        try:
            return time.time() - float(sending_marker(outbox).read_text()) < 0.1
        except (FileNotFoundError, ValueError):
            return False

    assert wait_until(fresh, timeout, step=0.005), "the worker was sending nothing"
    worker.kill()


def wait_until(condition, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def test_a_worker_killed_mid_task_emails_everyone_exactly_once(world, start_worker):
    people = [f.user(f"ent{i}", "enterprise", email=f"ent{i}@example.cn") for i in range(5)]
    world.project.enterprise.users.set(people)
    world.helper.email = "helper@example.cn"
    world.helper.save()
    decisions = {  # each sends one email to the 5 enterprise users and the lead helper
        0: ("approve", {}),
        1: ("request_supplement", {"reason": "盖章不清晰", "missing_materials": ["申请表"]}),
        2: ("approve", {}),
        3: ("reject", {"reason": "不符合控规"}),
        4: ("approve", {}),
        5: ("request_supplement", {"reason": "缺页", "missing_materials": ["申请表"]}),
    }
    for i, approval in enumerate(world.approvals):
        # Names no subject confuses: one is never part of another.
        approval.item.name = f"事项《{'甲乙丙丁戊己'[i]}》"
        approval.item.name_en = f"Item <{'ABCDEF'[i]}>"
        approval.item.save()
        for action in ("receive", "accept"):
            approval_transition(actor=world.officer, approval_id=approval.pk, action=action)

    def decide(*indexes):
        for i in indexes:
            action, arguments = decisions[i]
            approval_transition(
                actor=world.officer, approval_id=world.approvals[i].pk, action=action, **arguments
            )

    def running_notification() -> bool:
        return DBTaskResult.objects.filter(
            status="RUNNING", task_path="portal.notifications.deliver_notifications"
        ).exists()

    outbox = start_worker.outbox
    started = time.monotonic()
    worker = start_worker()
    decide(0, 1, 2)
    # Killed in the middle of its second task: 6 emails of the first, some of the second.
    assert wait_until(lambda: len(sent_emails(outbox)) >= 8, 30), worker.log.read_text()[-3000:]
    kill_while_sending(worker, outbox)
    first_kill = len(sent_emails(outbox))
    assert running_notification(), "the worker died in the middle of a task"
    assert first_kill % 6, "the worker died between two emails of one task"

    worker = start_worker()
    decide(3, 4)  # changes go on committing meanwhile
    assert wait_until(lambda: len(sent_emails(outbox)) >= first_kill + 9, 30)
    kill_while_sending(worker, outbox)
    assert running_notification()

    worker = start_worker()
    time.sleep(1.5)  # longer than the grace the worker gives a task to take its lock
    decide(5)

    events = list(
        Event.objects.filter(
            event__in=[
                "approval.approved",
                "approval.rejected",
                "approval.supplement_requested",
            ],
            data__approval_id__in=[a.pk for a in world.approvals],
        )
    )
    assert len(events) == 6
    expected = Counter()
    subjects_by_event = {}
    for event in events:
        approval = world.approvals[[a.pk for a in world.approvals].index(event.data["approval_id"])]
        for person in recipients_for(approval, enterprise=True, lead_helper=True):
            expected[(person.email, event.pk)] += 1
        subjects_by_event[event.pk] = approval
    assert sum(expected.values()) == 36

    def all_done() -> bool:
        return (
            len(sent_emails(outbox)) >= 36
            and not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists()
        )

    finished = wait_until(all_done, 60, step=0.2)
    time.sleep(1)  # anything left to send twice would be written by now
    sent = Counter(sent_emails(outbox))
    elapsed = time.monotonic() - started
    assert finished, (sent, worker.log.read_text()[-3000:])

    # Each email names its approval item: (To, Subject) is one person and one notification.
    duplicated = {key: n for key, n in sent.items() if n > 1}
    assert duplicated == {}, "no one emailed twice about one change"
    assert len(sent) == 36, "every person emailed about every change"
    per_event = Counter()
    for to, subject in sent:
        matching = [
            event_pk
            for event_pk, approval in subjects_by_event.items()
            if approval.item.name in subject or approval.item.name_en in subject
        ]
        assert len(matching) == 1, subject
        per_event[(to, matching[0])] += 1
    assert per_event == expected
    # Each sent email is recorded on its notification, in the transaction that sent it.
    assert Notification.objects.filter(email_state="sent").count() == 36
    assert not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists()
    assert elapsed < 90
