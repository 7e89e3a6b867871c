"""Who belongs to a department or an enterprise: the membership services, their events, and
the sockets that follow them."""

import pytest
from asgiref.sync import sync_to_async

from portal.errors import InvalidInput, NotVisible, PermissionRefused, TransitionRefused
from portal.models import Event, User
from portal.streams import event_label, event_subject, event_type
from projects.permissions import can_view_project
from projects.selectors import department_queue
from projects.services import (
    approval_transition,
    comment_add,
    department_officer_add,
    department_officer_remove,
    enterprise_user_add,
    enterprise_user_remove,
)
from tests.projects import factories as f
from tests.projects.conftest import at
from tests.websockets import open_socket


def fresh(user) -> User:
    """The user as stored now (permission caches live on the instance)."""
    return User.objects.get(pk=user.pk)


def last_event(user) -> Event:
    return Event.objects.filter(stream=f"user:{user.pk}").order_by("seq").last()


def test_an_officer_added_to_a_department_gets_its_queue_and_an_event(
    world, django_capture_on_commit_callbacks
):
    own_land = world.approval(world.own, "LAND")
    assert own_land not in department_queue(world.water_officer, state="not_applied")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        department_officer_add(
            actor=world.staff,
            department_id=world.planning.pk,
            user_id=world.water_officer.pk,
            now=at(2026, 11, 3),
        )
    assert callbacks, "the live signal goes out after commit"
    officer = fresh(world.water_officer)
    assert own_land in department_queue(officer, state="not_applied")
    assert can_view_project(officer, world.own)
    event = last_event(officer)
    assert (event.event, event.actor, event.data["department"]["id"]) == (
        "department.officer_added",
        world.staff,
        world.planning.pk,
    )
    assert event_label(event.event) == "added you to a department"
    assert event_subject(event.event, event.data) == "Planning bureau"
    assert event_type(event.event).changes_access

    department_officer_remove(
        actor=world.staff, department_id=world.planning.pk, user_id=officer.pk
    )
    officer = fresh(officer)
    assert own_land not in department_queue(officer, state="not_applied")
    assert not can_view_project(officer, world.own)
    assert last_event(officer).event == "department.officer_removed"
    assert event_type("department.officer_removed").changes_access


def test_an_enterprise_user_added_sees_the_enterprises_projects(world):
    newcomer = f.user("newcomer", "enterprise")
    enterprise = world.own.enterprise
    enterprise_user_add(actor=world.staff, enterprise_id=enterprise.pk, user_id=newcomer.pk)
    assert can_view_project(fresh(newcomer), world.own)
    assert last_event(newcomer).event == "enterprise.user_added"
    assert last_event(newcomer).data["enterprise"]["name"] == "玻璃公司"
    assert event_type("enterprise.user_added").changes_access

    enterprise_user_remove(actor=world.staff, enterprise_id=enterprise.pk, user_id=newcomer.pk)
    assert not can_view_project(fresh(newcomer), world.own)
    assert last_event(newcomer).event == "enterprise.user_removed"
    assert event_label("enterprise.user_removed") == "removed you from an enterprise"


@pytest.mark.parametrize("role", ["helper", "officer", "enterprise"])
def test_only_staff_change_membership(world, role):
    actor = getattr(world, role)
    calls = [
        (department_officer_add, "department_id", world.planning.pk, world.water_officer),
        (department_officer_remove, "department_id", world.planning.pk, world.officer),
        (enterprise_user_add, "enterprise_id", world.own.enterprise_id, world.enterprise2),
        (enterprise_user_remove, "enterprise_id", world.own.enterprise_id, world.enterprise),
    ]
    for service, key, object_id, user in calls:
        with pytest.raises(PermissionRefused, match="Only bureau staff"):
            service(actor=actor, user_id=user.pk, **{key: object_id})
    assert fresh(world.officer).departments.filter(pk=world.planning.pk).exists()
    assert not fresh(world.water_officer).departments.filter(pk=world.planning.pk).exists()
    assert not fresh(world.enterprise2).enterprises.filter(pk=world.own.enterprise_id).exists()
    assert not Event.objects.filter(event__startswith="department.").exists()
    assert not Event.objects.filter(event__in=["enterprise.user_added", "enterprise.user_removed"])


