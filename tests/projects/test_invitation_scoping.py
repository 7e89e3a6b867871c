"""An invitation never shows an account projects its inviter could not see.

The probe from the trust issue: helper2 registers a dummy project for a company that already
has projects (and users), invites an address it controls as that company's user, sets the
password from the invitation and signs in. The account must see none of the company's
projects until the company's administrator (or staff) confirms it.
"""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from portal.errors import InvalidInput, NotVisible, PermissionRefused, TransitionRefused
from portal.models import Event, User
from portal.streams import event_label, event_subject, event_type
from projects import permissions as perms
from projects.models import EnterpriseMembershipRequest, Project
from projects.selectors import projects_visible_to
from projects.services import (
    enterprise_admin_set,
    enterprise_membership_confirm,
    enterprise_membership_refuse,
    enterprise_user_invite,
    enterprise_user_remove,
)
from tests.projects import factories as f

pytestmark = pytest.mark.django_db

PASSWORD = "Zhangjiawo-2026!"


@pytest.fixture(autouse=True)
def public_address(settings):
    settings.PORTAL_BASE_URL = "https://portal.example.gov.cn"


@pytest.fixture
def admin(world):
    """The glass company's own user administers it."""
    enterprise_admin_set(
        actor=world.staff, enterprise_id=world.ent_a.pk, user_id=world.enterprise.pk
    )
    return User.objects.get(pk=world.enterprise.pk)


def fresh(user) -> User:
    return User.objects.get(pk=user.pk)


def stream_events(user, *names) -> list[Event]:
    rows = Event.objects.filter(stream=f"user:{user.pk}").order_by("seq")
    return [e for e in rows if not names or e.event in names]


def register_dummy(client, helper, enterprise) -> Project:
    """What the probe did first: a project of its own for somebody else's company."""
    client.force_login(helper)
    response = client.post(
        "/en/projects/new/",
        {
            "name": "虚设项目",
            "enterprise": enterprise.pk,
            "stage": "negotiating",
            "lead_helper": helper.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    # A helper's code is not taken (the portal numbers the project): found by where it leads.
    return Project.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))


def invite_from_page(client, helper, project, email, capture) -> tuple[User, str]:
    """Invite through the project's edit page; the worker sends the email at once."""
    client.force_login(helper)
    with capture(execute=True):
        response = client.post(
            f"/en/projects/{project.pk}/edit/",
            {"what": "invite", "name": "Probe", "email": email, "language": "en"},
            follow=True,
        )
    assert response.status_code == 200
    client.logout()
    return User.objects.get(email=email), response.content.decode()


def set_password_from_email(client, email) -> None:
    """The invited person follows the link in their email and chooses a password."""
    message = next(m for m in reversed(mail.outbox) if m.to == [email])
    link = re.search(r"https://portal\.example\.gov\.cn(/\S*/reset/\S+/)", message.body)
    assert link, message.body
    form = client.get(link.group(1), follow=True)
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert done.status_code == 302
    client.logout()


def sign_in(client, user) -> None:
    client.logout()
    assert client.login(username=user.username, password=PASSWORD)


def api_codes(client) -> set[str]:
    response = client.get("/api/v1/projects")
    assert response.status_code == 200
    return {p["code"] for p in response.json()["items"]}


# --- the probe ----------------------------------------------------------------------------------


