"""The project list's rows as HTML.

A page of 25 projects is the list's largest part: about 1,400 template nodes (labels, status
counts, dates) that the template language renders several times slower than Python writes
them. The table's frame, filters and empty state stay in `projects/project_list.html`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_lazy

from .models import Approval, Project


def _day(value) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def detail_url_of():
    """`project_detail`'s address for any id, reversed once per page rather than per row."""
    marker = 2**31 - 1  # an id no row has, to cut the reversed address around
    before, after = reverse("project_detail", args=[marker]).split(str(marker))
    return lambda pk: f"{before}{pk}{after}"


def project_rows_html(projects: Iterable) -> SafeString:
    """One `<tr>` per project, prepared by `projects.views.project_list` (by_status, overdue,
    upcoming, readiness); every value from the database is escaped."""
    labels = {
        # str() first: escape() of a lazy text is lazy too, translated again at every use.
        key: escape(str(text))
        for key, text in (
            ("project", gettext_lazy("Project")),
            ("stage", gettext_lazy("Stage")),
            ("approvals", gettext_lazy("Approvals")),
            ("overdue", gettext_lazy("Overdue")),
            ("next_due", gettext_lazy("Next due")),
            ("lead_helper", gettext_lazy("Lead helper")),
            ("at_risk", gettext_lazy("at risk")),
        )
    }
    statuses = {value: escape(str(label)) for value, label in Approval.Status.choices}
    stages = {value: escape(str(label)) for value, label in Project.Stage.choices}
    detail_url = detail_url_of()
    lines = []
    for project in projects:
        readiness = project.readiness
        classes = " ".join(
            name
            for name, wanted in (("has-overdue", project.overdue), ("at-risk", readiness))
            if wanted
        )
        row_class = f' class="{classes}"' if classes else ""
        where = [escape(project.code), escape(project.enterprise.label)]
        if project.town_id:
            where.append(escape(project.town.label))
        name = f'<a href="{detail_url(project.pk)}">{escape(project.label)}</a>'
        if readiness:
            name += f' <span class="badge badge--overdue badge--at-risk">{labels["at_risk"]}</span>'
        name += f'<br>\n        <span class="muted">{" · ".join(where)}</span>'
        if readiness:
            why = gettext("ready %(cautious)s (cautious), planned start %(planned)s") % {
                "cautious": _day(readiness.cautious),
                "planned": _day(project.planned_start),
            }
            name += f'<br>\n        <span class="muted at-risk__why">{escape(why)}</span>'
        counts = "".join(
            f'<li class="status status--{escape(status)}">'
            f"{statuses.get(status) or escape(status)} <strong>{n}</strong></li>"
            for status, _label, n in project.by_status
            if n
        )
        stage = stages.get(project.stage) or escape(project.stage)
        overdue = (
            f'<span class="badge badge--overdue">{project.overdue}</span>'
            if project.overdue
            else "0"
        )
        helper = project.lead_helper.get_full_name() if project.lead_helper_id else ""
        lines.append(
            f'<tr data-project="{project.pk}"{row_class}>\n'
            f'      <td data-label="{labels["project"]}">{name}</td>\n'
            f'      <td data-label="{labels["stage"]}">{stage}</td>\n'
            f'      <td data-label="{labels["approvals"]}">'
            f'<ul class="status-counts">{counts}</ul></td>\n'
            f'      <td data-label="{labels["overdue"]}">{overdue}</td>\n'
            f'      <td data-label="{labels["next_due"]}">{_day(project.upcoming) or "—"}</td>\n'
            f'      <td data-label="{labels["lead_helper"]}">{escape(helper or "—")}</td>\n'
            "    </tr>"
        )
    return mark_safe("\n".join(lines))  # noqa: S308 - every value escaped above
