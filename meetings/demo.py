"""The demo meetings and site visits, for `seed_demo` (after `projects.demo.seed_projects`).

Joint meetings (项目推动联席会议) of the last months with their agenda, attendance, minutes,
decisions and follow-ups; the next joint meeting with its agenda proposed from today's overdue,
paused and blocked approvals; an enterprise forum (企业家座谈会) in the coming weeks; an on-site
service visit (主动到府服务) to the automotive-glass plant and a joint site inspection
(现场联合踏勘) of the fishery-solar plant with findings and follow-ups. They are read from
demo/meetings.json, next to manage.py.

Everything goes through the meeting services with past `now=` moments, run in one chronological
order, so every stream reads in time order. Days are working days counted from `today`
(negative: before it), so the demo looks current whenever it is loaded. Running it twice leaves
the same data: meetings whose title exists are skipped.

One rule keeps the project streams chronological: `seed_projects` has already written each
project's history up to yesterday, and an action item about a project also writes an event on
the project's stream. A follow-up decided before the project's latest event is therefore
recorded without the project link, and linked to its project and agenda item once the whole
history is written (no event: the project's timeline would go back in time); the recent ones
keep it from the start. Linked, it shows only to those who may see its project.
"""

from __future__ import annotations

import json
import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone, translation

from portal.demo import DEMO_ACCOUNTS
from portal.events import without_live_signals
from portal.models import Event, StreamHead, User
from projects.clock import WorkingCalendar
from projects.demo import DEPARTMENTS, EXTRA_OFFICERS
from projects.models import Approval, Department, Project, StoredFile
from projects.streams import project_stream

from .models import ActionItem, Meeting, Participant
from .services import (
    action_item_close,
    action_item_create,
    agenda_proposals,
    agenda_set,
    finding_add,
    meeting_internal_stream,
    meeting_record,
    meeting_respond,
    meeting_schedule,
    meeting_stream,
)

K = Meeting.Kind
A = Participant.Answer
DEPARTMENT_NAMES = {key: name for key, _level, name, *_rest in DEPARTMENTS}

# A moment: (working day relative to today, "HH:MM" Beijing time).
Moment = tuple[int, str]


@dataclass(frozen=True)
class AgendaSpec:
    project: str  # project code
    title: str
    item: str = ""  # approval item code: links the project's approval
    minutes: str = ""
    internal: str = ""  # internal minutes: never shown to the enterprise


@dataclass(frozen=True)
class ActionSpec:
    decision: str
    title: str
    owner: str  # a username, or "dept:<department key>"
    agenda: int | None = None  # index of the agenda item it follows from
    project: str = ""  # project code, when not given by the agenda item
    working_days: int | None = None  # due N working days after the meeting
    due_of: str = ""  # or on the promised due date of this approval of the project, if it has one
    closed: tuple[int, str, str, str] | None = None  # (day, "HH:MM", username, note)


@dataclass(frozen=True)
class FindingSpec:
    author: str
    project: str
    text: str
    minute: int = 30  # minutes after the start of the visit
    photo: str = ""  # file name of a small generated photo


@dataclass(frozen=True)
class MeetingSpec:
    title: str
    kind: str
    organiser: str
    day: int
    start: str
    end: str
    place: str
    scheduled: Moment
    projects: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    # Upcoming meetings: (username, answer, day, "HH:MM"); everyone else has not answered.
    answers: tuple[tuple[str, str, int, str], ...] = ()
    # Past meetings: everyone answers attend except these; those who decline stay away.
    declines: tuple[str, ...] = ()
    agenda: tuple[AgendaSpec, ...] = ()
    agenda_from_proposals: int = 0  # take up to this many items from `agenda_proposals`
    agenda_at: Moment | None = None
    findings: tuple[FindingSpec, ...] = ()
    actions: tuple[ActionSpec, ...] = ()

    @property
    def held(self) -> bool:
        return self.day < 0


