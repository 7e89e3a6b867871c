"""Sign-in protection: failed logins are counted and locked out (django-axes) on every login
surface, and password-reset emails go out through the worker so that the answer takes the same
time whether or not the address has an account."""

from __future__ import annotations

from urllib.parse import urlsplit

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import AnonymousUser
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task
from wagtail.api.v3.auth import BearerTokenAuth

from .services import api_tokens_live


class LoginAttemptsBackend(AxesStandaloneBackend):
    """Axes' check before the password is even tried, for every sign-in that comes with a
    request (the site, Wagtail's and Django's admin, `POST /api/v1/tokens`). Calls without a
    request (management commands, tests signing in directly) are not a network surface."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_message() -> str:
    minutes = int(get_cool_off().total_seconds() // 60) if get_cool_off() else 0
    return _(
        "Too many failed sign-ins for this account from your address. Try again in "
        "%(minutes)d minutes, or ask the bureau's staff to unlock it."
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """429 with a message that says why and what to do; JSON for the API."""
    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_message(), "code": "locked_out"}, status=status)
    return render(
        request, "registration/locked_out.html", {"message": lockout_message()}, status=status
    )


class QueuedPasswordResetForm(PasswordResetForm):
    """Looks for the account and sends the email in the worker, not in the request."""

    def save(self, *args, **kwargs) -> None:
        send_password_reset.enqueue(
            email=self.cleaned_data["email"], language=translation.get_language()
        )


@task()
def send_password_reset(email: str, language: str) -> None:
    """What Django's reset form does, on the configured public address, in the worker."""
    base = urlsplit(settings.PORTAL_BASE_URL)
    form = PasswordResetForm(data={"email": email})
    if not form.is_valid():
        return
    with translation.override(language):
        form.save(
            domain_override=base.netloc,
            use_https=base.scheme == "https",
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
            from_email=settings.DEFAULT_FROM_EMAIL,
        )


class PortalBearerAuth(BearerTokenAuth):
    """Wagtail's bearer tokens, which here also expire after API_TOKEN_DAYS."""

    def authenticate(self, request, token: str):
        api_token = super().authenticate(request, token)
        if api_token is None:
            return None
        if not api_tokens_live(api_token.user).filter(pk=api_token.pk).exists():
            request.user = AnonymousUser()
            return None
        return api_token
