"""Wagtail's database search backend with Chinese cut into words, on SQLite and PostgreSQL.

    WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "cms.search_backend", ...}}

Both the text going into the index and every query coming out of a `.search()` call (the
portal's search page, the admin's page, document and snippet searches, the choosers) pass
through `cms.search`: the index stores words separated by spaces, the query looks for the same
words. Everything else is Wagtail's own backend for the database in use.
"""

from __future__ import annotations

import types
from functools import cache

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from modelsearch.query import And, Boost, MatchAll, Not, Or, Phrase, PlainText

from .search import query_terms, segment_for_index

TITLE_WEIGHT = 20.0


class Prefix(PlainText):
    """One word matched as the beginning of indexed words (Latin words, single characters)."""

    def __init__(self, word: str):
        super().__init__(word, operator="and")

    def __repr__(self):
        return f"<Prefix {self.query_string!r}>"


def _words_query(text: str, operator: str):
    terms = query_terms(text)
    if not terms:
        return Not(MatchAll())
    nodes = []
    for term in terms:
        if term.prefix:
            nodes.append(Prefix(term.text))
        elif len(term.pairs) == 1:
            nodes.append(PlainText(term.text))
        else:
            nodes.append(And([PlainText(pair) for pair in term.pairs]))
    if len(nodes) == 1:
        return nodes[0]
    return And(nodes) if operator == "and" else Or(nodes)


def segment_query(query):
    """The same query, looking for the words the index holds."""
    if isinstance(query, Prefix):
        return query
    if isinstance(query, PlainText):
        return _words_query(query.query_string, query.operator)
    if isinstance(query, Phrase):
        # The index interleaves words and character pairs, so word order cannot be checked.
        return _words_query(query.query_string, "and")
    if isinstance(query, And | Or):
        return type(query)([segment_query(subquery) for subquery in query.subqueries])
    if isinstance(query, Not):
        return Not(segment_query(query.subquery))
    if isinstance(query, Boost):
        return Boost(segment_query(query.subquery), query.boost)
    return query  # MatchAll, Fuzzy


class _SegmentedQueryMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.query = segment_query(self.query)


def _indexer(base):
    class WordIndexer(base):
        def prepare_value(self, value):
            if isinstance(value, list | dict):  # upstream joins the items, each through here
                return super().prepare_value(value)
            return segment_for_index(super().prepare_value(value))

    return WordIndexer


def _names(code) -> set[str]:
    """The global names a function's code reads, its comprehensions included."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def _add_items_with(indexer_class, add_items):
    """Upstream's `add_items`, run with our indexer in place of its module's `ObjectIndexer`.

    The upstream method builds each row (and on PostgreSQL its SQL) itself; rather than copy it,
    the same code runs with one name resolved differently. Checked at import, so an upstream
    rename fails loudly instead of indexing unsegmented text.
    """
    if "ObjectIndexer" not in _names(add_items.__code__):
        raise ImproperlyConfigured(f"{add_items.__qualname__} no longer uses ObjectIndexer")
    namespace = dict(add_items.__globals__, ObjectIndexer=indexer_class)
    return types.FunctionType(
        add_items.__code__,
        namespace,
        add_items.__name__,
        add_items.__defaults__,
        add_items.__closure__,
    )


@cache
def _sqlite_backend_class():
    from django.db.models import Case, FloatField, IntegerField, Value, When
    from modelsearch.backends.database.sqlite import sqlite
    from modelsearch.backends.database.sqlite.query import (
        BM25,
        Lexeme,
        MatchExpression,
        SearchQueryExpression,
        normalize,
    )
    from modelsearch.utils import get_descendants_content_types_pks

    class PrefixMixin:
        def build_search_query_content(self, query, config=None):
            if isinstance(query, Prefix):
                return SearchQueryExpression(Lexeme(query.query_string, prefix=True), config=config)
            return super().build_search_query_content(query, config=config)

    class TitleWeightedBM25(BM25):
        """FTS5's bm25 with the title column counting more than the body (columns: autocomplete,
        body, title), as PostgreSQL's ranking does; upstream weighs all columns alike."""

        def as_sql(self, compiler, connection, function=None, template=None):
            table = sqlite.SQLiteFTSIndexEntry._meta.db_table
            return f"bm25({table}, 1.0, 1.0, {TITLE_WEIGHT})", []

    class QueryCompiler(_SegmentedQueryMixin, PrefixMixin, sqlite.SQLiteSearchQueryCompiler):
        def build_tsrank(self, vector, query, config=None, boost=1.0):
            # FTS5's bm25() ranks the whole MATCH expression, so one call ranks any query.
            # Upstream combines one per sub-query by multiplying them, and as bm25 is negative
            # (lower is better) an And of two terms turned the best match into the worst.
            return TitleWeightedBM25()

        def _build_rank_expression(self, vectors, config):
            # bm25() already weighs the title column and normalises for its length; upstream
            # multiplied it again by a per-entry title-length factor, which lifted every page
            # with a short title above pages whose title holds the words.
            return TitleWeightedBM25()

        def search(self, config, start, stop, score_field=None):
            """One page of results ranked with a single FTS query.

            Upstream ranks through a correlated subquery that repeats the MATCH for every
            candidate row (about 0.15 ms each: 100 ms for 600 matches, seconds for thousands).
            Here the MATCH runs once for the scores, once to apply the queryset's filters, and
            only the requested slice is fetched. Unsliced uses (counts, facets) stay upstream's.
            """
            query = normalize(self.query)
            if stop is None or not self.order_by_relevance or isinstance(query, MatchAll | Not):
                return super().search(config, start, stop, score_field=score_field)
            match = MatchExpression(
                self.fields or self.FTS_TABLE_FIELDS, self.build_search_query(query, config=config)
            )
            entries = sqlite.SQLiteFTSIndexEntry.objects.filter(match).filter(
                index_entry__content_type__in=get_descendants_content_types_pks(self.queryset.model)
            )
            rank = self._build_rank_expression(self.get_search_vectors(), config)
            scores = {
                str(object_id): score
                for object_id, score in entries.annotate(score=rank).values_list(
                    "index_entry__object_id", "score"
                )
            }
            matching = self.queryset.filter(pk__in=entries.values("index_entry__object_id"))
            ranked = sorted(
                matching.values_list("pk", flat=True), key=lambda pk: (scores[str(pk)], -pk)
            )[start or 0 : stop]
            if not ranked:
                return self.queryset.none()
            position = Case(
                *(When(pk=pk, then=Value(i)) for i, pk in enumerate(ranked)),
                output_field=IntegerField(),
            )
            page = self.queryset.filter(pk__in=ranked).order_by(position)
            if score_field is not None:
                page = page.annotate(
                    **{
                        score_field: Case(
                            *(When(pk=pk, then=Value(scores[str(pk)])) for pk in ranked),
                            output_field=FloatField(),
                        )
                    }
                )
            return page

    class AutocompleteQueryCompiler(
        _SegmentedQueryMixin, PrefixMixin, sqlite.SQLiteAutocompleteQueryCompiler
    ):
        pass

    class Index(sqlite.SQLiteIndex):
        add_items = _add_items_with(_indexer(sqlite.ObjectIndexer), sqlite.SQLiteIndex.add_items)

    class Backend(sqlite.SQLiteSearchBackend):
        query_compiler_class = QueryCompiler
        autocomplete_query_compiler_class = AutocompleteQueryCompiler
        index_class = Index

    return Backend


