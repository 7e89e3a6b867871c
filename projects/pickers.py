"""What the pickers list and how each entry reads (the widget is the shared base's
`portal.widgets`): people by name, organisation and role; departments by name and level;
catalogue items by department with code, name and promised limit; projects by code and name.

Lists hold only people who may take part: active, with a role the field needs. Django-guardian's
AnonymousUser, the CMS editor and deactivated accounts never appear.
"""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.models import User
from portal.roles import (
    ENTERPRISE,
    HELPER,
    OFFICER,
    ROLE_GROUPS,
    ROLE_LABELS,
    STAFF,
    groups_of_roles,
)
from portal.widgets import MultiplePicker, Picker, PickerOption, PresetSelect

from .models import ApprovalItem, Department, Enterprise, Industry, Project

# The order roles are named in a person's detail line.
ROLE_ORDER = (STAFF, HELPER, OFFICER, ENTERPRISE)
LEVEL_ORDER = {level: i for i, level in enumerate(Department.Level.values)}
LEVEL_GROUPS = {
    Department.Level.CITY: gettext_lazy("City level"),
    Department.Level.DISTRICT: gettext_lazy("District level"),
    Department.Level.TOWN: gettext_lazy("Town and street level"),
}


def _english() -> bool:
    return translation.get_language() == "en"


def _listed(parts) -> str:
    """A short list in the language of the page: 区发改委、区规资局 / A, B."""
    return (", " if _english() else "、").join(parts)


def department_short(department: Department) -> str:
    """What a department is called in a detail line: its short name, or its English name."""
    if _english():
        return department.name_en or department.name
    return department.short_name or department.name


# --- people ---------------------------------------------------------------------------------


def people(*roles: str) -> QuerySet[User]:
    """Active people with any of these roles, with what their entries show (a constant number
    of queries: the people, and their groups, departments and enterprises where needed)."""
    with_role = Q(groups__name__in=groups_of_roles(*roles))
    if STAFF in roles:
        with_role |= Q(is_superuser=True)  # as portal.roles.roles_of counts them
    lookups: list = ["groups"] if len(roles) > 1 else []
    if OFFICER in roles:
        lookups.append(
            Prefetch("departments", queryset=Department.objects.order_by("level", "name"))
        )
    if ENTERPRISE in roles:
        lookups.append(Prefetch("enterprises", queryset=Enterprise.objects.order_by("name")))
    return (
        User.objects.filter(with_role, is_active=True)
        .distinct()
        .order_by("name", "username")
        .prefetch_related(*lookups)
    )


def _roles(user: User) -> set[str]:
    roles = {ROLE_GROUPS[g.name] for g in user.groups.all() if g.name in ROLE_GROUPS}
    if user.is_superuser:
        roles.add(STAFF)
    return roles


def describe_person(roles: Sequence[str]):
    """Entries of people who may take part in these roles: "王海 — 区发改局 · 部门审批人员",
    grouped by where they work (the bureau, each department, each enterprise)."""

    def describe(user: User) -> PickerOption:
        # Everyone listed has one of the roles: with one role to pick from, no need to look.
        held = _roles(user) if len(roles) > 1 else set(roles)
        mine = [r for r in ROLE_ORDER if r in held and r in roles]
        offices = list(user.departments.all()) if OFFICER in mine else []
        enterprises = list(user.enterprises.all()) if ENTERPRISE in mine else []
        if {STAFF, HELPER} & set(mine):
            # The group says where they work; the line says what they do.
            place, group = "", _("District Administrative Approval Bureau")
            order: tuple = (0,)
        elif offices:
            place = _listed(department_short(d) for d in offices)
            group = offices[0].label
            order = (1, LEVEL_ORDER.get(offices[0].level, 9), offices[0].name)
        elif enterprises:
            place = _listed(e.label for e in enterprises)
            group = enterprises[0].label
            order = (2, enterprises[0].name)
        else:
            place, group, order = "", str(ROLE_LABELS[mine[0]]) if mine else "", (3,)
        role_text = _listed(str(ROLE_LABELS[r]) for r in mine)
        name = user.get_full_name()
        return PickerOption(
            label=name,
            detail=" · ".join(part for part in (place, role_text) if part),
            group=group,
            group_order=order,
            short=name,
            search=" ".join([*(d.name for d in offices), *(d.name_en for d in offices)]),
        )

    return describe


class PersonField(forms.ModelChoiceField):
    """One person of these roles, picked by name."""

    def __init__(self, *, roles: Sequence[str], **kwargs):
        kwargs.setdefault("widget", Picker(describe=describe_person(roles)))
        super().__init__(queryset=people(*roles), **kwargs)


class PeopleField(forms.ModelMultipleChoiceField):
    """Any number of people of these roles, picked by name."""

    def __init__(self, *, roles: Sequence[str], **kwargs):
        kwargs.setdefault("widget", MultiplePicker(describe=describe_person(roles)))
        super().__init__(queryset=people(*roles), **kwargs)


