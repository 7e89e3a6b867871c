"""Every URL route and API operation of the site, classified: who may read or write it, how its
own and other object ids are built, which methods write. `test_every_route_is_classified` fails
on a route nobody classified and on an entry whose route is gone.

A probe's `rule` names a row of SECURITY.md's table; `OUTCOME[rule](role, obj)` says what that
role gets for the own or other object: "ok", "hidden" (404, like something that does not
exist), "refused" (visible, but the code says no: a message and a redirect on a page, 403/409
in the API) or "login" (anonymous: to the login page, 401 in the API).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Subtrees that are not ours to classify: Wagtail's and Django's own admin (their own
# permission systems and tests), Wagtail documents (served by Wagtail's document privacy).
SKIPPED_PREFIXES = ("admin/", "django-admin/", "documents/", "static/", "media/")

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

BUREAU = ("enterprise", "helper", "officer")  # the roles that can be "on" an object


def _public(role, obj):
    return "ok"


def _signed_in(role, obj):
    return "login" if role == "anonymous" else "ok"


def _anonymous_only(role, obj):
    """Sign-in pages: a signed-in person is sent on (a redirect, "refused" here)."""
    return "ok" if role == "anonymous" else "refused"


def _roles(*allowed, others="hidden"):
    def rule(role, obj):
        if role == "anonymous":
            return "login"
        return "ok" if role in allowed else others

    return rule


def _on_object(see: tuple, act: tuple | None = None):
    """Who sees the own object (`see`, plus staff for both), and of them who may act on it
    (`act`; None: everyone who sees it). Who sees but may not act is "refused"."""

    def rule(role, obj):
        if role == "anonymous":
            return "login"
        if role == "staff":
            return "ok"
        if obj == "other" or role not in see:
            return "hidden"
        return "ok" if act is None or role in act else "refused"

    return rule


def _own_only(role, obj):
    """Things of one's own (tokens): one's own yes, anyone else's like nothing."""
    if role == "anonymous":
        return "login"
    return "ok" if obj == "own" else "hidden"


def _decide_membership(role, obj):
    if role == "anonymous":
        return "login"
    if role == "staff" or (role == "enterprise" and obj == "own"):
        return "ok"
    return "hidden"


def _answer_invitation(role, obj):
    """Participants answer; staff see every meeting but, not invited, have nothing to answer."""
    if role == "staff":
        return "refused"
    return _on_object(BUREAU, act=("enterprise", "officer"))(role, obj)


def _schedule_about(role, obj):
    """Schedule a meeting about a project: staff and helpers, about projects they follow.
    Whoever may not schedule is refused (403) before anything in the request is looked up; a
    helper naming a project they do not see gets "unknown" (422), like one that does not exist."""
    if role == "anonymous":
        return "login"
    if role == "staff" or (role == "helper" and obj == "own"):
        return "ok"
    if role in ("enterprise", "officer", "editor"):
        return "refused"
    return "hidden"


def _schedule(role, obj):
    """Staff and helpers schedule; anyone else signed in is refused (403) before anything in
    the request is looked up."""
    if role == "anonymous":
        return "login"
    return "ok" if role in ("staff", "helper") else "refused"


def _capability(role, obj):
    """A secret address is the key: whoever holds it reads it, signed in or not."""
    return "ok"


def _case_sign(role, obj):
    """Signing for a dispatched case: the department's officers (and the assignee); whoever
    else sees the case, staff included, is refused."""
    if role == "officer" and obj == "own":
        return "ok"
    if role == "staff":
        return "refused"
    return _on_object(BUREAU, act=())(role, obj)


def _rating_follow_up(role, obj):
    """The follow-up call (回访): staff and the project's helpers record it; the department's
    officer reads the rating but is refused; the enterprise, off the bureau's list, is not
    shown it."""
    if role == "anonymous":
        return "login"
    if role == "staff" or (role == "helper" and obj == "own"):
        return "ok"
    if role == "officer" and obj == "own":
        return "refused"
    return "hidden"


def _rating_give_taken(role, obj):
    """Rating an approval that is not decided (and already rated): whoever sees it is refused;
    only the enterprise's users could ever rate it."""
    if role == "anonymous":
        return "login"
    if role == "staff" or (obj == "own" and role in BUREAU):
        return "refused"
    return "hidden"


