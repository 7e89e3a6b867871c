"""The back office of the catalogue, in Wagtail next to the pages, so the bureau works in one
place: approval items with their materials, departments with their officers, towns, industries,
enterprises with their users, and the working-day calendar with its years (confirmed against
the official notice or provisional; `calendar_years`); and the import of approval items from a
spreadsheet (`catalogue_import`, pages in `admin_views`). Django admin only shows them.

Catalogue edits are plain model edits (running approvals keep their own copies and never move),
checked by the catalogue's rules (`projects.catalogue`), the same the import file meets.
Who belongs to a department or an enterprise changes through the membership services, which
write an event on the person's stream so that their open pages follow. Calendar edits go through
`working_day_set`, which moves the running due dates and writes their events. Nothing here
deletes: an item leaves the catalogue by being marked inactive, a calendar exception by being
set back to the weekday rule.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, ObjectList, Panel
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSet
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

from portal.errors import DomainError, refusal_shown
from portal.models import User
from portal.roles import ENTERPRISE_GROUP_NAME, OFFICERS_GROUP_NAME, is_bureau_staff

from . import admin_views, catalogue
from . import calendar_years as years
from .catalogue_import import may_import_catalogue
from .models import (
    ApprovalItem,
    Department,
    Enterprise,
    Industry,
    ItemMaterial,
    Town,
    WorkingDay,
)
from .services import (
    department_officer_add,
    department_officer_remove,
    enterprise_user_add,
    enterprise_user_remove,
    working_day_set,
    working_days_import,
)


class NoDeletePermissionPolicy(ModelPermissionPolicy):
    """Model permissions, without deleting: approvals and history point at these rows."""

    def user_has_permission(self, user, action):
        return action != "delete" and super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        return action != "delete" and super().user_has_permission_for_instance(
            user, action, instance
        )


for _model in (ApprovalItem, Department, Enterprise, Industry, Town, WorkingDay):
    register_permission_policy(_model, NoDeletePermissionPolicy(_model), exact_class=True)


# --- approval items with their one-time notification list ------------------------------------


class BaseMaterialFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        names = [
            form.cleaned_data["name"]
            for form in self.forms
            if form.cleaned_data.get("name") and not self._should_delete_form(form)
        ]
        if problems := catalogue.material_problems(names):
            raise forms.ValidationError(problems)


MaterialFormSet = inlineformset_factory(
    ApprovalItem,
    ItemMaterial,
    formset=BaseMaterialFormSet,
    fields=["name", "name_en", "key", "position"],
    extra=3,
    can_delete=True,
)


class ApprovalItemForm(WagtailAdminModelForm):
    """The item and, in the same form and transaction, its list of required materials.

    The item is checked by the catalogue's rules (`projects.catalogue`), the same the import
    file is checked by: a loop of prerequisites, for one, is refused here as it is there.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.materials = MaterialFormSet(
            self.data if self.is_bound else None, instance=self.instance, prefix="materials"
        )

        # An item cannot be its own prerequisite.
        self.fields["prerequisites"].queryset = ApprovalItem.objects.exclude(pk=self.instance.pk)

    def clean(self):
        cleaned = super().clean()
        prerequisites = cleaned.get("prerequisites")
        problems = catalogue.item_problems(
            code=cleaned.get("code"),
            previous_code=self.instance.code if self.instance.pk else None,
            statutory_limit_days=cleaned.get("statutory_limit_days"),
            promised_limit_days=cleaned.get("promised_limit_days"),
            prerequisites=None if prerequisites is None else [p.code for p in prerequisites],
            graph=catalogue.prerequisite_graph(),
        )
        for field_name, reasons in problems.items():
            for reason in reasons:
                self.add_error(field_name, reason)
        return cleaned

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


class YesNoColumn(Column):
    """A yes/no field as words in the reader's language (Wagtail's own boolean column shows
    an icon titled "True" / "False")."""

    def __init__(self, model, name: str, **kwargs):
        super().__init__(name, label=model._meta.get_field(name).verbose_name, **kwargs)

    def get_value(self, instance):
        return _("yes") if super().get_value(instance) else _("no")


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
        YesNoColumn(ApprovalItem, "fully_online"),
        YesNoColumn(ApprovalItem, "is_active"),
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