# --- departments ----------------------------------------------------------------------------


def departments(*, with_officers: bool = False) -> QuerySet[Department]:
    queryset = Department.objects.order_by("level", "name")
    if with_officers:
        queryset = queryset.annotate(
            active_officers=Count("officers", filter=Q(officers__is_active=True), distinct=True)
        )
    return queryset


def describe_department(department: Department) -> PickerOption:
    """A department by its name, grouped by level; with how many officers an invitation reaches."""
    parts = []
    if not _english() and department.short_name and department.short_name != department.name:
        parts.append(department.short_name)
    count = getattr(department, "active_officers", None)
    if count is not None:
        parts.append(
            ngettext("%(count)s officer", "%(count)s officers", count) % {"count": count}
            if count
            else _("no officer yet")
        )
    return PickerOption(
        label=department.label,
        detail=" · ".join(parts),
        group=str(LEVEL_GROUPS.get(department.level, department.get_level_display())),
        group_order=(LEVEL_ORDER.get(department.level, 9),),
        short=department_short(department),
        search=" ".join((department.name, department.name_en, department.short_name)),
    )


class DepartmentField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", Picker(describe=describe_department))
        super().__init__(queryset=departments(), **kwargs)


class DepartmentsField(forms.ModelMultipleChoiceField):
    def __init__(self, *, with_officers: bool = False, **kwargs):
        kwargs.setdefault("widget", MultiplePicker(describe=describe_department))
        super().__init__(queryset=departments(with_officers=with_officers), **kwargs)


# --- catalogue items ------------------------------------------------------------------------


def catalogue_items() -> QuerySet[ApprovalItem]:
    """The items in the catalogue, by department, with what their entries show."""
    return (
        ApprovalItem.objects.filter(is_active=True)
        .select_related("department")
        .prefetch_related(
            Prefetch("prerequisites", queryset=ApprovalItem.objects.only("id").order_by())
        )
        .order_by("department__level", "department__name", "code")
    )


def describe_item(item: ApprovalItem) -> PickerOption:
    """ "PNR-01 建设用地规划许可 — 承诺 10 个工作日", under its department; the prerequisites it
    brings along are data for the page's count."""
    days = item.promised_limit_days
    department = item.department
    return PickerOption(
        label=f"{item.code} {item.label}",
        detail=ngettext(
            "promised within %(days)s working day",
            "promised within %(days)s working days",
            days,
        )
        % {"days": days},
        group=department.label,
        group_order=(LEVEL_ORDER.get(department.level, 9), department.name),
        short=item.code,
        search=" ".join((item.name, item.name_en, department.short_name, department.name_en)),
        attrs={"data-requires": " ".join(str(p.pk) for p in item.prerequisites.all())},
    )


class ItemsField(forms.ModelMultipleChoiceField):
    """Catalogue items by department; the page counts the prerequisites they bring."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            MultiplePicker(
                describe=describe_item,
                closure_text=gettext_lazy(
                    "With their prerequisites, %(total)s approvals will be created."
                ),
            ),
        )
        super().__init__(queryset=catalogue_items(), **kwargs)


# --- industries -----------------------------------------------------------------------------


def industries() -> QuerySet[Industry]:
    return Industry.objects.order_by("code").prefetch_related(
        Prefetch(
            "standard_items",
            queryset=ApprovalItem.objects.filter(is_active=True).only("id").order_by(),
        )
    )


class IndustryField(forms.ModelChoiceField):
    """An industry, named with the size of its standard set; choosing it ticks the set in the
    items picker of the same form (in the browser)."""

    def __init__(self, *, items_field: str = "items", **kwargs):
        kwargs.setdefault(
            "widget",
            PresetSelect(
                target=items_field,
                preset_of=lambda industry: [i.pk for i in industry.standard_items.all()],
                note=gettext_lazy(
                    "The %(count)s standard items of %(name)s are ticked below: untick any the"
                    " project does not need."
                ),
            ),
        )
        super().__init__(queryset=industries(), **kwargs)

    def label_from_instance(self, obj: Industry) -> str:
        count = len(obj.standard_items.all())
        return ngettext(
            "%(name)s (%(count)s standard item)", "%(name)s (%(count)s standard items)", count
        ) % {"name": obj.label, "count": count}


# --- projects -------------------------------------------------------------------------------


def describe_project(project: Project) -> PickerOption:
    """A project by its code and name, with its enterprise."""
    return PickerOption(
        label=f"{project.code} {project.label}",
        detail=project.enterprise.label,
        short=project.code,
        search=" ".join((project.name, project.name_en)),
    )


class ProjectsField(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultiplePicker(describe=describe_project))
        super().__init__(queryset=Project.objects.none(), **kwargs)
