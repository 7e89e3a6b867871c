"""The demo data of the project-tracking core, for `seed_demo`.

The catalogue (departments, towns, approval items with their one-time notification lists and
prerequisites, industries with their standard item sets) is upserted by code or name on every
run. The projects are registered and carried through their approvals by the real services with
past `now=` moments, in one chronological order, so the event log reads like months of work.
Every date is counted back from `today` in working days, so the demo looks current whenever it
is loaded. Running it twice leaves the same data: projects that exist already are skipped.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from portal.events import without_live_signals
from portal.models import Event, StreamHead, User

from . import catalogue_import
from .clock import WorkingCalendar
from .models import (
    ApprovalItem,
    CalendarYear,
    Department,
    Enterprise,
    Industry,
    Project,
    Town,
)
from .services import approval_transition, project_assign_helpers, project_register
from .streams import project_internal_stream, project_stream

PRE, BUILD, POST = "pre", "build", "post"  # when in a project's life an item is applied for
OFFICER_GROUP = "Department officers"
DEMO_LOGINS = {"officer"}  # created by portal.demo, not here

# The content lives in data files outside the installed packages (`demo/` next to manage.py):
# the catalogue in the layout of `manage.py import_catalogue` (plus the demo's own `phase`
# column), the organisations and the projects with their scripted histories as JSON.
DEMO_DIR = Path(settings.BASE_DIR) / "demo"
CATALOGUE_FILE = DEMO_DIR / "catalogue.csv"


def _json(name: str) -> dict:
    return json.loads((DEMO_DIR / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class ItemSpec:
    """What the history planner needs of a catalogue row."""

    code: str
    department: str  # the department's Chinese name
    promised: int
    materials: tuple[tuple[str, str, bool], ...]  # (name, English name, key)
    requires: tuple[str, ...] = ()
    phase: str = PRE

    def material_rows(self) -> list[tuple[str, str, bool]]:
        return list(self.materials)


def _read_catalogue() -> list[ItemSpec]:
    table = catalogue_import.read_table(CATALOGUE_FILE)
    columns = catalogue_import.map_headers(table.headers).columns
    phase = table.headers.index("phase")
    specs = []
    for _number, cells in table.rows:
        materials, problems = catalogue_import.parse_materials(cells[columns["materials"]])
        if problems:
            raise ValueError(f"{CATALOGUE_FILE}: {problems}")
        specs.append(
            ItemSpec(
                code=cells[columns["code"]],
                department=cells[columns["department"]],
                promised=int(cells[columns["promised_limit_days"]]),
                materials=tuple((m.name, m.name_en, m.key) for m in materials),
                requires=tuple(catalogue_import.parse_codes(cells[columns["prerequisites"]])),
                phase=cells[phase],
            )
        )
    return specs


_ORGANISATIONS = _json("organisations.json")
# key, level, name, English name, short name, head
DEPARTMENTS = [
    (d["key"], d["level"], d["name"], d["name_en"], d["short_name"], d["head"])
    for d in _ORGANISATIONS["departments"]
]
# Department key -> its officers (username, name). The first one acts by default. `officer` is
# the demo login; the others only make the queues realistic and cannot log in.
OFFICERS = {
    d["key"]: [(o["username"], o["name"]) for o in d["officers"]]
    for d in _ORGANISATIONS["departments"]
}
DEPARTMENT_KEYS = {d["name"]: d["key"] for d in _ORGANISATIONS["departments"]}
EXTRA_OFFICERS = [u for people in OFFICERS.values() for u, _n in people if u not in DEMO_LOGINS]
# name, English name, development zone
TOWNS = [(t["name"], t["name_en"], t["is_zone"]) for t in _ORGANISATIONS["towns"]]
# code, name, English name, standard items
INDUSTRIES = [
    (i["code"], i["name"], i["name_en"], tuple(i["standard_items"]))
    for i in _ORGANISATIONS["industries"]
]
# name, English name, unified social credit code, demo users
ENTERPRISES = [
    (e["name"], e["name_en"], e["credit_code"], tuple(e["users"]))
    for e in _ORGANISATIONS["enterprises"]
]
# name -> the users who administer it (confirm the new users others invite)
ENTERPRISE_ADMINISTRATORS = {
    e["name"]: tuple(e.get("administrators", ())) for e in _ORGANISATIONS["enterprises"]
}
ITEMS = _read_catalogue()
CATALOGUE = {spec.code: spec for spec in ITEMS}


@dataclass(frozen=True)
class ProjectSpec:
    """A demo project and the story of its approvals, in working days before `today`."""

    code: str
    name: str
    name_en: str
    enterprise: str
    industry: str
    town: str
    stage: str
    investment: int  # 10,000 yuan
    lead: str
    leading_official: str
    description: str
    registered_ago: int
    start_ago: int | None = None  # the first applications go in
    finished_ago: int | None = None  # construction finished (production stage)
    helpers: tuple[str, ...] = ()
    helpers_later: tuple[tuple[str, int], ...] = ()  # (username, working days ago)
    extra_items: tuple[str, ...] = ()
    only: tuple[str, ...] | None = None  # if set, only these items have moved yet
    planned_in_days: int = 90  # planned start, for projects not under construction yet
    # item code -> how its story departs from the plain one (see Planner.approval)
    script: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProjectSpec:
        data = dict(data)
        for name in ("helpers", "extra_items", "only"):
            if data.get(name) is not None:
                data[name] = tuple(data[name])
        data["helpers_later"] = tuple(tuple(pair) for pair in data.get("helpers_later", ()))
        return cls(**data)


S = Project.Stage
_PROJECTS = _json("projects.json")
PROJECTS = [ProjectSpec.from_json(row) for row in _PROJECTS["projects"]]
PROJECT_CODES = [spec.code for spec in PROJECTS]
SUPPLEMENT_REASONS: dict[str, str] = _PROJECTS["supplement_reasons"]
CONDITIONS: dict[str, str] = _PROJECTS["conditions"]


# --- the catalogue, accounts and enterprises --------------------------------------------------


def _seed_catalogue() -> tuple[dict[str, Department], dict[str, ApprovalItem]]:
    """Departments, then the items through the catalogue importer, then industries and towns."""
    departments = {}
    for key, level, name, name_en, short_name, head in DEPARTMENTS:
        departments[key] = Department.objects.update_or_create(
            name=name,
            defaults={"name_en": name_en, "short_name": short_name, "level": level, "head": head},
        )[0]
    result = catalogue_import.catalogue_import_file(actor=None, path=CATALOGUE_FILE)
    if result.rejected:
        reasons = "; ".join(catalogue_import.format_rejection(row) for row in result.rejected)
        raise ValueError(f"{CATALOGUE_FILE}: {reasons}")
    ApprovalItem.objects.filter(code__in=CATALOGUE, is_active=False).update(is_active=True)
    items = {item.code: item for item in ApprovalItem.objects.filter(code__in=CATALOGUE)}
    for code, name, name_en, standard in INDUSTRIES:
        industry = Industry.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en}
        )[0]
        industry.standard_items.set([items[c] for c in standard])
    for name, name_en, is_zone in TOWNS:
        Town.objects.update_or_create(name=name, defaults={"name_en": name_en, "is_zone": is_zone})
    return departments, items


def _seed_officers(departments: dict[str, Department]) -> None:
    """Department officers: the demo `officer` joins planning; the others cannot log in."""
    group = Group.objects.get_or_create(name=OFFICER_GROUP)[0]
    existing = {u.username: u for u in User.objects.filter(username__in=EXTRA_OFFICERS)}
    for key, people in OFFICERS.items():
        members = []
        for username, name in people:
            person = existing.get(username)
            if username in DEMO_LOGINS:
                person = User.objects.filter(username=username).first()
            elif person is None:
                person = User(username=username, name=name, email=f"{username}@portal.example")
                person.set_unusable_password()
                person.save()
            elif person.name != name:
                person.name = name
                person.save(update_fields=["name"])
            if person is not None:
                members.append(person)
        group.user_set.add(*members)
        departments[key].officers.add(*members)
        # The first officer stands in as the department head the escalation ladder reaches.
        if members and departments[key].head_user_id is None:
            departments[key].head_user = members[0]
            departments[key].save(update_fields=["head_user"])


def _seed_enterprises() -> dict[str, Enterprise]:
    enterprises = {}
    for name, name_en, credit_code, usernames in ENTERPRISES:
        enterprise = Enterprise.objects.update_or_create(
            name=name, defaults={"name_en": name_en, "credit_code": credit_code}
        )[0]
        if usernames:
            enterprise.users.add(*User.objects.filter(username__in=usernames))
        administrators = ENTERPRISE_ADMINISTRATORS.get(name, ())
        if administrators:
            enterprise.administrators.add(*User.objects.filter(username__in=administrators))
        enterprises[name] = enterprise
    return enterprises


# --- planning the history ---------------------------------------------------------------------


@dataclass
class Step:
    day: int  # 0 is today, -1 the working day before, and so on
    minute: int  # minutes after 9:00
    order: int
    project: str
    kind: str  # "register", "helpers" or an approval action
    item: str = ""
    actor: str = ""  # a username
    payload: dict[str, Any] = field(default_factory=dict)


class Planner:
    """Turns the project specs into dated steps. Pure Python: no queries."""

    def __init__(self, clock: _WorkingDays) -> None:
        self.clock = clock
        self.steps: list[Step] = []
        self.enterprise_users = {name: users for name, _e, _c, users in ENTERPRISES}

    def _add(self, step_day: int, last: list[int] | None, rng: random.Random, **fields) -> None:
        """Add a step; `last` holds the (day, minute) of the approval's previous step."""
        if last and step_day == last[0]:
            minute = last[1] + rng.randint(10, 45)
        else:
            minute = rng.randint(0, 450)
        if last is not None:
            last[:] = [step_day, minute]
        if step_day < 0:  # nothing happens today or later: the seed writes history only
            self.steps.append(Step(step_day, minute, len(self.steps), **fields))

    def project(self, spec: ProjectSpec) -> int | None:
        """Plan a project's registration and approvals; return the day construction started."""
        rng = random.Random(spec.code)
        self._add(-spec.registered_ago, None, rng, project=spec.code, kind="register")
        for username, ago in spec.helpers_later:
            self._add(-ago, None, rng, project=spec.code, kind="helpers", actor=username)
        codes = _closure([*dict(INDUSTRY_SETS)[spec.industry], *spec.extra_items])
        done: dict[str, int | None] = {}
        start = -spec.start_ago if spec.start_ago is not None else None
        self._phase(spec, rng, codes, PRE, start, done)
        build_start = post_start = None
        if spec.stage in (S.CONSTRUCTION, S.PRODUCTION):
            pre = [c for c in codes if CATALOGUE[c].phase == PRE]
            closed = {c for c, how in spec.script.items() if {"withdraw", "reject"} & set(how)}
            unfinished = [c for c in pre if done[c] is None and c not in closed]
            if unfinished:
                raise ValueError(f"{spec.code}: {unfinished} not approved before construction")
            build_start = max(done[c] for c in pre if c not in closed) + 2
        if spec.stage == S.PRODUCTION:
            post_start = -spec.finished_ago
            if post_start <= build_start + 40:
                raise ValueError(f"{spec.code}: construction ends before it starts")
        self._phase(spec, rng, codes, BUILD, build_start, done)
        self._phase(spec, rng, codes, POST, post_start, done)
        return build_start

    def _phase(self, spec, rng, codes, phase, start, done) -> None:
        for code in _in_dependency_order(codes):
            item = CATALOGUE[code]
            if item.phase != phase:
                continue
            done[code] = None
            if start is None or (spec.only is not None and code not in spec.only):
                continue
            before = [done[c] for c in item.requires]
            if any(day is None for day in before):
                continue
            earliest = max([start, *(day + 1 + rng.randint(0, 3) for day in before)])
            done[code] = self.approval(spec, item, earliest, rng, spec.script.get(code, {}))

    def approval(
        self,
        spec: ProjectSpec,
        item: ItemSpec,
        earliest: int,
        rng: random.Random,
        script: dict[str, Any],
    ) -> int | None:
        """Plan one approval's steps; return the day it is approved, or None if it is not.

        The script may give the day it is received (`at`, working days ago), stop it at
        `received` or `accepted`, make it `overdue`, add a closed or open supplement `pause`,
        accept it with its non-key materials `missing`, `reject` it or `withdraw` it.
        """
        last: list[int] = [0, 0]

        def add(day: int, action: str, actor: str, **payload: Any) -> None:
            self._add(
                day, last, rng, project=spec.code, kind=action, item=item.code, actor=actor,
                payload=payload,
            )  # fmt: skip

        officer = self._officer(DEPARTMENT_KEYS[item.department], rng)
        if script.get("overdue"):
            accepted = -(item.promised + rng.randint(4, 8))
            received = accepted - rng.randint(0, 1)
        else:
            received = -script["at"] if "at" in script else earliest + rng.randint(0, 2)
            accepted = received + rng.choice((0, 1, 1, 2))
        if received < earliest:
            raise ValueError(f"{spec.code} {item.code}: received before its prerequisites")
        add(received, "receive", "staff")
        if script.get("stop") == "received":
            return None
        if script.get("missing"):
            non_key = [name for name, _e, key in item.material_rows() if not key]
            due = self.clock.today + timedelta(days=10)
            add(accepted, "accept", officer, missing_materials=non_key, materials_due=due)
            return None
        add(accepted, "accept", officer)
        if script.get("overdue"):
            return None
        if "withdraw" in script:
            withdrawer = next(iter(self.enterprise_users[spec.enterprise]), "staff")
            add(accepted + rng.randint(2, 4), "withdraw", withdrawer, reason=script["withdraw"])
            return None
        if "reject" in script:
            add(accepted + rng.randint(2, item.promised - 1), "reject", officer,
                reason=script["reject"])  # fmt: skip
            return None
        if item.promised == 1:
            took = rng.choice((0, 1))  # set-ups and filings: often the same day
        else:
            took = rng.randint(max(1, item.promised // 2), item.promised)
        if "pause" in script:
            if script.get("stop") == "accepted":  # answered lately, still running on time
                asked, waited = accepted + rng.randint(1, 2), rng.randint(2, 3)
            else:
                asked, waited = accepted + rng.randint(1, max(1, took - 1)), rng.randint(2, 6)
            material = item.material_rows()[1][0]
            reason = SUPPLEMENT_REASONS.get(
                item.code, f"{material}内容不完整，请按一次性告知单补正。"
            )
            if asked < 0:
                add(asked, "request_supplement", officer, reason=reason,
                    missing_materials=[material],
                    materials_due=self.clock.date(asked) + timedelta(days=14))  # fmt: skip
            if script["pause"] == "open":
                return None
            answered = asked + waited
            add(answered, "supplement", self._supplier(spec))
            approved = max(accepted + took + (answered - asked), answered + 1)
        else:
            approved = accepted + took
        if script.get("stop") == "accepted":
            return None
        add(approved, "approve", officer, conditions=CONDITIONS.get(item.code, ""))
        return approved if approved < 0 else None

    def _officer(self, department: str, rng: random.Random) -> str:
        people = [username for username, _name in OFFICERS[department]]
        # the first officer handles most files; colleagues take some
        return people[0] if len(people) == 1 or rng.random() < 0.6 else rng.choice(people[1:])

    def _supplier(self, spec: ProjectSpec) -> str:
        """The enterprise answers; where it has no account, its helper does it for it."""
        return next(iter(self.enterprise_users[spec.enterprise]), spec.lead)


INDUSTRY_SETS = [(code, standard) for code, _n, _e, standard in INDUSTRIES]


def _closure(codes) -> list[str]:
    chosen, queue = set(), list(codes)
    while queue:
        code = queue.pop()
        if code not in chosen:
            chosen.add(code)
            queue.extend(CATALOGUE[code].requires)
    return sorted(chosen)


def _depth(code: str) -> int:
    requires = CATALOGUE[code].requires
    return 1 + max(map(_depth, requires)) if requires else 0


def _in_dependency_order(codes) -> list[str]:
    return sorted(codes, key=lambda code: (_depth(code), code))


class _WorkingDays:
    """Working days counted back from `today`, and the moments on them."""

    def __init__(self, today: date, calendar: WorkingCalendar) -> None:
        self.today = today
        self.calendar = calendar
        self.days: list[date] = []  # days[k - 1] is the k-th working day before today

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
        start = datetime.combine(self.date(day), time(9, 0))
        return timezone.make_aware(start + timedelta(minutes=minute))


# --- running it -------------------------------------------------------------------------------


def seed_projects(*, today: date | None = None) -> int:
    """Load the catalogue and the demo projects with months of history; returns projects added.

    Needs the demo accounts (`portal.demo.seed_accounts`). Idempotent: catalogue rows are
    upserted, projects whose code exists are left as they are.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        departments, items = _seed_catalogue()
        _seed_officers(departments)
        enterprises = _seed_enterprises()
        _seed_calendar_years(today)
        existing = set(
            Project.objects.filter(code__in=PROJECT_CODES).values_list("code", flat=True)
        )
        specs = [spec for spec in PROJECTS if spec.code not in existing]
        if not specs:
            return 0
        clock = _WorkingDays(today, WorkingCalendar.load())
        planner = Planner(clock)
        starts = {spec.code: planner.project(spec) for spec in specs}
        with without_live_signals():
            _run(planner.steps, specs, starts, clock, items, enterprises)
    return len(specs)


def _seed_calendar_years(today: date) -> None:
    """This year confirmed against the State Council's notice; next year still provisional."""
    CalendarYear.objects.update_or_create(
        year=today.year,
        defaults={
            "confirmed": True,
            "confirmed_at": timezone.make_aware(datetime(today.year - 1, 11, 4, 10, 0)),
            "confirmed_by": User.objects.filter(username="staff").first(),
            "notice": f"国务院办公厅关于{today.year}年部分节假日安排的通知",
        },
    )
    CalendarYear.objects.get_or_create(year=today.year + 1)


def _run(steps, specs, starts, clock, items, enterprises) -> None:
    by_code = {spec.code: spec for spec in specs}
    usernames = {"staff"} | {s.actor for s in steps if s.actor} | {s.lead for s in specs}
    usernames |= {u for s in specs for u in s.helpers}
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    if missing := usernames - set(users):
        raise RuntimeError(f"Seed the demo accounts first; missing: {', '.join(sorted(missing))}")
    industries = {i.code: i for i in Industry.objects.all()}
    towns = {t.name: t for t in Town.objects.all()}
    projects: dict[str, Project] = {}
    approval_ids: dict[tuple[str, str], int] = {}
    for step in sorted(steps, key=lambda s: (s.day, s.minute, s.order)):
        spec = by_code[step.project]
        now = clock.moment(step.day, step.minute)
        if step.kind == "register":
            if starts[spec.code] is not None:
                planned_start = clock.date(starts[spec.code])
            else:
                planned_start = clock.today + timedelta(days=spec.planned_in_days)
            project = project_register(
                actor=users["staff"],
                code=spec.code,
                name=spec.name,
                name_en=spec.name_en,
                enterprise=enterprises[spec.enterprise],
                industry=industries[spec.industry],
                town=towns[spec.town],
                stage=spec.stage,
                investment=Decimal(spec.investment),
                planned_start=planned_start,
                lead_helper=users[spec.lead],
                helpers=[users[u] for u in spec.helpers],
                leading_official=spec.leading_official,
                description=spec.description,
                items=[items[c] for c in spec.extra_items],
                use_industry_set=True,
                now=now,
            )
            projects[spec.code] = project
            for code, pk in project.approvals.values_list("item__code", "pk"):
                approval_ids[(spec.code, code)] = pk
        elif step.kind == "helpers":
            project = projects[spec.code]
            helpers = [*spec.helpers, *(u for u, ago in spec.helpers_later if -ago <= step.day)]
            project_assign_helpers(
                actor=users["staff"],
                project_id=project.pk,
                lead_helper=users[spec.lead],
                helpers=[users[u] for u in helpers],
                now=now,
            )
        else:
            actor = users[step.actor]
            approval_transition(
                actor=actor,
                approval_id=approval_ids[(spec.code, step.item)],
                action=step.kind,
                now=now,
                **step.payload,
            )


def delete_projects() -> None:
    """Remove the demo projects with their event streams, enterprises, officers and catalogue.

    Catalogue rows still used by other projects are kept.
    """
    with transaction.atomic():
        projects = Project.objects.filter(code__in=PROJECT_CODES)
        ids = list(projects.values_list("pk", flat=True))
        streams = [project_stream(i) for i in ids] + [project_internal_stream(i) for i in ids]
        Event.objects.filter(stream__in=streams).delete()
        StreamHead.objects.filter(stream__in=streams).delete()
        Event.objects.filter(
            stream__startswith="user:",
            event__in=("project.assigned", "project.unassigned"),
            data__project_id__in=ids,
        ).delete()
        projects.delete()
        Enterprise.objects.filter(
            name__in=[e[0] for e in ENTERPRISES], projects__isnull=True
        ).delete()
        User.objects.filter(username__in=EXTRA_OFFICERS).delete()
        for queryset in (
            Industry.objects.filter(code__in=[i[0] for i in INDUSTRIES], projects__isnull=True),
            ApprovalItem.objects.filter(code__in=CATALOGUE, approvals__isnull=True),
            Department.objects.filter(
                name__in=[d[2] for d in DEPARTMENTS], items__isnull=True, approvals__isnull=True
            ),
            Town.objects.filter(name__in=[t[0] for t in TOWNS], projects__isnull=True),
        ):
            try:
                with transaction.atomic():
                    queryset.delete()
            except (ProtectedError, RestrictedError):
                pass  # still used outside the demo: keep it
