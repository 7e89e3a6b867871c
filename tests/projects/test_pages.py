"""The project pages for each role: what is shown, what is not, what can be done."""

import re
from datetime import date

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import Event
from projects.models import Comment, Project
from projects.services import approval_transition, comment_add
from tests.projects import factories as f
from tests.projects.conftest import at

pytestmark = pytest.mark.django_db

ROLES = ["staff", "helper", "helper2", "officer", "housing_officer", "enterprise", "enterprise2"]
SEES_OWN = {"staff", "helper", "officer", "housing_officer", "enterprise"}


def page(client, user, url, status=200):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return BeautifulSoup(response.content, "html.parser") if status == 200 else response


def text(soup) -> str:
    return " ".join(soup.get_text(" ").split())


# --- /projects/ -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "codes"),
    [
        ("staff", {"GLASS", "LOGI"}),
        ("helper", {"GLASS"}),
        ("helper2", {"LOGI"}),
        ("officer", {"GLASS", "LOGI"}),
        ("housing_officer", {"GLASS"}),
        ("enterprise", {"GLASS"}),
        ("enterprise2", {"LOGI"}),
    ],
)
def test_my_projects_lists_what_each_role_may_see(client, world, role, codes):
    soup = page(client, getattr(world, role), "/en/projects/")
    shown = {
        row.select_one(".muted").get_text().split(" · ")[0].strip()
        for row in soup.select("tr[data-project]")
    }
    assert shown == codes


def test_overdue_projects_come_first_and_filters_work(client, world):
    land = world.approval(world.other, "LAND")
    approval_transition(
        actor=world.staff, approval_id=land.pk, action="receive", now=at(2026, 9, 1)
    )
    approval_transition(actor=world.staff, approval_id=land.pk, action="accept", now=at(2026, 9, 1))
    soup = page(client, world.staff, "/en/projects/")
    rows = soup.select("tr[data-project]")
    assert rows[0]["data-project"] == str(world.other.pk)
    assert "has-overdue" in rows[0]["class"]
    assert [
        r["data-project"]
        for r in page(client, world.staff, "/en/projects/?q=GLASS").select("tr[data-project]")
    ] == [str(world.own.pk)]
    by_dept = page(client, world.staff, f"/en/projects/?department={world.housing.pk}")
    assert [r["data-project"] for r in by_dept.select("tr[data-project]")] == [str(world.own.pk)]
    assert (
        page(client, world.staff, "/en/projects/?stage=production").select("tr[data-project]") == []
    )
    bad = page(client, world.staff, "/en/projects/?stage=nonsense&town=abc")
    assert len(bad.select("tr[data-project]")) == 2  # bad filters are ignored, not an error


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    response = client.get("/en/projects/")
    assert response.status_code == 302 and "/en/accounts/login/" in response["Location"]


def grow(world, n):
    for _ in range(n):
        project = f.project(world.staff, world.ent_a, [world.build], lead=world.helper)
        land = project.approvals.get(item__code="LAND")
        approval_transition(actor=world.staff, approval_id=land.pk, action="receive")
        approval_transition(actor=world.staff, approval_id=land.pk, action="accept")
        comment_add(actor=world.helper, project_id=project.pk, body="进展", internal=True)


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["staff", "helper", "officer", "enterprise"])
def test_page_query_counts_are_constant_as_data_grows(client, world, role):
    client.force_login(getattr(world, role))
    grow(world, 2)
    urls = ["/en/projects/", f"/en/projects/{world.own.pk}/"]
    if role in ("staff", "officer"):
        urls.append("/en/queue/")
    for url in urls:  # warm the per-process caches (content types, locales)
        client.get(url)
    small = [queries(client, url) for url in urls]
    grow(world, 10)
    assert [queries(client, url) for url in urls] == small


