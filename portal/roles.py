"""The kinds of user, one place: which groups make which role."""

from django.utils.translation import gettext_lazy as _

STAFF = "staff"
EDITOR = "editor"
HELPER = "helper"
OFFICER = "officer"
ENTERPRISE = "enterprise"

# Group names as stored. "Editors" and "Moderators" are Wagtail's own groups.
STAFF_GROUP_NAME = "Bureau staff"
MODERATORS_GROUP_NAME = "Moderators"
EDITORS_GROUP_NAME = "Editors"
HELPERS_GROUP_NAME = "Helpers"
OFFICERS_GROUP_NAME = "Department officers"
ENTERPRISE_GROUP_NAME = "Enterprise users"

# Group name -> role.
ROLE_GROUPS = {
    STAFF_GROUP_NAME: STAFF,
    MODERATORS_GROUP_NAME: STAFF,
    EDITORS_GROUP_NAME: EDITOR,
    HELPERS_GROUP_NAME: HELPER,
    OFFICERS_GROUP_NAME: OFFICER,
    ENTERPRISE_GROUP_NAME: ENTERPRISE,
}
# The group a person is put in to give them a role.
GROUP_OF_ROLE = {
    STAFF: STAFF_GROUP_NAME,
    EDITOR: EDITORS_GROUP_NAME,
    HELPER: HELPERS_GROUP_NAME,
    OFFICER: OFFICERS_GROUP_NAME,
    ENTERPRISE: ENTERPRISE_GROUP_NAME,
}
# What each stored group is called on the pages (the stored names stay as they are: the code
# and Wagtail look groups up by name).
GROUP_LABELS = {
    STAFF_GROUP_NAME: _("Bureau staff"),
    MODERATORS_GROUP_NAME: _("Moderators"),
    EDITORS_GROUP_NAME: _("Editors"),
    HELPERS_GROUP_NAME: _("Helpers"),
    OFFICERS_GROUP_NAME: _("Department officers"),
    ENTERPRISE_GROUP_NAME: _("Enterprise users"),
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


def fill_roles(users) -> None:
    """Set each user's roles from their prefetched groups (`prefetch_related("groups")`), so
    that roles_of asks nothing for any of them."""
    for user in users:
        roles = {ROLE_GROUPS[g.name] for g in user.groups.all() if g.name in ROLE_GROUPS}
        if user.is_superuser:
            roles.add(STAFF)
        user._portal_roles = frozenset(roles) if user.is_active else frozenset()


def group_name_of(role: str) -> str:
    return GROUP_OF_ROLE[role]


def groups_of_roles(*roles: str) -> list[str]:
    """The stored group names that give any of these roles."""
    return sorted(name for name, role in ROLE_GROUPS.items() if role in roles)


def has_role(user, *roles: str) -> bool:
    return bool(set(roles) & roles_of(user))


def is_bureau_staff(user) -> bool:
    """Bureau staff (the portal's role, not Django's `User.is_staff` admin flag)."""
    return STAFF in roles_of(user)


# What a role may do across the site: the views check these and the templates read the same
# answers (the `may` context variable), so a rule is never copied into a template.
def may_manage_accounts(user) -> bool:
    return is_bureau_staff(user)


def may_open_back_office(user) -> bool:
    return has_role(user, STAFF, EDITOR)


def may_use_queue(user) -> bool:
    """The department queue: officers (their departments) and staff (every department)."""
    return has_role(user, OFFICER, STAFF)


def may_see_every_department(user) -> bool:
    """Staff read every department's queue; officers only their own."""
    return is_bureau_staff(user)


def may(user) -> dict[str, bool]:
    return {
        "manage_accounts": may_manage_accounts(user),
        "open_back_office": may_open_back_office(user),
        "see_every_department": may_see_every_department(user),
        "use_queue": may_use_queue(user),
    }
