"""The project page's ratings section (projects.panels), registered by
supervision.streams.register(): the enterprise's users see the decided approvals and closed
cases with a button to rate each once (or the rating given); staff and the project's helpers
see every rating of the project, officers their departments' ratings; others nothing."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy

from projects.panels import ProjectPanel, register_project_panel

from . import ratings


def render_panel(request, project) -> str | None:
    rows = ratings.project_rating_rows(request.user, project)
    if rows is None or not (rows["approvals"] or rows["cases"] or rows["ratings"]):
        return None
    ratings.with_texts([r for _subject, r in rows["approvals"] + rows["cases"]] + rows["ratings"])
    return render_to_string(
        "supervision/rating_panel.html",
        {**rows, "project": project, "rateable": any(r is None for _s, r in rows["approvals"])},
        request=request,
    )


PANEL = ProjectPanel(key="ratings", title=gettext_lazy("Ratings"), render=render_panel, order=60)


def register_panels() -> None:
    register_project_panel(PANEL)
