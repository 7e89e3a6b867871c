"""The world every security probe runs against: one person per role, and for each kind of object
one the person is on ("own") and one of strangers ("other").

own:   project OWN (enterprise A, lead helper `helper`, an approval of planning, where `officer`
       works), meeting M_OWN (organised by `helper`, `ent` and planning invited), an action item
       of it owned by planning, a pending membership request for enterprise A (`ent` administers
       A), each person's own API token, calendar feed and user id.
other: project OTHER (enterprise B, lead `helper2`, an approval of housing), meeting M_OTHER
       (organised by `helper2`, `ent2` and housing invited), ... and `helper2`'s token, feed, id.
cases: a complaint by `ent` about OWN dispatched to planning, one by `ent2` about OTHER
       dispatched to housing, each with a public reply's file (OWN also an internal note's
       file); a rating of each approval; each person's own notification (helper2's is "other").
Nobody of the probed roles is on OTHER's side, so only staff may see it.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from wagtail.models import APIToken

from meetings.models import CalendarFeed
from meetings.services import action_item_create, meeting_schedule
from portal.events import emit
from portal.models import Event, Notification
from portal.services import api_token_create
from projects.models import Enterprise, EnterpriseMembershipRequest
from projects.services import comment_add, enterprise_user_invite, material_upload
from supervision.models import CaseAttachment, Rating
from supervision.services import case_open, case_reply, case_transition
from tests.projects import factories as f

ROLES = ("anonymous", "enterprise", "helper", "officer", "staff", "editor")
OBJECTS = ("own", "other")
PDF = b"%PDF-1.4\n%%EOF\n"


def pdf(name: str = "probe.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


class World:
    """Ids of everything a probe names; `ids(role, obj)` fills a route's placeholders."""

    def __init__(self) -> None:
        self.staff = f.user("sec_staff", "staff", email="staff@x.cn")
        self.editor = f.user("sec_editor", "editor", email="editor@x.cn")
        self.helper = f.user("sec_helper", "helper", email="helper@x.cn")
        self.helper2 = f.user("sec_helper2", "helper", email="helper2@x.cn")
        self.planning = f.department("规划局", name_en="Planning bureau")
        self.housing = f.department("住建委", name_en="Housing commission")
        self.officer = f.officer(self.planning, "sec_officer")
        self.officer2 = f.officer(self.housing, "sec_officer2")
        self.ent = f.user("sec_ent", "enterprise", email="ent@x.cn")
        self.ent2 = f.user("sec_ent2", "enterprise", email="ent2@x.cn")
        self.ent_a = f.enterprise([self.ent], name="甲方玻璃公司")
        self.ent_b = f.enterprise([self.ent2], name="乙方物流公司")
        self.ent_a.administrators.add(self.ent)
        self.ent_b.administrators.add(self.ent2)
        self.land = f.item(self.planning, "SEC-LAND")
        self.water = f.item(self.housing, "SEC-WATER")
        self.spare = f.item(self.planning, "SEC-SPARE")  # added to a project by project_edit
        self.own = f.project(self.staff, self.ent_a, [self.land], lead=self.helper, code="SEC-OWN")
        self.other = f.project(
            self.staff, self.ent_b, [self.water], lead=self.helper2, code="SEC-OTHER"
        )
        self.approval = {"own": self.own.approvals.get(), "other": self.other.approvals.get()}
        self.material = {o: a.materials.order_by("pk").first() for o, a in self.approval.items()}
        self.version = {
            o: material_upload(actor=self.staff, material_id=m.pk, upload=pdf())
            for o, m in self.material.items()
        }
        self.file = {o: v.stored for o, v in self.version.items()}
        internal = comment_add(
            actor=self.helper,
            project_id=self.own.pk,
            body="内部意见",
            internal=True,
            attachment=pdf("internal.pdf"),
        )
        self.file["internal"] = internal.attachment
        comment_add(actor=self.helper2, project_id=self.other.pk, body="内部", internal=True)
        start = timezone.now().replace(microsecond=0) + timedelta(days=20)
        self.meeting = {}
        for obj, organiser, project, person, dept in (
            ("own", self.helper, self.own, self.ent, self.planning),
            ("other", self.helper2, self.other, self.ent2, self.housing),
        ):
            meeting, _warnings = meeting_schedule(
                actor=organiser,
                title=f"联席会议 {obj}",
                kind="joint_meeting",
                start=start,
                end=start + timedelta(hours=2),
                place="三楼会议室",
                projects=[project],
                participants=[person],
                departments=[dept],
            )
            self.meeting[obj] = meeting
            # The internal stream has something to read (no agenda, so written directly).
            emit(
                stream=f"meeting:{meeting.pk}:internal",
                event="meeting.internal_minutes_published",
                actor=organiser,
                data={"title": meeting.title},
            )
        self.action = {
            obj: action_item_create(
                actor=self.staff,
                meeting_id=self.meeting[obj].pk,
                decision="限期办结",
                title=f"落实 {obj}",
                owner_department=dept,
                working_days=5,
            )
            for obj, dept in (("own", self.planning), ("other", self.housing))
        }
        # Waiting membership requests: A (administered by `ent`) and B.
        enterprise_user_invite(
            actor=self.helper, enterprise_id=self.ent_a.pk, email="new-a@x.cn", name="新甲"
        )
        enterprise_user_invite(
            actor=self.helper2, enterprise_id=self.ent_b.pk, email="new-b@x.cn", name="新乙"
        )
        self.request = {
            "own": EnterpriseMembershipRequest.objects.get(enterprise=self.ent_a),
            "other": EnterpriseMembershipRequest.objects.get(enterprise=self.ent_b),
        }
        # Service cases: a complaint by `ent` about OWN, dispatched to planning (so `officer`
        # is on it), with a public reply carrying a file and an internal note; the same by `ent2`
        # about OTHER, dispatched to housing.
        self.case = {}
        self.case_file = {}
        for obj, opener, project, dept in (
            ("own", self.ent, self.own, self.planning),
            ("other", self.ent2, self.other, self.housing),
        ):
            case, _code = case_open(
                actor=opener, kind="complaint", title=f"投诉 {obj}", body="探测", project=project
            )
            case_transition(actor=self.staff, case=case, action="dispatch", department=dept)
            reply = case_reply(actor=opener, case=case, body="附件", files=[pdf("case.pdf")])
            note = case_reply(
                actor=self.staff,
                case=case,
                body="内部批注",
                internal=True,
                files=[pdf("note.pdf")] if obj == "own" else (),
            )
            self.case[obj] = case
            self.case_file[obj] = CaseAttachment.objects.get(reply=reply)
            if obj == "own":
                self.case_file["internal"] = CaseAttachment.objects.get(reply=note)
        # A rating of each approval (written directly: the approvals are not decided).
        self.rating = {
            obj: Rating.objects.create(
                approval=approval,
                project=approval.project,
                department=approval.department,
                enterprise=approval.project.enterprise,
                rated_by=self.ent if obj == "own" else self.ent2,
                score=4,
            )
            for obj, approval in self.approval.items()
        }
        self.people = {
            "anonymous": None,
            "enterprise": self.ent,
            "helper": self.helper,
            "officer": self.officer,
            "staff": self.staff,
            "editor": self.editor,
        }
        # Each person's own token and calendar address; helper2's are the "other" ones.
        self.token = {}
        self.plaintext = {}
        for role, person in [*self.people.items(), ("helper2", self.helper2)]:
            if person is None:
                continue
            token, plaintext = api_token_create(actor=person, name="probe")
            self.token[role], self.plaintext[role] = token, plaintext
            CalendarFeed.objects.get_or_create(user=person)
        # Every user stream has something to read.
        for person in [*filter(None, self.people.values()), self.helper2]:
            emit(
                stream=f"user:{person.pk}",
                event="enterprise.user_invited",
                actor=person,
                data={"probe": True},
            )

        # Each person (and helper2, the "other") has a notification of their own.
        event = Event.objects.order_by("pk").first()
        self.notification = {}
        for role, person in [*self.people.items(), ("helper2", self.helper2)]:
            if person is not None:
                self.notification[role] = Notification.objects.create(
                    user=person, event=event, reason="probe", text="探测"
                )

    def user(self, role: str):
        return self.people[role]

    def ids(self, role: str, obj: str) -> dict:
        """Values for every placeholder a route may have, for this role and object."""
        side = "own" if obj in ("own", "internal") else "other"
        person = self.people[role]
        mine = person is not None and obj == "own"
        holder = person if mine else self.helper2
        return {
            "project_id": (self.own if side == "own" else self.other).pk,
            "approval_id": self.approval[side].pk,
            "material_id": self.material[side].pk,
            "version_id": self.version[side].pk,
            "file_id": self.file[obj].pk,
            "meeting_id": self.meeting[side].pk,
            "action_id": self.action[side].pk,
            "request_id": self.request[side].pk,
            "token_id": self.token[role if mine else "helper2"].pk,
            "user_id": holder.pk,
            "number": self.case[side].number,
            "case_id": self.case[side].pk,
            "attachment_id": self.case_file[obj if obj == "internal" else side].pk,
            "rating_id": self.rating[side].pk,
            "notification_id": self.notification[role if mine else "helper2"].pk,
            "secret": CalendarFeed.objects.get(user=holder).secret,
        }


__all__ = ["OBJECTS", "PDF", "ROLES", "APIToken", "Enterprise", "World", "pdf"]
