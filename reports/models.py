"""Stored statistics rollups: one narrow row per approval with the facts the figures group on.

The statistics page reads these instead of joining approvals x events x calendar on every
request. They are derived data only: `reports.rollups.refresh` rewrites them from the
approvals, the event log and the working-day calendar (after each approval event, after a
calendar change, nightly, and by `manage.py rebuild_statistics`), and a test shows they give
exactly the figures of the direct computation.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from projects.models import Approval, Project


class ApprovalFact(models.Model):
    # No database constraint and no cascade: a fact is rewritten or dropped by the refresh,
    # never by a deletion elsewhere (which would cost the deleting service a query).
    approval = models.OneToOneField(
        Approval,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="+",
    )
    project = models.ForeignKey(
        Project, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    department_id = models.IntegerField()
    item_id = models.IntegerField()
    status = models.CharField(max_length=20)
    received_on = models.DateField(null=True)
    accepted_on = models.DateField(null=True)
    decided_on = models.DateField(null=True)
    # The first of each date's month: the monthly figures group on these as stored.
    received_month = models.DateField(null=True)
    accepted_month = models.DateField(null=True)
    decided_month = models.DateField(null=True)
    due_date = models.DateField(null=True)
    statutory_due_date = models.DateField(null=True)
    promised_limit_days = models.IntegerField()
    paused_working_days = models.IntegerField()
    # Working days from acceptance to decision minus the pauses, by the clock's calendar
    # (approved or rejected after acceptance; otherwise null).
    used = models.IntegerField(null=True)
    # Accepted with materials missing (容缺受理): the acceptance event's date and the date set
    # for the missing materials; the last date a missing material was completed; and whether
    # some are still missing now.
    missing_accepted_on = models.DateField(null=True)
    missing_due = models.DateField(null=True)
    materials_completed_on = models.DateField(null=True)
    materials_pending = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("approval statistics row")
        verbose_name_plural = _("approval statistics rows")
        indexes = [
            models.Index(fields=["received_on"], name="fact_received"),
            models.Index(fields=["accepted_on"], name="fact_accepted"),
            models.Index(fields=["decided_on"], name="fact_decided"),
            models.Index(fields=["missing_accepted_on"], name="fact_missing"),
            models.Index(fields=["department_id", "decided_on"], name="fact_department"),
            # The page filtered to one item reads its rows only.
            models.Index(fields=["item_id"], name="fact_item"),
        ]

    def __str__(self) -> str:
        return f"approval {self.approval_id}: {self.status}"


class MonthFact(models.Model):
    """The approval facts summed per department and month (and, where a figure needs it, per
    decision month or working days used): what the statistics page reads for the whole months
    of a range, without filters on item, town or stage; the partial months at its edges come
    from `ApprovalFact`. Rewritten from `ApprovalFact` cell by cell (`reports.rollups`).

    `family` is the figure family, tagged as in the page's query: "r" received (`period`: the
    month received), "a" accepted (the month accepted; `decided_month` splits the ones decided
    since), "d" decided (the month decided), "w" working days used (the month decided, by
    `used_days` and `promised_days`), "m" accepted with materials missing (the month accepted).
    `c1`..`c8` are the counts the page's `n1`..`n8` sum."""

    family = models.CharField(max_length=1)
    department_id = models.IntegerField()
    period = models.DateField()
    decided_month = models.DateField(null=True)
    used_days = models.IntegerField(null=True)
    promised_days = models.IntegerField(null=True)
    c1 = models.BigIntegerField(default=0)
    c2 = models.BigIntegerField(default=0)
    c3 = models.BigIntegerField(default=0)
    c4 = models.BigIntegerField(default=0)
    c5 = models.BigIntegerField(default=0)
    c6 = models.BigIntegerField(default=0)
    c7 = models.BigIntegerField(default=0)
    c8 = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("monthly statistics row")
        verbose_name_plural = _("monthly statistics rows")
        indexes = [
            models.Index(fields=["family", "period", "department_id"], name="monthfact_tag_month"),
            models.Index(fields=["department_id", "period"], name="monthfact_department"),
        ]

    def __str__(self) -> str:
        return f"{self.family} {self.department_id} {self.period:%Y-%m}"


class RollupState(models.Model):
    """One row (pk 1) once the rollups were built whole: from then on every approval event
    keeps them current and the statistics page reads them; before, it computes directly."""

    built_at = models.DateTimeField()

    class Meta:
        verbose_name = _("statistics rollup state")
        verbose_name_plural = _("statistics rollup state")

    def __str__(self) -> str:
        return f"built {self.built_at:%Y-%m-%d %H:%M}"
