from django.conf import settings

from .navigation import navigation_for
from .roles import ROLE_LABELS, roles_of


def portal(request):
    user = getattr(request, "user", None)
    user_roles = roles_of(user)
    return {
        "site_name": settings.WAGTAIL_SITE_NAME,
        "main_navigation": navigation_for(user, request.path),
        "user_roles": user_roles,
        "user_role_labels": [ROLE_LABELS[role] for role in sorted(user_roles)],
    }
