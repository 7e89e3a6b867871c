"""The demo data of `seed_demo`: a realistic catalogue and months of project history."""

from collections import Counter
from datetime import date, timedelta
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from portal.demo import seed_accounts
from portal.models import Event, User
from projects.clock import WorkingCalendar
from projects.demo import PROJECT_CODES, seed_projects
from projects.models import (
    Approval,
    ApprovalItem,
    ApprovalMaterial,
    ApprovalPause,
    Department,
    Enterprise,
    Industry,
    ItemMaterial,
    Project,
    Town,
)
from projects.selectors import approval_summary, projects_visible_to
from projects.services import approval_transition

pytestmark = pytest.mark.django_db

PLANNING = "区规划和自然资源局"
S = Approval.Status


@pytest.fixture
def seeded(seeded_demo):
    """The demo as `seed_demo` leaves it, seeded once for the session (tests/conftest.py)."""
    return seeded_demo


def user(username: str) -> User:
    return User.objects.get(username=username)


def glass_plant() -> Project:
    return Project.objects.get(
        enterprise__users__username="enterprise",
        name__contains="汽车玻璃",
        stage__in=[Project.Stage.PRODUCTION, Project.Stage.CONSTRUCTION],
    )


def summaries(today: date | None = None) -> list[tuple[Approval, dict]]:
    calendar = WorkingCalendar.load()
    approvals = Approval.objects.select_related("item", "department", "project").prefetch_related(
        "materials"
    )
    return [(a, approval_summary(a, calendar=calendar, today=today)) for a in approvals]


def prerequisites_approved(approval: Approval) -> bool:
    required = set(approval.item.prerequisites.values_list("pk", flat=True))
    approved = set(
        approval.project.approvals.filter(status=S.APPROVED).values_list("item_id", flat=True)
    )
    return required <= approved


def snapshot() -> dict:
    return {
        "projects": Project.objects.count(),
        "approvals": sorted(
            Approval.objects.values_list("project__code", "item__code", "status", "due_date")
        ),
        "events": Event.objects.count(),
        "pauses": ApprovalPause.objects.count(),
        "items": ApprovalItem.objects.count(),
        "materials": ItemMaterial.objects.count(),
        "departments": Department.objects.count(),
        "users": User.objects.count(),
    }


def test_the_catalogue_has_departments_at_three_levels_and_realistic_items(seeded):
    departments = Department.objects.all()
    assert departments.count() >= 20
    assert set(departments.values_list("level", flat=True)) == {"city", "district", "town"}
    assert all(d.name_en and d.short_name and d.head for d in departments)
    names = set(departments.values_list("name", flat=True))
    assert {"区发展和改革委员会", PLANNING, "区住房和城乡建设委员会", "区生态环境局"} <= names
    assert {"杨柳青镇政务服务中心", "开发区政务服务分中心"} <= names
    assert user("officer") in Department.objects.get(name=PLANNING).officers.all()
    crowded = departments.annotate(n=Count("officers")).filter(n__gte=2)
    assert crowded.count() >= 3

    items = ApprovalItem.objects.annotate(n=Count("materials"))
    assert items.count() >= 60
    for item in items:
        assert item.name_en and item.legal_basis and item.fee, item.code
        assert item.promised_limit_days < item.statutory_limit_days, item.code
        assert 3 <= item.n <= 7, item.code
        assert item.materials.filter(key=True).exists(), item.code
    assert ItemMaterial.objects.filter(key=False).count() >= 60
    assert items.filter(fully_online=True).count() / items.count() > 0.3
    setup = ApprovalItem.objects.get(name="企业设立登记")
    assert setup.promised_limit_days == 1

    def requires(code: str) -> set[str]:
        return set(ApprovalItem.objects.get(code=code).prerequisites.values_list("name", flat=True))

    site, land, works, permit = (
        ApprovalItem.objects.get(name=n)
        for n in ("建设项目用地预审与选址意见书", "建设用地规划许可证", "建设工程规划许可证",
                  "建筑工程施工许可证核发")
    )  # fmt: skip
    assert site.name in requires(land.code)
    assert land.name in requires(works.code)
    assert {works.name, "建设工程消防设计审查"} <= requires(permit.code)
    eia = ApprovalItem.objects.get(name="建设项目环境影响报告表审批")
    assert "企业投资项目备案" in requires(eia.code)

    industries = Industry.objects.annotate(n=Count("standard_items"))
    assert industries.count() >= 5 and all(i.n >= 5 for i in industries)
    assert {
        "manufacturing",
        "logistics",
        "grain-storage",
        "office-building",
        "fishery-solar",
    } <= set(industries.values_list("code", flat=True))
    towns = set(Town.objects.values_list("name", flat=True))
    assert {"杨柳青镇", "张家窝镇", "精武镇", "大寺镇", "王稳庄镇", "李七庄街"} <= towns
    assert Town.objects.filter(is_zone=True).exists()


