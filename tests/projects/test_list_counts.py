"""The per-project counts of a list (GET /api/v1/projects, the project list page) come from one
GROUP BY (projects.selectors.approval_counts) and say what the approvals themselves say."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from projects.api import SUMMARY_COLUMNS, _summary, _summary_of_row
from projects.models import Approval, Project
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


def test_the_api_list_says_what_the_detail_says_of_each_project(client, busy):
    """The list reads its projects as plain values (projects.api._summary_of_row): the same
    names, references and people as the detail, which reads them through the models; with
    a project without town or lead helper, and helpers named in each way a user can be."""
    busy.helper.name, busy.helper.first_name, busy.helper.last_name = "", "Li", "Wei"
    busy.helper.save()
    busy.helper2.name = busy.helper2.first_name = busy.helper2.last_name = ""
    busy.helper2.save()
    busy.extra.name_en, busy.extra.lead_helper = "Another project", None
    busy.extra.save()
    busy.own.town = f.town("开发区")
    busy.own.save()
    client.force_login(busy.staff)
    listed = client.get("/api/v1/projects").json()["items"]
    assert len(listed) == 3
    for row in listed:
        detail = client.get(f"/api/v1/projects/{row['id']}")
        shared = ("id", "code", "name", "enterprise", "stage", "town", "lead_helper")
        assert {key: detail.json()[key] for key in shared} == {key: row[key] for key in shared}
    by_code = {row["code"]: row for row in listed}
    assert by_code["MORE"]["lead_helper"] is None and by_code["MORE"]["town"] is None
    assert by_code["GLASS"]["lead_helper"] == {"username": "helper", "name": "Li Wei"}
    assert by_code["LOGI"]["lead_helper"] == {"username": "helper2", "name": "helper2"}
    assert by_code["GLASS"]["town"]["name"] == "开发区"
    # The English names where there are some, as Bilingual.label picks them.
    counts = approval_counts([busy.extra.pk], timezone.localdate())[busy.extra.pk]
    row = Project.objects.filter(pk=busy.extra.pk).values(*SUMMARY_COLUMNS).get()
    with translation.override("en"):
        assert _summary_of_row(row, counts) == _summary(busy.extra, counts)
        assert _summary_of_row(row, counts)["name"] == "Another project"


def test_the_api_list_counts_its_projects_without_joining_them(client, busy):
    """The total is counted on the filtered projects alone, not on the rows joined to their
    enterprise, town and helper (a join per project at a city's size, bench/cityyear.py);
    the count and the pages still agree, filtered or not."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(busy.staff)
    with CaptureQueriesContext(connection) as captured:
        whole = client.get("/api/v1/projects?limit=2").json()
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(*)" in q["sql"]]
    counting = [sql for sql in counts if '"projects_project"' in sql]
    assert len(counting) == 1 and "JOIN" not in counting[0]
    assert whole["count"] == 3 and len(whole["items"]) == 2
    rest = client.get("/api/v1/projects?limit=2&offset=2").json()
    assert rest["count"] == 3 and len(rest["items"]) == 1
    codes = {row["code"] for row in whole["items"] + rest["items"]}
    assert codes == {"MORE", "LOGI", "GLASS"}
    # Filtered by a department (a join on the approvals): counted the same way as listed.
    department = busy.land.department_id
    filtered = client.get(f"/api/v1/projects?department={department}").json()
    assert filtered["count"] == len(filtered["items"]) >= 1