# --- departments and enterprises, whose members change through the services -------------------


class MembershipForm(WagtailAdminModelForm):
    """A department's or an enterprise's form with its members as a field of the form only.

    The model's many-to-many field is never in the form, so the form cannot write it; on save,
    each person added or taken off goes through the membership service, which checks the role
    and writes the event that makes the person's open pages follow.
    """

    relation: str  # the model's many-to-many field of members
    member_group: str  # only people in this group may be added
    id_argument: str  # the services' keyword for the department or enterprise
    add_member: Callable[..., object]
    remove_member: Callable[..., object]
    members_help = ""

    members = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = self.stored_member_ids()
        field = self.fields["members"]
        # Those who lost the role since are listed too, so that saving keeps them until unticked.
        may_join = Q(is_active=True, groups__name=self.member_group)
        field.queryset = (
            User.objects.filter(may_join | Q(pk__in=stored)).distinct().order_by("name", "username")
        )
        field.label = capfirst(self._meta.model._meta.get_field(self.relation).verbose_name)
        field.help_text = self.members_help
        field.label_from_instance = lambda user: f"{user.get_full_name()} ({user.username})"
        field.initial = sorted(stored)

    def stored_member_ids(self) -> set[int]:
        if not self.instance.pk:
            return set()
        return set(getattr(self.instance, self.relation).values_list("pk", flat=True))

    def clean(self):
        cleaned = super().clean()
        chosen = cleaned.get("members")
        if (
            chosen is not None
            and {user.pk for user in chosen} != self.stored_member_ids()
            and not is_bureau_staff(self.for_user)
        ):
            self.add_error(
                "members",
                _("Only bureau staff change who belongs to a department or an enterprise."),
            )
        return cleaned

    def save(self, commit=True):
        instance = super().save(commit=commit)
        if commit and "members" in self.cleaned_data:
            self.save_members(instance)
        return instance

    def save_members(self, instance) -> None:
        """Add and take off the difference between the stored members and the chosen ones."""
        stored = self.stored_member_ids()
        chosen = {user.pk for user in self.cleaned_data["members"]}
        where = {self.id_argument: instance.pk}
        for user_id in sorted(chosen - stored):
            self.add_member(actor=self.for_user, user_id=user_id, **where)
        for user_id in sorted(stored - chosen):
            self.remove_member(actor=self.for_user, user_id=user_id, **where)


