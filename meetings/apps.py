from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings and site visits")

    def ready(self) -> None:
        from portal.streams import register_event_types, register_stream_kind

        from . import notifications, supervision
        from .streams import EVENT_TYPES, MEETING_STREAMS

        register_stream_kind(MEETING_STREAMS)
        register_event_types(EVENT_TYPES)
        notifications.register()
        # Overdue action items get their cards from the daily supervision sweep.
        supervision.register()
