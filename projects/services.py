"""Every state change of projects and approvals.

Each service runs in one transaction, locks the row it changes, checks permission and the
allowed transition (raising a domain error that says why), changes state, writes its events
in the same transaction and leaves the live signal to `transaction.on_commit`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.models import User

from . import permissions as perms
from .clock import WorkingCalendar, due_dates, paused_days
from .errors import InvalidInput, NotVisible, PermissionRefused, TransitionRefused
from .events import emit, project_internal_stream, project_stream, user_stream
from .models import (
    Approval,
    ApprovalItem,
    ApprovalMaterial,
    ApprovalPause,
    Enterprise,
    Industry,
    Project,
    Town,
    WorkingDay,
)
from .notifications import enqueue_after_commit, notify_approval_event, notify_deadline

S = Approval.Status


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _today(now: datetime) -> date:
    return timezone.localdate(now)


# --- approvals ------------------------------------------------------------------------------


def _locked_approval(actor: User, approval_id: int, action: str) -> Approval:
    perms.forget_cached_permissions(actor)  # decide on rights as they are now, not as cached
    approval = (
        Approval.objects.select_for_update(of=("self",))
        .select_related("project", "item", "department")
        .filter(pk=approval_id)
        .first()
    )
    if approval is None or not perms.can_view_project(actor, approval.project):
        raise NotVisible(_("Approval not found."))
    if not perms.can_transition(actor, approval, action):
        raise PermissionRefused(
            _("You may see this approval but not %(action)s it.")
            % {"action": ACTION_LABELS[action]}
        )
    return approval


ACTION_LABELS = {
    "receive": gettext_lazy("receive"),
    "accept": gettext_lazy("accept"),
    "request_supplement": gettext_lazy("request a supplement for"),
    "supplement": gettext_lazy("supplement"),
    "approve": gettext_lazy("approve"),
    "reject": gettext_lazy("reject"),
    "withdraw": gettext_lazy("withdraw"),
}


def _require_status(approval: Approval, action: str) -> None:
    allowed = Approval.ALLOWED_FROM[action]
    if approval.status not in allowed:
        raise TransitionRefused(
            _("Cannot %(action)s an approval that is %(status)s; it must be %(allowed)s.")
            % {
                "action": ACTION_LABELS[action],
                "status": approval.get_status_display(),
                "allowed": _(" or ").join(str(S(s).label) for s in allowed),
            },
            code="invalid_state",
        )


def _materials_named(approval: Approval, wanted: Iterable[Any], field: str) -> list[Any]:
    """Resolve materials given by id or by (Chinese or English) name; refuse unknown ones."""
    materials = list(approval.materials.all())
    found, unknown = [], []
    for value in wanted:
        match = next(
            (
                m
                for m in materials
                if (isinstance(value, int) and m.pk == value)
                or (isinstance(value, str) and value.strip() in (m.name, m.name_en, str(m.pk)))
            ),
            None,
        )
        if match is None:
            unknown.append(str(value))
        elif match not in found:
            found.append(match)
    if unknown:
        raise InvalidInput(
            _("Not on this approval's list of materials: %(names)s.")
            % {"names": ", ".join(unknown)},
            field=field,
        )
    return found


def _names(obj) -> dict[str, str]:
    """Both names, so that every reader sees the event in their own language."""
    return {"name": obj.name, "name_en": obj.name_en or obj.name}


def _approval_data(approval: Approval, **extra: Any) -> dict[str, Any]:
    return {
        "approval_id": approval.pk,
        "item": {"code": approval.item.code, **_names(approval.item)},
        "department": {"id": approval.department_id, **_names(approval.department)},
        "status": approval.status,
        "due_date": approval.due_date,
        "statutory_due_date": approval.statutory_due_date,
        **extra,
    }


def refresh_next_due(project_ids=None) -> None:
    """Store each project's earliest open due date (all projects when none are named)."""
    from django.db.models import Min, OuterRef, Subquery

    earliest = (
        Approval.objects.filter(
            project=OuterRef("pk"), status__in=Approval.OPEN, due_date__isnull=False
        )
        .order_by()
        .values("project")
        .annotate(first=Min("due_date"))
        .values("first")
    )
    projects = Project.objects.all()
    if project_ids is not None:
        projects = projects.filter(pk__in=project_ids)
    projects.update(next_due=Subquery(earliest))


