"""Who may see and do what with meetings and visits: one place.

- staff: everything; the organiser: their meeting;
- participants see it; of its agenda, minutes, decisions and findings only what is about a
  project they may see (being invited opens no project: `selectors.meeting_scope`);
- the internal record is for the bureau side only (staff, helpers, officers), never for an
  enterprise user;
- the bureau side sees every participant; anyone else sees the organiser, the bureau side and
  the people of their own enterprise, never another company's people;
- staff and helpers schedule meetings and visits;
- what a meeting's state allows (`meeting_changeable`, `record_open`, `minutes_publishable`,
  `answers_open`) is decided here too: the services refuse by these rules and the meeting page
  offers a control only when they allow it.
"""

from datetime import datetime

from django.utils import timezone

from portal.roles import ENTERPRISE, HELPER, OFFICER, STAFF, is_bureau_staff, roles_of

from .models import Meeting


def can_schedule(user) -> bool:
    return bool({STAFF, HELPER} & roles_of(user))


def _participant_ids(meeting: Meeting) -> set[int]:
    cached = getattr(meeting, "_participant_ids", None)
    if cached is None:
        if "participants" in getattr(meeting, "_prefetched_objects_cache", {}):
            # Loaded with the meeting already (pages and the API): no query per meeting.
            cached = {p.user_id for p in meeting.participants.all()}
        else:
            cached = set(meeting.participants.values_list("user_id", flat=True))
        meeting._participant_ids = cached
    return cached


def can_view_meeting(user, meeting: Meeting) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return (
        is_bureau_staff(user)
        or meeting.organiser_id == user.pk
        or user.pk in _participant_ids(meeting)
    )


def is_bureau_side(user) -> bool:
    """Staff, helpers and officers; an enterprise user never, whatever else they are."""
    if is_bureau_staff(user):
        return True
    roles = roles_of(user)
    return ENTERPRISE not in roles and bool({HELPER, OFFICER} & roles)


def sees_every_participant(user) -> bool:
    """The bureau side sees everyone invited; others see the people `selectors` lets through."""
    return is_bureau_side(user)


def can_view_internal(user, meeting: Meeting) -> bool:
    """The internal record of the meeting's stream and of the agenda items the user may see."""
    if not can_view_meeting(user, meeting):
        return False
    return is_bureau_side(user) or (
        meeting.organiser_id == user.pk and ENTERPRISE not in roles_of(user)
    )


def can_manage(user, meeting: Meeting) -> bool:
    """Change, cancel, prepare the agenda, record minutes and decisions."""
    if not user.is_authenticated or not user.is_active:
        return False
    return is_bureau_staff(user) or meeting.organiser_id == user.pk


def can_close_action(user, action) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if (
        is_bureau_staff(user)
        or action.meeting.organiser_id == user.pk
        or action.owner_user_id == user.pk
    ):
        return True
    return bool(action.owner_department_id and action.owner_department_id in _department_ids(user))


def _department_ids(user) -> frozenset[int]:
    """The departments a user is an officer of, read once per user object."""
    cached = getattr(user, "_meeting_department_ids", None)
    if cached is None:
        cached = user._meeting_department_ids = frozenset(
            user.departments.values_list("pk", flat=True)
        )
    return cached


# --- what the meeting's state allows (the services refuse by these; the page offers by them) ---


def meeting_changeable(meeting: Meeting) -> bool:
    """Time, place, people and agenda change, and a meeting is cancelled, only while it is a
    draft or scheduled; a held or cancelled meeting stays as it was."""
    return meeting.status in (Meeting.Status.DRAFT, Meeting.Status.SCHEDULED)


def can_change(user, meeting: Meeting) -> bool:
    return can_manage(user, meeting) and meeting_changeable(meeting)


def answers_open(meeting: Meeting) -> bool:
    """Participants answer attend or decline while the meeting is scheduled."""
    return meeting.status == Meeting.Status.SCHEDULED


def record_open(meeting: Meeting) -> bool:
    """Attendance, minutes and decisions are recorded for any meeting that was not cancelled."""
    return meeting.status != Meeting.Status.CANCELLED


def minutes_publishable(meeting: Meeting, now: datetime | None = None) -> bool:
    """The minutes are published (the meeting is then held) once the meeting has begun."""
    return record_open(meeting) and meeting.start <= (now or timezone.now())
