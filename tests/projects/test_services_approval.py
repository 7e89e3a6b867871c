"""Every transition, who may make it, and every refusal."""

from datetime import date

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from portal.errors import InvalidInput, NotVisible, PermissionRefused, TransitionRefused
from portal.models import Event, Notification
from portal.realtime import PROCESSES_GROUP
from projects.models import ApprovalMaterial
from projects.services import approval_transition
from tests.projects.conftest import at

pytestmark = pytest.mark.django_db


def move(actor, approval, action, when=None, **payload):
    return approval_transition(
        actor=actor, approval_id=approval.pk, action=action, now=when or at(2026, 11, 2), **payload
    )


def accepted(w, code="LAND", project=None, when=None):
    approval = w.approval(project or w.own, code)
    move(w.officer, approval, "receive", when)
    return move(w.officer, approval, "accept", when)


def test_the_single_window_receives_and_the_officer_accepts(world):
    land = world.approval(world.own, "LAND")
    received = move(world.officer, land, "receive")
    assert received.status == "received" and received.received_at == at(2026, 11, 2)
    ok = move(world.officer, land, "accept", at(2026, 9, 28))
    assert ok.status == "accepted"
    assert ok.accepted_on == date(2026, 9, 28)
    # 10 working days from Mon 28 Sep across the National Day holiday and the make-up
    # Saturday 10 Oct: 29, 30 Sep, 8, 9, 10, 12, 13, 14, 15, 16 Oct.
    assert ok.due_date == date(2026, 10, 16)
    assert set(ok.materials.values_list("state", flat=True)) == {"provided"}


def test_staff_may_make_every_department_transition(world):
    land = world.approval(world.own, "LAND")
    for action in ("receive", "accept", "approve"):
        move(world.staff, land, action)
    land.refresh_from_db()
    assert land.status == "approved"


@pytest.mark.parametrize("who", ["helper", "enterprise", "housing_officer"])
def test_those_who_see_but_may_not_act_get_permission_refused(world, who):
    with pytest.raises(PermissionRefused):
        move(getattr(world, who), world.approval(world.own, "LAND"), "receive")


@pytest.mark.parametrize("who", ["enterprise2", "helper2", "water_officer"])
def test_those_who_may_not_see_get_not_visible(world, who):
    with pytest.raises(NotVisible):
        move(getattr(world, who), world.approval(world.own, "LAND"), "receive")


def test_a_missing_approval_is_not_visible_either(world):
    from projects.services import approval_receive

    with pytest.raises(NotVisible):
        approval_receive(actor=world.staff, approval_id=999_999)


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("accept", "pending"),
        ("approve", "pending"),
        ("reject", "pending"),
        ("supplement", "pending"),
        ("request_supplement", "pending"),
    ],
)
def test_a_transition_from_the_wrong_state_says_why(world, action, status):
    from projects.transitions import TRANSITIONS

    approval = world.approval(world.own, "LAND")
    given = {"reason": "r", "missing_materials": ["申请表"]}
    arguments = {k: v for k, v in given.items() if k in TRANSITIONS[action].argument_names}
    with pytest.raises(TransitionRefused) as refused:
        move(world.staff, approval, action, **arguments)
    assert refused.value.code == "invalid_state"
    assert "pending" in str(refused.value.message)


def test_an_argument_the_action_does_not_take_is_refused_not_dropped(world):
    approval = world.approval(world.own, "LAND")
    with pytest.raises(InvalidInput) as refused:
        move(world.staff, approval, "receive", conditions="only on Mondays")
    assert refused.value.field == "conditions"
    approval.refresh_from_db()
    assert approval.status == "pending"


def test_accept_now_supplement_later_with_non_key_materials(world):
    land = world.approval(world.own, "LAND")
    move(world.officer, land, "receive")
    ok = move(
        world.officer,
        land,
        "accept",
        missing_materials=["Supplementary note"],
        materials_due=date(2026, 11, 20),
    )
    missing = ok.materials.get(name="补充说明")
    assert (missing.state, missing.due) == ("missing", date(2026, 11, 20))
    assert ok.materials.get(name="申请表").state == "provided"
    assert ok.materials_due == date(2026, 11, 20)


def test_accept_is_refused_when_a_key_material_is_missing_and_names_it(world):
    land = world.approval(world.own, "LAND")
    move(world.officer, land, "receive")
    with pytest.raises(TransitionRefused) as refused:
        move(world.officer, land, "accept", missing_materials=["申请表"], materials_due=None)
    assert refused.value.code == "key_materials_missing"
    assert "Application form" in str(refused.value.message)
    land.refresh_from_db()
    assert land.status == "received"


