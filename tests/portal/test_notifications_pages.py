"""/notifications/ and /notifications/preferences/, and the unread count in the header."""

import pytest
from bs4 import BeautifulSoup
from django.db import transaction
from django.template import Context, Template
from django.test import RequestFactory

from portal import streams
from portal.events import emit
from portal.models import Event, Notification, NotificationPreference
from portal.streams import EventType, NotificationReason, register_event_types, register_reasons
from tests.projects.conftest import world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

TOLD: list[tuple[int, str]] = []


@pytest.fixture(autouse=True, scope="module")
def _test_event_types():
    """The test's own event type and reasons, registered while this module runs only (the
    registry is process-wide: other tests read every registered type)."""
    register_reasons(
        [
            NotificationReason("pages_a", "Pages test reason A"),
            NotificationReason("pages_b", "Pages test reason B", email="digest"),
        ]
    )
    register_event_types(
        [
            EventType(
                "test.pages_told",
                "did a page test",
                sentence=lambda data: f"did page test {data.get('n')}",
                notify=lambda row: list(TOLD),
            )
        ]
    )
    yield
    for name in ["test.pages_told"]:
        streams._registry.event_types.pop(name, None)
    for code in ["pages_a", "pages_b"]:
        streams._registry.reasons.pop(code, None)


def tell(world, *, n, reason="pages_a", user=None, project=None):  # noqa: F811
    TOLD[:] = [((user or world.enterprise).pk, reason)]
    with transaction.atomic():
        emit(
            stream=f"project:{(project or world.own).pk}",
            event="test.pages_told",
            actor=world.officer,
            data={"n": n},
        )
    return Notification.objects.order_by("-pk").first()


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def test_anonymous_people_are_sent_to_log_in(client):
    for url in ("/en/notifications/", "/en/notifications/preferences/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post("/en/notifications/read-all/").status_code == 302


def test_my_notifications_newest_first_unread_marked_linked_to_the_project(
    client,
    world,  # noqa: F811
):
    first = tell(world, n=1)
    tell(world, n=2, reason="pages_b")
    tell(world, n=3, user=world.enterprise2, project=world.other)  # someone else's
    first.read_at = first.created_at
    first.save()
    client.force_login(world.enterprise)
    page = soup(client.get("/en/notifications/"))
    items = page.select("li[data-notification]")
    assert [i.a.get_text() for i in items] == [
        f"{world.officer.get_full_name()} did page test 2",
        f"{world.officer.get_full_name()} did page test 1",
    ]
    assert "notification--unread" in items[0]["class"]
    assert "notification--unread" not in items[1]["class"]
    assert items[0].a["href"] == f"/en/projects/{world.own.pk}/"
    # The header's count: one unread.
    badge = page.select_one("#notification-badge")
    assert badge["data-unread"] == "1" and not badge.has_attr("hidden")
    # Filtered by reason.
    filtered = soup(client.get("/en/notifications/?reason=pages_a"))
    assert [i.a.get_text() for i in filtered.select("li[data-notification]")] == [
        f"{world.officer.get_full_name()} did page test 1"
    ]


def test_mark_one_read_and_mark_all_read(client, world):  # noqa: F811
    notes = [tell(world, n=n) for n in range(3)]
    other = tell(world, n=9, user=world.enterprise2, project=world.other)
    client.force_login(world.enterprise)
    response = client.post(f"/en/notifications/{notes[0].pk}/read/")
    assert response.status_code == 302
    notes[0].refresh_from_db()
    assert notes[0].read_at is not None
    # Someone else's (a guessed id) is not found and stays unread.
    assert client.post(f"/en/notifications/{other.pk}/read/").status_code == 404
    assert client.post("/en/notifications/999999/read/").status_code == 404
    other.refresh_from_db()
    assert other.read_at is None
    assert client.get(f"/en/notifications/{notes[1].pk}/read/").status_code == 405
    # The other tabs hear the new count.
    read = Event.objects.filter(stream=f"user:{world.enterprise.pk}", event="notification.read")
    assert read.latest("seq").data["unread"] == 2
    client.post("/en/notifications/read-all/")
    assert not Notification.objects.filter(user=world.enterprise, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=other.pk).read_at is None
    badge = soup(client.get("/en/notifications/")).select_one("#notification-badge")
    assert badge.has_attr("hidden")


def test_mark_all_read_of_one_reason(client, world):  # noqa: F811
    a = tell(world, n=1, reason="pages_a")
    b = tell(world, n=2, reason="pages_b")
    client.force_login(world.enterprise)
    client.post("/en/notifications/read-all/", {"reason": "pages_b"})
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.read_at is None and b.read_at is not None


def test_the_list_costs_the_same_queries_at_two_sizes(
    client,
    world,  # noqa: F811
    django_assert_max_num_queries,
):
    client.force_login(world.enterprise)
    for n in range(3):
        tell(world, n=n)
    client.get("/en/notifications/")  # warm caches (session, roles)
    with django_assert_max_num_queries(12) as small:
        client.get("/en/notifications/")
    for n in range(40):
        tell(world, n=n)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/en/notifications/")
    assert len(soup(response).select("li[data-notification]")) == 25
    assert soup(client.get("/en/notifications/?page=2")).select("li[data-notification]")


def test_preferences_are_chosen_per_reason_and_validated(client, world):  # noqa: F811
    client.force_login(world.helper)
    page = soup(client.get("/en/notifications/preferences/"))
    checked = {i["name"]: i["value"] for i in page.select("input[type=radio][checked]")}
    # The reasons' defaults: the decisions emailed at once as before, test B in the digest.
    assert checked["email-approval_decided"] == "immediate"
    assert checked["email-pages_b"] == "digest"
    form = dict(checked)
    form["email-pages_a"] = "off"
    form["email-approval_decided"] = "digest"
    assert client.post("/en/notifications/preferences/", form).status_code == 302
    saved = dict(
        NotificationPreference.objects.filter(user=world.helper).values_list("reason", "email")
    )
    assert saved["pages_a"] == "off" and saved["approval_decided"] == "digest"
    # A made-up choice is refused and nothing changes.
    form["email-pages_a"] = "hourly"
    form["email-pages_b"] = "off"
    response = client.post("/en/notifications/preferences/", form)
    assert response.status_code == 400
    assert "Choose one of the options." in response.content.decode()
    assert NotificationPreference.objects.get(user=world.helper, reason="pages_b").email == (
        "digest"
    )
    # The chosen email decides the next notification's delivery.
    note = tell(world, n=1, user=world.helper, reason="pages_a")
    assert note.email_state == "skipped"


def test_the_header_count_asks_nothing_for_anonymous_people(
    world,  # noqa: F811
    django_assert_num_queries,
):
    from django.contrib.auth.models import AnonymousUser

    template = Template("{% load notification_tags %}{% unread_notifications %}")
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert template.render(Context({"request": request})) == "0"
    tell(world, n=1)
    request.user = world.enterprise
    with django_assert_num_queries(1):
        assert template.render(Context({"request": request})) == "1"


def test_chinese_is_the_default_language_of_the_pages(client, world):  # noqa: F811
    tell(world, n=1)
    client.force_login(world.enterprise)
    response = client.get("/notifications/")
    assert response.status_code == 200
    assert soup(response).select_one(f"a[href='/projects/{world.own.pk}/']")
