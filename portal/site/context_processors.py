from django.utils.translation import gettext as _

from portal.roles import ROLE_LABELS, may, roles_of
from portal.streams import labels

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


def _site_name() -> str:
    return _("Major-project service portal")


def portal(request):
    user = getattr(request, "user", None)
    user_roles = roles_of(user)
    authenticated = bool(user is not None and user.is_authenticated)
    return {
        "live_texts": live_texts() if authenticated else None,
        "site_name": _site_name(),
        "main_navigation": navigation_for(user, request.path),
        "user_roles": user_roles,
        "may": may(user),
        "user_role_labels": [ROLE_LABELS[role] for role in sorted(user_roles)],
    }
