"""Charts drawn on the server as SVG: no script, no network, printable, and each one has the
same numbers in a table next to it (the template puts the table; the SVG names itself with
role="img" and a <title>)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .tables import ON_TIME_TARGET, short_month_label

FONT = 12
RECEIVED_COLOUR = "#3b6ea8"
COMPLETED_COLOUR = "#2e8b57"
TARGET_COLOUR = "#b22222"


def _svg(name: str, title: str, width: int, height: int, body: list[str]) -> SafeString:
    title_id = f"chart-{name}-title"
    return mark_safe(  # noqa: S308 -- every text inside went through escape()
        f'<svg class="chart chart--{name}" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-labelledby="{title_id}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" preserveAspectRatio="xMinYMin meet" '
        f'font-size="{FONT}">'
        f'<title id="{title_id}">{escape(title)}</title>' + "".join(body) + "</svg>"
    )


def _nice_max(value: float) -> int:
    if value <= 0:
        return 1
    step = 1
    while step * 10 < value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if value <= step * factor:
            return step * factor
    return step * 10


def monthly_chart(months: Sequence[tuple[date, int, int]], title: str) -> SafeString:
    """Received and completed per month, as pairs of vertical bars."""
    count = max(1, len(months))
    left, right, top, bottom = 44, 10, 28, 40
    slot = max(18, min(56, 640 // count))
    width = left + right + slot * count
    height = 240
    plot = height - top - bottom
    top_value = _nice_max(max([max(r, c) for _m, r, c in months] or [0]))
    body = [
        f'<rect x="{left}" y="6" width="10" height="10" fill="{RECEIVED_COLOUR}"/>'
        f'<text x="{left + 14}" y="15">{escape(_("Received"))}</text>'
        f'<rect x="{left + 110}" y="6" width="10" height="10" fill="{COMPLETED_COLOUR}"/>'
        f'<text x="{left + 124}" y="15">{escape(_("Completed"))}</text>'
    ]
    for fraction in (0, 0.5, 1):
        y = top + plot - plot * fraction
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#ccc" stroke-width="1"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">'
            f"{int(top_value * fraction)}</text>"
        )
    bar = max(4, (slot - 6) // 2)
    step_labels = max(1, count // 12)
    for index, (month, received, completed) in enumerate(months):
        x = left + index * slot + (slot - 2 * bar) / 2
        for offset, value, colour, kind in (
            (0, received, RECEIVED_COLOUR, "received"),
            (bar, completed, COMPLETED_COLOUR, "completed"),
        ):
            h = plot * value / top_value
            body.append(
                f'<rect class="chart-bar" data-series="{kind}" data-month="{month.isoformat()}" '
                f'data-value="{value}" x="{x + offset:.1f}" y="{top + plot - h:.1f}" '
                f'width="{bar}" height="{h:.1f}" fill="{colour}"/>'
            )
        if index % step_labels == 0:
            label = short_month_label(month)
            if month.month == 1 or index == 0:
                label = f"{month.year}·{label}" if count > 12 else label
            body.append(
                f'<text class="axis-label" x="{left + index * slot + slot / 2:.1f}" '
                f'y="{height - bottom + 16}" text-anchor="middle">{escape(label)}</text>'
            )
    return _svg("monthly", title, width, height, body)


def on_time_chart(rows: Sequence[tuple[str, float | None]], title: str) -> SafeString:
    """On-time rate per department as horizontal bars in the given order, with the target."""
    label_width, bar_width, row_height, top = 230, 380, 24, 26
    width = label_width + bar_width + 60
    height = top + row_height * max(1, len(rows)) + 10
    target_x = label_width + bar_width * ON_TIME_TARGET
    # Outside the f-string: makemessages does not read inside one.
    target = _("target %(rate)s %%") % {"rate": int(ON_TIME_TARGET * 100)}
    body = [
        f'<text x="{target_x:.1f}" y="14" text-anchor="middle" fill="{TARGET_COLOUR}">'
        f"{escape(target)}</text>"
    ]
    values = []  # drawn after the target line, so the line never crosses a figure
    for index, (label, value) in enumerate(rows):
        y = top + index * row_height
        middle = y + row_height / 2
        body.append(
            f'<text class="row-label" data-row="{index}" x="{label_width - 8}" '
            f'y="{middle + 4:.1f}" text-anchor="end">{_label(label, 14)}</text>'
        )
        if value is None:
            values.append(
                f'<text class="chart-value" data-row="{index}" x="{label_width + 4}" '
                f'y="{middle + 4:.1f}">—</text>'
            )
            continue
        w = bar_width * value
        colour = COMPLETED_COLOUR if value >= ON_TIME_TARGET else "#d08c28"
        body.append(
            f'<rect class="chart-bar" data-row="{index}" data-label="{escape(label)}" '
            f'data-value="{value:.4f}" x="{label_width}" y="{y + 4}" width="{w:.1f}" '
            f'height="{row_height - 8}" fill="{colour}"/>'
        )
        values.append(
            f'<text class="chart-value" data-row="{index}" x="{label_width + w + 4:.1f}" '
            f'y="{middle + 4:.1f}" stroke="#fff" stroke-width="3" paint-order="stroke">'
            f"{value * 100:.1f} %</text>"
        )
    body.append(
        f'<line class="target" x1="{target_x:.1f}" x2="{target_x:.1f}" y1="18" '
        f'y2="{height - 6}" stroke="{TARGET_COLOUR}" stroke-width="2" stroke-dasharray="4 3"/>'
    )
    return _svg("on-time", title, width, height, body + values)


def heatmap_chart(
    rows: Sequence[str], months: Sequence[date], values: Sequence[Sequence[int]], title: str
) -> SafeString:
    """Late decisions per department and month: darker is more."""
    label_width, cell, top = 230, max(16, min(34, 600 // max(1, len(months)))), 30
    width = label_width + cell * max(1, len(months)) + 10
    height = top + 22 * max(1, len(rows)) + 8
    peak = max([max(r) for r in values if r] or [0]) or 1
    body = []
    step_labels = max(1, len(months) // 12)
    for col, month in enumerate(months):
        if col % step_labels == 0:
            body.append(
                f'<text x="{label_width + col * cell + cell / 2:.1f}" y="{top - 8}" '
                f'text-anchor="middle">{escape(short_month_label(month))}</text>'
            )
    for index, label in enumerate(rows):
        y = top + index * 22
        body.append(
            f'<text class="row-label" data-row="{index}" x="{label_width - 8}" y="{y + 15}" '
            f'text-anchor="end">{_label(label, 14)}</text>'
        )
        for col, value in enumerate(values[index]):
            strength = value / peak
            fill = "#f4f4f4" if not value else f"rgba(178, 34, 34, {0.2 + 0.8 * strength:.2f})"
            body.append(
                f'<rect class="chart-cell" data-row="{index}" data-value="{value}" '
                f'x="{label_width + col * cell}" y="{y}" width="{cell - 2}" height="20" '
                f'fill="{fill}"/>'
            )
            if value:
                colour = "#fff" if strength > 0.5 else "#000"
                body.append(
                    f'<text x="{label_width + col * cell + (cell - 2) / 2:.1f}" y="{y + 14}" '
                    f'text-anchor="middle" fill="{colour}">{value}</text>'
                )
    return _svg("late", title, width, height, body)


def funnel_chart(stages: Sequence[tuple[str, int]], title: str) -> SafeString:
    """Projects that reached each stage, widest first."""
    width, row_height, top, centre = 560, 34, 8, 330
    height = top + row_height * max(1, len(stages)) + 6
    peak = max([n for _s, n in stages] or [0]) or 1
    body = []
    for index, (label, value) in enumerate(stages):
        y = top + index * row_height
        w = max(2, 300 * value / peak)
        body.append(
            f'<text class="row-label" data-row="{index}" x="{centre - 160}" '
            f'y="{y + row_height / 2 + 4:.1f}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="chart-bar" data-row="{index}" data-value="{value}" '
            f'x="{centre - w / 2:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_height - 6}" '
            f'fill="{RECEIVED_COLOUR}"/>'
            f'<text x="{centre + 160}" y="{y + row_height / 2 + 4:.1f}">{value}</text>'
        )
    return _svg("funnel", title, width, height, body)


def _label(text: str, length: int) -> str:
    """A row label that fits; a shortened one carries the full name as its tooltip."""
    short = _shorten(text, length)
    if short == text:
        return escape(text)
    return f"<title>{escape(text)}</title>{escape(short)}"


def _shorten(text: str, length: int) -> str:
    """At most `length` wide characters (a Chinese character counts two Latin ones)."""
    budget, out = length * 2, []
    for char in text:
        budget -= 1 if ord(char) < 0x2E80 else 2
        if budget < 0:
            return "".join(out[:-1]) + "…"
        out.append(char)
    return text