@pytest.mark.parametrize("role", ["staff", "helper", "enterprise"])
def test_the_project_page_reads_each_approval_table_once(client, world, role):
    """The panels other apps add (ratings, cases, the enquiry code) reuse what the page holds:
    a filter on the prefetched approvals would run the page's prefetches again, guardian's
    checker two permission queries more."""
    land = world.approval(world.own, "LAND")
    for action in ("receive", "accept", "approve"):
        approval_transition(actor=world.staff, approval_id=land.pk, action=action)
    client.force_login(getattr(world, role))
    url = f"/en/projects/{world.own.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        soup = BeautifulSoup(client.get(url).content, "html.parser")
    sql = [q["sql"] for q in captured]
    for table in ("projects_approvalmaterial", "projects_approvalpause", "projects_approval"):
        rows_read = [q for q in sql if q.startswith(f'SELECT "{table}"."id"')]
        assert len(rows_read) == 1, (table, rows_read)
    assert not [q for q in sql if "projectgroupobjectpermission" in q]
    if role == "enterprise":  # the decided approval is offered for rating
        assert soup.select_one(f"#rating-approval-{land.pk}") is not None


# --- /projects/<id>/ --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_project_page_is_404_for_those_who_may_not_see_it(client, world, role):
    if role in SEES_OWN:
        soup = page(client, getattr(world, role), f"/en/projects/{world.own.pk}/")
        assert soup.h1.get_text() == world.own.name
    else:
        page(client, getattr(world, role), f"/en/projects/{world.own.pk}/", status=404)


def test_the_enterprise_sees_what_is_still_needed_and_no_internal_matter(client, world):
    land = world.approval(world.own, "LAND")
    for action, extra in [
        ("receive", {}),
        ("accept", {}),
        (
            "request_supplement",
            {
                "reason": "盖章不清",
                "missing_materials": ["申请表"],
                "materials_due": at(2026, 12, 20).date(),
            },
        ),
    ]:
        approval_transition(actor=world.officer, approval_id=land.pk, action=action, **extra)
    comment_add(actor=world.helper, project_id=world.own.pk, body="内部意见：催办", internal=True)
    comment_add(actor=world.helper, project_id=world.own.pk, body="请尽快补正", internal=False)
    soup = page(client, world.enterprise, f"/en/projects/{world.own.pk}/")
    needed = soup.select_one(".still-needed")
    assert needed.h2.get_text() == "What we still need from you"
    assert "Application form" in text(needed) and "2026-12-20" in text(needed)
    body = text(soup)
    assert "请尽快补正" in body
    assert "内部意见" not in body
    assert not soup.select(".event--internal")
    assert soup.select_one('input[name="internal"]') is None
    streams = soup.select_one(".event-region")["data-streams"]
    assert f"project:{world.own.pk}:internal" not in streams
    # The enterprise may send the supplement, not decide (the card's forms come on demand).
    cards = page(client, world.enterprise, f"/en/projects/{world.own.pk}/sections/cards/")
    actions = {i["value"] for i in cards.select(f"#approval-{land.pk} input[name$='-action']")}
    assert actions == {"supplement", "withdraw"}


def test_staff_side_sees_internal_comments_and_events(client, world):
    comment_add(actor=world.helper, project_id=world.own.pk, body="内部意见：催办", internal=True)
    soup = page(client, world.officer, f"/en/projects/{world.own.pk}/")
    assert "内部意见" in text(soup)
    assert soup.select(".event--internal")


@pytest.mark.parametrize(
    ("role", "actions"),
    [
        ("officer", {"receive"}),
        ("staff", {"receive", "withdraw"}),
        ("helper", set()),
        ("housing_officer", set()),
        ("enterprise", {"withdraw"}),
    ],
)
def test_each_viewer_gets_the_transition_forms_they_may_use(client, world, role, actions):
    land = world.approval(world.own, "LAND")
    soup = page(client, getattr(world, role), f"/en/projects/{world.own.pk}/sections/cards/")
    shown = {i["value"] for i in soup.select(f"#approval-{land.pk} input[name$='-action']")}
    assert shown == actions