def _recompute_clock(approval: Approval, calendar: WorkingCalendar) -> bool:
    """Recompute stored due dates and paused days from the pauses; True if anything moved."""
    if approval.accepted_on is None:
        return False
    pauses = list(approval.pauses.values_list("requested_on", "resumed_on"))
    due, statutory = due_dates(
        calendar,
        accepted_on=approval.accepted_on,
        promised_days=approval.promised_limit_days,
        statutory_days=approval.statutory_limit_days,
        pauses=pauses,
    )
    paused = paused_days(calendar, pauses)
    changed = (due, statutory, paused) != (
        approval.due_date,
        approval.statutory_due_date,
        approval.paused_working_days,
    )
    if due != approval.due_date:
        approval.alerted = ""  # a new due date earns new alerts
    approval.due_date, approval.statutory_due_date = due, statutory
    approval.paused_working_days = paused
    return changed


def approval_receive(*, actor: User, approval_id: int, now: datetime | None = None) -> Approval:
    """The single window receives the application: pending -> received."""
    now = _now(now)
    with transaction.atomic():
        approval = _locked_approval(actor, approval_id, "receive")
        _require_status(approval, "receive")
        approval.status = S.RECEIVED
        approval.received_at = now
        approval.save()
        refresh_next_due([approval.project_id])
        emit(
            stream=project_stream(approval.project_id),
            event="approval.received",
            actor=actor,
            at=now,
            data=_approval_data(approval),
        )
    return approval


def approval_accept(
    *,
    actor: User,
    approval_id: int,
    missing_materials: Sequence[Any] = (),
    materials_due: date | None = None,
    now: datetime | None = None,
) -> Approval:
    """Accept the file and start the clock: received -> accepted.

    Non-key materials may be listed as missing with a date to supply them (accept now,
    supplement later). Refused if a key material is missing or a prerequisite is not approved.
    """
    now = _now(now)
    today = _today(now)
    with transaction.atomic():
        approval = _locked_approval(actor, approval_id, "accept")
        _require_status(approval, "accept")
        missing = _materials_named(approval, missing_materials, "missing_materials")
        key_missing = [m for m in missing if m.key]
        if key_missing:
            raise TransitionRefused(
                _("Key materials are missing, the file cannot be accepted: %(names)s.")
                % {"names": "、".join(m.label for m in key_missing)},
                code="key_materials_missing",
            )
        if missing and materials_due is None:
            raise InvalidInput(
                _("Give the date by which the missing materials must be supplied."),
                field="materials_due",
            )
        if materials_due is not None and materials_due <= today:
            raise InvalidInput(
                _("The date to supply missing materials must be after today."),
                field="materials_due",
            )
        required = list(approval.item.prerequisites.all())
        if required:
            approved = set(
                Approval.objects.filter(
                    project_id=approval.project_id, item__in=required, status=S.APPROVED
                ).values_list("item_id", flat=True)
            )
            blocking = [item for item in required if item.pk not in approved]
            if blocking:
                raise TransitionRefused(
                    _("Prerequisites are not approved yet: %(names)s.")
                    % {"names": "、".join(f"{i.code} {i.label}" for i in blocking)},
                    code="prerequisites_not_approved",
                )
        for material in missing:
            material.state = ApprovalMaterial.State.MISSING
            material.due = materials_due
            material.save(update_fields=["state", "due"])
        approval.materials.exclude(pk__in=[m.pk for m in missing]).update(
            state=ApprovalMaterial.State.PROVIDED, due=None
        )
        approval.status = S.ACCEPTED
        approval.accepted_at = now
        approval.accepted_on = today
        approval.materials_due = materials_due if missing else None
        approval.paused_since = None
        _recompute_clock(approval, WorkingCalendar.load())
        approval.save()
        refresh_next_due([approval.project_id])
        emit(
            stream=project_stream(approval.project_id),
            event="approval.accepted",
            actor=actor,
            at=now,
            data=_approval_data(
                approval,
                missing_materials=[_names(m) for m in missing],
                materials_due=approval.materials_due,
            ),
        )
    return approval


