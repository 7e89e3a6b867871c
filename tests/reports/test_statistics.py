"""The figures against the hand-computed June data set (tests/reports/conftest.py)."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from projects.clock import WorkingCalendar
from projects.models import Approval, ApprovalMaterial, WorkingDay
from projects.services import approval_accept, approval_receive, material_review, material_upload
from reports.statistics import Scope, compute, percentile_of_histogram, working_days_used
from reports.tables import build_tables
from supervision.models import Case
from tests.projects import factories

from .conftest import JUNE_END, JUNE_START, TODAY, at

pytestmark = pytest.mark.django_db


def june_scope(**kwargs) -> Scope:
    return Scope(JUNE_START, JUNE_END, **kwargs)


def test_counts_and_rates_of_the_hand_computed_month(june):
    f = compute(june_scope(), today=TODAY)
    assert (f.received, f.accepted, f.approved, f.rejected, f.withdrawn) == (4, 2, 2, 1, 1)
    assert f.completion_rate == 1.0  # both accepted in June were decided by its end
    # A on time; B decided on 24 June after its promised date of 23 June (the holiday and the
    # pause moved it), within the statutory limit.
    assert (f.on_time, f.with_due, f.on_time_rate) == (1, 2, 0.5)
    assert f.statutory_rate == 1.0


def test_working_days_skip_the_holiday_and_the_pause(june):
    assert june.a.due_date == date(2026, 6, 23)
    assert june.b.due_date == date(2026, 6, 23)
    f = compute(june_scope(), today=TODAY)
    assert dict(f.used) == {5: 1, 4: 1}
    assert f.median_used == 4.5
    assert f.p90_used == 5.0
    assert f.median_promised == 4.0
    assert (f.days_with_department, f.days_with_enterprise) == (9, 2)
    by_department = {d.department_id: d for d in f.departments.values()}
    assert by_department[june.dept_a.pk].on_time_rate == 1.0
    assert by_department[june.dept_b.pk].on_time_rate == 0.0
    assert f.late_by_month == {(june.dept_b.pk, date(2026, 6, 1)): 1}


@pytest.mark.parametrize(
    ("accepted", "decided"),
    [
        (date(2025, 12, 26), date(2026, 1, 9)),  # New Year
        (date(2026, 9, 25), date(2026, 10, 12)),  # National Day with its make-up weekends
        (date(2026, 2, 10), date(2026, 3, 2)),  # Spring Festival
        (date(2026, 6, 15), date(2026, 6, 15)),  # decided the day it was accepted
    ],
)
def test_sql_working_days_equal_the_clock(june, accepted, decided):
    WorkingDay.objects.update_or_create(date=date(2026, 10, 10), defaults={"is_working": True})
    WorkingDay.objects.update_or_create(date=date(2026, 10, 7), defaults={"is_working": False})
    calendar = WorkingCalendar.load()
    Approval.objects.filter(pk=june.a.pk).update(accepted_on=accepted, decided_on=decided)
    expected = calendar.count(accepted, decided) - june.a.paused_working_days
    # The page's histogram (a working-day index in SQL) and the per-row expression agree with
    # the clock.
    f = compute(Scope(decided, decided, department=june.dept_a.pk), today=TODAY)
    assert dict(f.used) == {expected: 1}
    used = Approval.objects.filter(pk=june.a.pk).annotate(u=working_days_used()).get().u
    assert used == expected


def test_meetings_ratings_and_stages(june):
    f = compute(june_scope(), today=TODAY)
    assert f.meetings["site_inspection"]["held"] == 1
    assert f.actions == {"decided": 2, "done_on_time": 1, "done": 1, "overdue": 1}
    assert f.ratings == {5: 1, 4: 1, 2: 1}
    assert f.satisfaction_rate == pytest.approx(2 / 3)
    assert sum(f.stages.values()) == 2
    assert f.cases == {
        "complaint": {"opened": 1, "answered": 1, "answer_days": 3, "overdue": 0},
        "hotline": {"opened": 1, "answered": 0, "answer_days": 0, "overdue": 1},
    }
    cases = {
        row[0].value: [c.value for c in row[1:]]
        for row in build_tables(f, {"department": [], "item": [], "town": []})["cases"].rows
    }
    assert cases[str(Case.Kind.COMPLAINT.label)][2:] == [3.0, 0]


def test_filters_narrow_every_figure(june):
    only_a = compute(june_scope(department=june.dept_a.pk), today=TODAY)
    assert (only_a.received, only_a.approved, only_a.withdrawn, only_a.rejected) == (2, 1, 1, 0)
    assert only_a.ratings == {5: 1}
    by_town = compute(june_scope(town=june.town.pk), today=TODAY)
    assert (by_town.received, by_town.approved) == (2, 2)
    by_item = compute(june_scope(item=june.item_y.pk), today=TODAY)
    assert (by_item.received, by_item.rejected, by_item.on_time_rate) == (2, 1, 0.0)
    officer_scope = compute(june_scope(departments=frozenset({june.dept_b.pk})), today=TODAY)
    assert officer_scope.received == 2 and officer_scope.withdrawn == 0
    nothing = compute(Scope(date(2026, 1, 1), date(2026, 1, 31)), today=TODAY)
    assert nothing.received == 0


def test_empty_data_shows_dashes_not_errors(db):
    f = compute(Scope(date(2026, 1, 1), date(2026, 3, 31)), today=TODAY)
    assert f.completion_rate is None and f.on_time_rate is None and f.median_used is None
    assert f.satisfaction_rate is None and f.share_with_enterprise is None
    tables = build_tables(f, {"department": [], "item": [], "town": []})
    summary = {row[0].value: row[1].display for row in tables["summary"].rows}
    assert summary["Completion rate (of those accepted in the period)"] == "—"
    assert summary["Applications received"] == "0"
    assert [row[0].value for row in tables["monthly"].rows] == [
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
    ]


def test_percentiles_of_a_histogram():
    assert percentile_of_histogram({}, 50) is None
    assert percentile_of_histogram({3: 1}, 90) == 3.0
    assert percentile_of_histogram({1: 1, 2: 1, 10: 1}, 50) == 2.0
    # 10 values 1..10: median 5.5, nearest-rank 90th percentile 9
    assert percentile_of_histogram(dict.fromkeys(range(1, 11), 1), 50) == 5.5
    assert percentile_of_histogram(dict.fromkeys(range(1, 11), 1), 90) == 9.0


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_accepted_with_missing_materials_and_supplied_on_time(june, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    s = june.staff
    item = factories.item(june.dept_a, "STAT-Z", promised=5, statutory=20)
    on_time, late, never = (
        factories.project(s, june.enterprise, [item], now=at(1, 7)) for _ in range(3)
    )
    for project, supplied_on in ((on_time, 8), (late, 14), (never, None)):
        approval = Approval.objects.get(project=project)
        approval_receive(actor=s, approval_id=approval.pk, now=at(1, 7))
        approval_accept(
            actor=s,
            approval_id=approval.pk,
            missing_materials=["补充说明"],
            materials_due=date(2026, 7, 10),
            now=at(1, 7),
        )
        if supplied_on:
            material = approval.materials.get(name="补充说明")
            version = material_upload(
                actor=s,
                material_id=material.pk,
                upload=SimpleUploadedFile("补充.pdf", PDF, content_type="application/pdf"),
                now=at(supplied_on, 7),
            )
            material_review(
                actor=s, version_id=version.pk, verdict="accepted", now=at(supplied_on, 7)
            )
            assert ApprovalMaterial.objects.get(pk=material.pk).state == "provided"
    f = compute(Scope(date(2026, 7, 1), date(2026, 7, 31)), today=TODAY)
    assert (f.missing_accepted, f.missing_supplied_on_time) == (3, 1)
    assert f.missing_on_time_rate == pytest.approx(1 / 3)
    # June's approvals were accepted with nothing missing.
    assert compute(Scope(JUNE_START, JUNE_END), today=TODAY).missing_accepted == 0
