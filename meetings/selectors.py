"""Permission-filtered reads of meetings, action items and personal calendars.

What of a meeting a viewer sees is decided here, once (`MeetingScope`): being invited opens
the meeting, never its projects. Agenda items, minutes, decisions, findings and their files
show only for the meeting's projects the viewer may see anyway (`projects_visible_to`);
internal minutes only to the bureau side; people by `people_shown_to`. The page, the API, the
calendar files, the personal feed and the invitations all read through it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q, QuerySet, Value
from django.utils import timezone

from portal.dates import EARLIEST, latest
from portal.errors import NotVisible
from portal.models import User
from portal.roles import (
    ENTERPRISE,
    ENTERPRISE_GROUP_NAME,
    HELPER,
    OFFICER,
    STAFF,
    groups_of_roles,
)
from projects.models import Approval, Project
from projects.pickers import people
from projects.selectors import projects_visible_to

from . import permissions as perms
from .models import ActionItem, AgendaItem, Finding, Meeting, Participant, window_instants
from .streams import meeting_internal_stream, meeting_stream


def meetings_visible_to(user) -> QuerySet[Meeting]:
    if not user.is_authenticated or not user.is_active:
        return Meeting.objects.none()
    if perms.is_bureau_staff(user):
        return Meeting.objects.all()
    return Meeting.objects.filter(
        Q(organiser=user) | Q(pk__in=Participant.objects.filter(user=user).values("meeting_id"))
    )


def people_shown_to(user, field: str = "user") -> Q | None:
    """Which people (`<field>_id`) a viewer sees among a meeting's: None for everyone (the
    bureau side); otherwise the viewer, the people of their own enterprise and the bureau side,
    never a person of another enterprise. The organiser is shown apart, always."""
    if perms.sees_every_participant(user):
        return None
    mine = getattr(user, "_meeting_enterprise_ids", None)
    if mine is None:
        mine = user._meeting_enterprise_ids = (
            list(user.enterprises.values_list("pk", flat=True)) if user.is_authenticated else []
        )
    own = User.objects.filter(enterprises__in=mine).values("pk")
    other_company = (
        User.objects.filter(Q(enterprises__isnull=False) | Q(groups__name=ENTERPRISE_GROUP_NAME))
        .exclude(enterprises__in=mine)
        .values("pk")
    )
    bureau = User.objects.filter(
        Q(groups__name__in=groups_of_roles(STAFF, HELPER, OFFICER)) | Q(is_superuser=True)
    ).values("pk")
    key = f"{field}_id"
    return (
        Q(**{key: user.pk})
        | Q(**{f"{key}__in": own})
        | (Q(**{f"{key}__in": bureau}) & ~Q(**{f"{key}__in": other_company}))
    )


class MeetingScope:
    """What of a meeting one viewer may see, as querysets to prefetch with it.

    - projects: the meeting's projects the viewer may see (`projects_visible_to`), and with
      them the agenda items (their minutes), decisions and findings (their files) about them;
      a decision about no project is the meeting's own and shows to everyone who sees it;
    - internal minutes: only the bureau side, and only of the agenda items above;
    - people: everyone for the bureau side, else `people_shown_to`.
    """

    def __init__(self, user):
        self.user = user
        self.every_project = perms.is_bureau_staff(user)
        self.people = people_shown_to(user)

    def visible_projects(self) -> QuerySet[Project]:
        return Project.objects.all() if self.every_project else projects_visible_to(self.user)

    def about_visible_projects(self, queryset: QuerySet, field: str = "project") -> QuerySet:
        if self.every_project:
            return queryset
        return queryset.filter(**{f"{field}__in": projects_visible_to(self.user).values("pk")})

    def participants(self) -> QuerySet[Participant]:
        queryset = Participant.objects.select_related("user", "via_department")
        return queryset if self.people is None else queryset.filter(self.people)

    def agenda(self) -> QuerySet[AgendaItem]:
        return self.about_visible_projects(AgendaItem.objects.all())

    def projects(self) -> QuerySet[Project]:
        return self.about_visible_projects(Project.objects.all(), field="pk")

    def action_items(self) -> QuerySet[ActionItem]:
        queryset = ActionItem.objects.select_related("owner_user", "owner_department", "project")
        if not self.every_project:
            queryset = queryset.filter(
                Q(project__isnull=True) | Q(project__in=projects_visible_to(self.user).values("pk"))
            )
        return with_owner_shown(queryset, self.user)

    def findings(self) -> QuerySet[Finding]:
        return self.about_visible_projects(
            Finding.objects.select_related("project").prefetch_related("files")
        )

    def list_prefetches(self) -> list[Prefetch]:
        return [
            Prefetch("participants", queryset=self.participants()),
            Prefetch("agenda", queryset=self.agenda()),
            Prefetch("projects", queryset=self.projects()),
        ]

    def page_prefetches(self) -> list[Prefetch]:
        return [
            "departments",
            Prefetch("action_items", queryset=self.action_items()),
            Prefetch("findings", queryset=self.findings()),
        ]


def meeting_scope(user) -> MeetingScope:
    return MeetingScope(user)


def with_owner_shown(queryset: QuerySet[ActionItem], user) -> QuerySet[ActionItem]:
    """Annotate `owner_shown`: whether the viewer may see the owning person's name."""
    shown = people_shown_to(user, field="owner_user")
    if shown is None:
        return queryset.annotate(owner_shown=Value(True, output_field=BooleanField()))
    return queryset.annotate(
        owner_shown=ExpressionWrapper(
            Q(owner_user__isnull=True) | Q(owner_user_id=user.pk) | shown,
            output_field=BooleanField(),
        )
    )