def test_a_transition_through_the_page_and_a_refusal_that_says_why(client, world):
    land = world.approval(world.own, "LAND")
    client.force_login(world.officer)
    url = f"/en/projects/{world.own.pk}/approvals/{land.pk}/transition/"
    response = client.post(url, {f"a{land.pk}-action": "receive"}, follow=True)
    assert response.redirect_chain[-1][0].endswith(
        f"/en/projects/{world.own.pk}/#approval-{land.pk}"
    )
    land.refresh_from_db()
    assert land.status == "received"
    refused = client.post(url, {f"a{land.pk}-action": "approve"}, follow=True)
    assert "Cannot approve an approval that is received" in refused.content.decode()
    key = client.post(
        url,
        {
            f"a{land.pk}-action": "accept",
            f"a{land.pk}-missing_materials": [land.materials.get(key=True).pk],
        },
        follow=True,
    )
    assert "Key materials are missing" in key.content.decode()
    land.refresh_from_db()
    assert land.status == "received"


def test_transitions_on_someone_elses_approval_are_404(client, world):
    land = world.approval(world.own, "LAND")
    client.force_login(world.water_officer)
    url = f"/en/projects/{world.own.pk}/approvals/{land.pk}/transition/"
    assert client.post(url, {f"a{land.pk}-action": "receive"}).status_code == 404
    other = world.approval(world.other, "LAND")
    client.force_login(world.officer)
    # An approval of another project under this project's URL is not found either.
    mixed = f"/en/projects/{world.own.pk}/approvals/{other.pk}/transition/"
    assert client.post(mixed, {f"a{other.pk}-action": "receive"}).status_code == 404


def test_the_timeline_draws_bars_pauses_and_prerequisite_arrows(client, world):
    land = world.approval(world.own, "LAND")
    for action, extra in [
        ("receive", {}),
        ("accept", {}),
        ("request_supplement", {"reason": "r", "missing_materials": ["申请表"]}),
    ]:
        approval_transition(
            actor=world.officer, approval_id=land.pk, action=action, now=at(2026, 11, 2), **extra
        )
    approval_transition(
        actor=world.enterprise, approval_id=land.pk, action="supplement", now=at(2026, 11, 6)
    )
    soup = page(client, world.helper, f"/en/projects/{world.own.pk}/sections/timeline/")
    chart = soup.select_one("svg.timeline__chart")
    assert len(chart.select("rect.bar")) == 3
    assert len(chart.select("rect.pause")) == 1
    assert len(chart.select("path.arrow")) == 2  # LAND -> PLAN -> BUILD
    assert chart.select_one("line.today") is not None


def test_print_stylesheet_hides_the_forms(client, world):
    soup = page(client, world.helper, f"/en/projects/{world.own.pk}/")
    assert "no-print" in soup.select_one(".approval-details")["class"]
    assert "no-print" in soup.select_one("#comments")["class"]


# --- /queue/ -----------------------------------------------------------------------------------


def test_the_queue_lists_the_departments_open_approvals_oldest_due_first(client, world):
    own_land = world.approval(world.own, "LAND")
    other_land = world.approval(world.other, "LAND")
    for approval, when in [(own_land, at(2026, 11, 2)), (other_land, at(2026, 10, 12))]:
        approval_transition(
            actor=world.officer, approval_id=approval.pk, action="receive", now=when
        )
        approval_transition(actor=world.officer, approval_id=approval.pk, action="accept", now=when)
    soup = page(client, world.officer, "/en/queue/")
    ids = [row["data-approval"] for row in soup.select("tr[data-approval]")]
    assert ids[:2] == [str(other_land.pk), str(own_land.pk)]
    build = world.approval(world.own, "BUILD")
    assert str(build.pk) not in ids  # another department's
    assert soup.select(f'tr[data-approval="{own_land.pk}"] form')


