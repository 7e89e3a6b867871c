"""Registering projects, assigning helpers, and the working-day calendar as a service."""

from datetime import date

import pytest

from portal.errors import InvalidInput, NotVisible, PermissionRefused
from portal.models import Event
from projects.models import WorkingDay
from projects.permissions import can_view_internal, can_view_project
from projects.selectors import projects_visible_to
from projects.services import (
    approval_transition,
    project_assign_helpers,
    working_day_set,
    working_days_import,
)
from tests.projects import factories as f
from tests.projects.conftest import at

pytestmark = pytest.mark.django_db


def test_registering_brings_prerequisites_and_copies_limits_and_materials(world):
    codes = sorted(world.own.approvals.values_list("item__code", flat=True))
    assert codes == ["BUILD", "LAND", "PLAN"]
    build = world.approval(world.own, "BUILD")
    assert (build.promised_limit_days, build.statutory_limit_days) == (5, 15)
    assert build.department == world.housing
    assert list(build.materials.values_list("name", "key")) == [
        ("申请表", True),
        ("补充说明", False),
    ]
    registered = Event.objects.get(stream=f"project:{world.own.pk}", seq=1)
    assert registered.event == "project.registered"
    assert sorted(registered.data["approvals"]) == ["BUILD", "LAND", "PLAN"]


def test_the_industry_set_is_offered(world):
    extra = f.item(world.planning, "EXTRA")
    industry = f.industry([extra, world.land])
    project = f.project(
        world.helper,
        world.ent_a,
        [],
        lead=world.helper,
        industry=industry,
        use_industry_set=True,
        code=None,  # a helper does not choose the code
    )
    assert sorted(project.approvals.values_list("item__code", flat=True)) == ["EXTRA", "LAND"]


def test_only_staff_and_helpers_register_and_bad_input_is_refused(world):
    with pytest.raises(PermissionRefused):
        f.project(world.officer, world.ent_a, [world.land])
    with pytest.raises(PermissionRefused):
        f.project(world.enterprise, world.ent_a, [world.land])
    with pytest.raises(InvalidInput) as duplicate:
        f.project(world.staff, world.ent_a, [world.land], code="GLASS")
    assert duplicate.value.field == "code"
    with pytest.raises(InvalidInput):
        f.project(world.staff, world.ent_a, [world.land], name="  ")
    with pytest.raises(InvalidInput) as not_helper:
        f.project(world.staff, world.ent_a, [world.land], lead=world.enterprise)
    assert not_helper.value.field == "helpers"


def test_reassigning_grants_and_revokes_at_once_with_events(world):
    assert can_view_project(world.helper, world.own)
    assert not can_view_project(world.helper2, world.own)
    project_assign_helpers(
        actor=world.staff, project_id=world.own.pk, lead_helper=world.helper2, now=at(2026, 11, 3)
    )
    # Fresh user objects: permission caches live on the instance.
    helper = type(world.helper).objects.get(pk=world.helper.pk)
    helper2 = type(world.helper2).objects.get(pk=world.helper2.pk)
    assert not can_view_project(helper, world.own)
    assert can_view_project(helper2, world.own) and can_view_internal(helper2, world.own)
    assert world.own not in projects_visible_to(helper)
    assert [e.event for e in Event.objects.filter(stream=f"user:{helper2.pk}")][-1] == (
        "project.assigned"
    )
    assert Event.objects.filter(stream=f"user:{helper.pk}").last().event == "project.unassigned"
    changed = Event.objects.filter(stream=f"project:{world.own.pk}:internal").last()
    assert changed.event == "project.helpers_changed"
    assert changed.data["lead_helper"] == "helper2"
    # The removed helper may no longer act for the enterprise either.
    land = world.approval(world.own, "LAND")
    with pytest.raises(NotVisible):
        approval_transition(actor=helper, approval_id=land.pk, action="supplement")


def test_others_may_not_assign_helpers(world):
    with pytest.raises(PermissionRefused):
        project_assign_helpers(
            actor=world.officer, project_id=world.own.pk, lead_helper=world.helper2
        )
    with pytest.raises(NotVisible):
        project_assign_helpers(
            actor=world.helper2, project_id=world.own.pk, lead_helper=world.helper2
        )


def test_a_calendar_correction_moves_running_due_dates_with_an_event(world):
    land = world.approval(world.own, "LAND")
    approval_transition(
        actor=world.officer, approval_id=land.pk, action="receive", now=at(2026, 11, 2)
    )
    approval_transition(
        actor=world.officer, approval_id=land.pk, action="accept", now=at(2026, 11, 2)
    )
    land.refresh_from_db()
    assert land.due_date == date(2026, 11, 16)
    with pytest.raises(PermissionRefused):
        working_day_set(actor=world.helper, day=date(2026, 11, 13), is_working=False)
    # Staff close the offices on Fri 13 Nov (e.g. a storm): the due date moves a working day.
    moved = working_day_set(
        actor=world.staff, day=date(2026, 11, 13), is_working=False, name="暴雪停工"
    )
    assert moved == 1
    land.refresh_from_db()
    assert land.due_date == date(2026, 11, 17)
    # The project's stored earliest due date (what the lists sort on) follows the move.
    world.own.refresh_from_db()
    assert world.own.next_due == date(2026, 11, 17)
    event = Event.objects.filter(stream=f"project:{world.own.pk}").last()
    assert event.event == "approval.due_date_changed"
    assert event.data["previous_due_date"] == "2026-11-16"
    assert event.data["due_date"] == "2026-11-17"
    # Undoing it moves it back; an unrelated date moves nothing and writes nothing.
    working_day_set(actor=world.staff, day=date(2026, 11, 13), is_working=True)
    land.refresh_from_db()
    assert land.due_date == date(2026, 11, 16)
    world.own.refresh_from_db()
    assert world.own.next_due == date(2026, 11, 16)
    assert not WorkingDay.objects.filter(date=date(2026, 11, 13)).exists()
    count = Event.objects.count()
    assert working_day_set(actor=world.staff, day=date(2027, 3, 1), is_working=False) == 0
    assert Event.objects.count() == count


def test_importing_a_year_from_the_library_keeps_what_staff_set(world):
    WorkingDay.objects.filter(date__year=2026).delete()
    working_day_set(actor=world.staff, day=date(2026, 10, 1), is_working=True, name="值班")
    added = working_days_import(actor=world.staff, years=[2026])
    assert added > 10
    assert WorkingDay.objects.get(date=date(2026, 10, 1)).is_working  # staff's choice kept
    assert not WorkingDay.objects.get(date=date(2026, 10, 2)).is_working
    assert WorkingDay.objects.get(date=date(2026, 10, 10)).is_working  # make-up Saturday
    assert working_days_import(actor=world.staff, years=[2026]) == 0
    with pytest.raises(PermissionRefused):
        working_days_import(actor=world.officer, years=[2027])
