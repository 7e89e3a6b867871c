"""/open/: the public figures per department and month, the limits next to the time taken, the
downloads; hand-computed over a small history with a holiday, a pause, a rejection and a
withdrawal. No project and no person shows; the page is cached and reads no table while cached."""
# ruff: noqa: F811 - `world` is the fixture imported below, requested by name

import csv
import io
import json
from datetime import date

import pytest
from django.core.cache import cache

from projects.models import Approval
from projects.services import approval_transition
from reports import open as figures_module
from reports.open import compute
from tests.projects import factories as f
from tests.projects.conftest import at, world  # noqa: F401 - the shared fixture

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 30)


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch):
    cache.clear()
    monkeypatch.setattr(figures_module, "today_here", lambda: TODAY)
    yield
    cache.clear()


def move(actor, approval, action, when, **payload):
    approval_transition(actor=actor, approval_id=approval.pk, action=action, now=when, **payload)


@pytest.fixture
def history(world):
    """planning (LAND promised 10, PLAN promised 5), housing (BUILD promised 5):

    - GLASS LAND: accepted Wed 2 Sep, approved 9 Sep: 5 working days, on time;
    - GLASS PLAN: accepted Thu 10 Sep, supplement asked 11 Sep, answered 17 Sep (4 working
      days paused), approved 30 Sep: 14 working days, 10 on the department's clock; late;
    - LOGI LAND: accepted Mon 28 Sep, approved 16 Oct, across the National Day holiday and the
      make-up Saturday 10 Oct: 10 working days, on time (due 16 Oct);
    - GLASS BUILD: accepted Fri 9 Oct, rejected Tue 13 Oct: 3 working days (Sat 10 Oct
      works), on time;
    - THIRD LAND: received 20 Oct, withdrawn 22 Oct: received, never completed.
    """
    w, o = world, world.officer
    land, plan = w.approval(w.own, "LAND"), w.approval(w.own, "PLAN")
    build, logi = w.approval(w.own, "BUILD"), w.approval(w.other, "LAND")
    third = f.project(w.staff, w.ent_a, [w.land], code="THIRD", name="第三个项目")
    third_land = w.approval(third, "LAND")
    move(o, land, "receive", at(2026, 9, 1))
    move(o, land, "accept", at(2026, 9, 2))
    move(o, land, "approve", at(2026, 9, 9))
    move(o, plan, "receive", at(2026, 9, 10))
    move(o, plan, "accept", at(2026, 9, 10))
    move(
        o, plan, "request_supplement", at(2026, 9, 11), reason="补正", missing_materials=["申请表"]
    )
    move(w.enterprise, plan, "supplement", at(2026, 9, 17))
    move(o, plan, "approve", at(2026, 9, 30))
    move(o, logi, "receive", at(2026, 9, 28))
    move(o, logi, "accept", at(2026, 9, 28))
    move(o, logi, "approve", at(2026, 10, 16))
    move(w.housing_officer, build, "receive", at(2026, 10, 9))
    move(w.housing_officer, build, "accept", at(2026, 10, 9))
    move(w.housing_officer, build, "reject", at(2026, 10, 13), reason="不符合规划")
    move(o, third_land, "receive", at(2026, 10, 20))
    move(w.enterprise, third_land, "withdraw", at(2026, 10, 22), reason="项目调整")
    return w


def test_received_completed_and_on_time_per_department_and_month(history):
    figures = compute(today=TODAY)
    assert figures.months[0] == "2025-12" and figures.months[-1] == "2026-11"
    planning, housing = history.planning.pk, history.housing.pk
    assert figures.cells[(planning, "2026-09")] == {"received": 3, "completed": 2, "on_time": 1}
    assert figures.cells[(planning, "2026-10")] == {"received": 1, "completed": 1, "on_time": 1}
    assert figures.cells[(housing, "2026-10")] == {"received": 1, "completed": 1, "on_time": 1}
    by_month = {row["month"]: row for row in figures.by_month()}
    assert by_month["2026-09"]["on_time_rate"] == 50.0
    assert by_month["2026-10"] == {
        "month": "2026-10", "received": 2, "completed": 2, "on_time": 2, "on_time_rate": 100.0
    }  # fmt: skip
    assert by_month["2026-11"]["on_time_rate"] is None  # nothing completed: no rate, not 0 %


def test_the_limits_stand_next_to_the_median_working_days_taken(history):
    plan = Approval.objects.get(project=history.own, item__code="PLAN")
    assert plan.paused_working_days == 4
    items = {row["code"]: row for row in compute(today=TODAY).item_rows()}
    assert items["LAND"]["median_working_days"] == 7.5  # 5 and 10 (over the holiday)
    assert items["PLAN"]["median_working_days"] == 10  # 14 less the 4 paused
    assert items["BUILD"]["median_working_days"] == 3  # the make-up Saturday counts
    assert (items["LAND"]["promised_limit_days"], items["LAND"]["statutory_limit_days"]) == (10, 20)
    assert items["LAND"]["decided"] == 2


