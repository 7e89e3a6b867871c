"""Two-factor sign-in (django-otp): a time-based code from an authenticator app (TOTP), or one of
ten single-use backup codes.

Who owes a second factor: anyone with a confirmed authenticator, and, when PORTAL_REQUIRE_2FA is
on, bureau staff and editors (superusers count as staff) even before they have set one up.

A right password does not sign such a person in. The middleware below watches every request's
outcome rather than one login view, so the portal's, Wagtail's and Django's admin login pages
behave the same: when a request ends with someone signed in who owes a code, the session is
emptied and holds a *pending* sign-in instead (no user), and the browser goes to the code page
(or the set-up page), which signs them in. So the cookie of a password-only session never reaches
the browser, and no page, session-authenticated API call or websocket sees one. A session that
was signed in some other way (before the rule applied, `force_login`) is turned back the same
way on its next request.
"""

from __future__ import annotations

import math
import time
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime, timedelta

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY, get_user_model, login
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .roles import EDITOR, STAFF, has_role

PENDING_SESSION_KEY = "two_factor_pending"
ENROLMENT_SESSION_KEY = "two_factor_enrolment"
DEFAULT_BACKEND = "django.contrib.auth.backends.ModelBackend"


# --- Who owes a second factor ----------------------------------------------------------------
def must_enrol(user) -> bool:
    """Staff and editors must have an authenticator when the setting requires it."""
    return bool(settings.PORTAL_REQUIRE_2FA) and has_role(user, STAFF, EDITOR)


def has_second_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def second_factor_due(user) -> bool:
    """Signing in takes a code (or setting up an authenticator first)."""
    return must_enrol(user) or has_second_factor(user)


# --- Setting up an authenticator -------------------------------------------------------------
def enrolment_device(request, user) -> TOTPDevice:
    """The authenticator being set up in this session: unconfirmed until a code from it is
    entered. A new key for every session, so a key shown to one session (someone else who knows
    the password, say) is never the one another session confirms."""
    device_id = request.session.get(ENROLMENT_SESSION_KEY)
    device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
    if device is None:
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
        request.session[ENROLMENT_SESSION_KEY] = device.pk
    return device


def secret_text(device: TOTPDevice) -> str:
    """The key as people type it into an app: base32 in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG, drawn here: the secret goes to no other server."""
    image = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=12, border=3
    )
    return image.to_string(encoding="unicode")


