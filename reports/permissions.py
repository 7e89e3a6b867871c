"""Who may read the bureau's statistics, and which departments' figures."""

from __future__ import annotations

from portal.roles import HELPER, OFFICER, STAFF, has_role, is_bureau_staff


def may_view_statistics(user) -> bool:
    """Bureau staff, the major-project service group (helpers) and department officers."""
    return has_role(user, STAFF, HELPER, OFFICER)


def forced_departments(user) -> frozenset[int] | None:
    """The departments an officer's figures are limited to (not a choice they can widen);
    None for staff and the service group, who read every department."""
    if is_bureau_staff(user) or has_role(user, HELPER):
        return None
    return frozenset(user.departments.values_list("id", flat=True))