def test_the_queue_puts_what_to_act_on_first_and_filters(client, world):
    """Received first, then supplements to review, then accepted by due date, then waiting on
    the enterprise; items nobody applied for only behind their filter."""
    from projects.services import material_upload
    from tests.projects.test_materials import pdf

    own_land, other_land = world.approval(world.own, "LAND"), world.approval(world.other, "LAND")
    own_plan = world.approval(world.own, "PLAN")
    move = approval_transition
    move(actor=world.officer, approval_id=own_land.pk, action="receive", now=at(2026, 11, 2))
    move(actor=world.officer, approval_id=other_land.pk, action="receive", now=at(2026, 11, 2))
    move(actor=world.officer, approval_id=other_land.pk, action="accept", now=at(2026, 11, 2))
    form = other_land.materials.get(key=True)
    material_upload(actor=world.enterprise2, material_id=form.pk, upload=pdf())
    soup = page(client, world.officer, "/en/queue/")
    ids = [int(row["data-approval"]) for row in soup.select("tr[data-approval]")]
    assert ids == [own_land.pk, other_land.pk]  # PLAN: nobody applied for it yet
    soup = page(client, world.officer, "/en/queue/?state=not_applied")
    assert [int(r["data-approval"]) for r in soup.select("tr[data-approval]")] == [own_plan.pk]
    soup = page(client, world.officer, "/en/queue/?state=supplemented")
    assert [int(r["data-approval"]) for r in soup.select("tr[data-approval]")] == [other_land.pk]
    soup = page(client, world.officer, "/en/queue/?project=LOGI")
    assert [int(r["data-approval"]) for r in soup.select("tr[data-approval]")] == [other_land.pk]
    # Approving asks for the decision form; it is not a one-click button.
    row = soup.select_one(f'tr[data-approval="{other_land.pk}"]')
    assert row.select_one("details.decision textarea[name$='-conditions']")
    assert not row.select('form.inline-form input[value="approve"]')
    assert page(client, world.officer, "/en/queue/?due_within=abc").select(".message--error")


@pytest.mark.parametrize("role", ["helper", "enterprise", "enterprise2"])
def test_the_queue_is_not_for_others(client, world, role):
    page(client, getattr(world, role), "/en/queue/", status=404)


# --- registering and editing -------------------------------------------------------------------


def test_a_helper_registers_a_project_with_prerequisites_and_becomes_its_lead(client, world):
    client.force_login(world.helper)
    response = client.post(
        "/en/projects/new/",
        {
            "code": "NEW-1",
            "name": "新项目",
            "enterprise": world.ent_a.pk,
            "stage": "negotiating",
            "lead_helper": world.helper.pk,
            "items": [world.build.pk],
        },
    )
    assert response.status_code == 302
    # A helper does not choose the code: the portal gives the next number of the year.
    assert not world.own.__class__.objects.filter(code="NEW-1").exists()
    project = world.own.__class__.objects.get(code__startswith="ZDXM-")
    assert response["Location"] == f"/en/projects/{project.pk}/"
    # The progress-lookup code is made with the project and shown once, to the helper.
    assert project.enquiry_code_hash
    first = client.get(response["Location"]).content.decode()
    assert "New enquiry code" in first
    assert "New enquiry code" not in client.get(response["Location"]).content.decode()
    assert sorted(project.approvals.values_list("item__code", flat=True)) == [
        "BUILD",
        "LAND",
        "PLAN",
    ]
    client.force_login(world.staff)
    again = client.post(
        "/en/projects/new/",
        {"code": "GLASS", "name": "x", "enterprise": world.ent_a.pk, "stage": "negotiating"},
    )
    assert again.status_code == 200
    assert "A project with this code exists already." in again.content.decode()


@pytest.mark.parametrize("role", ["officer", "enterprise"])
def test_only_staff_and_helpers_register(client, world, role):
    page(client, getattr(world, role), "/en/projects/new/", status=404)


def test_editing_helpers_items_and_stage(client, world):
    client.force_login(world.helper)
    url = f"/en/projects/{world.own.pk}/edit/"
    assert client.get(url).status_code == 200
    extra = f.item(world.housing, "EXTRA")
    client.post(url, {"what": "items", "items": [extra.pk]})
    assert world.own.approvals.filter(item__code="EXTRA").exists()
    removed = world.own.approvals.get(item__code="EXTRA")
    client.post(url, {"what": "remove", "approval": removed.pk})
    assert not world.own.approvals.filter(item__code="EXTRA").exists()
    refused = client.post(
        url, {"what": "remove", "approval": world.approval(world.own, "LAND").pk}, follow=True
    )
    assert "need this approval first" in refused.content.decode()
    client.post(url, {"what": "facts", "name": world.own.name, "stage": "signed"})
    world.own.refresh_from_db()
    assert world.own.stage == "signed"
    assert Event.objects.filter(stream=f"project:{world.own.pk}", event="project.updated").exists()
    client.post(
        url, {"what": "helpers", "lead_helper": world.helper.pk, "helpers": [world.helper2.pk]}
    )
    assert list(world.own.helpers.all()) == [world.helper2]
    page(client, world.enterprise, url, status=404)
    page(client, world.helper2 if False else world.officer, url, status=404)


