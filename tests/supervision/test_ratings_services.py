"""Ratings (好差评): who may give one, once, with reasons that fit; the rectification case a
dissatisfied rating opens (once); the follow-up call; the events and who is told."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from portal.errors import InvalidInput, NotVisible, PermissionRefused, TransitionRefused
from portal.models import Event, Notification
from portal.streams import event_text, event_type
from projects.models import Approval
from supervision import ratings
from supervision.models import Case, Rating
from supervision.services import case_open
from tests.supervision.conftest import at

MON = date(2026, 9, 14)


def decide(approval, status="approved"):
    Approval.objects.filter(pk=approval.pk).update(status=status, decided_on=MON)
    approval.refresh_from_db()
    return approval


def give(w, actor=None, score=5, reasons=("fast",), comment="", **subject):
    if not subject:
        subject = {"approval": w.approval}
    return ratings.rating_give(
        actor=actor or w.enterprise,
        score=score,
        reasons=list(reasons),
        comment=comment,
        today=MON,
        now=at(MON),
        **subject,
    )


def rating_events(project):
    return list(
        Event.objects.filter(
            stream__startswith=f"project:{project.pk}", event__startswith="rating."
        )
    )


# --- giving a rating ---------------------------------------------------------------------------


def test_the_enterprise_rates_a_decided_approval_once_on_the_internal_stream(
    case_world, django_capture_on_commit_callbacks
):
    w = case_world
    decide(w.approval)
    with django_capture_on_commit_callbacks(execute=True):
        rating = give(w, score=4, reasons=["fast", "clear_guidance", "fast"], comment=" 很好 ")
    assert (rating.score, rating.reasons, rating.comment) == (4, ["fast", "clear_guidance"], "很好")
    assert rating.project == w.own and rating.department == w.planning
    assert rating.enterprise == w.ent_a and rating.rated_by == w.enterprise
    assert rating.follow_up_case is None  # satisfied: nothing to put right
    [event] = rating_events(w.own)
    # The project's internal stream: the department, helpers and staff read it, the public
    # stream (the enterprise's) has nothing of it.
    assert event.stream == f"project:{w.own.pk}:internal"
    assert event.event == "rating.given"
    assert "comment" not in event.data  # the comment is read on the rating pages only
    item = w.approval.item
    with translation.override("en"):
        assert (
            event_text(event.event, event.data)
            == (
                f"{w.enterprise.get_full_name()} rated “LAND {item.name_en}” as “satisfied” "
                "(fast, clear guidance)"
            ).strip()
        )
    with translation.override("zh-hans"):
        assert f"LAND {item.name}" in event_text(event.event, event.data)


def test_a_second_rating_is_refused_with_the_first_one_named(case_world):
    w = case_world
    decide(w.approval)
    give(w, score=5)
    with pytest.raises(TransitionRefused) as refused:
        give(w, actor=w.ent_colleague, score=1, reasons=["slow"])
    assert refused.value.code == "already_rated"
    assert "very satisfied" in str(refused.value.message)
    assert Rating.objects.count() == 1
    assert Rating.objects.get().score == 5


def test_the_database_backs_once_when_two_requests_pass_the_check_together(case_world):
    w = case_world
    decide(w.approval)
    give(w)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(
            approval=w.approval, project=w.own, enterprise=w.ent_a, score=1, rated_by=w.enterprise
        )


def test_a_concurrent_duplicate_is_refused_as_already_rated(case_world, monkeypatch):
    """The unique one-to-one answers when the check ran before the other's commit."""
    w = case_world
    decide(w.approval)
    give(w)
    # The second request read "no rating yet" (the other had not committed): simulated by a
    # check that finds nothing; the insert then hits the unique constraint.
    real_filter = Rating.objects.filter

    class Blind:
        def first(self):
            return None

    def filter_blind(*args, **kwargs):
        if "approval" in kwargs:
            return Blind()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Rating.objects, "filter", filter_blind)
    with pytest.raises(TransitionRefused) as refused:
        give(w, actor=w.ent_colleague, score=2, reasons=["slow"])
    assert refused.value.code == "already_rated"
    monkeypatch.undo()
    assert Rating.objects.count() == 1
    assert not Case.objects.filter(kind="rating").exists()


@pytest.mark.parametrize("status", ["pending", "received", "accepted", "withdrawn"])
def test_only_a_decided_approval_is_rated(case_world, status):
    w = case_world
    Approval.objects.filter(pk=w.approval.pk).update(status=status)
    with pytest.raises(TransitionRefused) as refused:
        give(w)
    assert refused.value.code == "not_decided"
    assert not Rating.objects.exists()


