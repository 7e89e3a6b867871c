"""The kinds of user, one place: which groups make which role."""

from django.utils.translation import gettext_lazy as _

STAFF = "staff"
EDITOR = "editor"
HELPER = "helper"
OFFICER = "officer"
ENTERPRISE = "enterprise"

# Group name (stable, as stored) -> role. "Editors" and "Moderators" are Wagtail's own groups.
ROLE_GROUPS = {
    "Bureau staff": STAFF,
    "Moderators": STAFF,
    "Editors": EDITOR,
    "Helpers": HELPER,
    "Department officers": OFFICER,
    "Enterprise users": ENTERPRISE,
}
ROLE_LABELS = {
    STAFF: _("Bureau staff"),
    EDITOR: _("Editor"),
    HELPER: _("Helper"),
    OFFICER: _("Department officer"),
    ENTERPRISE: _("Enterprise user"),
}


def roles_of(user) -> frozenset[str]:
    """The roles of a user, read once per user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_portal_roles", None)
    if cached is not None:
        return cached
    names = user.groups.values_list("name", flat=True)
    roles = {ROLE_GROUPS[name] for name in names if name in ROLE_GROUPS}
    if user.is_superuser:
        roles.add(STAFF)
    user._portal_roles = frozenset(roles)
    return user._portal_roles


def is_staff_member(user) -> bool:
    return STAFF in roles_of(user)
