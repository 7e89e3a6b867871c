"""Service cases (工单) of five kinds, supervision cards, the escalation ladder, ratings.

One mechanism carries supervision of departments (督办), complaints (投诉), rating follow-ups
(整改 after a dissatisfied rating), hotline calls (热线) and enterprise requests for help (诉求):
a case is opened, dispatched to a department and person, signed for (签收), answered (办理答复)
and closed (confirmed by whoever opened it, or automatically), each stage with a limit in
working days that stops while the case waits on the person who opened it.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.models import Approval, ApprovalItem, Department, Enterprise, Project


class Case(models.Model):
    class Kind(models.TextChoices):
        SUPERVISION = "supervision", _("supervision")
        COMPLAINT = "complaint", _("complaint")
        RATING = "rating", _("rating follow-up")
        HOTLINE = "hotline", _("hotline call")
        REQUEST = "request", _("request for help")

    # The number's prefix per kind: DB-2026-0001 (督办), TS- (投诉), PJ- (评价整改),
    # RX- (热线), SQ- (诉求).
    PREFIXES = {
        Kind.SUPERVISION: "DB",
        Kind.COMPLAINT: "TS",
        Kind.RATING: "PJ",
        Kind.HOTLINE: "RX",
        Kind.REQUEST: "SQ",
    }

    class State(models.TextChoices):
        OPENED = "opened", _("opened")
        DISPATCHED = "dispatched", _("dispatched")
        SIGNED = "signed", _("signed for")
        ANSWERED = "answered", _("answered")
        CLOSED = "closed", _("closed")

    OPEN_STATES = (State.OPENED, State.DISPATCHED, State.SIGNED, State.ANSWERED)

    class Opener(models.TextChoices):
        SYSTEM = "system", _("the system")
        STAFF = "staff", _("bureau staff")
        HELPER = "helper", _("a helper")
        ENTERPRISE = "enterprise", _("an enterprise user")
        PHONE = "phone", _("a caller (recorded by staff)")

    number = models.CharField(_("number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OPENED)
    title = models.CharField(_("subject line"), max_length=200)
    body = models.TextField(_("description"), blank=True)

    # What the case is about: an approval (and its project), a project, or another thing an
    # app registers (`subject_type` "action_item" + `subject_id`, registered by meetings);
    # none for a general hotline call.
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("project"),
    )
    approval = models.ForeignKey(
        Approval,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("approval"),
    )
    subject_type = models.CharField(max_length=30, blank=True)
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)

    opener_kind = models.CharField(_("opened by"), max_length=12, choices=Opener.choices)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases_opened",
        verbose_name=_("opened by (person)"),
    )
    # The enterprise whose user opened it (its users see the case and its answers).
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("enterprise"),
    )
    caller_name = models.CharField(_("caller's name"), max_length=100, blank=True)
    caller_phone = models.CharField(_("caller's phone"), max_length=30, blank=True)

    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("assigned department"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases_assigned",
        verbose_name=_("assigned person"),
    )

    # The clock of the current stage, in working days; it stops while the case waits on the
    # person who opened it (`waiting_since`), and the due date moves by the days waited.
    stage_started_on = models.DateField(_("stage started on"), null=True, blank=True)
    stage_due = models.DateField(_("stage due"), null=True, blank=True)
    waiting_since = models.DateField(_("waiting on the opener since"), null=True, blank=True)
    dispatch_limit_days = models.PositiveSmallIntegerField(
        _("limit to dispatch (working days)"), default=1
    )
    sign_limit_days = models.PositiveSmallIntegerField(
        _("limit to sign for (working days)"), default=1
    )
    answer_limit_days = models.PositiveSmallIntegerField(
        _("limit to answer (working days)"), default=5
    )
    auto_close_days = models.PositiveSmallIntegerField(
        _("closed automatically after the answer (working days)"), default=5
    )
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)

    answer = models.TextField(_("answer"), blank=True)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_automatically = models.BooleanField(default=False)
    reopened = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    # The public tracking page asks for the number and this code (a digest is stored; the
    # code is shown once to the person who opened the case).
    tracking_code_hash = models.CharField(max_length=128, blank=True, editable=False)
    # Cases the system opens carry a key so that a sweep run twice opens one case.
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("service case")
        verbose_name_plural = _("service cases")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "state"]),
            models.Index(fields=["department", "state"]),
            models.Index(fields=["state", "stage_due"]),
            models.Index(fields=["project", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


def _case_upload_path(instance, filename: str) -> str:
    return f"cases/{instance.reply.case_id}/{filename}"


class CaseReply(models.Model):
    """One message in a case's thread; internal replies are never shown to the opener."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("message"))
    internal = models.BooleanField(_("internal (not shown to the opener)"), default=False)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("case reply")
        verbose_name_plural = _("case replies")
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} @ {self.at:%Y-%m-%d %H:%M}"


class CaseAttachment(models.Model):
    reply = models.ForeignKey(CaseReply, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_case_upload_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))

    class Meta:
        verbose_name = _("case attachment")
        verbose_name_plural = _("case attachments")

    def __str__(self) -> str:
        return self.original_name


