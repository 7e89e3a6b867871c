"""Upload rules: size and type, checked by the file's content, not only by its name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from portal.errors import InvalidInput

# extension -> the types its content may be detected as
ALLOWED_TYPES = {
    "pdf": {"application/pdf"},
    "jpg": {"image/jpeg"},
    "jpeg": {"image/jpeg"},
    "png": {"image/png"},
    "docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    "xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    "doc": {"application/msword"},
    "xls": {"application/vnd.ms-excel", "application/msword"},  # OLE files look alike
}


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    content_type: str
    size: int


NAME_MAX = 200  # StoredFile.original_name


def shortened(name: str, limit: int = NAME_MAX) -> str:
    """A long file name cut in its stem, so that its extension (its kind) survives."""
    if len(name) <= limit:
        return name
    suffix = PurePosixPath(name).suffix
    if len(suffix) > 10:  # not an extension: just cut
        return name[:limit]
    return name[: limit - len(suffix) - 1].rstrip() + "…" + suffix


def check_upload(upload, *, field: str = "file") -> CheckedUpload:
    """Refuse, with a message that says why, a file too big or not what its name claims."""
    limit = settings.PORTAL_UPLOAD_MAX_BYTES
    name = shortened(PurePosixPath(str(upload.name or "")).name)
    if not name:
        raise InvalidInput(_("Choose a file to upload."), field=field)
    if upload.size == 0:
        raise InvalidInput(_("The file %(name)s is empty.") % {"name": name}, field=field)
    if upload.size > limit:
        raise InvalidInput(
            _("The file %(name)s is %(size)s; files may be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            field=field,
        )
    extension = PurePosixPath(name).suffix.lower().lstrip(".")
    allowed = ALLOWED_TYPES.get(extension)
    accepted = ", ".join(sorted({e.upper() for e in ALLOWED_TYPES if e != "jpeg"}))
    if allowed is None:
        raise InvalidInput(
            _("Files of type .%(ext)s are not accepted; use one of: %(types)s.")
            % {"ext": extension or "?", "types": accepted},
            field=field,
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in allowed:
        raise InvalidInput(
            _(
                "The content of %(name)s is not a real %(ext)s file. Upload the document itself, "
                "saved as one of: %(types)s."
            )
            % {"name": name, "ext": extension.upper(), "types": accepted},
            field=field,
        )
    return CheckedUpload(name=name, content_type=kind.mime, size=upload.size)
