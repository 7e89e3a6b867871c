"""The public views that are not Wagtail pages: approval guides, search and the sitemap."""

from __future__ import annotations

from itertools import groupby
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.sitemaps import Sitemap as DjangoSitemap
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.sitemaps import Sitemap as WagtailSitemap
from wagtail.contrib.sitemaps.views import sitemap as wagtail_sitemap
from wagtail.models import Locale, Page

from .forms import GuideFilterForm, SearchForm
from .guides import active_items, guide_item, policies_for_item, search_guides
from .models import InterpretationPage, NewsPage, PolicyPage, paginate
from .search import excerpt, highlight, query_terms
from .visitor_cache import kept_while_unchanged

# --- approval guides -------------------------------------------------------------------------


def guide_index(request):
    """Every item of the catalogue by department, with a filter."""
    form = GuideFilterForm(request.GET or None)
    items = list(
        form.filter(active_items()).order_by("department__level", "department__name", "code")
    )
    catalogue = active_items()
    total = catalogue.count()
    online = catalogue.filter(fully_online=True).count()
    departments = [
        (department, list(rows)) for department, rows in groupby(items, key=lambda i: i.department)
    ]
    return render(
        request,
        "cms/guide_index.html",
        {
            "form": form,
            "departments": departments,
            "shown": len(items),
            "total": total,
            "online": online,
            "online_percent": round(100 * online / total) if total else 0,
            "filtered": bool(form.values()),
        },
    )


def guide_detail(request, code: str):
    """The one-time notification of an item: what to bring, how long, who decides, on what basis."""
    item = guide_item(code)
    if item is None:
        raise Http404(_("No approval item with this code in the catalogue."))
    materials = list(item.materials.all())
    return render(
        request,
        "cms/guide_detail.html",
        {
            "item": item,
            "key_materials": [m for m in materials if m.key],
            "other_materials": [m for m in materials if not m.key],
            "prerequisites": list(
                item.prerequisites.filter(is_active=True).select_related("department")
            ),
            "required_by": list(item.required_by.filter(is_active=True)),
            "policies": policies_for_item(item, Locale.get_active()),
        },
    )


# --- search ----------------------------------------------------------------------------------

SEARCH_TYPES = {"policy": PolicyPage, "interpretation": InterpretationPage, "news": NewsPage}
TYPE_LABELS = dict(SearchForm.TYPES)
DATE_FIELDS = {PolicyPage: "published_on", InterpretationPage: "published_on", NewsPage: "date"}


def _years(locale: Locale) -> list[int]:
    """The years with a published page (the search's year filter): three queries, kept until
    the next publish (cms.visitor_cache)."""

    def compute() -> list[int]:
        years: set[int] = set()
        for model, field in DATE_FIELDS.items():
            dates = model.objects.live().filter(locale=locale).order_by().dates(field, "year")
            years |= {d.year for d in dates}
        return sorted(years, reverse=True)

    return kept_while_unchanged(f"search-years:{locale.pk}", compute)


def _ids_in_year(year: int, locale: Locale) -> list[int]:
    ids: list[int] = []
    for model, field in DATE_FIELDS.items():
        rows = model.objects.live().filter(locale=locale, **{f"{field}__year": year})
        ids += rows.values_list("pk", flat=True)
    return ids


def _page_hit(page, terms) -> dict:
    kind = next(key for key, model in SEARCH_TYPES.items() if isinstance(page, model))
    texts = [page.summary, *page.body.stream_block.get_searchable_content(page.body)]
    return {
        "page": page,
        "kind": kind,
        "kind_label": TYPE_LABELS[kind],
        "title": highlight(page.title, terms),
        "excerpt": excerpt(" ".join(t for t in texts if t), terms),
        "date": getattr(page, DATE_FIELDS[type(page)]),
    }


SEARCH_CACHE_MAX_QUERY = 40  # longer questions are rarely asked twice: answered afresh
_SEARCH_TYPES = {"", *(key for key, _label in SearchForm.TYPES)}


def search_cache_query(request) -> str | None:
    """The search's parameters in one canonical form when a visitor's answer may be kept in
    the cache (cms.visitor_cache): only `q` (1-40 characters), `type` (a known tab), `year`
    (four digits) and `page` (1-999), each at most once; anything else is answered afresh and
    never kept, and new questions asked without end are bounded by the cache's budget
    (cms.visitor_cache.QUERY_ENTRIES_PER_STRETCH)."""
    params = request.GET
    if not params.keys() <= {"q", "type", "year", "page"}:
        return None
    if any(len(params.getlist(name)) > 1 for name in params):
        return None
    q, kind = params.get("q", ""), params.get("type", "")
    year, page = params.get("year", ""), params.get("page", "")
    if not 0 < len(q.strip()) <= SEARCH_CACHE_MAX_QUERY or kind not in _SEARCH_TYPES:
        return None
    if year and not (len(year) == 4 and year.isascii() and year.isdigit()):
        return None
    if page and not (page.isascii() and page.isdigit() and 1 <= int(page) <= 999):
        return None
    return urlencode({"q": q, "type": kind, "year": year, "page": page})


