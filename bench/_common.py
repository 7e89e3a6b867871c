"""Shared by the benchmarks: a throwaway database, a realistic data set, timing and a table.

Not a benchmark itself (run_all.py skips names starting with "_"). Import it before anything
from Django: `setup_django()` points the settings at a fresh database and only then sets Django
up, so a benchmark can never write to the development or production database.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SETTINGS_MODULE = "portal.settings.test"


# --- the throwaway database -------------------------------------------------------------------


@dataclass
class ThrowawayDatabase:
    """Where the benchmark's data lives; `drop()` removes it (also run at exit)."""

    vendor: str
    name: str
    tmpdir: Path
    admin_url: str | None = None  # the PostgreSQL URL we were given, used only to create/drop
    migrate_seconds: float = 0.0
    _dropped: bool = field(default=False, repr=False)

    @property
    def description(self) -> str:
        if self.vendor == "postgresql":
            return f"PostgreSQL, throwaway database {self.name}"
        return f"SQLite, throwaway file {self.name}"

    def drop(self) -> None:
        if self._dropped:
            return
        self._dropped = True
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001, S110 - Django may never have been set up
            pass
        if self.vendor == "postgresql" and self.admin_url:
            _pg_execute(self.admin_url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)
        shutil.rmtree(self.tmpdir, ignore_errors=True)


def _pg_execute(admin_url: str, statement: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL(statement).format(sql.Identifier(name)))


def setup_django(*, urlconf: str | None = None, migrate: bool = True) -> ThrowawayDatabase:
    """Create a fresh database, set Django up on it and migrate it.

    SQLite in a temporary directory by default; with DATABASE_URL set, a new PostgreSQL database
    `portal_bench_<pid>` on that server (the given database is only used to create and drop it).
    On PostgreSQL the migrated schema is kept as a template database,
    `portal_bench_tpl_<fingerprint of every migration file>`, and later runs copy it instead of
    migrating again (seconds instead of a minute or more); a template whose migrations changed
    is never used, and is dropped when the new one is made.
    """
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    tmpdir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    os.environ["PORTAL_DATA_DIR"] = str(tmpdir)
    url = os.environ.get("DATABASE_URL", "")
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("postgres", "postgresql", "pgsql", "postgis"):
            raise SystemExit(
                f"bench: only PostgreSQL is supported in DATABASE_URL, not {parts.scheme}"
            )
        name = f"portal_bench_{os.getpid()}"
        admin_url = urlunsplit(parts._replace(scheme="postgresql"))
        db = ThrowawayDatabase("postgresql", name, tmpdir, admin_url=admin_url)
        _pg_execute(admin_url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)  # a dead pid's
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    else:
        os.environ.pop("DATABASE_URL", None)
        name = str(tmpdir / "bench.sqlite3")
        os.environ["SQLITE_PATH"] = name
        db = ThrowawayDatabase("sqlite", name, tmpdir)
    atexit.register(db.drop)
    # A plain SIGTERM skips atexit; turn it into an exit so the database is still dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, connections

    template = None
    if db.vendor == "postgresql":
        template = f"portal_bench_tpl_{_migrations_fingerprint()}"
        started = time.perf_counter()
        if migrate and _pg_copy(db.admin_url, template, name):
            migrate = False
            db.migrate_seconds = time.perf_counter() - started
        else:
            _pg_execute(db.admin_url, "CREATE DATABASE {}", name)
    # Belt and braces: never migrate or fill anything but the database made above.
    if connection.vendor != db.vendor or str(connection.settings_dict["NAME"]) != name:
        db.drop()
        raise SystemExit(f"bench: refusing to run on {connection.settings_dict['NAME']!r}")
    if urlconf:
        settings.ROOT_URLCONF = urlconf
    if migrate:
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        db.migrate_seconds = time.perf_counter() - started
        if template is not None:
            connections.close_all()
            _pg_keep_template(db.admin_url, source=name, template=template)
    return db


def _migrations_fingerprint() -> str:
    """A hash of every installed app's migration files: a schema built from them is the same."""
    import hashlib

    from django.apps import apps

    digest = hashlib.sha256()
    for config in sorted(apps.get_app_configs(), key=lambda c: c.label):
        folder = Path(config.path) / "migrations"
        for path in sorted(folder.glob("*.py")) if folder.is_dir() else []:
            digest.update(f"{config.label}/{path.name}".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _pg_copy(admin_url: str, template: str, name: str) -> bool:
    """Create `name` as a copy of `template`; False when there is no such template (yet)."""
    import psycopg

    for attempt in range(5):
        try:
            _pg_execute(admin_url, "CREATE DATABASE {} TEMPLATE " + _quoted(template), name)
            return True
        except psycopg.errors.InvalidCatalogName:
            return False  # no template yet
        except psycopg.errors.ObjectInUse:
            time.sleep(0.5 * (attempt + 1))  # another run is copying it right now
    return False


def _pg_keep_template(admin_url: str, *, source: str, template: str) -> None:
    """Keep a copy of the freshly migrated `source` as `template`; drop outdated templates."""
    import psycopg

    try:
        _pg_execute(admin_url, "CREATE DATABASE {} TEMPLATE " + _quoted(source), template)
    except psycopg.Error:
        return  # another run made it first, or the source is busy: migrate again next time
    with psycopg.connect(admin_url, autocommit=True) as conn:
        stale = [
            row[0]
            for row in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE 'portal\\_bench\\_tpl\\_%%' "
                "AND datname <> %s",
                [template],
            )
        ]
    for old in stale:
        # In use by a run of the older code: it goes next time.
        with contextlib.suppress(psycopg.Error):
            _pg_execute(admin_url, "DROP DATABASE IF EXISTS {}", old)


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


