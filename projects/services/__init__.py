"""Every state change of projects and approvals, by area.

Each service runs in one transaction, locks the row it changes, checks permission and the
allowed transition (raising a domain error that says why), changes state, writes its events
in the same transaction and leaves the live signal to `transaction.on_commit`.
"""

from ._common import refresh_next_due
from .accounts import enterprise_user_invite, user_deactivate
from .approvals import (
    approval_accept,
    approval_approve,
    approval_receive,
    approval_reject,
    approval_request_supplement,
    approval_supplement,
    approval_transition,
    approval_withdraw,
)
from .calendar import calendar_entries_from_library, working_day_set, working_days_import
from .comments import comment_add
from .deadlines import deadline_sweep
from .materials import material_review, material_upload, store_file
from .membership import (
    department_officer_add,
    department_officer_remove,
    enterprise_admin_set,
    enterprise_membership_confirm,
    enterprise_membership_refuse,
    enterprise_user_add,
    enterprise_user_remove,
)
from .projects import (
    PROJECT_FIELDS,
    project_approval_remove,
    project_assign_helpers,
    project_items_add,
    project_register,
    project_update,
)

__all__ = [
    "PROJECT_FIELDS",
    "approval_accept",
    "approval_approve",
    "approval_receive",
    "approval_reject",
    "approval_request_supplement",
    "approval_supplement",
    "approval_transition",
    "approval_withdraw",
    "calendar_entries_from_library",
    "comment_add",
    "deadline_sweep",
    "department_officer_add",
    "department_officer_remove",
    "enterprise_admin_set",
    "enterprise_membership_confirm",
    "enterprise_membership_refuse",
    "enterprise_user_add",
    "enterprise_user_invite",
    "enterprise_user_remove",
    "material_review",
    "material_upload",
    "project_approval_remove",
    "project_assign_helpers",
    "project_items_add",
    "project_register",
    "project_update",
    "refresh_next_due",
    "store_file",
    "user_deactivate",
    "working_day_set",
    "working_days_import",
]