def search(request):
    """Policies, interpretations, news (Wagtail's index) and guides (the catalogue) at once.

    A visitor's plain search is answered from the cache when asked again (portal/site/urls.py
    wraps it with cms.visitor_cache, keyed by search_cache_query)."""
    locale = Locale.get_active()
    form = SearchForm(request.GET or None, years=_years(locale))
    values = form.values()
    query = values.get("q", "").strip()
    kind = values.get("type", "")
    year = values.get("year")
    terms = query_terms(query)
    context = {
        "form": form,
        "query": query,
        "kind": kind,
        "year": year,
        "searched": bool(query),
        "hits": None,  # the pages found, or
        "guides": None,  # the guides found, on the guides tab
    }
    if terms:
        pages = Page.objects.live().public().filter(locale=locale).type(*SEARCH_TYPES.values())
        if year:
            pages = pages.filter(id__in=_ids_in_year(year, locale))
        # The tabs' counts, from one facet query over the page types.
        facet = pages.search(query, operator="and", order_by_relevance=False).facet(
            "content_type_id"
        )
        type_ids = ContentType.objects.get_for_models(*SEARCH_TYPES.values())
        counts = {key: facet.get(type_ids[model].pk, 0) for key, model in SEARCH_TYPES.items()}
        guides = search_guides(query, english=translation.get_language() == "en")
        counts["guide"] = 0 if year else len(guides)
        context["counts"] = counts
        context["total"] = sum(counts.values())
        context["tabs"] = [
            {"key": "", "label": _("All"), "count": context["total"]},
            *(
                {"key": key, "label": label, "count": counts[key]}
                for key, label in SearchForm.TYPES
            ),
        ]
        context["tab_query"] = form.query_string(type="", page="")
        if kind == "guide":
            context["guides"] = paginate(request, [] if year else guides)
        else:
            typed = pages.type(SEARCH_TYPES[kind]) if kind else pages
            found = typed.specific().search(query, operator="and")
            # The facet above counted the same pages: the paginator needs no count query of
            # its own (modelsearch keeps a count it was given in `_count_cache`).
            found._count_cache = counts[kind] if kind else sum(facet.values())
            results = paginate(request, found)
            context["results"] = results
            context["hits"] = [_page_hit(page, terms) for page in results]
            if not kind and not year and results.number == 1:
                context["top_guides"] = guides[:3]
        context["page_query"] = form.query_string()
    return render(request, "cms/search.html", context)


# --- sitemap ---------------------------------------------------------------------------------


class PagesSitemap(WagtailSitemap):
    """Wagtail's sitemap over the site's pages in every language, not only the default one, on
    the portal's public address (PORTAL_BASE_URL), whatever host the request came through."""

    def _urls(self, page, protocol, domain):
        urls = super()._urls(page, protocol, domain)
        root = self.get_wagtail_site().root_url.rstrip("/")
        public = settings.PORTAL_BASE_URL.rstrip("/")
        for url in urls:
            if url["location"].startswith(root + "/"):
                url["location"] = public + url["location"][len(root) :]
        return urls

    def items(self):
        root = self.get_wagtail_site().root_page
        roots = root.get_translations(inclusive=True)
        paths = Page.objects.none()
        for translated_root in roots:
            paths |= Page.objects.filter(path__startswith=translated_root.path)
        return paths.live().public().order_by("path").defer_streamfields().specific()


class GuideSitemap(DjangoSitemap):
    """Each guide in each language, on the portal's public address like the pages."""

    i18n = True
    alternates = True
    changefreq = "weekly"

    def __init__(self, request):
        self.request = request
        self.root_url = settings.PORTAL_BASE_URL.rstrip("/")

    def items(self):
        return ["index", *active_items().order_by("code").values_list("code", flat=True)]

    def location(self, code):
        if code == "index":
            return reverse("guide_index")
        return reverse("guide_detail", args=[code])

    def get_domain(self, site=None):
        return self.root_url.split("://", 1)[1]

    def get_protocol(self, protocol=None):
        return self.root_url.split("://", 1)[0]


def sitemap(request):
    return wagtail_sitemap(
        request, sitemaps={"pages": PagesSitemap(request), "guides": GuideSitemap(request)}
    )
