"""Fixtures for the service cases: two departments, two enterprises, helpers and officers."""

from datetime import UTC, date, datetime

import pytest

from tests.projects import factories as f


def at(day: date, hour: int = 10) -> datetime:
    """A moment on a Beijing day (10:00 local = 02:00 UTC)."""
    return datetime(day.year, day.month, day.day, hour - 8, 0, tzinfo=UTC)


@pytest.fixture
def case_world(db):
    """Project `own` (enterprise A, lead helper `helper`, an approval of planning) and project
    `other` (enterprise B, lead `helper2`, an approval of housing). Planning has two officers
    and a head; housing one officer."""
    staff = f.user("staff", "staff")
    staff2 = f.user("staff2", "staff")
    helper = f.user("helper", "helper")
    helper2 = f.user("helper2", "helper")
    planning = f.department("规划局", name_en="Planning bureau")
    housing = f.department("住建委", name_en="Housing commission")
    officer = f.officer(planning, "officer")
    officer2 = f.officer(planning, "officer2")
    head = f.user("head", "officer")
    planning.head_user = head
    planning.save(update_fields=["head_user"])
    housing_officer = f.officer(housing, "housing_officer")
    ent_user = f.user("enterprise", "enterprise")
    ent_colleague = f.user("colleague", "enterprise")
    ent2_user = f.user("enterprise2", "enterprise")
    ent_a = f.enterprise([ent_user, ent_colleague], name="玻璃公司")
    ent_b = f.enterprise([ent2_user], name="物流公司")
    land = f.item(planning, "LAND", promised=10, statutory=20)
    build = f.item(housing, "BUILD", promised=5, statutory=15)
    own = f.project(staff, ent_a, [land], lead=helper, code="GLASS", name="汽车玻璃项目")
    other = f.project(staff, ent_b, [build], lead=helper2, code="LOGI", name="物流基地")
    nobody = f.user("nobody")

    class World:
        pass

    w = World()
    w.__dict__.update(locals())
    w.enterprise, w.enterprise2 = ent_user, ent2_user
    w.approval = own.approvals.get(item__code="LAND")
    return w
