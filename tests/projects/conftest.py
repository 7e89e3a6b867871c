from datetime import UTC, datetime

import pytest

from tests.projects import factories as f


def at(year, month, day, hour=10):
    """A moment on a Beijing working day (10:00 local = 02:00 UTC)."""
    return datetime(year, month, day, hour - 8, 0, tzinfo=UTC)


@pytest.fixture
def world(db):
    """Two departments, a prerequisite chain, two enterprises, helpers and officers.

    planning: LAND (no prerequisite) -> PLAN (needs LAND); housing: BUILD (needs PLAN).
    Project `own` (enterprise A, lead helper `helper`) has all three; project `other`
    (enterprise B, lead `helper2`) has only LAND.
    """
    staff = f.user("staff", "staff")
    helper = f.user("helper", "helper")
    helper2 = f.user("helper2", "helper")
    planning = f.department("规划局", name_en="Planning bureau")
    housing = f.department("住建委", name_en="Housing commission")
    officer = f.officer(planning, "officer")
    housing_officer = f.officer(housing, "housing_officer")
    lone_officer = f.officer(f.department("水务局"), "water_officer")
    ent_user = f.user("enterprise", "enterprise")
    ent2_user = f.user("enterprise2", "enterprise")
    ent_a = f.enterprise([ent_user], name="玻璃公司")
    ent_b = f.enterprise([ent2_user], name="物流公司")
    land = f.item(planning, "LAND", promised=10, statutory=20)
    plan = f.item(planning, "PLAN", promised=5, statutory=10, prerequisites=[land])
    build = f.item(housing, "BUILD", promised=5, statutory=15, prerequisites=[plan])
    own = f.project(staff, ent_a, [build], lead=helper, code="GLASS", name="汽车玻璃项目")
    other = f.project(staff, ent_b, [land], lead=helper2, code="LOGI", name="物流基地")

    class World:
        pass

    w = World()
    w.__dict__.update(locals())
    w.enterprise, w.enterprise2, w.water_officer = ent_user, ent2_user, lone_officer
    w.approval = lambda project, code: project.approvals.get(item__code=code)
    return w
