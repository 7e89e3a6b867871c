"""The demo year: on an empty database (after the accounts and the catalogue), through the
services, deterministic and idempotent; a small size here, the full one timed by the command."""

from collections import Counter
from datetime import date

import pytest

from meetings.models import ActionItem, Meeting
from portal.demo import seed_accounts
from portal.models import Event
from projects.demo import seed_projects
from projects.models import Approval, MaterialVersion, Project
from reports.demo_year import CASE_KEY, delete_demo_year, demo_year_codes, seed_demo_year
from supervision.models import Case, Rating

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 7)


def _statuses():
    rows = Approval.objects.filter(project__code__in=demo_year_codes(8))
    return Counter(rows.values_list("project__code", "item__code", "status", "decided_on"))


def test_a_small_year_through_the_services_deterministic_and_idempotent():
    seed_accounts(password="pw")
    seed_projects(today=TODAY)
    outcome = seed_demo_year(seed=7, projects=8, visits=3, today=TODAY)
    codes = demo_year_codes(8)
    projects = Project.objects.filter(code__in=codes)
    assert outcome.projects == projects.count() == 8
    approvals = Approval.objects.filter(project__in=projects)
    assert outcome.approvals == approvals.count() >= 8 * 12
    # A year of history: decisions in many months, pauses, rejections or withdrawals.
    decided = approvals.filter(status__in=("approved", "rejected"))
    assert outcome.decided == decided.count() > 40
    months = {d.strftime("%Y-%m") for d in decided.values_list("decided_on", flat=True)}
    assert len(months) >= 6
    assert max(months) <= "2026-12" and min(months) >= "2025-12"
    assert outcome.paused == approvals.filter(pauses__isnull=False).distinct().count() > 0
    assert approvals.filter(status="rejected").count() == outcome.rejected
    assert approvals.filter(status="withdrawn").count() == outcome.withdrawn
    assert approvals.filter(status__in=Approval.OPEN).exists()  # the year is not over
    # Accepted with a non-key material missing, sent later and accepted by the officer.
    sent = MaterialVersion.objects.filter(material__approval__in=approvals)
    assert sent.count() == outcome.supplied > 0
    assert sent.filter(review="accepted").count() == outcome.supplied
    # Every change is an event of the log, written by the services at its past moment.
    streams = [f"project:{p}" for p in projects.values_list("pk", flat=True)]
    received = Event.objects.filter(stream__in=streams, event="approval.received")
    assert received.count() == approvals.exclude(received_at=None).count()
    assert received.order_by("at").first().at.date() < date(2026, 3, 1)
    meetings = Meeting.objects.filter(projects__in=projects).distinct()
    assert meetings.filter(kind="joint_meeting").count() == outcome.meetings >= 8
    assert meetings.exclude(kind="joint_meeting").count() == outcome.visits == 3
    assert ActionItem.objects.filter(project__in=projects).count() == outcome.action_items > 0
    cases = Case.objects.filter(dedupe_key__startswith=CASE_KEY)
    assert cases.count() == outcome.cases > 0
    assert cases.filter(kind="hotline").count() == 16  # two calls per project
    assert cases.filter(state="answered").exists() and cases.exclude(state="answered").exists()
    assert Rating.objects.filter(project__in=projects).count() == outcome.ratings > 0
    assert outcome.seconds > 0

    # Idempotent: a second run adds nothing.
    events = Event.objects.count()
    again = seed_demo_year(seed=7, projects=8, visits=3, today=TODAY)
    assert again.projects == 0 and Event.objects.count() == events

    # Deterministic: rebuilt with the same seed, the same approvals end the same way.
    before = _statuses()
    delete_demo_year()
    assert not Project.objects.filter(code__in=codes).exists()
    seed_demo_year(seed=7, projects=8, visits=3, today=TODAY)
    assert _statuses() == before
