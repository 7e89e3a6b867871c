"""Ratings (好差评): the services that give a rating and record its follow-up call, and the
selectors that say who sees which ratings.

Who may do what, in one place:
- give: a user of the project's enterprise, once per decided approval (approved or rejected)
  and once per closed case their enterprise opened. Helpers act for the enterprise in the
  approval steps (`act_for_enterprise`), but a rating is the enterprise's own judgement of the
  service the bureau's side gave, so nobody rates on its behalf: not a helper, not staff;
- see: staff all; the project's helpers (those who read its internal side) the project's;
  officers the ratings of their departments (not of the other departments on the project);
  the enterprise's users its own ratings, without the follow-up call's note (a staff record);
- record the follow-up call (回访): bureau staff and the project's helpers (the service
  group on the project, as the cases' transition table has it); once, then staff and they
  may correct the note (who called and when stay as first recorded).

A dissatisfied rating (score <= 2) opens a rectification case (整改, kind `rating`, PJ-)
for the department, answered within `RATING_RECTIFICATION_DAYS` working days (setting,
default 15), once per rating (the case's dedupe key `rating:<id>`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.errors import InvalidInput, NotVisible, PermissionRefused, TransitionRefused
from portal.events import emit
from portal.roles import HELPER, is_bureau_staff, roles_of
from portal.streams import listed
from projects import permissions as perms
from projects.models import Approval, ProjectUserObjectPermission
from projects.streams import project_internal_stream

from .models import Case, Rating
from .rating_events import ALL_REASONS, DISSATISFIED_REASONS, SATISFIED_REASONS, reason_labels
from .services import case_open

COMMENT_MAX = 1000
NOTE_MAX = 2000
DISSATISFIED_AT_MOST = 2  # scores 1 and 2 open a rectification case
SATISFIED_AT_LEAST = 4
# Working days the department has to answer the rectification case (整改时限).
RECTIFICATION_DAYS_DEFAULT = 15

DECIDED = (Approval.Status.APPROVED, Approval.Status.REJECTED)


def rectification_days() -> int:
    return int(getattr(settings, "RATING_RECTIFICATION_DAYS", RECTIFICATION_DAYS_DEFAULT))


def reasons_for(score: int) -> dict[str, Any]:
    """The reasons that fit a score: the satisfied side, the dissatisfied side, or both."""
    if score >= SATISFIED_AT_LEAST:
        return SATISFIED_REASONS
    if score <= DISSATISFIED_AT_MOST:
        return DISSATISFIED_REASONS
    return ALL_REASONS


def is_dissatisfied(score: int) -> bool:
    return score <= DISSATISFIED_AT_MOST


# --- who may -----------------------------------------------------------------------------------


def _helped_project_ids(user) -> QuerySet:
    return ProjectUserObjectPermission.objects.filter(
        user=user, permission__codename="view_internal"
    ).values("content_object_id")


def ratings_visible_to(user) -> QuerySet[Rating]:
    """The ratings a user may read: staff all; helpers their projects'; officers their
    departments'; enterprise users their enterprises'."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Rating.objects.none()
    if is_bureau_staff(user):
        return Rating.objects.all()
    condition = Q(pk__in=[])
    if HELPER in roles_of(user):
        condition |= Q(project_id__in=_helped_project_ids(user))
    departments = perms._department_ids(user)
    if departments:
        condition |= Q(department_id__in=departments)
    enterprises = perms._enterprise_ids(user)
    if enterprises:
        condition |= Q(enterprise_id__in=enterprises)
    return Rating.objects.filter(condition)


def _helped_ids(user) -> set[int]:
    """The projects this helper serves (reads the internal side of), read once per user."""
    cached = user.__dict__.get("_rating_helped_ids")
    if cached is None:
        cached = user.__dict__["_rating_helped_ids"] = (
            set(_helped_project_ids(user).values_list("content_object_id", flat=True))
            if HELPER in roles_of(user)
            else set()
        )
    return cached


def _forget(user) -> None:
    perms.forget_cached_permissions(user)
    user.__dict__.pop("_rating_helped_ids", None)


