"""Demo cases, cards, ladder and ratings, made through the services.

The service cases (this module) come first: a handful of each kind opened by hand (a
supervision case the planning officer is working on, one overdue and escalated, one closed;
the glass plant's complaints and requests in every state, one waiting on the enterprise, one
reopened; the gearbox plant's English complaint with its answer to confirm; a day of hotline
calls), each on past working days counted back from today, so the demo looks current whenever
it is loaded. Each carries a `demo:` key: seeding twice adds nothing. Then the cards
(`demo_cards`) and the ratings (`demo_ratings`).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.events import without_live_signals
from portal.models import Event, StreamHead, User
from projects.clock import WorkingCalendar
from projects.demo import PROJECT_CODES
from projects.models import Approval, Department, Project

from . import demo_cards, demo_ratings
from .case_events import case_internal_stream, case_stream
from .models import Card, Case, Rating
from .services import case_open, case_reply, case_transition, number_counter_reset

KEY = "demo:"


@dataclass
class Step:
    """One step of a demo case: `days_ago` working days back, at `hour`."""

    days_ago: int
    actor: str  # a demo username, or "" for the system
    do: str  # an action of the table, or "reply" / "note"
    arguments: dict[str, Any] = field(default_factory=dict)
    hour: int = 10


@dataclass
class DemoCase:
    slug: str
    kind: str
    title: str
    body: str
    opener: str  # a demo username
    days_ago: int
    project: str = ""  # a demo project's code
    approval_department: bool = False  # about an open approval of `department`
    opener_kind: str | None = None
    department: str = ""  # "planning" (the demo officer's) or "other" (the project's other)
    caller: tuple[str, str] = ("", "")
    steps: list[Step] = field(default_factory=list)


GLASS, GLASS_2, GEARBOX = "ZDXM-001", "ZDXM-002", "ZDXM-007"

CASES = [
    DemoCase(
        "supervise-planning",
        Case.Kind.SUPERVISION,
        "规划许可逾期风险督办",
        "规划条件核提已接近承诺时限，请规划部门说明进度并明确办结时间。",
        "helper",
        6,
        project=GLASS,
        approval_department=True,
        department="planning",
        steps=[
            Step(5, "officer", "sign"),
            Step(
                4, "officer", "note", {"body": "已联系设计单位补正总平面图，预计三个工作日内办结。"}
            ),
        ],
    ),
    DemoCase(
        "supervise-overdue",
        Case.Kind.SUPERVISION,
        "联席会议议定事项落实督办",
        "联席会议议定：规划部门协调用地红线调整，请签收并按期答复。",
        "staff",
        5,
        project=GLASS_2,
        department="planning",
        steps=[
            Step(2, "staff", "escalate", {"reason": "超过签收时限仍未签收，升级至部门负责人。"}),
        ],
    ),
    DemoCase(
        "supervise-closed",
        Case.Kind.SUPERVISION,
        "施工许可并联审批协调",
        "请协调施工许可与消防设计审查并联办理。",
        "staff",
        25,
        project=GLASS,
        department="planning",
        steps=[
            Step(24, "officer", "sign"),
            Step(
                21,
                "officer",
                "answer",
                {"answer": "已与消防审查部门建立并联办理机制，两项审批同步推进。"},
            ),
            Step(20, "staff", "close", {"note": "已核实，办结。"}),
        ],
    ),
    DemoCase(
        "complaint-new",
        Case.Kind.COMPLAINT,
        "补正材料要求前后不一致",
        "同一事项两次补正通知列出的材料不同，希望一次性告知。",
        "enterprise",
        0,
        project=GLASS,
    ),
    DemoCase(
        "complaint-waiting",
        Case.Kind.COMPLAINT,
        "窗口答复时限不明确",
        "窗口未告知办结时限，请明确。",
        "enterprise",
        4,
        project=GLASS,
        steps=[
            Step(4, "staff", "dispatch", {"department": "planning", "assignee": "officer"}, 14),
            Step(3, "officer", "sign"),
            Step(2, "officer", "ask_opener", {"question": "请提供当时的受理回执编号，便于核查。"}),
        ],
    ),
    DemoCase(
        "complaint-answered-en",
        Case.Kind.COMPLAINT,
        "No reply to our pre-review for two weeks",
        "We sent the draft materials for online pre-review and heard nothing for two weeks.",
        "enterprise2",
        8,
        project=GEARBOX,
        steps=[
            Step(8, "staff", "dispatch", {"department": "other"}, 15),
            Step(7, "officer_of_other", "sign"),
            Step(
                2,
                "officer_of_other",
                "answer",
                {
                    "answer": "预审意见已于今日在线反馈；今后预审在三个工作日内答复。"
                    "The pre-review comments were sent today; pre-reviews are now "
                    "answered within three working days."
                },
            ),
        ],
    ),
    DemoCase(
        "request-closed",
        Case.Kind.REQUEST,
        "协调临时用电接入",
        "施工临时用电接入需供电部门现场勘查，请帮助协调。",
        "enterprise",
        15,
        project=GLASS,
        steps=[
            Step(15, "helper", "dispatch", {"department": "planning"}, 15),
            Step(14, "officer", "sign"),
            Step(12, "officer", "answer", {"answer": "已协调供电部门于本周现场勘查。"}),
            Step(11, "enterprise", "close", {"note": "已完成勘查，谢谢！"}),
        ],
    ),
    DemoCase(
        "request-reopened",
        Case.Kind.REQUEST,
        "二期项目用地指标咨询",
        "二期项目用地指标如何申请，需要哪些前置条件？",
        "enterprise",
        9,
        project=GLASS_2,
        steps=[
            Step(9, "staff", "dispatch", {"department": "planning", "assignee": "officer"}, 15),
            Step(8, "officer", "sign"),
            Step(6, "officer", "answer", {"answer": "请参阅用地预审办事指南。"}),
            Step(
                5, "enterprise", "reopen", {"reason": "指南未说明二期扩建的特殊要求，请具体答复。"}
            ),
        ],
    ),
    # A day of hotline calls (热线), recorded by staff today and yesterday.
    DemoCase(
        "hotline-enquiry",
        Case.Kind.HOTLINE,
        "咨询企业设立登记所需材料",
        "来电人询问有限公司设立登记需要的材料和办理时限。",
        "staff",
        1,
        opener_kind=Case.Opener.PHONE,
        caller=("张先生", "13920001234"),
        steps=[
            Step(1, "staff", "dispatch", {"department": "planning"}, 11),
            Step(1, "officer", "sign", hour=14),
            Step(1, "officer", "answer", {"answer": "已电话告知材料清单：一个工作日办结。"}, 15),
            Step(0, "staff", "close", {"note": "来电人确认已收到答复。"}),
        ],
    ),
    DemoCase(
        "hotline-dispatched",
        Case.Kind.HOTLINE,
        "询问规划方案审查进度",
        "来电人询问华信国际商务大厦规划方案审查进度。",
        "staff",
        0,
        project="ZDXM-005",
        opener_kind=Case.Opener.PHONE,
        caller=("刘女士", "022-27390000"),
        department="planning",
    ),
    DemoCase(
        "hotline-complaint",
        Case.Kind.COMPLAINT,
        "反映窗口排队时间过长",
        "来电人反映上午在综合受理窗口排队超过一小时。",
        "staff",
        0,
        opener_kind=Case.Opener.PHONE,
        caller=("王先生", "13800001111"),
    ),
    DemoCase(
        "hotline-open",
        Case.Kind.HOTLINE,
        "咨询政策解读发布时间",
        "来电人询问最新招商引资政策解读何时发布。",
        "staff",
        0,
        opener_kind=Case.Opener.PHONE,
        caller=("", "15022223333"),
    ),
]


class _Days:
    """Working days counted back from today, as moments in Beijing time."""

    def __init__(self, today: date):
        calendar = WorkingCalendar.load()
        self.now = timezone.now()
        self.days, day = [today], today
        while len(self.days) < 40:
            day -= timedelta(days=1)
            if calendar.is_working(day):
                self.days.append(day)

    def date(self, ago: int) -> date:
        return self.days[ago]

    def moment(self, ago: int, hour: int) -> datetime:
        """That day at that hour, or now if that is still to come (seeded early in the
        morning, today's steps happen as the demo is made, never in the future)."""
        return min(timezone.make_aware(datetime.combine(self.days[ago], time(hour, 0))), self.now)


def _context() -> dict[str, Any] | None:
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["staff", "helper", "helper2", "officer", "enterprise", "enterprise2"]
        )
    }
    projects = {p.code: p for p in Project.objects.filter(code__in=PROJECT_CODES)}
    officer = users.get("officer")
    planning = officer.departments.order_by("pk").first() if officer else None
    if not {"staff", "helper", "enterprise"} <= set(users) or planning is None:
        return None
    if GLASS not in projects:
        return None
    other = None
    if GEARBOX in projects:
        other = (
            Department.objects.filter(approvals__project=projects[GEARBOX])
            .exclude(pk=planning.pk)
            .filter(officers__is_active=True)
            .order_by("pk")
            .first()
        )
    return {"users": users, "projects": projects, "planning": planning, "other": other}