def test_accept_with_missing_materials_needs_a_future_date(world):
    land = world.approval(world.own, "LAND")
    move(world.officer, land, "receive")
    with pytest.raises(InvalidInput) as no_date:
        move(world.officer, land, "accept", missing_materials=["补充说明"])
    assert no_date.value.field == "materials_due"
    with pytest.raises(InvalidInput):
        move(
            world.officer,
            land,
            "accept",
            missing_materials=["补充说明"],
            materials_due=date(2026, 11, 1),
        )
    with pytest.raises(InvalidInput) as unknown:
        move(world.officer, land, "accept", missing_materials=["no such thing"])
    assert "no such thing" in str(unknown.value.message)


def test_accept_is_refused_until_prerequisites_are_approved_and_names_them(world):
    plan = world.approval(world.own, "PLAN")
    move(world.officer, plan, "receive")
    with pytest.raises(TransitionRefused) as refused:
        move(world.officer, plan, "accept")
    assert refused.value.code == "prerequisites_not_approved"
    assert "LAND" in str(refused.value.message)
    land = accepted(world)
    move(world.officer, land, "approve")
    assert move(world.officer, plan, "accept").status == "accepted"


def test_supplement_request_pauses_and_the_answer_restarts_the_clock(world):
    land = accepted(world, when=at(2026, 11, 2))
    assert land.due_date == date(2026, 11, 16)
    with pytest.raises(InvalidInput) as no_reason:
        move(world.officer, land, "request_supplement", at(2026, 11, 5), missing_materials=[1])
    assert no_reason.value.field == "reason"
    with pytest.raises(InvalidInput):
        move(world.officer, land, "request_supplement", at(2026, 11, 5), reason="why")
    paused = move(
        world.officer,
        land,
        "request_supplement",
        at(2026, 11, 5),
        reason="盖章不清晰",
        missing_materials=["申请表"],
        materials_due=date(2026, 11, 12),
    )
    assert (paused.status, paused.due_date, paused.paused_since) == (
        "supplement_requested",
        None,
        date(2026, 11, 5),
    )
    assert paused.materials.get(name="申请表").state == "requested"
    # Officers do not answer for the enterprise.
    with pytest.raises(PermissionRefused):
        move(world.officer, land, "supplement", at(2026, 11, 11))
    resumed = move(world.enterprise, land, "supplement", at(2026, 11, 11))
    assert resumed.status == "accepted"
    assert resumed.due_date == date(2026, 11, 20)
    assert resumed.paused_working_days == 4
    assert resumed.materials.get(name="申请表").state == "provided"


def test_a_helper_may_supplement_on_behalf_of_the_enterprise(world):
    land = accepted(world)
    move(world.officer, land, "request_supplement", reason="r", missing_materials=["申请表"])
    assert move(world.helper, land, "supplement").status == "accepted"


def test_approve_with_conditions_and_reject_with_a_reason(world):
    land = accepted(world)
    approved = move(world.officer, land, "approve", conditions="  须于开工前报备  ")
    assert (approved.status, approved.conditions) == ("approved", "须于开工前报备")
    assert approved.decided_on == date(2026, 11, 2)
    plan = world.approval(world.own, "PLAN")
    move(world.officer, plan, "receive")
    with pytest.raises(InvalidInput):
        move(world.officer, plan, "reject", reason="   ")
    rejected = move(world.officer, plan, "reject", reason="不符合规划")
    assert (rejected.status, rejected.reason) == ("rejected", "不符合规划")
    with pytest.raises(TransitionRefused):
        move(world.officer, plan, "approve")


def test_the_enterprise_withdraws_an_open_application_and_helpers_may_not(world):
    land = accepted(world)
    with pytest.raises(PermissionRefused):
        move(world.helper, land, "withdraw", reason="r")
    with pytest.raises(InvalidInput):
        move(world.enterprise, land, "withdraw", reason="")
    done = move(world.enterprise, land, "withdraw", reason="项目调整")
    assert done.status == "withdrawn"
    with pytest.raises(TransitionRefused):
        move(world.enterprise, land, "withdraw", reason="again")


def test_withdrawing_while_paused_closes_the_pause(world):
    land = accepted(world, when=at(2026, 11, 2))
    move(
        world.officer,
        land,
        "request_supplement",
        at(2026, 11, 5),
        reason="r",
        missing_materials=["申请表"],
    )
    done = move(world.enterprise, land, "withdraw", at(2026, 11, 9), reason="不做了")
    assert done.paused_since is None
    assert not done.pauses.filter(resumed_on__isnull=True).exists()