def _helps_on(user, project) -> bool:
    """One of the project's helpers (the service group on it): reads its internal side."""
    return project is not None and project.pk in _helped_ids(user)


def _bureau_side_sees(user, *, project, department_id) -> bool:
    return (
        is_bureau_staff(user)
        or (department_id is not None and department_id in perms._department_ids(user))
        or _helps_on(user, project)
    )


def _sees_ratings_of(user, *, project, department_id, enterprise_id) -> bool:
    """May this user read a rating (given or to come) of this subject?"""
    if not user.is_authenticated or not user.is_active:
        return False
    return _bureau_side_sees(user, project=project, department_id=department_id) or (
        enterprise_id is not None and enterprise_id in perms._enterprise_ids(user)
    )


def can_view_rating(user, rating: Rating) -> bool:
    return _sees_ratings_of(
        user,
        project=rating.project,
        department_id=rating.department_id,
        enterprise_id=rating.enterprise_id,
    )


def may_read_follow_up_note(user, rating: Rating) -> bool:
    """The follow-up call's note is the bureau's record: not shown to the enterprise."""
    if not user.is_authenticated or not user.is_active:
        return False
    return _bureau_side_sees(user, project=rating.project, department_id=rating.department_id)


def may_record_follow_up(user, rating: Rating) -> bool:
    """Staff and the project's helpers (the service group) call the enterprise back."""
    if not user.is_authenticated or not user.is_active:
        return False
    return is_bureau_staff(user) or _helps_on(user, rating.project)


def may_rate_approval(user, approval: Approval) -> bool:
    return approval.status in DECIDED and perms.is_enterprise_user_of(user, approval.project)


def may_rate_case(user, case: Case) -> bool:
    return (
        case.state == Case.State.CLOSED
        and case.opener_kind == Case.Opener.ENTERPRISE
        and case.project_id is not None
        and case.enterprise_id is not None
        and case.enterprise_id in perms._enterprise_ids(user)
    )


# --- selectors for the pages -------------------------------------------------------------------


def approval_for_rating(user, approval_id: int) -> Approval:
    """An approval whose rating (given or to give) this user may see; NotVisible otherwise
    (an officer of another department on the same project included)."""
    approval = (
        Approval.objects.select_related("project__enterprise", "item", "department")
        .filter(pk=approval_id)
        .first()
    )
    if approval is None or not _sees_ratings_of(
        user,
        project=approval.project,
        department_id=approval.department_id,
        enterprise_id=approval.project.enterprise_id,
    ):
        raise NotVisible(_("Approval not found."))
    return approval