def test_the_probe_sees_nothing_until_the_enterprise_administrator_confirms(
    client, world, admin, immediate_tasks, django_capture_on_commit_callbacks
):
    dummy = register_dummy(client, world.helper2, world.ent_a)
    probe, page = invite_from_page(
        client, world.helper2, dummy, "probe@mailbox.example", django_capture_on_commit_callbacks
    )
    assert "once its administrator or the bureau confirms them" in page
    assert not world.ent_a.users.filter(pk=probe.pk).exists()
    request = EnterpriseMembershipRequest.objects.get(user=probe)
    assert (request.enterprise, request.requested_by, request.is_pending) == (
        world.ent_a,
        world.helper2,
        True,
    )
    # The invitation says that access waits for a confirmation.
    assert "waits for confirmation" in mail.outbox[-1].body

    set_password_from_email(client, "probe@mailbox.example")
    sign_in(client, probe)
    assert client.get(f"/en/projects/{world.own.pk}/").status_code == 404
    assert client.get(f"/en/projects/{dummy.pk}/").status_code == 404
    assert api_codes(client) == set()
    assert client.get(f"/api/v1/projects/{world.own.pk}").status_code == 404
    assert client.get("/en/accounts/requests/").status_code == 404

    # The company's administrator was told, and confirms on their page.
    notice = stream_events(admin, "enterprise.membership_requested")[-1]
    assert notice.actor == world.helper2 and notice.data["request_id"] == request.pk
    assert event_subject(notice.event, notice.data) == f"{world.ent_a.name_en}: Probe"
    client.force_login(admin)
    listed = client.get("/en/accounts/requests/").content.decode()
    assert "probe@mailbox.example" in listed and "helper2" in listed.lower()
    with django_capture_on_commit_callbacks(execute=True):
        decided = client.post(f"/en/accounts/requests/{request.pk}/", {"decision": "confirm"})
    assert decided.status_code == 302

    sign_in(client, probe)
    assert client.get(f"/en/projects/{world.own.pk}/").status_code == 200
    assert api_codes(client) == {"GLASS", dummy.code}
    confirmed = stream_events(probe, "enterprise.membership_confirmed")[-1]
    assert confirmed.actor == admin and event_type(confirmed.event).changes_access
    with translation.override("en"):
        assert event_label(confirmed.event) == "confirmed you as a user of"
    request.refresh_from_db()
    assert (request.decision, request.decided_by) == ("confirmed", admin)
    # helper2 itself still reaches only its own projects.
    client.force_login(world.helper2)
    assert client.get(f"/en/projects/{world.own.pk}/").status_code == 404


def test_a_refused_person_never_sees_the_projects(
    client, world, admin, immediate_tasks, django_capture_on_commit_callbacks
):
    dummy = register_dummy(client, world.helper2, world.ent_a)
    probe, _ = invite_from_page(
        client, world.helper2, dummy, "probe@mailbox.example", django_capture_on_commit_callbacks
    )
    request = EnterpriseMembershipRequest.objects.get(user=probe)
    client.force_login(admin)
    client.post(f"/en/accounts/requests/{request.pk}/", {"decision": "refuse"})
    request.refresh_from_db()
    assert (request.decision, request.decided_by) == ("refused", admin)
    assert stream_events(probe, "enterprise.membership_refused")[-1].actor == admin
    with pytest.raises(TransitionRefused):
        enterprise_membership_confirm(actor=world.staff, request_id=request.pk)
    set_password_from_email(client, "probe@mailbox.example")
    sign_in(client, probe)
    assert client.get(f"/en/projects/{world.own.pk}/").status_code == 404
    assert api_codes(client) == set()
    assert not projects_visible_to(fresh(probe)).exists()


def test_registering_for_an_existing_enterprise_gives_rights_on_that_project_only(client, world):
    dummy = register_dummy(client, world.helper2, world.ent_a)
    helper2 = fresh(world.helper2)
    assert set(projects_visible_to(helper2).values_list("code", flat=True)) == {"LOGI", dummy.code}
    assert perms.can_manage_project(helper2, dummy)
    assert not perms.can_view_project(helper2, world.own)
    assert not perms.can_manage_project(helper2, world.own)
    client.force_login(helper2)
    assert client.get(f"/en/projects/{dummy.pk}/").status_code == 200
    for url in (f"/en/projects/{world.own.pk}/", f"/en/projects/{world.own.pk}/edit/"):
        assert client.get(url).status_code == 404
    assert api_codes(client) == {"LOGI", dummy.code}
    # Nor does registering make anyone a user of the enterprise.
    assert not world.ent_a.users.filter(pk=helper2.pk).exists()


# --- when an invitation joins at once -------------------------------------------------------------


def test_an_enterprise_without_users_but_with_projects_the_inviter_cannot_see_waits_too(world):
    empty = f.enterprise([], name="渔光互补公司")
    solar = f.project(world.staff, empty, [world.land], lead=world.helper, code="SOLAR")
    dummy = f.project(world.staff, empty, [], lead=world.helper2, code="DUMMY")
    probe = enterprise_user_invite(
        actor=world.helper2, enterprise_id=empty.pk, email="probe@mailbox.example", name="Probe"
    )
    assert not empty.users.exists()
    assert EnterpriseMembershipRequest.objects.get(user=probe).is_pending
    assert not projects_visible_to(fresh(probe)).filter(pk__in=[solar.pk, dummy.pk]).exists()
    # Nobody administers it yet: staff decide.
    assert not Event.objects.filter(event="enterprise.membership_requested").exists()
    assert [r.user for r in perms_requests(world.staff)] == [probe]


