"""A year of demo data for the statistics and open-government pages: several dozen projects with
a thousand or more approvals over the past twelve months, their decisions, pauses, withdrawals
and rejections, the monthly joint meetings with their follow-ups, site visits, and (where the
supervision services are installed) cases and ratings.

Like `projects.demo`, everything goes through the services with past `now=` moments, replayed
in one chronological order with live signals off, so the event log is real and each stream reads
in time order. Days are working days counted back from `today`, so the year ends today whenever
it is loaded. Seeded random numbers make it deterministic; projects whose code exists already
are skipped, so running it twice leaves the same data.

Needs the demo accounts and catalogue (`seed_demo`, or `portal.demo.seed_accounts` with
`projects.demo.seed_projects`). Codes ZDXM-101 onwards (the base demo uses ZDXM-001 to -013).
"""

from __future__ import annotations

import random
import time as clock_time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from meetings.models import Meeting
from meetings.services import (
    action_item_close,
    action_item_create,
    finding_add,
    meeting_record,
    meeting_schedule,
)
from portal.events import without_live_signals
from portal.models import Event, StreamHead, User
from projects.clock import WorkingCalendar
from projects.demo import BUILD, CATALOGUE, DEPARTMENT_KEYS, ENTERPRISES, OFFICERS, POST, PRE
from projects.models import (
    Approval,
    ApprovalItem,
    ApprovalMaterial,
    Department,
    Enterprise,
    Industry,
    MaterialVersion,
    Project,
    StoredFile,
    Town,
)
from projects.services import (
    approval_transition,
    material_review,
    material_upload,
    project_register,
)
from projects.streams import project_internal_stream, project_stream
from supervision.case_events import case_internal_stream, case_stream
from supervision.models import Case, Rating
from supervision.ratings import rating_give
from supervision.services import case_open, case_transition

CODE_FIRST = 101
CASE_KEY = "demo-year:"  # the cases' dedupe keys start with it
YEAR_DAYS = 245  # working days in twelve months, about
DEFAULT_PROJECTS = 48

# Enterprise (by its Chinese name's position in demo/organisations.json) -> its industry.
ENTERPRISE_INDUSTRY = [
    "manufacturing",
    "manufacturing",
    "logistics",
    "grain-storage",
    "office-building",
    "fishery-solar",
    "logistics",
    "manufacturing",
    "biomedicine",
    "culture-tourism",
    "food-processing",
    "modern-agriculture",
]
# What each industry builds: (Chinese, English).
WORKS = {
    "manufacturing": [
        ("汽车零部件生产线", "Automotive parts production line"),
        ("精密减速机扩产", "Precision gearbox capacity extension"),
        ("新能源电池模组工厂", "New-energy battery module plant"),
        ("智能装备产业园", "Smart equipment industrial park"),
    ],
    "logistics": [
        ("智慧物流园", "Smart logistics park"),
        ("冷链分拨中心", "Cold-chain distribution centre"),
        ("电商仓储基地", "E-commerce warehousing base"),
    ],
    "grain-storage": [
        ("粮食储备库扩建", "Grain reserve depot extension"),
        ("低温储粮仓", "Low-temperature grain store"),
    ],
    "office-building": [
        ("商务综合楼", "Business complex"),
        ("总部办公楼", "Headquarters office building"),
    ],
    "fishery-solar": [
        ("渔光互补光伏电站", "Fishery-solar photovoltaic plant"),
        ("农光互补示范项目", "Agri-solar demonstration project"),
    ],
    "biomedicine": [
        ("生物制剂生产基地", "Biologics production base"),
        ("医疗器械研发中心", "Medical device R&D centre"),
    ],
    "culture-tourism": [
        ("古镇文旅街区", "Ancient-town cultural tourism quarter"),
        ("运河文化展示中心", "Canal culture exhibition centre"),
    ],
    "food-processing": [
        ("中央厨房项目", "Central kitchen"),
        ("预制菜加工厂", "Prepared-food processing plant"),
    ],
    "modern-agriculture": [
        ("智慧温室大棚", "Smart greenhouse"),
        ("种业创新基地", "Seed industry innovation base"),
    ],
}
SUPPLEMENT_REASON = "{material}内容不完整，请按一次性告知单补正。"
WITHDRAW_REASON = "项目方案调整，撤回申请，待方案确定后重新申报。"
REJECT_REASON = "申报内容不符合现行规划和技术规范要求，不予许可。"
DECISIONS = [
    ("{project}：{item}材料已齐备，请{department}加快审查。", "加快{item}审查"),
    ("{project}：协调解决{item}中的技术问题。", "组织{item}技术会商"),
    ("{project}：请企业补齐{item}所需材料，帮办员跟进。", "跟进{item}补正材料"),
]
# The smallest file the upload check takes for a PDF (it reads the content's signature).
MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CALLERS = ["王先生", "李女士", "张先生", "刘女士", "陈先生", "赵女士"]
FINDINGS = [
    "现场踏勘：用地边界与规划红线一致，场地已完成平整。",
    "现场查看：施工围挡和临时道路已设置，具备开工条件。",
    "现场核实：排水接驳点位需与水务部门再次确认。",
]