def approval_request_supplement(
    *,
    actor: User,
    approval_id: int,
    reason: str,
    materials: Sequence[Any],
    materials_due: date | None = None,
    now: datetime | None = None,
) -> Approval:
    """Ask the enterprise for corrections (补正) and stop the clock: accepted -> requested."""
    now = _now(now)
    today = _today(now)
    reason = (reason or "").strip()
    with transaction.atomic():
        approval = _locked_approval(actor, approval_id, "request_supplement")
        _require_status(approval, "request_supplement")
        if not reason:
            raise InvalidInput(_("Say what must be supplemented and why."), field="reason")
        requested = _materials_named(approval, materials, "missing_materials")
        if not requested:
            raise InvalidInput(
                _("Name at least one material to supplement."), field="missing_materials"
            )
        if materials_due is not None and materials_due <= today:
            raise InvalidInput(_("The date to supply must be after today."), field="materials_due")
        for material in requested:
            material.state = ApprovalMaterial.State.REQUESTED
            material.due = materials_due
            material.save(update_fields=["state", "due"])
        ApprovalPause.objects.create(approval=approval, requested_on=today)
        approval.status = S.SUPPLEMENT_REQUESTED
        approval.paused_since = today
        approval.reason = reason
        _recompute_clock(approval, WorkingCalendar.load())
        approval.save()
        refresh_next_due([approval.project_id])
        requested_event = emit(
            stream=project_stream(approval.project_id),
            event="approval.supplement_requested",
            actor=actor,
            at=now,
            data=_approval_data(
                approval,
                reason=reason,
                materials=[_names(m) for m in requested],
                materials_due=materials_due,
            ),
        )
        enqueue_after_commit(notify_approval_event, requested_event.pk)
    return approval


def approval_supplement(*, actor: User, approval_id: int, now: datetime | None = None) -> Approval:
    """The enterprise answers the supplement request; the clock restarts."""
    now = _now(now)
    today = _today(now)
    with transaction.atomic():
        approval = _locked_approval(actor, approval_id, "supplement")
        _require_status(approval, "supplement")
        approval.pauses.filter(resumed_on__isnull=True).update(resumed_on=today)
        supplied = [
            _names(m) for m in approval.materials.filter(state=ApprovalMaterial.State.REQUESTED)
        ]
        approval.materials.filter(state=ApprovalMaterial.State.REQUESTED).update(
            state=ApprovalMaterial.State.PROVIDED, due=None
        )
        approval.status = S.ACCEPTED
        approval.paused_since = None
        _recompute_clock(approval, WorkingCalendar.load())
        approval.save()
        refresh_next_due([approval.project_id])
        emit(
            stream=project_stream(approval.project_id),
            event="approval.supplemented",
            actor=actor,
            at=now,
            data=_approval_data(approval, materials=supplied),
        )
    return approval


def approval_approve(
    *, actor: User, approval_id: int, conditions: str = "", now: datetime | None = None
) -> Approval:
    """Grant the approval, optionally with conditions: accepted -> approved."""
    now = _now(now)
    with transaction.atomic():
        approval = _locked_approval(actor, approval_id, "approve")
        _require_status(approval, "approve")
        approval.status = S.APPROVED
        approval.decided_on = _today(now)
        approval.conditions = (conditions or "").strip()
        approval.save()
        refresh_next_due([approval.project_id])
        decided = emit(
            stream=project_stream(approval.project_id),
            event="approval.approved",
            actor=actor,
            at=now,
            data=_approval_data(
                approval,
                conditions=approval.conditions,
                on_time=approval.due_date is None or approval.decided_on <= approval.due_date,
            ),
        )
        enqueue_after_commit(notify_approval_event, decided.pk)
    return approval


def approval_reject(
    *, actor: User, approval_id: int, reason: str, now: datetime | None = None
) -> Approval:
    """Refuse the approval, with the reason: received or accepted -> rejected."""
    now = _now(now)
    reason = (reason or "").strip()
    with transaction.atomic():
        approval = _locked_approval(actor, approval_id, "reject")
        _require_status(approval, "reject")
        if not reason:
            raise InvalidInput(_("A rejection needs a reason."), field="reason")
        approval.status = S.REJECTED
        approval.decided_on = _today(now)
        approval.reason = reason
        approval.save()
        refresh_next_due([approval.project_id])
        decided = emit(
            stream=project_stream(approval.project_id),
            event="approval.rejected",
            actor=actor,
            at=now,
            data=_approval_data(approval, reason=reason),
        )
        enqueue_after_commit(notify_approval_event, decided.pk)
    return approval


