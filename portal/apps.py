from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the logout receiver)
        from .events import register_emit_hook
        from .notifications import NOTIFICATION_EVENT_TYPES, notify_event
        from .streams import USER_STREAMS, register_event_types, register_stream_kind

        register_stream_kind(USER_STREAMS)
        register_event_types(NOTIFICATION_EVENT_TYPES)
        register_emit_hook(notify_event)
