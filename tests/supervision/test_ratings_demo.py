"""The demo's ratings: given through the services on decided demo approvals, one dissatisfied
with its rectification case and the follow-up call; seeding again adds nothing."""

from django.core.management import call_command

from portal.models import Event
from supervision.demo_ratings import seed_ratings
from supervision.models import Case, Rating


def test_the_demo_has_ratings_a_rectification_and_a_follow_up(seeded_demo):
    given = Rating.objects.select_related("approval__project", "rated_by")
    assert given.count() >= 3
    assert {r.rated_by.username for r in given} >= {"enterprise"}
    bad = given.get(score__lte=2)
    assert bad.follow_up_case.kind == Case.Kind.RATING
    assert bad.follow_up_case.number.startswith("PJ-")
    assert bad.department.officers.filter(username="officer").exists()
    assert bad.follow_up_at is not None and bad.follow_up_by.username == "staff"
    # Written as events, like any rating (one each), on the projects' internal streams.
    assert Event.objects.filter(event="rating.given").count() == given.count()
    assert Event.objects.filter(event="rating.followed_up").count() == 1
    # One decided approval of the demo enterprise is left for the "Rate" button.
    assert given.filter(rated_by__username="enterprise").count() < (
        bad.project.enterprise.projects.filter(approvals__status__in=["approved", "rejected"])
        .values("approvals")
        .count()
    )


def test_seeding_again_adds_nothing(seeded_demo):
    before = (Rating.objects.count(), Case.objects.filter(kind="rating").count())
    assert seed_ratings() == 0
    call_command("seed_demo", "--password", seeded_demo.password, verbosity=0)
    assert (Rating.objects.count(), Case.objects.filter(kind="rating").count()) == before
    assert Event.objects.filter(event="rating.followed_up").count() == 1