OUTCOME: dict[str, Callable[[str, str], str]] = {
    "public": _public,
    "signed-in": _signed_in,
    "anonymous-only": _anonymous_only,
    "staff": _roles("staff"),
    "staff-or-officer": _roles("staff", "officer"),
    "staff-or-helper": _roles("staff", "helper"),
    "staff-or-enterprise-admin": _roles("staff", "enterprise"),
    "own": _own_only,
    "secret": _capability,
    "project:view": _on_object(BUREAU),
    "project:internal": _on_object(BUREAU, act=("helper", "officer")),
    "project:internal-file": _on_object(("helper", "officer")),
    "project:manage": _on_object(("helper",)),
    "approval:act": _on_object(BUREAU, act=("officer",)),
    "material:upload": _on_object(BUREAU, act=("enterprise", "helper")),
    "material:review": _on_object(BUREAU, act=("officer",)),
    "meeting:view": _on_object(BUREAU),
    "meeting:internal": _on_object(BUREAU, act=("helper", "officer")),
    "meeting:manage": _on_object(BUREAU, act=("helper",)),
    "meeting:answer": _answer_invitation,
    "meeting:schedule-about": _schedule_about,
    "meeting:schedule": _schedule,
    "action:close": _on_object(BUREAU, act=("helper", "officer")),
    "membership:decide": _decide_membership,
    "enterprise-user": _roles("enterprise", others="refused"),
    "staff-refused": _roles("staff", others="refused"),
    "board": _roles("staff", "helper"),
    "statistics": _roles("staff", "helper", "officer", others="refused"),
    "ratings-list": _roles("staff", "helper", "officer"),
    "case:view": _on_object(BUREAU),
    "case:internal": _on_object(("helper", "officer")),
    "case:open": _on_object(BUREAU, act=("enterprise",)),
    "case:open-supervision": _on_object(BUREAU, act=("helper",)),
    "case:sign": _case_sign,
    "rating:view": _on_object(BUREAU),
    "rating:follow-up": _rating_follow_up,
    "rating:give-taken": _rating_give_taken,
    "enquiry:reset": _on_object(BUREAU, act=("enterprise", "helper")),
}


@dataclass(frozen=True)
class Probe:
    """One request against a route, made by every role for each of `objects`."""

    method: str = "GET"
    rule: str = "signed-in"
    objects: tuple[str, ...] = ("own", "other")
    # The request body (form data for pages, JSON for the API) and query string.
    body: Callable[[Any, str, str], dict] | None = None
    query: Callable[[Any, str, str], dict] | None = None
    path: str | None = None  # for regex routes: the path to request
    label: str = ""
    # Statuses by outcome where the route differs from the usual ones.
    statuses: dict[str, tuple[int, ...]] = field(default_factory=dict)
    # An allowed write must change the database (so a refused one is refused for its rule,
    # not for a bad body). False where an allowed write changes nothing we snapshot.
    changes: bool = True
    bearer: bool = False  # the API operation takes a bearer token, not the session
    as_json: bool = False  # a page that takes a JSON body (the API always does)

    @property
    def writes(self) -> bool:
        return self.method in WRITES


def _get(rule="signed-in", objects=("-",), **kw) -> Probe:
    return Probe("GET", rule, objects, **kw)


def _post(rule, body=None, objects=("own", "other"), **kw) -> Probe:
    return Probe("POST", rule, objects, body=body, **kw)


def _transition(w, role, obj):
    return {f"a{w.approval[_side(obj)].pk}-action": "receive"}


def _side(obj):
    return "other" if obj == "other" else "own"


