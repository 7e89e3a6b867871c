"""The back office in Wagtail: the catalogue (checked by the same rules as the import file),
departments and enterprises (their members through the services), towns, industries and the
working-day calendar; the guides that follow the catalogue; Django admin that only shows."""

from datetime import UTC, date, datetime

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission
from django.utils import translation
from wagtail.test.utils.form_data import querydict_from_html

from portal.models import Event
from projects.catalogue import code_problems, limit_problems, material_problems
from projects.catalogue_import import catalogue_import_file
from projects.models import ApprovalItem, Enterprise, Industry, ItemMaterial, Town, WorkingDay
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


# --- one catalogue validator: the item form and the import file refuse alike -------------------


def write_catalogue_csv(path, rows) -> None:
    header = ["code", "name", "department", "statutory_limit_days", "promised_limit_days"]
    lines = [",".join([*header, "prerequisites"])]
    for code, prerequisites in rows:
        lines.append(f"{code},事项{code},区规划和自然资源局,20,10,{prerequisites}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_prerequisite_loop_is_refused_by_the_form_and_the_importer_alike(
    client, staff, catalogue, tmp_path
):
    land = catalogue["land"]
    plan = f.item(catalogue["planning"], "PNR-02", prerequisites=[land])  # PNR-02 needs PNR-01
    url = f"/admin/snippets/projects/approvalitem/edit/{land.pk}/"
    data = edit_form(client, url)
    data.update({"prerequisites": [str(plan.pk)], "name": "改了名"})

    response = client.post(url, data)

    assert response.status_code == 200
    form_errors = response.context["form"].errors["prerequisites"]
    assert form_errors == ["前置事项形成循环：PNR-01 → PNR-02 → PNR-01。"]
    assert form_errors[0] in response.content.decode()
    assert not ApprovalItem.objects.filter(name="改了名").exists()
    assert not land.prerequisites.exists()

    write_catalogue_csv(tmp_path / "loop.csv", [("PNR-01", "PNR-02")])
    with translation.override("zh-hans"):
        result = catalogue_import_file(actor=staff, path=tmp_path / "loop.csv")
    assert [row.reasons for row in result.rejected] == [form_errors]
    assert not land.prerequisites.exists()
    with translation.override("en"):
        english = catalogue_import_file(actor=staff, path=tmp_path / "loop.csv")
    assert english.rejected[0].reasons == [
        "The prerequisites go round in a loop: PNR-01 → PNR-02 → PNR-01."
    ]


def test_a_longer_loop_is_found_under_a_new_code_too(client, staff, catalogue):
    land = catalogue["land"]
    plan = f.item(catalogue["planning"], "PNR-02", prerequisites=[land])
    build = f.item(catalogue["planning"], "PNR-03", prerequisites=[plan])
    url = f"/admin/snippets/projects/approvalitem/edit/{land.pk}/"
    data = edit_form(client, url)
    data.update({"code": "PNR-01A", "prerequisites": [str(build.pk)]})

    response = client.post(url, data)

    assert response.status_code == 200
    assert response.context["form"].errors["prerequisites"] == [
        "前置事项形成循环：PNR-01A → PNR-03 → PNR-02 → PNR-01A。"
    ]
    land.refresh_from_db()
    assert land.code == "PNR-01"
    # Without the loop the same edit goes through.
    data.update({"prerequisites": []})
    assert client.post(url, data).status_code == 302
    assert ApprovalItem.objects.filter(code="PNR-01A").exists()


