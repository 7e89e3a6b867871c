"""The approval transitions (see `projects.transitions` for the table they follow)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from portal.dates import check_date
from portal.errors import InvalidInput, NotVisible, PermissionRefused, TransitionRefused
from portal.models import User

from .. import permissions as perms
from ..checklist import unreviewed_versions
from ..clock import WorkingCalendar
from ..models import Approval, ApprovalMaterial, ApprovalPause
from ..transitions import TRANSITIONS
from ._common import approval_changed, names, now_or, recompute_clock, today_of

S = Approval.Status


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
            % {"action": TRANSITIONS[action].verb}
        )
    return approval


def _require_status(approval: Approval, action: str) -> None:
    allowed = TRANSITIONS[action].from_states
    if approval.status not in allowed:
        raise TransitionRefused(
            _("Cannot %(action)s an approval that is %(status)s; it must be %(allowed)s.")
            % {
                "action": TRANSITIONS[action].verb,
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


def approval_receive(*, actor: User, approval_id: int, now: datetime | None = None) -> Approval:
    """The single window receives the application: pending -> received."""
    now = now_or(now)
    with transaction.atomic():
        approval = _locked_approval(actor, approval_id, "receive")
        _require_status(approval, "receive")
        approval.status = S.RECEIVED
        approval.received_at = now
        approval_changed(approval, actor=actor, event="approval.received", at=now)
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
    now = now_or(now)
    today = today_of(now)
    with transaction.atomic():
        approval = _locked_approval(actor, approval_id, "accept")
        _require_status(approval, "accept")
        missing = _materials_named(approval, missing_materials, "missing_materials")
        key_missing = [m for m in missing if m.key]
        if key_missing:
            raise TransitionRefused(
                _("Key materials are missing, the file cannot be accepted: %(names)s.")
                % {"names": pgettext("list separator", ", ").join(m.label for m in key_missing)},
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
        check_date(materials_due, "materials_due", today)
        blocking = perms.blocking_prerequisites(approval)
        if blocking:
            raise TransitionRefused(
                _("Prerequisites are not approved yet: %(names)s.")
                % {
                    "names": pgettext("list separator", ", ").join(
                        f"{i.code} {i.label}" for i in blocking
                    )
                },
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
        recompute_clock(approval, WorkingCalendar.load())
        approval_changed(
            approval,
            actor=actor,
            event="approval.accepted",
            at=now,
            data={
                "missing_materials": [names(m) for m in missing],
                "materials_due": approval.materials_due,
            },
        )
    return approval


def approval_request_supplement(
    *,
    actor: User,
    approval_id: int,
    reason: str = "",
    missing_materials: Sequence[Any] = (),
    materials_due: date | None = None,
    now: datetime | None = None,
) -> Approval:
    """Ask the enterprise for corrections (补正) and stop the clock: accepted -> requested."""
    now = now_or(now)
    today = today_of(now)
    reason = (reason or "").strip()
    with transaction.atomic():
        approval = _locked_approval(actor, approval_id, "request_supplement")
        _require_status(approval, "request_supplement")
        if not reason:
            raise InvalidInput(_("Say what must be supplemented and why."), field="reason")
        requested = _materials_named(approval, missing_materials, "missing_materials")
        if not requested:
            raise InvalidInput(
                _("Name at least one material to supplement."), field="missing_materials"
            )
        if materials_due is not None and materials_due <= today:
            raise InvalidInput(_("The date to supply must be after today."), field="materials_due")
        check_date(materials_due, "materials_due", today)
        for material in requested:
            material.state = ApprovalMaterial.State.REQUESTED
            material.due = materials_due
            material.save(update_fields=["state", "due"])
        ApprovalPause.objects.create(approval=approval, requested_on=today)
        approval.status = S.SUPPLEMENT_REQUESTED
        approval.paused_since = today
        approval.reason = reason
        recompute_clock(approval, WorkingCalendar.load())
        approval_changed(
            approval,
            actor=actor,
            event="approval.supplement_requested",
            at=now,
            data={
                "reason": reason,
                "materials": [names(m) for m in requested],
                "materials_due": materials_due,
            },
        )
    return approval


def approval_supplement(*, actor: User, approval_id: int, now: datetime | None = None) -> Approval:
    """The enterprise answers the supplement request; the clock restarts."""
    now = now_or(now)
    today = today_of(now)
    with transaction.atomic():
        approval = _locked_approval(actor, approval_id, "supplement")
        _require_status(approval, "supplement")
        approval.pauses.filter(resumed_on__isnull=True).update(resumed_on=today)
        supplied = [
            names(m) for m in approval.materials.filter(state=ApprovalMaterial.State.REQUESTED)
        ]
        approval.materials.filter(state=ApprovalMaterial.State.REQUESTED).update(
            state=ApprovalMaterial.State.PROVIDED, due=None
        )
        approval.status = S.ACCEPTED
        approval.paused_since = None
        recompute_clock(approval, WorkingCalendar.load())
        approval_changed(
            approval,
            actor=actor,
            event="approval.supplemented",
            at=now,
            data={"materials": supplied},
        )
    return approval


def _decision_number(value: str | None) -> str:
    """The decision document's number (文号) as printed: one line, bounded."""
    number = " ".join((value or "").split())
    if len(number) > 60:
        raise InvalidInput(
            _("A decision document number has at most 60 characters."), field="decision_number"
        )
    return number