# Django URL patterns (as `get_resolver()` spells them, language prefix removed) -> probes.
# API routes are classified by operation in API below; here only what OpenAPI does not list.
ROUTES: dict[str, list[Probe]] = {
    "healthz": [_get("public")],
    "csp-report/": [
        _post(
            "public",
            body=lambda w, r, o: {"csp-report": {}},
            objects=("-",),
            changes=False,
            as_json=True,
            statuses={"ok": (204,)},
        )
    ],
    "sitemap.xml": [_get("public")],
    "api/v1/": [_get("public", statuses={"ok": (200, 404)})],
    "api/v1/openapi.json": [_get("public")],
    "api/v1/docs": [_get("public")],
    "files/<int:file_id>/": [
        _get("project:view", objects=("own", "other")),
        _get("project:internal-file", objects=("internal",), label="internal comment file"),
    ],
    "meetings/<int:meeting_id>.ics": [
        _get("meeting:view", objects=("own", "other"), statuses={"login": (401,)})
    ],
    "calendar/<str:secret>.ics": [_get("secret", objects=("own", "other"))],
    "accounts/login/": [
        _get("anonymous-only", statuses={"refused": (302,)}),
        _post(
            "anonymous-only",
            body=lambda w, r, o: {"username": "sec_helper2", "password": "wrong"},
            objects=("-",),
            statuses={"ok": (200,), "refused": (302,)},
            changes=False,
        ),
    ],
    # Signing out is for anyone: an anonymous one is simply sent home.
    "accounts/logout/": [_post("public", objects=("-",), changes=False)],
    "accounts/lockouts/": [
        _get("staff"),
        _post("staff", body=lambda w, r, o: {"attempt": "1"}, objects=("-",), changes=False),
    ],
    "accounts/tokens/<int:token_id>/revoke/": [_post("own")],
    "accounts/two-factor/": [_get("signed-in")],
    "accounts/two-factor/verify/": [_get("signed-in", statuses={"ok": (200, 302)})],
    "accounts/password/": [
        _get("signed-in"),
        _post(
            "signed-in",
            body=lambda w, r, o: {
                "old_password": "pw",
                "new_password1": "Probe-new-pw-2031",
                "new_password2": "Probe-new-pw-2031",
            },
            objects=("-",),
        ),
    ],
    "accounts/password/done/": [_get("signed-in")],
    "accounts/password/reset/": [_get("public")],
    "accounts/password/reset/sent/": [_get("public")],
    "accounts/reset/<uidb64>/<token>/": [_get("public")],
    "accounts/reset/done/": [_get("public")],
    "projects/": [_get()],
    "projects/new/": [
        _get("staff-or-helper"),
        _post(
            "staff-or-helper",
            body=lambda w, r, o: {
                "code": "SEC-NEW",
                "name": "新项目",
                "name_en": "New project",
                "enterprise": w.ent_a.pk,
                "stage": "signed",
                "lead_helper": w.helper.pk,
                "items": [w.spare.pk],
            },
            objects=("-",),
        ),
    ],
    "projects/<int:project_id>/": [_get("project:view", objects=("own", "other"))],
    "projects/<int:project_id>/edit/": [
        _get("project:manage", objects=("own", "other")),
        _post(
            "project:manage",
            body=lambda w, r, o: {"what": "items", "items": [w.spare.pk]},
            statuses={"refused": (404,)},
        ),
    ],
    "projects/<int:project_id>/approvals/<int:approval_id>/transition/": [
        # Refused: the project page again with what was typed and why (409), nothing changed.
        _post("approval:act", body=_transition, statuses={"refused": (409,)})
    ],
    "projects/<int:project_id>/materials/<int:material_id>/upload/": [
        _post("material:upload", body=lambda w, r, o: {"file": _pdf()})
    ],
    "projects/<int:project_id>/versions/<int:version_id>/review/": [
        _post("material:review", body=lambda w, r, o: {"verdict": "accepted", "note": ""})
    ],
    "projects/<int:project_id>/comments/": [
        _post("project:view", body=lambda w, r, o: {"body": "公开意见"}, label="public comment"),
        _post(
            "project:internal",
            body=lambda w, r, o: {"body": "内部意见", "internal": "on"},
            label="internal comment",
            statuses={"refused": (409,)},  # the page again, the text kept, the reason shown
        ),
    ],
    "queue/": [_get("staff-or-officer")],
    "accounts/": [_get()],
    "accounts/users/": [_get("staff")],
    "accounts/users/<int:user_id>/deactivate/": [
        _get("staff", objects=("own", "other")),
        _post("staff", body=lambda w, r, o: {"successor": w.helper.pk}, objects=("other",)),
    ],
    "accounts/requests/": [_get("staff-or-enterprise-admin")],
    "accounts/requests/<int:request_id>/": [
        _post("membership:decide", body=lambda w, r, o: {"decision": "confirm"})
    ],
    "accounts/memberships/": [_get("staff")],
    "accounts/memberships/administrators/": [
        _post(
            "staff",
            body=lambda w, r, o: {
                "enterprise": w.ent_a.pk,
                "user": w.ent.pk,
                "administrator": "0",
            },
            objects=("-",),
        )
    ],
    "meetings/": [_get()],
    "meetings/new/": [
        _get("staff-or-helper"),
        _post(
            "staff-or-helper",
            body=lambda w, r, o: {
                "title": "新会议",
                "kind": "joint_meeting",
                "start": w.meeting["own"].start.strftime("%Y-%m-%dT%H:%M"),
                "end": w.meeting["own"].end.strftime("%Y-%m-%dT%H:%M"),
                "place": "二楼",
            },
            objects=("-",),
        ),
    ],
    "meetings/<int:meeting_id>/": [
        _get("meeting:view", objects=("own", "other")),
        _post(
            "meeting:manage",
            body=lambda w, r, o: {"what": "cancel", "reason": "探测"},
            label="cancel",
        ),
        _post("meeting:answer", body=lambda w, r, o: {"what": "answer", "answer": "decline"}),
    ],
    "actions/": [_get()],
    "actions/<int:action_id>/close/": [
        _post("action:close", body=lambda w, r, o: {"note": "办结"})
    ],
    "calendar/new-address/": [_post("signed-in", objects=("-",))],
    # The public portal: Wagtail pages and the cms app.
    "policies/": [_get("public", statuses={"ok": (200, 404)})],
    "guide/": [_get("public")],
    "guide/<str:code>/": [_get("public", objects=("own",))],
    "search/": [_get("public")],
    "feeds/<slug:kind>/": [_get("public")],
    "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/": [
        _get("public", statuses={"ok": (404,)})
    ],
    "_util/login/": [_get("public")],
    # Service cases.
    "cases/": [_get()],
    "cases/track/": [
        _get("public"),
        _post(
            "public",
            body=lambda w, r, o: {"number": w.case["own"].number, "code": "WRONG-CODE"},
            objects=("-",),
            statuses={"ok": (404,)},
            changes=False,
            label="wrong code",
        ),
    ],
    "cases/requests/": [
        _get("enterprise-user"),
        _post(
            "enterprise-user",
            body=lambda w, r, o: {
                "kind": "complaint",
                "project": w.own.pk,
                "title": "页面投诉",
                "body": "探测",
            },
            objects=("own",),
        ),
    ],
    "cases/hotline/": [
        _get("staff-refused"),
        _post(
            "staff-refused",
            body=lambda w, r, o: {
                "kind": "hotline",
                "caller_name": "来电人",
                "caller_phone": "13800000000",
                "title": "热线来电",
                "body": "探测",
            },
            objects=("-",),
        ),
    ],
    "cases/new/<int:project_id>/": [
        _get("case:open-supervision", objects=("own", "other")),
        _post(
            "case:open-supervision",
            body=lambda w, r, o: {"title": "督办", "body": "限期办结"},
            statuses={"refused": (403,)},
        ),
    ],
    "cases/files/<int:attachment_id>/": [
        _get("case:view", objects=("own", "other")),
        _get("case:internal", objects=("internal",), label="internal note file"),
    ],
    "cases/<str:number>/": [_get("case:view", objects=("own", "other"))],
    "cases/<str:number>/act/": [
        _post("case:sign", body=lambda w, r, o: {"action": "sign"}, statuses={"refused": (409,)})
    ],
    "cases/<str:number>/reply/": [_post("case:view", body=lambda w, r, o: {"body": "探测回复"})],
    # The supervision board, ratings, notifications, statistics, open government.
    "supervision/": [_get("board")],
    "ratings/": [_get("ratings-list")],
    "ratings/approval/<int:approval_id>/": [_get("rating:view", objects=("own", "other"))],
    "ratings/case/<int:case_id>/": [_get("rating:view", objects=("own", "other"))],
    "ratings/<int:rating_id>/follow-up/": [
        _post(
            "rating:follow-up",
            body=lambda w, r, o: {"note": "已回访"},
            statuses={"refused": (409,)},
        )
    ],
    "notifications/": [_get()],
    "notifications/preferences/": [_get()],
    "notifications/read-all/": [_post("signed-in", objects=("-",))],
    "notifications/<int:notification_id>/read/": [_post("own")],
    "statistics/": [_get("statistics")],
    "open/": [_get("public")],
    "open/data.csv": [_get("public")],
    "open/data.json": [_get("public")],
    "open/lookup/": [_get("public")],
    "projects/<int:project_id>/enquiry-code/": [
        _post("enquiry:reset", statuses={"refused": (302,)})
    ],
    "projects/<int:project_id>/sections/<slug:part>/": [
        _get("project:view", objects=("own", "other"))
    ],
    "^((?:[\\w\\-]+/)*)$": [_get("public", path="/", statuses={"ok": (200, 404)})],
    # The same page tree, visitors' pages from the cache (cms/visitor_cache.py); Wagtail's own
    # pattern above then serves only its _util/ routes' neighbours.
    "^(?!_util/)((?:[\\w\\-]+/)*)$": [_get("public", path="/", statuses={"ok": (200, 404)})],
}

