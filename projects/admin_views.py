"""Back-office pages outside the snippet screens: the catalogue import (upload, dry-run report,
apply with progress) and the working-day calendar's years (confirmed or provisional).

Thin views: they parse the form, call `catalogue_import` and `services.calendar_years`, and
render. Registered, with their menu entries, in `wagtail_hooks`.
"""

from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import log

from portal.errors import refusal_shown
from portal.roles import is_bureau_staff

from . import calendar_years as years
from . import catalogue_import as importer
from .models import ApprovalItem, CalendarYear, CatalogueImport, WorkingDay
from .services.calendar_years import (
    YEAR_MAX,
    YEAR_MIN,
    calendar_year_confirm,
    calendar_year_unconfirm,
)

S = CatalogueImport.Status
RECENT_IMPORTS = 20
OUTCOME_LABELS = {
    "created": gettext_lazy("new item"),
    "updated": gettext_lazy("changes an item"),
    "unchanged": gettext_lazy("no change"),
    "rejected": gettext_lazy("refused"),
}
APPLIED_LABELS = {
    "created": gettext_lazy("created"),
    "updated": gettext_lazy("updated"),
    "unchanged": gettext_lazy("no change"),
    "rejected": gettext_lazy("refused"),
}


# --- the catalogue import ---------------------------------------------------------------------


def _require_importer(request) -> None:
    if not importer.may_import_catalogue(request.user):
        raise PermissionDenied


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Catalogue file"),
        help_text=gettext_lazy(
            "An Excel workbook (.xlsx) or a UTF-8 .csv file, at most 2 MB and 2,000 rows. "
            "Nothing is written until you apply the report."
        ),
        widget=forms.FileInput(attrs={"accept": ".xlsx,.csv"}),
        error_messages={"required": gettext_lazy("Choose a file to import.")},
    )


