"""Materials: uploads, versions and the online pre-review; stored files."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from portal.errors import InvalidInput, NotVisible, PermissionRefused, TransitionRefused
from portal.events import emit
from portal.models import User

from .. import permissions as perms
from ..files import check_upload
from ..models import (
    Approval,
    ApprovalMaterial,
    MaterialVersion,
    Project,
    StoredFile,
)
from ..streams import project_stream
from ._common import (
    approval_data,
    names,
    now_or,
)

S = Approval.Status


def store_file(actor: User, project: Project, upload, *, internal: bool, now: datetime):
    """Check and store an upload. Call last in a service: a later error leaves no file behind."""

    checked = check_upload(upload)
    stored = StoredFile(
        project=project,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        internal=internal,
        uploaded_by=actor,
        uploaded_at=now,
    )
    stored.file.save(checked.name, upload, save=False)
    try:
        stored.save()
    except Exception:
        stored.file.storage.delete(stored.file.name)
        raise
    return stored


def material_upload(*, actor: User, material_id: int, upload, now: datetime | None = None) -> Any:
    """The enterprise (or a helper for it) uploads a new version of one material.

    Before the application is received it is a draft for online pre-review.
    """

    now = now_or(now)
    perms.forget_cached_permissions(actor)
    with transaction.atomic():
        material = (
            ApprovalMaterial.objects.select_for_update(of=("self",))
            .select_related("approval__project", "approval__item", "approval__department")
            .filter(pk=material_id)
            .first()
        )
        if material is None or not perms.can_view_project(actor, material.approval.project):
            raise NotVisible(_("Material not found."))
        approval = material.approval
        if not perms.can_upload_materials(actor, approval.project):
            raise PermissionRefused(
                _("Only the project unit, or a helper on its behalf, uploads materials.")
            )
        # A material accepted as missing may still be supplied after the decision (先取证再补交).
        if not perms.material_open_for_upload(approval, material):
            raise TransitionRefused(
                _("This approval is %(status)s: its materials can no longer change.")
                % {"status": approval.get_status_display()},
                code="approval_closed",
            )
        number = (
            material.versions.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
        stored = store_file(actor, approval.project, upload, internal=False, now=now)
        version = MaterialVersion.objects.create(
            material=material,
            number=number,
            stored=stored,
            draft=approval.status == S.PENDING,
        )
        emit(
            stream=project_stream(approval.project_id),
            event="material.uploaded",
            actor=actor,
            at=now,
            data=approval_data(
                approval,
                material={"id": material.pk, **names(material)},
                version=number,
                draft=version.draft,
                file={"id": stored.pk, "name": stored.original_name, "size": stored.size},
            ),
        )
    return version


def material_review(
    *,
    actor: User,
    version_id: int,
    verdict: str,
    note: str = "",
    now: datetime | None = None,
) -> Any:
    """The officer marks one version accepted or "needs correction" (with a note).

    Accepting the version of a material that was to be supplied later completes it.
    """

    now = now_or(now)
    note = (note or "").strip()
    perms.forget_cached_permissions(actor)
    with transaction.atomic():
        version = (
            MaterialVersion.objects.select_for_update(of=("self",))
            .select_related(
                "material__approval__project",
                "material__approval__item",
                "material__approval__department",
                "stored",
            )
            .filter(pk=version_id)
            .first()
        )
        if version is None or not perms.can_view_project(actor, version.material.approval.project):
            raise NotVisible(_("Version not found."))
        material = version.material
        approval = material.approval
        if not perms.can_transition(actor, approval, "accept"):
            raise PermissionRefused(_("Only an officer of the department reviews materials."))
        if verdict not in (
            MaterialVersion.Review.ACCEPTED,
            MaterialVersion.Review.NEEDS_CORRECTION,
        ):
            raise InvalidInput(_("Choose accepted or needs correction."), field="verdict")
        if verdict == MaterialVersion.Review.NEEDS_CORRECTION and not note:
            raise InvalidInput(_("Say what must be corrected."), field="note")
        latest = material.versions.order_by("-number").values_list("pk", flat=True).first()
        if latest != version.pk:
            raise TransitionRefused(
                _("A newer version of this material was uploaded; review that one."),
                code="not_latest_version",
            )
        version.review = verdict
        version.review_note = note
        version.reviewed_by = actor
        version.reviewed_at = now
        version.save()
        completed = False
        if (
            verdict == MaterialVersion.Review.ACCEPTED
            and material.state == ApprovalMaterial.State.MISSING
        ):
            material.state = ApprovalMaterial.State.PROVIDED
            material.due = None
            material.save(update_fields=["state", "due"])
            completed = True
            if not approval.materials.filter(state=ApprovalMaterial.State.MISSING).exists():
                approval.materials_due = None
                approval.save(update_fields=["materials_due"])
        emit(
            stream=project_stream(approval.project_id),
            event="material.reviewed",
            actor=actor,
            at=now,
            data=approval_data(
                approval,
                material={"id": material.pk, **names(material)},
                version=version.number,
                verdict=verdict,
                note=note,
                draft=version.draft,
                material_completed=completed,
            ),
        )
    return version
