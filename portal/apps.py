from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the logout receiver)
        from .streams import USER_STREAMS, register_stream_kind

        register_stream_kind(USER_STREAMS)
