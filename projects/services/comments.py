"""Comments on a project or one of its approvals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from portal.errors import InvalidInput, NotVisible, PermissionRefused
from portal.events import emit
from portal.models import User

from .. import permissions as perms
from ..models import (
    Approval,
    Comment,
    Project,
)
from ..streams import project_internal_stream, project_stream
from ._common import (
    names,
    now_or,
)
from .materials import store_file

S = Approval.Status


def comment_add(
    *,
    actor: User,
    project_id: int,
    body: str,
    approval_id: int | None = None,
    internal: bool = False,
    attachment=None,
    now: datetime | None = None,
) -> Any:
    """A comment on the project or one approval; internal ones go to the internal stream."""

    now = now_or(now)
    body = (body or "").strip()
    if not body:
        raise InvalidInput(_("Write something before sending."), field="body")
    if len(body) > 5000:
        raise InvalidInput(_("A comment may be at most 5,000 characters."), field="body")
    perms.forget_cached_permissions(actor)
    with transaction.atomic():
        project = Project.objects.filter(pk=project_id).first()
        if project is None or not perms.can_view_project(actor, project):
            raise NotVisible(_("Project not found."))
        if internal and not perms.can_view_internal(actor, project):
            raise PermissionRefused(_("You may not write internal comments."))
        approval = None
        if approval_id is not None:
            approval = project.approvals.select_related("item").filter(pk=approval_id).first()
            if approval is None:
                raise InvalidInput(
                    _("That approval is not part of this project."), field="approval"
                )
        stored = None
        if attachment is not None:
            stored = store_file(actor, project, attachment, internal=internal, now=now)
        comment = Comment.objects.create(
            project=project,
            approval=approval,
            author=actor,
            body=body,
            internal=internal,
            attachment=stored,
            created_at=now,
        )
        emit(
            stream=(project_internal_stream if internal else project_stream)(project.pk),
            event="comment.added",
            actor=actor,
            at=now,
            data={
                "comment_id": comment.pk,
                "body": body,
                "approval_id": approval.pk if approval else None,
                "item": {"code": approval.item.code, **names(approval.item)} if approval else None,
                "file": {"id": stored.pk, "name": stored.original_name} if stored else None,
            },
        )
    return comment
