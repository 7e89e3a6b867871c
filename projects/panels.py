"""Sections other apps add to the project page (cases, ratings), without projects importing them.

An app registers a panel in its `AppConfig.ready()`; the project page asks each registered
panel for its HTML (or None when it has nothing to show this viewer), in `order`.
`render(request, project)` must filter by what the viewer may see, like any selector.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class ProjectPanel:
    key: str  # also the section's anchor: #panel-<key>
    title: str | Promise
    render: Callable[[Any, Any], str | None]
    order: int = 100


_panels: dict[str, ProjectPanel] = {}


def register_project_panel(panel: ProjectPanel) -> None:
    existing = _panels.get(panel.key)
    if existing is not None and existing != panel:
        raise ValueError(f"project panel {panel.key!r} is registered twice")
    _panels[panel.key] = panel


def project_panels() -> list[ProjectPanel]:
    return sorted(_panels.values(), key=lambda p: (p.order, p.key))


def rendered_panels(request, project) -> list[dict[str, Any]]:
    """[{key, title, html}] of the panels that have something for this viewer."""
    shown = []
    for panel in project_panels():
        html = panel.render(request, project)
        if html:
            shown.append({"key": panel.key, "title": panel.title, "html": html})
    return shown
