"""The catalogue in Wagtail's back office: approval items with their materials, departments and
the working-day calendar, next to the pages, so the bureau works in one place.

Catalogue edits are plain model edits (running approvals keep their own copies and never move).
Calendar edits go through `working_day_set`, which moves the running due dates and writes their
events. Nothing here deletes: an item leaves the catalogue by being marked inactive, a calendar
exception by being set back to the weekday rule.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import inlineformset_factory
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, ObjectList, Panel
from wagtail.admin.widgets import HeaderButton
from wagtail.log_actions import log
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import (
    CreateView,
    EditView,
    IndexView,
    SnippetViewSet,
    SnippetViewSetGroup,
)

from portal.errors import DomainError
from portal.roles import is_bureau_staff

from .models import ApprovalItem, Department, ItemMaterial, WorkingDay
from .services import working_day_set, working_days_import


class NoDeletePermissionPolicy(ModelPermissionPolicy):
    """Model permissions, without deleting: approvals and history point at these rows."""

    def user_has_permission(self, user, action):
        return action != "delete" and super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        return action != "delete" and super().user_has_permission_for_instance(
            user, action, instance
        )


for _model in (ApprovalItem, Department, WorkingDay):
    register_permission_policy(_model, NoDeletePermissionPolicy(_model), exact_class=True)


# --- approval items with their one-time notification list ------------------------------------

MaterialFormSet = inlineformset_factory(
    ApprovalItem,
    ItemMaterial,
    fields=["name", "name_en", "key", "position"],
    extra=3,
    can_delete=True,
)


class ApprovalItemForm(WagtailAdminModelForm):
    """The item and, in the same form and transaction, its list of required materials."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.materials = MaterialFormSet(
            self.data if self.is_bound else None, instance=self.instance, prefix="materials"
        )

        # An item cannot be its own prerequisite.
        self.fields["prerequisites"].queryset = ApprovalItem.objects.exclude(pk=self.instance.pk)

    def is_valid(self):
        valid = super().is_valid()
        return self.materials.is_valid() and valid

    def save(self, commit=True):
        item = super().save(commit=commit)
        if commit:
            self.materials.instance = item
            self.materials.save()
        return item


