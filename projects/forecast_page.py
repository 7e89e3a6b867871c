"""The project page's forecast: the timeline drawn with the durations the history gives (the
likely ones; the cautious ones say whether the planned start is at risk), and the what-if form
("if this approval slips N working days, the start moves to ...").

A view helper: it reads the what-if's GET parameters, validates them and changes nothing. The
page itself is only shown to those who may see the project, and the form offers only that
project's open approvals, so a guessed approval id of another project is refused like any
other choice that is not on the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .clock import WorkingCalendar
from .forecast import CLOSED, WhatIf, prerequisite_graph, what_if
from .history import History, decided_history
from .timeline import build_timeline

MAX_SLIP_DAYS = 120
DAYS_MESSAGE = _("Give a whole number of working days from 1 to 120.")


class WhatIfForm(forms.Form):
    """One open approval of the project and a number of working days."""

    prefix = "whatif"

    approval = forms.TypedChoiceField(
        label=_("If the approval"),
        coerce=int,
        error_messages={
            "required": _("Choose one of this project's open approvals."),
            "invalid_choice": _("Choose one of this project's open approvals."),
        },
    )
    days = forms.IntegerField(
        label=_("is decided later by (working days)"),
        min_value=1,
        max_value=MAX_SLIP_DAYS,
        error_messages={
            "required": DAYS_MESSAGE,
            "invalid": DAYS_MESSAGE,
            "min_value": DAYS_MESSAGE,
            "max_value": DAYS_MESSAGE,
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": 4}),
    )

    def __init__(self, data=None, *, approvals) -> None:
        super().__init__(data)
        self.fields["approval"].choices = [
            (a.pk, f"{a.item.code} {a.item.label}") for a in approvals if a.status not in CLOSED
        ]


@dataclass(frozen=True)
class WhatIfAnswer:
    form: WhatIfForm
    result: WhatIf | None = None  # when the form was sent and is valid
    approval: Any = None  # the approval asked about
    after_planned: bool = False  # the moved date falls after the planned start


def _is_sent(params, form: WhatIfForm) -> bool:
    return any(form.add_prefix(name) in params for name in form.fields)


def what_if_answer(
    params,
    project,
    approvals: list,
    history: History,
    *,
    today: date,
    calendar: WorkingCalendar,
) -> WhatIfAnswer | None:
    """The what-if form, and its answer when it was sent; None when nothing is left to slip."""
    form = WhatIfForm(approvals=approvals)
    if not form.fields["approval"].choices:
        return None
    if not _is_sent(params, form):
        return WhatIfAnswer(form)
    form = WhatIfForm(params, approvals=approvals)
    if not form.is_valid():
        return WhatIfAnswer(form)
    approval_id, days = form.cleaned_data["approval"], form.cleaned_data["days"]
    result = what_if(
        approvals,
        prerequisite_graph(approvals),
        today=today,
        calendar=calendar,
        duration=history.durations.likely,
        approval_id=approval_id,
        days=days,
    )
    planned = project.planned_start
    return WhatIfAnswer(
        form,
        result,
        approval=next(a for a in approvals if a.pk == approval_id),
        after_planned=planned is not None and result.after > planned,
    )


def project_forecast(
    params,
    project,
    approvals: list,
    summaries: dict[int, dict],
    today: date,
    calendar: WorkingCalendar,
) -> dict[str, Any]:
    """The page's `timeline` (with the ready-to-build dates) and `what_if`."""
    history = decided_history(calendar, through=today)
    return {
        "timeline": build_timeline(
            project, approvals, summaries, today, calendar, durations=history.durations
        ),
        "what_if": what_if_answer(
            params, project, approvals, history, today=today, calendar=calendar
        ),
    }