def approval_withdraw(
    *, actor: User, approval_id: int, reason: str, now: datetime | None = None
) -> Approval:
    """The enterprise (or staff) withdraws an open application."""
    now = _now(now)
    today = _today(now)
    reason = (reason or "").strip()
    with transaction.atomic():
        approval = _locked_approval(actor, approval_id, "withdraw")
        _require_status(approval, "withdraw")
        if not reason:
            raise InvalidInput(_("Say why the application is withdrawn."), field="reason")
        approval.pauses.filter(resumed_on__isnull=True).update(resumed_on=today)
        if approval.paused_since is not None:
            approval.paused_since = None
            _recompute_clock(approval, WorkingCalendar.load())
        approval.status = S.WITHDRAWN
        approval.decided_on = today
        approval.reason = reason
        approval.save()
        refresh_next_due([approval.project_id])
        emit(
            stream=project_stream(approval.project_id),
            event="approval.withdrawn",
            actor=actor,
            at=now,
            data=_approval_data(approval, reason=reason),
        )
    return approval


TRANSITIONS = {
    "receive": approval_receive,
    "accept": approval_accept,
    "request_supplement": approval_request_supplement,
    "supplement": approval_supplement,
    "approve": approval_approve,
    "reject": approval_reject,
    "withdraw": approval_withdraw,
}
TRANSITION_ARGUMENTS = {
    "receive": set(),
    "accept": {"missing_materials", "materials_due"},
    "request_supplement": {"reason", "missing_materials", "materials_due"},
    "supplement": set(),
    "approve": {"conditions"},
    "reject": {"reason"},
    "withdraw": {"reason"},
}


def approval_transition(
    *, actor: User, approval_id: int, action: str, now: datetime | None = None, **payload: Any
) -> Approval:
    """Dispatch a transition by name, as the API and the pages call it."""
    if action not in TRANSITIONS:
        raise InvalidInput(
            _("Unknown action %(action)s; one of: %(actions)s.")
            % {"action": action, "actions": ", ".join(TRANSITIONS)},
            field="action",
        )
    arguments = {
        name: value
        for name, value in payload.items()
        if name in TRANSITION_ARGUMENTS[action] and value is not None
    }
    if action == "request_supplement":
        arguments["materials"] = arguments.pop("missing_materials", ())
        arguments.setdefault("reason", "")
    if action in ("reject", "withdraw"):
        arguments.setdefault("reason", "")
    return TRANSITIONS[action](actor=actor, approval_id=approval_id, now=now, **arguments)


# --- projects -------------------------------------------------------------------------------


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


def project_register(
    *,
    actor: User,
    code: str,
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
    """Register a project (early entry) with its approvals; prerequisites come with them."""
    now = _now(now)
    if not perms.can_manage_project(actor):
        raise PermissionRefused(_("Only bureau staff and helpers register projects."))
    code, name = (code or "").strip(), (name or "").strip()
    if not code:
        raise InvalidInput(_("A project needs a code."), field="code")
    if not name:
        raise InvalidInput(_("A project needs a name."), field="name")
    if stage not in Project.Stage.values:
        raise InvalidInput(_("Unknown stage."), field="stage")
    with transaction.atomic():
        if Project.objects.filter(code=code).exists():
            raise InvalidInput(_("A project with this code exists already."), field="code")
        project = Project.objects.create(
            code=code,
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
                "stage": project.stage,
                "approvals": [a.item.code for a in approvals],
            },
        )
        _set_helpers(actor, project, lead_helper, helpers, now)
    return project


def _set_helpers(
    actor: User, project: Project, lead: User | None, others: Sequence[User], now: datetime
) -> None:
    from portal.roles import HELPER, STAFF, roles_of

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
            data={"project_id": project.pk, "code": project.code, "name": project.name},
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
    now = _now(now)
    perms.forget_cached_permissions(actor)
    with transaction.atomic():
        project = Project.objects.select_for_update().filter(pk=project_id).first()
        if project is None or not perms.can_view_project(actor, project):
            raise NotVisible(_("Project not found."))
        if not perms.can_manage_project(actor, project):
            raise PermissionRefused(_("Only bureau staff and the project's helpers do this."))
        _set_helpers(actor, project, lead_helper, helpers, now)
    return project