def test_a_rejected_approval_is_rated_too(case_world):
    w = case_world
    decide(w.approval, "rejected")
    assert give(w, score=3, reasons=["unclear_requirements", "helpful_staff"]).score == 3


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("officer", PermissionRefused),  # the rated department
        ("housing_officer", NotVisible),  # not on the project
        ("helper", PermissionRefused),  # acts for the enterprise, but does not rate for it
        ("staff", PermissionRefused),
        ("enterprise2", NotVisible),  # another enterprise
        ("nobody", NotVisible),
    ],
)
def test_nobody_but_the_enterprise_rates(case_world, who, error):
    w = case_world
    decide(w.approval)
    with pytest.raises(error):
        give(w, actor=getattr(w, who))
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    ("score", "reasons", "field"),
    [
        (1, [], "reasons"),  # dissatisfied: say why
        (1, ["fast"], "reasons"),  # a satisfied reason on a bad score
        (5, ["slow"], "reasons"),
        (4, ["made_up"], "reasons"),
        (0, [], "score"),
        (6, [], "score"),
        (True, [], "score"),
    ],
)
def test_reasons_and_score_are_validated(case_world, score, reasons, field):
    w = case_world
    decide(w.approval)
    with pytest.raises(InvalidInput) as refused:
        give(w, score=score, reasons=reasons)
    assert refused.value.field == field
    assert not Rating.objects.exists()


def test_the_comment_is_at_most_1000_characters(case_world):
    w = case_world
    decide(w.approval)
    with pytest.raises(InvalidInput) as refused:
        give(w, comment="长" * 1001)
    assert refused.value.field == "comment"
    assert len(give(w, comment="长" * 1000).comment) == 1000


# --- the rectification case -------------------------------------------------------------------


def test_a_dissatisfied_rating_opens_one_rectification_case_for_the_department(case_world):
    w = case_world
    decide(w.approval)
    rating = give(w, score=1, reasons=["slow", "poor_attitude"], comment="跑了三趟")
    case = rating.follow_up_case
    assert case is not None
    assert case.kind == Case.Kind.RATING
    assert case.number == "PJ-2026-0001"
    assert case.department == w.planning
    assert case.approval == w.approval and case.project == w.own
    assert case.answer_limit_days == ratings.RECTIFICATION_DAYS_DEFAULT == 15
    assert case.dedupe_key == f"rating:{rating.pk}"
    assert "跑了三趟" in case.body
    # The same key again (a retried request, say) opens nothing new.
    again, code = case_open(
        actor=None, kind="rating", title="x", dedupe_key=f"rating:{rating.pk}", today=MON
    )
    assert (again, code) == (case, None)
    assert Case.objects.filter(kind="rating").count() == 1
    [event] = [e for e in rating_events(w.own) if e.event == "rating.given"]
    assert event.data["follow_up_case"] == "PJ-2026-0001"
    with translation.override("en"):
        assert "rectification case PJ-2026-0001 opened" in event_text(event.event, event.data)


def test_the_rectification_limit_is_a_setting(case_world, settings):
    settings.RATING_RECTIFICATION_DAYS = 10
    w = case_world
    decide(w.approval)
    assert give(w, score=2, reasons=["slow"]).follow_up_case.answer_limit_days == 10


@pytest.mark.parametrize("score", [3, 4, 5])
def test_no_rectification_case_for_a_neutral_or_satisfied_rating(case_world, score):
    w = case_world
    decide(w.approval)
    assert give(w, score=score, reasons=[]).follow_up_case is None
    assert not Case.objects.filter(kind="rating").exists()


# --- rating a closed case ----------------------------------------------------------------------


def complaint(w, actor=None, project=None):
    case, _code = case_open(
        actor=actor or w.enterprise,
        kind="complaint",
        title="窗口态度差",
        project=project or w.own,
        today=MON,
        now=at(MON),
    )
    return case


def test_a_closed_case_the_enterprise_opened_is_rated_once(case_world):
    w = case_world
    case = complaint(w)
    with pytest.raises(TransitionRefused) as refused:
        give(w, case=case)
    assert refused.value.code == "not_closed"
    Case.objects.filter(pk=case.pk).update(state="closed", department=w.planning)
    rating = give(w, case=case, score=2, reasons=["no_answer"])
    assert rating.case == case and rating.department == w.planning
    assert rating.follow_up_case.kind == "rating"
    with pytest.raises(TransitionRefused):
        give(w, actor=w.ent_colleague, case=case)


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("enterprise2", NotVisible),
        ("nobody", NotVisible),
        ("housing_officer", NotVisible),
        ("staff", PermissionRefused),
        ("helper", PermissionRefused),
    ],
)
def test_only_the_opening_enterprise_rates_a_case(case_world, who, error):
    w = case_world
    case = complaint(w)
    Case.objects.filter(pk=case.pk).update(state="closed")
    with pytest.raises(error):
        give(w, actor=getattr(w, who), case=case)


def test_a_case_the_bureau_opened_is_not_the_enterprises_to_rate(case_world):
    w = case_world
    case, _ = case_open(actor=w.staff, kind="supervision", title="督办", project=w.own, today=MON)
    Case.objects.filter(pk=case.pk).update(state="closed")
    with pytest.raises((NotVisible, PermissionRefused)):
        give(w, case=case)


