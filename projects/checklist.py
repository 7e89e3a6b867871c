"""The one-time notification list as people see it: one state per material, read from both
its checklist state and its uploaded versions, so the state column and the file column never
contradict each other ("已提交" beside "尚未上传"), and the rule that a decision waits for the
review of the files sent for it. Pages, the API and the services read these functions."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Approval, ApprovalMaterial, MaterialVersion

State = ApprovalMaterial.State
Review = MaterialVersion.Review


@dataclass(frozen=True)
class MaterialStatus:
    code: str  # a stable name for CSS and tests
    label: str | Promise
    tone: str  # ok, waiting, action, missing, neutral


STATUSES = {
    s.code: s
    for s in (
        MaterialStatus("to_send", _("to send"), "neutral"),
        MaterialStatus("pre_review", _("sent for pre-review"), "waiting"),
        MaterialStatus("pre_review_accepted", _("pre-review passed"), "ok"),
        MaterialStatus("pre_review_correction", _("pre-review: to correct"), "action"),
        MaterialStatus("on_paper", _("handed in on paper (no file uploaded)"), "ok"),
        MaterialStatus("awaiting_review", _("file sent, awaiting review"), "waiting"),
        MaterialStatus("accepted", _("file sent and accepted"), "ok"),
        MaterialStatus("needs_correction", _("file needs correction"), "action"),
        MaterialStatus("missing", _("missing: to supplement later"), "missing"),
        MaterialStatus("missing_sent", _("missing: new file sent, awaiting review"), "waiting"),
        MaterialStatus("requested", _("requested in a supplement"), "missing"),
        MaterialStatus("requested_sent", _("requested: new file uploaded"), "waiting"),
    )
}


def latest_version(material: ApprovalMaterial) -> MaterialVersion | None:
    """The newest upload (versions are ordered newest first; prefetched on the pages)."""
    versions = material.version_list
    return max(versions, key=lambda v: v.number) if versions else None


def material_status(material: ApprovalMaterial) -> MaterialStatus:
    latest = latest_version(material)
    if material.state == State.MISSING:
        sent = latest is not None and not latest.draft and latest.review == Review.PENDING
        return STATUSES["missing_sent" if sent else "missing"]
    if material.state == State.REQUESTED:
        sent = latest is not None and latest.review == Review.PENDING
        return STATUSES["requested_sent" if sent else "requested"]
    if latest is None:
        return STATUSES["on_paper" if material.state == State.PROVIDED else "to_send"]
    if latest.draft:
        return STATUSES[
            {
                Review.PENDING: "pre_review",
                Review.ACCEPTED: "pre_review_accepted",
                Review.NEEDS_CORRECTION: "pre_review_correction",
            }[latest.review]
        ]
    return STATUSES[
        {
            Review.PENDING: "awaiting_review",
            Review.ACCEPTED: "accepted",
            Review.NEEDS_CORRECTION: "needs_correction",
        }[latest.review]
    ]


def unreviewed_versions(approval: Approval) -> list[MaterialVersion]:
    """Files sent for this application (not pre-review drafts) whose newest version nobody has
    reviewed: deciding now means deciding without them, so the officer reviews them first or
    confirms deciding on the paper file. Uses prefetched versions when the page has them."""
    waiting = []
    for material in approval.materials.all():
        latest = latest_version(material)
        if latest is not None and not latest.draft and latest.review == Review.PENDING:
            latest.material = material
            waiting.append(latest)
    return waiting
