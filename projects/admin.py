"""Django admin only shows what the portal keeps: every change goes elsewhere.

The catalogue (approval items, departments, towns, industries), enterprises and the working-day
calendar are edited in Wagtail's back office, which checks the catalogue's rules and routes
membership and calendar changes through their services; projects and approvals change through
the services (portal pages, API), which write the event log. Editing here would bypass both.
"""

from django.contrib import admin

from .models import (
    Approval,
    ApprovalItem,
    ApprovalMaterial,
    Department,
    Enterprise,
    Industry,
    ItemMaterial,
    Project,
    Town,
    WorkingDay,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changes go through the services and Wagtail's back office: here one only looks."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Department)
class DepartmentAdmin(ReadOnlyAdmin):
    list_display = ("name", "name_en", "short_name", "level", "head")
    list_filter = ("level",)
    search_fields = ("name", "name_en", "short_name")


@admin.register(Town)
class TownAdmin(ReadOnlyAdmin):
    list_display = ("name", "name_en", "is_zone")


class ItemMaterialInline(admin.TabularInline):
    model = ItemMaterial
    extra = 0
    can_delete = False
    fields = ("name", "name_en", "key", "position")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ApprovalItem)
class ApprovalItemAdmin(ReadOnlyAdmin):
    list_display = (
        "code",
        "name",
        "department",
        "promised_limit_days",
        "statutory_limit_days",
        "fully_online",
        "is_active",
    )
    list_filter = ("department", "fully_online", "is_active")
    search_fields = ("code", "name", "name_en")
    inlines = [ItemMaterialInline]
    list_select_related = ("department",)


@admin.register(Industry)
class IndustryAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "name_en")


@admin.register(Enterprise)
class EnterpriseAdmin(ReadOnlyAdmin):
    list_display = ("name", "name_en", "credit_code")
    search_fields = ("name", "name_en", "credit_code")


@admin.register(WorkingDay)
class WorkingDayAdmin(ReadOnlyAdmin):
    list_display = ("date", "is_working", "name", "source")
    list_filter = ("is_working", "source")
    date_hierarchy = "date"


class ApprovalMaterialInline(admin.TabularInline):
    model = ApprovalMaterial
    extra = 0
    can_delete = False
    fields = ("name", "key", "state", "due")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "enterprise", "stage", "town", "lead_helper", "is_major")
    list_filter = ("stage", "is_major", "town")
    search_fields = ("code", "name", "name_en")
    list_select_related = ("enterprise", "town", "lead_helper")


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyAdmin):
    list_display = ("project", "item", "department", "status", "accepted_on", "due_date")
    list_filter = ("status", "department")
    search_fields = ("project__code", "project__name", "item__code", "item__name")
    list_select_related = ("project", "item", "department")
    inlines = [ApprovalMaterialInline]
