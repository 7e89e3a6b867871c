from django.utils import translation
from django.utils.html import json_script
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from portal.roles import ROLE_LABELS, may, roles_of
from portal.streams import event_type_count, labels

from .navigation import navigation_for


def live_texts() -> dict:
    """What the live script says, in the page's language."""
    return {
        "status": {
            "live": _("live"),
            "reconnecting": _("reconnecting…"),
            "offline": _("offline: reload the page to see changes"),
            "off": "",
        },
        "system": _("The system"),
        "events": labels(),
    }


_live_scripts: dict[tuple[str, int], SafeString] = {}


def live_texts_script() -> SafeString:
    """`live_texts()` as the page's `<script id="live-texts" type="application/json">`, made once
    per language (and per number of registered event types) rather than on every page: about
    a hundred translated labels the frame of every signed-in page carries."""
    key = (translation.get_language(), event_type_count())
    script = _live_scripts.get(key)
    if script is None:
        script = _live_scripts[key] = json_script(live_texts(), "live-texts")
    return script


def _site_name() -> str:
    return _("Major-project service portal")


def portal(request):
    user = getattr(request, "user", None)
    user_roles = roles_of(user)
    authenticated = bool(user is not None and user.is_authenticated)
    return {
        "live_texts_script": live_texts_script() if authenticated else "",
        "site_name": _site_name(),
        "main_navigation": navigation_for(user, request.path),
        "user_roles": user_roles,
        "may": may(user),
        "user_role_labels": [ROLE_LABELS[role] for role in sorted(user_roles)],
    }
