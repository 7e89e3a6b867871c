"""Wagtail's admin under the Content-Security-Policy, which allows no inline script.

Wagtail starts a few widgets from inline scripts. Those written in templates (inline panels, the
multiple chooser panel, date and time inputs) are overridden in templates/wagtailadmin/; the one
written in Python (every chooser: page, snippet, document, image, task) is replaced below. Each
leaves a hidden element with the same arguments instead, and portal/static/portal/admin-csp.js,
added to every admin page here, makes the same calls.
"""

import json

from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from wagtail import hooks
from wagtail.admin.widgets.chooser import BaseChooser
from wagtail.admin.widgets.workflows import AdminTaskChooser


@hooks.register("insert_global_admin_js")
def inline_scripts_replaced():
    return format_html('<script src="{}"></script>', static("portal/admin-csp.js"))


@hooks.register("insert_global_admin_js")
def accessibility_gaps_filled():
    """Labels where Wagtail's own widgets leave none (portal/static/portal/admin-a11y.js)."""
    return format_html('<script src="{}" defer></script>', static("portal/admin-a11y.js"))


@hooks.register("insert_global_admin_js")
def submit_waits_for_autosave():
    """A publish or submit clicked while Wagtail's first autosave of a new page is on its way
    made a second page; it now waits for the autosave (portal/static/portal/
    admin-autosave-submit.js)."""
    return format_html(
        '<script src="{}" defer></script>', static("portal/admin-autosave-submit.js")
    )


@hooks.register("insert_global_admin_css")
def contrast_fixed():
    """Wagtail's green buttons and success messages (#298d6f under white text, 4.09:1, and
    lighter while fading in) a shade darker, to the 4.5:1 the portal keeps everywhere."""
    return format_html('<link rel="stylesheet" href="{}">', static("portal/admin-a11y.css"))


def _chooser_start(widget: BaseChooser, id_: str, name: str, value_data) -> dict | None:
    """What BaseChooser.render_js_init would write, as data (None: an initialiser unknown here)."""
    if isinstance(widget, AdminTaskChooser):
        return {"function": "createTaskChooser", "args": [id_]}
    if type(widget).render_js_init is not BaseChooser.render_js_init:
        return None
    options = widget.get_js_init_options(id_, name, value_data)
    return {"class": widget.js_constructor, "args": [id_, options]}


_render_with_inline_script = BaseChooser.render


def _render_without_inline_script(self, name, value, attrs=None, renderer=None):
    try:
        id_ = attrs["id"]
    except (KeyError, TypeError) as e:
        raise TypeError("BaseChooser cannot be rendered without an 'id' attribute") from e
    value_data = self.get_value_data(value)
    start = _chooser_start(self, id_, name, value_data)
    if start is None:  # a chooser with its own script: left as it is (and reported by the CSP)
        return _render_with_inline_script(self, name, value, attrs, renderer)
    return mark_safe(  # noqa: S308 - render_html is Wagtail's escaped template; the data is escaped
        self.render_html(name, value_data, attrs)
        + format_html(
            '<span hidden data-controller="portal-chooser" data-portal-chooser-start-value="{}">'
            "</span>",
            json.dumps(start),
        )
    )


BaseChooser.render = _render_without_inline_script
