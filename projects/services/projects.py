"""Registering and editing projects: their facts, approvals and helpers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.dates import check_date
from portal.errors import InvalidInput, NotVisible, PermissionRefused
from portal.events import emit, user_stream
from portal.models import User
from portal.roles import HELPER, STAFF, is_bureau_staff, roles_of

from .. import enquiry
from .. import permissions as perms
from ..models import (
    Approval,
    ApprovalItem,
    ApprovalMaterial,
    Enterprise,
    Industry,
    Project,
    Town,
)
from ..selectors import approval_removal_refusals
from ..streams import project_internal_stream, project_stream
from ._common import (
    now_or,
    refresh_next_due,
)

S = Approval.Status


def _with_prerequisites(items: Iterable[ApprovalItem]) -> list[ApprovalItem]:
    """The items and, transitively, every prerequisite they need (land before permits)."""
    chosen: dict[int, ApprovalItem] = {}
    queue = list(items)
    while queue:
        item = queue.pop()
        if item.pk in chosen:
            continue
        chosen[item.pk] = item
        queue.extend(item.prerequisites.all())
    return sorted(chosen.values(), key=lambda i: i.code)


def _create_approval(project: Project, item: ApprovalItem) -> Approval:
    approval = Approval.objects.create(
        project=project,
        item=item,
        department_id=item.department_id,
        statutory_limit_days=item.statutory_limit_days,
        promised_limit_days=item.promised_limit_days,
    )
    ApprovalMaterial.objects.bulk_create(
        ApprovalMaterial(
            approval=approval, name=m.name, name_en=m.name_en, key=m.key, position=m.position
        )
        for m in item.materials.all()
    )
    return approval


# The bureau's numbering of major projects: ZDXM-<year of registration>-<number in that year>.
PROJECT_CODE_PREFIX = "ZDXM"
# How often a generated code is retried when other registrations keep taking the next number.
CODE_ATTEMPTS = 20


def project_code_next(*, today: date | None = None) -> str:
    """The next free code of the bureau's pattern for the year of `today`: ZDXM-2026-001, -002…
    (after the highest number of that year; at least three digits)."""
    year = (today or timezone.localdate()).year
    prefix = f"{PROJECT_CODE_PREFIX}-{year}-"
    pattern = re.compile(re.escape(prefix) + r"(\d{3,})")
    numbers = [
        int(match.group(1))
        for code in Project.objects.filter(code__startswith=prefix).values_list("code", flat=True)
        if (match := pattern.fullmatch(code))
    ]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def _create_with_code(code: str | None, today: date, **fields) -> Project:
    """Insert the project under its code. The unique index on the code is the lock: a typed
    code in use is refused; a generated one taken by a registration running at the same time
    is replaced by the next free number (each attempt in its own savepoint)."""
    typed = bool(code)
    if typed and Project.objects.filter(code=code).exists():
        raise InvalidInput(_("A project with this code exists already."), field="code")
    for _attempt in range(1 if typed else CODE_ATTEMPTS):
        candidate = code if typed else project_code_next(today=today)
        try:
            with transaction.atomic():
                return Project.objects.create(code=candidate, **fields)
        except IntegrityError:
            if not Project.objects.filter(code=candidate).exists():
                raise  # another constraint: not ours to explain
    if typed:
        raise InvalidInput(_("A project with this code exists already."), field="code")
    raise InvalidInput(
        _("Many projects are being registered at this moment: please send the form again."),
        field="code",
    )


def project_register(
    *,
    actor: User,
    code: str | None = None,
    name: str,
    enterprise: Enterprise,
    name_en: str = "",
    industry: Industry | None = None,
    town: Town | None = None,
    stage: str = Project.Stage.NEGOTIATING,
    is_major: bool = True,
    investment: Decimal | None = None,
    planned_start: date | None = None,
    lead_helper: User | None = None,
    helpers: Sequence[User] = (),
    leading_official: str = "",
    description: str = "",
    items: Sequence[ApprovalItem] = (),
    use_industry_set: bool = False,
    now: datetime | None = None,
) -> Project:
    """Register a project (early entry) with its approvals; prerequisites come with them.

    Without a code (None or blank) it gets the next free number of the bureau's pattern for the
    year of registration; a code given must not be in use. `use_industry_set` adds the
    industry's standard items to `items` (the registration page ticks them instead when the
    browser runs its script, and then sends False). The returned project carries its new
    enquiry code in `enquiry_code` (stored as a digest only: show it once)."""
    now = now_or(now)
    if not perms.can_manage_project(actor):
        raise PermissionRefused(_("Only bureau staff and helpers register projects."))
    code, name = (code or "").strip(), (name or "").strip()
    if code and not is_bureau_staff(actor):
        raise PermissionRefused(_("Only bureau staff choose a project's code."))
    if not name:
        raise InvalidInput(_("A project needs a name."), field="name")
    if stage not in Project.Stage.values:
        raise InvalidInput(_("Unknown stage."), field="stage")
    check_date(planned_start, "planned_start")
    with transaction.atomic():
        project = _create_with_code(
            code or None,
            timezone.localdate(now),
            name=name,
            name_en=name_en,
            enterprise=enterprise,
            industry=industry,
            town=town,
            stage=stage,
            is_major=is_major,
            investment=investment,
            planned_start=planned_start,
            leading_official=leading_official,
            description=description,
            registered_at=now,
        )
        # The enquiry code for the public progress lookup: only its digest is stored; the
        # caller hands `project.enquiry_code` to the enterprise once (the page after this).
        project.enquiry_code = enquiry.new_code()
        project.enquiry_code_hash = enquiry.digest(project.pk, project.enquiry_code)
        project.save(update_fields=["enquiry_code_hash"])
        wanted = list(items)
        if use_industry_set and industry is not None:
            wanted += list(industry.standard_items.all())
        approvals = [_create_approval(project, item) for item in _with_prerequisites(wanted)]
        emit(
            stream=project_stream(project.pk),
            event="project.registered",
            actor=actor,
            at=now,
            data={
                "code": project.code,
                "name": project.name,
                "name_en": project.name_en,
                "stage": project.stage,
                "approvals": [a.item.code for a in approvals],
            },
        )
        set_helpers(actor, project, lead_helper, helpers, now)
    return project


def project_enquiry_code_reset(
    *, actor: User, project_id: int, now: datetime | None = None
) -> tuple[Project, str]:
    """Issue a new enquiry code for the public progress lookup (the old one stops working);
    returns the project and the code, which is stored as a digest only: show it once.
    Staff, the project's helpers and the enterprise's administrators may."""
    now = now_or(now)
    perms.forget_cached_permissions(actor)
    with transaction.atomic():
        project = Project.objects.select_for_update().filter(pk=project_id).first()
        if project is None or not perms.can_view_project(actor, project):
            raise NotVisible(_("Project not found."))
        if not enquiry.can_reset(actor, project):
            raise PermissionRefused(
                _("Only the enterprise's administrators, its helpers and bureau staff do this.")
            )
        code = enquiry.new_code()
        project.enquiry_code_hash = enquiry.digest(project.pk, code)
        project.save(update_fields=["enquiry_code_hash"])
        # The event says that a new code was issued and by whom, never the code.
        emit(
            stream=project_stream(project.pk),
            event="project.enquiry_code_reset",
            actor=actor,
            at=now,
            data={"code": project.code, "name": project.name, "name_en": project.name_en},
        )
    return project, code


def set_helpers(
    actor: User, project: Project, lead: User | None, others: Sequence[User], now: datetime
) -> None:

    for person in [lead, *others]:
        if person is not None and not ({HELPER, STAFF} & roles_of(person)):
            raise InvalidInput(
                _("%(name)s is not a helper.") % {"name": person.get_full_name()},
                field="helpers",
            )
    before = set(project.helpers.values_list("pk", flat=True))
    if project.lead_helper_id:
        before.add(project.lead_helper_id)
    other_ids = {u.pk for u in others if lead is None or u.pk != lead.pk}
    after = set(other_ids) | ({lead.pk} if lead else set())
    old_lead = project.lead_helper_id
    project.lead_helper = lead
    project.save(update_fields=["lead_helper"])
    project.helpers.set(other_ids)
    users = {u.pk: u for u in User.objects.filter(pk__in=before | after)}
    for uid in after - before:
        perms.grant_helper(users[uid], project)
        emit(
            stream=user_stream(uid),
            event="project.assigned",
            actor=actor,
            at=now,
            data={
                "project_id": project.pk,
                "code": project.code,
                "name": project.name,
                "name_en": project.name_en,
                "lead": uid == (lead.pk if lead else None),
            },
        )
    for uid in before - after:
        perms.revoke_helper(users[uid], project)
        emit(
            stream=user_stream(uid),
            event="project.unassigned",
            actor=actor,
            at=now,
            data={
                "project_id": project.pk,
                "code": project.code,
                "name": project.name,
                "name_en": project.name_en,
            },
        )
    if before != after or old_lead != project.lead_helper_id:
        emit(
            stream=project_internal_stream(project.pk),
            event="project.helpers_changed",
            actor=actor,
            at=now,
            data={
                "lead_helper": lead.username if lead else None,
                "helpers": sorted(users[uid].username for uid in other_ids),
            },
        )


def project_assign_helpers(
    *,
    actor: User,
    project_id: int,
    lead_helper: User | None,
    helpers: Sequence[User] = (),
    now: datetime | None = None,
) -> Project:
    """Assign the lead helper and the others; grants and revokes take effect at once."""
    now = now_or(now)
    perms.forget_cached_permissions(actor)
    with transaction.atomic():
        project = Project.objects.select_for_update().filter(pk=project_id).first()
        if project is None or not perms.can_view_project(actor, project):
            raise NotVisible(_("Project not found."))
        if not perms.can_manage_project(actor, project):
            raise PermissionRefused(_("Only bureau staff and the project's helpers do this."))
        set_helpers(actor, project, lead_helper, helpers, now)
    return project


def project_items_add(
    *, actor: User, project_id: int, items: Sequence[ApprovalItem], now: datetime | None = None
) -> list[Approval]:
    """Add approvals from the catalogue (with their prerequisites) to a registered project."""
    now = now_or(now)
    perms.forget_cached_permissions(actor)
    with transaction.atomic():
        project = Project.objects.select_for_update().filter(pk=project_id).first()
        if project is None or not perms.can_view_project(actor, project):
            raise NotVisible(_("Project not found."))
        if not perms.can_manage_project(actor, project):
            raise PermissionRefused(_("Only bureau staff and the project's helpers do this."))
        present = set(project.approvals.values_list("item_id", flat=True))
        new = [i for i in _with_prerequisites(items) if i.pk not in present]
        created = [_create_approval(project, item) for item in new]
        if created:
            emit(
                stream=project_stream(project.pk),
                event="project.approvals_added",
                actor=actor,
                at=now,
                data={
                    "approvals": [
                        {"approval_id": a.pk, "code": a.item.code, "name": a.item.name}
                        for a in created
                    ]
                },
            )
    return created


def project_approval_remove(*, actor: User, approval_id: int, now: datetime | None = None) -> None:
    """Drop an approval the project turned out not to need: only before anything happened."""
    now = now_or(now)
    perms.forget_cached_permissions(actor)
    with transaction.atomic():
        approval = (
            Approval.objects.select_for_update(of=("self",))
            .select_related("project", "item")
            .filter(pk=approval_id)
            .first()
        )
        if approval is None or not perms.can_view_project(actor, approval.project):
            raise NotVisible(_("Approval not found."))
        if not perms.can_manage_project(actor, approval.project):
            raise PermissionRefused(_("Only bureau staff and the project's helpers do this."))
        refusal = approval_removal_refusals([approval])[approval.pk]
        if refusal is not None:
            raise refusal
        data = {"approval_id": approval.pk, "code": approval.item.code, "name": approval.item.name}
        project_id = approval.project_id
        approval.delete()
        refresh_next_due([project_id])
        emit(
            stream=project_stream(project_id),
            event="project.approval_removed",
            actor=actor,
            at=now,
            data=data,
        )


PROJECT_FIELDS = (
    "name",
    "name_en",
    "stage",
    "industry",
    "town",
    "investment",
    "planned_start",
    "leading_official",
    "description",
    "is_major",
)


def project_update(
    *, actor: User, project_id: int, now: datetime | None = None, **changes: Any
) -> Project:
    """Edit a project's facts, its stage among them; the change is an event on its stream."""
    now = now_or(now)
    unknown = set(changes) - set(PROJECT_FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    if "stage" in changes and changes["stage"] not in Project.Stage.values:
        raise InvalidInput(_("Unknown stage."), field="stage")
    if "planned_start" in changes:
        check_date(changes["planned_start"], "planned_start")
    if "name" in changes and not (changes["name"] or "").strip():
        raise InvalidInput(_("A project needs a name."), field="name")
    perms.forget_cached_permissions(actor)
    with transaction.atomic():
        project = Project.objects.select_for_update().filter(pk=project_id).first()
        if project is None or not perms.can_view_project(actor, project):
            raise NotVisible(_("Project not found."))
        if not perms.can_manage_project(actor, project):
            raise PermissionRefused(_("Only bureau staff and the project's helpers do this."))
        changed = {}
        for field, value in changes.items():
            before = getattr(project, field)
            if before != value:
                changed[field] = {
                    "from": str(before) if before is not None else None,
                    "to": str(value) if value is not None else None,
                }
                setattr(project, field, value)
        if changed:
            project.save()
            emit(
                stream=project_stream(project.pk),
                event="project.updated",
                actor=actor,
                at=now,
                data={"changes": changed},
            )
    return project
