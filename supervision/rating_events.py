"""The ratings' event types, their sentences and who is told (registered by
supervision.streams.register), and the fixed lists of reasons a rating may give.

Both events sit on the project's internal stream (`project:<id>:internal`): staff, the
project's helpers and the officers of its departments read it, the enterprise does not (it
sees its own ratings on its project page, never the follow-up record). The event names the
subject, the score and the reasons, not the comment: the comment (and the follow-up note) is
read on the rating pages, by the rated department, the project's helpers and staff only.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.streams import EventType, NotificationReason, fill, listed, text
from projects.models import Department, Project
from projects.streams import localized

from .models import Rating

# The reasons a person may tick, per side; the neutral score (3) may take either side's.
SATISFIED_REASONS: dict[str, Any] = {
    "fast": gettext_lazy("fast"),
    "clear_guidance": gettext_lazy("clear guidance"),
    "helpful_staff": gettext_lazy("helpful staff"),
    "told_at_once": gettext_lazy("told everything needed at once"),
    "done_online": gettext_lazy("done without visiting in person"),
}
DISSATISFIED_REASONS: dict[str, Any] = {
    "slow": gettext_lazy("slow"),
    "materials_twice": gettext_lazy("asked for materials twice"),
    "unclear_requirements": gettext_lazy("unclear requirements"),
    "poor_attitude": gettext_lazy("poor attitude"),
    "visit_in_person": gettext_lazy("had to visit in person"),
    "no_answer": gettext_lazy("questions left unanswered"),
}
ALL_REASONS: dict[str, Any] = {**SATISFIED_REASONS, **DISSATISFIED_REASONS}

REASON_DEPARTMENT = "rating_department"
REASON_PROJECT = "rating_project"


def reason_labels(codes: Any) -> list[str]:
    """The labels of recorded reason codes in the active language (unknown codes skipped)."""
    if not isinstance(codes, list):
        return []
    return [str(ALL_REASONS[c]) for c in codes if isinstance(c, str) and c in ALL_REASONS]


def _subject(data: dict[str, Any]) -> str:
    item = data.get("item")
    if isinstance(item, dict):
        return " ".join(p for p in (text(item.get("code")), localized(item)) if p)
    case = data.get("case")
    if isinstance(case, dict):
        return text(case.get("number"))
    return ""


def _score(data: dict[str, Any]) -> str:
    score = data.get("score")
    if isinstance(score, int) and not isinstance(score, bool) and score in Rating.Score.values:
        return str(Rating.Score(score).label)
    return ""


def _given(data: dict[str, Any]) -> str:
    subject, score = _subject(data), _score(data)
    reasons = listed(reason_labels(data.get("reasons")))
    case = text(data.get("follow_up_case"))
    sentence = (
        fill(
            _("rated “%(subject)s” as “%(score)s” (%(reasons)s)"),
            subject=subject,
            score=score,
            reasons=reasons,
        )
        or fill(_("rated “%(subject)s” as “%(score)s”"), subject=subject, score=score)
        or fill(_("rated “%(subject)s”"), subject=subject)
    )
    if sentence and case:
        return fill(
            _("%(sentence)s; rectification case %(case)s opened"), sentence=sentence, case=case
        )
    return sentence or _("gave a rating")


def _followed_up(data: dict[str, Any]) -> str:
    subject = _subject(data)
    if data.get("corrected") is True:
        return fill(
            _("corrected the record of the follow-up call on the rating of “%(subject)s”"),
            subject=subject,
        ) or _("corrected the record of a follow-up call")
    return fill(
        _("recorded the follow-up call on the rating of “%(subject)s”"), subject=subject
    ) or _("recorded a follow-up call on a rating")


def _department_officers(data: dict[str, Any]) -> list[int]:
    department = data.get("department")
    department_id = department.get("id") if isinstance(department, dict) else None
    if not isinstance(department_id, int):
        return []
    return list(
        Department.officers.through.objects.filter(
            department_id=department_id, user__is_active=True
        )
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def _lead_helper(data: dict[str, Any]) -> int | None:
    project_id = data.get("project_id")
    if not isinstance(project_id, int):
        return None
    return (
        Project.objects.filter(pk=project_id, lead_helper__is_active=True)
        .values_list("lead_helper_id", flat=True)
        .first()
    )


def notify_rating(event_row) -> list[tuple[int, str]]:
    """The rated department's officers and the project's lead helper (each once)."""
    data = event_row.data if isinstance(event_row.data, dict) else {}
    told: dict[int, str] = {}
    for user_id in _department_officers(data):
        told.setdefault(user_id, REASON_DEPARTMENT)
    lead = _lead_helper(data)
    if lead is not None:
        told.setdefault(lead, REASON_PROJECT)
    told.pop(event_row.actor_id, None)  # nobody is told of what they did
    return list(told.items())


def notify_follow_up(event_row) -> list[tuple[int, str]]:
    """The rated department's officers hear how the follow-up call went."""
    data = event_row.data if isinstance(event_row.data, dict) else {}
    return [
        (user_id, REASON_DEPARTMENT)
        for user_id in _department_officers(data)
        if user_id != event_row.actor_id
    ]


EVENT_TYPES: list = [
    EventType(
        name="rating.given",
        label=gettext_lazy("gave a rating"),
        subject=_subject,
        sentence=_given,
        notify=notify_rating,
    ),
    EventType(
        name="rating.followed_up",
        label=gettext_lazy("recorded a follow-up call"),
        subject=_subject,
        sentence=_followed_up,
        notify=notify_follow_up,
    ),
]
REASONS: list = [
    NotificationReason(
        code=REASON_DEPARTMENT,
        label=gettext_lazy("A rating of your department's work"),
        email="immediate",
        description=gettext_lazy(
            "An enterprise rated an approval or case of your department, or staff called it "
            "back about its rating."
        ),
    ),
    NotificationReason(
        code=REASON_PROJECT,
        label=gettext_lazy("A rating on a project you lead"),
        email="digest",
        description=gettext_lazy("The enterprise of a project you lead rated a decision."),
    ),
]
