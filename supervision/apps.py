from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Supervision and service cases")

    def ready(self) -> None:
        # The case streams, their event types and who is told of them are registered here
        # (supervision/streams.py), once the module exists.
        try:
            from . import streams
        except ImportError:  # pragma: no cover - while the app is being built
            return
        register = getattr(streams, "register", None)
        if register is not None:
            register()
