"""Every state change of meetings and visits: atomic, locked, permission-checked, with events
on the meeting's streams (and on a project's stream for action items about it).

The meeting streams are read by everyone invited, whatever projects they may see, so their
events are project-neutral: ids, the meeting's own title, time and place, and counts; never a
title, minute, decision or finding about a project, nor a person another participant may not
see (an enterprise user acting shows on the meeting stream without a name). What is about a
project goes on the project's own stream (action items). Being invited opens no project: a
person writes agenda items, decisions and findings only about projects they may see.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.dates import check_date, latest
from portal.errors import InvalidInput, NotVisible, PermissionRefused, TransitionRefused
from portal.events import emit, user_stream
from portal.mail import enqueue_after_commit
from portal.models import User
from projects.clock import WorkingCalendar, read_clock
from projects.models import Approval, Department, Project
from projects.selectors import projects_visible_to
from projects.services import store_file
from projects.streams import project_stream

from . import permissions as perms
from . import selectors
from .models import ActionItem, AgendaItem, Finding, Meeting, Participant
from .notifications import send_meeting_email
from .streams import meeting_internal_stream, meeting_stream
from .supervision import escalated_cases

SHANGHAI = ZoneInfo("Asia/Shanghai")
M = Meeting.Status


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def aware(value: datetime) -> datetime:
    """Naive input means Beijing time."""
    if timezone.is_naive(value):
        return value.replace(tzinfo=SHANGHAI)
    return value


def _meeting_actor(actor: User) -> User | None:
    """Who shows as acting on a meeting stream: the bureau side by name; anyone else (an
    enterprise user answering or closing) unnamed, since other companies read that stream."""
    return actor if perms.is_bureau_side(actor) else None


def _visible_project_ids(actor: User, projects) -> set[int]:
    return set(
        projects_visible_to(actor)
        .filter(pk__in=[p.pk for p in projects])
        .values_list("pk", flat=True)
    )


def _meeting_data(meeting: Meeting, **extra: Any) -> dict[str, Any]:
    return {
        "meeting_id": meeting.pk,
        "title": meeting.title,
        "kind": meeting.kind,
        "start": meeting.start,
        "end": meeting.end,
        "place": meeting.place,
        "status": meeting.status,
        "sequence": meeting.sequence,
        **extra,
    }


def _check_when(start: datetime, end: datetime, today: date | None = None) -> None:
    """Start and end lie in the accepted window (their own calendar dates, before any
    conversion: a year-1 or year-9999 time may not even convert to UTC)."""
    check_date(start.date(), "start", today)
    check_date(end.date(), "end", today)


def check_times(start: datetime, end: datetime, today: date | None = None) -> None:
    """A meeting's time as every boundary accepts it: both ends in the accepted window, the
    end after the start, at most a week long."""
    _check_when(start, end, today)
    if end <= start:
        raise InvalidInput(_("The end must be after the start."), field="end")
    if end - start > timedelta(days=7):
        raise InvalidInput(_("A meeting may last at most a week."), field="end")


def _validate(
    title: str, kind: str, start: datetime, end: datetime, status: str, today: date | None = None
) -> None:
    _check_when(start, end, today)
    if not (title or "").strip():
        raise InvalidInput(_("A meeting needs a title."), field="title")
    if len(title) > 200:
        raise InvalidInput(_("A title may be at most 200 characters."), field="title")
    if kind not in Meeting.Kind.values:
        raise InvalidInput(_("Unknown kind of meeting."), field="kind")
    if status not in (M.DRAFT, M.SCHEDULED):
        raise InvalidInput(_("A new meeting is a draft or scheduled."), field="status")
    check_times(start, end, today)


def conflicts(meeting: Meeting, viewer: User | None = None) -> list[dict[str, Any]]:
    """Invited people who already have a meeting or visit at that time, as the viewer (the
    one scheduling; the organiser by default) may be told: the other meeting's title only
    when they may open it (`selectors.clashes`)."""
    people = set(meeting.participants.values_list("user_id", flat=True)) | {meeting.organiser_id}
    found = selectors.clashes(
        viewer or meeting.organiser,
        people=people,
        start=meeting.start,
        end=meeting.end,
        exclude_meeting_id=meeting.pk,
    )
    return [clash_warning(clash) for clash in found]


def _local(value: datetime) -> datetime:
    """Beijing time; a row stored outside the accepted window (its end in year 9999) may not
    convert, and is told in UTC rather than breaking the answer."""
    try:
        return timezone.localtime(value)
    except OverflowError:
        return value


def clash_warning(clash: dict[str, Any]) -> dict[str, Any]:
    """One clash as the pages and the API tell it, in the user's language."""
    user, other = clash["user"], clash["meeting"]
    start, end = _local(clash["start"]), _local(clash["end"])
    values = {
        "name": user.get_full_name(),
        "start": start.strftime("%Y-%m-%d %H:%M"),
        # A meeting may run over several days: then the end says its day too.
        "end": end.strftime("%H:%M" if end.date() == start.date() else "%Y-%m-%d %H:%M"),
    }
    if other is None:
        message = _("%(name)s is busy from %(start)s to %(end)s.") % values
    else:
        message = _("%(name)s already has “%(title)s” from %(start)s to %(end)s.") % {
            **values,
            "title": other.title,
        }
    return {
        "user_id": user.pk,
        "username": user.username,
        "name": user.get_full_name(),
        "meeting_id": other.pk if other is not None else None,
        "title": other.title if other is not None else None,
        "start": start,
        "end": end,
        "message": message,
    }