def test_major_projects_cover_every_stage_with_helpers_and_enterprises(seeded):
    projects = Project.objects.select_related("enterprise", "town", "lead_helper")
    assert projects.count() >= 12
    assert set(projects.values_list("stage", flat=True)) == set(Project.Stage.values)
    for project in projects:
        assert project.investment and project.investment > 0, project.code
        assert project.town and project.planned_start and project.leading_official, project.code
        assert project.approvals.exists(), project.code
    leads = Counter(projects.values_list("lead_helper__username", flat=True))
    assert leads["helper"] > leads["helper2"] > 0
    assert projects.filter(helpers__isnull=False).distinct().count() >= 3
    names = " ".join(projects.values_list("name", flat=True))
    for kind in ("汽车玻璃", "物流", "粮食储备", "大厦", "渔光互补"):
        assert kind in names

    plant = glass_plant()
    assert plant.stage in (Project.Stage.PRODUCTION, Project.Stage.CONSTRUCTION)
    assert plant.registered_at > timezone.now() - timedelta(days=365)
    assert not plant.approvals.filter(status__in=Approval.OPEN).exists()
    enterprise, enterprise2 = user("enterprise"), user("enterprise2")
    assert projects_visible_to(enterprise).filter(pk=plant.pk).exists()
    assert not projects_visible_to(enterprise2).filter(pk=plant.pk).exists()
    other = Enterprise.objects.get(users=enterprise2)
    assert other != plant.enterprise
    assert list(projects_visible_to(enterprise2)) == list(other.projects.all())
    assert other.projects.count() == 1


def test_approvals_show_every_state_and_every_case_of_the_clock(seeded):
    assert set(Approval.objects.values_list("status", flat=True)) == set(S.values)
    read = summaries()

    paused = [a for a, s in read if s["colour"] == "paused"]
    assert paused
    assert all(a.paused_since and a.pauses.filter(resumed_on=None).exists() for a in paused)
    closed = ApprovalPause.objects.filter(resumed_on__isnull=False, approval__status=S.APPROVED)
    assert closed.exists()
    assert Approval.objects.filter(status=S.APPROVED, paused_working_days__gt=0).exists()

    today = timezone.localdate()
    missing = Approval.objects.filter(
        status=S.ACCEPTED, materials__state=ApprovalMaterial.State.MISSING
    ).distinct()
    assert missing.exists()
    for approval in missing:
        states = approval.materials.filter(state=ApprovalMaterial.State.MISSING)
        assert not states.filter(key=True).exists()
        assert approval.materials_due > today

    overdue = [a for a, s in read if s["colour"] == "overdue"]
    assert overdue
    assert all(a.status == S.ACCEPTED and a.due_date < today for a in overdue)
    assert any(a.department.name == PLANNING for a in overdue)


def test_the_officer_can_accept_a_planning_file_of_helpers_project_at_once(seeded):
    officer = user("officer")
    ready = [
        a
        for a in Approval.objects.filter(
            status=S.RECEIVED, department__name=PLANNING, project__lead_helper__username="helper"
        ).select_related("project", "item")
        if prerequisites_approved(a)
    ]
    assert len(ready) >= 2
    accepted = approval_transition(actor=officer, approval_id=ready[0].pk, action="accept")
    assert accepted.status == S.ACCEPTED
    assert accepted.due_date > timezone.localdate()


def test_the_history_spans_months_in_order_and_ends_before_today(seeded):
    today = timezone.localdate()
    # The approvals' history ends before today; the supervision demo (this morning's sweep,
    # today's hotline calls, the ratings just given) may be of today.
    supervision = ("card.", "case.", "rating.", "project.case_step")
    days = [
        timezone.localdate(at)
        for at, name in Event.objects.values_list("at", "event")
        if not name.startswith(supervision)
    ]
    assert max(days) < today
    assert min(days) <= today - timedelta(days=180)
    # Each stream reads chronologically in seq order.
    for stream in Event.objects.values_list("stream", flat=True).distinct():
        ats = list(Event.objects.filter(stream=stream).order_by("seq").values_list("at", flat=True))
        assert all(a <= b for a, b in pairwise(ats)), stream
    kinds = set(Event.objects.values_list("event", flat=True))
    assert {
        "project.registered",
        "project.assigned",
        "project.helpers_changed",
        "approval.received",
        "approval.accepted",
        "approval.supplement_requested",
        "approval.supplemented",
        "approval.approved",
        "approval.rejected",
        "approval.withdrawn",
    } <= kinds
    actors = set(Event.objects.exclude(actor=None).values_list("actor__username", flat=True))
    assert {"staff", "officer", "enterprise", "enterprise2"} <= actors


def test_seeding_twice_leaves_the_same_data(seeded):
    first = snapshot()
    call_command("seed_demo", verbosity=0)
    assert snapshot() == first


def test_reset_rebuilds_the_demo_projects(seeded):
    fresh = snapshot()
    received = Approval.objects.filter(status=S.RECEIVED, department__name=PLANNING).first()
    approval_transition(actor=user("officer"), approval_id=received.pk, action="accept")
    ApprovalItem.objects.filter(code="DRC-01").update(name="changed")
    assert snapshot() != fresh
    call_command("seed_demo", "--reset", verbosity=0)
    assert snapshot() == fresh
    assert ApprovalItem.objects.get(code="DRC-01").name == "企业投资项目备案"


def test_the_history_is_dated_back_from_the_given_today():
    seed_accounts(password="pw")
    today = date(2026, 3, 2)
    assert seed_projects(today=today) == len(PROJECT_CODES)
    days = [timezone.localdate(at) for at in Event.objects.values_list("at", flat=True)]
    assert today - timedelta(days=7) <= max(days) < today
    overdue = [a for a, s in summaries(today) if s["colour"] == "overdue"]
    assert overdue and all(a.due_date < today for a in overdue)
    assert seed_projects(today=today) == 0


def test_the_demo_enterprises_have_their_administrators(seeded_demo):
    from projects.models import Enterprise

    glass = Enterprise.objects.get(name="津晶汽车玻璃（天津）有限公司")
    assert list(glass.administrators.values_list("username", flat=True)) == ["enterprise"]
    deko = Enterprise.objects.get(name="德科精密传动（天津）有限公司")
    assert list(deko.administrators.values_list("username", flat=True)) == ["enterprise2"]
