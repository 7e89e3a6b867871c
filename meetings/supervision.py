"""What supervision does about meetings, registered into supervision's sweep and ladder
(supervision sits below meetings and never imports it):

- an open action item past its due date gets an `action_overdue` card, once per due date, on
  its project's internal stream (told to the project's helpers and the item's owner); the card
  is cleared when the item is done or given another date. Action items without a project get
  no card: a card lives on a project's stream.
- the ladder's agenda step proposes a supervision case for the next scheduled joint meeting of
  its project, or the next joint meeting at all when the project has none scheduled;
- the agenda proposals of a meeting gain the open cases that reached that step, for the
  meeting's projects (`escalated_cases`).

`register()` is called from `MeetingsConfig.ready()`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef

from supervision.ladder import register_agenda_target
from supervision.models import Card, Case, EscalationRule, EscalationStep
from supervision.sweep import SweepContext, card_clear, card_issue, register_sweep_step

from .models import ActionItem, Meeting

SHANGHAI = ZoneInfo("Asia/Shanghai")
ACTION_ITEM = "action_item"


def _key(action_id: int, due: date) -> str:
    return f"action_overdue:{ACTION_ITEM}:{action_id}:{due.isoformat()}"


def action_item_cards(ctx: SweepContext) -> None:
    """Cards for open action items past their due date; cleared when done or moved."""
    today = ctx.today
    carded = Card.objects.filter(
        colour=Card.Colour.ACTION_OVERDUE,
        subject_type=ACTION_ITEM,
        subject_id=OuterRef("pk"),
        due_date=OuterRef("due_date"),
    )
    overdue = (
        ActionItem.objects.filter(
            status=ActionItem.Status.OPEN, due_date__lt=today, project__isnull=False
        )
        .annotate(carded=Exists(carded))
        .filter(carded=False)
        .select_related("project", "owner_department")
        .order_by("due_date", "id")
    )
    for action in overdue:
        card = card_issue(
            colour=Card.Colour.ACTION_OVERDUE,
            key=_key(action.pk, action.due_date),
            today=today,
            project=action.project,
            department=action.owner_department,
            due_date=action.due_date,
            subject_type=ACTION_ITEM,
            subject_id=action.pk,
            data={
                "action_item": {"id": action.pk, "title": action.title},
                "meeting_id": action.meeting_id,
                "also": [action.owner_user_id] if action.owner_user_id else [],
            },
        )
        if card is not None:
            ctx.counts[Card.Colour.ACTION_OVERDUE] += 1

    open_cards = list(
        Card.objects.filter(
            colour=Card.Colour.ACTION_OVERDUE, subject_type=ACTION_ITEM, cleared_on__isnull=True
        ).values_list("pk", "subject_id", "due_date")
    )
    if not open_cards:
        return
    actions = {
        pk: (status, due)
        for pk, status, due in ActionItem.objects.filter(
            pk__in=[subject for _pk, subject, _due in open_cards]
        ).values_list("pk", "status", "due_date")
    }
    for card_id, action_id, due in open_cards:
        status, current_due = actions.get(action_id, (ActionItem.Status.DONE, None))
        if status == ActionItem.Status.DONE:
            why = "done"
        elif current_due != due:
            why = "due_date_moved"
        else:
            continue
        if card_clear(card_id=card_id, today=today, why=why):
            ctx.counts["cleared"] += 1


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def next_joint_meeting(project_id: int, today: date) -> dict[str, Any] | None:
    """The next scheduled joint meeting about the project, else the next one at all."""
    upcoming = Meeting.objects.filter(
        kind=Meeting.Kind.JOINT_MEETING,
        status=Meeting.Status.SCHEDULED,
        start__gte=_start_of(today),
    ).order_by("start", "id")
    meeting = upcoming.filter(projects=project_id).first() or upcoming.first()
    if meeting is None:
        return None
    return {
        "id": meeting.pk,
        "title": meeting.title,
        "start": meeting.start,
        "organiser_id": meeting.organiser_id,
    }


def escalated_cases(project_ids: Iterable[int]) -> dict[int, Case]:
    """The open supervision cases about approvals of these projects whose card reached the
    ladder's agenda step, by approval id (the oldest case of an approval)."""
    steps = EscalationStep.objects.filter(
        rule__action=EscalationRule.Action.AGENDA, card__case=OuterRef("pk")
    )
    cases = (
        Case.objects.filter(
            kind=Case.Kind.SUPERVISION,
            state__in=Case.OPEN_STATES,
            approval__isnull=False,
            project_id__in=list(project_ids),
        )
        .filter(Exists(steps))
        .order_by("-opened_at", "-id")
    )
    found: dict[int, Case] = {}
    for case in cases:
        found[case.approval_id] = case  # the oldest wins: the list runs newest first
    return found


def register() -> None:
    register_sweep_step("meetings.action_items", action_item_cards)
    register_agenda_target(next_joint_meeting)
