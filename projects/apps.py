from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projects and approvals")

    def ready(self) -> None:
        from portal.streams import (
            register_event_types,
            register_socket_groups,
            register_stream_kind,
        )

        from . import enquiry, notifications
        from .panels import register_project_panel
        from .streams import EVENT_TYPES, PROJECT_STREAMS, socket_groups

        register_stream_kind(PROJECT_STREAMS)
        register_event_types(EVENT_TYPES)
        register_event_types(enquiry.EVENT_TYPES)
        register_socket_groups(socket_groups)
        notifications.register()
        register_project_panel(enquiry.PANEL)