# --- the working-day calendar ---------------------------------------------------------------


def _recompute_running_clocks(actor: User | None, now: datetime, reason: str) -> int:
    """After a calendar change: move the due dates it moves, one event per approval moved."""
    calendar = WorkingCalendar.load()
    moved = 0
    running = (
        Approval.objects.select_for_update(of=("self",))
        .select_related("item", "department")
        .filter(accepted_on__isnull=False, decided_on__isnull=True)
    )
    for approval in running:
        before = (approval.due_date, approval.statutory_due_date)
        if _recompute_clock(approval, calendar):
            approval.save(update_fields=["due_date", "statutory_due_date", "paused_working_days"])
            moved += 1
            emit(
                stream=project_stream(approval.project_id),
                event="approval.due_date_changed",
                actor=actor,
                at=now,
                data=_approval_data(
                    approval,
                    previous_due_date=before[0],
                    previous_statutory_due_date=before[1],
                    reason=reason,
                ),
            )
    return moved


def working_day_set(
    *, actor: User, day: date, is_working: bool, name: str = "", now: datetime | None = None
) -> int:
    """Staff correct the calendar for one date; running clocks follow. Returns approvals moved."""
    now = _now(now)
    if not perms.is_staff(actor):
        raise PermissionRefused(_("Only bureau staff change the working-day calendar."))
    with transaction.atomic():
        default = day.weekday() < 5
        if is_working == default and not name:
            WorkingDay.objects.filter(date=day).delete()
        else:
            WorkingDay.objects.update_or_create(
                date=day, defaults={"is_working": is_working, "name": name, "source": "staff"}
            )
        return _recompute_running_clocks(
            actor, now, _("calendar change on %(day)s") % {"day": day.isoformat()}
        )


def calendar_entries_from_library(years: Iterable[int]) -> list[WorkingDay]:
    """China's holidays and make-up working days as the `holidays` library knows them."""
    import holidays

    years = sorted(set(years))
    calendar = holidays.China(years=years, language="zh_CN")
    entries = {
        day: WorkingDay(date=day, is_working=False, name=str(label)[:100], source="holidays")
        for day, label in calendar.items()
        if day.year in years
    }
    for day in calendar.weekend_workdays:
        if day.year in years:
            entries[day] = WorkingDay(date=day, is_working=True, name="调休上班", source="holidays")
    return sorted(entries.values(), key=lambda e: e.date)


def working_days_import(
    *, actor: User | None, years: Iterable[int], now: datetime | None = None
) -> int:
    """Add a year's schedule from the library; dates staff already set are kept as they are."""
    now = _now(now)
    if actor is not None and not perms.is_staff(actor):
        raise PermissionRefused(_("Only bureau staff change the working-day calendar."))
    with transaction.atomic():
        existing = set(WorkingDay.objects.values_list("date", flat=True))
        new = [e for e in calendar_entries_from_library(years) if e.date not in existing]
        WorkingDay.objects.bulk_create(new)
        if new:
            _recompute_running_clocks(actor, now, _("calendar import"))
    return len(new)


# --- materials: uploads, versions, pre-review -----------------------------------------------


def _store_file(actor: User, project: Project, upload, *, internal: bool, now: datetime):
    """Check and store an upload. Call last in a service: a later error leaves no file behind."""
    from .files import check_upload
    from .models import StoredFile

    checked = check_upload(upload)
    stored = StoredFile(
        project=project,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        internal=internal,
        uploaded_by=actor,
        uploaded_at=now,
    )
    stored.file.save(checked.name, upload, save=False)
    try:
        stored.save()
    except Exception:
        stored.file.storage.delete(stored.file.name)
        raise
    return stored