@dataclass
class Step:
    day: int  # 0 is today, -1 the working day before, ...
    minute: int  # minutes after 9:00
    order: int
    run: Callable[[datetime], None]


@dataclass
class Outcome:
    """How many rows the run added."""

    projects: int = 0
    approvals: int = 0
    decided: int = 0
    paused: int = 0
    supplied: int = 0  # missing materials sent after acceptance (先取证再补交)
    withdrawn: int = 0
    rejected: int = 0
    meetings: int = 0
    visits: int = 0
    action_items: int = 0
    cases: int = 0
    ratings: int = 0
    events: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{self.projects} projects, {self.approvals} approvals ({self.decided} decided, "
            f"{self.paused} paused for a supplement, {self.supplied} missing materials supplied "
            f"later, {self.rejected} rejected, "
            f"{self.withdrawn} withdrawn), {self.meetings} joint meetings, {self.visits} site "
            f"visits, {self.action_items} follow-ups, {self.cases} cases, {self.ratings} "
            f"ratings, {self.events} events in {self.seconds:.1f} s "
            f"({self.cpu_seconds:.1f} s of CPU in this process)"
        )


class Days:
    """Working days counted back from `today`, and moments on them."""

    def __init__(self, today: date, calendar: WorkingCalendar) -> None:
        self.today = today
        self.calendar = calendar
        self.days: list[date] = []

    def date(self, day: int) -> date:
        if day >= 0:
            return self.today
        while len(self.days) < -day:
            candidate = (self.days[-1] if self.days else self.today) - timedelta(days=1)
            while not self.calendar.is_working(candidate):
                candidate -= timedelta(days=1)
            self.days.append(candidate)
        return self.days[-day - 1]

    def moment(self, day: int, minute: int) -> datetime:
        return timezone.make_aware(
            datetime.combine(self.date(day), time(9, 0)) + timedelta(minutes=minute)
        )


def _closure(codes) -> list[str]:
    chosen, queue = set(), list(codes)
    while queue:
        code = queue.pop()
        if code not in chosen:
            chosen.add(code)
            queue.extend(CATALOGUE[code].requires)
    return sorted(chosen)


def _before(phase: str) -> str:
    return {PRE: "", BUILD: PRE, POST: BUILD}[phase]


def _depth(code: str) -> int:
    requires = CATALOGUE[code].requires
    return 1 + max(map(_depth, requires)) if requires else 0


@dataclass
class ProjectPlan:
    code: str
    name: str
    name_en: str
    enterprise: Enterprise
    industry: Industry
    town: Town
    lead: User
    registered: int
    items: list[str]
    extra: list[str]
    stage: str = Project.Stage.APPROVALS
    planned_start: date | None = None
    decided: dict[str, int] = field(default_factory=dict)  # item code -> day approved


