"""Twenty concurrent transitions on one approval leave a valid state and a gapless seq."""

import random
import threading

import pytest
from django.db import connection, connections

from portal.errors import DomainError
from portal.models import Event
from projects.models import Approval
from projects.services import approval_transition
from projects.transitions import allowed_from
from tests.projects import factories as f

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PAYLOADS = {
    "receive": {},
    "accept": {},
    "request_supplement": {"reason": "补正", "missing_materials": ["申请表"]},
    "supplement": {},
    "approve": {},
    "reject": {"reason": "不符合"},
}


def test_twenty_concurrent_transitions_on_one_approval(postgres):
    staff = f.user("staff", "staff")
    ent_user = f.user("ent", "enterprise")
    dept = f.department()
    item = f.item(dept, "X")
    project = f.project(staff, f.enterprise([ent_user]), [item])
    approval = project.approvals.get()
    stream = f"project:{project.pk}"
    seq_before = Event.objects.filter(stream=stream).count()

    rng = random.Random(7)
    actions = ["receive"] * 4 + [rng.choice(list(PAYLOADS)) for _ in range(16)]
    barrier = threading.Barrier(len(actions))
    outcomes: list[tuple[str, str]] = []
    lock = threading.Lock()

    def worker(action):
        try:
            barrier.wait(timeout=30)
            actor = ent_user if action == "supplement" else staff
            approval_transition(
                actor=type(actor).objects.get(pk=actor.pk),
                approval_id=approval.pk,
                action=action,
                **PAYLOADS[action],
            )
            result = "ok"
        except DomainError as error:
            result = error.code
        except Exception as error:  # noqa: BLE001 - any other error fails the test below
            result = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append((action, result))

    threads = [threading.Thread(target=worker, args=(a,)) for a in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert len(outcomes) == 20
    assert all(r in ("ok", "invalid_state") for _a, r in outcomes), outcomes
    assert sum(1 for a, r in outcomes if a == "receive" and r == "ok") == 1

    connection.close()
    events = list(Event.objects.filter(stream=stream).order_by("seq"))
    seqs = [e.seq for e in events]
    assert seqs == list(range(1, len(seqs) + 1)), "seq must be gapless and unique"
    transitions = events[seq_before:]
    assert len(transitions) == sum(1 for _a, r in outcomes if r == "ok")

    # Replaying the log walks a valid path of the state machine to the stored state.
    state = "pending"
    for event in transitions:
        action = {
            "approval.received": "receive",
            "approval.accepted": "accept",
            "approval.supplement_requested": "request_supplement",
            "approval.supplemented": "supplement",
            "approval.approved": "approve",
            "approval.rejected": "reject",
        }[event.event]
        assert state in allowed_from(action), (state, action)
        state = event.data["status"]
    assert Approval.objects.get(pk=approval.pk).status == state