def test_the_window_is_the_last_twelve_months(history):
    later = compute(today=date(2027, 9, 30))  # September 2026 has left the window
    assert "2026-09" not in later.months
    assert sum(row["received"] for row in later.by_month()) == 2
    items = {row["code"]: row for row in later.item_rows()}
    assert items["PLAN"]["median_working_days"] is None and items["PLAN"]["decided"] == 0


def test_the_page_shows_figures_and_no_project_or_person(client, history):
    page = client.get("/en/open/").content.decode()
    assert "Open government" in page
    assert "Planning bureau" in page and "Housing commission" in page
    assert 'action="/en/open/lookup/"' in page and 'name="credit_code"' in page  # the lookup
    for private in ("GLASS", "汽车玻璃项目", "LOGI", "THIRD", "玻璃公司", "officer", "helper"):
        assert private not in page
    month = client.get("/en/open/", {"month": "2026-10"}).content.decode()
    assert "Approvals by department, 2026-10" in month
    chinese = client.get("/open/")
    assert chinese.status_code == 200 and "规划局" in chinese.content.decode()


def test_the_csv_and_json_hold_the_same_figures(client, history):
    response = client.get("/en/open/data.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Month", "Department", "Received", "Completed", "Completed on time", "On-time rate (%)"
    ]  # fmt: skip
    assert ["2026-09", "Planning bureau", "3", "2", "1", "50.0"] in rows
    assert len(rows) == 1 + 12 * 2  # a row per month and department with items (not water)
    items = list(csv.reader(io.StringIO(
        client.get("/en/open/data.csv", {"table": "items"}).content.decode("utf-8-sig")
    )))  # fmt: skip
    assert [r for r in items if r[0] == "PLAN"][0][3:] == ["5", "10", "1", "10.0"]
    data = json.loads(client.get("/en/open/data.json").content)
    assert data["months"][-1] == "2026-11"
    housing = {"month": "2026-10", "department": "Housing commission", "received": 1,
               "completed": 1, "on_time": 1, "on_time_rate": 100.0}  # fmt: skip
    assert housing in data["by_department_and_month"]
    chinese = client.get("/open/data.csv").content.decode("utf-8-sig")
    assert "规划局" in chinese and "Planning bureau" not in chinese


def test_cached_pages_read_no_table_and_the_cost_does_not_grow(
    client, history, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12) as first:
        client.get("/en/open/")
    cold = len(first.captured_queries)
    with django_assert_max_num_queries(0):
        client.get("/en/open/data.json")
        client.get("/en/open/data.csv")
    with django_assert_max_num_queries(cold) as warm:
        client.get("/en/open/")
    assert not [q for q in warm.captured_queries if "projects_approval" in q["sql"]]
    # Twice the data, the same number of queries once the cache is gone.
    for n in range(6):
        project = f.project(history.staff, history.ent_b, [history.build], code=f"MORE-{n}")
        for approval in project.approvals.all():
            move(history.staff, approval, "receive", at(2026, 11, 2))
    cache.clear()
    with django_assert_max_num_queries(cold):
        page = client.get("/en/open/").content.decode()
    assert page.count("<tr>") > 0


def test_a_visitor_without_a_session_gets_the_whole_page_from_the_cache(
    client, history, django_assert_num_queries
):
    first = client.get("/en/open/")
    with django_assert_num_queries(0):
        again = client.get("/en/open/")
    assert again.status_code == 200 and again.content == first.content
    # Each language and each month chosen is its own page.
    chinese = client.get("/open/").content.decode()
    assert "规划局" in chinese and "Planning bureau" not in chinese
    month = client.get("/en/open/?month=2026-10").content
    assert month != first.content
    with django_assert_num_queries(0):
        assert client.get("/en/open/?month=2026-10").content == month
    # A made-up query string is answered with the default page (and not cached under it).
    made_up = client.get("/en/open/?month=1999-01&x=1")
    assert made_up.status_code == 200
    # Signed in, the page is the person's own (their name, the log-out button), never the
    # visitors' copy, and theirs is not cached for the next visitor.
    client.force_login(history.staff)
    signed_in = client.get("/en/open/").content.decode()
    assert "Log out" in signed_in
    client.logout()
    client.cookies.clear()
    assert "Log out" not in client.get("/en/open/").content.decode()


def test_the_figures_are_short_lived_not_invalidated(client, history):
    """A change shows once the ten minutes have passed (the cache entry's lifetime)."""
    before = client.get("/en/open/data.json").json()
    approval = Approval.objects.get(project=history.other, item__code="LAND")
    Approval.objects.filter(pk=approval.pk).update(received_at=at(2026, 11, 3))
    assert client.get("/en/open/data.json").json() == before
    cache.delete(figures_module.cache_key(TODAY))
    after = client.get("/en/open/data.json").json()
    assert after["by_month"][-1]["received"] == 1
    assert figures_module.CACHE_SECONDS == 600
