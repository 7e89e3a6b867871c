"""Departments, the approval-item catalogue, enterprises, projects, approvals, the working-day
calendar."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class Bilingual(models.Model):
    """A Chinese name with its English counterpart; `label` picks the active language."""

    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if translation.get_language() == "en" and self.name_en:
            return self.name_en
        return self.name


class Department(Bilingual):
    class Level(models.TextChoices):
        CITY = "city", _("city")
        DISTRICT = "district", _("district")
        TOWN = "town", _("town / street")

    short_name = models.CharField(_("short name"), max_length=40)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    head = models.CharField(_("head"), max_length=100, blank=True)
    # The person the escalation ladder reaches as "the department head" (a signed-in officer).
    head_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_departments",
        verbose_name=_("head (account)"),
    )
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="departments",
        verbose_name=_("officers"),
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["level", "name"]
        constraints = [models.UniqueConstraint(fields=["name"], name="department_name_unique")]


class Town(Bilingual):
    """A town, street or development zone where projects are sited."""

    is_zone = models.BooleanField(_("development zone"), default=False)

    class Meta:
        verbose_name = _("town or zone")
        verbose_name_plural = _("towns and zones")
        ordering = ["is_zone", "name"]


class ApprovalItem(Bilingual):
    """A catalogue entry: one kind of approval, its limits and its one-time notification list."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="items", verbose_name=_("department")
    )
    legal_basis = models.TextField(_("legal basis"), blank=True)
    statutory_limit_days = models.PositiveSmallIntegerField(_("statutory limit (working days)"))
    promised_limit_days = models.PositiveSmallIntegerField(_("promised limit (working days)"))
    fee = models.CharField(_("fee"), max_length=200, blank=True, default="")
    fully_online = models.BooleanField(_("fully online"), default=False)
    prerequisites = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="required_by",
        verbose_name=_("prerequisite items"),
    )
    is_active = models.BooleanField(_("in the catalogue"), default=True)

    class Meta:
        verbose_name = _("approval item")
        verbose_name_plural = _("approval items")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(promised_limit_days__lte=models.F("statutory_limit_days")),
                name="item_promised_within_statutory",
            ),
            models.CheckConstraint(
                condition=Q(promised_limit_days__gte=1), name="item_promised_at_least_one_day"
            ),
        ]


