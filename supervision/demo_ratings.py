"""Demo ratings (好差评), given through the services by the demo enterprises' users on their
decided approvals: satisfied ones, one dissatisfied rating of an approval of the demo
officer's department (which opens its PJ rectification case) with the follow-up call staff
recorded, and one decided approval left to rate (the project page shows its "Rate" button).
Running it twice adds nothing."""

from __future__ import annotations

from django.utils import timezone

from portal.events import without_live_signals
from portal.models import User
from projects.models import Approval

from . import ratings
from .models import Rating

# What each demo enterprise user says, in order of their decided approvals.
SATISFIED = [
    (5, ["fast", "told_at_once"], "一次性告知很清楚，没有跑第二趟。"),
    (4, ["helpful_staff"], "帮办员全程跟进。"),
    (5, ["done_online", "fast"], ""),
]
SATISFIED_EN = [
    (5, ["fast", "clear_guidance"], "Clear list of materials, decided ahead of the promised date."),
    (4, ["helpful_staff"], ""),
]
DISSATISFIED = (
    2,
    ["materials_twice", "unclear_requirements"],
    "补正通知前后两次要求的材料不一致，多跑了一趟。",
)
FOLLOW_UP_NOTE = "已电话回访孙强：部门已说明补正要求并致歉，企业认可整改安排。"


def _decided(user: User) -> list[Approval]:
    return list(
        Approval.objects.filter(project__enterprise__users=user, status__in=ratings.DECIDED)
        .select_related("project", "item", "department")
        .order_by("decided_on", "id")
    )


def seed_ratings() -> int:
    people = {
        u.username: u
        for u in User.objects.filter(
            username__in=["enterprise", "enterprise2", "staff", "officer"], is_active=True
        )
    }
    if "enterprise" not in people or "staff" not in people:
        return 0
    added = 0
    today = timezone.localdate()
    with without_live_signals():
        added += _seed_for(
            people["enterprise"],
            SATISFIED,
            dissatisfied_in=people.get("officer"),
            follow_up_by=people["staff"],
            today=today,
        )
        if "enterprise2" in people:
            added += _seed_for(people["enterprise2"], SATISFIED_EN, today=today)
    return added


def _seed_for(user, plans, *, dissatisfied_in=None, follow_up_by=None, today) -> int:
    decided = _decided(user)
    if len(decided) < 2:
        return 0
    # The last decided approval stays unrated: the demo shows a "Rate" button.
    rateable = decided[:-1]
    bad = None
    if dissatisfied_in is not None:
        departments = set(dissatisfied_in.departments.values_list("pk", flat=True))
        bad = next((a for a in rateable if a.department_id in departments), None)
    added = 0
    good = [a for a in rateable if a is not bad]
    for approval, (score, reasons, comment) in zip(good, plans, strict=False):
        added += _rate(user, approval, score, reasons, comment, today=today)
    if bad is not None:
        score, reasons, comment = DISSATISFIED
        added += _rate(user, bad, score, reasons, comment, today=today)
        rating = Rating.objects.filter(approval=bad).first()
        if rating is not None and rating.follow_up_at is None and follow_up_by is not None:
            ratings.rating_follow_up(actor=follow_up_by, rating=rating, note=FOLLOW_UP_NOTE)
    return added


def _rate(user, approval, score, reasons, comment, *, today) -> int:
    if Rating.objects.filter(approval=approval).exists():
        return 0
    ratings.rating_give(
        actor=user, approval=approval, score=score, reasons=reasons, comment=comment, today=today
    )
    return 1
