from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from meetings.services import meeting_schedule
from tests.projects import factories as f

BEIJING = ZoneInfo("Asia/Shanghai")


def bj(year, month, day, hour=9, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=BEIJING)


@pytest.fixture
def mw(db):
    """A meeting world: staff, two helpers, a planning officer, two enterprises, a project."""
    w = type("MeetingWorld", (), {})()
    w.staff = f.user("staff", "staff", email="staff@x.cn")
    w.helper = f.user("helper", "helper", email="helper@x.cn")
    w.helper2 = f.user("helper2", "helper", email="helper2@x.cn")
    w.planning = f.department("规划局", name_en="Planning bureau")
    w.officer = f.officer(w.planning, "officer")
    w.officer.email = "officer@x.cn"
    w.officer.save()
    w.other_officer = f.officer(f.department("水务局"), "water")
    w.ent = f.user("ent", "enterprise", email="ent@x.cn")
    w.ent2 = f.user("ent2", "enterprise", email="ent2@x.cn")
    w.enterprise = f.enterprise([w.ent])
    w.item = f.item(w.planning, "PLAN")
    w.project = f.project(w.staff, w.enterprise, [w.item], lead=w.helper, code="GLASS")
    w.other_project = f.project(w.staff, f.enterprise([w.ent2]), [w.item], lead=w.helper2)

    def schedule(**kwargs):
        defaults = {
            "actor": w.helper,
            "title": "项目推动联席会议",
            "kind": "joint_meeting",
            "start": bj(2026, 12, 3, 9),
            "end": bj(2026, 12, 3, 11),
            "place": "审批局三楼会议室",
            "projects": [w.project],
            "participants": [w.ent],
            "departments": [w.planning],
        }
        return meeting_schedule(**{**defaults, **kwargs})

    w.schedule = schedule
    return w
