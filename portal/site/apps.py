from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from .gc_tuning import connect_worker


class SiteConfig(AppConfig):
    name = "portal.site"
    label = "portal_site"
    verbose_name = _("Portal site")

    def ready(self):
        connect_worker()  # the task worker settles its heap before its first task
