"""The public filter forms: the policy library, the guide index and the search page.

Each offers only the values that lead somewhere (authorities, topics and years that have
policies), reads GET parameters, and ignores an invalid one instead of failing the page.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.models import Department

from .models import (
    Classification,
    IssuingAuthority,
    PolicyStatus,
    PolicyTopicTag,
    policy_status_filter,
)

ALL = [("", _("All"))]


class GetForm(forms.Form):
    """A filter form read from the query string."""

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        for field in self.fields.values():
            field.required = False

    def values(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", False)}

    def query_string(self, **extra) -> str:
        values = {k: ("1" if v is True else v) for k, v in (self.values() | extra).items()}
        return urlencode({k: getattr(v, "pk", v) for k, v in values.items() if v})


class PolicyFilterForm(GetForm):
    q = forms.CharField(label=_("Title or document number"), max_length=100)
    authority = forms.TypedChoiceField(label=_("Issuing authority"), coerce=int, empty_value=None)
    topic = forms.ChoiceField(label=_("Topic"))
    classification = forms.ChoiceField(label=_("Topic classification"))
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), choices=ALL + PolicyStatus.choices)

    def __init__(self, data=None, *, policies, **kwargs):
        super().__init__(data, **kwargs)
        authorities = IssuingAuthority.objects.filter(policies__in=policies).distinct()
        self.fields["authority"].choices = ALL + [(a.pk, a.label) for a in authorities]
        topics = (
            PolicyTopicTag.objects.filter(content_object__in=policies)
            .values_list("tag__name", flat=True)
            .distinct()
            .order_by("tag__name")
        )
        self.fields["topic"].choices = ALL + [(name, name) for name in topics]
        used = set(policies.values_list("classification", flat=True).distinct())
        self.fields["classification"].choices = ALL + [
            (value, label) for value, label in Classification.choices if value in used
        ]
        years = policies.order_by().dates("published_on", "year", order="DESC")
        self.fields["year"].choices = ALL + [(d.year, str(d.year)) for d in years]

    def filter(self, policies):
        values = self.values()
        if q := values.get("q"):
            policies = policies.filter(Q(title__icontains=q) | Q(document_number__icontains=q))
        if authority := values.get("authority"):
            policies = policies.filter(issuing_authority_id=authority)
        if topic := values.get("topic"):
            policies = policies.filter(tagged_items__tag__name=topic)
        if classification := values.get("classification"):
            policies = policies.filter(classification=classification)
        if year := values.get("year"):
            policies = policies.filter(published_on__year=year)
        if status := values.get("status"):
            policies = policies.filter(policy_status_filter(status, timezone.localdate()))
        return policies


class GuideFilterForm(GetForm):
    q = forms.CharField(label=_("Item name or code"), max_length=100)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), empty_label=_("All")
    )
    online = forms.BooleanField(label=_("Fully online only"))

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(
            items__is_active=True
        ).distinct()

    def filter(self, items):
        values = self.values()
        if q := values.get("q"):
            items = items.filter(
                Q(code__icontains=q) | Q(name__icontains=q) | Q(name_en__icontains=q)
            )
        if department := values.get("department"):
            items = items.filter(department=department)
        if values.get("online"):
            items = items.filter(fully_online=True)
        return items


class SearchForm(GetForm):
    TYPES = [
        ("policy", _("Policies")),
        ("interpretation", _("Interpretations")),
        ("news", _("News")),
        ("guide", _("Approval guides")),
    ]

    q = forms.CharField(label=_("Search for"), max_length=100)
    type = forms.ChoiceField(label=_("Type"), choices=ALL + TYPES)
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, empty_value=None)

    def __init__(self, data=None, *, years=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["year"].choices = ALL + [(y, str(y)) for y in years]