# The content lives in a data file outside the installed packages (`demo/` next to manage.py),
# read once here. Days there are working days relative to `today`, as in the specs; a moment
# is {"day": working day, "time": "HH:MM"}, a closed follow-up {"day", "time", "by", "note"},
# an answer {"user", "answer", "day", "time"}; a field left out takes the spec's default.
MEETINGS_FILE = Path(settings.BASE_DIR) / "demo" / "meetings.json"


def _moment(data: dict[str, Any]) -> Moment:
    return (data["day"], data["time"])


def _action(data: dict[str, Any]) -> ActionSpec:
    data = dict(data)
    if (closed := data.get("closed")) is not None:
        data["closed"] = (closed["day"], closed["time"], closed["by"], closed["note"])
    return ActionSpec(**data)


def _meeting(data: dict[str, Any]) -> MeetingSpec:
    data = dict(data)
    data["kind"] = K(data["kind"])
    data["scheduled"] = _moment(data["scheduled"])
    if data.get("agenda_at") is not None:
        data["agenda_at"] = _moment(data["agenda_at"])
    for name in ("projects", "people", "departments", "declines"):
        data[name] = tuple(data.get(name, ()))
    data["answers"] = tuple(
        (a["user"], A(a["answer"]), a["day"], a["time"]) for a in data.get("answers", ())
    )
    data["agenda"] = tuple(AgendaSpec(**entry) for entry in data.get("agenda", ()))
    data["findings"] = tuple(FindingSpec(**entry) for entry in data.get("findings", ()))
    data["actions"] = tuple(_action(entry) for entry in data.get("actions", ()))
    return MeetingSpec(**data)


MEETINGS = [
    _meeting(row) for row in json.loads(MEETINGS_FILE.read_text(encoding="utf-8"))["meetings"]
]
MEETING_TITLES = [spec.title for spec in MEETINGS]


# --- dates ------------------------------------------------------------------------------------


class _Days:
    """Working days counted from `today` (negative before it), and moments on them."""

    def __init__(self, today: date, calendar: WorkingCalendar) -> None:
        self.today = today
        self.calendar = calendar
        self._cache: dict[int, date] = {0: today}

    def date(self, day: int) -> date:
        if day not in self._cache:
            step = -1 if day < 0 else 1
            current, counted = self.today, 0
            while counted < abs(day):
                current += timedelta(days=step)
                if self.calendar.is_working(current):
                    counted += 1
            self._cache[day] = current
        return self._cache[day]

    def moment(self, day: int, hhmm: str, plus_minutes: int = 0) -> datetime:
        hour, minute = map(int, hhmm.split(":"))
        start = datetime.combine(self.date(day), time(hour, minute))
        return timezone.make_aware(start + timedelta(minutes=plus_minutes))


