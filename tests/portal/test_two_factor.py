"""Two-factor sign-in: staff and editors give a code from an authenticator app after their
password on every login page and for API tokens; where the site requires it they set one up
first; others may choose to."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp import models as totp_models
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.projects import factories as f

pytestmark = pytest.mark.django_db

PASSWORD = "Yangliuqing-2026!"


class FrozenClock:
    """The authenticator's clock (a code is good for 30 seconds and only once)."""

    def __init__(self):
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now

    def tick(self, seconds: int = 30) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    frozen = FrozenClock()
    monkeypatch.setattr(totp_models, "time", frozen)
    return frozen


@pytest.fixture
def required(settings):
    settings.PORTAL_REQUIRE_2FA = True
    settings.PORTAL_2FA_FAILURE_LIMIT = 5


def person(username: str, role: str):
    user = f.user(username, role)
    user.set_password(PASSWORD)
    user.save()
    return user


def code_of(device: TOTPDevice, clock: FrozenClock) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = clock.now
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device, clock) -> str:
    return f"{(int(code_of(device, clock)) + 1) % 1_000_000:06d}"


def log_in(client, username, path="/en/accounts/login/", next_url=None):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(path, data)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def enrol(client, user, clock) -> list[str]:
    """Set up an authenticator in the open session; returns the backup codes."""
    page = client.get("/en/accounts/two-factor/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(
        "/en/accounts/two-factor/", {"action": "confirm", "code": code_of(device, clock)}
    )
    assert response.status_code == 200, response.content.decode()
    clock.tick()
    return response.context["codes"]


def enrolled(username: str, role: str, clock) -> tuple:
    user = person(username, role)
    client = Client()
    log_in(client, username)  # signed in, or (staff, where required) sent to set up
    codes = enrol(client, user, clock)
    return user, TOTPDevice.objects.get(user=user, confirmed=True), codes


def test_staff_set_up_an_authenticator_after_the_password_then_need_its_code(
    client, clock, required
):
    staff = person("wang", "staff")
    response = log_in(client, "wang", next_url="/en/projects/")
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/two-factor/"
    assert not signed_in(client)
    # Nothing else opens until the authenticator is set up.
    for path in ("/en/projects/", "/admin/", "/django-admin/"):
        assert client.get(path).status_code == 302 and not signed_in(client)
    page = client.get("/en/accounts/two-factor/")
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    html = page.content.decode()
    assert "<svg" in html and "otpauth" not in html  # the QR is drawn here, the key is text
    assert page.context["secret"].replace(" ", "") in device.config_url

    refused = client.post(
        "/en/accounts/two-factor/", {"action": "confirm", "code": wrong_code(device, clock)}
    )
    assert refused.status_code == 400 and not signed_in(client)
    assert "That code is not right" in refused.content.decode()
    confirmed = client.post(
        "/en/accounts/two-factor/", {"action": "confirm", "code": code_of(device, clock)}
    )
    assert confirmed.status_code == 200 and signed_in(client)
    codes = confirmed.context["codes"]
    assert len(codes) == len(set(codes)) == 10
    assert all(code in confirmed.content.decode() for code in codes)
    assert confirmed.context["next_url"] == "/en/projects/"
    assert client.get("/en/projects/").status_code == 200
    assert client.get("/admin/").status_code == 200
    clock.tick()

    # Next time: the password, then the code.
    client.post("/en/accounts/logout/")
    response = log_in(client, "wang", next_url="/en/projects/")
    assert response["Location"] == "/en/accounts/two-factor/verify/"
    assert not signed_in(client)
    assert client.get("/en/projects/").status_code == 302
    device.refresh_from_db()
    refused = client.post("/en/accounts/two-factor/verify/", {"code": wrong_code(device, clock)})
    assert refused.status_code == 400 and not signed_in(client)
    assert "That code is not right" in refused.content.decode()
    passed = client.post("/en/accounts/two-factor/verify/", {"code": code_of(device, clock)})
    assert passed.status_code == 302 and passed["Location"] == "/en/projects/"
    assert signed_in(client)
    assert client.get("/admin/").status_code == 200
    assert client.get("/django-admin/").status_code == 200


def test_each_session_sets_up_its_own_key(clock, required):
    """Someone else who knows the password and opens the set-up page never learns the key the
    owner then confirms."""
    staff = person("wang", "staff")
    intruder, owner = Client(), Client()
    log_in(intruder, "wang")
    seen = intruder.get("/en/accounts/two-factor/").context["secret"]
    log_in(owner, "wang")
    shown = owner.get("/en/accounts/two-factor/").context["secret"]
    assert seen != shown
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    assert shown.replace(" ", "") in device.config_url
    code = {"action": "confirm", "code": code_of(device, clock)}
    assert owner.post("/en/accounts/two-factor/", code).status_code == 200
    assert signed_in(owner)
    assert TOTPDevice.objects.get(user=staff, confirmed=True).pk == device.pk
    assert intruder.post("/en/accounts/two-factor/", code).status_code == 302
    assert not signed_in(intruder)