class MaterialsPanel(Panel):
    """The materials formset of ApprovalItemForm, one row per material."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "cms/admin/item_materials_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["formset"] = self.form.materials
            return context


def _guide_link(item_code: str) -> str:
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">{}</a>',
        reverse("guide_detail", args=[item_code]),
        _("Open the public guide"),
    )


class GuideLinkPanel(HelpPanel):
    class BoundPanel(HelpPanel.BoundPanel):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            if self.instance.pk and self.instance.is_active:
                self.content = _guide_link(self.instance.code)
            else:
                self.content = ""

        def is_shown(self):
            return bool(self.content)


class ApprovalItemViewSet(SnippetViewSet):
    model = ApprovalItem
    icon = "list-ul"
    menu_label = gettext_lazy("Approval items")
    list_display = [
        "code",
        "name",
        "department",
        "promised_limit_days",
        "statutory_limit_days",
        "fully_online",
        "is_active",
    ]
    list_filter = ["department", "fully_online", "is_active"]
    search_fields = ["code", "name", "name_en"]
    ordering = ["code"]
    copy_view_enabled = False
    inspect_view_enabled = True
    edit_handler = ObjectList(
        [
            GuideLinkPanel(),
            FieldRowPanel([FieldPanel("code"), FieldPanel("department")]),
            FieldPanel("name"),
            FieldPanel("name_en"),
            FieldRowPanel([FieldPanel("promised_limit_days"), FieldPanel("statutory_limit_days")]),
            FieldRowPanel([FieldPanel("fee"), FieldPanel("fully_online")]),
            FieldPanel("legal_basis"),
            FieldPanel("prerequisites", widget=forms.CheckboxSelectMultiple),
            MaterialsPanel(heading=gettext_lazy("One-time notification list")),
            FieldPanel("is_active"),
        ],
        base_form_class=ApprovalItemForm,
    )


class DepartmentViewSet(SnippetViewSet):
    model = Department
    icon = "group"
    menu_label = gettext_lazy("Departments")
    list_display = ["name", "name_en", "short_name", "level", "head"]
    list_filter = ["level"]
    search_fields = ["name", "name_en", "short_name"]
    ordering = ["level", "name"]
    copy_view_enabled = False
    panels = [
        FieldPanel("name"),
        FieldPanel("name_en"),
        FieldRowPanel([FieldPanel("short_name"), FieldPanel("level")]),
        FieldPanel("head"),
        FieldPanel("officers", widget=forms.CheckboxSelectMultiple),
    ]


# --- the working-day calendar, through its service ---------------------------------------------


class WorkingDaySaveMixin:
    """Save through `working_day_set`; a refusal comes back as a form error."""

    def form_valid(self, form):
        data = form.cleaned_data
        day = data.get("date") or self.object.date
        try:
            self.moved = working_day_set(
                actor=self.request.user,
                day=day,
                is_working=data["is_working"],
                name=data.get("name", ""),
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
            return self.form_invalid(form)
        self.form = form
        self.object = WorkingDay.objects.filter(date=day).first() or form.instance
        if self.object._state.adding is False:
            log(instance=self.object, action=self.log_action, user=self.request.user)
        messages.success(self.request, self.get_success_message_text())
        return redirect(self.get_success_url())

    def get_success_message_text(self) -> str:
        stored = WorkingDay.objects.filter(date=self.object.date).exists()
        text = (
            _("Calendar entry for %(day)s saved.")
            if stored
            else _("%(day)s follows the weekday rule again.")
        ) % {"day": self.object.date.isoformat()}
        return f"{text} " + _("%(count)d running approvals moved their due dates.") % {
            "count": self.moved
        }

    def get_success_url(self):
        return reverse(self.index_url_name)


class WorkingDayCreateView(WorkingDaySaveMixin, CreateView):
    log_action = "wagtail.create"


class WorkingDayEditView(WorkingDaySaveMixin, EditView):
    log_action = "wagtail.edit"

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["date"].disabled = True  # another date is another entry
        return form


class YearForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)


class WorkingDayIndexView(IndexView):
    @property
    def header_buttons(self):
        buttons = super().header_buttons
        if not is_bureau_staff(self.request.user):
            return buttons
        buttons.append(
            HeaderButton(
                _("Add a year from the official schedule"),
                url=reverse("projects_workingday_import"),
                icon_name="download",
            )
        )
        return buttons


def working_days_import_view(request):
    """Staff add a year's public holidays and make-up working days; dates set by hand stay."""
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    form = YearForm(request.POST or None, initial={"year": timezone.localdate().year + 1})
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        try:
            added = working_days_import(actor=request.user, years=[year])
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(
                request,
                _("%(count)d calendar entries added for %(year)s.")
                % {"count": added, "year": year},
            )
            return redirect(WorkingDay.snippet_viewset.get_url_name("list"))
    return TemplateResponse(
        request,
        "cms/admin/working_days_import.html",
        {"form": form, "page_title": _("Add a year from the official schedule")},
    )


@hooks.register("register_admin_urls")
def register_working_days_import():
    return [
        path(
            "catalogue/working-days/import/",
            working_days_import_view,
            name="projects_workingday_import",
        )
    ]


class WorkingDayViewSet(SnippetViewSet):
    model = WorkingDay
    icon = "date"
    menu_label = gettext_lazy("Working-day calendar")
    list_display = ["date", "is_working", "name", "source"]
    list_filter = ["is_working", "source"]
    search_fields = ["name"]
    ordering = ["-date"]
    copy_view_enabled = False
    index_view_class = WorkingDayIndexView
    add_view_class = WorkingDayCreateView
    edit_view_class = WorkingDayEditView
    panels = [
        HelpPanel(
            gettext_lazy(
                "A date without an entry follows the rule: Monday to Friday are working days. "
                "Saving moves the due dates of running approvals. To remove an exception, set "
                "the day back to its weekday rule and clear the name."
            )
        ),
        FieldPanel("date"),
        FieldPanel("is_working"),
        FieldPanel("name"),
    ]


class CatalogueGroup(SnippetViewSetGroup):
    menu_label = gettext_lazy("Catalogue")
    menu_icon = "list-ul"
    menu_order = 250
    items = (ApprovalItemViewSet, DepartmentViewSet, WorkingDayViewSet)


register_snippet(CatalogueGroup)
