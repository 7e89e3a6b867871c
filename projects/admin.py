"""Django admin: the catalogue is edited here; projects and approvals are read-only (their
changes go through the services, which write the event log); the calendar goes through
`working_day_set` so running clocks follow."""

from django.contrib import admin, messages
from django.utils.translation import ngettext

from portal.errors import DomainError

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
from .services import working_day_set


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "short_name", "level", "head")
    list_filter = ("level",)
    search_fields = ("name", "name_en", "short_name")
    filter_horizontal = ("officers",)


@admin.register(Town)
class TownAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "is_zone")


class ItemMaterialInline(admin.TabularInline):
    model = ItemMaterial
    extra = 1


@admin.register(ApprovalItem)
class ApprovalItemAdmin(admin.ModelAdmin):
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
    filter_horizontal = ("prerequisites",)
    inlines = [ItemMaterialInline]
    list_select_related = ("department",)


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en")
    filter_horizontal = ("standard_items",)


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "credit_code")
    search_fields = ("name", "name_en", "credit_code")
    filter_horizontal = ("users",)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changes go through the services (portal pages, API): here one only looks."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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


@admin.register(WorkingDay)
class WorkingDayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_working", "name", "source")
    list_filter = ("is_working", "source")
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        try:
            moved = working_day_set(
                actor=request.user, day=obj.date, is_working=obj.is_working, name=obj.name
            )
        except DomainError as error:
            self.message_user(request, str(error.message), messages.ERROR)
            return
        self.message_user(
            request,
            ngettext(
                "%(count)d running approval moved its due date.",
                "%(count)d running approvals moved their due dates.",
                moved,
            )
            % {"count": moved},
        )

    def delete_model(self, request, obj):
        working_day_set(actor=request.user, day=obj.date, is_working=obj.date.weekday() < 5)

    def has_delete_permission(self, request, obj=None):
        return False