def test_a_code_works_once(clock, required):
    user, device, _codes = enrolled("wang", "staff", clock)
    first, second = Client(), Client()
    log_in(first, "wang")
    log_in(second, "wang")
    code = code_of(device, clock)
    assert first.post("/en/accounts/two-factor/verify/", {"code": code}).status_code == 302
    assert second.post("/en/accounts/two-factor/verify/", {"code": code}).status_code == 400
    assert not signed_in(second)


def test_a_backup_code_works_once(clock, required):
    user, device, codes = enrolled("wang", "staff", clock)
    client = Client()
    log_in(client, "wang")
    assert client.post("/en/accounts/two-factor/verify/", {"code": codes[3]}).status_code == 302
    assert signed_in(client)
    assert client.get("/en/accounts/two-factor/").context["backup_codes_left"] == 9
    client.post("/en/accounts/logout/")
    log_in(client, "wang")
    again = client.post("/en/accounts/two-factor/verify/", {"code": codes[3].upper()})
    assert again.status_code == 400 and not signed_in(client)
    # Spaces and capitals as people type them are fine.
    other = codes[4][:4].upper() + " " + codes[4][4:]
    assert client.post("/en/accounts/two-factor/verify/", {"code": other}).status_code == 302


def test_new_backup_codes_replace_the_old_ones(clock, required):
    user, device, codes = enrolled("wang", "staff", clock)
    client = Client()
    log_in(client, "wang")
    client.post("/en/accounts/two-factor/verify/", {"code": codes[0]})
    fresh = client.post("/en/accounts/two-factor/", {"action": "regenerate"}).context["codes"]
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    client.post("/en/accounts/logout/")
    log_in(client, "wang")
    assert client.post("/en/accounts/two-factor/verify/", {"code": codes[1]}).status_code == 400
    assert client.post("/en/accounts/two-factor/verify/", {"code": fresh[0]}).status_code == 302


def test_a_handful_of_wrong_codes_lock_the_second_step_for_a_while(clock, required):
    user, device, codes = enrolled("wang", "staff", clock)
    client = Client()
    log_in(client, "wang")
    for _ in range(4):
        response = client.post("/en/accounts/two-factor/verify/", {"code": "123456"})
        assert response.status_code == 400
    locked = client.post("/en/accounts/two-factor/verify/", {"code": "123456"})
    assert locked.status_code == 429
    assert "Too many wrong codes" in locked.content.decode()
    assert "try again in 15 minutes" in locked.content.decode()
    # Locked whatever the address, and for the right code too, and for the backup codes.
    other = Client(REMOTE_ADDR="198.51.100.7")
    log_in(other, "wang")
    assert other.post("/en/accounts/two-factor/verify/", {"code": codes[0]}).status_code == 429
    right = client.post("/en/accounts/two-factor/verify/", {"code": code_of(device, clock)})
    assert right.status_code == 429 and not signed_in(client)
    # The cool-off over, the right code passes.
    device.refresh_from_db()
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=device.throttling_failure_timestamp - timedelta(minutes=16)
    )
    log_in(client, "wang")
    passed = client.post("/en/accounts/two-factor/verify/", {"code": code_of(device, clock)})
    assert passed.status_code == 302 and signed_in(client)


@pytest.mark.parametrize(
    "login_path, landing",
    [
        ("/admin/login/", "/admin/"),
        ("/django-admin/login/", "/django-admin/"),
    ],
)
def test_the_admin_login_pages_ask_for_the_code_too(clock, required, login_path, landing):
    user, device, _codes = enrolled("wang", "staff", clock)
    client = Client()
    response = log_in(client, "wang", path=login_path, next_url=landing)
    assert response.status_code == 302
    assert response["Location"].endswith("/accounts/two-factor/verify/")
    assert not signed_in(client)
    assert client.get(landing).status_code == 302
    passed = client.post(response["Location"], {"code": code_of(device, clock)})
    assert passed["Location"] == landing
    assert client.get(landing).status_code == 200


@pytest.mark.parametrize("path", ["/admin/", "/django-admin/", "/en/projects/"])
def test_a_password_only_session_is_sent_back_to_the_code(clock, settings, path):
    """Sessions signed in without the code (from before it applied, force_login) are not
    honoured: the code is asked for, and the session is no longer signed in."""
    settings.PORTAL_REQUIRE_2FA = False
    user, device, _codes = enrolled("wang", "staff", clock)
    client = Client()
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].endswith("/accounts/two-factor/verify/")
    assert not signed_in(client)
    passed = client.post(response["Location"], {"code": code_of(device, clock)})
    assert passed["Location"] == path


def test_an_unenrolled_staff_session_is_sent_to_set_up_when_required(client, required):
    client.force_login(person("wang", "staff"))
    response = client.get("/admin/")
    assert response["Location"].endswith("/accounts/two-factor/")
    assert not signed_in(client)
    api = client.get("/api/v1/me")
    assert api.status_code == 401