class DepartmentForm(MembershipForm):
    relation = "officers"
    member_group = OFFICERS_GROUP_NAME
    id_argument = "department_id"
    add_member = staticmethod(department_officer_add)
    remove_member = staticmethod(department_officer_remove)
    members_help = gettext_lazy(
        "People with the department-officer role. An officer handles the department's "
        "approvals; a change takes effect at once, on pages already open too."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "head_user" in self.fields:
            # The escalation ladder's "department head": an active officer's account.
            self.fields["head_user"].queryset = User.objects.filter(
                is_active=True, groups__name=OFFICERS_GROUP_NAME
            ).order_by("name", "username")
            self.fields["head_user"].help_text = gettext_lazy(
                "The officer the escalation ladder reaches as the department head (red cards)."
            )


class EnterpriseForm(MembershipForm):
    relation = "users"
    member_group = ENTERPRISE_GROUP_NAME
    id_argument = "enterprise_id"
    add_member = staticmethod(enterprise_user_add)
    remove_member = staticmethod(enterprise_user_remove)
    members_help = gettext_lazy(
        "People with the enterprise-user role. They see and act on the enterprise's projects; "
        "a change takes effect at once, on pages already open too."
    )


class MembershipSaveMixin:
    """A refusal of a membership service (the transaction rolled back) becomes a form error."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except DomainError as error:
            field = "members" if error.field in ("officers", "users", "members") else None
            form.add_error(field, str(error.message))
            self.produced_error_code = error.code
            self.produced_error_message = str(error.message)
            return self.form_invalid(form)


class MembershipCreateView(MembershipSaveMixin, CreateView):
    def form_invalid(self, form):
        # A refusal after the row was written and rolled back: the form shows a new row again.
        if (
            form.instance.pk is not None
            and not type(form.instance).objects.filter(pk=form.instance.pk).exists()
        ):
            form.instance.pk = None
            form.instance._state.adding = True
        return super().form_invalid(form)


class MembershipEditView(MembershipSaveMixin, EditView):
    pass


class DepartmentViewSet(SnippetViewSet):
    model = Department
    icon = "group"
    menu_label = gettext_lazy("Departments")
    list_display = ["name", "name_en", "short_name", "level", "head"]
    list_filter = ["level"]
    search_fields = ["name", "name_en", "short_name"]
    ordering = ["level", "name"]
    copy_view_enabled = False
    add_view_class = MembershipCreateView
    edit_view_class = MembershipEditView
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("name_en"),
            FieldRowPanel([FieldPanel("short_name"), FieldPanel("level")]),
            FieldRowPanel([FieldPanel("head"), FieldPanel("head_user")]),
            FieldPanel("members"),
        ],
        base_form_class=DepartmentForm,
    )


class EnterpriseViewSet(SnippetViewSet):
    model = Enterprise
    icon = "site"
    menu_label = gettext_lazy("Enterprises")
    list_display = ["name", "name_en", "credit_code"]
    search_fields = ["name", "name_en", "credit_code"]
    ordering = ["name"]
    copy_view_enabled = False
    add_view_class = MembershipCreateView
    edit_view_class = MembershipEditView
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("name_en"),
            FieldPanel("credit_code"),
            FieldPanel("members"),
        ],
        base_form_class=EnterpriseForm,
    )


# --- towns and industries: plain catalogue edits ------------------------------------------------


class TownViewSet(SnippetViewSet):
    model = Town
    icon = "home"
    menu_label = gettext_lazy("Towns and zones")
    list_display = ["name", "name_en", "is_zone"]
    list_filter = ["is_zone"]
    search_fields = ["name", "name_en"]
    ordering = ["is_zone", "name"]
    copy_view_enabled = False
    panels = [FieldPanel("name"), FieldPanel("name_en"), FieldPanel("is_zone")]


class IndustryViewSet(SnippetViewSet):
    model = Industry
    icon = "tag"
    menu_label = gettext_lazy("Industries")
    list_display = ["code", "name", "name_en"]
    search_fields = ["code", "name", "name_en"]
    ordering = ["code"]
    copy_view_enabled = False
    panels = [
        FieldPanel("code"),
        FieldPanel("name"),
        FieldPanel("name_en"),
        FieldPanel("standard_items", widget=forms.CheckboxSelectMultiple),
    ]


# --- the working-day calendar, through its service ---------------------------------------------


class WorkingDaySaveMixin:
    """Save through `working_day_set`; a refusal comes back as a form error."""

    def form_valid(self, form):
        data = form.cleaned_data
        day = data.get("date") or self.object.date
        with refusal_shown(self.request, form) as outcome:
            self.moved = working_day_set(
                actor=self.request.user,
                day=day,
                is_working=data["is_working"],
                name=data.get("name", ""),
            )
        if not outcome.ok:
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
        buttons.append(
            HeaderButton(
                _("Calendar years"), url=reverse("calendar_years:index"), icon_name="calendar"
            )
        )
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

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["calendar_warnings"] = years.year_warnings(today=years.today())
        context["calendar_years_url"] = reverse("calendar_years:index")
        return context


def working_days_import_view(request):
    """Staff add a year's public holidays and make-up working days; dates set by hand stay."""
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    form = YearForm(request.POST or None, initial={"year": timezone.localdate().year + 1})
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        with refusal_shown(request) as outcome:
            added = working_days_import(actor=request.user, years=[year])
        if outcome.ok:
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
    list_display = ["date", YesNoColumn(WorkingDay, "is_working"), "name", "source"]
    list_filter = ["is_working", "source"]
    search_fields = ["name"]
    ordering = ["-date"]
    copy_view_enabled = False
    index_view_class = WorkingDayIndexView
    # The snippet listing, with the warning of an unconfirmed year above it.
    index_template_name = "projects/admin/working_day_index.html"
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


# --- pages of their own: the catalogue import and the calendar years -------------------------


def _menu_item_class(name: str, is_shown: Callable[[object], bool]) -> type[MenuItem]:
    return type(name, (MenuItem,), {"is_shown": lambda self, request: is_shown(request.user)})


class CatalogueImportViewSet(ViewSet):
    """Upload a spreadsheet, read its dry-run report, apply it in the worker."""

    name = "catalogue_import"
    url_prefix = "catalogue/import"
    icon = "upload"
    menu_label = gettext_lazy("Import from a spreadsheet")

    @cached_property
    def menu_item_class(self):
        return _menu_item_class("CatalogueImportMenuItem", may_import_catalogue)

    def get_urlpatterns(self):
        return [
            path("", admin_views.CatalogueImportView.as_view(), name="index"),
            path("template.xlsx", admin_views.catalogue_import_template, name="template"),
            path("<int:pk>/", admin_views.CatalogueImportDetailView.as_view(), name="detail"),
            path("<int:pk>/apply/", admin_views.CatalogueImportApplyView.as_view(), name="apply"),
            path("<int:pk>/check/", admin_views.CatalogueImportRecheckView.as_view(), name="check"),
            path("<int:pk>/status/", admin_views.catalogue_import_status, name="status"),
        ]


class CalendarYearsViewSet(ViewSet):
    """Which years of the working-day calendar are confirmed against the official notice."""

    name = "calendar_years"
    url_prefix = "catalogue/calendar-years"
    icon = "calendar"
    menu_label = gettext_lazy("Calendar years")

    @cached_property
    def menu_item_class(self):
        return _menu_item_class("CalendarYearsMenuItem", admin_views.may_view_calendar_years)

    def get_urlpatterns(self):
        return [
            path("", admin_views.CalendarYearsView.as_view(), name="index"),
            path("<int:year>/", admin_views.CalendarYearView.as_view(), name="detail"),
        ]


class CalendarWarningPanel(Component):
    """On the dashboard: a year that runs, or starts within weeks, unconfirmed."""

    name = "calendar_year_warning"
    order = 50  # above Wagtail's own panels
    template_name = "projects/admin/calendar_warning_panel.html"

    def __init__(self, warnings: list[years.YearStatus]) -> None:
        self.warnings = warnings

    def get_context_data(self, parent_context=None):
        return {
            "calendar_warnings": self.warnings,
            "calendar_years_url": reverse("calendar_years:index"),
        }


@hooks.register("construct_homepage_panels")
def calendar_warning_panel(request, panels) -> None:
    if not is_bureau_staff(request.user):
        return
    warnings = years.year_warnings(today=years.today())
    if warnings:
        panels.append(CalendarWarningPanel(warnings))


@hooks.register("register_log_actions")
def calendar_year_log_actions(actions) -> None:
    actions.register_action(
        "projects.calendar_year.confirm",
        gettext_lazy("Confirm the calendar year"),
        gettext_lazy("Confirmed the calendar year against the official notice"),
    )
    actions.register_action(
        "projects.calendar_year.unconfirm",
        gettext_lazy("Take back the calendar year's confirmation"),
        gettext_lazy("Took back the calendar year's confirmation"),
    )


class CatalogueGroup(SnippetViewSetGroup):
    menu_label = gettext_lazy("Catalogue")
    menu_icon = "list-ul"
    menu_order = 250
    items = (
        ApprovalItemViewSet,
        CatalogueImportViewSet,
        DepartmentViewSet,
        IndustryViewSet,
        WorkingDayViewSet,
        CalendarYearsViewSet,
        TownViewSet,
        EnterpriseViewSet,
    )


register_snippet(CatalogueGroup)