# Values for placeholders that are not object ids.
FIXED_VALUES = {
    "uidb64": "MQ",
    "token": "set-password",
    "code": "SEC-LAND",
    "kind": "all",
    "page_view_restriction_id": 999999,
    "page_id": 999999,
    "part": "cards",
}


def _pdf():
    from .world import pdf

    return pdf()


def _meeting_in(w, r, o):
    project = w.own if o == "own" else w.other
    start = w.meeting["own"].start
    return {
        "title": "API 会议",
        "kind": "joint_meeting",
        "start": start.isoformat(),
        "end": w.meeting["own"].end.isoformat(),
        "place": "二楼",
        "project_ids": [project.pk],
    }


def _conflict_check(w):
    """Who would clash at the time of the own meeting: its participants and departments."""
    meeting = w.meeting["own"]
    return {
        "start": meeting.start.isoformat(),
        "end": meeting.end.isoformat(),
        "participant_ids": [p.user_id for p in meeting.participants.all()],
        "department_ids": [d.pk for d in meeting.departments.all()],
    }


def _stream(template):
    return lambda w, r, o: {"stream": template.format(**w.ids(r, o))}


# OpenAPI operations: "METHOD /api/v1/path" -> probes.
API: dict[str, list[Probe]] = {
    "POST /api/v1/tokens": [
        Probe(
            "POST",
            "public",
            ("own",),
            body=lambda w, r, o: {"username": "sec_helper2", "password": "pw"},
            statuses={"ok": (201,)},
            label="right password",
        ),
        Probe(
            "POST",
            "public",
            ("other",),
            body=lambda w, r, o: {"username": "sec_helper2", "password": "wrong"},
            statuses={"ok": (401,)},
            changes=False,
            label="wrong password",
        ),
    ],
    "GET /api/v1/tokens": [_get()],
    "DELETE /api/v1/tokens/{token_id}": [Probe("DELETE", "own", statuses={"ok": (204,)})],
    "GET /api/v1/me": [_get()],
    "POST /api/v1/realtime/ticket": [
        Probe("POST", "signed-in", ("-",), bearer=True, statuses={"ok": (201,)}),
    ],
    "GET /api/v1/events": [
        _get("project:view", ("own", "other"), query=_stream("project:{project_id}")),
        _get(
            "project:internal-file",
            ("own", "other"),
            query=_stream("project:{project_id}:internal"),
            label="project internal",
        ),
        _get("meeting:view", ("own", "other"), query=_stream("meeting:{meeting_id}")),
        _get(
            "meeting:internal",
            ("own", "other"),
            query=_stream("meeting:{meeting_id}:internal"),
            label="meeting internal",
            statuses={"refused": (404,)},
        ),
        _get("own", ("own", "other"), query=_stream("user:{user_id}"), label="user stream"),
    ],
    "GET /api/v1/projects": [_get()],
    "GET /api/v1/projects/{project_id}": [_get("project:view", ("own", "other"))],
    "POST /api/v1/approvals/{approval_id}/transitions": [
        Probe("POST", "approval:act", body=lambda w, r, o: {"action": "receive"})
    ],
    "GET /api/v1/meetings": [_get()],
    "POST /api/v1/meetings": [
        Probe(
            "POST",
            "meeting:schedule-about",
            body=_meeting_in,
            statuses={"ok": (201,), "hidden": (422,), "refused": (403,)},
        )
    ],
    "POST /api/v1/meetings/conflicts": [
        Probe(
            "POST",
            "meeting:schedule",
            ("-",),
            body=lambda w, r, o: _conflict_check(w),
            statuses={"ok": (200,)},
            changes=False,
            label="new meeting",
        ),
        Probe(
            "POST",
            "meeting:manage",
            body=lambda w, r, o: {**_conflict_check(w), "meeting_id": w.ids(r, o)["meeting_id"]},
            statuses={"ok": (200,)},
            changes=False,
            label="changed meeting",
        ),
    ],
    "GET /api/v1/meetings/{meeting_id}": [_get("meeting:view", ("own", "other"))],
    "PATCH /api/v1/meetings/{meeting_id}": [
        Probe("PATCH", "meeting:manage", body=lambda w, r, o: {"title": "改名"})
    ],
    "POST /api/v1/meetings/{meeting_id}/cancel": [
        Probe("POST", "meeting:manage", body=lambda w, r, o: {"reason": "探测"})
    ],
    "GET /api/v1/action-items": [_get()],
    "GET /api/v1/cases": [_get()],
    "GET /api/v1/cases/{case_id}": [_get("case:view", ("own", "other"))],
    "POST /api/v1/cases": [
        Probe(
            "POST",
            "case:open",
            body=lambda w, r, o: {
                "kind": "complaint",
                "title": "API 投诉",
                "body": "探测",
                "project": (w.own if o == "own" else w.other).pk,
            },
            statuses={"ok": (201,)},
        )
    ],
    "POST /api/v1/cases/{case_id}/transitions": [
        Probe("POST", "case:sign", body=lambda w, r, o: {"action": "sign"})
    ],
    "POST /api/v1/cases/{case_id}/replies": [
        Probe(
            "POST", "case:view", body=lambda w, r, o: {"body": "API 回复"}, statuses={"ok": (201,)}
        )
    ],
    "GET /api/v1/ratings": [_get()],
    "POST /api/v1/ratings": [
        Probe(
            "POST",
            "rating:give-taken",
            body=lambda w, r, o: {"approval": w.approval[_side(o)].pk, "score": 5},
        )
    ],
}