# --- a realistic data set ---------------------------------------------------------------------

# A realistic mix of approval states across projects at every stage.
STATUS_WEIGHTS = {
    "pending": 25,
    "received": 10,
    "accepted": 20,
    "supplement_requested": 7,
    "approved": 30,
    "rejected": 3,
    "withdrawn": 5,
}
STAGE_WEIGHTS = {
    "negotiating": 10,
    "signed": 15,
    "approvals": 45,
    "construction": 25,
    "production": 5,
}
DEPARTMENTS = [
    ("发展和改革局", "Development and Reform Bureau", "发改"),
    ("自然资源和规划局", "Natural Resources and Planning Bureau", "规划"),
    ("生态环境分局", "Ecology and Environment Bureau", "环保"),
    ("住房和城乡建设局", "Housing and Urban-Rural Development Bureau", "住建"),
    ("应急管理局", "Emergency Management Bureau", "应急"),
    ("消防救援大队", "Fire Rescue Brigade", "消防"),
    ("水利局", "Water Resources Bureau", "水利"),
    ("交通运输局", "Transport Bureau", "交通"),
    ("市场监督管理局", "Market Regulation Bureau", "市监"),
    ("商务局", "Commerce Bureau", "商务"),
    ("人防办", "Civil Air Defence Office", "人防"),
    ("气象局", "Meteorological Bureau", "气象"),
    ("文化和旅游局", "Culture and Tourism Bureau", "文旅"),
    ("农业农村局", "Agriculture and Rural Affairs Bureau", "农业"),
    ("城市管理局", "Urban Management Bureau", "城管"),
    ("卫生健康局", "Health Commission", "卫健"),
    ("税务局", "Tax Bureau", "税务"),
    ("供电公司", "Power Supply Company", "供电"),
    ("行政审批局", "Administrative Approval Bureau", "审批"),
    ("经济开发区管委会", "Economic Development Zone Committee", "开发区"),
]
MATERIALS = [
    ("申请表", "Application form"),
    ("营业执照", "Business licence"),
    ("项目备案证明", "Project filing certificate"),
    ("建设用地规划许可证", "Land-use planning permit"),
    ("设计方案", "Design scheme"),
    ("环境影响报告表", "Environmental impact report"),
    ("安全预评价报告", "Safety pre-assessment"),
    ("授权委托书", "Power of attorney"),
    ("补充说明", "Supplementary note"),
]
ITEM_COUNT = 60


@dataclass
class Dataset:
    staff: Any
    helper: Any
    helper_project_ids: list[int]
    projects: int
    approvals: int
    materials: int
    events: int
    permissions: int
    seconds: float
    versions: int = 0  # uploaded material versions, when the data set has uploads
    comments: int = 0
    files: int = 0  # stored files: the versions' and the comments' attachments

    @property
    def summary(self) -> str:
        uploads = (
            f", {self.versions} material versions, {self.comments} comments, "
            f"{self.files} stored files"
            if self.files or self.comments
            else ""
        )
        return (
            f"{self.projects} projects, {self.approvals} approvals, {self.materials} materials"
            f"{uploads}, {self.events} events, {self.permissions} object permissions; "
            f"built in {self.seconds:.1f} s"
        )


def _chunks(seq: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(seq), size):
        yield seq[start : start + size]


def build_dataset(
    *,
    projects: int = 5000,
    approvals_per_project: int = 20,
    helper_projects: int = 30,
    seed: int = 20260901,
    chunk: int = 500,
    uploads: bool = False,
) -> Dataset:
    """Fill the (throwaway) database with bulk_create: catalogue, people, projects, approvals.

    The user `bench-staff` is staff; `bench-helper` is the lead helper of `helper_projects`
    projects and holds exactly the guardian permissions `grant_helper` gives; about one helper
    per 50 projects leads the others, with the same rows written in bulk. With `uploads`, the
    materials also get uploaded versions and the projects comments (see DatasetBuilder).
    """
    builder = DatasetBuilder(
        approvals_per_project=approvals_per_project,
        helper_projects=helper_projects,
        seed=seed,
        uploads=uploads,
    )
    return builder.grow_to(projects, chunk=chunk)


