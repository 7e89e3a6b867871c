"""Permission-filtered reads of meetings, action items and personal calendars."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from portal.errors import NotVisible
from projects.models import Approval
from projects.selectors import projects_visible_to

from . import permissions as perms
from .models import ActionItem, AgendaItem, Finding, Meeting, Participant
from .streams import meeting_internal_stream, meeting_stream


def meetings_visible_to(user) -> QuerySet[Meeting]:
    if not user.is_authenticated or not user.is_active:
        return Meeting.objects.none()
    if perms.is_bureau_staff(user):
        return Meeting.objects.all()
    return Meeting.objects.filter(
        Q(organiser=user) | Q(pk__in=Participant.objects.filter(user=user).values("meeting_id"))
    )


def meeting_list_queryset(user) -> QuerySet[Meeting]:
    return (
        meetings_visible_to(user)
        .select_related("organiser")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=Participant.objects.select_related("user", "via_department"),
            ),
            "agenda",
            "projects",
        )
        .order_by("start", "id")
    )


def meeting_page_for(user, meeting_id: int) -> Meeting:
    """One meeting with all its page shows: people, agenda, decisions, findings and their files."""
    meeting = (
        meeting_list_queryset(user)
        .prefetch_related(
            "departments",
            Prefetch(
                "action_items",
                queryset=ActionItem.objects.select_related(
                    "owner_user", "owner_department", "project"
                ),
            ),
            Prefetch(
                "findings",
                queryset=Finding.objects.select_related("project").prefetch_related("files"),
            ),
        )
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        raise NotVisible("meeting not found")
    return meeting


def in_range(queryset, start: datetime | None, end: datetime | None):
    if start is not None:
        queryset = queryset.filter(end__gt=start)
    if end is not None:
        queryset = queryset.filter(start__lt=end)
    return queryset


def meeting_for(user, meeting_id: int) -> Meeting:
    meeting = meeting_list_queryset(user).filter(pk=meeting_id).first()
    if meeting is None:
        raise NotVisible("meeting not found")
    return meeting


def readable_meeting_streams(user, meeting: Meeting) -> list[str]:
    streams = []
    if perms.can_view_meeting(user, meeting):
        streams.append(meeting_stream(meeting.pk))
        if perms.can_view_internal(user, meeting):
            streams.append(meeting_internal_stream(meeting.pk))
    return streams


def action_items_for(user, *, owner_me: bool = False, status: str | None = None):
    """Action items the user may see: theirs, their department's, their meetings'."""
    departments = list(user.departments.values_list("pk", flat=True))
    mine = Q(owner_user=user) | Q(owner_department_id__in=departments)
    if owner_me:
        queryset = ActionItem.objects.filter(mine)
    elif perms.is_bureau_staff(user):
        queryset = ActionItem.objects.all()
    else:
        queryset = ActionItem.objects.filter(mine | Q(meeting__in=meetings_visible_to(user)))
    if status in ("open", "done"):
        queryset = queryset.filter(status=status)
    elif status == "overdue":
        queryset = queryset.filter(status="open", due_date__lt=timezone.localdate())
    return queryset.select_related("meeting", "project", "owner_user", "owner_department").order_by(
        "status", "due_date", "id"
    )


def feed_entries(user) -> tuple[list[Meeting], list[tuple[str, date, str, str]]]:
    """A person's meetings and visits, and the due dates they care about as all-day entries."""
    # Only what a calendar entry shows: thousands of rows, so no whole user objects.
    people = Participant.objects.select_related("user").only(
        "meeting_id",
        "answer",
        "user__email",
        "user__name",
        "user__username",
        "user__first_name",
        "user__last_name",
    )
    meetings = list(
        meetings_visible_to(user)
        .exclude(status=Meeting.Status.DRAFT)
        .select_related("organiser")
        .prefetch_related(
            Prefetch("participants", queryset=people),
            Prefetch("agenda", queryset=AgendaItem.objects.only("meeting_id", "title", "position")),
        )
    )
    days = []
    for action in action_items_for(user, owner_me=True, status="open"):
        days.append(
            (f"action-{action.pk}", action.due_date, f"⚑ {action.title}", action.meeting.title)
        )
    approvals = (
        Approval.objects.filter(
            project__in=projects_visible_to(user),
            status__in=Approval.OPEN,
            due_date__isnull=False,
        )
        .select_related("project", "item")
        .only("id", "due_date", "project__name", "item__code", "item__name")
    )
    for approval in approvals:
        days.append(
            (
                f"approval-{approval.pk}-{approval.due_date:%Y%m%d}",
                approval.due_date,
                f"{approval.item.code} {approval.item.name}",
                approval.project.name,
            )
        )
    return meetings, days
