from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Supervision and service cases")

    def ready(self) -> None:
        # The case streams, the event types of cases, cards and ratings, who is told of them,
        # and the project-page panels (supervision/streams.py).
        from . import streams

        streams.register()