class ItemMaterial(Bilingual):
    """One line of an item's one-time notification list."""

    item = models.ForeignKey(ApprovalItem, on_delete=models.CASCADE, related_name="materials")
    key = models.BooleanField(
        _("key material"),
        default=True,
        help_text=_("Without a key material the application cannot be accepted."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("required material")
        verbose_name_plural = _("required materials")
        ordering = ["item", "position", "id"]


class Industry(Bilingual):
    """An industry with its standard set of approval items."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    standard_items = models.ManyToManyField(
        ApprovalItem, blank=True, related_name="industries", verbose_name=_("standard items")
    )

    class Meta:
        verbose_name = _("industry")
        verbose_name_plural = _("industries")
        ordering = ["code"]


class Enterprise(Bilingual):
    """A project unit (项目单位)."""

    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="enterprises", verbose_name=_("users")
    )
    # Users of the enterprise who confirm or refuse a new user asked for by someone else (a
    # helper's invitation). Set by staff through `enterprise_admin_set`; always among `users`.
    administrators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="administered_enterprises",
        verbose_name=_("administrators"),
    )

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]


class EnterpriseMembershipRequest(models.Model):
    """An invited person waiting to become a user of an enterprise: joining would show them
    projects their inviter may not see, so the enterprise's administrators or staff decide."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("waiting for confirmation")
        CONFIRMED = "confirmed", _("confirmed")
        REFUSED = "refused", _("refused")

    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.CASCADE,
        related_name="membership_requests",
        verbose_name=_("enterprise"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="membership_requests",
        verbose_name=pgettext_lazy("membership request", "person"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested at"))
    decision = models.CharField(
        pgettext_lazy("membership request", "decision"),
        max_length=10,
        choices=Decision.choices,
        default=Decision.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enterprise membership request")
        verbose_name_plural = _("enterprise membership requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "user"],
                condition=Q(decision="pending"),
                name="membership_request_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(decision="pending", decided_at__isnull=True)
                | (~Q(decision="pending") & Q(decided_at__isnull=False)),
                name="membership_request_decided_when_decided",
            ),
        ]
        indexes = [models.Index(fields=["decision", "enterprise"], name="membership_request_open")]

    def __str__(self) -> str:
        return f"{self.user} → {self.enterprise}"

    @property
    def is_pending(self) -> bool:
        return self.decision == self.Decision.PENDING


class Project(Bilingual):
    class Stage(models.TextChoices):
        NEGOTIATING = "negotiating", _("negotiating")
        SIGNED = "signed", _("signed")
        APPROVALS = "approvals", _("approvals")
        CONSTRUCTION = "construction", _("construction")
        PRODUCTION = "production", _("production")

    code = models.CharField(_("code"), max_length=40, unique=True)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="projects", verbose_name=_("enterprise")
    )
    industry = models.ForeignKey(
        Industry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("industry"),
    )
    investment = models.DecimalField(
        _("investment (10,000 yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    town = models.ForeignKey(
        Town,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("town or zone"),
    )
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.NEGOTIATING
    )
    is_major = models.BooleanField(_("major project"), default=True)
    planned_start = models.DateField(_("planned start of construction"), null=True, blank=True)
    lead_helper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_projects",
        verbose_name=_("lead helper"),
    )
    helpers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="helped_projects",
        verbose_name=_("other helpers"),
    )
    leading_official = models.CharField(_("leading official"), max_length=100, blank=True)
    # Given to the enterprise on registration: with the project code it opens the public
    # progress lookup (办件查询) without an account. Stored as a digest only.
    enquiry_code_hash = models.CharField(max_length=128, blank=True, editable=False)
    description = models.TextField(_("description"), blank=True)
    registered_at = models.DateTimeField(_("registered at"))
    # The earliest due date of its open approvals, kept by the services: lists sort on it
    # (overdue first, then the soonest due) without scanning every approval.
    next_due = models.DateField(_("earliest due date"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-registered_at", "-id"]
        permissions = [
            ("view_internal", _("Can read the project's internal stream")),
            ("act_for_enterprise", _("Can act on behalf of the project unit")),
        ]
        indexes = [
            models.Index(fields=["stage"]),
            # The lists' default order: the page query uses it instead of sorting every row.
            models.Index(fields=["-registered_at", "-id"], name="project_registered_order"),
            models.Index(fields=["next_due", "id"], name="project_due_order"),
        ]


class ProjectUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)


class ProjectGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)


class Approval(models.Model):
    """One catalogue item for one project, with its own copy of the item's limits and list."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        RECEIVED = "received", _("received")
        ACCEPTED = "accepted", _("accepted")
        SUPPLEMENT_REQUESTED = "supplement_requested", _("supplement requested")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")

    OPEN = (Status.PENDING, Status.RECEIVED, Status.ACCEPTED, Status.SUPPLEMENT_REQUESTED)

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="approvals")
    item = models.ForeignKey(ApprovalItem, on_delete=models.PROTECT, related_name="approvals")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="approvals")
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.PENDING
    )
    # Copied from the item when the approval is created: later catalogue edits never move it.
    statutory_limit_days = models.PositiveSmallIntegerField(_("statutory limit (working days)"))
    promised_limit_days = models.PositiveSmallIntegerField(_("promised limit (working days)"))
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    # The clock: stored, and moved only by transitions or a deliberate calendar change.
    due_date = models.DateField(_("promised due date"), null=True, blank=True)
    statutory_due_date = models.DateField(_("statutory due date"), null=True, blank=True)
    paused_since = models.DateField(_("clock paused since"), null=True, blank=True)
    paused_working_days = models.PositiveIntegerField(_("working days paused"), default=0)
    materials_due = models.DateField(_("missing materials due"), null=True, blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    # The number printed on the decision document (批复文号), given when approving or rejecting.
    decision_number = models.CharField(_("decision document number"), max_length=60, blank=True)
    reason = models.TextField(_("reason of the last decision"), blank=True)
    # The last deadline alert sent to the lead helper ("due_soon", "overdue"): each once.
    alerted = models.CharField(_("deadline alert sent"), max_length=12, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["project", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "item"], name="approval_item_once_a_project")
        ]
        indexes = [
            models.Index(fields=["department", "status"]),
            models.Index(fields=["project", "status", "due_date"], name="approval_project_due"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} · {self.item.code}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class ApprovalMaterial(Bilingual):
    """An approval's own copy of one line of the one-time notification list."""

    class State(models.TextChoices):
        EXPECTED = "expected", _("expected")
        PROVIDED = "provided", _("provided")
        MISSING = "missing", _("missing: to supplement later")
        REQUESTED = "requested", _("requested in a supplement")

    approval = models.ForeignKey(Approval, on_delete=models.CASCADE, related_name="materials")
    key = models.BooleanField(_("key material"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.EXPECTED
    )
    due = models.DateField(_("due"), null=True, blank=True)

    class Meta:
        verbose_name = _("approval material")
        verbose_name_plural = _("approval materials")
        ordering = ["approval", "position", "id"]

    @property
    def is_missing(self) -> bool:
        return self.state in (self.State.MISSING, self.State.REQUESTED)

    @property
    def version_list(self) -> list:
        """The versions, newest first: the list the project page prefetched
        (`prefetched_versions`: a list per material, without the queryset Django builds per
        material for a plain prefetch, a third of the page's query time) or read now."""
        held = self.__dict__.get("prefetched_versions")
        return held if held is not None else list(self.versions.all())


class ApprovalPause(models.Model):
    """A stretch during which the file waited on the enterprise (补正): the clock stood still."""

    approval = models.ForeignKey(Approval, on_delete=models.CASCADE, related_name="pauses")
    requested_on = models.DateField(_("supplement requested on"))
    resumed_on = models.DateField(_("answered on"), null=True, blank=True)

    class Meta:
        verbose_name = _("clock pause")
        verbose_name_plural = _("clock pauses")
        ordering = ["approval", "requested_on", "id"]

    def __str__(self) -> str:
        return f"{self.requested_on} – {self.resumed_on or '…'}"


class WorkingDay(models.Model):
    """An exception to the weekday rule: a holiday on a weekday, or a make-up working weekend.

    A date with no row follows the rule (Monday to Friday work). Seeded once from `holidays`
    and then owned by staff, so upgrading the library never shifts a due date.
    """

    date = models.DateField(_("date"), primary_key=True)
    is_working = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=40, blank=True, default="staff")

    class Meta:
        verbose_name = _("working-day calendar entry")
        verbose_name_plural = _("working-day calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        kind = _("working day") if self.is_working else _("day off")
        return f"{self.date} {kind} {self.name}".strip()


class CalendarYear(models.Model):
    """Whether a year's working-day calendar is the official one (国务院办公厅 notice).

    The State Council publishes next year's holidays and make-up working days late in the
    year; until staff confirm a year, due dates in it rest on the library's provisional data.
    """

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    confirmed = models.BooleanField(_("confirmed against the official notice"), default=False)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    notice = models.CharField(_("official notice (title or number)"), max_length=200, blank=True)
    # When bureau staff were emailed that the year starts unconfirmed: once per year.
    staff_warned_at = models.DateTimeField(_("staff warned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


def _upload_path(instance, filename: str) -> str:
    # The stored name never comes from the user: a random name under the project's folder.
    import uuid
    from pathlib import PurePosixPath

    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"projects/{instance.project_id}/{uuid.uuid4().hex}{suffix}"


class StoredFile(models.Model):
    """An uploaded file, served only through the permission-checked view."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to=_upload_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    internal = models.BooleanField(_("internal"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("file")
        verbose_name_plural = _("files")

    def __str__(self) -> str:
        return self.original_name


class MaterialVersion(models.Model):
    """One upload of one material of an approval; each upload is a new version."""

    class Review(models.TextChoices):
        PENDING = "pending", _("awaiting review")
        ACCEPTED = "accepted", _("accepted")
        NEEDS_CORRECTION = "needs_correction", _("needs correction")

    material = models.ForeignKey(
        ApprovalMaterial, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("version"))
    stored = models.OneToOneField(StoredFile, on_delete=models.PROTECT, related_name="version")
    # Drafts are sent for online pre-review before the application is formally submitted.
    draft = models.BooleanField(_("draft for pre-review"), default=False)
    review = models.CharField(
        _("review"), max_length=20, choices=Review.choices, default=Review.PENDING
    )
    review_note = models.TextField(_("review note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("material version")
        verbose_name_plural = _("material versions")
        ordering = ["material", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["material", "number"], name="material_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.material} v{self.number}"


class Comment(models.Model):
    """A comment on a project or one of its approvals; internal ones only staff-side see."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="comments")
    approval = models.ForeignKey(
        Approval, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("comment"))
    internal = models.BooleanField(_("internal"), default=False)
    attachment = models.OneToOneField(
        StoredFile, on_delete=models.SET_NULL, null=True, blank=True, related_name="comment"
    )
    created_at = models.DateTimeField(_("written at"))

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:40]


def _catalogue_import_path(instance, filename: str) -> str:
    # The stored name never comes from the user.
    import uuid
    from pathlib import PurePosixPath

    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"catalogue-imports/{uuid.uuid4().hex}{suffix}"


class CatalogueImport(models.Model):
    """A spreadsheet uploaded in the back office: its dry-run report, then its application.

    The file is checked when uploaded (the report staff read), and applied by the worker in
    one transaction after checking it again; `sha256` ties the application to the file checked.
    """

    class Status(models.TextChoices):
        CHECKED = "checked", _("checked, not applied")
        QUEUED = "queued", _("waiting to be applied")
        RUNNING = "running", _("being applied")
        APPLIED = "applied", _("applied")
        OUTDATED = "outdated", _("not applied: the catalogue changed since the check")
        FAILED = "failed", _("not applied: an error")

    file = models.FileField(_("file"), upload_to=_catalogue_import_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    language = models.CharField(_("language of the report"), max_length=10, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.CHECKED
    )
    # {"rows": [{"row", "code", "outcome", "reasons"}], "ignored_columns": [...]}
    report = models.JSONField(_("dry-run report"), default=dict)
    result = models.JSONField(_("result"), default=dict)
    rows_total = models.PositiveIntegerField(_("rows to write"), default=0)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applied by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("catalogue import")
        verbose_name_plural = _("catalogue imports")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.original_name