def test_a_member_needs_the_role(world):
    with pytest.raises(InvalidInput, match="not a department officer"):
        department_officer_add(
            actor=world.staff, department_id=world.planning.pk, user_id=world.helper.pk
        )
    with pytest.raises(InvalidInput, match="not an enterprise user"):
        enterprise_user_add(
            actor=world.staff, enterprise_id=world.own.enterprise_id, user_id=world.officer.pk
        )
    assert not world.planning.officers.filter(pk=world.helper.pk).exists()
    assert not Event.objects.filter(event__in=["department.officer_added", "enterprise.user_added"])


def test_adding_twice_or_removing_a_stranger_says_so(world):
    with pytest.raises(TransitionRefused, match="already an officer"):
        department_officer_add(
            actor=world.staff, department_id=world.planning.pk, user_id=world.officer.pk
        )
    with pytest.raises(TransitionRefused, match="is not a user of"):
        enterprise_user_remove(
            actor=world.staff, enterprise_id=world.own.enterprise_id, user_id=world.enterprise2.pk
        )
    with pytest.raises(NotVisible):
        department_officer_add(actor=world.staff, department_id=999_999, user_id=world.officer.pk)


# --- open sockets follow -----------------------------------------------------------------------


async def next_event(ws, timeout=5.0):
    while True:
        message = await ws.receive_json_from(timeout=timeout)
        if message["type"] in ("event", "resync"):
            return message


@pytest.mark.django_db(transaction=True)
async def test_an_open_socket_follows_the_officers_departments(settings):
    settings.ALLOWED_HOSTS = ["portal.test"]
    settings.LIVE_POLL_SECONDS = 0.2

    def setup():
        staff = f.user("staff", "staff")
        planning, water = f.department(), f.department()
        officer = f.officer(planning, "officer")
        newcomer = f.officer(water, "newcomer")
        item = f.item(planning, "LAND")
        project = f.project(staff, f.enterprise(), [item])
        return staff, planning, officer, newcomer, project.approvals.get(), project

    staff, planning, officer, newcomer, approval, project = await sync_to_async(setup)()
    act = sync_to_async(approval_transition)
    comment = sync_to_async(comment_add)
    ws = await open_socket(newcomer)
    await ws.send_json_to({"type": "resume", "after": {}})
    # Not theirs yet: nothing arrives, and the socket remembers that it may not read it.
    await act(actor=officer, approval_id=approval.pk, action="receive")
    assert await ws.receive_nothing(timeout=0.8, interval=0.05)

    await sync_to_async(department_officer_add)(
        actor=staff, department_id=planning.pk, user_id=newcomer.pk
    )
    got = await next_event(ws)
    assert (got["stream"], got["event"]) == (f"user:{newcomer.pk}", "department.officer_added")
    await act(actor=officer, approval_id=approval.pk, action="accept")
    # Access is decided afresh: the project's events since connection arrive, in order.
    got = [await next_event(ws), await next_event(ws)]
    assert [(e["stream"], e["event"]) for e in got] == [
        (f"project:{project.pk}", "approval.received"),
        (f"project:{project.pk}", "approval.accepted"),
    ]

    await sync_to_async(department_officer_remove)(
        actor=staff, department_id=planning.pk, user_id=newcomer.pk
    )
    got = await next_event(ws)
    assert got["event"] == "department.officer_removed"
    await comment(actor=officer, project_id=project.pk, body="材料已收到")
    got = await next_event(ws)
    assert got == {"type": "resync", "stream": f"project:{project.pk}"}
    assert await ws.receive_nothing(timeout=0.6, interval=0.05)
    await ws.disconnect()