def _clean(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


@transaction.atomic
def enrolment_confirm(request, *, user, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm this session's authenticator being set up with a code from it; replaces any
    earlier one and issues new backup codes (returned once, in clear). None when it is wrong."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(pk=request.session.get(ENROLMENT_SESSION_KEY), user=user, confirmed=False)
        .first()
    )
    code = _clean(code)
    if device is None or not code.isdigit() or not device.verify_token(code):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    request.session.pop(ENROLMENT_SESSION_KEY, None)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device, backup_codes_replace(user=user)


@transaction.atomic
def backup_codes_replace(*, user) -> list[str]:
    """New single-use backup codes; the earlier ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    codes: set[str] = set()
    while len(codes) < settings.PORTAL_2FA_BACKUP_CODES:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return sorted(codes)


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def second_factor_remove(*, user) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


# --- Checking a code -------------------------------------------------------------------------
@dataclass(frozen=True)
class Check:
    device: Device | None = None
    locked_until: datetime | None = None

    @property
    def verified(self) -> bool:
        return self.device is not None


def _locked_until(authenticator: TOTPDevice) -> datetime | None:
    if (
        authenticator.throttling_failure_count < settings.PORTAL_2FA_FAILURE_LIMIT
        or authenticator.throttling_failure_timestamp is None
    ):
        return None
    until = authenticator.throttling_failure_timestamp + timedelta(
        minutes=settings.PORTAL_2FA_COOLOFF_MINUTES
    )
    return until if until > timezone.now() else None


def second_factor_locked_until(user) -> datetime | None:
    authenticator = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return _locked_until(authenticator) if authenticator else None


@transaction.atomic
def second_factor_check(*, user, code: str) -> Check:
    """A code from the authenticator (digits) or a backup code (letters and digits, used up).
    Wrong codes in a row are counted on the authenticator; PORTAL_2FA_FAILURE_LIMIT of them lock
    the second step for PORTAL_2FA_COOLOFF_MINUTES, whatever the address."""
    authenticator = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    if authenticator is None:
        return Check()
    locked_until = _locked_until(authenticator)
    if locked_until is not None:
        return Check(locked_until=locked_until)
    if authenticator.throttling_failure_count >= settings.PORTAL_2FA_FAILURE_LIMIT:
        authenticator.throttle_reset()  # the cool-off is over: count afresh
    code = _clean(code)
    if code.isdigit():
        # verify_token counts a failure itself and checks that a code is not used twice.
        if authenticator.verify_token(code):
            return Check(device=authenticator)
    else:
        backup = StaticDevice.objects.filter(user=user, confirmed=True).first()
        if backup is not None and backup.verify_token(code):
            authenticator.throttle_reset()
            return Check(device=backup)
        authenticator.throttle_increment()
    return Check(locked_until=_locked_until(authenticator))


def locked_message(locked_until: datetime) -> str:
    minutes = max(1, math.ceil((locked_until - timezone.now()).total_seconds() / 60))
    return _(
        "Too many wrong codes. The second step of signing in to this account is locked; try "
        "again in %(minutes)d minutes, or ask the bureau's staff for help."
    ) % {"minutes": minutes}


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    detail: str


def token_refusal(user, otp: str | None) -> Refusal | None:
    """POST /api/v1/tokens: a right password is not enough for someone who owes a second
    factor; they send the current code as `otp`."""
    if not second_factor_due(user):
        return None
    if not has_second_factor(user):
        return Refusal(
            401,
            "otp_required",
            _("Set up two-factor sign-in on the site before asking for a token."),
        )
    if not otp:
        return Refusal(
            401, "otp_required", _('Send the current code of your authenticator app as "otp".')
        )
    check = second_factor_check(user=user, code=otp)
    if check.verified:
        return None
    if check.locked_until is not None:
        return Refusal(429, "otp_locked", locked_message(check.locked_until))
    return Refusal(401, "otp_invalid", _("That code is not right."))


# --- The pending sign-in ---------------------------------------------------------------------
def pending_start(request, user, *, backend: str | None, next_url: str | None) -> None:
    """Empty the session and keep only who gave a right password, for the code page."""
    allowed = url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    request.session.flush()
    request.user = AnonymousUser()
    request.session[PENDING_SESSION_KEY] = {
        "user": user.pk,
        "backend": backend or DEFAULT_BACKEND,
        "since": time.time(),
        "next": next_url if next_url and allowed else "",
    }


def pending_user(request):
    """Who gave a right password in this session in the last few minutes, if anyone."""
    data = request.session.get(PENDING_SESSION_KEY) or {}
    if time.time() - data.get("since", 0) > settings.PORTAL_2FA_PENDING_SECONDS:
        return None
    return get_user_model().objects.filter(pk=data.get("user"), is_active=True).first()


def sign_in_complete(request, user, device: Device) -> str:
    """Sign in the pending person, verified by `device`; returns where they were going."""
    data = request.session.pop(PENDING_SESSION_KEY, None) or {}
    login(request, user, backend=data.get("backend") or DEFAULT_BACKEND)
    django_otp.login(request, device)
    return data.get("next") or settings.LOGIN_REDIRECT_URL


def _verified_in_session(request, user) -> bool:
    persistent_id = request.session.get(django_otp.DEVICE_ID_SESSION_KEY)
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    return device is not None and device.user_id == user.pk and device.confirmed


class SecondFactorMiddleware:
    """After AuthenticationMiddleware and django-otp's OTPMiddleware: no one who owes a second
    factor stays signed in without it (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        signed_in_before = request.session.get(SESSION_KEY)
        user = request.user
        if user.is_authenticated and not user.is_verified() and second_factor_due(user):
            going_to = request.get_full_path() if request.method in ("GET", "HEAD") else None
            return self._to_second_step(request, user, going_to)
        response = self.get_response(request)
        signed_in_now = request.session.get(SESSION_KEY)
        if signed_in_now is not None and signed_in_now != signed_in_before:
            # This request signed someone in (a login page): did it take the code?
            user = request.user
            if not _verified_in_session(request, user) and second_factor_due(user):
                going_to = response.get("Location") if 300 <= response.status_code < 400 else None
                return self._to_second_step(request, user, going_to)
            request.session.pop(PENDING_SESSION_KEY, None)
        return response

    @staticmethod
    def _to_second_step(request, user, going_to):
        backend = request.session.get(BACKEND_SESSION_KEY)
        pending_start(request, user, backend=backend, next_url=going_to)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "detail": _("This account signs in with a second factor: sign in again."),
                    "code": "otp_required",
                },
                status=401,
            )
        step = "two_factor_verify" if has_second_factor(user) else "two_factor"
        return HttpResponseRedirect(reverse(step))