@cache
def _postgres_backend_class():
    from django.contrib.postgres.search import SearchQuery
    from modelsearch.backends.database.postgres import postgres
    from modelsearch.backends.database.postgres.query import Lexeme

    class PrefixMixin:
        def build_tsquery_content(self, query, config=None, invert=False):
            if isinstance(query, Prefix):
                lexeme = Lexeme(query.query_string, invert=invert, prefix=True)
                return SearchQuery(lexeme, search_type="raw", config=config)
            return super().build_tsquery_content(query, config=config, invert=invert)

    class QueryCompiler(_SegmentedQueryMixin, PrefixMixin, postgres.PostgresSearchQueryCompiler):
        def _build_rank_expression(self, vectors, config):
            # As on SQLite: a match in the title counts TITLE_WEIGHT times one in the body
            # (upstream scaled the title's rank by a title-length factor instead, so a long body
            # repeating a word outranked a title holding it).
            if self.fields is not None:
                return super()._build_rank_expression(vectors, config)
            (title, _norm), (body, _weight) = vectors
            return self.build_tsrank(
                title, self.query, config=config
            ) * TITLE_WEIGHT + self.build_tsrank(body, self.query, config=config)

    class AutocompleteQueryCompiler(
        _SegmentedQueryMixin, PrefixMixin, postgres.PostgresAutocompleteQueryCompiler
    ):
        pass

    class Index(postgres.PostgresIndex):
        add_items = _add_items_with(
            _indexer(postgres.ObjectIndexer), postgres.PostgresIndex.add_items
        )

    class Backend(postgres.PostgresSearchBackend):
        query_compiler_class = QueryCompiler
        autocomplete_query_compiler_class = AutocompleteQueryCompiler
        index_class = Index

    return Backend


def SearchBackend(params):  # noqa: N802 - the name Wagtail looks for in a backend module
    """The backend for the default database, like `wagtail.search.backends.database`."""
    from modelsearch.backends import database

    if connection.vendor == "postgresql":
        return _postgres_backend_class()(params)
    if connection.vendor == "sqlite":
        upstream = database.SearchBackend(params)  # decides whether FTS5 is there
        if type(upstream).__name__ == "SQLiteSearchBackend":
            return _sqlite_backend_class()(params)
        return upstream  # no FTS5: the fallback matches substrings, Chinese included
    raise ImproperlyConfigured(
        f"cms.search_backend supports SQLite and PostgreSQL, not {connection.vendor}"
    )
