"""The project streams and the event types of projects, approvals and accounts.

Registered in `ProjectsConfig.ready()`:
- `project:<id>`: everyone on the project, the enterprise included;
- `project:<id>:internal`: staff, the project's helpers and the officers of its departments.
Signals go to groups by role, department, enterprise and user (see `portal.streams`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext, pgettext

from portal.realtime import STAFF_GROUP, user_group
from portal.streams import EventType, StreamKind, day, fill, listed, text

from . import permissions as perms
from .models import Approval, Project
from .notifications import (
    APPROVAL_DECIDED,
    SUPPLEMENT_REQUESTED,
    notify_enterprise_and_lead,
    notify_lead_helper,
)


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
        return text(names)
    if translation.get_language() == "en" and text(names.get("name_en")):
        return text(names["name_en"])
    return text(names.get("name"))


def _code_and_name(row: Any) -> str:
    """`WAT-01 取水许可` from a recorded {"code", "name"[, "name_en"]}; in English the code
    alone where no English name was recorded."""
    if not isinstance(row, dict):
        return text(row)
    english = translation.get_language() == "en"
    name = localized(row) if not english or text(row.get("name_en")) else ""
    return " ".join(part for part in (text(row.get("code")), name) if part)


def _item(data: dict[str, Any]) -> str:
    item = data.get("item")
    if not isinstance(item, dict):
        return ""
    return f"{text(item.get('code'))} {localized(item)}".strip()


def _material(data: dict[str, Any]) -> str:
    material = data.get("material")
    item = _item(data)
    return f"{item}: {localized(material)}" if isinstance(material, dict) else item


def _project(data: dict[str, Any]) -> str:
    """`ZDXM-007 精密减速机生产项目`, with the English name on English pages when recorded."""
    return " ".join(part for part in (text(data.get("code")), localized(data)) if part)


def _approvals(data: dict[str, Any]) -> str:
    rows = data.get("approvals")
    if not isinstance(rows, list):
        return ""
    return pgettext("list separator", ", ").join(
        text(row.get("code")) if isinstance(row, dict) else text(row) for row in rows
    )


def _removed(data: dict[str, Any]) -> str:
    return _project(data)


def _person(data: dict[str, Any]) -> str:
    return text(data.get("name")) or text(data.get("username"))


def _count(value: Any) -> int:
    """A recorded count, or the length of a recorded list; 0 for anything else."""
    if isinstance(value, list):
        return len(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


# --- The sentences: each from the data its service records, down to a complete phrase for a
# row that lacks a key.


def _registered(data: dict[str, Any]) -> str:
    project = _project(data)
    count = _count(data.get("approvals"))
    if count:
        template = ngettext(
            "registered the project “%(project)s” with %(count)d approval",
            "registered the project “%(project)s” with %(count)d approvals",
            count,
        )
        return fill(template, project=project, count=count)
    return fill(_("registered the project “%(project)s”"), project=project) or _(
        "registered a project"
    )


def _helpers_changed(data: dict[str, Any]) -> str:
    # The event records login names only: the sentence does not show them.
    return _("changed the project's helpers")


def _assigned(data: dict[str, Any]) -> str:
    project = _project(data)
    if data.get("lead") is True:
        return fill(_("made you the lead helper of the project “%(project)s”"), project=project)
    return fill(_("assigned you to the project “%(project)s”"), project=project) or _(
        "assigned you to a project"
    )


def _unassigned(data: dict[str, Any]) -> str:
    return fill(_("removed you from the project “%(project)s”"), project=_project(data)) or _(
        "removed you from a project"
    )


def _approvals_added(data: dict[str, Any]) -> str:
    rows = data.get("approvals")
    names = [_code_and_name(row) for row in rows] if isinstance(rows, list) else []
    names = [name for name in names if name]
    if not names:
        return _("added approvals to the project")
    template = ngettext("added the approval %(items)s", "added the approvals %(items)s", len(names))
    return fill(template, items=listed(names))


def _approval_removed(data: dict[str, Any]) -> str:
    return fill(_("removed the approval “%(item)s”"), item=_code_and_name(data)) or _(
        "removed an approval from the project"
    )


def _updated(data: dict[str, Any]) -> str:
    changes = data.get("changes")
    if not isinstance(changes, dict):
        return _("updated the project")
    stage = changes.get("stage")
    if isinstance(stage, dict) and stage.get("to") in Project.Stage.values and len(changes) == 1:
        return fill(
            _("changed the project's stage to “%(stage)s”"),
            stage=Project.Stage(stage["to"]).label,
        )
    fields = []
    for name in changes:
        try:
            fields.append(str(Project._meta.get_field(name).verbose_name))
        except FieldDoesNotExist:
            continue
    if not fields:
        return _("updated the project")
    return fill(_("updated the project (%(fields)s)"), fields=listed(fields))


def _received(data: dict[str, Any]) -> str:
    return fill(_("received the application for “%(item)s”"), item=_item(data)) or _(
        "received an application"
    )


def _accepted(data: dict[str, Any]) -> str:
    item = _item(data)
    if not item:
        return _("accepted an application")
    missing = _count(data.get("missing_materials"))
    if missing:
        by = day(data.get("materials_due"))
        if by:
            template = ngettext(
                "accepted “%(item)s” with %(count)d material to follow by %(date)s",
                "accepted “%(item)s” with %(count)d materials to follow by %(date)s",
                missing,
            )
            return fill(template, item=item, count=missing, date=by)
        template = ngettext(
            "accepted “%(item)s” with %(count)d material to follow",
            "accepted “%(item)s” with %(count)d materials to follow",
            missing,
        )
        return fill(template, item=item, count=missing)
    return fill(
        _("accepted “%(item)s”, to be completed by %(date)s"),
        item=item,
        date=day(data.get("due_date")),
    ) or fill(_("accepted “%(item)s”"), item=item)


def _supplement_requested(data: dict[str, Any]) -> str:
    item = _item(data)
    return (
        fill(
            _("asked for a supplement to “%(item)s” by %(date)s"),
            item=item,
            date=day(data.get("materials_due")),
        )
        or fill(_("asked for a supplement to “%(item)s”"), item=item)
        or _("asked for a supplement")
    )


def _supplemented(data: dict[str, Any]) -> str:
    return fill(_("sent the supplement for “%(item)s”"), item=_item(data)) or _("sent a supplement")


def _with_number(sentence: str, data: dict[str, Any]) -> str:
    """The decision document number (批复文号) after the sentence, where one was recorded."""
    number = text(data.get("decision_number"))
    if not sentence or not number:
        return sentence
    return fill(_("%(sentence)s (decision no. %(number)s)"), sentence=sentence, number=number)


def _approved(data: dict[str, Any]) -> str:
    item = _item(data)
    if not item:
        return _("approved an application")
    conditions = bool(text(data.get("conditions")))
    on_paper = bool(data.get("decided_on_paper"))
    if conditions and on_paper:
        template = _("approved “%(item)s” with conditions, deciding on the paper file")
    elif conditions:
        template = _("approved “%(item)s” with conditions")
    elif on_paper:
        template = _("approved “%(item)s”, deciding on the paper file")
    else:
        template = _("approved “%(item)s”")
    return _with_number(fill(template, item=item), data)


def _rejected(data: dict[str, Any]) -> str:
    sentence = fill(_("rejected “%(item)s”"), item=_item(data))
    return _with_number(sentence, data) or _("rejected an application")


def _withdrawn(data: dict[str, Any]) -> str:
    return fill(_("withdrew “%(item)s”"), item=_item(data)) or _("withdrew an application")


def _due_date_changed(data: dict[str, Any]) -> str:
    item = _item(data)
    before, after = day(data.get("previous_due_date")), day(data.get("due_date"))
    return (
        fill(
            _("moved the due date of “%(item)s” from %(before)s to %(after)s"),
            item=item,
            before=before,
            after=after,
        )
        or fill(_("moved the due date of “%(item)s” to %(after)s"), item=item, after=after)
        or fill(_("moved the due date of “%(item)s”"), item=item)
        or _("moved a due date")
    )


def _due_soon(data: dict[str, Any]) -> str:
    item = _item(data)
    return (
        fill(
            _("warned that “%(item)s” is due on %(date)s"),
            item=item,
            date=day(data.get("due_date")),
        )
        or fill(_("warned that “%(item)s” is due soon"), item=item)
        or _("warned that an approval is due soon")
    )


def _overdue(data: dict[str, Any]) -> str:
    item = _item(data)
    return (
        fill(
            _("warned that “%(item)s” is overdue (it was due on %(date)s)"),
            item=item,
            date=day(data.get("due_date")),
        )
        or fill(_("warned that “%(item)s” is overdue"), item=item)
        or _("warned that an approval is overdue")
    )


def _uploaded(data: dict[str, Any]) -> str:
    item, material = _item(data), localized(data.get("material"))
    if data.get("draft") is True:
        template = _("uploaded a draft of “%(material)s” for “%(item)s”")
        return fill(template, material=material, item=item) or _("uploaded a draft")
    version = _count(data.get("version"))
    return (
        (
            fill(
                _("uploaded version %(version)s of “%(material)s” for “%(item)s”"),
                version=version,
                material=material,
                item=item,
            )
            if version > 1
            else ""
        )
        or fill(_("uploaded “%(material)s” for “%(item)s”"), material=material, item=item)
        or fill(_("uploaded a material for “%(item)s”"), item=item)
        or _("uploaded a material")
    )


def _reviewed(data: dict[str, Any]) -> str:
    item, material = _item(data), localized(data.get("material"))
    verdict = data.get("verdict")
    if verdict == "accepted":
        template = _("accepted “%(material)s” for “%(item)s”")
    elif verdict == "needs_correction":
        template = _("sent “%(material)s” for “%(item)s” back for correction")
    else:
        template = _("reviewed “%(material)s” for “%(item)s”")
    return (
        fill(template, material=material, item=item)
        or fill(_("reviewed a material for “%(item)s”"), item=item)
        or _("reviewed a material")
    )


def _commented(data: dict[str, Any]) -> str:
    return fill(_("commented on “%(item)s”"), item=_item(data)) or _("commented on the project")


def _invited(data: dict[str, Any]) -> str:
    person = _person(data)
    enterprise = localized(data.get("enterprise"))
    if data.get("pending") is True:
        template = _("invited %(person)s to “%(enterprise)s” (awaiting confirmation)")
    else:
        template = _("invited %(person)s to “%(enterprise)s”")
    return (
        fill(template, person=person, enterprise=enterprise)
        or fill(_("invited %(person)s as an enterprise user"), person=person)
        or _("invited an enterprise user")
    )


def _deactivated(data: dict[str, Any]) -> str:
    count = _count(data.get("projects"))
    if count and text(data.get("handed_over_to")):
        template = ngettext(
            "deactivated the account and handed over its %(count)d project",
            "deactivated the account and handed over its %(count)d projects",
            count,
        )
        return fill(template, count=count)
    return _("deactivated the account")


def _place(template: str, fallback: str, key: str) -> Callable[[dict[str, Any]], str]:
    """A sentence about a department or an enterprise recorded under `key`."""

    def sentence(data: dict[str, Any]) -> str:
        return fill(_(template), place=localized(data.get(key))) or _(fallback)

    return sentence


def _membership_requested(data: dict[str, Any]) -> str:
    person = data.get("person")
    name = _person(person) if isinstance(person, dict) else ""
    enterprise = localized(data.get("enterprise"))
    return (
        fill(
            _("asks you to confirm %(person)s as a user of “%(enterprise)s”"),
            person=name,
            enterprise=enterprise,
        )
        or fill(_("asks you to confirm a new user of “%(enterprise)s”"), enterprise=enterprise)
        or _("asks you to confirm a new user of your enterprise")
    )


def _membership(data: dict[str, Any]) -> str:
    """`<enterprise>: <person>` for a notice to the enterprise's administrators."""
    person = data.get("person")
    name = _person(person) if isinstance(person, dict) else ""
    enterprise = localized(data.get("enterprise"))
    return f"{enterprise}: {name}" if name else enterprise


