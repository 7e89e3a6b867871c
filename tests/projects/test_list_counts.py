"""The per-project counts of a list (GET /api/v1/projects, the project list page) come from one
GROUP BY (projects.selectors.approval_counts) and say what the approvals themselves say."""

from datetime import timedelta

import pytest
from django.utils import timezone

from projects.models import Approval
from projects.selectors import approval_counts, counts_of
from projects.services import approval_transition
from tests.projects import factories as f
from tests.projects.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(world):
    """The world's projects with approvals in several states, one overdue, one due later."""
    land = world.approval(world.other, "LAND")
    for action in ("receive", "accept"):
        approval_transition(
            actor=world.staff, approval_id=land.pk, action=action, now=at(2026, 1, 5)
        )
    extra = f.project(
        world.staff,
        world.ent_a,
        [world.land, world.plan, world.build],
        lead=world.helper,
        code="MORE",
        name="另一个项目",
    )
    today = timezone.localdate()
    Approval.objects.filter(project=extra, item=world.land).update(
        status="accepted", due_date=today + timedelta(days=9)
    )
    Approval.objects.filter(project=extra, item=world.plan).update(
        status="approved",
        due_date=today - timedelta(days=3),  # decided: never overdue
    )
    world.extra = extra
    return world


def test_the_counts_match_the_approvals(busy):
    today = timezone.localdate()
    projects = [busy.own, busy.other, busy.extra]
    counted = approval_counts([p.pk for p in projects], today)
    for project in projects:
        assert counted[project.pk] == counts_of(list(project.approvals.all()), today)
    assert counted[busy.other.pk].overdue == 1  # accepted in January 2026, long due
    assert counted[busy.extra.pk].by_status == {"accepted": 1, "approved": 1, "pending": 1}
    assert counted[busy.extra.pk].overdue == 0
    assert counted[busy.extra.pk].next_due == today + timedelta(days=9)
    assert approval_counts([], today) == {}


def test_the_api_list_shows_them(client, busy):
    client.force_login(busy.staff)
    response = client.get("/api/v1/projects")
    rows = {row["code"]: row for row in response.json()["items"]}
    assert rows["MORE"]["approvals_by_status"] == {"accepted": 1, "approved": 1, "pending": 1}
    assert rows["MORE"]["next_due_date"] == (timezone.localdate() + timedelta(days=9)).isoformat()
    assert rows["LOGI"]["overdue"] == 1 and rows["LOGI"]["next_due_date"] is None
    assert rows["GLASS"]["overdue"] == 0