def perms_requests(user):
    from projects.selectors import membership_requests_to_decide

    return list(membership_requests_to_decide(fresh(user)))


def test_a_helper_of_every_project_of_an_enterprise_without_users_invites_at_once(world):
    empty = f.enterprise([], name="粮食储备库")
    depot = f.project(world.staff, empty, [world.land], lead=world.helper2, code="DEPOT")
    person = enterprise_user_invite(
        actor=world.helper2, enterprise_id=empty.pk, email="first@depot.cn", name="First"
    )
    assert empty.users.filter(pk=person.pk).exists()
    assert not EnterpriseMembershipRequest.objects.filter(user=person).exists()
    assert list(projects_visible_to(fresh(person))) == [depot]
    # The second person is a new user of an enterprise that has one: it waits.
    second = enterprise_user_invite(
        actor=world.helper2, enterprise_id=empty.pk, email="second@depot.cn", name="Second"
    )
    assert not empty.users.filter(pk=second.pk).exists()


def test_staff_invite_at_once_with_an_event_that_changes_access(
    world, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        person = enterprise_user_invite(
            actor=world.staff, enterprise_id=world.ent_a.pk, email="new@glass.cn", name="New"
        )
    assert world.ent_a.users.filter(pk=person.pk).exists()
    assert [e.event for e in stream_events(person)] == [
        "enterprise.user_invited",
        "enterprise.user_added",
    ]
    added = stream_events(person, "enterprise.user_added")[0]
    assert added.actor == world.staff and event_type(added.event).changes_access
    assert "waits for confirmation" not in mail.outbox[-1].body
    assert world.ent_a.name in mail.outbox[-1].body or world.ent_a.name_en in mail.outbox[-1].body


# --- who decides -------------------------------------------------------------------------------


def test_only_staff_and_the_enterprise_administrators_decide(client, world, admin):
    colleague = f.user("colleague", "enterprise")
    world.ent_a.users.add(colleague)
    other_admin = fresh(world.enterprise2)
    enterprise_admin_set(actor=world.staff, enterprise_id=world.ent_b.pk, user_id=other_admin.pk)
    f.project(world.staff, world.ent_a, [], lead=world.helper2, code="DUMMY")
    probe = enterprise_user_invite(
        actor=world.helper2, enterprise_id=world.ent_a.pk, email="probe@x.cn", name="Probe"
    )
    request = EnterpriseMembershipRequest.objects.get(user=probe)
    for outsider in (colleague, world.helper2, other_admin, world.helper, world.officer, probe):
        for decide in (enterprise_membership_confirm, enterprise_membership_refuse):
            with pytest.raises(NotVisible):
                decide(actor=fresh(outsider), request_id=request.pk)
    client.force_login(colleague)
    assert client.get("/en/accounts/requests/").status_code == 404
    assert (
        client.post(f"/en/accounts/requests/{request.pk}/", {"decision": "confirm"}).status_code
        == 404
    )
    client.force_login(other_admin)
    assert "probe@x.cn" not in client.get("/en/accounts/requests/").content.decode()
    assert (
        client.post(f"/en/accounts/requests/{request.pk}/", {"decision": "confirm"}).status_code
        == 404
    )
    assert not world.ent_a.users.filter(pk=probe.pk).exists()
    # Staff may decide too.
    enterprise_membership_confirm(actor=world.staff, request_id=request.pk)
    assert world.ent_a.users.filter(pk=probe.pk).exists()


def test_only_staff_choose_administrators_among_the_enterprise_users(world, admin):
    with pytest.raises(PermissionRefused):
        enterprise_admin_set(
            actor=world.helper, enterprise_id=world.ent_a.pk, user_id=world.enterprise2.pk
        )
    with pytest.raises(PermissionRefused):
        enterprise_admin_set(actor=admin, enterprise_id=world.ent_a.pk, user_id=admin.pk)
    with pytest.raises(InvalidInput):
        enterprise_admin_set(
            actor=world.staff, enterprise_id=world.ent_a.pk, user_id=world.enterprise2.pk
        )
    with pytest.raises(TransitionRefused):
        enterprise_admin_set(actor=world.staff, enterprise_id=world.ent_a.pk, user_id=admin.pk)
    granted = stream_events(admin, "enterprise.admin_granted")[-1]
    assert granted.actor == world.staff and granted.data["enterprise"]["id"] == world.ent_a.pk
    # Taken off the enterprise, a person no longer administers it.
    enterprise_user_remove(actor=world.staff, enterprise_id=world.ent_a.pk, user_id=admin.pk)
    assert not world.ent_a.administrators.filter(pk=admin.pk).exists()
    assert stream_events(admin, "enterprise.admin_revoked")
    assert not perms.is_enterprise_administrator(fresh(admin))


def test_a_pending_request_is_settled_when_staff_add_the_person(world, admin):
    from projects.services import enterprise_user_add

    f.project(world.staff, world.ent_a, [], lead=world.helper2, code="DUMMY")
    probe = enterprise_user_invite(
        actor=world.helper2, enterprise_id=world.ent_a.pk, email="probe@x.cn", name="Probe"
    )
    enterprise_user_add(actor=world.staff, enterprise_id=world.ent_a.pk, user_id=probe.pk)
    request = EnterpriseMembershipRequest.objects.get(user=probe)
    assert (request.decision, request.decided_by) == ("confirmed", world.staff)
    with pytest.raises(TransitionRefused):
        enterprise_membership_refuse(actor=admin, request_id=request.pk)


def test_the_edit_page_lists_who_is_waiting(client, world, admin):
    dummy = f.project(world.staff, world.ent_a, [], lead=world.helper2, code="DUMMY")
    enterprise_user_invite(
        actor=world.helper2, enterprise_id=world.ent_a.pk, email="probe@x.cn", name="Probe"
    )
    client.force_login(world.helper2)
    page = client.get(f"/en/projects/{dummy.pk}/edit/").content.decode()
    waiting = page.split("Waiting for confirmation", 1)
    assert len(waiting) == 2 and "probe@x.cn" in waiting[1]


# --- the staff's review -------------------------------------------------------------------------


def every_kind_of_change(world, admin):
    """Invited (pending), confirmed, refused, invited by staff (added), removed, admin set."""
    f.project(world.staff, world.ent_a, [], lead=world.helper2, code="DUMMY")
    kept = enterprise_user_invite(
        actor=world.helper2, enterprise_id=world.ent_a.pk, email="kept@x.cn", name="Kept"
    )
    refused = enterprise_user_invite(
        actor=world.helper2, enterprise_id=world.ent_a.pk, email="refused@x.cn", name="Refused"
    )
    waiting = enterprise_user_invite(
        actor=world.helper2, enterprise_id=world.ent_a.pk, email="waiting@x.cn", name="Waiting"
    )
    requests = {r.user_id: r for r in EnterpriseMembershipRequest.objects.all()}
    enterprise_membership_confirm(actor=admin, request_id=requests[kept.pk].pk)
    enterprise_membership_refuse(actor=admin, request_id=requests[refused.pk].pk)
    by_staff = enterprise_user_invite(
        actor=world.staff, enterprise_id=world.ent_b.pk, email="staff@x.cn", name="ByStaff"
    )
    enterprise_user_remove(actor=world.staff, enterprise_id=world.ent_b.pk, user_id=by_staff.pk)
    return kept, refused, waiting, by_staff


def test_each_change_is_an_event_and_the_staff_review_lists_them(client, world, admin):
    kept, refused, waiting, by_staff = every_kind_of_change(world, admin)
    assert [e.event for e in stream_events(kept)] == [
        "enterprise.user_invited",
        "enterprise.membership_confirmed",
    ]
    assert [e.event for e in stream_events(refused)] == [
        "enterprise.user_invited",
        "enterprise.membership_refused",
    ]
    assert [e.event for e in stream_events(waiting)] == ["enterprise.user_invited"]
    assert [e.event for e in stream_events(by_staff)] == [
        "enterprise.user_invited",
        "enterprise.user_added",
        "enterprise.user_removed",
    ]
    assert [e.event for e in stream_events(admin, "enterprise.admin_granted")] == [
        "enterprise.admin_granted"
    ]

    client.force_login(world.staff)
    response = client.get("/en/accounts/memberships/")
    assert response.status_code == 200
    page = response.content.decode()
    for word in ("invited", "confirmed", "refused", "added", "removed", "made administrator"):
        assert f"<td>{word}" in page, word
    for person in (kept, refused, waiting, by_staff, admin):
        assert person.username in page
    pending_part = page.split('id="waiting-title"', 1)[1].split('id="admins-title"', 1)[0]
    assert "1 person waiting for confirmation" in pending_part
    assert "waiting@x.cn" in pending_part and "kept@x.cn" not in pending_part
    # The link from the account page.
    assert 'href="/en/accounts/memberships/"' in client.get("/en/accounts/").content.decode()


@pytest.mark.parametrize("role", ["helper", "helper2", "officer", "enterprise", "enterprise2"])
def test_the_review_is_for_staff_only(client, world, admin, role):
    client.force_login(getattr(world, role))
    assert client.get("/en/accounts/memberships/").status_code == 404


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def grow(world, n: int, start: int) -> None:
    """n more changes of each kind: staff invitations (added) and waiting requests."""
    for i in range(start, start + n):
        enterprise = f.enterprise([], name=f"企业-{i}")
        person = enterprise_user_invite(
            actor=world.staff, enterprise_id=enterprise.pk, email=f"p{i}@x.cn", name=f"P{i}"
        )
        enterprise_admin_set(actor=world.staff, enterprise_id=enterprise.pk, user_id=person.pk)
        f.project(world.staff, world.ent_a, [], lead=world.helper2, code=f"D-{i}")
        enterprise_user_invite(
            actor=world.helper2, enterprise_id=world.ent_a.pk, email=f"w{i}@x.cn", name=f"W{i}"
        )


def test_the_review_and_the_requests_pages_take_constant_queries(client, world, admin):
    client.force_login(world.staff)
    urls = ["/en/accounts/memberships/", "/en/accounts/requests/"]
    grow(world, 2, 0)
    for url in urls:
        client.get(url)  # warm the per-process caches
    small = [queries(client, url) for url in urls]
    grow(world, 10, 100)
    large = [queries(client, url) for url in urls]
    assert small == large
    # 16: the administrator picker reads the enterprise users and, in one more, their enterprises.
    assert max(large) <= 16
    client.force_login(admin)
    admin_small = queries(client, "/en/accounts/requests/")
    grow(world, 3, 200)
    assert queries(client, "/en/accounts/requests/") == admin_small


def test_staff_choose_an_administrator_on_the_review_page(client, world):
    client.force_login(world.staff)
    url = "/en/accounts/memberships/administrators/"
    wrong = client.post(
        url, {"enterprise": world.ent_a.pk, "user": world.enterprise2.pk, "administrator": "1"}
    )
    assert wrong.status_code == 302
    assert not world.ent_a.administrators.exists()
    done = client.post(
        url, {"enterprise": world.ent_a.pk, "user": world.enterprise.pk, "administrator": "1"}
    )
    assert done.status_code == 302
    assert list(world.ent_a.administrators.all()) == [world.enterprise]
    page = client.get("/en/accounts/memberships/").content.decode()
    assert "Enterprise administrators" in page and f"{world.enterprise.username}</span>" in page
    # The administrator now finds the requests page from their account page.
    client.force_login(world.enterprise)
    assert 'href="/en/accounts/requests/"' in client.get("/en/accounts/").content.decode()
    client.force_login(world.staff)
    client.post(
        url, {"enterprise": world.ent_a.pk, "user": world.enterprise.pk, "administrator": "0"}
    )
    assert not world.ent_a.administrators.exists()
    assert [e.event for e in stream_events(world.enterprise)][-2:] == [
        "enterprise.admin_granted",
        "enterprise.admin_revoked",
    ]
    client.force_login(world.helper)
    assert (
        client.post(
            url, {"enterprise": world.ent_a.pk, "user": world.enterprise.pk, "administrator": "1"}
        ).status_code
        == 404
    )
    assert not world.ent_a.administrators.exists()
