"""The project page's repeated parts as HTML: one approvals' table row and one closed card per
approval.

With 20-30 approvals these two loops were most of the page's template work (about 60 nodes
an approval, each resolved through the template language's lookups); Python writes the same
markup several times faster. What varies per page (the frame, the summary, the panels, an
opened card after a refused action) stays in `projects/project_detail.html`.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext

from .presentation import BALL_LABELS, COLOUR_LABELS


def _day(value, pattern: str = "%Y-%m-%d") -> str:
    return value.strftime(pattern) if value else ""


def _labels() -> dict[str, str]:
    """The column labels a phone shows beside each cell, escaped once per page."""
    return {
        # str() first: escape() of a lazy text is lazy too, translated again at every use.
        key: escape(str(text))
        for key, text in (
            ("item", gettext_lazy("Approval item")),
            ("department", gettext_lazy("Department")),
            ("status", gettext_lazy("Status")),
            ("ball", gettext_lazy("Ball with")),
            ("days", gettext_lazy("Working days used / left")),
            ("due", gettext_lazy("Due (promised / statutory)")),
            ("missing", gettext_lazy("Missing materials")),
            ("paused", gettext_lazy("clock paused")),
            ("action", gettext_lazy("action for you")),
            ("open_card", gettext_lazy("Open this approval's checklist and actions")),
        )
    }


def _table_row(row: dict, labels: dict[str, str]) -> str:
    a, s = row["approval"], row["summary"]
    colour = escape(s["colour"])
    status = f'<span data-field="status">{escape(a.get_status_display())}</span>'
    if a.decided_on:
        status += f' <span class="muted">{_day(a.decided_on)}</span>'
    status += (
        f'<br><span class="badge badge--{colour}" data-field="colour">'
        f"{escape(COLOUR_LABELS.get(s['colour'], s['colour']))}</span>"
    )
    closed = "" if a.is_open else ' class="phone-optional"'
    ball = escape(BALL_LABELS.get(s["ball_with"], "—")) if s["ball_with"] else "—"
    if s["accepted_at"]:
        split = gettext("dept. %(d)s · ent. %(e)s days") % {
            "d": s["department_days"],
            "e": s["enterprise_days"],
        }
        ball += f'<br><span class="muted">{escape(split)}</span>'
    if s["working_days_used"] is not None:
        days = f"{s['working_days_used']} / <strong>{s['working_days_left']}</strong>"
    else:
        days = "—"
    if a.status == a.Status.SUPPLEMENT_REQUESTED:
        due = labels["paused"]
    else:
        due = _day(a.due_date) or "—"
        if a.statutory_due_date:
            due += f" / {_day(a.statutory_due_date)}"
    separator = escape(pgettext("list separator", ", "))
    missing_list = s["missing_materials"]
    missing = (
        separator.join(
            escape(m["name"]) + (f" ({_day(m['due'], '%m-%d')})" if m.get("due") else "")
            for m in missing_list
        )
        or "—"
    )
    optional = "" if missing_list else ' class="phone-optional"'
    return (
        f'<tr data-approval="{a.pk}" class="colour--{colour}">\n'
        f'        <td data-label="{labels["item"]}"><a href="#approval-{a.pk}">'
        f"{escape(a.item.code)}</a> {escape(a.item.label)}</td>\n"
        f'        <td data-label="{labels["department"]}">{escape(a.department.label)}</td>\n'
        f'        <td data-label="{labels["status"]}">{status}</td>\n'
        f'        <td data-field="ball"{closed} data-label="{labels["ball"]}">{ball}</td>\n'
        f'        <td data-field="days"{closed} data-label="{labels["days"]}">{days}</td>\n'
        f'        <td data-field="due" data-label="{labels["due"]}">{due}</td>\n'
        f'        <td data-field="missing"{optional} data-label="{labels["missing"]}">'
        f"{missing}</td>\n"
        "      </tr>"
    )


def _closed_card(row: dict, project_id: int, cards_url: str, labels: dict[str, str]) -> str:
    """A card before it is opened: its title line; the body comes on demand."""
    a, s = row["approval"], row["summary"]
    url = f"{cards_url}?approval={a.pk}"
    tags = ""
    if row["transitions"]:
        tags += f' <span class="tag tag--action">{labels["action"]}</span>'
    if s["missing_materials"]:
        n = len(s["missing_materials"])
        text = ngettext("%(counter)s missing", "%(counter)s missing", n) % {"counter": n}
        tags += f' <span class="tag tag--warn">{escape(text)}</span>'
    return (
        f'<details class="approval-card" id="approval-{a.pk}" data-approval="{a.pk}" '
        f'data-remember="project-{project_id}" data-src="{url}">\n'
        f'    <summary><span class="approval-card__title">{escape(a.item.code)} '
        f"{escape(a.item.label)}</span> "
        f'<span class="badge badge--{escape(s["colour"])}">{escape(a.get_status_display())}</span>'
        f"{tags}</summary>\n"
        f'    <div class="lazy-body" data-part="approval-{a.pk}"><p><a href="{url}">'
        f"{labels['open_card']}</a></p></div>\n"
        "  </details>"
    )


def add_row_html(project, rows: list[dict]) -> None:
    """Give each row its table row (`row_html`) and, unless its card opens with a refused
    action's form, its closed card (`card_html`); every value from the database is escaped."""
    labels = _labels()
    cards_url = reverse("project_section", args=[project.pk, "cards"])
    for row in rows:
        row["row_html"] = mark_safe(_table_row(row, labels))  # noqa: S308 - escaped above
        if not row["refused"]:
            row["card_html"] = mark_safe(  # noqa: S308 - escaped above
                _closed_card(row, project.pk, cards_url, labels)
            )
