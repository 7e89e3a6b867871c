"""Every state change of a service case (see `supervision.transitions` for the table).

Each service runs in one transaction, locks the case, checks who may do it and from which
state (a domain error says why otherwise), changes it and writes its events in the same
transaction: the step on the case's stream and a line on its project's internal timeline.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import InvalidInput, NotVisible, PermissionRefused, TransitionRefused
from portal.events import emit
from portal.models import StreamHead, User
from portal.roles import HELPER, is_bureau_staff, roles_of
from projects import permissions as project_perms
from projects.clock import WorkingCalendar
from projects.files import check_upload
from projects.models import Approval, Department, Enterprise, Project
from projects.streams import project_internal_stream

from . import permissions as perms
from . import transitions as t
from .case_events import INTERNAL_STEPS, STEP_EVENTS, case_internal_stream, case_stream
from .models import Case, CaseAttachment, CaseReply

S = Case.State
MAX_FILES = 5
LIMIT_KEYS = {
    "dispatch": "dispatch_limit_days",
    "sign": "sign_limit_days",
    "answer": "answer_limit_days",
    "auto_close": "auto_close_days",
}
MAX_LIMIT_DAYS = 60
# Which limit runs in each state.
STAGE_LIMIT = {
    S.OPENED: "dispatch_limit_days",
    S.DISPATCHED: "sign_limit_days",
    S.SIGNED: "answer_limit_days",
    S.ANSWERED: "auto_close_days",
}
# An alphabet without look-alikes (0/O, 1/I/L), read out on the phone.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10


# --- Small parts ----------------------------------------------------------------------------


def _moment(now: datetime | None, today: date | None) -> tuple[datetime, date]:
    now = now or timezone.now()
    return now, today or timezone.localdate(now)


def _names(obj) -> dict[str, Any]:
    return {"id": obj.pk, "name": obj.name, "name_en": getattr(obj, "name_en", "") or obj.name}


def _person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.username}


def tracking_digest(number: str, code: str) -> str:
    """The stored digest of a tracking code (keyed, so a leaked table gives no codes)."""
    message = f"{number.strip().upper()}:{code.strip().upper()}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def tracking_matches(case: Case | None, number: str, code: str) -> bool:
    """Constant time, and as slow for a case that does not exist as for a wrong code."""
    expected = case.tracking_code_hash if case is not None else "0" * 64
    given = tracking_digest(number, code)
    return hmac.compare_digest(expected or "0" * 64, given) and case is not None


def _new_tracking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _next_number(kind: str, year: int) -> str:
    """DB-2026-0001: the next number of the kind in the year, from a locked counter row (the
    stream head pattern), so two writers queue and a rolled-back case leaves no gap."""
    prefix = Case.PREFIXES[Case.Kind(kind)]
    name = f"case-number:{prefix}-{year}"
    head = StreamHead.objects.select_for_update().filter(stream=name).first()
    if head is None:
        try:
            with transaction.atomic():
                StreamHead.objects.create(stream=name, last_seq=0)
        except IntegrityError:
            pass  # another writer created it first; lock theirs
        head = StreamHead.objects.select_for_update().get(stream=name)
    head.last_seq += 1
    head.save(update_fields=["last_seq"])
    return f"{prefix}-{year}-{head.last_seq:04d}"


def number_counter_reset(prefixes: Iterable[str] | None = None) -> None:
    """Set each counter back to the highest number still in use (after the demo's cases are
    deleted, the next seed numbers them the same again)."""
    heads = StreamHead.objects.filter(stream__startswith="case-number:")
    for head in heads:
        key = head.stream.removeprefix("case-number:")
        prefix = key.split("-")[0]
        if prefixes is not None and prefix not in prefixes:
            continue
        numbers = Case.objects.filter(number__startswith=f"{key}-").values_list("number", flat=True)
        highest = max((int(n.rsplit("-", 1)[1]) for n in numbers), default=0)
        if highest == 0:
            head.delete()
        elif head.last_seq != highest:
            head.last_seq = highest
            head.save(update_fields=["last_seq"])


def _start_stage(case: Case, today: date, calendar: WorkingCalendar) -> None:
    """The clock of the state the case is in starts today (none once closed)."""
    field = STAGE_LIMIT.get(case.state)
    case.waiting_since = None
    if field is None:
        case.stage_started_on = case.stage_due = None
        return
    case.stage_started_on = today
    case.stage_due = calendar.nth_after(today, max(1, getattr(case, field)))


def case_data(case: Case, step: str, **extra: Any) -> dict[str, Any]:
    """What each event of a case records: enough for its sentence in both languages."""
    data = {
        "case_id": case.pk,
        "number": case.number,
        "kind": case.kind,
        "title": case.title,
        "state": case.state,
        "step": step,
        "department": _names(case.department) if case.department_id else None,
        "assignee": _person(case.assignee) if case.assignee_id else None,
        "due": case.stage_due,
        "level": case.escalation_level,
    }
    if case.project_id:
        data["project_id"] = case.project_id
    data.update(extra)
    return data


def _step(case: Case, step: str, *, actor: User | None, now: datetime, **extra: Any):
    """Write the step on the case's stream and a line on its project's internal timeline."""
    data = case_data(case, step, **extra)
    stream = case_internal_stream(case.pk) if step in INTERNAL_STEPS else case_stream(case.pk)
    row = emit(stream=stream, event=STEP_EVENTS[step], actor=actor, data=data, at=now)
    if case.project_id:
        line = {key: value for key, value in data.items() if key not in ("body", "answer")}
        emit(
            stream=project_internal_stream(case.project_id),
            event="project.case_step",
            actor=actor,
            data=line,
            at=now,
        )
    return row


def _text(value: Any, field: str, *, required: bool, label: str, max_length: int = 4000) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else None
    if value is None:
        raise InvalidInput(_("%(label)s must be text.") % {"label": label}, field=field)
    if required and not value:
        raise InvalidInput(_("%(label)s is required.") % {"label": label}, field=field)
    if len(value) > max_length:
        raise InvalidInput(
            _("%(label)s may be at most %(count)d characters.")
            % {"label": label, "count": max_length},
            field=field,
        )
    return value


def _department(value: Any) -> Department | None:
    if value is None or value == "":
        return None
    if isinstance(value, Department):
        return value
    try:
        pk = int(value)
    except (TypeError, ValueError):
        pk = None
    department = Department.objects.filter(pk=pk).first() if pk else None
    if department is None:
        raise InvalidInput(_("Choose a department from the list."), field="department")
    return department


def _assignee(value: Any, department: Department | None) -> User | None:
    if value is None or value == "":
        return None
    if isinstance(value, User):
        person = value
    else:
        try:
            pk = int(value)
        except (TypeError, ValueError):
            pk = None
        person = User.objects.filter(pk=pk).first() if pk else None
    if person is None or not person.is_active:
        raise InvalidInput(_("Choose a person from the list."), field="assignee")
    if department is None:
        raise InvalidInput(_("Choose the department first."), field="department")
    if not department.officers.filter(pk=person.pk).exists():
        raise InvalidInput(
            _("%(person)s is not an officer of %(department)s.")
            % {"person": person.get_full_name() or person.username, "department": department},
            field="assignee",
        )
    return person


def _limits(limits: Mapping[str, Any] | None) -> dict[str, int]:
    chosen = {}
    for key, value in (limits or {}).items():
        field = LIMIT_KEYS.get(key)
        if field is None:
            raise InvalidInput(_("Unknown limit: %(name)s.") % {"name": key}, field="limits")
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 60:
            raise InvalidInput(
                _("A limit is a whole number of working days from 1 to %(max)d.")
                % {"max": MAX_LIMIT_DAYS},
                field="limits",
            )
        chosen[field] = value
    return chosen


def _default_opener(actor: User | None) -> str:
    if actor is None:
        return Case.Opener.SYSTEM
    if is_bureau_staff(actor):
        return Case.Opener.STAFF
    if HELPER in roles_of(actor):
        return Case.Opener.HELPER
    return Case.Opener.ENTERPRISE


# --- Opening --------------------------------------------------------------------------------


def case_open(
    *,
    actor: User | None,
    kind: str,
    title: str,
    body: str = "",
    project: Project | None = None,
    approval: Approval | None = None,
    subject_type: str = "",
    subject_id: int | None = None,
    opener_kind: str | None = None,
    department: Department | int | None = None,
    assignee: User | int | None = None,
    caller_name: str = "",
    caller_phone: str = "",
    limits: Mapping[str, int] | None = None,
    dedupe_key: str | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> tuple[Case, str | None]:
    """Open a case: (case, tracking code or None). The code is given once, to an enterprise
    or a caller. `actor` None is the system. With `dedupe_key`, a second call returns the case
    the first one opened (and None) and writes nothing. Given a department it is dispatched
    at once."""
    now, today = _moment(now, today)
    if actor is not None:
        perms.forget_cached(actor)
    if kind not in Case.Kind.values:
        raise InvalidInput(_("Unknown kind of case: %(kind)s.") % {"kind": kind}, field="kind")
    title = _text(title, "title", required=True, label=_("The subject line"), max_length=200)
    body = _text(body, "body", required=False, label=_("The description"))
    caller_name = _text(
        caller_name, "caller_name", required=False, label=_("The name"), max_length=100
    )
    caller_phone = _text(
        caller_phone, "caller_phone", required=False, label=_("The phone number"), max_length=30
    )
    opener_kind = opener_kind or _default_opener(actor)
    if opener_kind not in Case.Opener.values:
        raise InvalidInput(_("Unknown opener."), field="opener_kind")
    if approval is not None:
        if project is not None and project.pk != approval.project_id:
            raise InvalidInput(_("The approval is not one of this project's."), field="approval")
        project = approval.project
    chosen_limits = _limits(limits)

    if actor is not None:
        if project is not None and not project_perms.can_view_project(actor, project):
            raise NotVisible(_("Project not found."))
        if opener_kind == Case.Opener.SYSTEM:
            raise PermissionRefused(_("Only the system opens a case as the system."))
        if opener_kind == Case.Opener.PHONE:
            if not is_bureau_staff(actor):
                raise PermissionRefused(_("Only bureau staff record hotline calls."))
            if not caller_name and not caller_phone:
                raise InvalidInput(
                    _("Give the caller's name or phone number."), field="caller_phone"
                )
        elif opener_kind != _default_opener(actor) and not is_bureau_staff(actor):
            raise PermissionRefused(_("You may not open a case on someone else's behalf."))
        elif not perms.can_open_case(actor, kind, project):
            raise PermissionRefused(_("You may not open a case of this kind here."))
        if opener_kind == Case.Opener.ENTERPRISE and (department or assignee):
            raise PermissionRefused(_("The bureau assigns the case to a department."))

    department = _department(department)
    assignee = _assignee(assignee, department)

    enterprise = None
    if opener_kind == Case.Opener.ENTERPRISE:
        if project is not None:
            enterprise = project.enterprise
        elif actor is not None:
            enterprise = Enterprise.objects.filter(users=actor).order_by("pk").first()
    elif kind == Case.Kind.RATING and project is not None:
        # The rater's enterprise follows its rectification and reads the answer.
        enterprise = project.enterprise

    with transaction.atomic():
        number = _next_number(kind, today.year)
        if dedupe_key:
            # Looked for under the counter's lock: a second writer with the key waits and
            # finds the first one's case.
            existing = Case.objects.filter(dedupe_key=dedupe_key).first()
            if existing is not None:
                transaction.set_rollback(True)
                return existing, None
        case = Case(
            number=number,
            kind=kind,
            state=S.DISPATCHED if department else S.OPENED,
            title=title,
            body=body,
            project=project,
            approval=approval,
            subject_type=subject_type or "",
            subject_id=subject_id,
            opener_kind=opener_kind,
            opened_by=actor,
            enterprise=enterprise,
            caller_name=caller_name,
            caller_phone=caller_phone,
            department=department,
            assignee=assignee,
            opened_at=now,
            dedupe_key=dedupe_key or None,
            **chosen_limits,
        )
        code = None
        if opener_kind in (Case.Opener.ENTERPRISE, Case.Opener.PHONE):
            code = _new_tracking_code()
            case.tracking_code_hash = tracking_digest(number, code)
        _start_stage(case, today, WorkingCalendar.load())
        case.save()
        _step(case, "opened", actor=actor, now=now)
    return case, code


# --- The transitions ------------------------------------------------------------------------


def _locked(actor: User | None, case: Case | int) -> Case:
    pk = case.pk if isinstance(case, Case) else case
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("department", "assignee", "project", "enterprise")
        .filter(pk=pk)
        .first()
    )
    if locked is None or (actor is not None and not perms.can_view_case(actor, locked)):
        raise NotVisible(_("Case not found."))
    return locked


def _require(actor: User | None, case: Case, action: str) -> t.Transition:
    spec = t.TRANSITIONS.get(action)
    if spec is None:
        raise InvalidInput(_("Unknown action: %(action)s.") % {"action": action}, field="action")
    if not perms.can_transition(actor, case, action):
        raise PermissionRefused(
            _("You may see this case but not %(action)s it.") % {"action": spec.verb}
        )
    if case.state not in spec.from_states:
        raise TransitionRefused(
            _("Cannot %(action)s a case that is %(state)s; it must be %(allowed)s.")
            % {
                "action": spec.verb,
                "state": case.get_state_display(),
                "allowed": _(" or ").join(str(S(s).label) for s in spec.from_states),
            },
            code="invalid_state",
        )
    return spec


def _add_reply(
    case: Case, actor: User | None, body: str, *, internal: bool = False, now: datetime
) -> CaseReply:
    return CaseReply.objects.create(case=case, author=actor, body=body, internal=internal, at=now)


def case_transition(
    *,
    actor: User | None,
    case: Case | int,
    action: str,
    today: date | None = None,
    now: datetime | None = None,
    **arguments: Any,
) -> Case:
    """Take one action of the table on a case (actor None: the system)."""
    now, today = _moment(now, today)
    if actor is not None:
        perms.forget_cached(actor)
    with transaction.atomic():
        locked = _locked(actor, case)
        spec = _require(actor, locked, action)
        unknown = set(arguments) - spec.argument_names
        if unknown:
            raise InvalidInput(
                _("Unexpected input: %(names)s.") % {"names": ", ".join(sorted(unknown))},
                field=sorted(unknown)[0],
            )
        calendar = WorkingCalendar.load()
        handler = _HANDLERS[action]
        handler(actor, locked, spec, calendar, today, now, **arguments)
    return locked


def _dispatch(actor, case, spec, calendar, today, now, department=None, assignee=None, note=""):
    department = _department(department)
    if department is None:
        raise InvalidInput(_("Choose a department."), field="department")
    assignee = _assignee(assignee, department)
    note = _text(note, "note", required=False, label=_("The note"))
    if (
        case.state == S.DISPATCHED
        and case.department_id == department.pk
        and case.assignee_id == (assignee.pk if assignee else None)
    ):
        raise TransitionRefused(
            _("The case is already assigned to %(department)s.") % {"department": department},
            code="unchanged",
        )
    case.department, case.assignee = department, assignee
    case.state = S.DISPATCHED
    _start_stage(case, today, calendar)
    case.save()
    if note:
        _add_reply(case, actor, note, internal=True, now=now)
    _step(case, "dispatched", actor=actor, now=now)


def _sign(actor, case, spec, calendar, today, now):
    case.state = S.SIGNED
    if case.assignee_id is None and actor is not None and perms.is_officer_of_case(actor, case):
        case.assignee = actor  # who signs for it handles it
    _start_stage(case, today, calendar)
    case.save()
    _step(case, "signed", actor=actor, now=now)


def _answer(actor, case, spec, calendar, today, now, answer=""):
    answer = _text(answer, "answer", required=True, label=_("The answer"))
    case.answer = answer
    case.answered_at = now
    case.state = S.ANSWERED
    _start_stage(case, today, calendar)
    case.save()
    _add_reply(case, actor, answer, now=now)
    _step(case, "answered", actor=actor, now=now, answer=answer)


def _ask_opener(actor, case, spec, calendar, today, now, question=""):
    question = _text(question, "question", required=True, label=_("The question"))
    if case.waiting_since is not None:
        raise TransitionRefused(
            _("The case already waits on its opener since %(date)s.")
            % {"date": case.waiting_since.isoformat()},
            code="already_waiting",
        )
    case.waiting_since = today
    case.save(update_fields=["waiting_since"])
    _add_reply(case, actor, question, now=now)
    _step(case, "asked_opener", actor=actor, now=now)


def _resume(case: Case, calendar: WorkingCalendar, today: date) -> int:
    """The opener answered: the stage clock runs again and its due date moves by the working
    days waited (from the day after the question up to and including today)."""
    waited = calendar.count(case.waiting_since, today)
    if waited and case.stage_due is not None:
        case.stage_due = calendar.nth_after(case.stage_due, waited)
    case.waiting_since = None
    case.save(update_fields=["waiting_since", "stage_due"])
    return waited


def _opener_reply(actor, case, spec, calendar, today, now, body=""):
    body = _text(body, "body", required=True, label=_("Your reply"))
    if case.waiting_since is None:
        raise TransitionRefused(
            _("Nobody is waiting for your reply on this case."), code="not_waiting"
        )
    waited = _resume(case, calendar, today)
    _add_reply(case, actor, body, now=now)
    _step(case, "opener_replied", actor=actor, now=now, waited=waited, from_opener=True)


def _close(actor, case, spec, calendar, today, now, note="", automatically=False):
    note = _text(note, "note", required=False, label=_("The note"))
    case.state = S.CLOSED
    case.closed_at = now
    case.closed_automatically = automatically
    _start_stage(case, today, calendar)
    case.save()
    if note:
        _add_reply(case, actor, note, now=now)
    extra = {"automatically": True, "days": case.auto_close_days} if automatically else {}
    _step(case, "closed", actor=actor, now=now, **extra)


def _reopen(actor, case, spec, calendar, today, now, reason=""):
    reason = _text(reason, "reason", required=True, label=_("The reason"))
    if case.state == S.CLOSED and case.closed_at is not None:
        closed_on = timezone.localdate(case.closed_at)
        if calendar.count(closed_on, today) > t.REOPEN_WITHIN_DAYS:
            raise TransitionRefused(
                _(
                    "A case may be reopened within %(days)d working days of closing; "
                    "this one closed on %(date)s. Open a new case instead."
                )
                % {"days": t.REOPEN_WITHIN_DAYS, "date": closed_on.isoformat()},
                code="reopen_too_late",
            )
    case.reopened += 1
    case.state = S.DISPATCHED if case.department_id else S.OPENED
    case.closed_at = None
    case.closed_automatically = False
    _start_stage(case, today, calendar)
    case.save()
    _add_reply(case, actor, reason, now=now)
    _step(case, "reopened", actor=actor, now=now, from_opener=True)


def _escalate(actor, case, spec, calendar, today, now, reason="", overdue_since=None):
    reason = _text(reason, "reason", required=actor is not None, label=_("The reason"))
    if case.escalation_level >= t.MAX_ESCALATION_LEVEL:
        raise TransitionRefused(
            _("The case is already at the highest level of escalation (%(level)d).")
            % {"level": t.MAX_ESCALATION_LEVEL},
            code="max_level",
        )
    case.escalation_level += 1
    fields = ["escalation_level"]
    if overdue_since is not None:
        # The sweep escalated it: the stage gets its limit again at the higher level, so the
        # next level comes only if that passes too.
        limit = getattr(case, STAGE_LIMIT[case.state])
        case.stage_due = calendar.nth_after(today, max(1, limit))
        fields.append("stage_due")
    case.save(update_fields=fields)
    extra = {"reason": reason}
    if overdue_since is not None:
        extra["overdue_since"] = overdue_since
    _step(case, "escalated", actor=actor, now=now, **extra)


_HANDLERS = {
    "dispatch": _dispatch,
    "sign": _sign,
    "answer": _answer,
    "ask_opener": _ask_opener,
    "opener_reply": _opener_reply,
    "close": _close,
    "reopen": _reopen,
    "escalate": _escalate,
}


# --- The thread -----------------------------------------------------------------------------


def case_reply(
    *,
    actor: User,
    case: Case | int,
    body: str,
    internal: bool = False,
    files: Iterable[Any] = (),
    now: datetime | None = None,
    today: date | None = None,
) -> CaseReply:
    """Write on a case's thread, with attachments (checked for size and type). An internal
    note is for the bureau's side only. The opener's reply to a question restarts the clock."""
    now, today = _moment(now, today)
    perms.forget_cached(actor)
    files = list(files or ())
    with transaction.atomic():
        locked = _locked(actor, case)
        if internal and not perms.can_view_case_internal(actor, locked):
            raise PermissionRefused(_("Only the bureau's side writes internal notes."))
        if locked.state == S.CLOSED:
            raise TransitionRefused(
                _("The case is closed; reopen it to write on it."), code="closed"
            )
        body = _text(body, "body", required=True, label=_("The message"))
        if len(files) > MAX_FILES:
            raise InvalidInput(
                _("Attach at most %(count)d files.") % {"count": MAX_FILES}, field="files"
            )
        checked = [check_upload(upload, field="files") for upload in files]
        reply = _add_reply(locked, actor, body, internal=internal, now=now)
        stored: list[str] = []
        try:
            for upload, check in zip(files, checked, strict=True):
                attachment = CaseAttachment(
                    reply=reply,
                    original_name=check.name,
                    content_type=check.content_type,
                    size=check.size,
                )
                attachment.file.save(check.name, upload, save=False)
                stored.append(attachment.file.name)
                attachment.save()
        except Exception:
            for name in stored:
                CaseAttachment.file.field.storage.delete(name)
            raise
        from_opener = (
            not internal
            and perms.is_opener(actor, locked)
            and not (perms.is_officer_of_case(actor, locked) or perms.is_assignee(actor, locked))
        )
        if from_opener and locked.waiting_since is not None:
            waited = _resume(locked, WorkingCalendar.load(), today)
            _step(locked, "opener_replied", actor=actor, now=now, waited=waited, from_opener=True)
        else:
            _step(
                locked,
                "noted" if internal else "replied",
                actor=actor,
                now=now,
                reply_id=reply.pk,
                attachments=len(checked),
                from_opener=from_opener,
            )
    return reply


# --- The sweep ------------------------------------------------------------------------------


def cases_sweep(*, today: date, now: datetime | None = None) -> dict[str, int]:
    """The daily work on cases: a stage whose limit passed is escalated (once per stage and
    level: the stage gets its limit again at the higher level), and an answered case is closed
    automatically once `auto_close_days` working days have passed since the answer. Running it
    twice on a day does nothing more."""
    now = now or timezone.now()
    calendar = WorkingCalendar.load()
    done = {"escalated": 0, "closed": 0}
    overdue = Case.objects.filter(
        state__in=t.STAGE_STATES,
        waiting_since__isnull=True,
        stage_due__lt=today,
        escalation_level__lt=t.MAX_ESCALATION_LEVEL,
    ).values_list("pk", flat=True)
    for pk in list(overdue):
        with transaction.atomic():
            case = _locked(None, pk)
            if (
                case.state not in t.STAGE_STATES
                or case.waiting_since is not None
                or case.stage_due is None
                or case.stage_due >= today
                or case.escalation_level >= t.MAX_ESCALATION_LEVEL
            ):
                continue
            _escalate(
                None,
                case,
                t.TRANSITIONS["escalate"],
                calendar,
                today,
                now,
                overdue_since=case.stage_due,
            )
            done["escalated"] += 1
    answered = Case.objects.filter(state=S.ANSWERED, stage_due__lte=today).values_list(
        "pk", flat=True
    )
    for pk in list(answered):
        with transaction.atomic():
            case = _locked(None, pk)
            if case.state != S.ANSWERED or case.stage_due is None or case.stage_due > today:
                continue
            _close(
                None,
                case,
                t.TRANSITIONS["close"],
                calendar,
                today,
                now,
                automatically=True,
            )
            done["closed"] += 1
    return done
