"""This process's copy of the working-day calendar (projects.clock.WorkingCalendar.current):
clocks read without a query, and a calendar change is seen at once here, by whatever path it
is made, while stored due dates are always computed from the calendar as committed."""

import json
from datetime import date

import pytest
from django.db import transaction

from projects import clock
from projects.clock import WorkingCalendar
from projects.models import WorkingDay
from projects.services import approval_transition, working_day_set, working_days_import
from tests.projects.conftest import at

pytestmark = pytest.mark.django_db

FRIDAY = date(2026, 11, 13)


def test_a_fresh_copy_costs_no_query(django_assert_num_queries, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        WorkingCalendar.current()
    with django_assert_num_queries(0):
        assert WorkingCalendar.current().is_working(FRIDAY)


def test_a_staff_correction_is_seen_at_once(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert WorkingCalendar.current().is_working(FRIDAY)
    with django_capture_on_commit_callbacks(execute=True):
        working_day_set(actor=world.staff, day=FRIDAY, is_working=False, name="暴雪停工")
    assert not WorkingCalendar.current().is_working(FRIDAY)
    with django_capture_on_commit_callbacks(execute=True):
        working_day_set(actor=world.staff, day=FRIDAY, is_working=True)
    assert WorkingCalendar.current().is_working(FRIDAY)


def test_a_row_saved_or_deleted_directly_is_seen_at_once(django_capture_on_commit_callbacks):
    # The back office's calendar screens save and delete the rows themselves.
    with django_capture_on_commit_callbacks(execute=True):
        WorkingCalendar.current()
    with django_capture_on_commit_callbacks(execute=True):
        WorkingDay.objects.create(date=FRIDAY, is_working=False, name="停工")
    assert not WorkingCalendar.current().is_working(FRIDAY)
    with django_capture_on_commit_callbacks(execute=True):
        WorkingDay.objects.get(date=FRIDAY).delete()
    assert WorkingCalendar.current().is_working(FRIDAY)


def test_a_yearly_import_is_seen_at_once(world, django_capture_on_commit_callbacks):
    # bulk_create sends no signal: the import's own reload refreshes the copy when it commits.
    national_day = date(2031, 10, 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert WorkingCalendar.current().is_working(national_day)
    land = world.approval(world.own, "LAND")
    with django_capture_on_commit_callbacks(execute=True):
        approval_transition(actor=world.officer, approval_id=land.pk, action="receive")
        approval_transition(actor=world.officer, approval_id=land.pk, action="accept")
    with django_capture_on_commit_callbacks(execute=True):
        assert working_days_import(actor=world.staff, years=[2031]) > 0
    assert not WorkingCalendar.current().is_working(national_day)


def test_a_rolled_back_change_never_reaches_the_copy(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        WorkingCalendar.current()
    with pytest.raises(RuntimeError), transaction.atomic():
        WorkingDay.objects.create(date=FRIDAY, is_working=False)
        WorkingCalendar.current()  # read inside the doomed transaction
        raise RuntimeError
    assert WorkingCalendar.current().is_working(FRIDAY)


def test_a_change_made_in_another_process_is_seen_within_the_copys_lifetime(
    monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        WorkingCalendar.current()
    # Another process changes the table: no signal here (an UPDATE sends none either).
    WorkingDay.objects.bulk_create([WorkingDay(date=FRIDAY, is_working=False)])
    assert WorkingCalendar.current().is_working(FRIDAY)  # the copy, still fresh
    now = clock.time.monotonic()
    monkeypatch.setattr(clock.time, "monotonic", lambda: now + clock.CALENDAR_COPY_SECONDS + 1)
    assert not WorkingCalendar.current().is_working(FRIDAY)


def test_stored_due_dates_never_come_from_a_stale_copy(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        WorkingCalendar.current()
    # The calendar changes in another process after this one copied it ...
    WorkingDay.objects.bulk_create([WorkingDay(date=FRIDAY, is_working=False)])
    land = world.approval(world.own, "LAND")
    approval_transition(
        actor=world.officer, approval_id=land.pk, action="receive", now=at(2026, 11, 2)
    )
    approval_transition(
        actor=world.officer, approval_id=land.pk, action="accept", now=at(2026, 11, 2)
    )
    land.refresh_from_db()
    # ... and the due date a service stores counts it (16 Nov without the closure).
    assert land.due_date == date(2026, 11, 17)


def test_the_transition_answer_shows_the_approval_as_committed(client, world):
    land = world.approval(world.own, "LAND")
    client.force_login(world.officer)
    url = f"/api/v1/approvals/{land.pk}/transitions"
    first = client.post(url, json.dumps({"action": "receive"}), content_type="application/json")
    assert first.status_code == 200
    response = client.post(url, json.dumps({"action": "accept"}), content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "accepted" and body["id"] == land.pk
    land.refresh_from_db()
    assert body["due_date"] == land.due_date.isoformat()
    assert body["working_days_left"] == land.promised_limit_days
