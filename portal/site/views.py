import json
import logging

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe
from django_tasks_db.models import DBTaskResult

from portal.errors import refusal_shown
from portal.roles import may_manage_accounts
from portal.services import api_token_revoke

from .health import channel_layer_status, database_status
from .navigation import landing_for


@never_cache
@require_safe
def healthz(request):
    """Readiness: 503 only when the database is down.

    An unreachable channel layer is reported but the site keeps serving: changes still
    commit, and clients catch up from the event log when it comes back.
    """
    database = database_status()
    body = {
        "status": "ok" if database == "ok" else "down",
        "database": database,
        "channel_layer": channel_layer_status(),
    }
    if database == "ok":
        body["tasks_waiting"] = DBTaskResult.objects.filter(status="READY").count()
    return JsonResponse(body, status=200 if database == "ok" else 503)


class PortalLoginView(LoginView):
    """Log in and land on the person's work (their queue, their projects), in the language of
    the login page; a `next` page other than the home page is kept."""

    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return landing_for(self.request.user)

    def get_redirect_url(self):
        target = super().get_redirect_url()
        home = {reverse("wagtail_serve", args=[""]), "/", "/en/"}
        return "" if target in home else target


@login_required
def lockouts(request):
    """Staff: the sign-ins locked after too many failures, and unlocking one."""
    if not may_manage_accounts(request.user):
        raise Http404
    if request.method == "POST":
        posted = request.POST.get("attempt", "")
        attempt = (
            AccessAttempt.objects.filter(pk=int(posted)).first()
            if posted.isdigit() and int(posted) < 2**63
            else None
        )
        if attempt is not None:
            axes_reset(username=attempt.username, ip=attempt.ip_address)
            messages.success(
                request, _("%(username)s can sign in again.") % {"username": attempt.username}
            )
        return redirect("lockouts")
    locked = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    ).order_by("-attempt_time")
    page = Paginator(locked, 50).get_page(request.GET.get("page"))
    return render(request, "portal/lockouts.html", {"page": page})


csp_logger = logging.getLogger("portal.csp")


@csrf_exempt
@require_POST
def csp_report(request):
    """Browsers POST Content-Security-Policy violations here; each is logged as a warning.

    Anonymous and without a CSRF token (browsers send neither); the body is bounded and only a
    few fields are kept, so a flood costs a log line each, nothing stored.
    """
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > settings.CSP_REPORT_MAX_BYTES:
        return HttpResponse(status=413)
    body = request.read(settings.CSP_REPORT_MAX_BYTES + 1)
    if len(body) > settings.CSP_REPORT_MAX_BYTES:
        return HttpResponse(status=413)
    try:
        payload = json.loads(body)
    except ValueError:
        return HttpResponse(status=400)
    # report-uri sends {"csp-report": {...}}; the Reporting API sends a list of {"body": {...}}.
    reports = payload if isinstance(payload, list) else [payload]
    for entry in reports[:10]:
        if not isinstance(entry, dict):
            continue
        report = entry.get("csp-report") or entry.get("body") or {}
        if not isinstance(report, dict):
            continue
        csp_logger.warning(
            "CSP violation: %s blocked %s on %s",
            str(report.get("effective-directive") or report.get("effectiveDirective") or "")[:100],
            str(report.get("blocked-uri") or report.get("blockedURL") or "")[:300],
            str(report.get("document-uri") or report.get("documentURL") or "")[:300],
        )
    return HttpResponse(status=204)


@login_required
@require_POST
def token_revoke(request, token_id: int):
    """The owner revokes one of their API tokens from their account page."""
    with refusal_shown(request) as outcome:
        api_token_revoke(actor=request.user, token_id=token_id)
    if outcome.ok:
        messages.success(request, _("The token no longer opens the API."))
    return redirect("account")