def material_upload(*, actor: User, material_id: int, upload, now: datetime | None = None) -> Any:
    """The enterprise (or a helper for it) uploads a new version of one material.

    Before the application is received it is a draft for online pre-review.
    """
    from .models import MaterialVersion

    now = _now(now)
    perms.forget_cached_permissions(actor)
    with transaction.atomic():
        material = (
            ApprovalMaterial.objects.select_for_update(of=("self",))
            .select_related("approval__project", "approval__item", "approval__department")
            .filter(pk=material_id)
            .first()
        )
        if material is None or not perms.can_view_project(actor, material.approval.project):
            raise NotVisible(_("Material not found."))
        approval = material.approval
        if not perms.can_upload_materials(actor, approval.project):
            raise PermissionRefused(
                _("Only the project unit, or a helper on its behalf, uploads materials.")
            )
        # A material accepted as missing may still be supplied after the decision (先取证再补交).
        if not approval.is_open and material.state != ApprovalMaterial.State.MISSING:
            raise TransitionRefused(
                _("This approval is %(status)s: its materials can no longer change.")
                % {"status": approval.get_status_display()},
                code="approval_closed",
            )
        number = (
            material.versions.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
        stored = _store_file(actor, approval.project, upload, internal=False, now=now)
        version = MaterialVersion.objects.create(
            material=material,
            number=number,
            stored=stored,
            draft=approval.status == S.PENDING,
        )
        emit(
            stream=project_stream(approval.project_id),
            event="material.uploaded",
            actor=actor,
            at=now,
            data=_approval_data(
                approval,
                material={"id": material.pk, **_names(material)},
                version=number,
                draft=version.draft,
                file={"id": stored.pk, "name": stored.original_name, "size": stored.size},
            ),
        )
    return version


def material_review(
    *,
    actor: User,
    version_id: int,
    verdict: str,
    note: str = "",
    now: datetime | None = None,
) -> Any:
    """The officer marks one version accepted or "needs correction" (with a note).

    Accepting the version of a material that was to be supplied later completes it.
    """
    from .models import MaterialVersion

    now = _now(now)
    note = (note or "").strip()
    perms.forget_cached_permissions(actor)
    with transaction.atomic():
        version = (
            MaterialVersion.objects.select_for_update(of=("self",))
            .select_related(
                "material__approval__project",
                "material__approval__item",
                "material__approval__department",
                "stored",
            )
            .filter(pk=version_id)
            .first()
        )
        if version is None or not perms.can_view_project(actor, version.material.approval.project):
            raise NotVisible(_("Version not found."))
        material = version.material
        approval = material.approval
        if not perms.can_transition(actor, approval, "accept"):
            raise PermissionRefused(_("Only an officer of the department reviews materials."))
        if verdict not in (
            MaterialVersion.Review.ACCEPTED,
            MaterialVersion.Review.NEEDS_CORRECTION,
        ):
            raise InvalidInput(_("Choose accepted or needs correction."), field="verdict")
        if verdict == MaterialVersion.Review.NEEDS_CORRECTION and not note:
            raise InvalidInput(_("Say what must be corrected."), field="note")
        latest = material.versions.order_by("-number").values_list("pk", flat=True).first()
        if latest != version.pk:
            raise TransitionRefused(
                _("A newer version of this material was uploaded; review that one."),
                code="not_latest_version",
            )
        version.review = verdict
        version.review_note = note
        version.reviewed_by = actor
        version.reviewed_at = now
        version.save()
        completed = False
        if (
            verdict == MaterialVersion.Review.ACCEPTED
            and material.state == ApprovalMaterial.State.MISSING
        ):
            material.state = ApprovalMaterial.State.PROVIDED
            material.due = None
            material.save(update_fields=["state", "due"])
            completed = True
            if not approval.materials.filter(state=ApprovalMaterial.State.MISSING).exists():
                approval.materials_due = None
                approval.save(update_fields=["materials_due"])
        emit(
            stream=project_stream(approval.project_id),
            event="material.reviewed",
            actor=actor,
            at=now,
            data=_approval_data(
                approval,
                material={"id": material.pk, **_names(material)},
                version=version.number,
                verdict=verdict,
                note=note,
                draft=version.draft,
                material_completed=completed,
            ),
        )
    return version


# --- comments -------------------------------------------------------------------------------


def comment_add(
    *,
    actor: User,
    project_id: int,
    body: str,
    approval_id: int | None = None,
    internal: bool = False,
    attachment=None,
    now: datetime | None = None,
) -> Any:
    """A comment on the project or one approval; internal ones go to the internal stream."""
    from .models import Comment

    now = _now(now)
    body = (body or "").strip()
    if not body:
        raise InvalidInput(_("Write something before sending."), field="body")
    if len(body) > 5000:
        raise InvalidInput(_("A comment may be at most 5,000 characters."), field="body")
    perms.forget_cached_permissions(actor)
    with transaction.atomic():
        project = Project.objects.filter(pk=project_id).first()
        if project is None or not perms.can_view_project(actor, project):
            raise NotVisible(_("Project not found."))
        if internal and not perms.can_view_internal(actor, project):
            raise PermissionRefused(_("You may not write internal comments."))
        approval = None
        if approval_id is not None:
            approval = project.approvals.select_related("item").filter(pk=approval_id).first()
            if approval is None:
                raise InvalidInput(
                    _("That approval is not part of this project."), field="approval"
                )
        stored = None
        if attachment is not None:
            stored = _store_file(actor, project, attachment, internal=internal, now=now)
        comment = Comment.objects.create(
            project=project,
            approval=approval,
            author=actor,
            body=body,
            internal=internal,
            attachment=stored,
            created_at=now,
        )
        emit(
            stream=(project_internal_stream if internal else project_stream)(project.pk),
            event="comment.added",
            actor=actor,
            at=now,
            data={
                "comment_id": comment.pk,
                "body": body,
                "approval_id": approval.pk if approval else None,
                "item": {"code": approval.item.code, **_names(approval.item)} if approval else None,
                "file": {"id": stored.pk, "name": stored.original_name} if stored else None,
            },
        )
    return comment


# --- deadlines ------------------------------------------------------------------------------

ALERT_ORDER = {"": 0, "due_soon": 1, "overdue": 2}


def deadline_sweep(*, today: date | None = None, now: datetime | None = None) -> int:
    """Nightly: approvals that turned due soon or overdue get one event and one alert each."""
    from .clock import read_clock

    now = _now(now)
    today = today or _today(now)
    calendar = WorkingCalendar.load()
    alerted = 0
    candidates = Approval.objects.filter(status=S.ACCEPTED, due_date__isnull=False).values_list(
        "pk", flat=True
    )
    for approval_id in candidates.iterator():
        with transaction.atomic():
            approval = (
                Approval.objects.select_for_update(of=("self",))
                .select_related("item", "department")
                .get(pk=approval_id)
            )
            if approval.status != S.ACCEPTED:
                continue
            colour = read_clock(calendar, approval, today).colour
            if colour not in ("due_soon", "overdue"):
                continue
            if ALERT_ORDER[colour] <= ALERT_ORDER.get(approval.alerted, 0):
                continue
            approval.alerted = colour
            approval.save(update_fields=["alerted"])
            emit(
                stream=project_stream(approval.project_id),
                event=f"approval.{colour}",
                actor=None,
                at=now,
                data=_approval_data(approval),
            )
            enqueue_after_commit(notify_deadline, approval.pk, colour)
            alerted += 1
    return alerted


# --- accounts -------------------------------------------------------------------------------


def enterprise_user_invite(
    *,
    actor: User,
    enterprise_id: int,
    email: str,
    name: str,
    username: str | None = None,
    language: str = "zh-hans",
    now: datetime | None = None,
) -> User:
    """Create an enterprise user and email them a link to set their password (it expires)."""
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from portal.roles import ROLE_GROUPS

    from .notifications import send_invitation

    now = _now(now)
    email = (email or "").strip().lower()
    name = (name or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(_("Enter a valid email address."), field="email") from None
    if not name:
        raise InvalidInput(_("Enter the person's name."), field="name")
    if language not in dict(settings.LANGUAGES):
        raise InvalidInput(_("Unknown language."), field="language")
    username = (username or email).strip()
    perms.forget_cached_permissions(actor)
    with transaction.atomic():
        enterprise = Enterprise.objects.select_for_update().filter(pk=enterprise_id).first()
        if enterprise is None:
            raise NotVisible(_("Enterprise not found."))
        if not perms.can_invite_for(actor, enterprise.pk):
            raise PermissionRefused(
                _("Only bureau staff and the enterprise's helpers invite its users.")
            )
        if (
            User.objects.filter(username__iexact=username).exists()
            or User.objects.filter(email__iexact=email).exists()
        ):
            raise InvalidInput(
                _("Someone with this email or username has an account already."), field="email"
            )
        user = User(username=username, email=email, name=name, language=language)
        user.set_unusable_password()
        user.save()
        group_name = next(g for g, role in ROLE_GROUPS.items() if role == "enterprise")
        user.groups.add(Group.objects.get_or_create(name=group_name)[0])
        enterprise.users.add(user)
        for project_id in enterprise.projects.values_list("pk", flat=True):
            emit(
                stream=project_internal_stream(project_id),
                event="enterprise.user_invited",
                actor=actor,
                at=now,
                data={"username": user.username, "name": name, "enterprise": enterprise.name},
            )
        enqueue_after_commit(send_invitation, user.pk, actor.pk)
    return user


def user_deactivate(
    *, actor: User, user_id: int, successor: User | None = None, now: datetime | None = None
) -> User:
    """Staff deactivate an account; a lead helper's projects go to the chosen successor."""
    from portal.realtime import send_to_groups_on_commit, user_group
    from portal.roles import HELPER, STAFF, roles_of

    now = _now(now)
    if not perms.is_staff(actor):
        raise PermissionRefused(_("Only bureau staff deactivate accounts."))
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None:
            raise NotVisible(_("User not found."))
        if user.pk == actor.pk:
            raise TransitionRefused(_("You cannot deactivate your own account."), code="self")
        if not user.is_active:
            raise TransitionRefused(_("This account is already inactive."), code="inactive")
        led = list(Project.objects.select_for_update().filter(lead_helper=user))
        if led:
            if successor is None:
                raise InvalidInput(
                    ngettext(
                        "%(name)s leads %(count)d project: choose who takes it over.",
                        "%(name)s leads %(count)d projects: choose who takes them over.",
                        len(led),
                    )
                    % {"name": user.get_full_name(), "count": len(led)},
                    field="successor",
                )
            if (
                successor.pk == user.pk
                or not successor.is_active
                or not ({HELPER, STAFF} & roles_of(successor))
            ):
                raise InvalidInput(
                    _("The successor must be another active helper."), field="successor"
                )
        for project in led:
            others = [u for u in project.helpers.all() if u.pk not in (user.pk, successor.pk)]
            _set_helpers(actor, project, successor, others, now)
        for project in Project.objects.select_for_update().filter(helpers=user):
            others = [u for u in project.helpers.all() if u.pk != user.pk]
            _set_helpers(actor, project, project.lead_helper, others, now)
        user.is_active = False
        user.save(update_fields=["is_active"])
        emit(
            stream=user_stream(user.pk),
            event="account.deactivated",
            actor=actor,
            at=now,
            data={
                "handed_over_to": successor.username if (led and successor) else None,
                "projects": [p.code for p in led],
            },
        )
        # Close the person's open sockets on every process.
        send_to_groups_on_commit([user_group(user.pk)], {"type": "session.ended", "session": None})
    return user


def project_items_add(
    *, actor: User, project_id: int, items: Sequence[ApprovalItem], now: datetime | None = None
) -> list[Approval]:
    """Add approvals from the catalogue (with their prerequisites) to a registered project."""
    now = _now(now)
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
    now = _now(now)
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
        if (
            approval.status != S.PENDING
            or approval.materials.filter(versions__isnull=False).exists()
        ):
            raise TransitionRefused(
                _("Only a pending approval with no files yet can be removed; withdraw it instead."),
                code="not_removable",
            )
        needed_by = Approval.objects.filter(
            project_id=approval.project_id, item__prerequisites=approval.item
        ).select_related("item")
        if needed_by:
            raise TransitionRefused(
                _("%(names)s need this approval first.")
                % {"names": "、".join(f"{a.item.code} {a.item.label}" for a in needed_by)},
                code="needed_by_others",
            )
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
    now = _now(now)
    unknown = set(changes) - set(PROJECT_FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    if "stage" in changes and changes["stage"] not in Project.Stage.values:
        raise InvalidInput(_("Unknown stage."), field="stage")
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