def test_the_form_refuses_what_the_importer_refuses(client, staff, catalogue):
    land = catalogue["land"]
    url = f"/admin/snippets/projects/approvalitem/edit/{land.pk}/"
    data = edit_form(client, url)
    data.update(
        {
            "code": "PNR;01",
            "promised_limit_days": "0",
            "materials-2-name": "申请表",  # listed already
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["code", "promised_limit_days"]
    with translation.override("zh-hans"):
        assert form.errors["code"] == code_problems("PNR;01")
        assert form.errors["promised_limit_days"] == limit_problems(20, 0)
        assert form.materials.non_form_errors() == material_problems(["申请表", "申请表"])
    land.refresh_from_db()
    assert (land.code, land.promised_limit_days, land.materials.count()) == ("PNR-01", 10, 2)


# --- membership goes through the services -------------------------------------------------------


def test_officers_change_in_the_back_office_through_the_service(client, staff, catalogue):
    planning = catalogue["planning"]
    stays = f.officer(planning, "stays")
    leaves = f.officer(planning, "leaves")
    newcomer = f.user("newcomer", "officer", name="新科员")
    helper = f.user("helper", "helper")
    approval = f.project(staff, f.enterprise(), [catalogue["land"]]).approvals.get()
    url = f"/admin/snippets/projects/department/edit/{planning.pk}/"
    page = BeautifulSoup(client.get(url).content, "html.parser")
    offered = {box["value"] for box in page.select('input[name="members"]')}
    assert offered == {str(stays.pk), str(leaves.pk), str(newcomer.pk)}  # not the helper
    assert str(helper.pk) not in offered
    data = edit_form(client, url)
    data["members"] = [str(stays.pk), str(newcomer.pk)]

    response = client.post(url, data)

    assert response.status_code == 302, response.context["form"].errors
    assert set(planning.officers.all()) == {stays, newcomer}
    added = Event.objects.get(stream=f"user:{newcomer.pk}")
    removed = Event.objects.get(stream=f"user:{leaves.pk}")
    assert (added.event, added.actor, added.data["department"]["id"]) == (
        "department.officer_added",
        staff,
        planning.pk,
    )
    assert (removed.event, removed.actor) == ("department.officer_removed", staff)
    assert not Event.objects.filter(stream=f"user:{stays.pk}").exists()

    # It takes effect: the newcomer has the department's queue, the one who left does not.
    def queue(user):
        client.force_login(user)
        page = BeautifulSoup(client.get("/en/queue/?state=not_applied").content, "html.parser")
        return [row["data-approval"] for row in page.select("tr[data-approval]")]

    assert queue(newcomer) == [str(approval.pk)]
    assert queue(leaves) == []


def test_enterprise_users_change_in_the_back_office_through_the_service(client, staff):
    member = f.user("member", "enterprise")
    newcomer = f.user("joins", "enterprise")
    officer = f.user("officer", "officer")
    enterprise = f.enterprise([member])
    project = f.project(staff, enterprise)
    url = f"/admin/snippets/projects/enterprise/edit/{enterprise.pk}/"
    page = BeautifulSoup(client.get(url).content, "html.parser")
    offered = {box["value"] for box in page.select('input[name="members"]')}
    assert offered == {str(member.pk), str(newcomer.pk)}
    data = edit_form(client, url)
    data["members"] = [str(newcomer.pk)]

    assert client.post(url, data).status_code == 302

    assert list(enterprise.users.all()) == [newcomer]
    assert Event.objects.get(stream=f"user:{newcomer.pk}").event == "enterprise.user_added"
    assert Event.objects.get(stream=f"user:{member.pk}").event == "enterprise.user_removed"
    client.force_login(newcomer)
    assert client.get(f"/en/projects/{project.pk}/").status_code == 200
    client.force_login(member)
    assert client.get(f"/en/projects/{project.pk}/").status_code == 404
    assert str(officer.pk) not in offered


def test_a_new_enterprise_gets_its_users_through_the_service(client, staff):
    newcomer = f.user("joins", "enterprise")
    response = client.post(
        "/admin/snippets/projects/enterprise/add/",
        {"name": "新企业", "name_en": "New Co", "credit_code": "", "members": [str(newcomer.pk)]},
    )
    assert response.status_code == 302, response.context["form"].errors
    enterprise = Enterprise.objects.get(name="新企业")
    assert list(enterprise.users.all()) == [newcomer]
    event = Event.objects.get(stream=f"user:{newcomer.pk}")
    assert (event.event, event.data["enterprise"]["id"]) == ("enterprise.user_added", enterprise.pk)


def test_who_may_edit_a_department_but_is_not_staff_cannot_change_its_officers(
    client, make_user, catalogue
):
    from cms.demo import ensure_editorial_setup

    ensure_editorial_setup()
    clerk = make_user("clerk", "editor")
    clerk.user_permissions.add(Permission.objects.get(codename="change_department"))
    officer = f.user("newcomer", "officer")
    planning = catalogue["planning"]
    client.force_login(clerk)
    url = f"/admin/snippets/projects/department/edit/{planning.pk}/"
    data = edit_form(client, url)
    data["members"] = [str(officer.pk)]

    response = client.post(url, data)

    assert response.status_code == 200
    assert response.context["form"].errors["members"]
    assert not planning.officers.exists()
    assert not Event.objects.filter(stream=f"user:{officer.pk}").exists()


def test_towns_and_industries_are_edited_in_the_back_office(client, staff, catalogue):
    response = client.post(
        "/admin/snippets/projects/town/add/",
        {"name": "临港镇", "name_en": "Lingang", "is_zone": "on"},
    )
    assert response.status_code == 302
    assert Town.objects.get(name="临港镇").is_zone
    response = client.post(
        "/admin/snippets/projects/industry/add/",
        {
            "code": "glass",
            "name": "玻璃制造",
            "name_en": "Glass",
            "standard_items": [str(catalogue["land"].pk)],
        },
    )
    assert response.status_code == 302
    assert list(Industry.objects.get(code="glass").standard_items.all()) == [catalogue["land"]]


def test_editors_do_not_reach_towns_industries_or_enterprises(client, make_user):
    from cms.demo import ensure_editorial_setup

    ensure_editorial_setup()
    client.force_login(make_user("writer", "editor"))
    for model in ("town", "industry", "enterprise"):
        response = client.get(f"/admin/snippets/projects/{model}/")
        assert response.status_code in (302, 403), model
    client.post("/admin/snippets/projects/town/add/", {"name": "x镇"})
    assert not Town.objects.filter(name="x镇").exists()


# --- Django admin only shows ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "model", ["department", "town", "approvalitem", "industry", "enterprise", "workingday"]
)
def test_django_admin_only_shows_what_wagtail_edits(client, staff, catalogue, model):
    rows = {
        "department": catalogue["planning"],
        "town": f.town(),
        "approvalitem": catalogue["land"],
        "industry": f.industry(),
        "enterprise": f.enterprise(),
        "workingday": WorkingDay.objects.order_by("date").first()
        or WorkingDay.objects.create(date=date(2026, 10, 1), is_working=False, name="国庆"),
    }
    row = rows[model]
    listing = client.get(f"/django-admin/projects/{model}/")
    assert listing.status_code == 200
    assert f"/django-admin/projects/{model}/add/" not in listing.content.decode()
    assert client.get(f"/django-admin/projects/{model}/add/").status_code == 403
    change_url = f"/django-admin/projects/{model}/{row.pk}/change/"
    page = client.get(change_url)
    assert page.status_code == 200  # a read-only page
    assert 'name="_save"' not in page.content.decode()
    assert client.post(change_url, {"name": "改名"}).status_code == 403
    assert (
        client.post(f"/django-admin/projects/{model}/{row.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert type(row).objects.filter(pk=row.pk).exists()


def test_a_refused_membership_change_saves_nothing_and_says_why(
    client, staff, catalogue, monkeypatch
):
    from portal.errors import InvalidInput
    from projects.wagtail_hooks import DepartmentForm, EnterpriseForm

    def refuse(**kwargs):
        raise InvalidInput("Refused for this test.", field="officers")

    monkeypatch.setattr(DepartmentForm, "add_member", staticmethod(refuse))
    monkeypatch.setattr(EnterpriseForm, "add_member", staticmethod(refuse))
    planning = catalogue["planning"]
    officer = f.user("newcomer", "officer")
    url = f"/admin/snippets/projects/department/edit/{planning.pk}/"
    data = edit_form(client, url)
    data.update({"name": "改名的部门", "members": [str(officer.pk)]})

    response = client.post(url, data)

    assert response.status_code == 200
    assert response.context["form"].errors["members"] == ["Refused for this test."]
    planning.refresh_from_db()
    assert planning.name == "区规划和自然资源局"
    assert not planning.officers.exists()

    member = f.user("member", "enterprise")
    response = client.post(
        "/admin/snippets/projects/enterprise/add/",
        {"name": "新企业", "name_en": "", "credit_code": "", "members": [str(member.pk)]},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["members"] == ["Refused for this test."]
    assert response.context["form"].instance.pk is None
    assert not Enterprise.objects.filter(name="新企业").exists()
