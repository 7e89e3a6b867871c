"""The main navigation, fitted to each kind of user.

An entry shows when the user has one of its roles (or it is for everyone) and its page
exists: later features add their entries here and they appear once their URL is routed.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from portal import roles as r
from reports.permissions import may_view_statistics
from supervision.board import may_see_board


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str
    roles: frozenset[str] | None = None  # None: everyone, signed in or not
    machine_route: bool = False  # not language-prefixed (admin screens)
    # A rule of portal.roles instead of a list of roles, where the views check that rule.
    allowed: Callable[[object], bool] | None = None


NAV_ENTRIES = [
    NavEntry(_("Home"), "wagtail_serve_root"),
    NavEntry(_("Policies"), "policy_index"),
    NavEntry(_("Approval guides"), "guide_index"),
    NavEntry(_("My projects"), "project_list", frozenset({r.STAFF, r.HELPER, r.ENTERPRISE})),
    NavEntry(_("Department queue"), "approval_queue", allowed=r.may_use_queue),
    NavEntry(
        _("Meetings"), "meeting_list", frozenset({r.STAFF, r.HELPER, r.OFFICER, r.ENTERPRISE})
    ),
    NavEntry(
        _("My action items"),
        "action_list",
        frozenset({r.STAFF, r.HELPER, r.OFFICER}),
    ),
    NavEntry(_("Service cases"), "case_list", frozenset({r.STAFF, r.HELPER, r.OFFICER})),
    NavEntry(_("My requests"), "case_requests", frozenset({r.ENTERPRISE})),
    NavEntry(_("Supervision"), "supervision_board", allowed=may_see_board),
    NavEntry(_("Statistics"), "statistics", allowed=may_view_statistics),
    # The public figures and the progress lookup: for visitors and enterprises (the bureau's
    # side has the statistics).
    NavEntry(
        _("Open government"),
        "open_index",
        allowed=lambda user: not user.is_authenticated or r.roles_of(user) <= {r.ENTERPRISE},
    ),
    NavEntry(
        _("Back office"), "wagtailadmin_home", machine_route=True, allowed=r.may_open_back_office
    ),
    NavEntry(
        _("My account"),
        "account",
        frozenset({r.STAFF, r.EDITOR, r.HELPER, r.OFFICER, r.ENTERPRISE}),
    ),
]


def _url(entry: NavEntry) -> str | None:
    try:
        if entry.url_name == "wagtail_serve_root":
            return reverse("wagtail_serve", args=[""])
        return reverse(entry.url_name)
    except NoReverseMatch:
        return None


def navigation_for(user, current_path: str) -> list[dict]:
    user_roles = r.roles_of(user)
    items = []
    for entry in NAV_ENTRIES:
        if entry.roles is not None and not (entry.roles & user_roles):
            continue
        if entry.allowed is not None and not entry.allowed(user):
            continue
        url = _url(entry)
        if url is None:
            continue
        is_root = url.rstrip("/") in {"", "/en"}
        current = current_path == url if is_root else current_path.startswith(url)
        items.append({"label": entry.label, "url": url, "current": current})
    return items


def landing_for(user) -> str:
    """Where a person's work is: the queue for officers, the projects for helpers, staff and
    enterprise users, the back office for editors; the home page for anyone else."""
    if r.has_role(user, r.OFFICER) and not r.has_role(user, r.STAFF, r.HELPER):
        return reverse("approval_queue")
    if r.has_role(user, r.STAFF, r.HELPER, r.ENTERPRISE):
        return reverse("project_list")
    if r.may_open_back_office(user):
        return reverse("wagtailadmin_home")
    return reverse("wagtail_serve", args=[""])
