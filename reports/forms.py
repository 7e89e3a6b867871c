"""The statistics filter: a date range and the dimensions, checked before any query runs."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from projects.forms import OptionsSelect
from projects.models import Project

from .statistics import MAX_YEARS, Scope


class StatisticsFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    date_to = forms.DateField(
        label=_("To"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    # The catalogue's items are a couple of hundred options: written in Python, not by a
    # template each.
    department = forms.TypedChoiceField(
        label=_("Department"), coerce=int, required=False, empty_value=None, widget=OptionsSelect
    )
    item = forms.TypedChoiceField(
        label=_("Approval item"), coerce=int, required=False, empty_value=None, widget=OptionsSelect
    )
    town = forms.TypedChoiceField(
        label=_("Town or zone"), coerce=int, required=False, empty_value=None, widget=OptionsSelect
    )
    stage = forms.ChoiceField(label=_("Project stage"), required=False, widget=OptionsSelect)

    def __init__(self, data, *, choices, departments, today: date, **kwargs):
        super().__init__(data, **kwargs)
        self.today = today
        self.departments = departments
        everyone = [("", _("all"))]
        own = [d for d in choices["department"] if departments is None or d["id"] in departments]
        self.fields["department"].choices = ([] if departments else everyone) + [
            (d["id"], d["label"]) for d in own
        ]
        if departments is not None and len(own) > 1:
            self.fields["department"].choices = [("", _("all of mine"))] + [
                (d["id"], d["label"]) for d in own
            ]
        self.fields["item"].choices = everyone + [
            (i["id"], f"{i['code']} {i['label']}") for i in choices["item"]
        ]
        self.fields["town"].choices = everyone + [(t["id"], t["label"]) for t in choices["town"]]
        self.fields["stage"].choices = everyone + list(Project.Stage.choices)

    def clean(self):
        data = super().clean()
        start = data.get("date_from") or self.today.replace(month=1, day=1)
        end = data.get("date_to") or self.today
        if start > end:
            raise forms.ValidationError(_("The start of the range must not be after its end."))
        if start < date(2000, 1, 1) or end > date(self.today.year + 1, 12, 31):
            raise forms.ValidationError(_("Choose dates between 2000 and next year."))
        if (end - start).days > MAX_YEARS * 366:
            raise forms.ValidationError(
                _("Choose a range of at most %(years)s years.") % {"years": MAX_YEARS}
            )
        data["date_from"], data["date_to"] = start, end
        return data

    def scope(self) -> Scope:
        data = self.cleaned_data
        return Scope(
            start=data["date_from"],
            end=data["date_to"],
            department=data.get("department"),
            item=data.get("item"),
            town=data.get("town"),
            stage=data.get("stage") or None,
            departments=self.departments,
        )

    def default_scope(self) -> Scope:
        return Scope(
            start=self.today.replace(month=1, day=1), end=self.today, departments=self.departments
        )
