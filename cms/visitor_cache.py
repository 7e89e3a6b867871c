"""The public pages as a visitor without an account sees them, kept whole in the cache.

The home page, the policy pages and library, news, interpretations and the approval guides
are the same for every visitor without a session in a language on a day; they are rendered
once and read from the cache (shared by every process when Redis is there) until something
they show changes: publishing, unpublishing, moving or deleting a page, setting or lifting a
page's privacy, editing an issuing authority or the approval catalogue purge every cached
page at once (a generation number the entries carry), and an entry lives at most
`VISITOR_PAGE_SECONDS` anyway (the home page's links to the figures, a release's new
templates).

Never cached: a signed-in person's page (or anyone's with a session or pending messages), a
request with a query string (filters, paging: made-up strings cannot fill the cache) except
where the view names the parameters it reads and their sane values (the search: a visitor's
common question, "审批", is answered from the cache; anything else in its query string is
answered afresh; and at most QUERY_ENTRIES_PER_STRETCH such answers are kept per ten minutes,
so new questions asked without end cannot grow the cache), any answer but a plain 200, and a
page that set a cookie or asked for a CSRF token (a form).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils import timezone, translation
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

GENERATION_KEY = "cms:visitor-pages:generation"
VISITOR_PAGE_SECONDS = 600
# Pages kept for query strings (searches) per stretch of VISITOR_PAGE_SECONDS: ~13 KB each.
QUERY_ENTRIES_PER_STRETCH = 1000


def _release() -> str:
    """The static files' manifest hash: a cached page never links to a stylesheet or script
    of an earlier release that is gone."""
    return getattr(staticfiles_storage, "manifest_hash", "") or "-"


QueryKey = Callable[[object], "str | None"]


def visitor_key(request, query: QueryKey | None = None) -> str | None:
    """The cache key of this request's page if it is a visitor's plain page, else None.

    `query`, for a view that reads a query string: the request's parameters written in one
    canonical form, or None when they are not all known and sane (then the page is not kept)."""
    if request.method not in ("GET", "HEAD"):
        return None
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
        return None
    asked = ""
    if request.META.get("QUERY_STRING"):
        asked = query(request) if query is not None else None
        if asked is None:
            return None
        # Hashed: a query string can be long and hold any character; a key must not.
        asked = "?" + hashlib.sha256(asked.encode()).hexdigest()[:32]
    return (
        f"cms:visitor-page:{_release()}:{translation.get_language()}:"
        f"{timezone.localdate():%Y-%m-%d}:{request.path}{asked}"
    )


def _cacheable(request, response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and "private" not in response.get("Cache-Control", "")
    )


def cached_for_visitors(view, *, query: QueryKey | None = None):
    """A view whose plain answer to a visitor is kept whole (see the module's docstring);
    `query` as in visitor_key."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        key = visitor_key(request, query)
        if key is None:
            return view(request, *args, **kwargs)
        generation, entry = _current(key)
        if entry is not None:
            return HttpResponse(entry[2], content_type=entry[1])
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()  # a TemplateResponse (Wagtail's serve): render it now
        asked = bool(request.META.get("QUERY_STRING"))
        if _cacheable(request, response) and (not asked or _within_budget()):
            entry = (generation, response["Content-Type"], response.content)
            cache.set(key, entry, VISITOR_PAGE_SECONDS)
        return response

    return wrapper


def budget_key() -> str:
    """The counter of query-string answers kept in this stretch of VISITOR_PAGE_SECONDS."""
    return f"cms:visitor-queries:{int(time.time() // VISITOR_PAGE_SECONDS)}"


def _within_budget() -> bool:
    """Whether one more answer to a query string may be kept in this stretch of
    VISITOR_PAGE_SECONDS: at most QUERY_ENTRIES_PER_STRETCH (a robot asking a new question
    every moment cannot grow the cache, which Redis shares with the channel layer, beyond
    about that many pages per stretch; the common questions are kept long before)."""
    counter = budget_key()
    cache.add(counter, 0, 2 * VISITOR_PAGE_SECONDS)
    try:
        return cache.incr(counter) <= QUERY_ENTRIES_PER_STRETCH
    except ValueError:  # evicted between the two: count afresh
        return False


def kept_while_unchanged(key: str, compute: Callable[[], object]) -> object:
    """`compute()`, kept in the cache until the next purge (or VISITOR_PAGE_SECONDS): for
    small derived facts of the published pages and the catalogue that every visitor's page
    would otherwise read afresh (the search's list of years)."""
    generation, entry = _current(f"cms:kept:{key}")
    if entry is not None:
        return entry[1]
    value = compute()
    cache.set(f"cms:kept:{key}", (generation, value), VISITOR_PAGE_SECONDS)
    return value


def _current(key: str) -> tuple[int, tuple | None]:
    """The generation now, and the entry kept under `key` if it is of that generation (its
    first item), in one read of the cache."""
    found = cache.get_many([GENERATION_KEY, key])
    generation, entry = found.get(GENERATION_KEY), found.get(key)
    if generation is None:  # never set, or evicted: every entry is of unknown age
        return _new_generation(), None
    return generation, entry if entry is not None and entry[0] == generation else None


def _new_generation() -> int:
    """A generation no entry has: the time in microseconds (kept if another process set one
    first)."""
    cache.add(GENERATION_KEY, time.time_ns() // 1000, None)
    return cache.get(GENERATION_KEY, 0)


def forget_visitor_pages(**kwargs) -> None:
    """Every cached visitor page is stale from now on (their generation is behind)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set (or evicted): a new one, which no entry has
        _new_generation()


def visitor_pages_changed(**kwargs) -> None:
    """Something a visitor's page shows changed: purge at once, and again when the change
    commits (a page rendered by another process between the two, from the data before the
    commit, is not kept)."""
    forget_visitor_pages()
    transaction.on_commit(forget_visitor_pages)


def _page_deleted(sender, instance, **kwargs) -> None:
    if isinstance(instance, Page):
        visitor_pages_changed()


def connect() -> None:
    """Purge on every change a visitor's page can show (cms.apps.CmsConfig.ready)."""
    from projects.models import ApprovalItem, Department, ItemMaterial

    from .models import IssuingAuthority

    uid = "cms-visitor-pages"
    page_published.connect(visitor_pages_changed, dispatch_uid=f"{uid}-published")
    page_unpublished.connect(visitor_pages_changed, dispatch_uid=f"{uid}-unpublished")
    post_page_move.connect(visitor_pages_changed, dispatch_uid=f"{uid}-moved")
    post_delete.connect(_page_deleted, dispatch_uid=f"{uid}-deleted")
    # A page made private (password, signed-in people, groups) leaves the cache at once.
    for model in (IssuingAuthority, ApprovalItem, ItemMaterial, Department, PageViewRestriction):
        post_save.connect(visitor_pages_changed, sender=model, dispatch_uid=f"{uid}-{model}-s")
        post_delete.connect(visitor_pages_changed, sender=model, dispatch_uid=f"{uid}-{model}-d")
    m2m_changed.connect(
        visitor_pages_changed,
        sender=ApprovalItem.prerequisites.through,
        dispatch_uid=f"{uid}-prerequisites",
    )
