"""The demo's service cases: every kind and state, made through the services; seeding twice
adds nothing, and a reset seeds the same cases with the same numbers."""

from django.core.management import call_command

from portal.models import Event
from supervision.demo import CASES, delete_supervision, seed_cases, seed_supervision
from supervision.models import Case


def snapshot():
    return sorted(
        Case.objects.filter(dedupe_key__startswith="demo:").values_list(
            "dedupe_key", "number", "kind", "state", "waiting_since", "reopened"
        )
    )


def test_the_demo_has_cases_of_every_kind_and_state(seeded_demo):
    cases = Case.objects.filter(dedupe_key__startswith="demo:")
    assert cases.count() == len(CASES)
    kinds = set(cases.values_list("kind", flat=True))
    assert {"supervision", "complaint", "request", "hotline"} <= kinds
    # The ratings' demo opens the rectification (PJ) case.
    assert Case.objects.filter(kind="rating").exists()
    assert set(cases.values_list("state", flat=True)) == {
        "opened",
        "dispatched",
        "signed",
        "answered",
        "closed",
    }
    assert cases.filter(waiting_since__isnull=False).exists()
    assert cases.filter(reopened__gt=0).exists()
    assert cases.filter(escalation_level__gt=0).exists()
    assert cases.filter(opener_kind="phone").count() >= 3
    # Every step is on the case's stream, through the services.
    waiting = cases.get(dedupe_key="demo:complaint-waiting")
    assert list(
        Event.objects.filter(stream=f"case:{waiting.pk}")
        .order_by("seq")
        .values_list("event", flat=True)
    ) == ["case.opened", "case.dispatched", "case.signed", "case.asked_opener"]


def test_seeding_twice_and_a_reset_give_the_same_cases(seeded_demo):
    before = snapshot()
    assert before
    assert seed_cases() == 0
    seed_supervision()
    assert snapshot() == before
    delete_supervision()
    assert not Case.objects.filter(dedupe_key__startswith="demo:").exists()
    assert not Event.objects.filter(event="project.case_step").exists()
    call_command("seed_demo", "--password", "x", verbosity=0)
    assert snapshot() == before