def test_comments_public_and_internal(client, world):
    client.force_login(world.enterprise)
    url = f"/en/projects/{world.own.pk}/comments/"
    client.post(url, {"body": "我们已准备好材料"})
    refused = client.post(url, {"body": "偷偷内部", "internal": "on"}, follow=True)
    assert refused.status_code == 409
    assert "You may not write internal comments." in refused.content.decode()
    assert "偷偷内部" in refused.content.decode()  # what was typed is still in the form
    assert list(Comment.objects.values_list("body", "internal")) == [("我们已准备好材料", False)]
    client.force_login(world.helper)
    client.post(url, {"body": "内部：催规划局", "internal": "on"})
    internal = Event.objects.filter(
        stream=f"project:{world.own.pk}:internal", event="comment.added"
    )
    assert internal.count() == 1
    empty = client.post(url, {"body": "  "}, follow=True)
    assert empty.status_code == 400
    assert 'aria-invalid="true"' in empty.content.decode()
    assert Comment.objects.count() == 2
    client.force_login(world.enterprise2)
    assert client.post(url, {"body": "guess"}).status_code == 404


def test_the_edit_page_offers_remove_exactly_where_the_service_allows_it(client, world):
    """The page and the service read one rule: LAND and PLAN are needed by others, BUILD not."""
    from projects.selectors import approval_removal_refusals

    client.force_login(world.staff)
    response = client.get(f"/en/projects/{world.own.pk}/edit/")
    offered = {
        int(value)
        for value in re.findall(r'name="approval" value="(\d+)"', response.content.decode())
    }
    approvals = list(world.own.approvals.all())
    allowed = {pk for pk, refusal in approval_removal_refusals(approvals).items() if not refusal}
    assert offered == allowed == {world.approval(world.own, "BUILD").pk}
    land = world.approval(world.own, "LAND")
    response = client.post(
        f"/en/projects/{world.own.pk}/edit/", {"what": "remove", "approval": land.pk}, follow=True
    )
    assert land.pk in set(world.own.approvals.values_list("pk", flat=True))
    assert "need this approval first" in response.content.decode()
    response = client.post(
        f"/en/projects/{world.own.pk}/edit/", {"what": "remove", "approval": "x"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("start", [date(9999, 12, 31), date(1, 1, 1)])
def test_a_bad_date_already_stored_breaks_no_page(client, world, start):
    """Stored before the boundary checked it: every page that shows it still renders."""
    Project.objects.filter(pk=world.own.pk).update(planned_start=start)
    for user in (world.staff, world.enterprise, world.helper):
        client.force_login(user)
        assert client.get(f"/en/projects/{world.own.pk}/").status_code == 200
        assert client.get("/en/projects/").status_code == 200
        assert client.get(f"/api/v1/projects/{world.own.pk}").status_code == 200


@pytest.mark.parametrize("start", [date(9999, 12, 31), date(1, 1, 1), date(1999, 12, 31)])
def test_a_date_outside_the_window_is_refused_at_the_boundary(world, start):
    from portal.errors import InvalidInput
    from projects.services import project_register, project_update

    with pytest.raises(InvalidInput) as refused:
        project_update(actor=world.staff, project_id=world.own.pk, planned_start=start)
    assert refused.value.field == "planned_start" and "2000-01-01" in str(refused.value.message)
    with pytest.raises(InvalidInput):
        project_register(
            actor=world.staff, code="X-1", name="试", enterprise=world.ent_a, planned_start=start
        )
    world.own.refresh_from_db()
    assert world.own.planned_start != start
