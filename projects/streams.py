"""The project streams and the event types of projects, approvals and accounts.

Registered in `ProjectsConfig.ready()`:
- `project:<id>`: everyone on the project, the enterprise included;
- `project:<id>:internal`: staff, the project's helpers and the officers of its departments.
Signals go to groups by role, department, enterprise and user (see `portal.streams`).
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from portal.realtime import STAFF_GROUP, user_group
from portal.streams import EventType, StreamKind

from . import permissions as perms
from .models import Approval, Project


def project_stream(project_id: int) -> str:
    return f"project:{project_id}"


def project_internal_stream(project_id: int) -> str:
    return f"project:{project_id}:internal"


def department_group(department_id: int) -> str:
    return f"dept.{department_id}"


def enterprise_group(enterprise_id: int) -> str:
    return f"ent.{enterprise_id}"


def _may_read(user, project_id: int, suffix: str) -> bool:
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        return False
    if suffix == "internal":
        return perms.can_view_internal(user, project)
    return perms.can_view_project(user, project)


def _groups(project_id: int, suffix: str) -> list[str]:
    project = (
        Project.objects.filter(pk=project_id).values("enterprise_id", "lead_helper_id").first()
    )
    if project is None:
        return []
    helper_ids = set(
        Project.helpers.through.objects.filter(project_id=project_id).values_list(
            "user_id", flat=True
        )
    )
    if project["lead_helper_id"]:
        helper_ids.add(project["lead_helper_id"])
    department_ids = set(
        Approval.objects.filter(project_id=project_id)
        .values_list("department_id", flat=True)
        .distinct()
    )
    groups = [STAFF_GROUP]
    groups += [user_group(uid) for uid in sorted(helper_ids)]
    groups += [department_group(d) for d in sorted(department_ids)]
    if suffix != "internal":
        groups.append(enterprise_group(project["enterprise_id"]))
    return groups


def socket_groups(user) -> list[str]:
    """An officer's socket hears their departments, an enterprise user's their enterprises."""
    groups = [department_group(pk) for pk in user.departments.values_list("pk", flat=True)]
    groups += [enterprise_group(pk) for pk in user.enterprises.values_list("pk", flat=True)]
    return groups


PROJECT_STREAMS = StreamKind(
    kind="project", may_read=_may_read, groups=_groups, suffixes=frozenset({"", "internal"})
)


def localized(names: Any) -> str:
    """The name in the active language from an event's {"name", "name_en"}."""
    if not isinstance(names, dict):
        return str(names or "")
    if translation.get_language() == "en" and names.get("name_en"):
        return str(names["name_en"])
    return str(names.get("name", ""))


def _item(data: dict[str, Any]) -> str:
    item = data.get("item")
    if not isinstance(item, dict):
        return ""
    return f"{item.get('code', '')} {localized(item)}".strip()


def _material(data: dict[str, Any]) -> str:
    material = data.get("material")
    text = _item(data)
    return f"{text}: {localized(material)}" if isinstance(material, dict) else text


def _project(data: dict[str, Any]) -> str:
    return " ".join(str(data[k]) for k in ("code", "name") if data.get(k))


def _approvals(data: dict[str, Any]) -> str:
    rows = data.get("approvals") or []
    return "、".join(
        str(row.get("code", "")) if isinstance(row, dict) else str(row) for row in rows
    )


def _removed(data: dict[str, Any]) -> str:
    return " ".join(str(data[k]) for k in ("code", "name") if data.get(k))


def _person(data: dict[str, Any]) -> str:
    return str(data.get("name") or data.get("username") or "")


EVENT_TYPES = [
    EventType("project.registered", _("registered the project"), _project),
    EventType("project.helpers_changed", _("changed the helpers")),
    EventType("project.assigned", _("assigned you to a project"), _project, changes_access=True),
    EventType("project.unassigned", _("removed you from a project"), _project, changes_access=True),
    EventType("project.approvals_added", _("added approvals"), _approvals),
    EventType("project.approval_removed", _("removed an approval"), _removed),
    EventType("project.updated", _("updated the project")),
    EventType("approval.received", _("received"), _item),
    EventType("approval.accepted", _("accepted"), _item),
    EventType("approval.supplement_requested", _("asked for a supplement to"), _item),
    EventType("approval.supplemented", _("supplemented"), _item),
    EventType("approval.approved", _("approved"), _item),
    EventType("approval.rejected", _("rejected"), _item),
    EventType("approval.withdrawn", _("withdrew"), _item),
    EventType("approval.due_date_changed", _("moved the due date of"), _item),
    EventType("approval.due_soon", _("is due soon:"), _item),
    EventType("approval.overdue", _("is overdue:"), _item),
    EventType("material.uploaded", _("uploaded a material for"), _material),
    EventType("material.reviewed", _("reviewed a material of"), _material),
    EventType("comment.added", _("commented"), _item),
    EventType("enterprise.user_invited", _("invited an enterprise user"), _person),
    EventType(
        "account.deactivated",
        _("deactivated the account"),
        changes_access=True,
        ends_session=True,
    ),
    EventType(
        "department.officer_added",
        _("added you to a department"),
        lambda data: localized(data.get("department")),
        changes_access=True,
    ),
    EventType(
        "department.officer_removed",
        _("removed you from a department"),
        lambda data: localized(data.get("department")),
        changes_access=True,
    ),
    EventType(
        "enterprise.user_added",
        _("added you to an enterprise"),
        lambda data: localized(data.get("enterprise")),
        changes_access=True,
    ),
    EventType(
        "enterprise.user_removed",
        _("removed you from an enterprise"),
        lambda data: localized(data.get("enterprise")),
        changes_access=True,
    ),
]


def _membership(data: dict[str, Any]) -> str:
    """`<enterprise>: <person>` for a notice to the enterprise's administrators."""
    person = data.get("person")
    name = _person(person) if isinstance(person, dict) else ""
    enterprise = localized(data.get("enterprise"))
    return f"{enterprise}: {name}" if name else enterprise


EVENT_TYPES += [
    # On the administrators' own streams: someone asks for a new user of their enterprise.
    EventType(
        "enterprise.membership_requested",
        _("asks you to confirm a new user of"),
        _membership,
    ),
    # On the invited person's stream: the request was decided.
    EventType(
        "enterprise.membership_confirmed",
        _("confirmed you as a user of"),
        lambda data: localized(data.get("enterprise")),
        changes_access=True,
    ),
    EventType(
        "enterprise.membership_refused",
        _("refused your access to"),
        lambda data: localized(data.get("enterprise")),
    ),
    # On the person's stream: staff made them (or no longer) an administrator.
    EventType(
        "enterprise.admin_granted",
        _("made you an administrator of"),
        lambda data: localized(data.get("enterprise")),
    ),
    EventType(
        "enterprise.admin_revoked",
        _("took you off the administrators of"),
        lambda data: localized(data.get("enterprise")),
    ),
]

# What the staff's membership review lists (the changes written on the person's own stream),
# each with the word the review shows for it.
MEMBERSHIP_EVENTS = {
    "enterprise.user_invited": _("invited"),
    "enterprise.user_added": _("added"),
    "enterprise.user_removed": _("removed"),
    "enterprise.membership_confirmed": _("confirmed"),
    "enterprise.membership_refused": _("refused"),
    "enterprise.admin_granted": _("made administrator"),
    "enterprise.admin_revoked": _("no longer administrator"),
}
