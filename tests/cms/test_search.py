"""Search in Chinese and English over policies, interpretations, news and guides.

Runs on the configured database: SQLite FTS5 by default, PostgreSQL with DATABASE_URL. Wagtail
updates the index through tasks; these tests run them inline (`immediate_tasks`).
"""

from datetime import date

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from wagtail.models import Locale, Page
from wagtail.search.backends import get_search_backend

from cms import search_backend
from cms.models import InterpretationPage, NewsPage, PolicyPage
from cms.search import query_terms, segment_for_index
from tests.projects import factories as f

from . import builders as b

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_tasks")]

PUBLIC_TYPES = (PolicyPage, InterpretationPage, NewsPage)


def found(query: str, language: str = "zh-hans") -> set[str]:
    locale = Locale.objects.get(language_code=language)
    pages = Page.objects.live().filter(locale=locale).type(*PUBLIC_TYPES)
    return {page.title for page in pages.search(query, operator="and")}


def soup(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


# --- the words ---------------------------------------------------------------------------------


def test_chinese_text_is_indexed_as_words_and_character_pairs():
    words = segment_for_index("推行一网通办，深化审批制度改革").split()
    assert {"一网通办", "审批", "制度", "改革"} <= set(words)
    assert "通办" in words  # a pair jieba's words alone would not give
    assert segment_for_index("Approval reform") == "Approval reform"


def test_a_query_is_cut_the_same_way():
    assert [t.text for t in query_terms("审批")] == ["审批"]
    assert [t.text for t in query_terms("审批制度改革")] == ["审批", "制度", "改革"]
    assert [t.text for t in query_terms("营商环境的措施")] == ["营商环境", "措施"]  # 的 dropped
    assert query_terms("营商环境")[0].pairs == ["营商", "商环", "环境"]
    assert [(t.text, t.latin) for t in query_terms("Approvals for 5G")] == [
        ("approval", True),
        ("5g", True),
    ]
    assert query_terms("\"'<script>") == [query_terms("script")[0]]
    assert query_terms("，。！") == []


# --- the obstacle, measured ---------------------------------------------------------------------


def test_wagtails_own_backend_finds_no_chinese_word_and_ours_finds_every_page(settings, policies):
    titles = ["深化行政审批制度改革的实施意见", "并联审批和限时办结规定", "区行政审批局工作规则"]
    plain = {"default": {"BACKEND": "wagtail.search.backends.database"}}
    settings.WAGTAILSEARCH_BACKENDS = plain
    for title in titles:
        b.policy(policies, title)
    assert found("审批") == set()  # Wagtail 8 as it comes: one token per sentence
    settings.WAGTAILSEARCH_BACKENDS = {
        "default": {"BACKEND": "cms.search_backend", "SEARCH_CONFIG": "simple"}
    }
    from django.core.management import call_command

    call_command("update_index", verbosity=0)
    assert found("审批") == set(titles)


def test_the_backend_is_the_one_for_the_database_in_use():
    backend = get_search_backend()
    expected = {"sqlite": "SQLiteSearchBackend", "postgresql": "PostgresSearchBackend"}
    assert type(backend).__mro__[1].__name__ == expected[connection.vendor]


# --- how the backend plugs into modelsearch -----------------------------------------------------


def upstream_classes():
    """modelsearch's backend, index and query compilers for the database in use."""
    if connection.vendor == "postgresql":
        from modelsearch.backends.database.postgres import postgres

        return (
            postgres.PostgresSearchBackend,
            postgres.PostgresIndex,
            postgres.PostgresSearchQueryCompiler,
            postgres.PostgresAutocompleteQueryCompiler,
        )
    from modelsearch.backends.database.sqlite import sqlite

    return (
        sqlite.SQLiteSearchBackend,
        sqlite.SQLiteIndex,
        sqlite.SQLiteSearchQueryCompiler,
        sqlite.SQLiteAutocompleteQueryCompiler,
    )


def overridden_names(ours: type, upstream: type) -> set[str]:
    """What cms.search_backend's classes (mixins included) define on top of `upstream`."""
    mro = ours.__mro__
    return {
        name
        for cls in mro[: mro.index(upstream)]
        if cls.__module__ == search_backend.__name__
        for name in vars(cls)
        if not name.startswith("__") or name == "__init__"
    }


def test_the_backend_extends_modelsearch_through_its_class_hooks_only():
    backend_class, index_class, compiler_class, autocomplete_class = upstream_classes()
    backend = get_search_backend()
    ours = type(backend)
    assert ours.__module__ == search_backend.__name__
    assert ours.__mro__[1] is backend_class
    plugged = {
        "index_class": index_class,
        "query_compiler_class": compiler_class,
        "autocomplete_query_compiler_class": autocomplete_class,
    }
    for attribute, upstream in plugged.items():
        assert attribute in vars(backend_class), f"{backend_class.__name__} lost {attribute}"
        subclass = getattr(ours, attribute)
        assert subclass.__module__ == search_backend.__name__, attribute
        assert issubclass(subclass, upstream), attribute
    assert isinstance(backend.get_index_for_model(PolicyPage), search_backend.SegmentingIndexMixin)
    # Each method overridden here must still exist upstream, or the override is dead code (for
    # the index, text indexed unsegmented; for the compilers, queries not cut into words).
    for ours_class, upstream in [
        (ours, backend_class),
        *((getattr(ours, a), u) for a, u in plugged.items()),
    ]:
        for name in overridden_names(ours_class, upstream):
            assert hasattr(upstream, name), (
                f"modelsearch's {upstream.__qualname__} has no {name!r} any more: "
                "cms.search_backend overrides it, so the search backend needs updating"
            )


def test_indexing_relies_on_the_public_contract_of_indexed_models():
    # What SegmentingIndexMixin hands upstream's indexer in place of each object.
    from modelsearch.index import AutocompleteField, Indexed, RelatedFields, SearchField

    assert callable(getattr(Indexed, "get_search_fields", None)), "Indexed.get_search_fields"
    for field_class in (SearchField, AutocompleteField, RelatedFields):
        assert callable(getattr(field_class, "get_value", None)), f"{field_class}.get_value"
    assert RelatedFields("topics", [SearchField("name")]).fields[0].field_name == "name"


def indexed_words(page, column: str) -> set[str]:
    """The words the index holds for a page in one column (title, autocomplete, body)."""
    from django.contrib.contenttypes.models import ContentType
    from modelsearch.conf import get_app_config

    index_entry = get_app_config().get_model("IndexEntry")  # wagtail.search's, here
    entry = index_entry.objects.get(
        content_type=ContentType.objects.get_for_model(type(page)), object_id=str(page.pk)
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT tsvector_to_array({column}) FROM {index_entry._meta.db_table} "  # noqa: S608
                "WHERE id = %s",
                [entry.pk],
            )
            return set(cursor.fetchone()[0])
    return set(getattr(entry, column).split())


def test_indexing_a_page_stores_its_chinese_as_words_and_pairs(policies):
    page = b.policy(
        policies,
        "并联审批和限时办结规定",
        summary="推行一网通办。",
        body="审批时限按工作日计算。",
        issuing_authority=b.authority("区行政审批局", "Administrative Approval Bureau"),
    )
    title = indexed_words(page, "title")
    assert set(segment_for_index(page.title).split()) <= title
    assert {"并联审批", "审批", "限时办结", "办结"} <= title
    assert "并联审批和限时办结规定" not in title  # not one token for the whole sentence
    assert {"审批", "限时"} <= indexed_words(page, "autocomplete")
    body = indexed_words(page, "body")
    assert {"一网通办", "通办", "工作日", "计算"} <= body  # the summary and the body block
    assert {"行政", "批局"} <= body  # through RelatedFields("issuing_authority", ...)


def test_indexing_fails_loudly_if_upstream_stops_asking_objects_for_their_fields(policies):
    from modelsearch.backends.base import BaseIndex

    class IndexerReadingFieldsElsewhere(BaseIndex):
        def add_items(self, model, objs):
            pass  # as if upstream read model.search_fields directly

    class Index(search_backend.SegmentingIndexMixin, IndexerReadingFieldsElsewhere):
        pass

    page = b.policy(policies, "容缺受理实施办法")
    with pytest.raises(ImproperlyConfigured, match="IndexerReadingFieldsElsewhere.add_items no"):
        Index(get_search_backend()).add_items(PolicyPage, [page])


# --- Chinese -----------------------------------------------------------------------------------


@pytest.fixture
def corpus(policies, news_index):
    measures = b.policy(
        policies,
        "关于进一步优化营商环境的若干措施",
        summary="推动重大投资项目早开工、早达产。",
        body="企业投资项目实行并联审批，推行一网通办。",
        published_on=date(2025, 3, 14),
    )
    b.policy(
        policies,
        "容缺受理实施办法",
        summary="先受理，后补交非要件材料。",
        published_on=date(2024, 9, 10),
    )
    b.interpretation(
        measures,
        "一图读懂十二条措施",
        summary="帮办员是唯一联系人。",
        body="审批时限按工作日计算。",
    )
    b.news(
        news_index,
        "企业开办一个工作日办结",
        summary="投资者节省三分之二时间。",
        date=date(2025, 6, 3),
    )
    b.news(
        news_index, "区行政审批局一年受理办件24051件", summary="办结率100%。", date=date(2026, 1, 8)
    )
    return measures


def test_a_two_character_word_finds_every_page_containing_it(corpus):
    assert found("审批") == {
        "关于进一步优化营商环境的若干措施",  # in the body
        "一图读懂十二条措施",  # in the body
        "区行政审批局一年受理办件24051件",  # in the title
    }
    assert found("通办") == {"关于进一步优化营商环境的若干措施"}  # inside 一网通办
    assert found("补交") == {"容缺受理实施办法"}  # in the summary
    assert found("营商环境") == {"关于进一步优化营商环境的若干措施"}
    assert found("审批 工作日") == {"一图读懂十二条措施"}  # every word must be there
    assert found("审批局") == {"区行政审批局一年受理办件24051件"}
    assert found("24051") == {"区行政审批局一年受理办件24051件"}
    assert found("环保") == set()


def test_the_index_follows_edits_and_unpublishing(corpus):
    corpus.title = "关于支持中小企业发展的若干措施"
    corpus.save_revision().publish()
    assert "关于支持中小企业发展的若干措施" in found("中小企业")
    assert found("营商环境") == set()
    corpus.unpublish()
    assert found("中小企业") == set()


def test_the_search_page_highlights_chinese_matches_with_tabs_and_filters(client, corpus):
    page = soup(client.get("/search/?q=审批"))
    hits = page.select(".search-results .search-hit")
    titles = [hit.select_one("h2 a").get_text() for hit in hits]
    assert titles[0] == "区行政审批局一年受理办件24051件"  # the title match first
    assert set(titles) == found("审批")
    assert [m.get_text() for m in hits[0].select("h2 mark")] == ["审批"]
    assert all(hit.select("mark") for hit in hits)
    tabs = {a.get_text(" ", strip=True) for a in page.select(".tabs a")}
    assert any(tab.endswith("(3)") for tab in tabs)
    news_only = soup(client.get("/search/?q=审批&type=news"))
    assert [h.get_text() for h in news_only.select(".search-hit h2 a")] == [
        "区行政审批局一年受理办件24051件"
    ]
    in_2025 = soup(client.get("/search/?q=审批&year=2025"))
    assert {h.get_text() for h in in_2025.select(".search-hit h2 a")} == {
        "关于进一步优化营商环境的若干措施",
        "一图读懂十二条措施",
    }


def test_guides_are_found_by_name_material_and_code(client, corpus):
    planning = f.department("区规划和自然资源局", name_en="Planning Bureau")
    f.item(
        planning,
        "PNR-02",
        materials=(("建设用地规划许可申请表", "Application for the land-use permit", True),),
    )
    page = soup(client.get("/search/?q=规划许可"))
    top = page.select(".top-guides a")
    assert top and top[0]["href"] == "/guide/PNR-02/"
    guides = soup(client.get("/search/?q=规划许可&type=guide"))
    hit = guides.select_one(".search-hit--guide")
    assert "规划许可" in [m.get_text() for m in hit.select("mark")]
    assert (
        soup(client.get("/en/search/?q=pnr-02&type=guide")).select_one(".search-hit--guide a")[
            "href"
        ]
        == "/en/guide/PNR-02/"
    )


def test_queries_are_shown_escaped_and_odd_input_finds_nothing_safely(client, corpus):
    page = client.get('/search/?q="><script>alert(1)</script>')
    assert page.status_code == 200
    assert b"<script>alert(1)" not in page.content
    for query in ['"', "'", "*", "审批 OR", "NOT", "(", "：", "a" * 500]:
        assert client.get("/search/", {"q": query}).status_code == 200, query


# --- English -----------------------------------------------------------------------------------


def test_english_pages_are_found_in_english_with_plurals(client, corpus):
    b.translate(
        corpus,
        title="Measures to improve the business environment",
        summary="Approvals run in parallel.",
        body="Investment projects start early.",
    )
    assert found("approval", "en") == {"Measures to improve the business environment"}
    assert found("approvals", "en") == {"Measures to improve the business environment"}
    assert found("investment project", "en") == {"Measures to improve the business environment"}
    assert found("审批", "en") == set()  # each language searches its own pages
    page = soup(client.get("/en/search/?q=approval"))
    hit = page.select_one(".search-hit")
    assert hit.select_one("h2 a")["href"].startswith("/en/policies/")
    assert [m.get_text() for m in hit.select("mark")] == ["Approvals"]


def test_the_admin_search_finds_chinese_pages_too(client, corpus, make_user):
    client.force_login(make_user("boss", "staff"))
    response = client.get("/admin/pages/search/", {"q": "营商环境"})
    assert response.status_code == 200
    assert "关于进一步优化营商环境的若干措施" in response.content.decode()


def test_search_results_page_through_every_match_once_best_first(client, policies):
    for n in range(23):
        b.policy(policies, f"政策{n:02d}", summary="审批" * (n % 5 + 1))
    b.policy(policies, "审批制度改革方案", summary="审批")
    seen = []
    for number in (1, 2, 3):
        page = soup(client.get(f"/search/?q=审批&type=policy&page={number}"))
        seen += [a.get_text() for a in page.select(".search-hit h2 a")]
    assert len(seen) == len(set(seen)) == 24
    assert seen[0] == "审批制度改革方案"  # the only title with the word


def test_every_tab_pages_through_exactly_what_its_count_says(client, policies, news_index):
    """The pages' count comes from the tabs' facet (no second count query): the "All" tab and
    each type's tab list every match once, over exactly as many pages as the count says."""
    for n in range(13):
        b.policy(policies, f"政策{n:02d}", summary="审批")
    for n in range(9):
        b.news(news_index, f"新闻{n:02d}", body="审批")
    for kind, expected in (("", 22), ("policy", 13), ("news", 9)):
        seen = []
        for number in (1, 2, 3, 4):
            page = soup(client.get(f"/search/?q=审批&type={kind}&page={number}"))
            hits = [a.get_text() for a in page.select(".search-hit h2 a")]
            if number > -(-expected // 10):  # past the last page: the last page again
                assert hits == seen[-len(hits) :]
                continue
            seen += hits
        assert len(seen) == len(set(seen)) == expected, kind