def case_for_rating(user, case_id: int) -> Case:
    """A case whose rating this user may see: one their enterprise opened, or one they may
    see the ratings of; NotVisible otherwise."""
    case = (
        Case.objects.select_related("project", "department", "enterprise")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotVisible(_("Case not found."))
    if case.enterprise_id is not None and case.opener_kind == Case.Opener.ENTERPRISE:
        enterprise_id = case.enterprise_id
    else:
        enterprise_id = None  # nobody's to rate: only staff and the department see it here
    if not _sees_ratings_of(
        user, project=case.project, department_id=case.department_id, enterprise_id=enterprise_id
    ):
        raise NotVisible(_("Case not found."))
    return case


def rating_of(subject) -> Rating | None:
    """The rating of an approval or case, or None (one query, none for a new one)."""
    if subject.pk is None:
        return None
    field = "approval" if isinstance(subject, Approval) else "case"
    return (
        Rating.objects.select_related("follow_up_case", "follow_up_by", "rated_by")
        .filter(**{field: subject})
        .first()
    )


def rating_for(user, rating_id: int) -> Rating:
    rating = (
        ratings_visible_to(user)
        .select_related("approval__item", "case", "project", "department", "follow_up_case")
        .filter(pk=rating_id)
        .first()
    )
    if rating is None:
        raise NotVisible(_("Rating not found."))
    return rating


def filter_ratings(
    queryset: QuerySet[Rating],
    *,
    department: int | None = None,
    score: int | None = None,
    since: date | None = None,
    until: date | None = None,
    follow_up_pending: bool = False,
    project: int | None = None,
) -> QuerySet[Rating]:
    """The list's filters; `follow_up_pending`: dissatisfied ratings nobody has called back."""
    if department:
        queryset = queryset.filter(department_id=department)
    if score:
        queryset = queryset.filter(score=score)
    if project:
        queryset = queryset.filter(project_id=project)
    if since:
        queryset = queryset.filter(at__date__gte=since)
    if until:
        queryset = queryset.filter(at__date__lte=until)
    if follow_up_pending:
        queryset = queryset.filter(score__lte=DISSATISFIED_AT_MOST, follow_up_at__isnull=True)
    return queryset


def ratings_list(user) -> QuerySet[Rating]:
    """What the ratings list shows, with what each row names, in a fixed number of queries."""
    return ratings_visible_to(user).select_related(
        "approval__item",
        "case",
        "project",
        "department",
        "enterprise",
        "rated_by",
        "follow_up_case",
        "follow_up_by",
    )


def project_rating_rows(user, project) -> dict[str, list] | None:
    """The project page's ratings section for this viewer, or None when it shows nothing:
    the enterprise's users get the decided approvals and closed cases (rated or to rate);
    the bureau's side the ratings they may read."""
    enterprise_side = perms.is_enterprise_user_of(user, project)
    bureau_side = is_bureau_staff(user) or _helps_on(user, project)
    if enterprise_side:
        approvals = _decided_approvals(project)
        given = (
            {r.approval_id: r for r in Rating.objects.filter(approval__in=approvals)}
            if approvals
            else {}
        )
        cases = list(
            Case.objects.filter(
                project=project,
                state=Case.State.CLOSED,
                opener_kind=Case.Opener.ENTERPRISE,
                enterprise_id=project.enterprise_id,
            )
            .select_related("rating")
            .order_by("closed_at", "id")
        )
        return {
            "approvals": [(a, given.get(a.pk)) for a in approvals],
            "cases": [(c, getattr(c, "rating", None)) for c in _with_rating(cases)],
            "ratings": [],
        }
    departments = perms._department_ids(user)
    if not bureau_side and not departments:
        return None
    ratings = Rating.objects.filter(project=project).select_related(
        "approval__item", "case", "department", "follow_up_case"
    )
    if not bureau_side:
        ratings = ratings.filter(department_id__in=departments)
    rows = list(ratings.order_by("-at", "-id"))
    if not rows and not bureau_side:
        return None
    return {"approvals": [], "cases": [], "ratings": rows}


def with_texts(rows):
    """Each rating's reasons as one text in the active language (`reasons_text`)."""
    for rating in rows:
        if rating is not None:
            rating.reasons_text = listed(reason_labels(rating.reasons))
    return rows


def _decided_approvals(project) -> list:
    """The project's approved or rejected approvals, oldest decision first: the ones the
    project page already holds (prefetched) when it asks, else one query. (A filter on the
    prefetched related manager would run the page's prefetches all over again.)"""
    held = getattr(project, "_prefetched_objects_cache", {}).get("approvals")
    if held is not None:
        decided = [a for a in held if a.status in DECIDED]
        return sorted(decided, key=lambda a: (a.decided_on or date.min, a.pk))
    return list(
        Approval.objects.filter(project=project, status__in=DECIDED)
        .select_related("item", "department")
        .order_by("decided_on", "id")
    )


def _with_rating(objects: list) -> list:
    """The reverse one-to-one read by select_related: a missing rating raises on access."""
    for obj in objects:
        try:
            obj.rating  # noqa: B018 - loads or raises
        except Rating.DoesNotExist:
            obj.rating = None
    return objects


# --- services ----------------------------------------------------------------------------------


def _clean(score, reasons, comment) -> tuple[int, list[str], str]:
    if isinstance(score, bool) or not isinstance(score, int) or score not in Rating.Score.values:
        raise InvalidInput(_("Choose a rating from 1 to 5."), field="score")
    if not isinstance(reasons, list | tuple) or not all(isinstance(r, str) for r in reasons):
        raise InvalidInput(_("Choose reasons from the list."), field="reasons")
    allowed = reasons_for(score)
    chosen = list(dict.fromkeys(reasons))  # each once, in the order ticked
    wrong = [r for r in chosen if r not in allowed]
    if wrong:
        raise InvalidInput(
            _("These reasons do not fit the rating you chose: %(reasons)s.")
            % {"reasons": ", ".join(str(ALL_REASONS.get(r, r)) for r in wrong)},
            field="reasons",
        )
    if is_dissatisfied(score) and not chosen:
        raise InvalidInput(
            _("Tick at least one reason, so that the department knows what to put right."),
            field="reasons",
        )
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise InvalidInput(
            _("A comment may be at most %(count)d characters.") % {"count": COMMENT_MAX},
            field="comment",
        )
    return score, chosen, comment


def _subject_data(approval: Approval | None, case: Case | None) -> dict[str, Any]:
    if approval is not None:
        item = approval.item
        return {
            "approval_id": approval.pk,
            "item": {"code": item.code, "name": item.name, "name_en": item.name_en or item.name},
        }
    return {"case_id": case.pk, "case": {"number": case.number}}


def _department_data(department) -> dict[str, Any] | None:
    if department is None:
        return None
    return {
        "id": department.pk,
        "name": department.name,
        "name_en": department.name_en or department.name,
    }


def rating_give(
    *,
    actor,
    approval: Approval | None = None,
    case: Case | None = None,
    score: int,
    reasons: list[str] | tuple[str, ...] = (),
    comment: str = "",
    today: date | None = None,
    now: datetime | None = None,
) -> Rating:
    """The enterprise rates a decided approval or a closed case it opened, once; a
    dissatisfied rating opens a rectification case for the department."""
    if (approval is None) == (case is None):
        raise ValueError("rate an approval or a case")
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    _forget(actor)
    with transaction.atomic():
        # The row rated is locked: two ratings at once queue, the second is refused below.
        if approval is not None:
            subject = (
                Approval.objects.select_for_update(of=("self",))
                .select_related("project__enterprise", "item", "department")
                .filter(pk=approval.pk)
                .first()
            )
            if subject is None or not perms.can_view_project(actor, subject.project):
                raise NotVisible(_("Approval not found."))
            project, department = subject.project, subject.department
            if not perms.is_enterprise_user_of(actor, project):
                raise PermissionRefused(
                    _("Only the project unit's own users rate the service, once per decision.")
                )
            if subject.status not in DECIDED:
                raise TransitionRefused(
                    _(
                        "This approval is not decided yet: it can be rated once approved or "
                        "rejected."
                    ),
                    code="not_decided",
                )
        else:
            subject = (
                Case.objects.select_for_update(of=("self",))
                .select_related("project", "department")
                .filter(pk=case.pk)
                .first()
            )
            if subject is None or not _sees_ratings_of(
                actor,
                project=subject.project,
                department_id=subject.department_id,
                enterprise_id=subject.enterprise_id,
            ):
                raise NotVisible(_("Case not found."))
            if subject.enterprise_id not in perms._enterprise_ids(actor):
                raise PermissionRefused(
                    _("Only the enterprise that opened the case rates how it was handled.")
                )
            if subject.state != Case.State.CLOSED:
                raise TransitionRefused(
                    _("This case can be rated once it is closed."), code="not_closed"
                )
            if not may_rate_case(actor, subject):
                raise TransitionRefused(
                    _("Only the cases your enterprise opened on a project are rated here."),
                    code="not_rateable",
                )
            project, department = subject.project, subject.department
        existing = Rating.objects.filter(**{"approval" if approval else "case": subject}).first()
        if existing is not None:
            raise TransitionRefused(_already_rated(existing), code="already_rated")
        score, chosen, comment = _clean(score, list(reasons), comment)
        try:
            with transaction.atomic():
                rating = Rating.objects.create(
                    approval=subject if approval is not None else None,
                    case=subject if case is not None else None,
                    project=project,
                    department=department,
                    enterprise_id=(
                        project.enterprise_id if approval is not None else subject.enterprise_id
                    ),
                    rated_by=actor,
                    score=score,
                    reasons=chosen,
                    comment=comment,
                    at=now,
                )
        except IntegrityError:
            # The one-to-one backs the check above when two requests pass it together.
            raise TransitionRefused(
                _("This has already been rated: a rating is given once."), code="already_rated"
            ) from None
        follow_up = None
        if is_dissatisfied(score) and department is not None:
            follow_up = _open_rectification(rating, subject, today=today)
        emit(
            stream=project_internal_stream(project.pk),
            event="rating.given",
            actor=actor,
            at=now,
            data={
                "rating_id": rating.pk,
                "project_id": project.pk,
                **_subject_data(rating.approval, rating.case),
                "department": _department_data(department),
                "score": score,
                "reasons": chosen,
                "follow_up_case": follow_up.number if follow_up else None,
            },
        )
    return rating


def _already_rated(existing: Rating) -> str:
    return _("This has already been rated (%(score)s, on %(date)s): a rating is given once.") % {
        "score": existing.get_score_display(),
        "date": timezone.localdate(existing.at).isoformat(),
    }


def _open_rectification(rating: Rating, subject, *, today: date) -> Case:
    """The rectification case (整改) for the department, once per rating."""
    what = (
        f"{subject.item.code} {subject.item.name}"
        if isinstance(subject, Approval)
        else subject.number
    )
    # Stored once, in the site's language (the case's title is one text).
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Rectification after a dissatisfied rating of “%(subject)s”") % {"subject": what}
        lines = [
            _("Rating: %(score)s") % {"score": rating.get_score_display()},
            _("Reasons: %(reasons)s") % {"reasons": "、".join(reason_labels(rating.reasons))},
        ]
        if rating.comment:
            lines.append(_("Comment: %(comment)s") % {"comment": rating.comment})
    case, _code = case_open(
        actor=None,
        kind=Case.Kind.RATING,
        title=title[:200],
        body="\n".join(lines),
        project=rating.project,
        approval=rating.approval,
        opener_kind=Case.Opener.SYSTEM,
        department=rating.department,
        limits={"answer": rectification_days()},
        dedupe_key=f"rating:{rating.pk}",
        today=today,
        # At the rating's moment: its case steps read in order with the rating on the timeline.
        now=rating.at,
    )
    rating.follow_up_case = case
    rating.save(update_fields=["follow_up_case"])
    return case


def rating_follow_up(*, actor, rating: Rating, note: str, now: datetime | None = None) -> Rating:
    """Staff or the project's helpers record the follow-up call (回访) on a rating: once (who
    called and when stay); the note may be corrected afterwards, each correction an event."""
    now = now or timezone.now()
    note = (note or "").strip()
    _forget(actor)
    with transaction.atomic():
        locked = (
            Rating.objects.select_for_update(of=("self",))
            .select_related("approval__item", "case", "project", "department")
            .filter(pk=rating.pk)
            .first()
        )
        if locked is None or not can_view_rating(actor, locked):
            raise NotVisible(_("Rating not found."))
        if not may_record_follow_up(actor, locked):
            raise PermissionRefused(
                _("Only bureau staff and the project's helpers record follow-up calls.")
            )
        if not note:
            raise InvalidInput(_("Write what was said on the call."), field="note")
        if len(note) > NOTE_MAX:
            raise InvalidInput(
                _("A note may be at most %(count)d characters.") % {"count": NOTE_MAX},
                field="note",
            )
        corrected = locked.follow_up_at is not None
        if corrected and note == locked.follow_up_note:
            return locked  # nothing changed: no event
        locked.follow_up_note = note
        fields = ["follow_up_note"]
        if not corrected:
            locked.follow_up_at, locked.follow_up_by = now, actor
            fields += ["follow_up_at", "follow_up_by"]
        locked.save(update_fields=fields)
        emit(
            stream=project_internal_stream(locked.project_id),
            event="rating.followed_up",
            actor=actor,
            at=now,
            data={
                "rating_id": locked.pk,
                "project_id": locked.project_id,
                **_subject_data(locked.approval, locked.case),
                "department": _department_data(locked.department),
                "corrected": corrected,
            },
        )
    return locked
