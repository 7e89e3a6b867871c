from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Statistics and open government")

    def ready(self) -> None:
        from portal.events import register_emit_hook
        from projects.models import Approval, WorkingDay

        from .tasks import on_approval_deleted, on_calendar_change, on_event

        register_emit_hook(on_event)
        post_delete.connect(
            on_approval_deleted, sender=Approval, dispatch_uid="reports.approval.deleted"
        )
        for signal in (post_save, post_delete):
            signal.connect(
                on_calendar_change, sender=WorkingDay, dispatch_uid=f"reports.calendar.{signal}"
            )
