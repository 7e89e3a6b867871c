"""A small data set whose figures are worked out by hand (June 2026, Asia/Shanghai):

- Friday 19 June is made a holiday (Dragon Boat Festival) in the working-day calendar.
- A (department A, item X: promised 5, statutory 20): received and accepted Mon 15 June,
  approved Tue 23 June: working days 16, 17, 18, 22, 23 = 5 used; due 23 June: on time.
- B (department B, item Y: promised 3, statutory 10): received and accepted Mon 15 June,
  supplement requested Tue 16, answered Thu 18 (17 and 18 paused: 2 days), approved Wed 24:
  16, 22, 23, 24 = 4 used; promised due 23 June: late; statutory due later: on time.
- C (department A, item X, another project): received Tue 16, withdrawn Wed 17.
- D (department B, item Y, that project): received Tue 16, rejected Wed 17 without acceptance.
- Ratings 5, 4 and 2 in June (2 of 3 satisfied); one joint site inspection held in June with
  an action item done before its date and one still open past its date.
- A complaint to A opened 1 June and answered 4 June; a hotline call to B opened 2 June, still
  open on 10 July past its stage's date of 5 June.
"""

from datetime import UTC, date, datetime, timedelta

import pytest

from meetings.models import ActionItem, Meeting
from projects.models import Approval, WorkingDay
from projects.services import (
    approval_accept,
    approval_approve,
    approval_receive,
    approval_reject,
    approval_request_supplement,
    approval_supplement,
    approval_withdraw,
)
from supervision.models import Case, Rating
from tests.projects import factories

JUNE_START, JUNE_END = date(2026, 6, 1), date(2026, 6, 30)
TODAY = date(2026, 7, 10)


def at(day: int, month: int = 6) -> datetime:
    return datetime(2026, month, day, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, the same day


class Data:
    pass


@pytest.fixture
def june(db):
    WorkingDay.objects.update_or_create(
        date=date(2026, 6, 19), defaults={"is_working": False, "name": "端午节"}
    )
    d = Data()
    d.staff = factories.user("stats-staff", "staff")
    d.dept_a = factories.department("统计甲局", name_en="Stats Bureau A")
    d.dept_b = factories.department("统计乙局", name_en="Stats Bureau B")
    d.item_x = factories.item(d.dept_a, "STAT-X", promised=5, statutory=20)
    d.item_y = factories.item(d.dept_b, "STAT-Y", promised=3, statutory=10)
    d.town = factories.town("统计镇")
    ent = factories.enterprise()
    d.enterprise = ent
    d.p1 = factories.project(d.staff, ent, [d.item_x, d.item_y], now=at(1), town=d.town)
    d.p2 = factories.project(d.staff, ent, [d.item_x, d.item_y], now=at(1))

    def approval(project, item):
        return Approval.objects.get(project=project, item=item)

    s = d.staff
    a = approval(d.p1, d.item_x)
    approval_receive(actor=s, approval_id=a.pk, now=at(15))
    approval_accept(actor=s, approval_id=a.pk, now=at(15))
    approval_approve(actor=s, approval_id=a.pk, now=at(23))
    b = approval(d.p1, d.item_y)
    approval_receive(actor=s, approval_id=b.pk, now=at(15))
    approval_accept(actor=s, approval_id=b.pk, now=at(15))
    approval_request_supplement(
        actor=s, approval_id=b.pk, reason="补正", missing_materials=["申请表"], now=at(16)
    )
    approval_supplement(actor=s, approval_id=b.pk, now=at(18))
    approval_approve(actor=s, approval_id=b.pk, now=at(24))
    c = approval(d.p2, d.item_x)
    approval_receive(actor=s, approval_id=c.pk, now=at(16))
    approval_withdraw(actor=s, approval_id=c.pk, reason="不再需要", now=at(17))
    dd = approval(d.p2, d.item_y)
    approval_receive(actor=s, approval_id=dd.pk, now=at(16))
    approval_reject(actor=s, approval_id=dd.pk, reason="不符合条件", now=at(17))
    d.a, d.b, d.c, d.d = (Approval.objects.get(pk=x.pk) for x in (a, b, c, dd))

    for score, approval_row, dept in ((5, d.a, d.dept_a), (4, d.b, d.dept_b), (2, d.d, d.dept_b)):
        Rating.objects.create(
            approval=approval_row,
            project=approval_row.project,
            department=dept,
            enterprise=ent,
            score=score,
            at=at(25),
        )
    meeting = Meeting.objects.create(
        title="联合踏勘",
        kind=Meeting.Kind.SITE_INSPECTION,
        status=Meeting.Status.HELD,
        start=at(10),
        end=at(10) + timedelta(hours=2),
        organiser=s,
    )
    meeting.departments.add(d.dept_a)
    meeting.projects.add(d.p1)
    ActionItem.objects.create(
        meeting=meeting,
        project=d.p1,
        decision="d",
        title="补充图纸",
        owner_department=d.dept_a,
        due_date=date(2026, 6, 20),
        status=ActionItem.Status.DONE,
        done_at=at(19),
    )
    ActionItem.objects.create(
        meeting=meeting,
        project=d.p1,
        decision="d",
        title="协调用地",
        owner_department=d.dept_a,
        due_date=date(2026, 7, 1),
    )
    Case.objects.create(
        number="TS-2026-9001",
        kind=Case.Kind.COMPLAINT,
        title="审批拖延",
        opener_kind=Case.Opener.ENTERPRISE,
        department=d.dept_a,
        project=d.p1,
        state=Case.State.ANSWERED,
        opened_at=at(1),
        answered_at=at(4),
        stage_due=date(2026, 6, 8),
    )
    Case.objects.create(
        number="RX-2026-9002",
        kind=Case.Kind.HOTLINE,
        title="咨询",
        opener_kind=Case.Opener.PHONE,
        department=d.dept_b,
        state=Case.State.SIGNED,
        opened_at=at(2),
        stage_due=date(2026, 6, 5),
    )
    return d
