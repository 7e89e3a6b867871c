"""A small district for the sweep, the ladder and the board, on the 2026 calendar.

2026: Mid-Autumn Festival Fri 25 Sep; National Day holiday Thu 1 Oct to Wed 7 Oct;
make-up working days Sun 20 Sep and Sat 10 Oct (调休). Approvals (promised limits in working
days, counted from the day after acceptance):
- `late` (project GLASS, planning, item LAND, 5 days) accepted Mon 21 Sep: 22, 23, 24, 28,
  29 Sep, due Tue 29 Sep; yellow on Thu 24 Sep (28 and 29 Sep left), red on Wed 30 Sep.
- `holiday` (project GLASS, housing, item BUILD, 5 days) accepted Mon 28 Sep: due Sat 10 Oct,
  the make-up day; yellow on Thu 8 Oct (the first working day after the holiday: 9 and 10 Oct
  left), red on Mon 12 Oct.
- `slow` (project LOGI, planning, item PERMIT, 30 days) accepted Mon 21 Sep: due far away;
  stalled once nothing is recorded on it for 5 working days (Tue 29 Sep).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from importlib import import_module

from django.apps import apps as django_apps

from projects.clock import WorkingCalendar, forget_calendar_copy
from projects.models import Approval
from projects.services import approval_transition
from supervision.board import forget_at_risk
from supervision.ladder import seed_default_ladder
from supervision.sweep import run_sweep
from tests.projects import factories as f


def at(day: date, hour: int = 10) -> datetime:
    """A moment on a Beijing day (10:00 local = 02:00 UTC)."""
    return datetime(day.year, day.month, day.day, hour - 8, 0, tzinfo=UTC)


def accept(officer, approval: Approval, day: date) -> Approval:
    approval_transition(actor=officer, approval_id=approval.pk, action="receive", now=at(day))
    return approval_transition(actor=officer, approval_id=approval.pk, action="accept", now=at(day))


def working_days(first: date, last: date) -> list[date]:
    calendar = WorkingCalendar.load()
    days, day = [], first
    while day <= last:
        if calendar.is_working(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def sweep_through(first: date, last: date, *, twice: bool = False) -> dict[date, object]:
    """Run the sweep on every day from first to last (it does nothing on days off)."""
    results = {}
    day = first
    while day <= last:
        results[day] = run_sweep(today=day)
        if twice:
            run_sweep(today=day)
        day += timedelta(days=1)
    return results


def official_calendar() -> None:
    """China's official calendar as the migration seeds it (a transactional test before this
    one, in the same process, flushed the table with everything else)."""
    seed = import_module("projects.migrations.0002_seed_working_days").seed
    seed(django_apps, None)
    forget_calendar_copy()


def build_district():
    """The district of this module's docstring, with the default ladder (`district` fixture in
    each test module: `district = pytest.fixture(...)` of this)."""
    forget_at_risk()  # the worker's per-process forecasts belong to another database
    official_calendar()
    staff = f.user("staff", "staff")
    leader = f.user("leader", "staff", name="服务组组长")
    helper = f.user("helper", "helper")
    helper2 = f.user("helper2", "helper")
    assistant = f.user("assistant", "helper")
    planning = f.department("规划局", name_en="Planning bureau")
    housing = f.department("住建委", name_en="Housing commission")
    officer = f.officer(planning, "officer")
    housing_officer = f.officer(housing, "housing_officer")
    head = f.user("head", "officer")
    planning.officers.add(head)
    planning.head_user = head
    planning.save(update_fields=["head_user"])
    ent_user = f.user("enterprise", "enterprise")
    ent2_user = f.user("enterprise2", "enterprise")
    ent_a = f.enterprise([ent_user], name="玻璃公司")
    ent_b = f.enterprise([ent2_user], name="物流公司")
    land = f.item(planning, "LAND", promised=5, statutory=20)
    build = f.item(housing, "BUILD", promised=5, statutory=15)
    permit = f.item(planning, "PERMIT", promised=30, statutory=40)
    glass = f.project(
        staff,
        ent_a,
        [land, build],
        lead=helper,
        helpers=[assistant],
        code="GLASS",
        name="汽车玻璃项目",
    )
    logi = f.project(staff, ent_b, [permit], lead=helper2, code="LOGI", name="物流基地")
    late = accept(officer, glass.approvals.get(item=land), date(2026, 9, 21))
    holiday = accept(housing_officer, glass.approvals.get(item=build), date(2026, 9, 28))
    slow = accept(officer, logi.approvals.get(item=permit), date(2026, 9, 21))
    seed_default_ladder(service_group_leaders=[leader])

    class District:
        pass

    d = District()
    d.__dict__.update(locals())
    d.enterprise, d.enterprise2 = ent_user, ent2_user
    return d
