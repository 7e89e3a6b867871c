from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Event, PeriodicTaskRun, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Portal"), {"fields": ("name", "language")}),
    )
    list_display = ("username", "name", "email", "is_active", "is_staff")
    search_fields = ("username", "name", "email")


@admin.register(PeriodicTaskRun)
class PeriodicTaskRunAdmin(admin.ModelAdmin):
    list_display = ("name", "slot", "enqueued_at", "task_result_id")
    list_filter = ("name",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The event log is written by services only: here it is read."""

    list_display = ("stream", "seq", "event", "at", "actor")
    list_filter = ("event",)
    search_fields = ("stream",)
    list_select_related = ("actor",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
