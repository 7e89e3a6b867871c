"""The public progress lookup (办件查询): a project's approvals, by its code and a secret the
enterprise holds (its unified social credit code, or the enquiry code it got on registration).

What it shows is public by nature: each approval's item, department, public state and dates.
Never comments, officers, events, materials or reasons.

A wrong pair must not tell that the code exists: the same queries run (the project by code,
then the approvals of the matching project or of none), both secrets are compared in constant
time whatever was typed, and the answer for a wrong pair is the answer for an unknown code.
Lookups are counted per client address in the cache (`LIMIT` per `WINDOW_SECONDS`); beyond,
the view answers 429 without looking anything up.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from projects import enquiry
from projects.models import Approval, Project

LIMIT = 10
WINDOW_SECONDS = 600
PROJECT_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,39}")
# GB 32100: 18 characters, digits and upper-case letters (the register leaves out I, O, Z, S
# and V, but some older codes carry them: accept any letter, compare exactly).
CREDIT_CODE = re.compile(r"[0-9A-Z]{18}")
_SPACES = re.compile(r"\s+")

S = Approval.Status


def public_state(status: str) -> str:
    """An approval's state as the public reads it."""
    return {
        S.PENDING: _("Not applied for yet"),
        S.RECEIVED: _("Received, being checked"),
        S.ACCEPTED: _("Accepted, under review"),
        S.SUPPLEMENT_REQUESTED: _("Waiting for the applicant's supplement"),
        S.APPROVED: _("Approved"),
        S.REJECTED: _("Not approved"),
        S.WITHDRAWN: _("Withdrawn by the applicant"),
    }.get(status, _("Unknown"))


@dataclass(frozen=True)
class Query:
    code: str
    credit_code: str = ""
    enquiry_code: str = ""


def clean(params) -> tuple[Query | None, dict[str, str]]:
    """The lookup's inputs, checked for form (never against the data): the query, or errors by
    field. A blank form is neither (None, {})."""
    code = _SPACES.sub("", params.get("code", "") or "").upper()
    credit = _SPACES.sub("", params.get("credit_code", "") or "").upper()
    typed_enquiry = params.get("enquiry_code", "") or ""
    errors: dict[str, str] = {}
    if not code and not credit and not typed_enquiry.strip():
        return None, {}
    if not code:
        errors["code"] = _("Enter the project code.")
    elif len(code) > 40 or not PROJECT_CODE.fullmatch(code):
        errors["code"] = _("A project code has letters, digits and dashes, as ZDXM-2026-001.")
    if credit and not CREDIT_CODE.fullmatch(credit):
        errors["credit_code"] = _(
            "A unified social credit code has 18 characters: digits and capital letters."
        )
    if typed_enquiry.strip() and not enquiry.is_well_formed(typed_enquiry):
        errors["enquiry_code"] = _(
            "An enquiry code has 10 characters (letters and digits), as ABCDE-FGH23."
        )
    if not credit and not typed_enquiry.strip():
        errors["credit_code"] = _(
            "Enter the enterprise's unified social credit code or the project's enquiry code."
        )
    if errors:
        return None, errors
    return Query(code, credit, enquiry.normalise(typed_enquiry) if typed_enquiry else ""), {}


@dataclass(frozen=True)
class Result:
    code: str
    name: str
    name_en: str
    approvals: list[dict[str, Any]]


def _same(stored: str, typed: str) -> bool:
    """Constant-time equality that is never true for an empty stored value."""
    match = hmac.compare_digest((stored or "\0").encode(), (typed or "").encode())
    return match and bool(stored)


def find(query: Query) -> Result | None:
    """The project's public progress, or None for an unknown code and for a wrong pair alike."""
    row = (
        Project.objects.filter(code__in={query.code, query.code.lower()})
        .values("pk", "code", "name", "name_en", "enquiry_code_hash", "enterprise__credit_code")
        .order_by("pk")
        .first()
    ) or {}
    project_id = row.get("pk")
    # Both checks run every time, on a row or on nothing, so the time says nothing either.
    by_credit = _same((row.get("enterprise__credit_code") or "").upper(), query.credit_code)
    by_enquiry = enquiry.matches(project_id, row.get("enquiry_code_hash", ""), query.enquiry_code)
    matched = project_id is not None and (
        (bool(query.credit_code) and by_credit) or (bool(query.enquiry_code) and by_enquiry)
    )
    approvals = list(
        Approval.objects.filter(project_id=project_id if matched else 0)
        .order_by("item__code", "pk")
        .values(
            "status",
            "received_at",
            "accepted_on",
            "due_date",
            "decided_on",
            "paused_since",
            "item__code",
            "item__name",
            "item__name_en",
            "department__name",
            "department__name_en",
            "promised_limit_days",
        )
    )
    if not matched:
        return None
    return Result(
        code=row["code"],
        name=row["name"],
        name_en=row["name_en"],
        approvals=[_public(a) for a in approvals],
    )


def _local_day(value) -> date | None:
    return timezone.localdate(value) if value is not None else None


def _public(row: dict[str, Any]) -> dict[str, Any]:
    paused = row["status"] == S.SUPPLEMENT_REQUESTED or bool(row["paused_since"])
    return {
        "item_code": row["item__code"],
        "item": row["item__name"],
        "item_en": row["item__name_en"],
        "department": row["department__name"],
        "department_en": row["department__name_en"],
        "status": row["status"],
        "state": public_state(row["status"]),
        "received_on": _local_day(row["received_at"]),
        "accepted_on": row["accepted_on"],
        # While the file waits on the applicant the due date moves: none is promised then.
        "due_date": None if paused else row["due_date"],
        "paused": paused,
        "decided_on": row["decided_on"],
        "promised_limit_days": row["promised_limit_days"],
    }


# --- the rate limit ----------------------------------------------------------------------------


def client_address(request) -> str:
    """The client's address; behind the proxies the sign-in lock counts (AXES_PROXY_COUNT),
    the one the nearest trusted proxy saw."""
    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", None) or 0
    if proxies:
        chain = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(chain) >= proxies:
            return chain[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _counter_key(address: str) -> str:
    return f"reports:open:lookups:{address}"


def lookup_allowed(address: str) -> bool:
    """Count one lookup from this address; False once it made more than LIMIT in the window
    (a fixed window that starts with its first lookup)."""
    key = _counter_key(address)
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, WINDOW_SECONDS)
        count = 1
    return count <= LIMIT