def test_unknown_action_is_invalid_input(world):
    with pytest.raises(InvalidInput) as bad:
        move(world.staff, world.approval(world.own, "LAND"), "teleport")
    assert bad.value.field == "action"


def test_catalogue_edits_never_move_a_running_clock(world):
    land = accepted(world, when=at(2026, 11, 2))
    item = land.item
    item.promised_limit_days = 1
    item.statutory_limit_days = 2
    item.save()
    item.materials.create(name="新材料", key=True, position=9)
    land.refresh_from_db()
    assert (land.promised_limit_days, land.due_date) == (10, date(2026, 11, 16))
    assert not land.materials.filter(name="新材料").exists()
    move(
        world.officer,
        land,
        "request_supplement",
        at(2026, 11, 5),
        reason="r",
        missing_materials=["申请表"],
    )
    assert move(world.enterprise, land, "supplement", at(2026, 11, 11)).due_date == date(
        2026, 11, 20
    )


# --- events ---------------------------------------------------------------------------------


def listen(group: str) -> tuple[str, str]:
    """Listen as a process does (portal/site/live.py), for the signals to `group`."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(PROCESSES_GROUP, channel)
    return channel, group


def received(listening: tuple[str, str]) -> list[dict]:
    import asyncio

    channel, group = listening
    layer = get_channel_layer()
    messages = []

    async def drain():
        while True:
            try:
                messages.append(await asyncio.wait_for(layer.receive(channel), 0.2))
            except TimeoutError:
                return

    async_to_sync(drain)()
    return [message for message in messages if group in message["groups"]]


@pytest.mark.parametrize(
    ("steps", "event"),
    [
        ([("receive", {})], "approval.received"),
        ([("receive", {}), ("accept", {})], "approval.accepted"),
        (
            [
                ("receive", {}),
                ("accept", {}),
                ("request_supplement", {"reason": "r", "missing_materials": ["申请表"]}),
            ],
            "approval.supplement_requested",
        ),
        (
            [
                ("receive", {}),
                ("accept", {}),
                ("request_supplement", {"reason": "r", "missing_materials": ["申请表"]}),
                ("supplement", {}),
            ],
            "approval.supplemented",
        ),
        ([("receive", {}), ("accept", {}), ("approve", {})], "approval.approved"),
        ([("receive", {}), ("reject", {"reason": "r"})], "approval.rejected"),
        ([("withdraw", {"reason": "r"})], "approval.withdrawn"),
    ],
)
def test_each_service_writes_one_event_on_the_project_stream_and_signals_after_commit(
    world, django_capture_on_commit_callbacks, steps, event
):
    land = world.approval(world.own, "LAND")
    for action, payload in steps[:-1]:
        move(world.staff, land, action, **payload)
    stream = f"project:{world.own.pk}"
    before = Event.objects.filter(stream=stream).count()
    channel = listen("role.staff")
    action, payload = steps[-1]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        move(world.staff, land, action, **payload)
        assert received(channel) == []  # nothing before commit
    # The live signal (and the jobs that follow a change) wait for the commit.
    assert callbacks
    rows = list(Event.objects.filter(stream=stream).order_by("seq")[before:])
    assert [r.event for r in rows] == [event]
    # The events that tell people write their notifications in the same transaction.
    told = event in ("approval.supplement_requested", "approval.approved", "approval.rejected")
    assert Notification.objects.filter(event=rows[0]).exists() == told
    assert rows[0].seq == before + 1
    assert rows[0].data["approval_id"] == land.pk
    signals = received(channel)
    assert [s["event"]["event"] for s in signals] == [event]
    assert signals[0]["event"]["seq"] == rows[0].seq


def test_nothing_is_written_or_sent_for_a_rolled_back_change(
    world, django_capture_on_commit_callbacks
):
    land = world.approval(world.own, "LAND")
    channel = listen("role.staff")
    count = Event.objects.count()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        move(world.staff, land, "receive")
        raise RuntimeError("something later in the same request failed")
    assert callbacks == []
    assert Event.objects.count() == count
    land.refresh_from_db()
    assert land.status == "pending"
    assert received(channel) == []


def test_a_refused_transition_writes_nothing(world):
    count = Event.objects.count()
    with pytest.raises(TransitionRefused):
        move(world.staff, world.approval(world.own, "LAND"), "approve")
    assert Event.objects.count() == count
    assert not ApprovalMaterial.objects.filter(state="missing").exists()