def test_the_session_api_refuses_a_password_only_staff_session(client, required):
    client.force_login(person("wang", "staff"))
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and response.json()["code"] == "otp_required"


@pytest.mark.parametrize("role", ["helper", "officer", "enterprise"])
def test_other_roles_are_not_asked(client, required, role):
    person("zhang", role)
    response = log_in(client, "zhang", next_url="/en/projects/")
    assert response["Location"] == "/en/projects/"
    assert signed_in(client)


def test_editors_are_asked_like_staff(client, required):
    person("li", "editor")
    response = log_in(client, "li")
    assert response["Location"] == "/en/accounts/two-factor/"
    assert not signed_in(client)


def test_a_helper_who_chooses_an_authenticator_then_uses_it(clock, required):
    user, device, _codes = enrolled("zhang", "helper", clock)
    client = Client()
    assert log_in(client, "zhang")["Location"] == "/en/accounts/two-factor/verify/"
    client.post("/en/accounts/two-factor/verify/", {"code": code_of(device, clock)})
    assert signed_in(client)
    # And may turn it off again; staff may not where it is required.
    client.post("/en/accounts/two-factor/", {"action": "remove"})
    assert not TOTPDevice.objects.filter(user=user).exists()
    client.post("/en/accounts/logout/")
    assert log_in(client, "zhang")["Location"] == "/en/projects/"  # a helper's work


def test_staff_cannot_turn_it_off_where_it_is_required(clock, required):
    user, device, codes = enrolled("wang", "staff", clock)
    client = Client()
    log_in(client, "wang")
    client.post("/en/accounts/two-factor/verify/", {"code": codes[0]})
    client.post("/en/accounts/two-factor/", {"action": "remove"})
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def token(client, username, **extra):
    body = {"username": username, "password": PASSWORD, **extra}
    return client.post("/api/v1/tokens", json.dumps(body), content_type="application/json")


def test_a_token_for_staff_needs_the_code(client, clock, required):
    person("unset", "staff")
    refused = token(client, "unset")
    assert refused.status_code == 401 and refused.json()["code"] == "otp_required"
    user, device, codes = enrolled("wang", "staff", clock)
    missing = token(client, "wang")
    assert missing.status_code == 401 and missing.json()["code"] == "otp_required"
    wrong = token(client, "wang", otp=wrong_code(device, clock))
    assert wrong.status_code == 401 and wrong.json()["code"] == "otp_invalid"
    assert token(client, "wang", otp=code_of(device, clock)).status_code == 201
    assert token(client, "wang", otp=codes[0]).status_code == 201
    person("zhang", "helper")
    assert token(client, "zhang").status_code == 201


def test_the_token_endpoint_locks_after_a_handful_of_wrong_codes(client, clock, required):
    user, device, _codes = enrolled("wang", "staff", clock)
    for _ in range(4):
        assert token(client, "wang", otp="123456").json()["code"] == "otp_invalid"
    locked = token(client, "wang", otp="123456")
    assert locked.status_code == 429 and locked.json()["code"] == "otp_locked"


def test_when_not_required_staff_without_an_authenticator_pass_with_the_password(
    client, clock, settings
):
    settings.PORTAL_REQUIRE_2FA = False
    person("wang", "staff")
    response = log_in(client, "wang", next_url="/en/projects/")
    assert response["Location"] == "/en/projects/" and signed_in(client)
    assert client.get("/admin/").status_code == 200
    assert token(client, "wang").status_code == 201
    # With an authenticator they still use it.
    user, device, _codes = enrolled("li", "staff", clock)
    other = Client()
    assert log_in(other, "li")["Location"] == "/en/accounts/two-factor/verify/"
    assert token(other, "li").json()["code"] == "otp_required"


def test_the_code_page_is_in_chinese_on_the_chinese_site(clock, required):
    enrolled("wang", "staff", clock)
    client = Client()
    response = log_in(client, "wang", path="/accounts/login/")
    assert response["Location"] == "/accounts/two-factor/verify/"
    page = client.get(response["Location"]).content.decode()
    assert "验证码" in page


def test_the_code_page_without_a_password_first_sends_to_the_login(client):
    response = client.get("/en/accounts/two-factor/verify/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/en/accounts/two-factor/")["Location"].startswith("/en/accounts/login/")


def test_staff_move_to_a_new_phone_and_the_old_one_stops_working(clock, required):
    user, old, codes = enrolled("wang", "staff", clock)
    client = Client()
    log_in(client, "wang")
    client.post("/en/accounts/two-factor/verify/", {"code": code_of(old, clock)})
    clock.tick()
    assert client.get("/en/accounts/two-factor/?replace=1").context["secret"]
    new = TOTPDevice.objects.get(user=user, confirmed=False)
    moved = client.post(
        "/en/accounts/two-factor/",
        {"action": "confirm", "replace": "1", "code": code_of(new, clock)},
    )
    assert moved.status_code == 200 and len(moved.context["codes"]) == 10
    assert list(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True)) == [new.pk]
    assert client.get("/admin/").status_code == 200  # still signed in, with the new phone