def _set_people(meeting: Meeting, users: Sequence[User], departments: Sequence[Department]):
    """Explicit invitations plus every active officer of each invited department."""
    wanted: dict[int, Department | None] = {u.pk: None for u in users if u.is_active}
    for department in departments:
        for officer in department.officers.filter(is_active=True):
            wanted.setdefault(officer.pk, department)
    wanted.pop(meeting.organiser_id, None)
    existing = {p.user_id: p for p in meeting.participants.all()}
    for user_id, participant in existing.items():
        if user_id not in wanted:
            participant.delete()
    Participant.objects.bulk_create(
        Participant(meeting=meeting, user_id=user_id, via_department=department)
        for user_id, department in wanted.items()
        if user_id not in existing
    )
    meeting.departments.set(departments)
    meeting.__dict__.pop("_participant_ids", None)
    return set(wanted) - set(existing), set(existing) - set(wanted)


def _notify(meeting: Meeting, method: str, user_ids: set[int] | None = None) -> None:
    enqueue_after_commit(
        send_meeting_email,
        meeting.pk,
        method,
        meeting.sequence,
        sorted(user_ids) if user_ids is not None else None,
    )


def meeting_schedule(
    *,
    actor: User,
    title: str,
    kind: str,
    start: datetime,
    end: datetime,
    place: str = "",
    projects: Sequence[Project] = (),
    participants: Sequence[User] = (),
    departments: Sequence[Department] = (),
    status: str = M.SCHEDULED,
    now: datetime | None = None,
) -> tuple[Meeting, list[dict[str, Any]]]:
    """Schedule (or draft) a meeting or visit; returns it with conflict warnings.

    A scheduled meeting sends invitations; a draft sends nothing until it is scheduled.
    """
    now = _now(now)
    start, end = aware(start), aware(end)
    _validate(title, kind, start, end, status, timezone.localdate(now))
    require_scheduler(actor)
    visible = _visible_project_ids(actor, projects)
    if any(p.pk not in visible for p in projects):
        raise InvalidInput(_("You may only choose projects you follow."), field="project_ids")
    if kind in Meeting.SITE_VISITS and not projects:
        raise InvalidInput(_("A site visit goes to a project: choose it."), field="project_ids")
    if not place and projects and kind in Meeting.SITE_VISITS:
        # Everyone invited reads the place, so it names no project (other companies come too).
        first = projects[0]
        place = (
            _("Project site, %(town)s") % {"town": first.town.name}
            if first.town_id
            else _("Project site")
        )
    with transaction.atomic():
        meeting = Meeting.objects.create(
            title=title.strip(),
            kind=kind,
            start=start,
            end=end,
            place=(place or "").strip()[:200],
            organiser=actor,
            status=status,
            created_at=now,
        )
        meeting.projects.set(projects)
        _set_people(meeting, participants, departments)
        warnings = conflicts(meeting, viewer=actor)
        emit(
            stream=meeting_stream(meeting.pk),
            event="meeting.scheduled" if status == M.SCHEDULED else "meeting.drafted",
            actor=actor,
            at=now,
            data=_meeting_data(meeting, projects=len(projects)),
        )
        if status == M.SCHEDULED:
            _notify(meeting, "REQUEST")
    return meeting, warnings