class YearPlanner:
    """Plans the dated steps of the whole year (pure Python), then `run` replays them."""

    def __init__(self, *, rng: random.Random, days: Days, context: dict[str, Any]) -> None:
        self.rng = rng
        self.days = days
        self.c = context
        self.steps: list[Step] = []
        self.outcome = Outcome()
        self.projects: dict[str, Project] = {}
        self.cases: dict[Any, int] = {}
        self.versions: dict[tuple[str, str], int] = {}
        self.approval_ids: dict[tuple[str, str], int] = {}
        # Some departments are slower than others: the on-time chart has a shape.
        self.late_share = {key: rng.choice((0.02, 0.05, 0.08, 0.12, 0.2)) for key in OFFICERS}
        # (project code, item code, day decided) of every decision, for the ratings; and
        # (project code, item code, day due, day approved) of the late ones, for supervision.
        self.decisions: list[tuple[str, str, int]] = []
        self.late: list[tuple[str, str, int, int]] = []

    def add(self, day: int, minute: int, run: Callable[[datetime], None]) -> bool:
        if day >= 0:
            return False  # the seed writes history only
        self.steps.append(Step(day, minute, len(self.steps), run))
        return True

    # --- projects and approvals ---------------------------------------------------------------

    def plan_project(self, plan: ProjectPlan) -> None:
        """Plan a project's registration and its approvals phase by phase: the construction
        items once every pre-construction item is decided, the completion items months later.
        An item rejected or withdrawn is one no other item of the project needs (see
        `plan_approval`): it does not hold the next phase."""
        rng = self.rng
        required = {r for c in plan.items for r in CATALOGUE[c].requires}
        done: dict[str, int | None] = {}
        closed: set[str] = set()
        start: int | None = plan.registered + rng.randint(2, 12)
        for phase in (PRE, BUILD, POST):
            earlier = [c for c in plan.items if CATALOGUE[c].phase == _before(phase)]
            if phase != PRE and start is not None:
                if any(done.get(c) is None and c not in closed for c in earlier):
                    start = None
                else:
                    last = max([done[c] for c in earlier if done.get(c) is not None] + [start])
                    start = last + (rng.randint(3, 10) if phase == BUILD else rng.randint(40, 90))
                    if phase == BUILD:
                        plan.stage = Project.Stage.CONSTRUCTION
                        plan.planned_start = self.days.date(start)
                    elif start < -20:
                        plan.stage = Project.Stage.PRODUCTION
            codes = sorted(
                (c for c in plan.items if CATALOGUE[c].phase == phase),
                key=lambda c: (_depth(c), c),
            )
            for code in codes:
                done[code] = None
                if start is None or start >= 0:
                    continue
                before = [done[c] for c in CATALOGUE[code].requires]
                if any(d is None for d in before):
                    continue
                earliest = max([start, *(d + 1 + rng.randint(0, 4) for d in before)])
                done[code], was_closed = self.plan_approval(
                    plan, code, earliest, may_close=code not in required
                )
                if was_closed:
                    closed.add(code)
        if plan.planned_start is None:
            plan.planned_start = self.days.today + timedelta(days=rng.randint(30, 200))
        self.add(plan.registered, rng.randint(0, 400), self._register(plan))

    def plan_approval(
        self, plan: ProjectPlan, code: str, earliest: int, *, may_close: bool
    ) -> tuple[int | None, bool]:
        """Plan one approval's story: (the day it is approved or None, whether it was rejected
        or withdrawn). Only an item no other item needs (`may_close`) is rejected or withdrawn:
        the service would refuse its dependants."""
        rng, item = self.rng, CATALOGUE[code]
        key = DEPARTMENT_KEYS[item.department]
        officer = self._officer(key)
        last = [earliest, rng.randint(0, 420)]

        def step(day: int, action: str, actor: str, **payload: Any) -> bool:
            minute = last[1] + rng.randint(10, 60) if day == last[0] else rng.randint(0, 420)
            minute = min(minute, 590)  # before 19:00: the same working day
            last[:] = [day, minute]
            return self.add(day, minute, self._move(plan.code, code, action, actor, payload))

        received = earliest + rng.randint(0, 2)
        if not step(received, "receive", "staff"):
            return None, False
        accepted = received + rng.choice((0, 0, 1, 1, 2))
        roll = rng.random()
        materials = item.material_rows()
        non_key = [name for name, _en, is_key in materials if not is_key]
        missing = bool(non_key) and 0.2 <= roll < 0.26
        payload: dict[str, Any] = {}
        if missing:
            payload = {
                "missing_materials": non_key[:1],
                "materials_due": self.days.date(accepted) + timedelta(days=14),
            }
        if not step(accepted, "accept", officer, **payload):
            return None, False
        if roll < 0.035 and may_close:
            if step(accepted + rng.randint(1, 6), "withdraw", "staff", reason=WITHDRAW_REASON):
                self.outcome.withdrawn += 1
                return None, True
            return None, False
        if roll < 0.07 and item.promised > 2 and may_close:
            day = accepted + rng.randint(2, item.promised)
            if step(day, "reject", officer, reason=REJECT_REASON):
                self.outcome.rejected += 1
                self.outcome.decided += 1
                self.decisions.append((plan.code, code, day))
                return None, True
            return None, False
        if item.promised == 1:
            took = rng.choice((0, 1, 1))
        else:
            took = rng.randint(max(1, item.promised // 3), item.promised)
        if rng.random() < self.late_share[key]:
            took = item.promised + rng.randint(1, 6)
        paused = 0
        if 0.07 <= roll < 0.2 and took > 1:
            asked = accepted + rng.randint(1, took - 1)
            reason = SUPPLEMENT_REASON.format(material=materials[0][0])
            asked_ok = step(
                asked,
                "request_supplement",
                officer,
                reason=reason,
                missing_materials=[materials[0][0]],
                materials_due=self.days.date(asked) + timedelta(days=14),
            )
            if not asked_ok:
                return None, False
            self.outcome.paused += 1
            paused = rng.randint(2, 9)
            if not step(asked + paused, "supplement", plan.lead.username):
                return None, False
        approved = accepted + took + paused
        if approved <= last[0]:
            approved = last[0] + 1
        if missing:
            # 先取证再补交: the helper sends the missing material (due 14 days after acceptance,
            # about ten working days; some come late), the officer accepts it the same day.
            supplied = accepted + rng.randint(2, 13)
            supplied += supplied == approved
            self.add(supplied, 20, self._supply(plan, code, non_key[0], "upload"))
            self.add(supplied, 25, self._supply(plan, code, non_key[0], "review", officer))
        if not step(approved, "approve", officer):
            return None, False
        self.outcome.decided += 1
        plan.decided[code] = approved
        self.decisions.append((plan.code, code, approved))
        if took > item.promised:
            self.late.append((plan.code, code, accepted + item.promised + paused, approved))
        return approved, False

    def _supply(self, plan: ProjectPlan, code: str, material: str, what: str, officer: str = ""):
        def run(now: datetime) -> None:
            if what == "upload":
                row = ApprovalMaterial.objects.get(
                    approval_id=self.approval_ids[(plan.code, code)], name=material
                )
                upload = SimpleUploadedFile(f"{material}.pdf", MINIMAL_PDF, "application/pdf")
                self.versions[(plan.code, code)] = material_upload(
                    actor=plan.lead, material_id=row.pk, upload=upload, now=now
                ).pk
                self.outcome.supplied += 1
            else:
                material_review(
                    actor=self.c["users"][officer],
                    version_id=self.versions[(plan.code, code)],
                    verdict="accepted",
                    now=now,
                )

        return run

    def _officer(self, department_key: str) -> str:
        people = [username for username, _name in OFFICERS[department_key]]
        if len(people) == 1 or self.rng.random() < 0.6:
            return people[0]
        return self.rng.choice(people[1:])

    def _register(self, plan: ProjectPlan) -> Callable[[datetime], None]:
        def run(now: datetime) -> None:
            project = project_register(
                actor=self.c["users"]["staff"],
                code=plan.code,
                name=plan.name,
                name_en=plan.name_en,
                enterprise=plan.enterprise,
                industry=plan.industry,
                town=plan.town,
                stage=plan.stage,
                investment=Decimal(self.rng.randrange(5_000, 300_000, 500)),
                planned_start=plan.planned_start,
                lead_helper=plan.lead,
                items=[self.c["items"][c] for c in plan.extra],
                use_industry_set=True,
                now=now,
            )
            self.projects[plan.code] = project
            for item_code, pk in project.approvals.values_list("item__code", "pk"):
                self.approval_ids[(plan.code, item_code)] = pk
            self.outcome.projects += 1

        return run

    def _move(self, project: str, item: str, action: str, actor: str, payload: dict):
        def run(now: datetime) -> None:
            approval_transition(
                actor=self.c["users"][actor],
                approval_id=self.approval_ids[(project, item)],
                action=action,
                now=now,
                **payload,
            )

        return run

    # --- meetings and visits ------------------------------------------------------------------

    def plan_meetings(self, plans: list[ProjectPlan], visits: int) -> None:
        rng = self.rng
        staff = self.c["users"]["staff"]
        # The monthly joint meeting (项目推动联席会议), on a working day late in each month.
        for day in range(-YEAR_DAYS + 8, -3, 20):
            follows = [p for p in plans if p.registered < day - 10]
            if len(follows) < 2:
                continue
            chosen = rng.sample(follows, min(len(follows), rng.randint(4, 7)))
            month = self.days.date(day)
            title = f"项目推动联席会议（{month.year}年{month.month}月）"
            self._plan_meeting(title, Meeting.Kind.JOINT_MEETING, day, chosen, staff)
            self.outcome.meetings += 1
        # Site visits and joint inspections (现场服务、联合踏勘), spread over the year.
        candidates = [p for p in plans if p.registered < -14]
        for n in range(visits):
            if not candidates:
                break
            plan = rng.choice(candidates)
            day = rng.randint(max(plan.registered + 10, -YEAR_DAYS), -2)
            kind = rng.choice((Meeting.Kind.SITE_INSPECTION, Meeting.Kind.SITE_SERVICE))
            label = "现场联合踏勘" if kind == Meeting.Kind.SITE_INSPECTION else "主动到府服务"
            title = f"{label}：{plan.name}（{n + 1}）"
            self._plan_meeting(title, kind, day, [plan], staff)
            self.outcome.visits += 1

    def _plan_meeting(self, title, kind, day, plans, staff) -> None:
        rng, state = self.rng, {}
        hour = rng.choice((9, 10, 14, 15))
        start_minute = (hour - 9) * 60
        helpers = [self.c["users"][u] for u in ("helper", "helper2")]
        departments = sorted({CATALOGUE[c].department for p in plans for c in p.items}, key=str)[
            : rng.randint(2, 5)
        ]

        def schedule(now: datetime) -> None:
            start = self.days.moment(day, start_minute)
            meeting, _warnings = meeting_schedule(
                actor=staff,
                title=title,
                kind=kind,
                start=start,
                end=start + timedelta(hours=2),
                place="区政务服务中心三楼会议室" if kind == Meeting.Kind.JOINT_MEETING else "",
                projects=[self.projects[p.code] for p in plans],
                participants=helpers,
                departments=[self.c["departments"][name] for name in departments],
                now=now,
            )
            state["meeting"] = meeting

        def record(now: datetime) -> None:
            meeting_record(actor=staff, meeting_id=state["meeting"].pk, publish=True, now=now)

        self.add(day - rng.randint(3, 8), rng.randint(0, 200), schedule)
        self.add(day, start_minute + 150, record)
        for n, plan in enumerate(plans[: rng.randint(1, 3)]):
            code = rng.choice(plan.items)
            item = CATALOGUE[code]
            words = {
                "project": plan.name,
                "item": self.c["items"][code].name,
                "department": item.department,
            }
            decision, action_title = (text.format(**words) for text in rng.choice(DECISIONS))
            if kind != Meeting.Kind.JOINT_MEETING:
                finding = rng.choice(FINDINGS)
                self.add(day, start_minute + 160 + n, self._finding(state, plan, finding))
            due_in = rng.randint(3, 10)
            action = self._action(state, plan, decision, action_title, item.department, due_in)
            self.add(day, start_minute + 170 + n, action)
            close_day = day + rng.randint(1, due_in + 4)
            self.add(close_day, rng.randint(0, 400), self._close(state, plan, n))

    def _finding(self, state, plan, text):
        def run(now: datetime) -> None:
            finding_add(
                actor=self.c["users"]["staff"],
                meeting_id=state["meeting"].pk,
                project=self.projects[plan.code],
                text=text,
                now=now,
            )

        return run

    def _action(self, state, plan, decision, title, department, due_in):
        def run(now: datetime) -> None:
            action = action_item_create(
                actor=self.c["users"]["staff"],
                meeting_id=state["meeting"].pk,
                decision=decision,
                title=title,
                owner_department=self.c["departments"][department],
                working_days=due_in,
                project=self.projects[plan.code],
                now=now,
            )
            state.setdefault("actions", []).append(action)
            self.outcome.action_items += 1

        return run

    def _close(self, state, plan, n):
        def run(now: datetime) -> None:
            actions = state.get("actions", [])
            if n < len(actions):
                action_item_close(
                    actor=self.c["users"]["staff"],
                    action_item_id=actions[n].pk,
                    note="已按会议要求办理完毕。",
                    now=now,
                )

        return run

    # --- cases and ratings (supervision) -------------------------------------------------------

    def plan_supervision(self, plans: list[ProjectPlan], hotline_calls: int) -> None:
        """Supervision cases (督办) on late approvals, hotline calls (热线) to the departments,
        and, by the companies with demo accounts, complaints and ratings of decisions (a
        dissatisfied rating opens its rectification case through the rating service)."""
        rng = self.rng
        staff = "staff"
        for project, item, due, approved in self.late:
            opened = due + 1
            if opened >= approved or rng.random() < 0.4:
                continue
            department = CATALOGUE[item].department
            officer = OFFICERS[DEPARTMENT_KEYS[department]][0][0]
            title = f"督办：{self.c['items'][item].name}已超过承诺时限"
            key = ("supervision", project, item)
            self.add(
                opened,
                rng.randint(0, 120),
                self._case_open(
                    key,
                    staff,
                    kind=Case.Kind.SUPERVISION,
                    title=title,
                    project=project,
                    item=item,
                    department=department,
                    body="请说明原因并尽快办结。",
                ),
            )
            signed = opened + rng.randint(0, 1)
            self.add(signed, 300, self._case_step(key, officer, "sign"))
            answered = max(signed, approved) + rng.randint(0, 1)
            self.add(
                answered,
                400,
                self._case_step(key, officer, "answer", answer="已加快审查，现已办结。"),
            )
            self.add(answered + rng.randint(1, 3), 200, self._case_step(key, staff, "close"))
        topics = [
            ("咨询施工许可办理材料", "已电话告知一次性告知单所列材料。"),
            ("反映审批进度", "已核实进度并告知预计办结时间。"),
            ("咨询容缺受理条件", "已告知容缺受理的条件和补交期限。"),
            ("咨询网上申报操作", "已远程指导完成网上申报。"),
        ]
        department_names = sorted({spec.department for spec in CATALOGUE.values()})
        for n in range(hotline_calls):
            day = -rng.randint(3, YEAR_DAYS)
            department = rng.choice(department_names)
            officer = OFFICERS[DEPARTMENT_KEYS[department]][0][0]
            title, answer = rng.choice(topics)
            key = ("hotline", n)
            self.add(
                day,
                rng.randint(0, 400),
                self._case_open(
                    key,
                    staff,
                    kind=Case.Kind.HOTLINE,
                    title=title,
                    department=department,
                    opener_kind=Case.Opener.PHONE,
                    caller_name=rng.choice(CALLERS),
                    caller_phone=f"138{rng.randint(10_000_000, 99_999_999)}",
                ),
            )
            if rng.random() < 0.9:
                self.add(day + rng.randint(0, 1), 450, self._case_step(key, officer, "sign"))
                if rng.random() < 0.9:
                    self.add(
                        day + rng.randint(1, 4),
                        500,
                        self._case_step(key, officer, "answer", answer=answer),
                    )
        by_code = {plan.code: plan for plan in plans}
        raters = self.c["raters"]
        for project, item, decided in self.decisions:
            rater = raters.get(by_code[project].enterprise.pk)
            if rater is None or rng.random() < 0.35:
                continue
            score = rng.choices((5, 4, 3, 2, 1), weights=(50, 28, 12, 7, 3))[0]
            if score >= 4:
                reasons = rng.sample(
                    ("fast", "clear_guidance", "helpful_staff", "told_at_once", "done_online"),
                    rng.randint(1, 2),
                )
            elif score <= 2:
                reasons = rng.sample(
                    ("slow", "materials_twice", "unclear_requirements", "no_answer"),
                    rng.randint(1, 2),
                )
            else:
                reasons = []
            self.add(
                decided + rng.randint(1, 5), 560, self._rate(project, item, rater, score, reasons)
            )
        # Complaints (投诉) of the companies with accounts, dispatched, answered, closed, rated.
        complaints = [
            ("材料要求前后不一致", "已统一材料要求并向企业书面说明。"),
            ("现场核查一再改期", "已确定核查时间并按时到场。"),
        ]
        for plan in plans:
            rater = raters.get(plan.enterprise.pk)
            if rater is None or not plan.items or rng.random() < 0.5 or plan.registered > -30:
                continue
            day = rng.randint(plan.registered + 10, -12)
            department = CATALOGUE[rng.choice(plan.items)].department
            officer = OFFICERS[DEPARTMENT_KEYS[department]][0][0]
            title, answer = rng.choice(complaints)
            key = ("complaint", plan.code)
            opener = self._case_open(
                key,
                rater.username,
                kind=Case.Kind.COMPLAINT,
                title=title,
                project=plan.code,
                body=title + "，影响项目进度。",
            )
            self.add(day, 100, opener)
            dispatch = self._case_step(key, staff, "dispatch", department=department)
            self.add(day + 1, 100, dispatch)
            self.add(day + 1, 300, self._case_step(key, officer, "sign"))
            self.add(day + 3, 300, self._case_step(key, officer, "answer", answer=answer))
            self.add(day + 5, 300, self._case_step(key, rater.username, "close"))
            self.add(day + 6, 300, self._rate_case(key, rater, rng.choice((3, 4, 5))))

    def _case_open(
        self,
        key,
        actor: str,
        *,
        project: str | None = None,
        item: str = "",
        department: str = "",
        **fields,
    ) -> Callable[[datetime], None]:
        def run(now: datetime) -> None:
            approval = None
            if project is not None and item:
                approval = Approval.objects.get(pk=self.approval_ids[(project, item)])
            case, _code = case_open(
                actor=self.c["users"][actor],
                project=self.projects[project] if project is not None else None,
                approval=approval,
                department=self.c["departments"][department] if department else None,
                dedupe_key=CASE_KEY + ":".join(map(str, key)),
                now=now,
                **fields,
            )
            self.cases[key] = case.pk
            self.outcome.cases += 1

        return run

    def _case_step(self, key, actor: str, action: str, **arguments) -> Callable[[datetime], None]:
        def run(now: datetime) -> None:
            if "department" in arguments:
                arguments["department"] = self.c["departments"][arguments["department"]]
            if key in self.cases:
                case_transition(
                    actor=self.c["users"][actor],
                    case=self.cases[key],
                    action=action,
                    now=now,
                    **arguments,
                )

        return run

    def _rate(self, project, item, rater, score, reasons) -> Callable[[datetime], None]:
        def run(now: datetime) -> None:
            rating_give(
                actor=rater,
                approval=Approval.objects.get(pk=self.approval_ids[(project, item)]),
                score=score,
                reasons=list(reasons),
                comment="" if score >= 3 else "补正要求前后不一致，希望一次性告知。",
                now=now,
            )
            self.outcome.ratings += 1

        return run

    def _rate_case(self, key, rater, score: int) -> Callable[[datetime], None]:
        def run(now: datetime) -> None:
            rating_give(
                actor=rater,
                case=Case.objects.get(pk=self.cases[key]),
                score=score,
                reasons=["helpful_staff"] if score >= 4 else [],
                now=now,
            )
            self.outcome.ratings += 1

        return run

    # --- replay -------------------------------------------------------------------------------

    def run(self) -> None:
        for step in sorted(self.steps, key=lambda s: (s.day, s.minute, s.order)):
            step.run(self.days.moment(step.day, step.minute))


def _plans(rng: random.Random, size: int, days: Days, context: dict) -> list[ProjectPlan]:
    enterprises = list(Enterprise.objects.filter(name__in=context["enterprise_names"]))
    by_name = {e.name: e for e in enterprises}
    industries = {i.code: i for i in Industry.objects.all()}
    towns = list(Town.objects.order_by("name"))
    leads = [context["users"]["helper"], context["users"]["helper2"]]
    extras_pool = [c for c, spec in CATALOGUE.items() if spec.phase in (PRE, BUILD)]
    plans, used_names = [], set()
    count = len(context["enterprise_names"])
    for n in range(size):
        # Every third project is one of the two companies with demo accounts, who rate the
        # service; the rest go round the other companies.
        position = (n // 3) % 2 if n % 3 == 0 else 2 + (n - n // 3 - 1) % (count - 2)
        enterprise = by_name[context["enterprise_names"][position]]
        industry = industries[ENTERPRISE_INDUSTRY[position]]
        work, work_en = rng.choice(WORKS[industry.code])
        town = rng.choice(towns)
        name, name_en = f"{town.name}{work}", f"{work_en}, {town.name_en}"
        phase = 2
        while name in used_names:
            name, name_en = (
                f"{town.name}{work}（{phase}期）",
                f"{work_en} phase {phase}, {town.name_en}",
            )
            phase += 1
        used_names.add(name)
        standard = list(industry.standard_items.values_list("code", flat=True))
        extra = rng.sample(extras_pool, rng.randint(4, 8))
        # Spread the registrations over the year, the later ones a little denser.
        registered = -int(YEAR_DAYS - (YEAR_DAYS - 15) * (n / max(size - 1, 1)) ** 0.9)
        registered += rng.randint(-4, 4)
        plans.append(
            ProjectPlan(
                code=f"ZDXM-{CODE_FIRST + n}",
                name=name,
                name_en=name_en,
                enterprise=enterprise,
                industry=industry,
                town=town,
                lead=leads[n % 2],
                registered=min(registered, -8),
                items=_closure([*standard, *extra]),
                extra=extra,
            )
        )
    return plans


def demo_year_codes(size: int = DEFAULT_PROJECTS) -> list[str]:
    return [f"ZDXM-{CODE_FIRST + n}" for n in range(size)]


def seed_demo_year(
    *,
    seed: int = 2026,
    projects: int = DEFAULT_PROJECTS,
    visits: int | None = None,
    today: date | None = None,
) -> Outcome:
    """Replay a year of projects, approvals, meetings and visits (and cases and ratings where
    supervision offers them) through the services; returns what was added and how long it took.
    Idempotent: when the year's projects exist already, nothing is added."""
    began, cpu = clock_time.monotonic(), clock_time.process_time()
    today = today or timezone.localdate()
    codes = demo_year_codes(projects)
    if Project.objects.filter(code__in=codes).exists():
        return Outcome(seconds=clock_time.monotonic() - began)
    usernames = {"staff", "helper", "helper2"} | {
        u for people in OFFICERS.values() for u, _n in people
    }
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    if missing := usernames - set(users):
        raise RuntimeError(
            f"Seed the demo (accounts and catalogue) first; missing: {', '.join(sorted(missing))}"
        )
    context = {
        "users": users,
        "items": {i.code: i for i in ApprovalItem.objects.filter(code__in=CATALOGUE)},
        "departments": {d.name: d for d in Department.objects.all()},
        "enterprise_names": [e[0] for e in ENTERPRISES],
    }
    context["raters"] = {
        enterprise.pk: enterprise.users.order_by("username").first()
        for enterprise in Enterprise.objects.filter(
            name__in=context["enterprise_names"], users__isnull=False
        ).distinct()
    }
    users.update({rater.username: rater for rater in context["raters"].values() if rater})
    if len(context["items"]) < len(CATALOGUE):
        raise RuntimeError("Seed the demo catalogue first (projects.demo.seed_projects).")
    rng = random.Random(seed)
    days = Days(today, WorkingCalendar.load())
    planner = YearPlanner(rng=rng, days=days, context=context)
    plans = _plans(rng, projects, days, context)
    for plan in plans:
        planner.plan_project(plan)
    planner.plan_meetings(plans, visits if visits is not None else max(2, projects // 2))
    planner.plan_supervision(plans, hotline_calls=projects * 2)
    events_before = Event.objects.count()
    with transaction.atomic(), without_live_signals():
        planner.run()
    outcome = planner.outcome
    outcome.approvals = Approval.objects.filter(project__code__in=codes).count()
    outcome.events = Event.objects.count() - events_before
    outcome.seconds = clock_time.monotonic() - began
    outcome.cpu_seconds = clock_time.process_time() - cpu
    return outcome


def delete_demo_year(size: int = 500) -> None:
    """Remove the year's projects with their streams, meetings and visits (before `seed_demo
    --reset` deletes the accounts they point at)."""
    with transaction.atomic():
        projects = Project.objects.filter(code__in=demo_year_codes(size))
        ids = list(projects.values_list("pk", flat=True))
        meetings = Meeting.objects.filter(projects__in=ids).distinct()
        meeting_streams = [f"meeting:{m}" for m in meetings.values_list("pk", flat=True)]
        meeting_streams += [f"{s}:internal" for s in meeting_streams]
        streams = [project_stream(i) for i in ids] + [project_internal_stream(i) for i in ids]
        Event.objects.filter(stream__in=streams + meeting_streams).delete()
        StreamHead.objects.filter(stream__in=streams + meeting_streams).delete()
        Event.objects.filter(
            stream__startswith="user:",
            event__in=("project.assigned", "project.unassigned"),
            data__project_id__in=ids,
        ).delete()
        cases = Case.objects.filter(Q(project__in=ids) | Q(dedupe_key__startswith=CASE_KEY))
        case_ids = list(cases.values_list("pk", flat=True))
        case_streams = [case_stream(i) for i in case_ids] + [
            case_internal_stream(i) for i in case_ids
        ]
        Event.objects.filter(stream__in=case_streams).delete()
        StreamHead.objects.filter(stream__in=case_streams).delete()
        Rating.objects.filter(project__in=ids).delete()
        Case.objects.filter(pk__in=case_ids).delete()
        Meeting.objects.filter(pk__in=list(meetings.values_list("pk", flat=True))).delete()
        files = StoredFile.objects.filter(project__in=ids)
        for stored in files:
            # The file goes once the rows are gone for good.
            transaction.on_commit(partial(stored.file.storage.delete, stored.file.name))
        # A version protects its file: the versions first, then the files, then the projects.
        MaterialVersion.objects.filter(material__approval__project__in=ids).delete()
        files.delete()
        projects.delete()
