"""The catalogue, departments and the working-day calendar in Wagtail's back office, and the
guides that follow the catalogue."""

from datetime import UTC, date, datetime

import pytest
from bs4 import BeautifulSoup
from wagtail.test.utils.form_data import querydict_from_html

from portal.models import Event
from projects.models import ApprovalItem, ItemMaterial, WorkingDay
from projects.services import approval_transition
from tests.projects import factories as f

pytestmark = pytest.mark.django_db


def at(year, month, day):
    return datetime(year, month, day, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


def guide(client, code: str, prefix: str = ""):
    response = client.get(f"{prefix}/guide/{code}/")
    if response.status_code != 200:
        return None
    return BeautifulSoup(response.content, "html.parser")


def materials(page) -> list[tuple[str, str]]:
    return [
        (row.select("td")[1].get_text(), "key" if "material--key" in row["class"] else "later")
        for row in page.select("table.materials tbody tr")
    ]


@pytest.fixture
def catalogue(db):
    planning = f.department("区规划和自然资源局", name_en="Planning Bureau")
    land = f.item(planning, "PNR-01", promised=10, statutory=20)
    return {"planning": planning, "land": land}


@pytest.fixture
def staff(client, make_user):
    user = make_user("boss", "staff")
    client.force_login(user)
    return user


# --- guides follow the catalogue ----------------------------------------------------------------


def test_a_guide_follows_every_catalogue_edit(client, catalogue):
    land = catalogue["land"]
    assert materials(guide(client, "PNR-01")) == [("申请表", "key"), ("补充说明", "later")]
    land.name = "建设项目用地预审与选址意见书"
    land.promised_limit_days = 5
    land.save()
    ItemMaterial.objects.create(
        item=land, name="用地红线图", name_en="Site boundary map", position=5
    )
    ItemMaterial.objects.filter(item=land, name="申请表").update(key=False)
    page = guide(client, "PNR-01")
    assert page.h1.get_text() == "建设项目用地预审与选址意见书"
    assert materials(page) == [("用地红线图", "key"), ("申请表", "later"), ("补充说明", "later")]
    assert "5 working days" in guide(client, "PNR-01", "/en").select_one(".guide-facts").get_text()
    water = f.department("区水务局", name_en="Water Bureau")
    land.department = water
    land.save()
    assert "区水务局" in guide(client, "PNR-01").select_one(".guide-facts").get_text()


def test_an_item_leaving_the_catalogue_leaves_the_guides(client, catalogue):
    land = catalogue["land"]
    land.is_active = False
    land.save()
    assert client.get("/guide/PNR-01/").status_code == 404
    assert b"PNR-01" not in client.get("/guide/").content
    assert b"PNR-01" not in client.get("/search/?q=PNR&type=guide").content


def test_prerequisites_link_to_their_guides(client, catalogue):
    plan = f.item(catalogue["planning"], "PNR-02", prerequisites=[catalogue["land"]])
    page = guide(client, plan.code)
    assert [a["href"] for a in page.select("#prerequisites ~ ul a")] == ["/guide/PNR-01/"]
    assert [a["href"] for a in guide(client, "PNR-01").select("#required-by ~ ul a")] == [
        "/guide/PNR-02/"
    ]


# --- the catalogue in the back office -----------------------------------------------------------


def edit_form(client, url: str) -> dict:
    """The admin form's fields as a browser would send them unchanged."""
    html = client.get(url).content.decode()
    data = querydict_from_html(html, form_id="w-editor-form")
    form = {k: data.getlist(k) if len(data.getlist(k)) > 1 else data[k] for k in data}
    # A ticked checkbox without a value attribute is sent as "on".
    form_tag = BeautifulSoup(html, "html.parser").find("form", id="w-editor-form")
    for box in form_tag.find_all("input", type="checkbox", checked=True):
        if "value" not in box.attrs:
            form[box["name"]] = "on"
    return form


def test_staff_edit_an_item_and_its_materials_in_one_form(client, staff, catalogue):
    land = catalogue["land"]
    url = f"/admin/snippets/projects/approvalitem/edit/{land.pk}/"
    data = edit_form(client, url)
    assert data["materials-TOTAL_FORMS"] == "5"  # two materials and three empty rows
    data.update(
        {
            "name": "建设项目用地预审与选址意见书",
            "promised_limit_days": "8",
            "materials-0-name": "用地预审申请表",
            "materials-1-DELETE": "on",
            "materials-2-name": "项目选址论证报告",
            "materials-2-name_en": "Site-selection study",
            "materials-2-key": "on",
            "materials-2-position": "3",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    land.refresh_from_db()
    assert (land.name, land.promised_limit_days) == ("建设项目用地预审与选址意见书", 8)
    assert materials(guide(client, "PNR-01")) == [
        ("用地预审申请表", "key"),
        ("项目选址论证报告", "key"),
    ]


def test_an_invalid_catalogue_edit_is_refused_with_the_reason(client, staff, catalogue):
    land = catalogue["land"]
    url = f"/admin/snippets/projects/approvalitem/edit/{land.pk}/"
    data = edit_form(client, url)
    data.update({"promised_limit_days": "30"})  # longer than the statutory 20
    response = client.post(url, data)
    assert response.status_code == 200
    land.refresh_from_db()
    assert land.promised_limit_days == 10


def test_a_catalogue_edit_leaves_running_approvals_as_they_are(client, staff, catalogue):
    land = catalogue["land"]
    project = f.project(staff, f.enterprise(), [land])
    approval = project.approvals.get()
    url = f"/admin/snippets/projects/approvalitem/edit/{land.pk}/"
    data = edit_form(client, url)
    data.update({"promised_limit_days": "3"})
    assert client.post(url, data).status_code == 302
    approval.refresh_from_db()
    assert approval.promised_limit_days == 10
    assert list(approval.materials.values_list("name", flat=True)) == ["申请表", "补充说明"]


def test_nothing_in_the_catalogue_is_deleted_from_the_back_office(client, staff, catalogue):
    land = catalogue["land"]
    response = client.post(f"/admin/snippets/projects/approvalitem/delete/{land.pk}/")
    assert response.status_code in (302, 403)
    client.post(f"/admin/bulk/projects/approvalitem/delete/?id={land.pk}", {})
    client.post(f"/admin/bulk/projects/department/delete/?id={land.department_id}", {})
    assert ApprovalItem.objects.filter(pk=land.pk, department=land.department).exists()


def test_editors_see_the_catalogue_but_do_not_change_it(client, make_user, catalogue):
    from cms.demo import ensure_editorial_setup

    ensure_editorial_setup()
    client.force_login(make_user("writer", "editor"))
    assert client.get("/admin/snippets/projects/approvalitem/").status_code == 200
    land = catalogue["land"]
    response = client.post(
        f"/admin/snippets/projects/approvalitem/edit/{land.pk}/", {"name": "改名"}
    )
    assert response.status_code in (302, 403)
    land.refresh_from_db()
    assert land.name != "改名"


# --- the working-day calendar goes through its service ------------------------------------------


@pytest.fixture
def running(staff, catalogue):
    officer = f.officer(catalogue["planning"])
    project = f.project(staff, f.enterprise(), [catalogue["land"]])
    approval = project.approvals.get()
    for action in ("receive", "accept"):
        approval_transition(
            actor=officer, approval_id=approval.pk, action=action, now=at(2026, 11, 2)
        )
    approval.refresh_from_db()
    assert approval.due_date == date(2026, 11, 16)
    return approval


def test_a_day_off_added_in_the_back_office_moves_running_due_dates(client, staff, running):
    response = client.post(
        "/admin/snippets/projects/workingday/add/",
        {"date": "2026-11-13", "name": "暴雪停工"},  # is_working unticked: a day off
        follow=True,
    )
    assert response.status_code == 200
    running.refresh_from_db()
    assert running.due_date == date(2026, 11, 17)
    assert WorkingDay.objects.get(date=date(2026, 11, 13)).name == "暴雪停工"
    event = Event.objects.filter(stream=f"project:{running.project_id}").last()
    assert (event.event, event.actor) == ("approval.due_date_changed", staff)

    # Set back to the weekday rule, the entry goes and the due date with it.
    response = client.post(
        "/admin/snippets/projects/workingday/edit/2026-11-13/",
        {"date": "2027-01-01", "is_working": "on", "name": ""},  # the date cannot change
        follow=True,
    )
    assert response.status_code == 200
    assert not WorkingDay.objects.filter(date__in=[date(2026, 11, 13), date(2027, 1, 1)]).exists()
    running.refresh_from_db()
    assert running.due_date == date(2026, 11, 16)


def test_only_staff_change_the_calendar(client, make_user, running):
    client.force_login(make_user("writer", "editor"))
    client.post("/admin/snippets/projects/workingday/add/", {"date": "2026-11-13", "name": "x"})
    assert not WorkingDay.objects.filter(date=date(2026, 11, 13)).exists()
    assert client.get("/admin/catalogue/working-days/import/").status_code in (302, 403)


def test_staff_add_a_year_from_the_official_schedule(client, staff):
    WorkingDay.objects.filter(date__year=2031).delete()
    response = client.post("/admin/catalogue/working-days/import/", {"year": "2031"}, follow=True)
    assert response.status_code == 200
    assert WorkingDay.objects.filter(date=date(2031, 10, 1), is_working=False).exists()
    assert response.redirect_chain[-1][0].endswith("/admin/snippets/projects/workingday/")