# Uploaded files: (extension, content type), weights; what officers and people write.
FILE_TYPES = [
    (".pdf", "application/pdf"),
    (".jpg", "image/jpeg"),
    (".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
]
FILE_TYPE_WEIGHTS = [70, 20, 10]
CORRECTION_NOTES = ["盖章不清晰，请重新扫描。", "缺少法定代表人签字。", "请补充附图。"]
COMMENT_BODIES = [
    "材料已按要求补充，请审核。",
    "请问现场踏勘安排在哪一天？",
    "已与部门沟通，预计下周出具意见。",
    "企业希望提前开工，请协调容缺受理。",
    "规划条件有调整，请关注。",
]


class DatasetBuilder:
    """The data set, built in steps: `grow_to(500)`, measure, `grow_to(5000)`, measure again.

    The first step writes the catalogue and the measured users. Each step adds projects with
    their own enterprises (about three projects each, one user each), helpers (one per 50
    projects), approvals, materials and events. The measured helper's projects are drawn in the
    first step only, so what that helper sees stays the same while the rest grows. Uploads and
    comments use their own random stream: asking for them leaves the rest of the data as it is.
    """

    def __init__(
        self,
        *,
        approvals_per_project: int = 20,
        helper_projects: int = 30,
        seed: int = 20260901,
        uploads: bool = False,
    ) -> None:
        if approvals_per_project > ITEM_COUNT:
            raise SystemExit(f"bench: at most {ITEM_COUNT} approvals per project")
        self.approvals_per_project = approvals_per_project
        self.helper_projects = helper_projects
        self.uploads = uploads
        self.rng = random.Random(seed)
        self.upload_rng = random.Random(seed + 1)
        self.projects = 0
        self.seconds = 0.0
        self.counts = dict.fromkeys(
            ("approvals", "materials", "events", "permissions", "versions", "comments", "files"),
            0,
        )
        self.helper_project_ids: list[int] = []
        self._helpers = 0  # users bench-helper-<n> made so far
        self._enterprises = 0
        self._ready = False

    def grow_to(self, projects: int, *, chunk: int = 500) -> Dataset:
        """Add projects until there are `projects`; return the whole data set so far."""
        from django.db import transaction

        if projects < self.projects:
            raise SystemExit(f"bench: cannot shrink {self.projects} projects to {projects}")
        started = time.perf_counter()
        with transaction.atomic():
            if not self._ready:
                self._setup()
            if projects > self.projects:
                self._add_projects(self.projects, projects, chunk)
            # bulk_create skips the services: store each project's earliest due date as they do.
            from projects.services import refresh_next_due

            refresh_next_due()
        self.projects = projects
        self.seconds += time.perf_counter() - started
        return Dataset(
            staff=self.staff,
            helper=self.helper,
            helper_project_ids=sorted(self.helper_project_ids),
            projects=self.projects,
            seconds=self.seconds,
            **self.counts,
        )

    def nth_after(self, start: date, n: int) -> date:
        key = (start, n)
        if key not in self._nth_cache:
            self._nth_cache[key] = self.calendar.nth_after(start, n)
        return self._nth_cache[key]

    def at(self, day: date, hour: int = 10) -> datetime:
        return datetime(day.year, day.month, day.day, hour, self.rng.randrange(60), tzinfo=self.tz)

    # -- the first step only: the catalogue and the measured users

    def _setup(self) -> None:
        from django.contrib.auth.models import Group, Permission
        from django.contrib.contenttypes.models import ContentType
        from django.utils import timezone

        from portal.models import User
        from portal.roles import ROLE_GROUPS
        from projects.clock import WorkingCalendar
        from projects.models import (
            ApprovalItem,
            Department,
            Industry,
            ItemMaterial,
            Project,
            Town,
        )
        from projects.permissions import HELPER_PERMISSIONS

        rng = self.rng
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.tz = timezone.get_current_timezone()
        self.calendar = WorkingCalendar.load()
        self._nth_cache: dict[tuple[date, int], date] = {}

        self.groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLE_GROUPS}
        self.staff = User.objects.create_user(
            "bench-staff", password=None, name="基准员工", is_staff=True, is_superuser=True
        )
        self.staff.groups.add(self.groups["Bureau staff"])
        self.helper = User.objects.create_user("bench-helper", password=None, name="基准帮办")
        self.helper.groups.add(self.groups["Helpers"])

        departments = Department.objects.bulk_create(
            Department(
                name=name,
                name_en=name_en,
                short_name=short,
                level=Department.Level.DISTRICT if i else Department.Level.CITY,
            )
            for i, (name, name_en, short) in enumerate(DEPARTMENTS)
        )
        self.department_names = {d.pk: d.name for d in departments}
        self.towns = Town.objects.bulk_create(
            Town(name=f"镇街{i}", name_en=f"Town {i}", is_zone=i % 4 == 0) for i in range(12)
        )
        self.items = ApprovalItem.objects.bulk_create(
            ApprovalItem(
                code=f"BENCH-ITEM-{i:03d}",
                name=f"审批事项{i}",
                name_en=f"Approval item {i}",
                department=departments[i % len(departments)],
                statutory_limit_days=(statutory := rng.choice((10, 15, 20, 30, 45))),
                promised_limit_days=max(1, statutory // rng.choice((2, 3, 4))),
                fully_online=rng.random() < 0.6,
            )
            for i in range(ITEM_COUNT)
        )
        self.item_materials: dict[int, list[ItemMaterial]] = {}
        for item in self.items:
            picked = rng.sample(MATERIALS, rng.randint(3, 5))
            self.item_materials[item.pk] = [
                ItemMaterial(item=item, name=n, name_en=e, key=pos < 2, position=pos)
                for pos, (n, e) in enumerate(picked)
            ]
        ItemMaterial.objects.bulk_create(m for ms in self.item_materials.values() for m in ms)
        self.industries = Industry.objects.bulk_create(
            Industry(code=f"bench-industry-{i}", name=f"行业{i}", name_en=f"Industry {i}")
            for i in range(6)
        )
        Industry.standard_items.through.objects.bulk_create(
            Industry.standard_items.through(industry_id=ind.pk, approvalitem_id=item.pk)
            for ind in self.industries
            for item in rng.sample(self.items, 12)
        )

        # One officer per department; helpers and enterprises come with their projects.
        officers = User.objects.bulk_create(
            User(username=f"bench-officer-{i}", name=f"经办人{i}", password="!")
            for i in range(len(departments))
        )
        User.groups.through.objects.bulk_create(
            User.groups.through(user_id=u.pk, group_id=self.groups["Department officers"].pk)
            for u in officers
        )
        Department.officers.through.objects.bulk_create(
            Department.officers.through(department_id=d.pk, user_id=u.pk)
            for d, u in zip(departments, officers, strict=True)
        )
        self.officer_of = {d.pk: u.pk for d, u in zip(departments, officers, strict=True)}

        project_ct = ContentType.objects.get_for_model(Project)
        self.permission_ids = list(
            Permission.objects.filter(
                content_type=project_ct, codename__in=HELPER_PERMISSIONS
            ).values_list("pk", flat=True)
        )
        if len(self.permission_ids) != len(HELPER_PERMISSIONS):
            raise SystemExit("bench: the project permissions are missing; did migrate run?")
        self._ready = True

    # -- each step: projects start..end-1, with their people

    def _add_projects(self, start: int, end: int, chunk: int) -> None:
        from portal.models import User
        from projects.models import (
            Approval,
            ApprovalMaterial,
            ApprovalPause,
            Enterprise,
            Project,
            ProjectUserObjectPermission,
        )
        from projects.permissions import HELPER_PERMISSIONS, grant_helper

        rng, helper, counts, new = self.rng, self.helper, self.counts, end - start
        first, self._helpers = self._helpers, self._helpers + max(2, new // 50)
        helpers = User.objects.bulk_create(
            User(username=f"bench-helper-{i}", name=f"帮办{i}", password="!")
            for i in range(first, self._helpers)
        )
        first, self._enterprises = self._enterprises, self._enterprises + max(1, new // 3)
        enterprises = Enterprise.objects.bulk_create(
            Enterprise(name=f"企业{i:05d}有限公司", name_en=f"Enterprise {i} Ltd", credit_code="")
            for i in range(first, self._enterprises)
        )
        enterprise_users = User.objects.bulk_create(
            User(username=f"bench-enterprise-{i}", name=f"企业联系人{i}", password="!")
            for i in range(first, self._enterprises)
        )
        memberships = User.groups.through
        memberships.objects.bulk_create(
            [memberships(user_id=u.pk, group_id=self.groups["Helpers"].pk) for u in helpers]
            + [
                memberships(user_id=u.pk, group_id=self.groups["Enterprise users"].pk)
                for u in enterprise_users
            ]
        )
        Enterprise.users.through.objects.bulk_create(
            Enterprise.users.through(enterprise_id=e.pk, user_id=u.pk)
            for e, u in zip(enterprises, enterprise_users, strict=True)
        )
        self.user_of_enterprise = {
            e.pk: u.pk for e, u in zip(enterprises, enterprise_users, strict=True)
        }

        # The measured helper's projects: drawn once, among the first step's projects.
        mine = set(rng.sample(range(new), min(self.helper_projects, new))) if not start else set()
        stages, stage_weights = zip(*STAGE_WEIGHTS.items(), strict=True)
        statuses, status_weights = zip(*STATUS_WEIGHTS.items(), strict=True)
        mine_ids: list[int] = []
        for chunk_start in range(start, end, chunk):
            numbers = range(chunk_start, min(end, chunk_start + chunk))
            batch = Project.objects.bulk_create(
                Project(
                    code=f"BENCH-{n:06d}",
                    name=f"重大项目{n}",
                    name_en=f"Major project {n}",
                    enterprise=enterprises[(n - start) % len(enterprises)],
                    industry=rng.choice(self.industries),
                    town=rng.choice(self.towns),
                    stage=rng.choices(stages, stage_weights)[0],
                    investment=Decimal(rng.randrange(5_000, 5_000_000)),
                    planned_start=self.today + timedelta(days=rng.randrange(-200, 400)),
                    lead_helper=helper if n in mine else helpers[(n - start) % len(helpers)],
                    leading_official=f"领导{n % 40}",
                    description="基准测试项目。",
                    registered_at=self.now - timedelta(minutes=rng.randrange(3 * 365 * 24 * 60)),
                )
                for n in numbers
            )
            mine_ids += [p.pk for n, p in zip(numbers, batch, strict=True) if n in mine]
            others = [p for p in batch if p.lead_helper_id != helper.pk]
            ProjectUserObjectPermission.objects.bulk_create(
                ProjectUserObjectPermission(
                    user_id=p.lead_helper_id, permission_id=perm, content_object_id=p.pk
                )
                for p in others
                for perm in self.permission_ids
            )
            counts["permissions"] += len(others) * len(self.permission_ids)

            approvals: list[Approval] = []
            for project in batch:
                for item in rng.sample(self.items, self.approvals_per_project):
                    approvals.append(_approval(rng, project, item, statuses, status_weights))
            for approval in approvals:
                _clock(rng, approval, self.today, self.nth_after, self.at)
            Approval.objects.bulk_create(approvals)
            counts["approvals"] += len(approvals)

            materials, pauses = [], []
            for approval in approvals:
                for source in self.item_materials[approval.item_id]:
                    materials.append(_material(rng, approval, source))
                if approval.paused_since is not None:
                    pauses.append(
                        ApprovalPause(
                            approval=approval, requested_on=approval.paused_since, resumed_on=None
                        )
                    )
            ApprovalMaterial.objects.bulk_create(materials, batch_size=5000)
            ApprovalPause.objects.bulk_create(pauses)
            counts["materials"] += len(materials)

            later = self._uploads_and_comments(batch, approvals, materials) if self.uploads else {}
            self._events(batch, approvals, later)

        # The measured helper gets exactly what assigning a lead helper grants.
        for project in Project.objects.filter(pk__in=mine_ids):
            grant_helper(helper, project)
            counts["permissions"] += len(HELPER_PERMISSIONS)
        self.helper_project_ids += mine_ids

    def _events(self, batch, approvals, later: dict[int, list[tuple]]) -> None:
        """A few events per project: registered and accepted (public), helpers (internal),
        then those of the uploads and comments (`later`: project id -> (internal?, event, at,
        actor id, data), in time order)."""
        from portal.models import Event, StreamHead

        events, heads = [], []
        by_project: dict[int, list[Any]] = {}
        for approval in approvals:
            by_project.setdefault(approval.project_id, []).append(approval)
        for project in batch:
            public = f"project:{project.pk}"
            internal = f"{public}:internal"
            events.append(
                Event(
                    stream=public,
                    seq=1,
                    event="project.registered",
                    at=project.registered_at,
                    actor=self.staff,
                    data={"code": project.code, "name": project.name},
                )
            )
            events.append(
                Event(
                    stream=internal,
                    seq=1,
                    event="project.helpers_changed",
                    at=project.registered_at,
                    actor=self.staff,
                    data={"lead_helper": f"user {project.lead_helper_id}", "helpers": []},
                )
            )
            seq = {public: 1, internal: 1}
            for approval in by_project[project.pk]:
                if approval.accepted_at is not None and seq[public] < 4:
                    seq[public] += 1
                    events.append(
                        Event(
                            stream=public,
                            seq=seq[public],
                            event="approval.accepted",
                            at=approval.accepted_at,
                            actor_id=self.officer_of[approval.department_id],
                            data={"approval_id": approval.pk, "status": "accepted"},
                        )
                    )
            for is_internal, event, at, actor_id, data in later.get(project.pk, ()):
                stream = internal if is_internal else public
                seq[stream] += 1
                events.append(
                    Event(
                        stream=stream,
                        seq=seq[stream],
                        event=event,
                        at=at,
                        actor_id=actor_id,
                        data=data,
                    )
                )
            heads += [StreamHead(stream=s, last_seq=n) for s, n in seq.items()]
        Event.objects.bulk_create(events, batch_size=5000)
        StreamHead.objects.bulk_create(heads, batch_size=5000)
        self.counts["events"] += len(events)

    def _uploads_and_comments(self, batch, approvals, materials) -> dict[int, list[tuple]]:
        """Versions of the materials (each a stored file) and comments, as the services write
        them; returns their events per project, in time order. No file is written to disk:
        the pages only show names and sizes."""
        from projects.models import ApprovalMaterial, Comment, MaterialVersion, StoredFile

        rng, now = self.upload_rng, self.now
        projects = {p.pk: p for p in batch}
        files: list[StoredFile] = []
        versions: list[MaterialVersion] = []
        comments: list[Comment] = []
        later: dict[int, list[tuple]] = {p.pk: [] for p in batch}

        def store(project, name: str, uploader: int | None, at: datetime, internal: bool = False):
            ext, content_type = rng.choices(FILE_TYPES, FILE_TYPE_WEIGHTS)[0]
            stored = StoredFile(
                project=project,
                file=f"projects/{project.pk}/{rng.getrandbits(64):016x}{ext}",
                original_name=f"{name}{ext}",
                content_type=content_type,
                size=rng.randrange(40_000, 20_000_000),
                internal=internal,
                uploaded_by_id=uploader,
                uploaded_at=at,
            )
            files.append(stored)
            return stored

        review, state = MaterialVersion.Review, ApprovalMaterial.State
        for material in materials:
            approval = material.approval
            project = projects[approval.project_id]
            if approval.status == "pending":
                if material.state != state.EXPECTED or rng.random() >= 0.35:
                    continue
                # Drafts sent for online pre-review before the application is made.
                verdicts = rng.choices(
                    [
                        [review.PENDING],
                        [review.ACCEPTED],
                        [review.NEEDS_CORRECTION, review.PENDING],
                    ],
                    [60, 25, 15],
                )[0]
                at = now - timedelta(minutes=rng.randrange(24 * 60, 60 * 24 * 60))
            elif material.state == state.MISSING:
                continue  # accepted without it, to be supplied later
            elif material.state == state.REQUESTED:
                if rng.random() >= 0.4:
                    continue
                verdicts = [review.NEEDS_CORRECTION]
                at = approval.received_at - timedelta(minutes=rng.randrange(60, 72 * 60))
            else:
                final = review.ACCEPTED if approval.accepted_at else review.PENDING
                verdicts = [review.NEEDS_CORRECTION, final] if rng.random() < 0.2 else [final]
                at = approval.received_at - timedelta(minutes=rng.randrange(60, 72 * 60))
            # The project unit uploads, or a helper on its behalf.
            uploader = (
                project.lead_helper_id
                if rng.random() < 0.3
                else self.user_of_enterprise[project.enterprise_id]
            )
            about = self._approval_data(approval, material)
            for number, verdict in enumerate(verdicts, start=1):
                stored = store(project, material.name, uploader, at)
                version = MaterialVersion(
                    material=material,
                    number=number,
                    stored=stored,
                    draft=approval.status == "pending",
                    review=verdict,
                )
                versions.append(version)
                later[project.pk].append(
                    (False, "material.uploaded", at, uploader, {**about, "version": number})
                )
                if verdict == review.PENDING:
                    continue
                version.reviewed_by_id = self.officer_of[approval.department_id]
                version.reviewed_at = min(now, at + timedelta(minutes=rng.randrange(60, 72 * 60)))
                if verdict == review.NEEDS_CORRECTION:
                    version.review_note = rng.choice(CORRECTION_NOTES)
                later[project.pk].append(
                    (
                        False,
                        "material.reviewed",
                        version.reviewed_at,
                        version.reviewed_by_id,
                        {
                            **about,
                            "version": number,
                            "verdict": verdict,
                            "note": version.review_note,
                        },
                    )
                )
                at = min(now, version.reviewed_at + timedelta(minutes=rng.randrange(60, 48 * 60)))

        by_project: dict[int, list[Any]] = {}
        for approval in approvals:
            by_project.setdefault(approval.project_id, []).append(approval)
        for project in batch:
            for _ in range(rng.randint(0, 6)):
                kind = rng.choices(["enterprise", "helper", "officer", "staff"], [4, 3, 2, 1])[0]
                approval = rng.choice(by_project[project.pk]) if rng.random() < 0.5 else None
                if kind == "officer" and approval is None:
                    approval = rng.choice(by_project[project.pk])
                author = {
                    "enterprise": self.user_of_enterprise[project.enterprise_id],
                    "helper": project.lead_helper_id,
                    "staff": self.staff.pk,
                    "officer": self.officer_of[approval.department_id] if approval else None,
                }[kind]
                internal = kind in ("helper", "staff") and rng.random() < 0.6
                at = now - timedelta(minutes=rng.randrange(1, 90 * 24 * 60))
                attachment = (
                    store(project, "附件", author, at, internal) if rng.random() < 0.2 else None
                )
                comment = Comment(
                    project=project,
                    approval=approval,
                    author_id=author,
                    body=rng.choice(COMMENT_BODIES),
                    internal=internal,
                    attachment=attachment,
                    created_at=at,
                )
                comments.append(comment)
        StoredFile.objects.bulk_create(files, batch_size=5000)
        MaterialVersion.objects.bulk_create(versions, batch_size=5000)
        Comment.objects.bulk_create(comments, batch_size=5000)
        for comment in comments:
            later[comment.project_id].append(
                (
                    comment.internal,
                    "comment.added",
                    comment.created_at,
                    comment.author_id,
                    {
                        "comment_id": comment.pk,
                        "body": comment.body,
                        "approval_id": comment.approval_id,
                        "item": (
                            {"code": comment.approval.item.code, "name": comment.approval.item.name}
                            if comment.approval
                            else None
                        ),
                        "file": (
                            {"id": comment.attachment.pk, "name": comment.attachment.original_name}
                            if comment.attachment
                            else None
                        ),
                    },
                )
            )
        for project_events in later.values():
            project_events.sort(key=lambda e: e[2])
        self.counts["files"] += len(files)
        self.counts["versions"] += len(versions)
        self.counts["comments"] += len(comments)
        return later

    def _approval_data(self, approval, material) -> dict[str, Any]:
        """The data a material event carries, as services._approval_data writes it."""
        return {
            "approval_id": approval.pk,
            "item": {"code": approval.item.code, "name": approval.item.name},
            "department": {
                "id": approval.department_id,
                "name": self.department_names[approval.department_id],
            },
            "status": approval.status,
            "due_date": approval.due_date.isoformat() if approval.due_date else None,
            "material": {"id": material.pk, "name": material.name},
        }


def _approval(rng: random.Random, project, item, statuses, weights):
    from projects.models import Approval

    return Approval(
        project=project,
        item=item,
        department_id=item.department_id,
        status=rng.choices(statuses, weights)[0],
        statutory_limit_days=item.statutory_limit_days,
        promised_limit_days=item.promised_limit_days,
    )


def _clock(rng: random.Random, approval, today: date, nth_after, at) -> None:
    """Fill received/accepted/decided dates and the stored clock the way the services would."""
    status = approval.status
    if status == "pending":
        return
    received_on = today - timedelta(days=rng.randrange(5, 120))
    approval.received_at = at(received_on, 9)
    if status == "received" or (status == "withdrawn" and rng.random() < 0.5):
        return
    accepted_on = min(today, received_on + timedelta(days=rng.randrange(0, 5)))
    approval.accepted_at = at(accepted_on)
    approval.accepted_on = accepted_on
    if status == "supplement_requested":
        # An open pause: the due dates are unknown until the enterprise answers.
        approval.paused_since = min(today, accepted_on + timedelta(days=rng.randrange(1, 10)))
        approval.materials_due = approval.paused_since + timedelta(days=10)
        return
    approval.due_date = nth_after(accepted_on, approval.promised_limit_days)
    approval.statutory_due_date = nth_after(accepted_on, approval.statutory_limit_days)
    if status in ("approved", "rejected", "withdrawn"):
        decided = accepted_on + timedelta(days=rng.randrange(1, 2 * approval.promised_limit_days))
        approval.decided_on = min(today, decided)
        if status == "approved":
            approval.conditions = "按批复要求建设。" if rng.random() < 0.2 else ""
        elif status == "rejected":
            approval.reason = "不符合规划要求。"


def _material(rng: random.Random, approval, source):
    from projects.models import ApprovalMaterial

    state = ApprovalMaterial.State.EXPECTED
    due = None
    if approval.status == "supplement_requested" and not source.key and rng.random() < 0.7:
        state, due = ApprovalMaterial.State.REQUESTED, approval.materials_due
    elif approval.status == "accepted" and not source.key and rng.random() < 0.15:
        state, due = ApprovalMaterial.State.MISSING, approval.due_date
    elif approval.status != "pending":
        state = ApprovalMaterial.State.PROVIDED
    return ApprovalMaterial(
        approval=approval,
        name=source.name,
        name_en=source.name_en,
        key=source.key,
        position=source.position,
        state=state,
        due=due,
    )


# --- timing and reporting ---------------------------------------------------------------------


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a non-empty sample."""
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil without floats drifting
    return ordered[int(rank) - 1]


@dataclass
class Timing:
    label: str
    samples: list[float] = field(default_factory=list)  # seconds

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p95_ms(self) -> float:
        return percentile(self.samples, 95) * 1000


def time_once(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def time_interleaved(
    calls: dict[str, Callable[[], Any]], *, requests: int, warmup: int
) -> dict[str, Timing]:
    """Time each call `requests` times, taking turns so drift and noise hit all of them alike."""
    for _ in range(warmup):
        for fn in calls.values():
            fn()
    timings = {label: Timing(label) for label in calls}
    for _ in range(requests):
        for label, fn in calls.items():
            timings[label].samples.append(time_once(fn))
    return timings


def time_runs(
    calls: dict[str, Callable[[], Any]], *, requests: int, warmup: int, runs: int
) -> list[dict[str, Timing]]:
    """`runs` timing passes of `time_interleaved` after one warm-up: each pass is a run, with
    its own baseline, so a ratio is always taken within one run."""
    for _ in range(warmup):
        for fn in calls.values():
            fn()
    return [time_interleaved(calls, requests=requests, warmup=0) for _ in range(runs)]


def spread(values: Sequence[float], digits: int = 1) -> str:
    """min / median / max of a figure over the runs (the figure alone after one run)."""
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{low:.{digits}f} / {mid:.{digits}f} / {high:.{digits}f}"


def run_columns(
    runs: Sequence[dict[str, Timing]], label: str, baseline: str
) -> tuple[str, str, str, str]:
    """A request's median, p95, median / its baseline's median, and p95 / its own median,
    each as min / median / max over the runs (the ratios taken within each run)."""
    medians = [run[label].median_ms for run in runs]
    p95s = [run[label].p95_ms for run in runs]
    ratios = [run[label].median_ms / run[baseline].median_ms for run in runs]
    tails = [run[label].p95_ms / run[label].median_ms for run in runs]
    return spread(medians, 2), spread(p95s, 2), spread(ratios, 2), spread(tails, 2)


RUN_HEADERS = ("median ms", "p95 ms", "x baseline", "p95 / median")
RUN_NOTE = (
    "each figure: min / median / max over the runs (timing passes on the same data, in the "
    "same process); x baseline: the request's median over its baseline's, in the same run"
)


GC_CHOICES = ("tuned", "frozen", "default")


def add_gc_argument(parser) -> None:
    parser.add_argument(
        "--gc",
        choices=GC_CHOICES,
        default="tuned",
        help="the garbage collector as daphne runs it (tuned: portal.site.gc_tuning), frozen "
        "(gc.freeze() alone, default thresholds) or Python's default",
    )
    parser.add_argument(
        "--gc-thresholds",
        help="then these thresholds instead (gen0,gen1,gen2), to try others than gc_tuning's",
    )


def apply_gc(choice: str, thresholds: str | None = None) -> str:
    """Set the collector up the way a server process would before its first request: the URL
    conf loaded (every view imported), then portal.site.gc_tuning.settle_heap()."""
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view, as asgi.py does
    if choice == "tuned":
        from portal.site.gc_tuning import settle_heap

        settle_heap()
    elif choice == "frozen":
        gc.collect()
        gc.freeze()
    if thresholds:
        gc.set_threshold(*(int(n) for n in thresholds.split(",")))
    return f"gc: {choice}, thresholds {gc.get_threshold()}, {gc.get_freeze_count()} frozen objects"


class GcWatch:
    """Counts the collector's passes per generation and how long they paused, while active."""

    def __init__(self):
        self.passes = [0, 0, 0]
        self.seconds = [0.0, 0.0, 0.0]
        self.longest = [0.0, 0.0, 0.0]
        self._started = 0.0

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        took = time.perf_counter() - self._started
        generation = info["generation"]
        self.passes[generation] += 1
        self.seconds[generation] += took
        self.longest[generation] = max(self.longest[generation], took)

    def __enter__(self) -> GcWatch:
        import gc

        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc) -> None:
        import gc

        gc.callbacks.remove(self._callback)

    def summary(self) -> str:
        return "; ".join(
            f"gen{g}: {self.passes[g]} passes, {self.seconds[g] * 1000:.0f} ms in all, longest "
            f"{self.longest[g] * 1000:.1f} ms"
            for g in range(3)
        )


def count_queries(fn: Callable[[], Any]) -> tuple[int, list[str]]:
    """The number of SQL queries one call makes, with their SQL."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]


def query_times(fn: Callable[[], Any]) -> list[tuple[str, float]]:
    """The SQL queries one call makes, each with the seconds its execute() took.

    Timed with perf_counter around the driver's execute (CaptureQueriesContext keeps only
    milliseconds); rows fetched after execute are not in it, which for the aggregates and
    sorts of a page is nearly nothing.
    """
    from django.db import connection

    timed: list[tuple[str, float]] = []

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timed.append((sql, time.perf_counter() - started))

    with connection.execute_wrapper(wrapper):
        fn()
    return timed


@contextmanager
def stopwatch(label: str) -> Iterator[None]:
    """Print how long a step took."""
    print(f"{label} ...", end=" ", flush=True)
    started = time.perf_counter()
    yield
    print(f"{time.perf_counter() - started:.1f} s", flush=True)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A plain-text table: the first column left-aligned, numbers right-aligned."""
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        first, *rest = row
        return "  ".join(
            [first.ljust(widths[0])] + [c.rjust(w) for c, w in zip(rest, widths[1:], strict=True)]
        )

    print(line(cells[0]))
    print("  ".join("-" * w for w in widths))
    for row in cells[1:]:
        print(line(row))


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)
