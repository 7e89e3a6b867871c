"""Open government (办事公开) without an account: the public figures with their downloads and
the progress lookup (办件查询); and, signed in, issuing a project's new enquiry code."""

from __future__ import annotations

import csv
from datetime import date

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from portal.errors import refusal_shown
from projects import enquiry
from projects.services.projects import project_enquiry_code_reset

from . import lookup as public_lookup
from . import open as open_figures
from .open import CACHE_SECONDS, MONTHS, cache_key, months_ending, public_figures


def _chosen_month(request, months: list[str]) -> str | None:
    month = request.GET.get("month", "")
    return month if month in months else None


def _public(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=600)
    return response


def _tables_html(figures, month: str | None) -> str:
    """The figures' tables as HTML, rendered once per language, day and month chosen and then
    read from the cache: the page around them (navigation, the signed-in person's header)
    is rendered per request, the tables (most of the page's work) are not."""
    key = (
        f"{cache_key(figures.today)}:html:{translation.get_language()}:"
        f"{figures.today:%Y-%m-%d}:{month or '-'}"
    )
    html = cache.get(key)
    if html is None:
        html = render_to_string(
            "reports/_open_tables.html",
            {
                "figures": figures,
                "months": list(reversed(figures.months)),
                "month": month,
                "month_count": MONTHS,
                "by_department": figures.by_department(month),
                "by_month": figures.by_month(),
                "items": figures.item_rows(),
            },
        )
        cache.set(key, html, CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - rendered by our own template, escaped there


def _visitor_page_key(request) -> str | None:
    """The cache key of the whole page for a visitor without a session or pending messages
    (whose page is the same as every such visitor's in their language), or None. Only the
    bare page and a valid month are cached, so made-up query strings cannot fill the cache."""
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
        return None
    today = open_figures.today_here()
    months = [f"{m:%Y-%m}" for m in months_ending(today)]
    query = request.META.get("QUERY_STRING", "")
    if query and not (query.startswith("month=") and query[6:] in months):
        return None
    return (
        f"{cache_key(today)}:page:{translation.get_language()}:{today:%Y-%m-%d}:"
        f"{request.path}:{query[6:] or '-'}"
    )


@require_safe
def open_index(request):
    page_key = _visitor_page_key(request)
    if page_key is not None:
        content = cache.get(page_key)
        if content is not None:
            return HttpResponse(content)
    figures = public_figures()
    month = _chosen_month(request, figures.months)
    context = {
        "figures": figures,
        "month": month,
        "tables": _tables_html(figures, month),
        "lookup": {},
        "errors": {},
    }
    response = render(request, "reports/open.html", context)
    if page_key is not None and response.status_code == 200:
        cache.set(page_key, response.content, CACHE_SECONDS)
    return response


def _columns() -> list[tuple[str, str]]:
    return [
        ("month", _("Month")),
        ("department", _("Department")),
        ("received", _("Received")),
        ("completed", _("Completed")),
        ("on_time", _("Completed on time")),
        ("on_time_rate", _("On-time rate (%)")),
    ]


def _item_columns() -> list[tuple[str, str]]:
    return [
        ("code", _("Item code")),
        ("item", _("Approval item")),
        ("department", _("Department")),
        ("promised_limit_days", _("Promised limit (working days)")),
        ("statutory_limit_days", _("Statutory limit (working days)")),
        ("decided", _("Decided in the last 12 months")),
        ("median_working_days", _("Median working days taken")),
    ]


def _filename(stem: str, ext: str, today: date) -> str:
    return f"{stem}-{today:%Y-%m-%d}-{translation.get_language() or 'zh-hans'}.{ext}"


@require_safe
def open_data_csv(request):
    """The figures per department and month (or, with ?table=items, the catalogue's limits next
    to the achieved median), headers in the reader's language, UTF-8 with a BOM for Excel."""
    figures = public_figures()
    if request.GET.get("table") == "items":
        columns, rows, stem = _item_columns(), figures.item_rows(), "approval-items"
    else:
        columns, rows, stem = _columns(), figures.long_rows(), "approvals-by-department-month"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(stem, "csv", figures.today)}"'
    )
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([title for _key, title in columns])
    for row in rows:
        writer.writerow(["" if row[key] is None else row[key] for key, _title in columns])
    return _public(response)


@require_safe
def open_data_json(request):
    figures = public_figures()
    data = {
        "generated_for": figures.today.isoformat(),
        "language": translation.get_language(),
        "definitions": {
            "received": _("Approvals received in the month."),
            "completed": _("Approvals decided (approved or rejected) in the month."),
            "on_time": _("Completed no later than the promised due date."),
            "median_working_days": _(
                "Median working days from acceptance to decision over the last 12 months, "
                "without the days the file waited on the applicant."
            ),
        },
        "months": figures.months,
        "by_department_and_month": figures.long_rows(),
        "by_month": figures.by_month(),
        "items": figures.item_rows(),
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = (
        f'inline; filename="{_filename("open-figures", "json", figures.today)}"'
    )
    return _public(response)


def _too_many(request):
    minutes = public_lookup.WINDOW_SECONDS // 60
    response = render(
        request,
        "reports/lookup.html",
        {
            "limited": True,
            "minutes": minutes,
            "lookup": {},
            "errors": {},
        },
        status=429,
    )
    response["Retry-After"] = str(public_lookup.WINDOW_SECONDS)
    return response


@require_safe
def open_lookup(request):
    """办件查询: ?code=<project code>&credit_code=<credit code> (or &enquiry_code=<code>)."""
    submitted = any(request.GET.get(k) for k in ("code", "credit_code", "enquiry_code"))
    typed = {
        "code": request.GET.get("code", "")[:60],
        "credit_code": request.GET.get("credit_code", "")[:60],
    }  # the secret enquiry code is never written back into the page
    context = {"lookup": typed, "errors": {}, "submitted": submitted, "result": None}
    status = 200
    if submitted:
        if not public_lookup.lookup_allowed(public_lookup.client_address(request)):
            return _too_many(request)
        query, errors = public_lookup.clean(request.GET)
        if errors:
            context["errors"], status = errors, 400
        else:
            result = public_lookup.find(query)
            if result is None:
                context["not_found"], status = True, 404
            else:
                context["result"] = result
    response = render(request, "reports/lookup.html", context, status=status)
    # A project's progress is for whoever holds its pair of codes: no shared cache keeps it.
    patch_cache_control(response, private=True, no_store=True)
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_POST
@login_required
def project_enquiry_code_reset_view(request, project_id: int):
    """Issue a new enquiry code; the project page's panel shows it once."""
    with refusal_shown(request) as outcome:
        project, code = project_enquiry_code_reset(actor=request.user, project_id=project_id)
    if outcome.ok:
        enquiry.remember_for_display(request, project, code)
        return redirect(reverse("project_detail", args=[project.pk]) + "#panel-enquiry")
    return redirect("project_detail", project_id)