# The templates are marked here and translated when a sentence is read (`_place`).
gettext_noop("added you to the department “%(place)s”")
gettext_noop("added you to a department")
gettext_noop("removed you from the department “%(place)s”")
gettext_noop("removed you from a department")
gettext_noop("added you to the enterprise “%(place)s”")
gettext_noop("added you to an enterprise")
gettext_noop("removed you from the enterprise “%(place)s”")
gettext_noop("removed you from an enterprise")
gettext_noop("confirmed you as a user of “%(place)s”")
gettext_noop("confirmed you as a user of an enterprise")
gettext_noop("refused your access to “%(place)s”")
gettext_noop("refused your access to an enterprise")
gettext_noop("made you an administrator of “%(place)s”")
gettext_noop("made you an administrator of an enterprise")
gettext_noop("took you off the administrators of “%(place)s”")
gettext_noop("took you off the administrators of an enterprise")


def _department(data: dict[str, Any]) -> str:
    return localized(data.get("department"))


def _enterprise(data: dict[str, Any]) -> str:
    return localized(data.get("enterprise"))


EVENT_TYPES = [
    EventType(
        "project.registered", gettext_lazy("registered the project"), _project, sentence=_registered
    ),
    EventType(
        "project.helpers_changed", gettext_lazy("changed the helpers"), sentence=_helpers_changed
    ),
    EventType(
        "project.assigned",
        gettext_lazy("assigned you to a project"),
        _project,
        changes_access=True,
        sentence=_assigned,
    ),
    EventType(
        "project.unassigned",
        gettext_lazy("removed you from a project"),
        _project,
        changes_access=True,
        sentence=_unassigned,
    ),
    EventType(
        "project.approvals_added",
        gettext_lazy("added approvals"),
        _approvals,
        sentence=_approvals_added,
    ),
    EventType(
        "project.approval_removed",
        gettext_lazy("removed an approval"),
        _removed,
        sentence=_approval_removed,
    ),
    EventType("project.updated", gettext_lazy("updated the project"), sentence=_updated),
    EventType("approval.received", gettext_lazy("received"), _item, sentence=_received),
    EventType("approval.accepted", gettext_lazy("accepted"), _item, sentence=_accepted),
    EventType(
        "approval.supplement_requested",
        gettext_lazy("asked for a supplement to"),
        _item,
        sentence=_supplement_requested,
        notify=notify_enterprise_and_lead(SUPPLEMENT_REQUESTED),
    ),
    EventType("approval.supplemented", gettext_lazy("supplemented"), _item, sentence=_supplemented),
    EventType(
        "approval.approved",
        gettext_lazy("approved"),
        _item,
        sentence=_approved,
        notify=notify_enterprise_and_lead(APPROVAL_DECIDED),
    ),
    EventType(
        "approval.rejected",
        gettext_lazy("rejected"),
        _item,
        sentence=_rejected,
        notify=notify_enterprise_and_lead(APPROVAL_DECIDED),
    ),
    EventType("approval.withdrawn", gettext_lazy("withdrew"), _item, sentence=_withdrawn),
    EventType(
        "approval.due_date_changed",
        gettext_lazy("moved the due date of"),
        _item,
        sentence=_due_date_changed,
    ),
    EventType(
        "approval.due_soon",
        gettext_lazy("flagged as due soon"),
        _item,
        sentence=_due_soon,
        notify=notify_lead_helper,
    ),
    EventType(
        "approval.overdue",
        gettext_lazy("flagged as overdue"),
        _item,
        sentence=_overdue,
        notify=notify_lead_helper,
    ),
    EventType(
        "material.uploaded", gettext_lazy("uploaded a material for"), _material, sentence=_uploaded
    ),
    EventType(
        "material.reviewed", gettext_lazy("reviewed a material of"), _material, sentence=_reviewed
    ),
    EventType("comment.added", gettext_lazy("commented"), _item, sentence=_commented),
    EventType(
        "enterprise.user_invited",
        gettext_lazy("invited an enterprise user"),
        _person,
        sentence=_invited,
    ),
    EventType(
        "account.deactivated",
        gettext_lazy("deactivated the account"),
        changes_access=True,
        ends_session=True,
        sentence=_deactivated,
    ),
    EventType(
        "department.officer_added",
        gettext_lazy("added you to a department"),
        _department,
        changes_access=True,
        sentence=_place(
            "added you to the department “%(place)s”", "added you to a department", "department"
        ),
    ),
    EventType(
        "department.officer_removed",
        gettext_lazy("removed you from a department"),
        _department,
        changes_access=True,
        sentence=_place(
            "removed you from the department “%(place)s”",
            "removed you from a department",
            "department",
        ),
    ),
    EventType(
        "enterprise.user_added",
        gettext_lazy("added you to an enterprise"),
        _enterprise,
        changes_access=True,
        sentence=_place(
            "added you to the enterprise “%(place)s”", "added you to an enterprise", "enterprise"
        ),
    ),
    EventType(
        "enterprise.user_removed",
        gettext_lazy("removed you from an enterprise"),
        _enterprise,
        changes_access=True,
        sentence=_place(
            "removed you from the enterprise “%(place)s”",
            "removed you from an enterprise",
            "enterprise",
        ),
    ),
    # On the administrators' own streams: someone asks for a new user of their enterprise.
    EventType(
        "enterprise.membership_requested",
        gettext_lazy("asks you to confirm a new user of"),
        _membership,
        sentence=_membership_requested,
    ),
    # On the invited person's stream: the request was decided.
    EventType(
        "enterprise.membership_confirmed",
        gettext_lazy("confirmed you as a user of"),
        _enterprise,
        changes_access=True,
        sentence=_place(
            "confirmed you as a user of “%(place)s”",
            "confirmed you as a user of an enterprise",
            "enterprise",
        ),
    ),
    EventType(
        "enterprise.membership_refused",
        gettext_lazy("refused your access to"),
        _enterprise,
        sentence=_place(
            "refused your access to “%(place)s”",
            "refused your access to an enterprise",
            "enterprise",
        ),
    ),
    # On the person's stream: staff made them (or no longer) an administrator.
    EventType(
        "enterprise.admin_granted",
        gettext_lazy("made you an administrator of"),
        _enterprise,
        sentence=_place(
            "made you an administrator of “%(place)s”",
            "made you an administrator of an enterprise",
            "enterprise",
        ),
    ),
    EventType(
        "enterprise.admin_revoked",
        gettext_lazy("took you off the administrators of"),
        _enterprise,
        sentence=_place(
            "took you off the administrators of “%(place)s”",
            "took you off the administrators of an enterprise",
            "enterprise",
        ),
    ),
]

# What the staff's membership review lists (the changes written on the person's own stream),
# each with the word the review shows for it.
MEMBERSHIP_EVENTS = {
    "enterprise.user_invited": gettext_lazy("invited"),
    "enterprise.user_added": gettext_lazy("added"),
    "enterprise.user_removed": gettext_lazy("removed"),
    "enterprise.membership_confirmed": gettext_lazy("confirmed"),
    "enterprise.membership_refused": gettext_lazy("refused"),
    "enterprise.admin_granted": gettext_lazy("made administrator"),
    "enterprise.admin_revoked": gettext_lazy("no longer administrator"),
}
