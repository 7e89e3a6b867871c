"""The stored rollups (`ApprovalFact`, refreshed by the worker after each approval event and
after a calendar change) give exactly the figures of the direct computation, on the
hand-computed June data set and on a random one, after a series of changes through the
services; and the statistics page reads them once they were built."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from projects.models import Approval
from projects.services import (
    approval_accept,
    approval_approve,
    approval_receive,
    approval_reject,
    approval_request_supplement,
    approval_supplement,
    approval_withdraw,
    material_review,
    material_upload,
    working_day_set,
)
from reports.models import ApprovalFact, MonthFact, RollupState
from reports.rollups import rebuild, refresh, refresh_months
from reports.statistics import Scope, compute
from tests.projects import factories

from .conftest import JUNE_END, JUNE_START, TODAY, at

# The worker's refresh runs inline, after each change's commit.
pytestmark = pytest.mark.usefixtures("immediate_tasks")

YEAR = Scope(date(2026, 1, 1), date(2026, 12, 31))


def scopes(june) -> list[Scope]:
    return [
        Scope(JUNE_START, JUNE_END),
        YEAR,
        Scope(date(2026, 6, 15), date(2026, 6, 23)),
        # Whole months from the monthly rows, the days at the edges from the facts.
        Scope(date(2026, 5, 20), date(2026, 6, 30)),
        Scope(JUNE_START, date(2026, 6, 20)),
        Scope(date(2026, 5, 1), date(2026, 7, 10)),
        Scope(date(2026, 6, 10), date(2026, 7, 31)),
        Scope(date(2026, 5, 1), date(2026, 7, 31), departments=frozenset({june.dept_b.pk})),
        Scope(JUNE_START, JUNE_END, department=june.dept_a.pk),
        Scope(JUNE_START, JUNE_END, departments=frozenset({june.dept_b.pk})),
        Scope(JUNE_START, JUNE_END, departments=frozenset()),
        Scope(JUNE_START, JUNE_END, item=june.item_y.pk),
        Scope(JUNE_START, JUNE_END, town=june.town.pk),
        Scope(JUNE_START, JUNE_END, stage=june.p1.stage),
    ]


def assert_equal(scope_list):
    for scope in scope_list:
        direct = compute(scope, today=TODAY, source="direct")
        rolled = compute(scope, today=TODAY, source="rollup")
        assert rolled == direct, scope


def test_rebuilt_rollups_give_the_hand_computed_figures(june):
    assert compute(Scope(JUNE_START, JUNE_END), today=TODAY, source="rollup").received == 0
    assert rebuild() == Approval.objects.count()
    f = compute(Scope(JUNE_START, JUNE_END), today=TODAY, source="rollup")
    assert (f.received, f.accepted, f.approved, f.rejected, f.withdrawn) == (4, 2, 2, 1, 1)
    # A: 5 working days (the 19 June holiday left out); B: 4 (two paused days left out).
    assert dict(f.used) == {5: 1, 4: 1}
    assert f.median_used == 4.5
    assert f.paused_days == 2
    assert (f.on_time, f.on_time_statutory, f.with_due) == (1, 2, 2)
    assert_equal(scopes(june))


def test_the_page_reads_the_rollups_once_built(client, june, django_assert_max_num_queries):
    client.force_login(june.staff)
    url = f"/statistics/?date_from={JUNE_START}&date_to={JUNE_END}"
    csv = url + "&format=csv&table=summary"
    before = client.get(csv).content.decode()
    rebuild()
    # The rollups now disagree with the data on purpose: the page shows what they say, June
    # whole from the monthly rows and a part of it from the per-approval rows.
    ApprovalFact.objects.filter(pk=june.a.pk).update(status=Approval.Status.REJECTED)
    part = f"/statistics/?date_from={JUNE_START}&date_to=2026-06-29&format=csv&table=summary"
    part_before = client.get(part).content.decode()
    refresh_months()
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(7):
        tampered = client.get(csv).content.decode()
    assert tampered != before
    assert tampered.replace(str(JUNE_END), "") == part_before.replace("2026-06-29", "")
    refresh([june.a.pk])
    assert client.get(csv).content.decode() == before


def change_series(june, django_capture_on_commit_callbacks):
    """Receive, accept with materials missing, supplement pause and resume, approve, reject,
    withdraw and a calendar change, each committed (the worker's refresh runs after commit)."""
    s = june.staff
    project = factories.project(s, june.enterprise, [june.item_x, june.item_y], now=at(1))
    x = Approval.objects.get(project=project, item=june.item_x)
    y = Approval.objects.get(project=project, item=june.item_y)
    steps = [
        lambda: approval_receive(actor=s, approval_id=x.pk, now=at(8)),
        lambda: approval_accept(actor=s, approval_id=x.pk, now=at(8)),
        lambda: approval_request_supplement(
            actor=s, approval_id=x.pk, reason="补正", missing_materials=["申请表"], now=at(9)
        ),
        lambda: approval_supplement(actor=s, approval_id=x.pk, now=at(12)),
        lambda: approval_approve(actor=s, approval_id=x.pk, now=at(22)),
        lambda: approval_receive(actor=s, approval_id=y.pk, now=at(9)),
        lambda: approval_reject(actor=s, approval_id=y.pk, reason="不符合", now=at(10)),
        lambda: (
            approval_withdraw(actor=s, approval_id=june.c.pk, reason="x", now=at(20))
            if june.c.status != Approval.Status.WITHDRAWN
            else None
        ),
        # The holiday moves: 19 June is a working day again, 22 June a holiday.
        lambda: working_day_set(actor=s, day=date(2026, 6, 19), is_working=True),
        lambda: working_day_set(actor=s, day=date(2026, 6, 22), is_working=False, name="调休"),
    ]
    for step in steps:
        with django_capture_on_commit_callbacks(execute=True):
            step()
        assert_equal(scopes(june))


def test_rollups_follow_a_series_of_changes_through_the_services(
    june, django_capture_on_commit_callbacks
):
    rebuild()
    assert_equal(scopes(june))
    before = compute(Scope(JUNE_START, JUNE_END), today=TODAY, source="rollup")
    change_series(june, django_capture_on_commit_callbacks)
    after = compute(Scope(JUNE_START, JUNE_END), today=TODAY, source="rollup")
    assert after.approved == before.approved + 1
    assert after.rejected == before.rejected + 1
    # The calendar change moved the working days of the approvals decided across it.
    assert after.used != before.used


def test_a_calendar_change_rebuilds_after_commit(june, django_capture_on_commit_callbacks):
    rebuild()
    used = ApprovalFact.objects.get(pk=june.a.pk).used
    with django_capture_on_commit_callbacks(execute=True):
        working_day_set(actor=june.staff, day=date(2026, 6, 19), is_working=True)
    assert ApprovalFact.objects.get(pk=june.a.pk).used == used + 1
    assert_equal(scopes(june))


def test_a_project_deleted_whole_leaves_no_rollup_rows(june, django_capture_on_commit_callbacks):
    """Deleted outside the services (the shell, a data fix): its approvals' rows go after the
    commit, and the figures equal the direct computation at once, not after the nightly
    rebuild."""
    rebuild()
    gone = list(june.p1.approvals.values_list("pk", flat=True))
    assert gone and ApprovalFact.objects.filter(pk__in=gone).count() == len(gone)
    with django_capture_on_commit_callbacks(execute=True):
        june.p1.delete()
    assert not ApprovalFact.objects.filter(pk__in=gone).exists()
    assert ApprovalFact.objects.count() == Approval.objects.count()
    assert_equal(scopes(june)[:3])


def test_the_rebuild_command_marks_the_rollups_built(june, capsys):
    assert not RollupState.objects.exists()
    call_command("rebuild_statistics")
    assert RollupState.objects.filter(pk=1).exists()
    assert ApprovalFact.objects.count() == Approval.objects.count()
    assert "rows rebuilt" in capsys.readouterr().out


def test_random_history_rollups_equal_the_direct_computation(
    june, django_capture_on_commit_callbacks
):
    rng = random.Random(14)
    rebuild()
    s = june.staff
    items = [june.item_x, june.item_y]
    for _n in range(12):
        project = factories.project(s, june.enterprise, items, now=at(1))
        for approval in Approval.objects.filter(project=project):
            day = datetime(2026, 5, 4, 2, tzinfo=UTC) + timedelta(days=rng.randrange(50))
            with django_capture_on_commit_callbacks(execute=True):
                approval_receive(actor=s, approval_id=approval.pk, now=day)
                if rng.random() < 0.15:
                    approval_withdraw(actor=s, approval_id=approval.pk, reason="x", now=day)
                    continue
                if rng.random() < 0.15:
                    approval_reject(actor=s, approval_id=approval.pk, reason="x", now=day)
                    continue
                approval_accept(actor=s, approval_id=approval.pk, now=day)
                day += timedelta(days=rng.randrange(1, 6))
                if rng.random() < 0.4:
                    approval_request_supplement(
                        actor=s,
                        approval_id=approval.pk,
                        reason="补正",
                        missing_materials=["申请表"],
                        now=day,
                    )
                    day += timedelta(days=rng.randrange(1, 8))
                    approval_supplement(actor=s, approval_id=approval.pk, now=day)
                if rng.random() < 0.85:
                    day += timedelta(days=rng.randrange(0, 20))
                    decide = approval_approve if rng.random() < 0.8 else approval_reject
                    extra = {} if decide is approval_approve else {"reason": "x"}
                    decide(actor=s, approval_id=approval.pk, now=day, **extra)
    assert_equal(scopes(june) + [Scope(date(2026, 5, 1), date(2026, 8, 31))])
    # The monthly rows kept cell by cell equal the ones a full rebuild writes.
    kept = month_rows()
    assert kept
    rebuild()
    assert month_rows() == kept
    with django_capture_on_commit_callbacks(execute=True):
        working_day_set(actor=s, day=date(2026, 6, 1), is_working=False, name="测试")
    assert_equal(scopes(june) + [Scope(date(2026, 5, 1), date(2026, 8, 31))])


def month_rows() -> list[tuple]:
    fields = [f.attname for f in MonthFact._meta.fields if f.attname != "id"]
    return sorted(MonthFact.objects.values_list(*fields), key=repr)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_missing_materials_supplied_on_time_follow_the_reviews(
    june, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    rebuild()
    s = june.staff
    item = factories.item(june.dept_a, "STAT-Z", promised=5, statutory=20)
    july = Scope(date(2026, 7, 1), date(2026, 7, 31))
    projects = [factories.project(s, june.enterprise, [item], now=at(1, 7)) for _ in range(3)]
    seen = []
    for project, supplied_on in zip(projects, (8, 14, None), strict=True):
        approval = Approval.objects.get(project=project)
        with django_capture_on_commit_callbacks(execute=True):
            approval_receive(actor=s, approval_id=approval.pk, now=at(1, 7))
        with django_capture_on_commit_callbacks(execute=True):
            approval_accept(
                actor=s,
                approval_id=approval.pk,
                missing_materials=["补充说明"],
                materials_due=date(2026, 7, 10),
                now=at(1, 7),
            )
        assert_equal([july])
        if supplied_on:
            material = approval.materials.get(name="补充说明")
            with django_capture_on_commit_callbacks(execute=True):
                version = material_upload(
                    actor=s,
                    material_id=material.pk,
                    upload=SimpleUploadedFile("补充.pdf", PDF, content_type="application/pdf"),
                    now=at(supplied_on, 7),
                )
            with django_capture_on_commit_callbacks(execute=True):
                material_review(
                    actor=s, version_id=version.pk, verdict="accepted", now=at(supplied_on, 7)
                )
        f = compute(july, today=TODAY, source="rollup")
        seen.append((f.missing_accepted, f.missing_supplied_on_time))
        assert_equal([july, Scope(date(2026, 7, 1), date(2026, 7, 1))])
    # Supplied on 8 July (by the 10th), on the 14th (late), never.
    assert seen == [(1, 1), (2, 1), (3, 1)]