def approval_approve(
    *,
    actor: User,
    approval_id: int,
    conditions: str = "",
    decision_number: str = "",
    on_paper: bool = False,
    now: datetime | None = None,
) -> Approval:
    """Grant the approval, optionally with conditions: accepted -> approved.

    Files sent for it that nobody reviewed are either reviewed first or the officer confirms
    deciding on the paper file (`on_paper`), which the event records."""
    now = now_or(now)
    with transaction.atomic():
        approval = _locked_approval(actor, approval_id, "approve")
        _require_status(approval, "approve")
        number = _decision_number(decision_number)
        prefetch_related_objects([approval], "materials__versions")
        waiting = unreviewed_versions(approval)
        if waiting and not on_paper:
            raise TransitionRefused(
                _(
                    "Files sent for this approval wait for review: %(names)s. Review them "
                    "first, or confirm that you decide on the paper file."
                )
                % {
                    "names": pgettext("list separator", ", ").join(
                        f"{v.material.label} v{v.number}" for v in waiting
                    )
                },
                code="unreviewed_versions",
            )
        approval.status = S.APPROVED
        approval.decided_on = today_of(now)
        approval.conditions = (conditions or "").strip()
        approval.decision_number = number
        data = {
            "conditions": approval.conditions,
            "decision_number": number,
            "on_time": approval.due_date is None or approval.decided_on <= approval.due_date,
        }
        if waiting:
            data["decided_on_paper"] = [f"{v.material.label} v{v.number}" for v in waiting]
        approval_changed(approval, actor=actor, event="approval.approved", at=now, data=data)
    return approval


def approval_reject(
    *,
    actor: User,
    approval_id: int,
    reason: str = "",
    decision_number: str = "",
    now: datetime | None = None,
) -> Approval:
    """Refuse the approval, with the reason: received or accepted -> rejected."""
    now = now_or(now)
    reason = (reason or "").strip()
    with transaction.atomic():
        approval = _locked_approval(actor, approval_id, "reject")
        _require_status(approval, "reject")
        if not reason:
            raise InvalidInput(_("A rejection needs a reason."), field="reason")
        number = _decision_number(decision_number)
        approval.status = S.REJECTED
        approval.decided_on = today_of(now)
        approval.reason = reason
        approval.decision_number = number
        approval_changed(
            approval,
            actor=actor,
            event="approval.rejected",
            at=now,
            data={"reason": reason, "decision_number": number},
        )
    return approval


def approval_withdraw(
    *, actor: User, approval_id: int, reason: str = "", now: datetime | None = None
) -> Approval:
    """The enterprise (or staff) withdraws an open application."""
    now = now_or(now)
    today = today_of(now)
    reason = (reason or "").strip()
    with transaction.atomic():
        approval = _locked_approval(actor, approval_id, "withdraw")
        _require_status(approval, "withdraw")
        if not reason:
            raise InvalidInput(_("Say why the application is withdrawn."), field="reason")
        approval.pauses.filter(resumed_on__isnull=True).update(resumed_on=today)
        if approval.paused_since is not None:
            approval.paused_since = None
            recompute_clock(approval, WorkingCalendar.load())
        approval.status = S.WITHDRAWN
        approval.decided_on = today
        approval.reason = reason
        approval_changed(
            approval,
            actor=actor,
            event="approval.withdrawn",
            at=now,
            data={"reason": reason},
        )
    return approval


def approval_transition(
    *, actor: User, approval_id: int, action: str, now: datetime | None = None, **arguments: Any
) -> Approval:
    """Take an action by name, as the API and the pages do: the table says which arguments it
    takes; an argument it does not take is refused, never silently dropped."""
    spec = TRANSITIONS.get(action)
    if spec is None:
        raise InvalidInput(
            _("Unknown action %(action)s; one of: %(actions)s.")
            % {"action": action, "actions": ", ".join(TRANSITIONS)},
            field="action",
        )
    given = {name: value for name, value in arguments.items() if value is not None}
    unexpected = sorted(set(given) - spec.argument_names)
    if unexpected:
        raise InvalidInput(
            _("%(action)s takes no %(names)s.")
            % {"action": spec.legend, "names": ", ".join(unexpected)},
            field=unexpected[0],
        )
    service = SERVICES[action]
    return service(actor=actor, approval_id=approval_id, now=now, **given)


# One service function per row of the transition table.
SERVICES = {
    "receive": approval_receive,
    "accept": approval_accept,
    "request_supplement": approval_request_supplement,
    "supplement": approval_supplement,
    "approve": approval_approve,
    "reject": approval_reject,
    "withdraw": approval_withdraw,
}
assert set(SERVICES) == set(TRANSITIONS), "each transition needs its service function"
