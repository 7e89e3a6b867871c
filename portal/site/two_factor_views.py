"""The second step of signing in, and setting up an authenticator: portal/two_factor.py holds
the rules; these pages parse the form and render."""

import django_otp
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from portal.two_factor import (
    backup_codes_left,
    backup_codes_replace,
    enrolment_confirm,
    enrolment_device,
    has_second_factor,
    locked_message,
    must_enrol,
    pending_user,
    qr_svg,
    second_factor_check,
    second_factor_locked_until,
    second_factor_remove,
    secret_text,
    sign_in_complete,
)


def _home() -> str:
    return reverse("wagtail_serve", args=[""])


def _safe(request, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return _home()


def _codes_page(request, codes: list[str], next_url: str):
    return render(
        request, "portal/two_factor_backup_codes.html", {"codes": codes, "next_url": next_url}
    )


@never_cache
def two_factor(request):
    """Set up an authenticator (right after the password when it is required, or by choice),
    and, once set up, new backup codes or removing it."""
    if request.user.is_authenticated:
        user, pending = request.user, False
    else:
        user, pending = pending_user(request), True
        if user is None:
            return redirect_to_login(request.get_full_path())
        if has_second_factor(user):
            return redirect("two_factor_verify")
    has_device = not pending and has_second_factor(user)
    replacing = has_device and (request.GET.get("replace") or request.POST.get("replace"))
    error = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "confirm" and (not has_device or replacing):
            confirmed = enrolment_confirm(request, user=user, code=request.POST.get("code", ""))
            if confirmed is not None:
                device, codes = confirmed
                if pending:
                    next_url = _safe(request, sign_in_complete(request, user, device))
                else:
                    django_otp.login(request, device)
                    next_url = reverse("two_factor")
                return _codes_page(request, codes, next_url)
            error = _(
                "That code is not right. Check that the phone's clock is right and enter the "
                "newest code."
            )
        elif action == "regenerate" and has_device and request.user.is_verified():
            return _codes_page(request, backup_codes_replace(user=user), reverse("two_factor"))
        elif action == "remove" and has_device and request.user.is_verified():
            if must_enrol(user):
                messages.error(request, _("Your account must keep two-factor sign-in."))
            else:
                second_factor_remove(user=user)
                messages.success(request, _("Two-factor sign-in is off for your account."))
            return redirect("two_factor")
        else:
            return redirect("two_factor")
    context = {
        "pending": pending,
        "has_device": has_device,
        "replacing": bool(replacing),
        "required": must_enrol(user),
        "error": error,
    }
    if has_device and not replacing:
        context["backup_codes_left"] = backup_codes_left(user)
    else:
        device = enrolment_device(request, user)
        context.update(qr_svg=qr_svg(device), secret=secret_text(device))
    return render(
        request, "portal/two_factor.html", context, status=400 if error is not None else 200
    )


@never_cache
def two_factor_verify(request):
    """After the password: a code from the authenticator app, or a backup code."""
    if request.user.is_authenticated:
        return redirect(_home())
    user = pending_user(request)
    if user is None:
        messages.info(request, _("Please sign in again."))
        return redirect_to_login(_home())
    if not has_second_factor(user):
        return redirect("two_factor")
    error, status = None, 200
    if request.method == "POST":
        code = request.POST.get("code", "").strip()[:64]
        if not code:
            error, status = _("Enter the code."), 400
        else:
            check = second_factor_check(user=user, code=code)
            if check.verified:
                return redirect(_safe(request, sign_in_complete(request, user, check.device)))
            if check.locked_until is not None:
                error, status = locked_message(check.locked_until), 429
            else:
                error, status = _("That code is not right."), 400
    else:
        locked_until = second_factor_locked_until(user)
        if locked_until is not None:
            error = locked_message(locked_until)
    return render(request, "portal/two_factor_verify.html", {"error": error}, status=status)