def meeting_list_queryset(user) -> QuerySet[Meeting]:
    return (
        meetings_visible_to(user)
        .select_related("organiser")
        .prefetch_related(*meeting_scope(user).list_prefetches())
        .order_by("start", "id")
    )


def meeting_page_for(user, meeting_id: int) -> Meeting:
    """One meeting with all the viewer's page shows of it: people, agenda, decisions,
    findings and their files, as far as `MeetingScope` lets them see."""
    meeting = (
        meeting_list_queryset(user)
        .prefetch_related(*meeting_scope(user).page_prefetches())
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
    """Action items the user may see: theirs, their department's, and those of their
    meetings that are about no project or about a project they may see."""
    departments = list(user.departments.values_list("pk", flat=True))
    mine = Q(owner_user=user) | Q(owner_department_id__in=departments)
    if owner_me:
        queryset = ActionItem.objects.filter(mine)
    elif perms.is_bureau_staff(user):
        queryset = ActionItem.objects.all()
    else:
        about_visible = Q(project__isnull=True) | Q(
            project__in=projects_visible_to(user).values("pk")
        )
        queryset = ActionItem.objects.filter(
            mine | (Q(meeting__in=meetings_visible_to(user)) & about_visible)
        )
    if status in ("open", "done"):
        queryset = queryset.filter(status=status)
    elif status == "overdue":
        queryset = queryset.filter(status="open", due_date__lt=timezone.localdate())
    queryset = queryset.select_related("meeting", "project", "owner_user", "owner_department")
    # Owning an action item opens no project: its project is named only to those who see it.
    if perms.is_bureau_staff(user):
        queryset = queryset.annotate(project_shown=Value(True, output_field=BooleanField()))
    else:
        queryset = queryset.annotate(
            project_shown=ExpressionWrapper(
                Q(project__in=projects_visible_to(user).values("pk")),
                output_field=BooleanField(),
            )
        )
    return with_owner_shown(queryset, user).order_by("status", "due_date", "id")


def feed_entries(user) -> tuple[list[Meeting], list[tuple[str, date, str, str]]]:
    """A person's meetings and visits, and the due dates they care about as all-day entries.

    A row stored with a date outside the accepted window is left out: a calendar cannot show
    it (its end or the day after may not even exist) and it must not break everyone's feed."""
    # Only what a calendar entry shows: thousands of rows, so no whole user objects.
    scope = meeting_scope(user)
    today = timezone.localdate()
    first, after = window_instants(today)
    due_in_window = Q(due_date__gte=EARLIEST, due_date__lte=latest(today))
    people = Participant.objects.select_related("user").only(
        "meeting_id",
        "answer",
        "user__email",
        "user__name",
        "user__username",
        "user__first_name",
        "user__last_name",
    )
    if scope.people is not None:
        people = people.filter(scope.people)
    agenda = scope.agenda().only("meeting_id", "title", "position")
    meetings = list(
        meetings_visible_to(user)
        .exclude(status=Meeting.Status.DRAFT)
        .filter(start__gte=first, start__lt=after, end__gte=first, end__lt=after)
        .select_related("organiser")
        .prefetch_related(
            Prefetch("participants", queryset=people),
            Prefetch("agenda", queryset=agenda),
        )
    )
    days = []
    for action in action_items_for(user, owner_me=True, status="open").filter(due_in_window):
        days.append(
            (f"action-{action.pk}", action.due_date, f"⚑ {action.title}", action.meeting.title)
        )
    approvals = (
        Approval.objects.filter(
            due_in_window,
            project__in=projects_visible_to(user),
            status__in=Approval.OPEN,
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


# --- scheduling clashes -----------------------------------------------------------------------


# Who may be invited to a meeting or own one of its action items: everyone with a portal role
# but the CMS editor's (the bureau side and the enterprises' people).
ATTENDING_ROLES = (STAFF, HELPER, OFFICER, ENTERPRISE)


def invitable_people(organiser) -> QuerySet[User]:
    """Who an organiser may invite: active people with a role that takes part in meetings
    (the same rule as the form's people picker), never the organiser themselves nor an
    account without such a role (an editor, the anonymous user)."""
    return people(*ATTENDING_ROLES).exclude(pk=organiser.pk)


def people_to_check(
    organiser, participant_ids: Iterable[int], department_ids: Iterable[int]
) -> set[int]:
    """The people a meeting with these invitations would have: the organiser, and of the
    people named and the officers of the departments named those the organiser may invite
    (any other id counts for nothing, whether it exists or not)."""
    named = Q(pk__in=list(participant_ids)) | Q(departments__in=list(department_ids))
    invited = invitable_people(organiser).filter(named).values_list("pk", flat=True)
    return {organiser.pk, *invited}


def clashes(
    viewer,
    *,
    people: Iterable[int],
    start: datetime,
    end: datetime,
    exclude_meeting_id: int | None = None,
) -> list[dict]:
    """Who of these people already has a meeting or visit (scheduled or held) overlapping
    [start, end), one entry per person and meeting, by name then time.

    What the viewer could not open stays closed: the other meeting's id and title are given
    only when the viewer may open it, otherwise the entry says just when the person is busy."""
    people = set(people)
    if not people:
        return []
    others = (
        Meeting.objects.filter(
            Q(participants__user_id__in=people) | Q(organiser_id__in=people),
            start__lt=end,
            end__gt=start,
        )
        .exclude(status__in=[Meeting.Status.CANCELLED, Meeting.Status.DRAFT])
        .distinct()
        .prefetch_related(
            Prefetch("participants", queryset=Participant.objects.only("meeting_id", "user_id"))
        )
        .order_by("start", "id")
    )
    if exclude_meeting_id is not None:
        others = others.exclude(pk=exclude_meeting_id)
    busy = []
    for other in others:
        taken = ({p.user_id for p in other.participants.all()} | {other.organiser_id}) & people
        shown = perms.can_view_meeting(viewer, other)
        busy += [(user_id, other, shown) for user_id in taken]
    if not busy:
        return []
    users = {u.pk: u for u in User.objects.filter(pk__in={user_id for user_id, *_ in busy})}
    found = [
        {
            "user": users[user_id],
            "meeting": other if shown else None,
            "start": other.start,
            "end": other.end,
        }
        for user_id, other, shown in busy
    ]
    found.sort(key=lambda c: (c["user"].get_full_name(), c["user"].pk, c["start"]))
    return found
