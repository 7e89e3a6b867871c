"""The supervision board (/supervision/): open cards and cases by department, oldest first,
counts, the stored projects at risk; staff see the district, helpers their projects, others
nothing; a fixed number of queries whatever the size; live through the staff socket."""

from datetime import date

import pytest
from asgiref.sync import sync_to_async
from bs4 import BeautifulSoup

from projects.models import Project
from supervision.models import Card, ProjectAtRisk
from supervision.sweep import run_sweep
from tests.projects import factories as f
from tests.supervision.sweep_world import accept, build_district, sweep_through

D = date
BOARD = "/en/supervision/"


@pytest.fixture
def district(db):
    return build_district()


def page(client, user):
    client.force_login(user)
    response = client.get(BOARD)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def words(node) -> str:
    return " ".join(node.get_text(" ").split())


@pytest.mark.django_db
def test_staff_see_open_cards_and_cases_by_department_oldest_first(client, district):
    sweep_through(D(2026, 9, 21), D(2026, 10, 12))
    soup = page(client, district.staff)
    counts = {
        row["data-department"]: (
            row.select_one('[data-field="cards"]').text,
            row.select_one('[data-field="red"]').text,
            row.select_one('[data-field="cases"]').text,
        )
        for row in soup.select("[data-board=summary] tr[data-department]")
    }
    # Planning: the red card of `late` (30 Sep) and the stalled `slow` (29 Sep), one case.
    # Housing: the red card of `holiday` (12 Oct), one case.
    assert counts == {
        str(district.planning.pk): ("2", "1", "1"),
        str(district.housing.pk): ("1", "1", "1"),
    }
    sections = soup.select("[data-board=departments] section.board-department")
    assert [s["id"] for s in sections] == [
        f"department-{district.planning.pk}",  # its oldest open card is older
        f"department-{district.housing.pk}",
    ]
    planning_cards = sections[0].select("tr[data-card]")
    issued = [words(row.select("td")[4]) for row in planning_cards]
    assert issued == ["2026-09-29", "2026-09-30"]  # oldest first
    red = Card.objects.get(approval=district.late, colour="red")
    row = sections[0].select_one(f'tr[data-card="{red.pk}"]')
    assert "Red card" in words(row) and red.case.number in words(row)
    assert "GLASS" in words(row)
    cases = sections[0].select("table.board-cases tr[data-case]")
    assert [words(c.select("td")[0]) for c in cases] == [red.case.number]
    # Cleared cards leave the board.
    assert not soup.select(
        f'tr[data-card="{Card.objects.get(colour="yellow", approval=district.late).pk}"]'
    )
    # Live: the lists are marked for the board's script, which the page loads.
    assert soup.select_one('script[src$="supervision/board.js"]') is not None
    assert soup.select("[data-live]") == []  # the generic live script stays out of the way


@pytest.mark.django_db
def test_helpers_see_the_cards_of_their_projects_only(client, district):
    sweep_through(D(2026, 9, 21), D(2026, 10, 12))
    soup = page(client, district.helper2)  # lead helper of LOGI only
    cards = soup.select("tr[data-card]")
    assert [row["data-card"] for row in cards] == [
        str(Card.objects.get(approval=district.slow, colour="stalled").pk)
    ]
    assert not soup.select("tr[data-case]")  # GLASS's cases are not theirs
    assert "GLASS" not in words(soup.select_one("main"))
    soup = page(client, district.helper)  # GLASS
    assert {row["data-card"] for row in soup.select("tr[data-card]")} == {
        str(pk)
        for pk in Card.objects.filter(project=district.glass, cleared_on__isnull=True).values_list(
            "pk", flat=True
        )
    }