def _person(name: str, ctx: dict[str, Any]) -> User | None:
    if name == "officer_of_other":
        other = ctx["other"]
        return other.officers.filter(is_active=True).order_by("pk").first() if other else None
    return ctx["users"].get(name)


def _arguments(arguments: dict[str, Any], ctx: dict[str, Any]) -> dict[str, Any]:
    resolved = dict(arguments)
    if resolved.get("department") == "planning":
        resolved["department"] = ctx["planning"]
    elif resolved.get("department") == "other":
        resolved["department"] = ctx["other"]
    if "assignee" in resolved:
        resolved["assignee"] = ctx["users"].get(resolved["assignee"])
    return resolved


def _seed_case(spec: DemoCase, ctx: dict[str, Any], days: _Days) -> Iterator[datetime]:
    """The case's actions, each announced by its moment first (see `seed_cases`)."""
    key = KEY + spec.slug
    if Case.objects.filter(dedupe_key=key).exists():
        return
    opener = _person(spec.opener, ctx)
    project = ctx["projects"].get(spec.project) if spec.project else None
    if opener is None or (spec.project and project is None):
        return
    if spec.department == "other" and ctx["other"] is None:
        return
    department = {"planning": ctx["planning"], "other": ctx["other"], "": None}[spec.department]
    approval = None
    if spec.approval_department and project is not None:
        approval = (
            Approval.objects.filter(project=project, department=ctx["planning"])
            .order_by("status", "pk")
            .first()
        )
    yield days.moment(spec.days_ago, 9)
    case, _code = case_open(
        actor=opener,
        kind=spec.kind,
        title=spec.title,
        body=spec.body,
        project=project if approval is None else None,
        approval=approval,
        opener_kind=spec.opener_kind,
        department=department,
        caller_name=spec.caller[0],
        caller_phone=spec.caller[1],
        dedupe_key=key,
        today=days.date(spec.days_ago),
        now=days.moment(spec.days_ago, 9),
    )
    actions: dict[str, Callable[..., Any]] = {
        "reply": lambda actor, moment, day, **a: case_reply(
            actor=actor, case=case, now=moment, today=day, **a
        ),
        "note": lambda actor, moment, day, **a: case_reply(
            actor=actor, case=case, internal=True, now=moment, today=day, **a
        ),
    }
    for step in spec.steps:
        actor = _person(step.actor, ctx)
        if actor is None:
            return  # a demo account missing: the case stays where it got to
        moment, day = days.moment(step.days_ago, step.hour), days.date(step.days_ago)
        yield moment
        arguments = _arguments(step.arguments, ctx)
        if step.do in actions:
            actions[step.do](actor, moment, day, **arguments)
        else:
            case_transition(
                actor=actor, case=case, action=step.do, today=day, now=moment, **arguments
            )


