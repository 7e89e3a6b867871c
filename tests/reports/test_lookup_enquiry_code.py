"""The enquiry code: made on registration, stored as a digest only, shown once, renewed by the
enterprise's administrators, its helpers and staff (an event says so, never the code)."""
# ruff: noqa: F811 - `world` is the fixture imported below, requested by name

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from portal.errors import NotVisible, PermissionRefused
from portal.models import Event
from projects import enquiry
from projects.models import Project
from projects.panels import rendered_panels
from projects.services.projects import project_enquiry_code_reset
from tests.projects import factories as f
from tests.projects.conftest import at, world  # noqa: F401 - the shared fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def boss(world):
    """An administrator of the glass company (among its users, as staff set them)."""
    person = f.user("boss", "enterprise")
    world.ent_a.users.add(person)
    world.ent_a.administrators.add(person)
    return person


def lookup(client, code, enquiry_code):
    return client.get(
        reverse("open_lookup"),
        {"code": code, "enquiry_code": enquiry_code},
        REMOTE_ADDR="192.0.2.1",
    )


def test_registration_makes_a_code_and_keeps_only_its_digest(world, client):
    project = f.project(world.staff, world.ent_a, code="NEW-1", name="新项目")
    code = project.enquiry_code
    assert enquiry.is_well_formed(code) and len(code) == 10
    stored = Project.objects.get(pk=project.pk).enquiry_code_hash
    assert stored and code not in stored and len(stored) == 64
    assert enquiry.matches(project.pk, stored, enquiry.formatted(code).lower())
    # Nowhere else: not in any event of the registration.
    assert not any(code in str(e.data) for e in Event.objects.all())
    assert lookup(client, "NEW-1", code).status_code == 200
    # Two registrations never share a code, nor would equal codes share a digest.
    second = f.project(world.staff, world.ent_a, code="NEW-2", name="另一个")
    assert second.enquiry_code != code
    assert enquiry.digest(project.pk, code) != enquiry.digest(second.pk, code)


@pytest.mark.parametrize("who", ["staff", "helper", "boss"])
def test_staff_the_helper_and_the_enterprise_administrator_issue_a_new_code(
    world, boss, client, who
):
    actor = boss if who == "boss" else getattr(world, who)
    old = f.project(world.staff, world.ent_a, code="NEW-3", lead=world.helper).enquiry_code
    project = Project.objects.get(code="NEW-3")
    _project, new = project_enquiry_code_reset(
        actor=actor, project_id=project.pk, now=at(2026, 11, 2)
    )
    assert new != old
    assert lookup(client, "NEW-3", new).status_code == 200
    assert lookup(client, "NEW-3", old).status_code == 404  # the old one stopped working
    event = Event.objects.get(event="project.enquiry_code_reset")
    assert event.stream == f"project:{project.pk}" and event.actor == actor
    assert new not in str(event.data) and old not in str(event.data)


@pytest.mark.parametrize(
    "who, refusal",
    [
        ("enterprise", PermissionRefused),  # a user of the company, not its administrator
        ("officer", PermissionRefused),  # sees the project through an approval
        ("helper2", NotVisible),  # another project's helper
        ("enterprise2", NotVisible),  # another company
        ("water_officer", NotVisible),
    ],
)
def test_everyone_else_is_refused_and_the_code_stays(world, who, refusal):
    digest = Project.objects.get(pk=world.own.pk).enquiry_code_hash
    with pytest.raises(refusal):
        project_enquiry_code_reset(actor=getattr(world, who), project_id=world.own.pk)
    assert Project.objects.get(pk=world.own.pk).enquiry_code_hash == digest
    assert not Event.objects.filter(event="project.enquiry_code_reset").exists()


def test_a_guessed_project_id_is_not_found(world, boss):
    with pytest.raises(NotVisible):
        project_enquiry_code_reset(actor=boss, project_id=world.other.pk)
    with pytest.raises(NotVisible):
        project_enquiry_code_reset(actor=boss, project_id=999_999)


def _panel(client, user, project):
    request = RequestFactory().get("/")
    request.user = user
    request.session = client.session
    html = {p["key"]: p["html"] for p in rendered_panels(request, project)}.get("enquiry")
    request.session.save()
    return html


def test_the_new_code_is_shown_once_on_the_project_panel(world, boss, client):
    client.force_login(boss)
    response = client.post(reverse("project_enquiry_code_reset", args=[world.own.pk]))
    assert response.status_code == 302
    assert response["Location"].endswith(f"/projects/{world.own.pk}/#panel-enquiry")
    first = _panel(client, boss, world.own)
    shown = [part for part in first.split("<strong") if 'translate="no"' in part]
    assert shown, first
    code = shown[0].split(">", 1)[1].split("<", 1)[0]
    assert lookup(client, "GLASS", code).status_code == 200
    assert "Issue a new enquiry code" in first
    again = _panel(client, boss, world.own)
    assert code not in again  # once only


def test_the_panel_tells_other_users_whom_to_ask_and_officers_see_none(world, client):
    html = _panel(client, world.enterprise, world.own)
    assert "administrator" in html and "<form" not in html
    assert _panel(client, world.officer, world.own) is None
    assert _panel(client, world.enterprise2, world.own) is None


def test_a_refused_reset_by_post_changes_nothing(world, client):
    digest = Project.objects.get(pk=world.own.pk).enquiry_code_hash
    client.force_login(world.enterprise)
    response = client.post(reverse("project_enquiry_code_reset", args=[world.own.pk]))
    assert response.status_code == 302
    assert Project.objects.get(pk=world.own.pk).enquiry_code_hash == digest
    client.force_login(world.enterprise2)
    response = client.post(reverse("project_enquiry_code_reset", args=[world.own.pk]))
    assert response.status_code == 404
    assert client.get(reverse("project_enquiry_code_reset", args=[world.own.pk])).status_code == 405
