"""The project page's cases section (projects.panels), registered by
supervision.streams.register(): the cases about the project this viewer may see, and the
buttons to ask for help or complain (the enterprise) or open a supervision case (staff and the
project's helpers)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy

from projects import permissions as project_perms
from projects.panels import ProjectPanel, register_project_panel

from . import permissions as perms
from . import selectors
from .models import Case


def render_panel(request, project) -> str | None:
    user = request.user
    if not project_perms.can_view_project(user, project):
        return None
    cases = selectors.project_cases(user, project)
    enterprise = project_perms.is_enterprise_user_of(user, project)
    supervise = perms.can_open_case(user, Case.Kind.SUPERVISION, project)
    if not (cases or enterprise or supervise):
        return None
    return render_to_string(
        "supervision/_case_panel.html",
        {
            "project": project,
            "cases": cases,
            "enterprise": enterprise,
            "supervise": supervise,
            "today": timezone.localdate(),
        },
        request=request,
    )


PANEL = ProjectPanel(
    key="cases", title=gettext_lazy("Service cases"), render=render_panel, order=50
)


def register_panels() -> None:
    register_project_panel(PANEL)
