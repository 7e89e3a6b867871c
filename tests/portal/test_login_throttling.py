"""Guessing passwords: every sign-in surface locks a username for an address after a handful of
failures, says so clearly, and staff unlock it."""

import json

import pytest
from django.core import mail
from django.test import Client

from tests.projects import factories as f

pytestmark = pytest.mark.django_db

WRONG = "not-the-password"
RIGHT = "Yangliuqing-2026!"


@pytest.fixture
def person(settings):
    settings.AXES_FAILURE_LIMIT = 5
    user = f.user("zhang", "helper")
    user.set_password(RIGHT)
    user.email = "zhang@example.cn"
    user.save()
    return user


def site_login(client, password, username="zhang"):
    return client.post("/en/accounts/login/", {"username": username, "password": password})


def token(client, password, username="zhang"):
    return client.post(
        "/api/v1/tokens",
        json.dumps({"username": username, "password": password}),
        content_type="application/json",
    )


def wagtail_login(client, password, username="zhang"):
    return client.post("/admin/login/", {"username": username, "password": password})


def django_admin_login(client, password, username="zhang"):
    return client.post("/django-admin/login/", {"username": username, "password": password})


@pytest.mark.parametrize("surface", [site_login, token, wagtail_login, django_admin_login])
def test_sixty_guesses_then_the_right_password_is_refused(person, surface):
    client = Client()
    for _ in range(60):
        surface(client, WRONG)
    response = surface(client, RIGHT)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # The site login here is the English page; the others answer in the default language.
    if surface is token:
        assert response.json()["code"] == "locked_out"
        assert "15 分钟后再试" in response.json()["detail"]
    elif surface is site_login:
        assert "Too many failed sign-ins" in response.content.decode()
    else:
        assert "登录失败次数过多" in response.content.decode()


def test_a_few_mistakes_do_not_lock_and_a_success_forgets_them(person):
    client = Client()
    for _ in range(4):
        assert site_login(client, WRONG).status_code == 200
    assert site_login(client, RIGHT).status_code == 302
    client.logout()
    for _ in range(4):
        site_login(client, WRONG)
    assert site_login(client, RIGHT).status_code == 302


def test_the_lock_is_per_address_so_others_cannot_lock_a_person_out(person):
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(10):
        site_login(attacker, WRONG)
    assert site_login(attacker, RIGHT).status_code == 429
    assert site_login(Client(REMOTE_ADDR="198.51.100.7"), RIGHT).status_code == 302


def test_the_message_is_in_chinese_on_the_chinese_page(person):
    client = Client()
    for _ in range(6):
        response = client.post("/accounts/login/", {"username": "zhang", "password": WRONG})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_staff_unlock_and_others_cannot(client, person):
    attacker = Client()
    for _ in range(6):
        site_login(attacker, WRONG)
    assert site_login(attacker, RIGHT).status_code == 429
    client.force_login(f.user("helper9", "helper"))
    assert client.get("/en/accounts/lockouts/").status_code == 404
    client.force_login(f.user("boss", "staff"))
    page = client.get("/en/accounts/lockouts/")
    assert page.status_code == 200 and "zhang" in page.content.decode()
    attempt_id = page.context["page"][0].pk
    assert client.post("/en/accounts/lockouts/", {"attempt": "x"}).status_code == 302
    client.post("/en/accounts/lockouts/", {"attempt": attempt_id})
    assert site_login(attacker, RIGHT).status_code == 302


def test_password_reset_answers_the_same_and_the_worker_sends(client, person, settings):
    settings.PORTAL_BASE_URL = "https://portal.example.gov.cn"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    known = client.post("/en/accounts/password/reset/", {"email": "zhang@example.cn"})
    unknown = client.post("/en/accounts/password/reset/", {"email": "nobody@example.cn"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert mail.outbox == []  # nothing is sent in the request
    from portal.accounts import send_password_reset

    send_password_reset.call(email="zhang@example.cn", language="en")
    send_password_reset.call(email="nobody@example.cn", language="en")
    assert [m.to for m in mail.outbox] == [["zhang@example.cn"]]
    assert "https://portal.example.gov.cn/en/accounts/reset/" in mail.outbox[0].body