def seed_cases(*, today: date | None = None) -> int:
    """The demo's service cases, through the services; returns how many were added."""
    ctx = _context()
    if ctx is None:
        return 0
    days = _Days(today or timezone.localdate())
    added = 0
    # Every case's actions in the order of their moments, across cases: a project's timeline
    # then reads in order whichever case each line is about.
    waiting: list[tuple[datetime, int, Iterator[datetime]]] = []
    with transaction.atomic(), without_live_signals():
        for n, spec in enumerate(CASES):
            actions = _seed_case(spec, ctx, days)
            first = next(actions, None)
            if first is not None:
                added += 1
                heapq.heappush(waiting, (first, n, actions))
        while waiting:
            _moment, n, actions = heapq.heappop(waiting)
            following = next(actions, None)
            if following is not None:
                heapq.heappush(waiting, (following, n, actions))
    return added


def seed_supervision() -> int:
    added = 0
    added += seed_cases()
    added += demo_cards.seed_cards()
    added += demo_ratings.seed_ratings()
    return added


def delete_supervision() -> None:
    """Remove the demo's cases, cards and ratings (those about the demo projects, and the
    demo's own cases such as the hotline calls), with the cases' event streams; the case
    numbers then start again where the cases left standing end."""
    with transaction.atomic():
        projects = Project.objects.filter(code__in=PROJECT_CODES)
        Rating.objects.filter(project__in=projects).delete()
        Card.objects.filter(Q(project__in=projects) | Q(approval__project__in=projects)).delete()
        cases = Case.objects.filter(Q(dedupe_key__startswith=KEY) | Q(project__in=projects))
        ids = list(cases.values_list("pk", flat=True))
        streams = [case_stream(i) for i in ids] + [case_internal_stream(i) for i in ids]
        Event.objects.filter(stream__in=streams).delete()
        StreamHead.objects.filter(stream__in=streams).delete()
        Event.objects.filter(event="project.case_step", data__case_id__in=ids).delete()
        for attachment_case in Case.objects.filter(pk__in=ids).prefetch_related(
            "replies__attachments"
        ):
            for reply in attachment_case.replies.all():
                for attachment in reply.attachments.all():
                    attachment.file.delete(save=False)
        cases.delete()
        number_counter_reset()
