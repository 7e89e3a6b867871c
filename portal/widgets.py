"""Pickers: choose people, departments, projects or catalogue items by what people know them by.

One widget for every such field. Each entry shows a name and a detail line ("王海 — 区发改局 ·
帮办员"), entries are grouped (by organisation, department, level), and a filter box narrows the
list as one types (portal/static/portal/picker.js, loaded through the widget's Media; the CSP
allows no inline script). Without JavaScript it is a plain grouped list of checkboxes or radio
buttons. What a field lists and how an entry reads is the app's business: it passes `describe`,
a function from the model instance (or the raw value) to a `PickerOption`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.forms.widgets import Script
from django.utils.translation import get_language
from django.utils.translation import gettext as _

MEDIA_CSS = {"all": ["portal/picker.css"]}
MEDIA_JS = [Script("portal/picker.js", defer=True)]


@dataclass(frozen=True)
class PickerOption:
    """How one entry reads: its label, a detail line, the group it sits in and extra words the
    filter finds it by (the other language's name, a code)."""

    label: str
    detail: str = ""
    group: str = ""
    # Groups are sorted by this key; groups with equal keys keep the order they first appear in.
    group_order: tuple = ()
    # A short form for the summary of what is chosen (a code, a name).
    short: str = ""
    search: str = ""
    attrs: dict[str, str] = field(default_factory=dict)


Describe = Callable[[Any], PickerOption]


class Picker(forms.widgets.ChoiceWidget):
    """Pick one (radio buttons) from a grouped, filterable list."""

    template_name = "includes/picker.html"
    option_template_name = "includes/picker_option.html"
    input_type = "radio"
    allow_multiple_selected = False
    use_fieldset = True

    class Media:
        css = MEDIA_CSS
        js = MEDIA_JS

    def __init__(
        self,
        attrs=None,
        choices=(),
        *,
        describe: Describe | None = None,
        closure_text: str | None = None,
    ):
        super().__init__(attrs, choices)
        self.describe = describe
        # Optional: "With their prerequisites: %(total)s approvals." when entries name others
        # they bring along (data-requires), so the page says what will really be added.
        self.closure_text = closure_text

    def id_for_label(self, id_, index=None):
        # The field's label is the legend of a fieldset: no single input to point at.
        if index is None:
            return ""
        return super().id_for_label(id_, index)

    def _described(self, value, label) -> PickerOption:
        if self.describe is None:
            return PickerOption(label=str(label))
        return self.describe(getattr(value, "instance", value))

    def optgroups(self, name, value, attrs=None):
        """The entries in their groups; an empty choice ("nobody") comes first, ungrouped."""
        ungrouped, groups, order = [], {}, {}
        has_selected = False
        for index, (option_value, option_label) in enumerate(self.choices):
            if option_value is None:
                option_value = ""
            if option_value == "" and self.is_required:
                continue  # "nobody" is no answer to a question that needs one
            selected = (not has_selected or self.allow_multiple_selected) and str(
                option_value
            ) in value
            has_selected |= selected
            if option_value == "":
                option = self.create_option(
                    name, option_value, option_label, selected, index, attrs=attrs
                )
                option.update(detail="", search="", short=str(option_label), empty=True)
                ungrouped.append(option)
                continue
            described = self._described(option_value, option_label)
            option = self.create_option(
                name, option_value, described.label, selected, index, attrs=attrs
            )
            option["attrs"].update(described.attrs)
            option.update(
                detail=described.detail,
                short=described.short or described.label,
                # As picker.js reads what is typed: NFKC (full-width letters), lower case.
                search=unicodedata.normalize(
                    "NFKC",
                    " ".join(
                        filter(
                            None,
                            (described.label, described.detail, described.group, described.search),
                        )
                    ),
                ).lower(),
                empty=False,
            )
            groups.setdefault(described.group, []).append(option)
            order.setdefault(described.group, (described.group_order, len(order)))
        result = [(None, ungrouped, 0)] if ungrouped else []
        for position, group in enumerate(sorted(groups, key=order.__getitem__)):
            result.append((group or None, groups[group], position + 1))
        return result

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        options = sum(len(group[1]) for group in context["widget"]["optgroups"])
        context["widget"]["picker"] = {
            "multiple": self.allow_multiple_selected,
            "total": options,
            # A filter box is of no help for a handful of entries.
            "filterable": options > 6,
            "texts": {
                "shown": _("Showing %(shown)s of %(total)s."),
                "chosen": _("Chosen (%(count)s): %(names)s")
                if self.allow_multiple_selected
                else _("Chosen: %(names)s"),
                "none": _("Nothing chosen yet."),
                # Chinese lists chosen names with the enumeration comma.
                "separator": ", " if get_language() == "en" else "、",
                **({"closure": str(self.closure_text)} if self.closure_text else {}),
            },
        }
        return context


class MultiplePicker(Picker):
    """Pick any number (checkboxes) from a grouped, filterable list."""

    input_type = "checkbox"
    allow_multiple_selected = True

    def use_required_attribute(self, initial):
        # The browser cannot require "at least one of these checkboxes".
        return False

    def value_omitted_from_data(self, data, files, name):
        # An unticked list sends nothing: that is a value (none chosen), not an omission.
        return False


class PresetSelect(forms.Select):
    """A select whose options each tick a set of entries of a picker in the same form (an
    industry ticks its standard approval items). The ticks happen in the browser; `note` says
    what was ticked ("%(count)s … %(name)s")."""

    template_name = "includes/picker_preset_select.html"

    class Media:
        css = MEDIA_CSS
        js = MEDIA_JS

    def __init__(
        self,
        attrs=None,
        choices=(),
        *,
        target: str,
        preset_of: Callable[[Any], Iterable[Any]],
        note: str,
    ):
        super().__init__(attrs, choices)
        self.target = target
        self.preset_of = preset_of
        self.note = note

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-preset"] = " ".join(str(v) for v in self.preset_of(instance))
            option["attrs"]["data-preset-name"] = str(instance)
        return option

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        prefix = name.rsplit("-", 1)[0] + "-" if "-" in name else ""
        context["widget"]["attrs"]["data-picker-preset"] = prefix + self.target
        context["widget"]["preset_note"] = self.note
        return context
