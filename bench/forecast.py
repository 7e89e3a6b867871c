"""Backtest of the ready-to-build forecast: history-based against promised limits only.

    .venv/bin/python bench/forecast.py [--history-projects 300 --every 10 --seed 20260901]

Builds a throwaway database (see _common.py) and fills it, through the models, with about two
years of generated approval history on the real working-day calendar (holidays and make-up
days as the migrations seed them): departments that decide faster or slower than they promise
(each its own share of the promise, spread and rate of supplement requests), items with
prerequisite chains, projects registered over the two years, each approval received some days
after its prerequisites are decided, accepted, sometimes paused for a supplement, and approved
or (rarely) rejected. Every project's approvals are decided by the end of the data.

Then, every `--every` working days from the sixth month on, it forecasts for each project with
an approval still open on that day when its last approval will be decided, from what was known
then: the approvals' states on the morning of that day and `projects.history` read from the
database with only the decisions taken before it. Each forecast is compared with what happened
(the project's real last decision), in working days, for
- the naive forecast: every open approval keeps its promised limit (`projects.forecast.promised`),
- the history-based one: the median (p50) of the decided cases, as the project page shows it,
- the cautious one (p80): how often the real date fell on or before it,
and prints the mean absolute error of each in the same run, by how far ahead the forecast was
made, and how well "at risk" (p80 after the planned start) foretold a late start.

The data are generated: the figures say what the method gains when departments differ from
their promises the way the generator makes them differ (printed with the results), not what it
gains in a real bureau. The verdict line says plainly whether the history-based forecast beat
the naive one. Prints figures; never asserts.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

# bench/statistics.py (a benchmark) would shadow the standard library's module of that name for
# every script here: load the standard one first, so that _common gets it too.
_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p != _HERE]
import statistics  # noqa: E402

sys.path.insert(0, _HERE)

from _common import DEPARTMENTS, print_table, setup_django  # noqa: E402

START = date(2024, 9, 2)  # the first registrations
REGISTRATION_DAYS = 600  # calendar days over which projects are registered


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history-projects", type=int, default=300, help="projects to generate")
    parser.add_argument(
        "--every", type=int, default=10, help="working days between two forecast dates"
    )
    parser.add_argument("--seed", type=int, default=20260901)
    return parser


# --- the generated history ------------------------------------------------------------------


@dataclass
class DepartmentHabit:
    """How a department really works: its days as a share of the promise, and its requests."""

    share: float  # median of (department days / promised limit)
    spread: float  # sigma of the lognormal around it
    supplement_rate: float  # share of files paused for a supplement
    pause_days: tuple[int, int]  # the enterprise answers within this many working days


@dataclass
class ItemSpec:
    code: str
    department: int  # index into the departments
    promised: int
    statutory: int
    factor: float  # the item's own deviation from its department's habit
    requires: list[str] = field(default_factory=list)


@dataclass
class Case:
    """One approval as it really went: the days of each step."""

    item: str
    received: date
    accepted: date
    decided: date
    status: str  # approved or rejected
    pause: tuple[date, date] | None  # requested on, answered on


@dataclass
class ProjectRun:
    code: str
    registered: date
    planned_start: date
    cases: list[Case]

    @property
    def ready(self) -> date:
        return max(c.decided for c in self.cases)


def catalogue(rng: random.Random) -> tuple[list[DepartmentHabit], list[ItemSpec]]:
    """Eight departments with their habits; twenty items in four layers of prerequisites."""
    shares = [0.35, 0.5, 0.65, 0.8, 0.9, 1.0, 1.1, 1.3]
    rng.shuffle(shares)
    habits = [
        DepartmentHabit(
            share=share,
            spread=rng.uniform(0.25, 0.5),
            supplement_rate=rng.uniform(0.1, 0.45),
            pause_days=(2, rng.randint(6, 15)),
        )
        for share in shares
    ]
    limits = [1, 3, 5, 5, 7, 10, 10, 15, 20]
    layers = [6, 6, 5, 3]
    items: list[ItemSpec] = []
    previous: list[str] = []
    for depth, size in enumerate(layers):
        layer = []
        for n in range(size):
            promised = rng.choice(limits)
            spec = ItemSpec(
                code=f"BT-{depth}{n:02d}",
                department=rng.randrange(len(habits)),
                promised=promised,
                statutory=min(60, promised * 2),
                factor=math.exp(rng.gauss(0, 0.2)),
                requires=rng.sample(previous, k=min(len(previous), rng.choice((1, 1, 2))))
                if previous
                else [],
            )
            layer.append(spec.code)
            items.append(spec)
        previous = layer
    return habits, items


def closure(codes: set[str], by_code: dict[str, ItemSpec]) -> set[str]:
    chosen, queue = set(), list(codes)
    while queue:
        code = queue.pop()
        if code not in chosen:
            chosen.add(code)
            queue.extend(by_code[code].requires)
    return chosen


def simulate(rng, calendar, habits, items, projects: int) -> list[ProjectRun]:
    """Every project from registration until its last approval is decided."""
    by_code = {i.code: i for i in items}
    depth = {}
    for spec in items:  # in layer order: prerequisites come first
        depth[spec.code] = 1 + max((depth[r] for r in spec.requires), default=-1)

    def working_on_or_after(day: date) -> date:
        while not calendar.is_working(day):
            day += timedelta(days=1)
        return day

    runs = []
    for n in range(projects):
        registered = working_on_or_after(START + timedelta(days=rng.randrange(REGISTRATION_DAYS)))
        wanted = set(rng.sample([i.code for i in items], k=rng.randint(2, 6)))
        codes = sorted(closure(wanted, by_code), key=lambda c: (depth[c], c))
        decided: dict[str, date] = {}
        cases = []
        for code in codes:
            spec = by_code[code]
            habit = habits[spec.department]
            ready_from = max([registered, *(decided[r] for r in spec.requires)])
            # The enterprise prepares the file: a few working days after it may apply.
            received = calendar.nth_after(ready_from, rng.choice((1, 1, 2, 3, 5, 8)))
            lag = rng.choice((0, 0, 1, 2))
            accepted = calendar.nth_after(received, lag) if lag else received
            days = spec.promised * habit.share * spec.factor * math.exp(rng.gauss(0, habit.spread))
            days = max(0, min(spec.statutory, round(days)))
            pause = None
            if days >= 2 and rng.random() < habit.supplement_rate:
                asked = calendar.nth_after(accepted, rng.randint(1, days - 1))
                answered = calendar.nth_after(asked, rng.randint(*habit.pause_days))
                pause = (asked, answered)
            skip = [pause] if pause else []
            end = calendar.nth_after(accepted, days, skip=skip) if days else accepted
            if pause and end <= pause[1]:
                end = calendar.nth_after(pause[1], 1)
            status = "rejected" if rng.random() < 0.03 else "approved"
            decided[code] = end
            cases.append(Case(code, received, accepted, end, status, pause))
        # Planned start: what the enterprise hopes, from the promises along the longest chain
        # with some room for preparing the files.
        chain = longest_promise(codes, by_code)
        planned = calendar.nth_after(registered, round(chain * rng.uniform(1.0, 2.2)) + 10)
        runs.append(ProjectRun(f"BT{n:04d}", registered, planned, cases))
    return runs


def longest_promise(codes, by_code) -> int:
    best: dict[str, int] = {}
    for code in codes:
        spec = by_code[code]
        best[code] = spec.promised + max((best[r] for r in spec.requires if r in best), default=0)
    return max(best.values())


def store(runs, habits, items, calendar) -> dict[str, int]:
    """Write the history through the models (bulk), as the services would have left it."""
    from django.db import transaction
    from django.utils import timezone

    from projects.clock import due_dates, paused_days
    from projects.models import (
        Approval,
        ApprovalItem,
        ApprovalPause,
        Department,
        Enterprise,
        Project,
    )

    tz = timezone.get_current_timezone()

    def moment(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, 10, tzinfo=tz)

    with transaction.atomic():
        departments = Department.objects.bulk_create(
            Department(name=name, name_en=en, short_name=short, level="district")
            for name, en, short in DEPARTMENTS[: len(habits)]
        )
        stored_items = {
            spec.code: ApprovalItem(
                code=spec.code,
                name=f"回测事项{spec.code}",
                name_en=f"Backtest item {spec.code}",
                department=departments[spec.department],
                promised_limit_days=spec.promised,
                statutory_limit_days=spec.statutory,
            )
            for spec in items
        }
        ApprovalItem.objects.bulk_create(stored_items.values())
        through = ApprovalItem.prerequisites.through
        through.objects.bulk_create(
            through(
                from_approvalitem_id=stored_items[spec.code].pk,
                to_approvalitem_id=stored_items[r].pk,
            )
            for spec in items
            for r in spec.requires
        )
        enterprise = Enterprise.objects.create(name="回测企业", name_en="Backtest enterprise")
        projects = Project.objects.bulk_create(
            Project(
                code=run.code,
                name=f"回测项目{run.code}",
                enterprise=enterprise,
                stage=Project.Stage.APPROVALS,
                planned_start=run.planned_start,
                registered_at=moment(run.registered),
            )
            for run in runs
        )
        approvals, pauses = [], []
        for project, run in zip(projects, runs, strict=True):
            for case in run.cases:
                item = stored_items[case.item]
                closed = [case.pause] if case.pause else []
                due, statutory = due_dates(
                    calendar,
                    accepted_on=case.accepted,
                    promised_days=item.promised_limit_days,
                    statutory_days=item.statutory_limit_days,
                    pauses=closed,
                )
                approval = Approval(
                    project=project,
                    item=item,
                    department_id=item.department_id,
                    status=case.status,
                    statutory_limit_days=item.statutory_limit_days,
                    promised_limit_days=item.promised_limit_days,
                    received_at=moment(case.received),
                    accepted_at=moment(case.accepted),
                    accepted_on=case.accepted,
                    decided_on=case.decided,
                    due_date=due,
                    statutory_due_date=statutory,
                    paused_working_days=paused_days(calendar, closed),
                )
                approvals.append(approval)
                if case.pause:
                    pauses.append((approval, case.pause))
        Approval.objects.bulk_create(approvals, batch_size=500)
        ApprovalPause.objects.bulk_create(
            (ApprovalPause(approval=a, requested_on=p[0], resumed_on=p[1]) for a, p in pauses),
            batch_size=500,
        )
    return {
        "projects": len(projects),
        "approvals": len(approvals),
        "pauses": len(pauses),
        "items": len(stored_items),
        "departments": len(departments),
    }


# --- the backtest ---------------------------------------------------------------------------


def state_on(day: date, stored, calendar):
    """The approval as it stood on the morning of `day` (only what happened before it)."""
    from projects.clock import due_dates, paused_days
    from projects.models import Approval

    a, pauses = stored
    state = Approval(
        pk=a["id"],
        project_id=a["project_id"],
        item_id=a["item_id"],
        department_id=a["department_id"],
        promised_limit_days=a["promised_limit_days"],
        statutory_limit_days=a["statutory_limit_days"],
    )
    if a["decided_on"] < day:
        state.status = a["status"]
        state.accepted_on, state.decided_on = a["accepted_on"], a["decided_on"]
        return state
    if a["accepted_on"] < day:
        known = [(r, s if s < day else None) for r, s in pauses if r < day]
        closed = [(r, s) for r, s in known if s is not None]
        state.accepted_on = a["accepted_on"]
        state.paused_working_days = paused_days(calendar, closed)
        open_pause = next((r for r, s in known if s is None), None)
        if open_pause is not None:
            state.status, state.paused_since = "supplement_requested", open_pause
        else:
            state.status = "accepted"
            state.due_date, state.statutory_due_date = due_dates(
                calendar,
                accepted_on=a["accepted_on"],
                promised_days=a["promised_limit_days"],
                statutory_days=a["statutory_limit_days"],
                pauses=closed,
            )
        return state
    state.status = "received" if a["received_on"] < day else "pending"
    return state


def signed_days(calendar, forecast: date, actual: date) -> int:
    """Working days from the actual date to the forecast one (negative: forecast too early)."""
    if forecast >= actual:
        return calendar.count(actual, forecast)
    return -calendar.count(forecast, actual)


HORIZONS = [
    (0, 20, "up to 20 working days ahead"),
    (21, 60, "21-60 ahead"),
    (61, 10**6, "61+ ahead"),
]


def backtest(calendar, every: int):
    from django.db.models.functions import TruncDate
    from django.utils import timezone

    from projects import history
    from projects.forecast import finish, forecast, promised
    from projects.history import graph_from
    from projects.models import Approval, ApprovalItem, ApprovalPause, Project

    rows = list(
        Approval.objects.annotate(received_on=TruncDate("received_at"))
        .values(
            "id",
            "project_id",
            "item_id",
            "department_id",
            "status",
            "promised_limit_days",
            "statutory_limit_days",
            "received_on",
            "accepted_on",
            "decided_on",
        )
        .order_by("project_id", "id")
    )
    pauses = defaultdict(list)
    for approval_id, requested, resumed in ApprovalPause.objects.values_list(
        "approval_id", "requested_on", "resumed_on"
    ):
        pauses[approval_id].append((requested, resumed))
    needs = defaultdict(set)
    for item_id, prerequisite_id in ApprovalItem.prerequisites.through.objects.values_list(
        "from_approvalitem_id", "to_approvalitem_id"
    ):
        needs[item_id].add(prerequisite_id)
    projects = {
        pk: (timezone.localdate(registered), planned)
        for pk, registered, planned in Project.objects.values_list(
            "pk", "registered_at", "planned_start"
        )
    }
    by_project = defaultdict(list)
    for row in rows:
        by_project[row["project_id"]].append((row, pauses[row["id"]]))
    ready = {pk: max(r["decided_on"] for r, _p in items) for pk, items in by_project.items()}

    first = calendar.nth_after(START + timedelta(days=182), 1)
    last = max(ready.values())
    days, day = [], first
    while day < last:
        days.append(day)
        day = calendar.nth_after(day, every)

    results = []  # (horizon, naive error, p50 error, p80 error, flagged, late)
    history_seconds = 0.0
    for day in days:
        started = time.perf_counter()
        known = history.decided_history(calendar, through=day - timedelta(days=1))
        history_seconds += time.perf_counter() - started
        for pk, stored in by_project.items():
            registered, planned = projects[pk]
            if registered >= day or ready[pk] < day:
                continue  # not registered yet, or every approval already decided
            approvals = [state_on(day, s, calendar) for s in stored]
            graph = graph_from(approvals, needs)
            args = {"today": day, "calendar": calendar}
            naive = finish(forecast(approvals, graph, duration=promised, **args))
            likely = finish(forecast(approvals, graph, duration=known.durations.likely, **args))
            cautious = finish(forecast(approvals, graph, duration=known.durations.cautious, **args))
            actual = ready[pk]
            results.append(
                (
                    calendar.count(day, actual),
                    signed_days(calendar, naive, actual),
                    signed_days(calendar, likely, actual),
                    signed_days(calendar, max(cautious, likely), actual),
                    max(cautious, likely) > planned,
                    actual > planned,
                    known.cases_behind([a for a in approvals if a.decided_on is None]) > 0,
                )
            )
    return days, results, history_seconds


def summary(errors: list[int]) -> tuple[float, float, float]:
    absolute = [abs(e) for e in errors]
    return (statistics.fmean(absolute), statistics.median(absolute), statistics.fmean(errors))


def main() -> None:
    args = build_parser().parse_args()
    db = setup_django()
    try:
        from projects import history
        from projects.clock import WorkingCalendar

        calendar = WorkingCalendar.load()
        rng = random.Random(args.seed)
        habits, items = catalogue(rng)
        started = time.perf_counter()
        runs = simulate(rng, calendar, habits, items, args.history_projects)
        counts = store(runs, habits, items, calendar)
        built = time.perf_counter() - started
        print(f"bench/forecast.py on {db.description}")
        print(
            f"Generated history: {counts['projects']} projects, {counts['approvals']} approvals "
            f"({counts['pauses']} with a supplement pause), {counts['items']} items in "
            f"{counts['departments']} departments; registered {START} + {REGISTRATION_DAYS} days, "
            f"every approval decided by {max(r.ready for r in runs)}; built in {built:.1f} s."
        )
        print("How the generated departments work (what the naive forecast does not know):")
        print_table(
            ["department", "days / promise (median)", "spread (sigma)", "supplements", "pause"],
            [
                (
                    DEPARTMENTS[i][2],
                    h.share,
                    h.spread,
                    f"{h.supplement_rate:.0%}",
                    f"{h.pause_days[0]}-{h.pause_days[1]} days",
                )
                for i, h in enumerate(habits)
            ],
        )
        print()

        started = time.perf_counter()
        days, results, history_seconds = backtest(calendar, args.every)
        seconds = time.perf_counter() - started
        print(
            f"Backtest: {len(days)} forecast dates, every {args.every} working days from "
            f"{days[0]} to {days[-1]}; {len(results)} forecasts (project x date) of the day its "
            f"last approval is decided, each from what was known that morning "
            f"({seconds:.1f} s, of which {history_seconds:.1f} s reading the history)."
        )
        informed = sum(1 for r in results if r[6])
        print(
            f"{informed} of them had at least one open approval with enough decided cases "
            f"(>= {history.MIN_CASES}) behind its estimate; the others are the promise in both "
            "forecasts."
        )
        print()
        rows = []
        for name, index in [
            ("naive: promised limits only", 1),
            ("history: median (p50)", 2),
            ("history: cautious (p80)", 3),
        ]:
            mae, median, bias = summary([r[index] for r in results])
            rows.append((name, mae, median, bias))
        print_table(
            ["forecast", "MAE (working days)", "median |error|", "mean error (+ late, - early)"],
            rows,
        )
        print()
        horizon_rows = []
        for low, high, label in HORIZONS:
            chosen = [r for r in results if low <= r[0] <= high]
            if not chosen:
                continue
            horizon_rows.append(
                (
                    label,
                    len(chosen),
                    summary([r[1] for r in chosen])[0],
                    summary([r[2] for r in chosen])[0],
                )
            )
        print_table(
            ["actual ready date", "forecasts", "naive MAE", "history p50 MAE"], horizon_rows
        )
        covered = sum(1 for r in results if r[3] >= 0) / len(results)
        print()
        print(
            f"Cautious (p80) date on or after the real one in {covered:.0%} of the forecasts "
            "(80 % would be a calibrated p80; both ignore the days an enterprise takes to "
            "prepare each next file, so they lean early)."
        )
        flagged = [r for r in results if r[4]]
        late = [r for r in results if r[5]]
        caught = sum(1 for r in flagged if r[5])
        print(
            f"At risk (p80 after the planned start): flagged {len(flagged)} forecasts, of which "
            f"{caught} were really ready after the planned start; "
            f"{len(late) - caught} of {len(late)} late ones were not flagged."
        )
        naive_mae, history_mae = rows[0][1], rows[1][1]
        print()
        if history_mae < naive_mae:
            print(
                f"Verdict: the history-based forecast (p50) is better than the naive one: MAE "
                f"{history_mae:.1f} vs {naive_mae:.1f} working days "
                f"({(naive_mae - history_mae) / naive_mae:.0%} less), on this generated data."
            )
        else:
            print(
                f"Verdict: the history-based forecast (p50) is NOT better than the naive one: "
                f"MAE {history_mae:.1f} vs {naive_mae:.1f} working days, on this generated data."
            )
    finally:
        db.drop()


if __name__ == "__main__":
    main()
