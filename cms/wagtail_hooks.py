"""The public portal in Wagtail's back office: issuing authorities next to the pages.

Pages (policies, interpretations, news) are edited in the page explorer; their moderation
workflow and groups are described in `cms.demo.ensure_editorial_setup`. The catalogue behind the
approval guides is edited under "Catalogue" (projects/wagtail_hooks.py).
"""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import IssuingAuthority


class IssuingAuthorityViewSet(SnippetViewSet):
    model = IssuingAuthority
    icon = "group"
    menu_label = _("Issuing authorities")
    menu_order = 240
    add_to_admin_menu = True
    list_display = ["name", "name_en", "position"]
    search_fields = ["name", "name_en"]
    ordering = ["position", "name"]
    copy_view_enabled = False


register_snippet(IssuingAuthorityViewSet)
