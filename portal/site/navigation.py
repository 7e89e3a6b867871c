"""The main navigation, fitted to each kind of user.

An entry shows when the user has one of its roles (or it is for everyone) and its page
exists: later features add their entries here and they appear once their URL is routed.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from portal import roles as r


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str
    roles: frozenset[str] | None = None  # None: everyone, signed in or not
    machine_route: bool = False  # not language-prefixed (admin screens)


NAV_ENTRIES = [
    NavEntry(_("Home"), "wagtail_serve_root"),
    NavEntry(_("Policies"), "policy_index"),
    NavEntry(_("Approval guides"), "guide_index"),
    NavEntry(_("My projects"), "project_list", frozenset({r.STAFF, r.HELPER, r.ENTERPRISE})),
    NavEntry(_("Department queue"), "approval_queue", frozenset({r.OFFICER, r.STAFF})),
    NavEntry(
        _("Meetings"), "meeting_list", frozenset({r.STAFF, r.HELPER, r.OFFICER, r.ENTERPRISE})
    ),
    NavEntry(
        _("My action items"),
        "action_list",
        frozenset({r.STAFF, r.HELPER, r.OFFICER}),
    ),
    NavEntry(_("Statistics"), "statistics"),
    NavEntry(_("Back office"), "wagtailadmin_home", frozenset({r.STAFF, r.EDITOR}), True),
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
        url = _url(entry)
        if url is None:
            continue
        is_root = url.rstrip("/") in {"", "/en"}
        current = current_path == url if is_root else current_path.startswith(url)
        items.append({"label": entry.label, "url": url, "current": current})
    return items