# The usual status of each outcome, by surface and by read/write.
PAGE_READ = {"ok": (200,), "hidden": (404,), "refused": (403, 404), "login": (302,)}
PAGE_WRITE = {"ok": (302,), "hidden": (404,), "refused": (302, 403), "login": (302,)}
API_READ = {"ok": (200,), "hidden": (404,), "refused": (403,), "login": (401,)}
API_WRITE = {"ok": (200, 201, 204), "hidden": (404,), "refused": (403, 409), "login": (401,)}


def expected_statuses(probe: Probe, outcome: str, api: bool) -> tuple[int, ...]:
    if outcome in probe.statuses:
        return probe.statuses[outcome]
    table = (
        (API_WRITE if probe.writes else API_READ)
        if api
        else (PAGE_WRITE if probe.writes else PAGE_READ)
    )
    return table[outcome]


# --- what the site has ------------------------------------------------------------------------

_I18N_PREFIX = re.compile(r"^(?:[a-z]{2}(?:-[a-z]+)?/)")


def site_routes() -> set[str]:
    """Every URL pattern of the site, include()s walked, i18n prefix dropped, skipped subtrees
    left out."""
    from django.urls import URLResolver, get_resolver
    from django.urls.resolvers import LocalePrefixPattern

    found: set[str] = set()

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                own = (
                    "" if isinstance(pattern.pattern, LocalePrefixPattern) else str(pattern.pattern)
                )
                if (prefix + own).startswith(SKIPPED_PREFIXES):
                    continue
                walk(pattern.url_patterns, prefix + own)
            else:
                route = prefix + str(pattern.pattern)
                if not route.startswith(SKIPPED_PREFIXES):
                    found.add(route)

    walk(get_resolver().url_patterns, "")
    return found


def api_operations() -> set[str]:
    from portal.site.api import api

    schema = api.get_openapi_schema()
    return {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
        if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE"}
    }


def api_route_of(operation: str) -> str:
    """`GET /api/v1/projects/{project_id}` -> the URL pattern `api/v1/projects/<project_id>`."""
    path = operation.split(" ", 1)[1].lstrip("/")
    return re.sub(r"\{(\w+)\}", r"<\1>", path)


_PLACEHOLDER = re.compile(r"<(?:\w+:)?(\w+)>")


def fill(route: str, values: dict) -> str:
    return "/" + _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), route)
