"""The statistics page and its exports. Thin: check who asks, parse the filter, compute the
figures (a fixed number of queries), render the tables and charts or one table as a file."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from . import charts
from .exports import FORMATS, export_response
from .forms import StatisticsFilterForm
from .permissions import forced_departments, may_view_statistics
from .statistics import catalogue_and_source, compute
from .tables import DAYS, PERCENT, TABLE_NAMES, TABLE_PARTS, Cell, build_tables, label_of

EXPORT_PARAMETERS = ("format", "table")


def _choices() -> tuple[dict, str]:
    """The filter's choices, and where the figures come from (the rollups once built)."""
    choices, source = catalogue_and_source()
    for entries in choices.values():
        for entry in entries:
            entry["label"] = label_of(entry)
    return choices, source


@login_required
@require_safe
def statistics(request):
    if not may_view_statistics(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    departments = forced_departments(request.user)
    choices, source = _choices()
    form = StatisticsFilterForm(request.GET, choices=choices, departments=departments, today=today)
    valid = form.is_valid()
    scope = form.scope() if valid else form.default_scope()
    period = _("%(start)s to %(end)s") % {"start": scope.start, "end": scope.end}
    fmt = request.GET.get("format")
    if fmt is not None:
        name = request.GET.get("table", "")
        if not valid or fmt not in FORMATS or name not in TABLE_NAMES:
            return HttpResponseBadRequest(_("Choose a valid table, format and filter."))
        figures = compute(scope, today=today, parts=TABLE_PARTS[name], source=source)
        table = build_tables(figures, choices, [name])[name]
        return export_response(table, fmt, scope.slug, period)

    figures = compute(scope, today=today, source=source)
    tables = build_tables(figures, choices)
    query = request.GET.copy()
    for key in EXPORT_PARAMETERS:
        query.pop(key, None)
    context = {
        "form": form,
        "scope": scope,
        "period": period,
        "figures": figures,
        "tables": tables,
        "charts": _charts(figures, tables),
        "headline": [
            (_("Received"), Cell(figures.received)),
            (_("Completed"), Cell(figures.approved)),
            (_("Completion rate"), Cell(figures.completion_rate, PERCENT)),
            (_("On time (promised)"), Cell(figures.on_time_rate, PERCENT)),
            (_("Median working days"), Cell(figures.median_used, DAYS)),
            (_("Satisfied"), Cell(figures.satisfaction_rate, PERCENT)),
        ],
        "export_query": query.urlencode(),
        "forced": departments is not None,
    }
    return render(request, "reports/statistics.html", context)


def _charts(figures, tables) -> dict:
    monthly = [(row[0].value, row[1].value, row[3].value) for row in tables["monthly"].rows]
    on_time = [(row[0].value, row[3].value) for row in tables["departments"].rows]
    late = tables["late"]
    months = figures.month_list()
    heat_rows = [row[0].value for row in late.rows]
    heat_values = [[cell.value for cell in row[1:-1]] for row in late.rows]
    funnel = [(row[0].value, row[2].value) for row in tables["stages"].rows]
    return {
        "monthly": charts.monthly_chart(monthly, tables["monthly"].caption),
        "departments": charts.on_time_chart(on_time, tables["departments"].caption)
        if on_time
        else None,
        "late": charts.heatmap_chart(heat_rows, months, heat_values, late.caption)
        if heat_rows
        else None,
        "stages": charts.funnel_chart(funnel, tables["stages"].caption),
    }