class Card(models.Model):
    """A yellow or red card (黄牌/红牌), a stalled approval or an overdue action item: issued
    by the daily sweep once per subject, colour and due date."""

    class Colour(models.TextChoices):
        YELLOW = "yellow", _("yellow card")
        RED = "red", _("red card")
        STALLED = "stalled", _("stalled")
        ACTION_OVERDUE = "action_overdue", _("action item overdue")

    colour = models.CharField(_("card"), max_length=16, choices=Colour.choices)
    approval = models.ForeignKey(
        Approval, on_delete=models.CASCADE, null=True, blank=True, related_name="cards"
    )
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="cards"
    )
    subject_type = models.CharField(max_length=30, blank=True)
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="cards"
    )
    # The due date the card is about (a new due date after a pause earns a new card).
    due_date = models.DateField(_("due date"))
    issued_on = models.DateField(_("issued on"))
    cleared_on = models.DateField(_("cleared on"), null=True, blank=True)
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="cards"
    )
    # "<colour>:<subject>:<due date>": the sweep's idempotency key.
    key = models.CharField(max_length=120, unique=True)
    # What the app that issued it recorded of its subject (an action item's title), so that
    # the card's later events (cleared, escalated) name it without asking that app.
    subject_data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("supervision card")
        verbose_name_plural = _("supervision cards")
        ordering = ["issued_on", "id"]
        indexes = [models.Index(fields=["cleared_on", "department"])]

    def __str__(self) -> str:
        return self.key


class EscalationRule(models.Model):
    """One rung of the escalation ladder, edited by staff in the back office: global, or for
    one department, or for one approval item (the most specific scope wins for a card)."""

    class Trigger(models.TextChoices):
        YELLOW = "yellow", _("yellow card")
        RED = "red", _("red card")
        STALLED = "stalled", _("stalled")
        ACTION_OVERDUE = "action_overdue", _("action item overdue")

    class Action(models.TextChoices):
        LEAD_HELPER = "lead_helper", _("notify the lead helper")
        DEPARTMENT_HEAD = "department_head", _("notify the department head")
        PEOPLE = "people", _("notify the people named")
        OPEN_CASE = "open_case", _("open a supervision case for the department")
        AGENDA = "agenda", _("propose it onto the next joint meeting's agenda")

    trigger = models.CharField(_("card"), max_length=16, choices=Trigger.choices)
    after_days = models.PositiveSmallIntegerField(_("working days after the card"), default=0)
    action = models.CharField(_("step"), max_length=20, choices=Action.choices)
    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="escalation_rules",
        verbose_name=_("only for department"),
    )
    item = models.ForeignKey(
        ApprovalItem,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="escalation_rules",
        verbose_name=_("only for approval item"),
    )
    people = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        verbose_name=_("people to notify"),
    )
    # Yellow cards: how many working days before the due date (per item; default 2).
    warn_days = models.PositiveSmallIntegerField(
        _("yellow card: working days before the due date"), default=2
    )
    # Stalled: how many working days with the department and no event.
    stalled_days = models.PositiveSmallIntegerField(
        _("stalled after working days without an event"), default=5
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation ladder")
        ordering = ["trigger", "after_days", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(department__isnull=True) | Q(item__isnull=True),
                name="escalation_rule_one_scope",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} +{self.after_days}: {self.get_action_display()}"


class EscalationStep(models.Model):
    """One rung taken for one card: recorded once, on its working day."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="steps")
    rule = models.ForeignKey(EscalationRule, on_delete=models.CASCADE, related_name="steps")
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done at"), default=timezone.now)
    result = models.CharField(_("result"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("escalation step taken")
        verbose_name_plural = _("escalation steps taken")
        constraints = [
            models.UniqueConstraint(fields=["card", "rule"], name="escalation_step_once")
        ]

    def __str__(self) -> str:
        return f"{self.card_id}/{self.rule_id} on {self.due_on}"


class Rating(models.Model):
    """An enterprise's rating (好差评) of a decided approval or a closed case, given once."""

    class Score(models.IntegerChoices):
        VERY_SATISFIED = 5, _("very satisfied")
        SATISFIED = 4, _("satisfied")
        NEUTRAL = 3, _("neither satisfied nor dissatisfied")
        DISSATISFIED = 2, _("dissatisfied")
        VERY_DISSATISFIED = 1, _("very dissatisfied")

    approval = models.OneToOneField(
        Approval, on_delete=models.CASCADE, null=True, blank=True, related_name="rating"
    )
    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="rating"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="ratings")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="ratings"
    )
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="ratings")
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    score = models.PositiveSmallIntegerField(_("rating"), choices=Score.choices)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(default=timezone.now)
    # A dissatisfied rating opens a rectification case; staff record the follow-up call.
    follow_up_case = models.OneToOneField(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="from_rating"
    )
    follow_up_note = models.TextField(_("follow-up call (回访)"), blank=True)
    follow_up_at = models.DateTimeField(null=True, blank=True)
    follow_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(approval__isnull=False, case__isnull=True)
                | Q(approval__isnull=True, case__isnull=False),
                name="rating_of_one_thing",
            ),
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="rating_score_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_score_display()} ({self.project_id})"


class ProjectAtRisk(models.Model):
    """The supervision board's stored rollup of the projects at risk (the cautious ready date,
    from the decided cases' history, after the planned start of construction): refreshed by
    the daily sweep, read by the board without forecasting the district on each request."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, primary_key=True, related_name="risk"
    )
    planned_start = models.DateField(_("planned start of construction"))
    likely = models.DateField(_("likely ready to build"))
    cautious = models.DateField(_("cautiously ready to build"))
    late_days = models.PositiveIntegerField(_("working days late (cautious)"))
    cases = models.PositiveIntegerField(_("decided cases behind the estimate"), default=0)
    refreshed_on = models.DateField(_("refreshed on"))

    class Meta:
        verbose_name = _("project at risk")
        verbose_name_plural = _("projects at risk")
        ordering = ["-late_days", "project"]

    def __str__(self) -> str:
        return f"{self.project_id} +{self.late_days}"