def _locked(actor: User, meeting_id: int) -> Meeting:
    meeting = Meeting.objects.select_for_update(of=("self",)).filter(pk=meeting_id).first()
    if meeting is None or not perms.can_view_meeting(actor, meeting):
        raise NotVisible(_("Meeting not found."))
    return meeting


def require_scheduler(actor: User) -> None:
    """Refuse anyone who may not schedule, before anything else is looked at (the API asks
    first, so that a refused caller learns nothing of which usernames exist)."""
    if not perms.can_schedule(actor):
        raise PermissionRefused(_("Only bureau staff and helpers schedule meetings and visits."))


def require_manager(actor: User, meeting: Meeting) -> None:
    if not perms.can_manage(actor, meeting):
        raise PermissionRefused(_("Only the organiser and bureau staff change this meeting."))


def _require_changeable(meeting: Meeting) -> None:
    if not perms.meeting_changeable(meeting):
        raise TransitionRefused(
            _("This meeting is %(status)s and can no longer change.")
            % {"status": meeting.get_status_display()},
            code="meeting_closed",
        )


def _require_record_open(meeting: Meeting) -> None:
    if not perms.record_open(meeting):
        raise TransitionRefused(_("A cancelled meeting has no record."), code="meeting_closed")


def meeting_update(
    *,
    actor: User,
    meeting_id: int,
    now: datetime | None = None,
    **changes: Any,
) -> tuple[Meeting, list[dict[str, Any]]]:
    """Change a meeting: time, place, title, people, projects, or schedule a draft.

    A change of time or place of a scheduled meeting raises its SEQUENCE and sends an update
    with the same UID; newly invited people get the invitation, removed ones a cancellation.
    """
    now = _now(now)
    allowed = {
        "title",
        "kind",
        "start",
        "end",
        "place",
        "projects",
        "participants",
        "departments",
        "status",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    with transaction.atomic():
        meeting = _locked(actor, meeting_id)
        require_manager(actor, meeting)
        _require_changeable(meeting)
        was_draft = meeting.status == M.DRAFT
        before = (meeting.start, meeting.end, meeting.place)
        for field in ("title", "kind", "place"):
            if field in changes and changes[field] is not None:
                setattr(meeting, field, str(changes[field]).strip())
        for field in ("start", "end"):
            if changes.get(field) is not None:
                setattr(meeting, field, aware(changes[field]))
        status = changes.get("status") or meeting.status
        _validate(
            meeting.title,
            meeting.kind,
            meeting.start,
            meeting.end,
            M.SCHEDULED if status == M.SCHEDULED else M.DRAFT,
            timezone.localdate(now),
        )
        if was_draft and status == M.SCHEDULED:
            meeting.status = M.SCHEDULED
        elif status != meeting.status:
            raise InvalidInput(_("Use cancel to cancel a meeting."), field="status")
        moved = (meeting.start, meeting.end, meeting.place) != before
        if moved and not was_draft:
            meeting.sequence += 1
        meeting.save()
        if changes.get("projects") is not None:
            meeting.projects.set(_projects_kept(actor, meeting, changes["projects"]))
        added, removed = set(), set()
        if changes.get("participants") is not None or changes.get("departments") is not None:
            users = changes.get("participants")
            if users is None:
                users = [p.user for p in meeting.participants.filter(via_department__isnull=True)]
            departments = changes.get("departments")
            if departments is None:
                departments = list(meeting.departments.all())
            added, removed = _set_people(meeting, users, departments)
        warnings = conflicts(meeting, viewer=actor)
        emit(
            stream=meeting_stream(meeting.pk),
            event="meeting.changed",
            actor=actor,
            at=now,
            data=_meeting_data(meeting, moved=moved),
        )
        if meeting.status == M.SCHEDULED:
            if was_draft:
                _notify(meeting, "REQUEST")
            else:
                if moved:
                    _notify(meeting, "REQUEST")  # everyone: the new time or place
                elif added:
                    _notify(meeting, "REQUEST", added)
                if removed:
                    _notify(meeting, "CANCEL", removed)
    return meeting, warnings


def _projects_kept(actor: User, meeting: Meeting, wanted: Sequence[Project]) -> list[Project]:
    """The projects a change leaves on the meeting: those chosen, which the actor must be able
    to see, and those already on it that the actor cannot see (nobody drops what they cannot
    see)."""
    visible = _visible_project_ids(actor, wanted)
    if any(p.pk not in visible for p in wanted):
        raise InvalidInput(_("You may only choose projects you follow."), field="project_ids")
    current = list(meeting.projects.all())
    hidden = [p for p in current if p.pk not in _visible_project_ids(actor, current)]
    return [*wanted, *hidden]


def meeting_cancel(
    *, actor: User, meeting_id: int, reason: str = "", now: datetime | None = None
) -> Meeting:
    """Cancel: everyone invited gets a METHOD:CANCEL with the same UID."""
    now = _now(now)
    with transaction.atomic():
        meeting = _locked(actor, meeting_id)
        require_manager(actor, meeting)
        if not perms.meeting_changeable(meeting):
            raise TransitionRefused(
                _("This meeting is %(status)s and cannot be cancelled.")
                % {"status": meeting.get_status_display()},
                code="meeting_closed",
            )
        was_scheduled = meeting.status == M.SCHEDULED
        meeting.status = M.CANCELLED
        meeting.sequence += 1
        meeting.save()
        emit(
            stream=meeting_stream(meeting.pk),
            event="meeting.cancelled",
            actor=actor,
            at=now,
            data=_meeting_data(meeting, reason=(reason or "").strip()),
        )
        if was_scheduled:
            _notify(meeting, "CANCEL")
    return meeting


def meeting_respond(
    *, actor: User, meeting_id: int, answer: str, now: datetime | None = None
) -> Participant:
    """A participant answers attend or decline, in the portal."""
    now = _now(now)
    if answer not in (Participant.Answer.ATTEND, Participant.Answer.DECLINE):
        raise InvalidInput(_("Answer attend or decline."), field="answer")
    with transaction.atomic():
        meeting = _locked(actor, meeting_id)
        participant = meeting.participants.select_for_update().filter(user=actor).first()
        if participant is None:
            raise PermissionRefused(_("Only invited participants answer."))
        if not perms.answers_open(meeting):
            raise TransitionRefused(
                _("This meeting is %(status)s: answers are closed.")
                % {"status": meeting.get_status_display()},
                code="meeting_closed",
            )
        participant.answer = answer
        participant.answered_at = now
        participant.save(update_fields=["answer", "answered_at"])
        data = {"meeting_id": meeting.pk, "title": meeting.title, "answer": answer}
        shown = _meeting_actor(actor)
        emit(
            stream=meeting_stream(meeting.pk),
            event="meeting.answered",
            actor=shown,
            at=now,
            data=data,
        )
        if shown is None:
            # Who answered stays on record in the person's own stream.
            emit(
                stream=user_stream(actor.pk),
                event="meeting.answered",
                actor=actor,
                at=now,
                data=data,
            )
    return participant


# --- agenda ---------------------------------------------------------------------------------


def _projects_of(meeting: Meeting, viewer: User | None):
    """The meeting's projects, or those of them the viewer may see."""
    projects = Project.objects.filter(meetings=meeting)
    if viewer is not None:
        projects = projects.filter(pk__in=projects_visible_to(viewer).values("pk"))
    return projects


def agenda_proposals(
    meeting: Meeting, *, viewer: User | None = None, today: date | None = None
) -> list[dict[str, Any]]:
    """Items proposed from the overdue, paused and blocked approvals of the meeting's projects
    (of those the viewer may see, when a viewer is given); first the approvals whose
    supervision case the escalation ladder sent to a joint meeting, each naming its case."""
    today = today or timezone.localdate()
    calendar = WorkingCalendar.load()
    proposals = []
    escalated_first = []
    every = list(
        Approval.objects.filter(project__in=_projects_of(meeting, viewer))
        .select_related("project", "item", "department")
        .prefetch_related("item__prerequisites")
        .order_by("project__code", "item__code")
    )
    escalated = escalated_cases({a.project_id for a in every}) if every else {}
    # Prerequisites are looked up among all the project's approvals, approved ones included.
    by_project_item = {(a.project_id, a.item_id): a for a in every}
    for approval in every:
        if approval.status not in Approval.OPEN:
            continue
        reading = read_clock(calendar, approval, today)
        reason = None
        if reading.colour == "overdue":
            reason = _("overdue since %(date)s") % {"date": approval.due_date}
        elif reading.colour == "paused":
            reason = _("paused: waiting for the enterprise since %(date)s") % {
                "date": approval.paused_since
            }
        elif approval.status == Approval.Status.RECEIVED:
            blocking = [
                p.code
                for p in approval.item.prerequisites.all()
                if (other := by_project_item.get((approval.project_id, p.pk))) is None
                or other.status != Approval.Status.APPROVED
            ]
            if blocking:
                reason = _("blocked by %(codes)s") % {"codes": ", ".join(blocking)}
        case = escalated.get(approval.pk)
        if case is not None:
            reason = _(
                "supervision case %(case)s, sent to the joint meeting by the escalation ladder"
            ) % {"case": case.number} + (_("; %(reason)s") % {"reason": reason} if reason else "")
        if reason:
            (escalated_first if case is not None else proposals).append(
                {
                    "project": approval.project,
                    "approval": approval,
                    "title": _("%(project)s · %(code)s %(item)s (%(department)s): %(reason)s")
                    % {
                        "project": approval.project.label,
                        "code": approval.item.code,
                        "item": approval.item.label,
                        "department": approval.department.label,
                        "reason": reason,
                    },
                    "reason": reason,
                    "case": case,
                }
            )
    return escalated_first + proposals


def agenda_proposals_standing(
    meeting: Meeting,
    approval_ids: Sequence[int],
    *,
    viewer: User | None = None,
    today: date | None = None,
) -> tuple[dict[int, dict[str, Any]], list[str]]:
    """The proposals that still stand for these approvals, by approval id, and a name for each
    approval that is no longer proposed (its status changed since the list was shown)."""
    wanted = set(approval_ids)
    standing = {
        p["approval"].pk: p
        for p in agenda_proposals(meeting, viewer=viewer, today=today)
        if p["approval"].pk in wanted
    }
    missing = wanted - set(standing)
    named = list(
        Approval.objects.filter(pk__in=missing, project__in=_projects_of(meeting, viewer))
        .select_related("project", "item")
        .order_by("project__code", "item__code")
    )
    gone = [f"{a.project.label} · {a.item.code} {a.item.label}" for a in named]
    # Approvals of projects no longer on the meeting are not named, only counted.
    gone += [_("an approval of a project no longer on this meeting")] * (len(missing) - len(named))
    return standing, gone


def agenda_set(
    *,
    actor: User,
    meeting_id: int,
    items: Sequence[dict[str, Any]],
    now: datetime | None = None,
) -> list[AgendaItem]:
    """Keep, reorder or drop agenda items: `items` in order, each {project, approval?, title}.

    Only about the meeting's projects the actor may see; the items about the others stay as
    they are, after the given ones (nobody drops or reorders what they cannot see)."""
    now = _now(now)
    with transaction.atomic():
        meeting = _locked(actor, meeting_id)
        require_manager(actor, meeting)
        _require_changeable(meeting)
        project_ids = set(_projects_of(meeting, actor).values_list("pk", flat=True))
        cleaned = []
        for position, item in enumerate(items):
            project = item.get("project")
            if project is None or project.pk not in project_ids:
                raise InvalidInput(
                    _("Agenda items must be about the meeting's projects."), field="agenda"
                )
            approval = item.get("approval")
            if approval is not None and approval.project_id != project.pk:
                raise InvalidInput(_("That approval is not of that project."), field="agenda")
            title = (item.get("title") or "").strip()
            if not title:
                raise InvalidInput(_("An agenda item needs a title."), field="agenda")
            cleaned.append(
                AgendaItem(
                    meeting=meeting,
                    position=position,
                    project=project,
                    approval=approval,
                    title=title[:300],
                )
            )
        current = list(meeting.agenda.all())
        hidden = [a for a in current if a.project_id not in project_ids]
        existing = {
            (a.project_id, a.approval_id, a.title): a
            for a in current
            if a.project_id in project_ids
        }
        keep = []
        for item in cleaned:
            match = existing.pop((item.project_id, item.approval_id, item.title), None)
            if match is not None:
                match.position = item.position
                match.save(update_fields=["position"])
                keep.append(match)
            else:
                item.save()
                keep.append(item)
        for dropped in existing.values():
            dropped.delete()
        for position, item in enumerate(hidden, start=len(keep)):
            if item.position != position:
                item.position = position
                item.save(update_fields=["position"])
        emit(
            stream=meeting_stream(meeting.pk),
            event="meeting.agenda_changed",
            actor=actor,
            at=now,
            data={
                "meeting_id": meeting.pk,
                "title": meeting.title,
                "agenda_items": len(keep) + len(hidden),
            },
        )
    return keep


# --- the record -----------------------------------------------------------------------------


def meeting_record(
    *,
    actor: User,
    meeting_id: int,
    attended: Sequence[int] = (),
    minutes: dict[int, str] | None = None,
    internal_minutes: dict[int, str] | None = None,
    publish: bool = False,
    now: datetime | None = None,
) -> Meeting:
    """Attendance and minutes per agenda item; publishing marks the meeting held."""
    now = _now(now)
    with transaction.atomic():
        meeting = _locked(actor, meeting_id)
        require_manager(actor, meeting)
        _require_record_open(meeting)
        if publish and not perms.minutes_publishable(meeting, now):
            raise TransitionRefused(
                _("The minutes can be published once the meeting has taken place."),
                code="not_yet_held",
            )
        present = set(attended)
        for participant in meeting.participants.all():
            participant.attended = participant.user_id in present
            participant.save(update_fields=["attended"])
        # Minutes only of the agenda items the actor may see (the page offers no others).
        agenda = {a.pk: a for a in meeting.agenda.filter(project__in=_projects_of(meeting, actor))}
        for source, field in (
            (minutes or {}, "minutes"),
            (internal_minutes or {}, "internal_minutes"),
        ):
            for item_id, text in source.items():
                if item_id not in agenda:
                    raise InvalidInput(_("Unknown agenda item."), field=field)
                setattr(agenda[item_id], field, (text or "").strip())
        for item in agenda.values():
            item.save(update_fields=["minutes", "internal_minutes"])
        if publish:
            meeting.status = M.HELD
            meeting.save(update_fields=["status", "updated_at"])
            emit(
                stream=meeting_stream(meeting.pk),
                event="meeting.minutes_published",
                actor=actor,
                at=now,
                data={
                    "meeting_id": meeting.pk,
                    "title": meeting.title,
                    "agenda_items": meeting.agenda.count(),
                },
            )
            internal = meeting.agenda.exclude(internal_minutes="").count()
            if internal:
                emit(
                    stream=meeting_internal_stream(meeting.pk),
                    event="meeting.internal_minutes_published",
                    actor=actor,
                    at=now,
                    data={
                        "meeting_id": meeting.pk,
                        "title": meeting.title,
                        "agenda_items": internal,
                    },
                )
    return meeting


def _due(meeting: Meeting, due_date: date | None, working_days: int | None, today: date) -> date:
    """The due date given, or N working days after the meeting's day: in the window."""
    if due_date is not None:
        return check_date(due_date, "due_date", today)
    if working_days is None or working_days < 1:
        raise InvalidInput(_("Give a due date or a number of working days."), field="due_date")
    if not meeting.dates_in_window:
        # A row stored with a date outside the window: nothing to count from.
        raise InvalidInput(
            _("The meeting's date lies outside the accepted window: give a due date."),
            field="working_days",
        )
    start = timezone.localdate(meeting.start)
    # Each working day takes a calendar day at least: more than that cannot end in the window
    # (and counting them one by one would take as long as it is large).
    if working_days > (latest(today) - start).days:
        raise InvalidInput(
            _("That many working days end after %(latest)s.")
            % {"latest": latest(today).isoformat()},
            field="working_days",
        )
    return check_date(WorkingCalendar.load().nth_after(start, working_days), "working_days", today)


def action_item_create(
    *,
    actor: User,
    meeting_id: int,
    decision: str,
    title: str,
    owner_user: User | None = None,
    owner_department: Department | None = None,
    due_date: date | None = None,
    working_days: int | None = None,
    project: Project | None = None,
    agenda_item_id: int | None = None,
    now: datetime | None = None,
) -> ActionItem:
    """A decision creates a follow-up with an owner and a due date (a date or N working days)."""
    now = _now(now)
    decision, title = (decision or "").strip(), (title or "").strip()
    if not decision:
        raise InvalidInput(_("Write the decision."), field="decision")
    if not title:
        raise InvalidInput(_("Say what must be done."), field="title")
    if owner_user is None and owner_department is None:
        raise InvalidInput(_("Choose who owns it: a person or a department."), field="owner")
    with transaction.atomic():
        meeting = _locked(actor, meeting_id)
        require_manager(actor, meeting)
        _require_record_open(meeting)
        visible = _projects_of(meeting, actor)
        if project is not None and not visible.filter(pk=project.pk).exists():
            raise InvalidInput(_("The project must be one of the meeting's."), field="project")
        agenda_item = None
        if agenda_item_id is not None:
            agenda_item = meeting.agenda.filter(pk=agenda_item_id, project__in=visible).first()
            if agenda_item is None:
                raise InvalidInput(_("Unknown agenda item."), field="agenda_item")
            project = project or agenda_item.project
        action = ActionItem.objects.create(
            meeting=meeting,
            agenda_item=agenda_item,
            project=project,
            decision=decision,
            title=title[:300],
            owner_user=owner_user,
            owner_department=owner_department,
            due_date=_due(meeting, due_date, working_days, timezone.localdate(now)),
            created_at=now,
        )
        data = _action_data(action)
        emit(
            stream=meeting_stream(meeting.pk),
            event="action_item.created",
            actor=_meeting_actor(actor),
            at=now,
            data=_action_neutral(action),
        )
        if project is not None:
            # On the project's own timeline too (a separate event in its stream).
            emit(
                stream=project_stream(project.pk),
                event="action_item.created",
                actor=actor,
                at=now,
                data=data,
            )
    return action


def _action_data(action: ActionItem) -> dict[str, Any]:
    return {
        "action_item_id": action.pk,
        "meeting_id": action.meeting_id,
        "meeting": action.meeting.title,
        "decision": action.decision,
        "title": action.title,
        "owner": action.owner_user.get_full_name() if action.owner_user else None,
        "owner_department": action.owner_department.name if action.owner_department else None,
        "owner_department_en": (
            action.owner_department.name_en if action.owner_department else None
        ),
        "due_date": action.due_date,
        "status": action.status,
        "note": action.done_note,
    }


def _action_neutral(action: ActionItem) -> dict[str, Any]:
    """An action item as the meeting stream carries it: no title, decision or owner."""
    return {
        "action_item_id": action.pk,
        "meeting_id": action.meeting_id,
        "meeting": action.meeting.title,
        "due_date": action.due_date,
        "status": action.status,
    }


def action_item_close(
    *, actor: User, action_item_id: int, note: str, now: datetime | None = None
) -> ActionItem:
    """Close a follow-up with a note of what was done."""
    now = _now(now)
    note = (note or "").strip()
    if not note:
        raise InvalidInput(_("Say what was done."), field="note")
    with transaction.atomic():
        action = (
            ActionItem.objects.select_for_update(of=("self",))
            .select_related("meeting", "owner_user", "owner_department")
            .filter(pk=action_item_id)
            .first()
        )
        if action is None or not (
            perms.can_view_meeting(actor, action.meeting) or perms.can_close_action(actor, action)
        ):
            raise NotVisible(_("Action item not found."))
        if not perms.can_close_action(actor, action):
            raise PermissionRefused(_("Only its owner, the organiser or staff close it."))
        if action.status == ActionItem.Status.DONE:
            raise TransitionRefused(_("This action item is done already."), code="done")
        action.status = ActionItem.Status.DONE
        action.done_note = note
        action.done_at = now
        action.save()
        data = _action_data(action)
        emit(
            stream=meeting_stream(action.meeting_id),
            event="action_item.closed",
            actor=_meeting_actor(actor),
            at=now,
            data=_action_neutral(action),
        )
        if action.project_id:
            emit(
                stream=project_stream(action.project_id),
                event="action_item.closed",
                actor=actor,
                at=now,
                data=data,
            )
    return action


def finding_add(
    *,
    actor: User,
    meeting_id: int,
    project: Project,
    text: str,
    files: Sequence[Any] = (),
    now: datetime | None = None,
) -> Finding:
    """A site visit's finding with photos or documents (checked like every upload)."""
    now = _now(now)
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Describe what was found."), field="text")
    with transaction.atomic():
        meeting = _locked(actor, meeting_id)
        if not meeting.is_site_visit:
            raise TransitionRefused(_("Findings belong to site visits."), code="not_a_visit")
        if not (perms.can_manage(actor, meeting) or perms.can_view_internal(actor, meeting)):
            raise PermissionRefused(_("Only the visit's staff-side participants record findings."))
        if not _projects_of(meeting, actor).filter(pk=project.pk).exists():
            raise InvalidInput(_("The project must be one of the visit's."), field="project")
        finding = Finding.objects.create(
            meeting=meeting, project=project, text=text, author=actor, created_at=now
        )
        stored = [store_file(actor, project, f, internal=False, now=now) for f in files]
        finding.files.set(stored)
        emit(
            stream=meeting_stream(meeting.pk),
            event="meeting.finding_added",
            actor=actor,
            at=now,
            data={
                "meeting_id": meeting.pk,
                "title": meeting.title,
                "finding_id": finding.pk,
                "files": len(stored),
            },
        )
    return finding
