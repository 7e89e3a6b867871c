"""The enquiry code (查询码): with the project code it opens the public progress lookup (办件查询)
for a project without an account.

Ten characters from an alphabet without look-alikes (no 0/O, 1/I/L), about 50 bits: far beyond
what a rate-limited lookup can guess. Only a keyed digest is stored (HMAC-SHA256 under the
site's secret key and the project's id, so equal codes of two projects differ and a copied
table reveals nothing). The code itself is shown once: to whoever registers the project and,
after a reset, to whoever reset it, through the session (`remember_for_display`), which the
project panel empties when it shows it.

The panel "Enquiry code" on the project page: staff, the project's helpers who act for the
enterprise and the enterprise's administrators may issue a new code; the enterprise's other
users learn that a code exists and whom to ask.
"""

from __future__ import annotations

import hmac
import re
import secrets

from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy

from portal.roles import is_bureau_staff
from portal.streams import EventType

from . import permissions as perms
from .models import Project
from .panels import ProjectPanel

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 10
SESSION_KEY = "enquiry_codes_to_show"
_SALT = "projects.enquiry_code"
_CLEAN = re.compile(r"[\s-]+")
_VALID = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(value: str) -> str:
    """What a person typed, as stored: spaces and dashes dropped, upper case."""
    return _CLEAN.sub("", value or "").upper()


def is_well_formed(value: str) -> bool:
    return bool(_VALID.fullmatch(normalise(value)))


def formatted(code: str) -> str:
    """Shown in two groups of five, easier to copy by hand: ABCDE-FGHJK."""
    half = LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def digest(project_id: int, code: str) -> str:
    return salted_hmac(_SALT, f"{project_id}:{normalise(code)}", algorithm="sha256").hexdigest()


# Compared against when a project has no code (or none was found), so that a lookup does the
# same work whatever the outcome.
_NO_DIGEST = "0" * 64


def matches(project_id: int | None, stored_digest: str, typed: str) -> bool:
    """Constant-time: the typed code's digest against the stored one (never equal when none)."""
    candidate = digest(project_id or 0, typed)
    same = hmac.compare_digest(candidate, stored_digest or _NO_DIGEST)
    return same and bool(stored_digest) and project_id is not None


# --- who may see and reset it ---------------------------------------------------------------


def can_reset(user, project: Project) -> bool:
    """Staff, the project's helpers (who act for the enterprise) and its administrators."""
    if not user.is_authenticated or not user.is_active:
        return False
    return (
        is_bureau_staff(user)
        or perms.acts_for_enterprise(user, project)
        or perms.is_enterprise_administrator(user, project.enterprise_id)
    )


def remember_for_display(request, project: Project, code: str) -> None:
    """Keep a freshly made code for the next project page this person opens (shown once)."""
    waiting = dict(request.session.get(SESSION_KEY, {}))
    waiting[str(project.pk)] = code
    request.session[SESSION_KEY] = waiting


def _take_for_display(request, project: Project) -> str | None:
    waiting = dict(request.session.get(SESSION_KEY, {}))
    code = waiting.pop(str(project.pk), None)
    if code is not None:
        request.session[SESSION_KEY] = waiting
    return code


def render_panel(request, project: Project) -> str | None:
    user = request.user
    if not perms.can_view_project(user, project):
        return None
    may_reset = can_reset(user, project)
    if not may_reset and not perms.is_enterprise_user_of(user, project):
        return None  # officers: not theirs to hand out
    code = _take_for_display(request, project) if may_reset else None
    try:
        reset_url = reverse("project_enquiry_code_reset", args=[project.pk])
    except NoReverseMatch:  # the open-government urls are not installed
        reset_url = ""
    return render_to_string(
        "projects/_enquiry_panel.html",
        {
            "project": project,
            "code": formatted(code) if code else "",
            "has_code": bool(project.enquiry_code_hash),
            "may_reset": may_reset and bool(reset_url),
            "reset_url": reset_url,
        },
        request=request,
    )


PANEL = ProjectPanel(
    key="enquiry", title=gettext_lazy("Progress lookup code"), render=render_panel, order=90
)

EVENT_TYPES = [
    EventType(
        "project.enquiry_code_reset",
        gettext_lazy("issued a new enquiry code for the public progress lookup"),
    ),
]