# --- who sees which ratings --------------------------------------------------------------------


def test_ratings_are_visible_to_the_department_the_project_and_the_enterprise_only(case_world):
    w = case_world
    decide(w.approval)
    rating = give(w, score=2, reasons=["slow"])
    sees = {
        name
        for name in (
            "staff",
            "helper",
            "helper2",
            "officer",
            "officer2",
            "head",
            "housing_officer",
            "enterprise",
            "ent_colleague",
            "enterprise2",
            "nobody",
        )
        if ratings.ratings_visible_to(getattr(w, name)).filter(pk=rating.pk).exists()
    }
    assert sees == {"staff", "helper", "officer", "officer2", "enterprise", "ent_colleague"}
    # The follow-up record is the bureau's: the enterprise reads its rating without it.
    assert ratings.may_read_follow_up_note(w.officer, rating)
    assert not ratings.may_read_follow_up_note(w.enterprise, rating)


# --- who is told -------------------------------------------------------------------------------


def test_the_department_officers_and_the_lead_helper_are_told(case_world):
    w = case_world
    decide(w.approval)
    give(w, score=1, reasons=["slow"])
    event = Event.objects.get(event="rating.given")
    told = dict(event_type("rating.given").notify(event))
    assert told == {
        w.officer.pk: "rating_department",
        w.officer2.pk: "rating_department",
        w.helper.pk: "rating_project",
    }


def test_an_inactive_officer_is_not_told(case_world):
    w = case_world
    w.officer2.is_active = False
    w.officer2.save()
    decide(w.approval)
    give(w)
    told = dict(event_type("rating.given").notify(Event.objects.get(event="rating.given")))
    assert w.officer2.pk not in told and w.officer.pk in told


# --- the follow-up call ------------------------------------------------------------------------


def test_staff_record_the_follow_up_call_once_and_may_correct_its_note(case_world):
    w = case_world
    decide(w.approval)
    rating = give(w, score=1, reasons=["slow"])
    first = ratings.rating_follow_up(actor=w.staff, rating=rating, note="已回访，企业认可整改")
    assert first.follow_up_by == w.staff and first.follow_up_at is not None
    when = first.follow_up_at
    corrected = ratings.rating_follow_up(
        actor=w.staff2, rating=rating, note="已回访，企业认可整改方案"
    )
    # Who called and when stay as first recorded; the note is corrected.
    assert corrected.follow_up_by == w.staff and corrected.follow_up_at == when
    assert corrected.follow_up_note == "已回访，企业认可整改方案"
    ratings.rating_follow_up(actor=w.staff, rating=rating, note="已回访，企业认可整改方案")
    events = list(Event.objects.filter(event="rating.followed_up").order_by("id"))
    assert [e.data["corrected"] for e in events] == [False, True]  # the same note: no event
    assert {e.stream for e in events} == {f"project:{w.own.pk}:internal"}
    with translation.override("en"):
        assert "corrected the record of the follow-up call" in event_text(
            events[1].event, events[1].data
        )
    told = dict(event_type("rating.followed_up").notify(events[0]))
    assert told == {w.officer.pk: "rating_department", w.officer2.pk: "rating_department"}


def test_the_projects_helper_records_the_call_too(case_world):
    w = case_world
    decide(w.approval)
    rating = give(w, score=2, reasons=["slow"])
    assert ratings.rating_follow_up(actor=w.helper, rating=rating, note="电话回访").follow_up_at


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("officer", PermissionRefused),
        ("enterprise", PermissionRefused),
        ("helper2", NotVisible),
        ("housing_officer", NotVisible),
        ("enterprise2", NotVisible),
    ],
)
def test_others_do_not_record_the_call(case_world, who, error):
    w = case_world
    decide(w.approval)
    rating = give(w, score=2, reasons=["slow"])
    with pytest.raises(error):
        ratings.rating_follow_up(actor=getattr(w, who), rating=rating, note="x")
    rating.refresh_from_db()
    assert rating.follow_up_at is None


def test_an_empty_note_is_refused(case_world):
    w = case_world
    decide(w.approval)
    rating = give(w, score=2, reasons=["slow"])
    with pytest.raises(InvalidInput) as refused:
        ratings.rating_follow_up(actor=w.staff, rating=rating, note="  ")
    assert refused.value.field == "note"


def test_the_notification_centre_writes_one_notification_per_person(
    case_world, django_capture_on_commit_callbacks
):
    w = case_world
    decide(w.approval)
    with django_capture_on_commit_callbacks(execute=True):
        give(w, score=1, reasons=["slow"])
    notes = Notification.objects.filter(event__event="rating.given")
    assert notes.count() == 3
    told = dict(notes.values_list("user__username", "reason"))
    assert told == {
        "officer": "rating_department",
        "officer2": "rating_department",
        "helper": "rating_project",
    }
    text = notes.get(user=w.officer).text
    assert "LAND" in text and "PJ-2026-0001" in text