@pytest.mark.django_db
def test_others_get_nothing(client, district):
    sweep_through(D(2026, 9, 29), D(2026, 9, 30))
    for user in (district.officer, district.head, district.enterprise, district.housing_officer):
        client.force_login(user)
        assert client.get(BOARD).status_code == 404, user
        assert client.get("/supervision/").status_code == 404, user
        assert client.post(BOARD).status_code == 405
    client.logout()
    response = client.get(BOARD)
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.django_db
def test_the_board_shows_the_stored_projects_at_risk(client, district):
    # GLASS plans to start building on 9 Oct; `holiday` is due 10 Oct: not ready in time.
    Project.objects.filter(pk=district.glass.pk).update(planned_start=D(2026, 10, 9))
    Project.objects.filter(pk=district.logi.pk).update(planned_start=D(2027, 6, 1))
    soup = page(client, district.staff)
    assert not soup.select("tr[data-at-risk]")  # nothing stored before the sweep runs
    run_sweep(today=D(2026, 9, 28))
    (risk,) = ProjectAtRisk.objects.all()
    assert risk.project_id == district.glass.pk and risk.refreshed_on == D(2026, 9, 28)
    assert risk.cautious >= D(2026, 10, 10) and risk.late_days >= 1
    soup = page(client, district.staff)
    (row,) = soup.select("tr[data-at-risk]")
    assert row["data-at-risk"] == str(district.glass.pk)
    assert "2026-10-09" in words(row)
    assert "2026-09-28" in words(soup.select_one("[data-board=at-risk]"))
    assert not page(client, district.helper2).select("tr[data-at-risk]")  # not their project
    # Building has started: the next sweep drops it.
    Project.objects.filter(pk=district.glass.pk).update(stage="construction")
    run_sweep(today=D(2026, 9, 29))
    assert not ProjectAtRisk.objects.exists()


def grow(district, n: int, start: int) -> None:
    """n more projects, each with an overdue approval (a red card and a case once swept)."""
    for i in range(n):
        dept = f.department(f"部门{start + i}")
        item = f.item(dept, f"X{start + i}", promised=3, statutory=10)
        project = f.project(
            district.staff,
            f.enterprise(),
            [item],
            lead=district.helper,
            code=f"G{start + i}",
            planned_start=D(2026, 10, 9),
        )
        officer = f.officer(dept)
        accept(officer, project.approvals.get(), D(2026, 9, 21))


@pytest.mark.django_db
def test_the_board_takes_a_fixed_number_of_queries(client, district, django_assert_max_num_queries):
    def measure(user):
        client.force_login(user)
        client.get(BOARD)  # warm the session and the per-process copies
        with django_assert_max_num_queries(30) as captured:
            assert client.get(BOARD).status_code == 200
        return len(captured.captured_queries)

    grow(district, 2, 100)
    run_sweep(today=D(2026, 9, 30))
    small = {user.username: measure(user) for user in (district.staff, district.helper)}
    grow(district, 12, 200)
    run_sweep(today=D(2026, 10, 8))
    assert Card.objects.filter(cleared_on__isnull=True).count() >= 14
    large = {user.username: measure(user) for user in (district.staff, district.helper)}
    assert large == small


@pytest.mark.django_db(transaction=True)
async def test_a_staff_socket_hears_the_cards_the_board_listens_for(settings):
    from tests.websockets import open_socket

    settings.ALLOWED_HOSTS = ["portal.test"]
    district = await sync_to_async(build_district)()
    ws = await open_socket(district.staff)
    await ws.send_json_to({"type": "resume", "after": {}})
    await sync_to_async(run_sweep)(today=D(2026, 9, 30))
    got = {}
    while "card.issued" not in got or "project.case_step" not in got:
        message = await ws.receive_json_from(timeout=5)
        if message["type"] == "event":
            got.setdefault(message["event"], message)
    issued = got["card.issued"]
    assert issued["stream"] == f"project:{district.glass.pk}:internal"
    assert issued["text"]["en"].startswith("The system gave a red card")
    await ws.disconnect()


@pytest.mark.django_db
def test_the_hourly_runs_after_the_first_forecast_only_what_changed(district, monkeypatch):
    from supervision import board

    Project.objects.filter(pk__in=[district.glass.pk, district.logi.pk]).update(
        planned_start=D(2026, 10, 9)
    )
    forecasts = []
    real = board.readiness
    monkeypatch.setattr(
        board, "readiness", lambda project, *a, **k: forecasts.append(1) or real(project, *a, **k)
    )
    run_sweep(today=D(2026, 9, 28))
    assert len(forecasts) == 2  # both projects, on the day's first run
    run_sweep(today=D(2026, 9, 28))
    assert len(forecasts) == 2  # nothing changed: nothing forecast again
    Project.objects.filter(pk=district.logi.pk).update(planned_start=D(2027, 1, 4))
    run_sweep(today=D(2026, 9, 28))
    assert len(forecasts) == 3  # only the project whose planned start moved
    run_sweep(today=D(2026, 9, 29))
    assert len(forecasts) == 5  # a new day moves every forecast
    assert list(ProjectAtRisk.objects.values_list("project_id", flat=True)) == [district.glass.pk]