class CatalogueImportView(WagtailAdminTemplateMixin, View):
    """Upload a file: it is checked at once and its report shown; the latest imports below."""

    template_name = "projects/admin/catalogue_import.html"
    page_title = gettext_lazy("Import approval items")
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        _require_importer(request)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get(self, request):
        return self.render_to_response(self.get_context_data(form=UploadForm()))

    def post(self, request):
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            with refusal_shown(request, form) as outcome:
                # The report's reasons are written in the language the back office speaks
                # to this person (Wagtail's preference, active here).
                record = importer.catalogue_import_check(
                    actor=request.user,
                    upload=form.cleaned_data["file"],
                    language=translation.get_language(),
                )
            if outcome.ok:
                return redirect("catalogue_import:detail", record.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["imports"] = CatalogueImport.objects.select_related(
            "uploaded_by", "applied_by"
        ).order_by("-uploaded_at", "-id")[:RECENT_IMPORTS]
        context["columns"] = importer.COLUMNS
        context["materials_notation"] = importer.MATERIALS_NOTATION
        return context


def _rows(report: dict, show: str, labels: dict, *, link: bool) -> list[dict]:
    rows = report.get("rows", [])
    if show == "rejected":
        rows = [r for r in rows if r["outcome"] == "rejected"]
    elif show == "changes":
        rows = [r for r in rows if r["outcome"] in ("created", "updated")]
    # Once applied, each item written links to its page in the catalogue (one query).
    ids = {}
    if link:
        written = [r["code"] for r in rows if r["outcome"] != "rejected"]
        ids = dict(ApprovalItem.objects.filter(code__in=written).values_list("code", "pk"))
    edit = ApprovalItem.snippet_viewset.get_url_name("edit")
    return [
        {
            **r,
            "label": labels.get(r["outcome"], r["outcome"]),
            "url": reverse(edit, args=[ids[r["code"]]]) if r["code"] in ids else "",
        }
        for r in rows
    ]


class CatalogueImportDetailView(WagtailAdminTemplateMixin, View):
    """The report of one import: what would happen (or happened) to each row, and its progress."""

    template_name = "projects/admin/catalogue_import_detail.html"
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        _require_importer(request)
        self.object = get_object_or_404(
            CatalogueImport.objects.select_related("uploaded_by", "applied_by"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Import: %(file)s") % {"file": self.object.original_name}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("catalogue_import:index"), "label": _("Import approval items")},
            {"url": "", "label": self.object.original_name},
        ]

    def get(self, request, pk):
        return self.render_to_response(self.get_context_data())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        record = self.object
        applied = record.status in (S.APPLIED, S.OUTDATED)
        report = record.result if applied and record.result else record.report
        show = self.request.GET.get("show", "")
        if show not in ("rejected", "changes"):
            show = ""
        counts = importer.report_counts(report)
        context.update(
            {
                "record": record,
                "S": S,
                "counts": counts,
                "checked_counts": importer.report_counts(record.report),
                "rows": _rows(
                    report,
                    show,
                    APPLIED_LABELS if applied else OUTCOME_LABELS,
                    link=record.status == S.APPLIED,
                ),
                "total_rows": len(report.get("rows", [])),
                "show": show,
                "ignored_columns": report.get("ignored_columns", []),
                "differences": [
                    {
                        **d,
                        "checked_label": OUTCOME_LABELS.get(d["checked"], "—"),
                        "now_label": OUTCOME_LABELS.get(d["now"], "—"),
                    }
                    for d in (record.result or {}).get("differences", [])
                ],
                "in_progress": record.status in (S.QUEUED, S.RUNNING),
                "may_apply": record.status == S.CHECKED
                and (counts["created"] or counts["updated"]),
                "may_recheck": record.status in (S.OUTDATED, S.FAILED),
                "applied_before": CatalogueImport.objects.filter(
                    sha256=record.sha256, status=S.APPLIED
                )
                .exclude(pk=record.pk)
                .order_by("-finished_at")
                .first(),
                "status_url": reverse("catalogue_import:status", args=[record.pk]),
            }
        )
        return context


class CatalogueImportApplyView(View):
    def post(self, request, pk):
        _require_importer(request)
        with refusal_shown(request) as outcome:
            importer.catalogue_import_apply(
                actor=request.user, import_id=pk, sha256=request.POST.get("sha256", "")
            )
        if outcome.ok:
            messages.success(
                request,
                _("The import is queued; this page shows its progress."),
            )
        return redirect("catalogue_import:detail", pk)


class CatalogueImportRecheckView(View):
    def post(self, request, pk):
        _require_importer(request)
        with refusal_shown(request) as outcome:
            importer.catalogue_import_recheck(actor=request.user, import_id=pk)
        if outcome.ok:
            messages.success(request, _("The file was checked again: read the new report."))
        return redirect("catalogue_import:detail", pk)


def catalogue_import_status(request, pk):
    """The progress of an import, for the status page to poll."""
    _require_importer(request)
    record = get_object_or_404(CatalogueImport, pk=pk)
    return JsonResponse(
        {
            "status": record.status,
            "label": str(record.get_status_display()),
            "rows_done": record.rows_done,
            "rows_total": record.rows_total,
            "finished": record.status not in (S.QUEUED, S.RUNNING),
            "text": _progress_text(record),
        }
    )


def _progress_text(record: CatalogueImport) -> str:
    if record.status == S.QUEUED:
        return _("Waiting for the worker to start…")
    if record.status == S.RUNNING:
        if record.rows_done:
            return _("%(done)s of %(total)s rows written…") % {
                "done": record.rows_done,
                "total": record.rows_total,
            }
        return _("Checking the file again and writing %(total)s rows in one transaction…") % {
            "total": record.rows_total
        }
    return str(record.get_status_display())


def catalogue_import_template(request):
    """The .xlsx template: header, an example row with real names, and a help sheet."""
    _require_importer(request)
    buffer = io.BytesIO()
    importer.write_template(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="catalogue-template.xlsx"'
    return response


# --- calendar years ---------------------------------------------------------------------------


def may_view_calendar_years(user) -> bool:
    return is_bureau_staff(user) or user.has_perm("projects.view_workingday")


def _require_calendar_reader(request) -> None:
    if not may_view_calendar_years(request.user):
        raise PermissionDenied


class CalendarYearsView(WagtailAdminTemplateMixin, View):
    """Each year: confirmed against the official notice or provisional, with its counts."""

    template_name = "projects/admin/calendar_years.html"
    page_title = gettext_lazy("Calendar years")
    header_icon = "date"

    def dispatch(self, request, *args, **kwargs):
        _require_calendar_reader(request)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get(self, request):
        today = years.today()
        return self.render_to_response(
            self.get_context_data(
                statuses=years.year_statuses(today=today),
                warnings=years.year_warnings(today=today),
                may_confirm=is_bureau_staff(request.user),
                calendar_url=reverse(WorkingDay.snippet_viewset.get_url_name("list")),
                weeks=years.WARNING_WEEKS,
            )
        )


class ConfirmForm(forms.Form):
    notice = forms.CharField(
        label=gettext_lazy("Official notice"),
        max_length=200,
        help_text=gettext_lazy(
            "The title or number of the State Council's notice of the year's holidays, e.g. "
            "国务院办公厅关于2027年部分节假日安排的通知."
        ),
        error_messages={
            "required": gettext_lazy(
                "Name the official notice you checked the calendar against (its title or number)."
            )
        },
    )


class CalendarYearView(WagtailAdminTemplateMixin, View):
    """One year: its entries beside the notice, and confirming it or taking that back."""

    template_name = "projects/admin/calendar_year.html"
    header_icon = "date"

    def dispatch(self, request, *args, **kwargs):
        _require_calendar_reader(request)
        self.year = kwargs["year"]
        if not YEAR_MIN <= self.year <= YEAR_MAX:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Calendar year %(year)s") % {"year": self.year}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("calendar_years:index"), "label": _("Calendar years")},
            {"url": "", "label": str(self.year)},
        ]

    def get(self, request, year):
        return self.render_to_response(self.get_context_data(form=ConfirmForm()))

    def post(self, request, year):
        if not is_bureau_staff(request.user):
            raise PermissionDenied
        form = ConfirmForm(request.POST)
        if request.POST.get("action") == "unconfirm":
            with refusal_shown(request) as outcome:
                record = calendar_year_unconfirm(actor=request.user, year=year)
            if outcome.ok:
                log(instance=record, action="projects.calendar_year.unconfirm", user=request.user)
                messages.success(
                    request,
                    _("%(year)s is provisional again: staff are warned until it is confirmed.")
                    % {"year": year},
                )
                return redirect("calendar_years:detail", year)
            form = ConfirmForm()
        elif form.is_valid():
            with refusal_shown(request, form) as outcome:
                record = calendar_year_confirm(
                    actor=request.user, year=year, notice=form.cleaned_data["notice"]
                )
            if outcome.ok:
                log(
                    instance=record,
                    action="projects.calendar_year.confirm",
                    user=request.user,
                    data={"notice": record.notice},
                )
                messages.success(
                    request,
                    _("%(year)s is confirmed against “%(notice)s”.")
                    % {"year": year, "notice": record.notice},
                )
                return redirect("calendar_years:index")
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = years.today()
        status = years.year_statuses(today=today, years={self.year})
        context.update(
            {
                "year": self.year,
                "status": status[0] if status else None,
                "record": CalendarYear.objects.filter(year=self.year)
                .select_related("confirmed_by")
                .first(),
                "entries": years.year_entries(self.year),
                "may_confirm": is_bureau_staff(self.request.user),
                "calendar_url": reverse(WorkingDay.snippet_viewset.get_url_name("list")),
                "edit_url_name": WorkingDay.snippet_viewset.get_url_name("edit"),
                "import_url": reverse("projects_workingday_import"),
            }
        )
        return context