def small_png(width: int = 48, height: int = 32) -> bytes:
    """A tiny valid PNG: sky, solar panels in rows, water between them."""
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            if y < height // 3:
                pixel = (150, 200, 235)
            elif (y - height // 3) % 6 < 3 and x % 12 < 10:
                pixel = (30, 55, 110)
            else:
                pixel = (70, 130, 150)
            row.extend(pixel)
        rows.append(bytes(row))

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


# --- planning and running ---------------------------------------------------------------------


class _Seeder:
    """Turns the specs into dated steps, then runs them in time order through the services."""

    def __init__(self, specs: list[MeetingSpec], days: _Days) -> None:
        self.specs = specs
        self.days = days
        self.steps: list[tuple[datetime, int, Callable[[datetime], None]]] = []
        self.meetings: dict[str, Meeting] = {}
        self.agenda: dict[str, list[int]] = {}
        self.actions: dict[tuple[str, int], ActionItem] = {}
        # Follow-ups recorded without their project, to link once the history is written.
        self.links: dict[tuple[str, int], tuple[Project, int | None]] = {}
        self._load()

    def _load(self) -> None:
        codes = {code for spec in self.specs for code in spec.projects}
        self.projects = {p.code: p for p in Project.objects.filter(code__in=codes)}
        if missing := codes - set(self.projects):
            raise RuntimeError(
                f"Seed the demo projects first; missing: {', '.join(sorted(missing))}"
            )
        keys = {key for spec in self.specs for key in spec.departments}
        keys |= {
            a.owner[5:] for spec in self.specs for a in spec.actions if a.owner.startswith("dept:")
        }
        by_name = {
            d.name: d
            for d in Department.objects.filter(
                name__in=[DEPARTMENT_NAMES[k] for k in keys]
            ).prefetch_related("officers")
        }
        self.departments = {key: by_name[DEPARTMENT_NAMES[key]] for key in keys}
        usernames = {spec.organiser for spec in self.specs}
        usernames |= {u for spec in self.specs for u in spec.people}
        for department in self.departments.values():
            usernames |= {o.username for o in department.officers.all() if o.is_active}
        usernames |= {a.closed[2] for spec in self.specs for a in spec.actions if a.closed}
        usernames |= {f.author for spec in self.specs for f in spec.findings}
        usernames |= {a[0] for spec in self.specs for a in spec.answers}
        self.users = {u.username: u for u in User.objects.filter(username__in=usernames)}
        if missing := usernames - set(self.users):
            raise RuntimeError(
                f"Seed the demo accounts first; missing: {', '.join(sorted(missing))}"
            )

    def _add(self, at: datetime, step: Callable[[datetime], None]) -> None:
        self.steps.append((at, len(self.steps), step))

    def invited(self, spec: MeetingSpec) -> list[str]:
        """Who the meeting reaches: its people and the officers of its departments."""
        names = dict.fromkeys(spec.people)
        for key in spec.departments:
            for officer in self.departments[key].officers.all():
                if officer.is_active:
                    names.setdefault(officer.username)
        names.pop(spec.organiser, None)
        return list(names)

    def plan(self) -> None:
        for spec in self.specs:
            self._plan_meeting(spec)

    def _plan_meeting(self, spec: MeetingSpec) -> None:
        days = self.days
        start = days.moment(spec.day, spec.start)
        end = days.moment(spec.day, spec.end)
        scheduled = days.moment(*spec.scheduled)
        rng = random.Random(spec.title)

        def schedule(now: datetime) -> None:
            meeting, _warnings = meeting_schedule(
                actor=self.users[spec.organiser],
                title=spec.title,
                kind=spec.kind,
                start=start,
                end=end,
                place=spec.place,
                projects=[self.projects[c] for c in spec.projects],
                participants=[self.users[u] for u in spec.people],
                departments=[self.departments[k] for k in spec.departments],
                now=now,
            )
            self.meetings[spec.title] = meeting

        self._add(scheduled, schedule)
        agenda_at = (
            days.moment(*spec.agenda_at) if spec.agenda_at else scheduled + timedelta(minutes=40)
        )
        if spec.agenda or spec.agenda_from_proposals:
            self._add(agenda_at, lambda now: self._set_agenda(spec, now))
        if spec.held:
            attending = []
            for username in self.invited(spec):
                answer = A.DECLINE if username in spec.declines else A.ATTEND
                if answer == A.ATTEND:
                    attending.append(username)
                # Each answers some time between the invitation and the day before the meeting.
                day = rng.randint(spec.scheduled[0], spec.day - 1)
                at = days.moment(day, "09:00", rng.randint(0, 480))
                at = max(at, scheduled + timedelta(minutes=rng.randint(5, 90)))
                self._add(at, self._respond(spec.title, username, answer))
            self._add(end + timedelta(minutes=5), lambda now: self._record(spec, attending, now))
        else:
            for username, answer, day, hhmm in spec.answers:
                self._add(days.moment(day, hhmm), self._respond(spec.title, username, answer))
        for finding in spec.findings:
            at = start + timedelta(minutes=finding.minute)
            self._add(at, lambda now, f=finding: self._finding(spec, f, now))
        for index, action in enumerate(spec.actions):
            at = end + timedelta(minutes=10 + 3 * index)
            self._add(at, lambda now, i=index, a=action: self._create_action(spec, i, a, now))
            if action.closed:
                day, hhmm, username, note = action.closed
                self._add(
                    days.moment(day, hhmm),
                    lambda now, i=index, u=username, n=note: self._close_action(spec, i, u, n, now),
                )

    def run(self) -> None:
        for at, _order, step in sorted(self.steps, key=lambda s: (s[0], s[1])):
            if timezone.localdate(at) >= self.days.today:
                raise ValueError("the demo writes history only: every step is before today")
            step(at)
        for key, (project, agenda_item_id) in self.links.items():
            ActionItem.objects.filter(pk=self.actions[key].pk).update(
                project=project, agenda_item_id=agenda_item_id
            )

    # --- the steps ----------------------------------------------------------------------------

    def _respond(self, title: str, username: str, answer: str) -> Callable[[datetime], None]:
        def respond(now: datetime) -> None:
            meeting_respond(
                actor=self.users[username],
                meeting_id=self.meetings[title].pk,
                answer=answer,
                now=now,
            )

        return respond

    def _set_agenda(self, spec: MeetingSpec, now: datetime) -> None:
        meeting = self.meetings[spec.title]
        items = []
        for entry in spec.agenda:
            project = self.projects[entry.project]
            approval = (
                project.approvals.filter(item__code=entry.item).first() if entry.item else None
            )
            items.append({"project": project, "approval": approval, "title": entry.title})
        if spec.agenda_from_proposals:
            proposals = [
                p
                for p in agenda_proposals(meeting, today=self.days.today)
                if p["approval"].status != Approval.Status.RECEIVED or _blocked(p["approval"])
            ]
            items += [
                {"project": p["project"], "approval": p["approval"], "title": p["title"]}
                for p in proposals[: spec.agenda_from_proposals]
            ]
        kept = agenda_set(
            actor=self.users[spec.organiser], meeting_id=meeting.pk, items=items, now=now
        )
        self.agenda[spec.title] = [a.pk for a in kept]

    def _record(self, spec: MeetingSpec, attending: list[str], now: datetime) -> None:
        agenda = self.agenda.get(spec.title, [])
        meeting_record(
            actor=self.users[spec.organiser],
            meeting_id=self.meetings[spec.title].pk,
            attended=[self.users[u].pk for u in attending],
            minutes={pk: entry.minutes for pk, entry in zip(agenda, spec.agenda, strict=False)},
            internal_minutes={
                pk: entry.internal
                for pk, entry in zip(agenda, spec.agenda, strict=False)
                if entry.internal
            },
            publish=True,
            now=now,
        )

    def _finding(self, spec: MeetingSpec, finding: FindingSpec, now: datetime) -> None:
        files = []
        if finding.photo:
            files.append(SimpleUploadedFile(finding.photo, small_png(), content_type="image/png"))
        finding_add(
            actor=self.users[finding.author],
            meeting_id=self.meetings[spec.title].pk,
            project=self.projects[finding.project],
            text=finding.text,
            files=files,
            now=now,
        )

    def _create_action(
        self, spec: MeetingSpec, index: int, action: ActionSpec, now: datetime
    ) -> None:
        meeting = self.meetings[spec.title]
        agenda_item_id = None
        code = action.project
        if action.agenda is not None:
            agenda_item_id = self.agenda[spec.title][action.agenda]
            code = spec.agenda[action.agenda].project
        project = self.projects[code] if code else None
        if project is not None and not self._stream_allows(project, now):
            # The project's stream already has later events: keep it chronological.
            self.links[(spec.title, index)] = (project, agenda_item_id)
            project, agenda_item_id = None, None
        due_date = None
        if action.due_of and code:
            approval = self.projects[code].approvals.filter(item__code=action.due_of).first()
            due_date = approval.due_date if approval is not None else None
        owner_user = owner_department = None
        if action.owner.startswith("dept:"):
            owner_department = self.departments[action.owner[5:]]
        else:
            owner_user = self.users[action.owner]
        self.actions[(spec.title, index)] = action_item_create(
            actor=self.users[spec.organiser],
            meeting_id=meeting.pk,
            decision=action.decision,
            title=action.title,
            owner_user=owner_user,
            owner_department=owner_department,
            due_date=due_date,
            working_days=None if due_date else action.working_days,
            project=project,
            agenda_item_id=agenda_item_id,
            now=now,
        )

    def _stream_allows(self, project: Project, now: datetime) -> bool:
        last = Event.objects.filter(stream=project_stream(project.pk)).aggregate(at=Max("at"))
        return last["at"] is None or last["at"] <= now

    def _close_action(
        self, spec: MeetingSpec, index: int, username: str, note: str, now: datetime
    ) -> None:
        action_item_close(
            actor=self.users[username],
            action_item_id=self.actions[(spec.title, index)].pk,
            note=note,
            now=now,
        )


def _blocked(approval: Approval) -> bool:
    """Whether a received approval still waits for a prerequisite of its project.

    `agenda_proposals` also calls an approval blocked when its prerequisites are approved
    already (it looks them up among the open approvals only); the demo agenda leaves those out.
    """
    required = set(approval.item.prerequisites.values_list("pk", flat=True))
    approved = set(
        approval.project.approvals.filter(status=Approval.Status.APPROVED).values_list(
            "item_id", flat=True
        )
    )
    return not required <= approved


def seed_meetings(*, today: date | None = None) -> int:
    """Load the demo meetings and visits with their history; returns how many were added.

    Needs the demo accounts and projects. Idempotent: meetings whose title exists are skipped.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        existing = set(
            Meeting.objects.filter(title__in=MEETING_TITLES).values_list("title", flat=True)
        )
        specs = [spec for spec in MEETINGS if spec.title not in existing]
        if not specs:
            return 0
        seeder = _Seeder(specs, _Days(today, WorkingCalendar.load()))
        seeder.plan()
        # The demo is in Chinese, whatever the language of the caller (proposed agenda items).
        with without_live_signals(), translation.override(settings.LANGUAGE_CODE):
            seeder.run()
    return len(specs)


def delete_meetings() -> None:
    """Remove the demo meetings and visits with their streams and the photos of their findings.

    For `seed_demo --reset`, which then deletes the demo accounts and officers: the meetings
    they organised and the action items they own go too (both protect their person).
    Their action items' events on the project streams go with the projects (`delete_projects`).
    """
    people = User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS] + EXTRA_OFFICERS)
    with transaction.atomic():
        meetings = Meeting.objects.filter(Q(title__in=MEETING_TITLES) | Q(organiser__in=people))
        ids = list(meetings.values_list("pk", flat=True))
        streams = [meeting_stream(i) for i in ids] + [meeting_internal_stream(i) for i in ids]
        Event.objects.filter(stream__in=streams).delete()
        StreamHead.objects.filter(stream__in=streams).delete()
        # An enterprise user's answer is on record in their own stream (services.meeting_respond).
        Event.objects.filter(
            stream__startswith="user:", event="meeting.answered", data__meeting_id__in=ids
        ).delete()
        photos = StoredFile.objects.filter(findings__meeting_id__in=ids).distinct()
        for stored in photos:
            # The file goes once the rows are gone for good.
            transaction.on_commit(partial(stored.file.storage.delete, stored.file.name))
        StoredFile.objects.filter(pk__in=[p.pk for p in photos]).delete()
        meetings.delete()
        ActionItem.objects.filter(owner_user__in=people).delete()
