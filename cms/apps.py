from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Public pages")

    def ready(self):
        from . import signals, visitor_cache

        signals.connect()
        visitor_cache.connect()
