"""Wagtail's database search backend with Chinese cut into words, on SQLite and PostgreSQL.

    WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "cms.search_backend", ...}}

Both the text going into the index and every query coming out of a `.search()` call (the
portal's search page, the admin's page, document and snippet searches, the choosers) pass
through `cms.search`: the index stores words separated by spaces, the query looks for the same
words. Everything else is Wagtail's own backend for the database in use.

It plugs into modelsearch only where a backend is meant to be extended: subclasses of the
backend, set through its `index_class`, `query_compiler_class` and
`autocomplete_query_compiler_class`; on the index, `add_items` wrapped (see
`SegmentingIndexMixin`); on the compilers, overridden methods. tests/cms/test_search.py checks
that each method overridden here still exists upstream.
"""

from __future__ import annotations

from functools import cache

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils.encoding import force_str
from modelsearch.index import AutocompleteField, RelatedFields, SearchField
from modelsearch.query import And, Boost, MatchAll, Not, Or, Phrase, PlainText
from wagtail.models import Page

from .search import is_chinese, query_terms, segment_for_index
from .visitor_cache import visitor_pages_changed

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


# --- indexing ----------------------------------------------------------------------------------
#
# Upstream's `add_items` builds its own indexer for every object and offers no hook to replace it,
# but that indexer learns what to index only through the public contract between indexed models
# and backends: `obj.get_search_fields()`, and each field's `get_value(obj)`. The index below
# hands upstream's `add_items` each object wrapped so that these return the same fields, whose
# values come out with their Chinese cut into words. Upstream then builds and writes the rows
# (and on PostgreSQL the weighted vectors and fuzzy-search text) exactly as it always does.


def _segmented(value):
    """A search field's value with its Chinese text cut into words; other values as they were."""
    if isinstance(value, list):
        return [_segmented(item) for item in value]
    if isinstance(value, dict):
        return {key: _segmented(item) for key, item in value.items()}
    if value is None:
        return value
    text = force_str(value)
    return segment_for_index(text) if is_chinese(text) else value


class _Segmenting:
    """A copy of one of a model's search fields whose value comes out segmented."""

    original = None

    @classmethod
    def copying(cls, field):
        copy = cls.__new__(cls)
        copy.__dict__.update(vars(field))  # field_name, boost, kwargs... whatever upstream keeps
        copy.original = field
        return copy

    def get_value(self, obj):
        return _segmented(self.original.get_value(_unwrapped(obj)))


class _SegmentedSearchField(_Segmenting, SearchField):
    pass


class _SegmentedAutocompleteField(_Segmenting, AutocompleteField):
    pass


class _SegmentedRelatedFields(_Segmenting, RelatedFields):
    @classmethod
    def copying(cls, field):
        copy = super().copying(field)
        copy.fields = [_segmented_field(sub_field) for sub_field in field.fields]
        return copy

    def get_value(self, obj):
        return self.original.get_value(_unwrapped(obj))  # the related objects themselves


def _segmented_field(field):
    if isinstance(field, SearchField):
        return _SegmentedSearchField.copying(field)
    if isinstance(field, AutocompleteField):
        return _SegmentedAutocompleteField.copying(field)
    if isinstance(field, RelatedFields):
        return _SegmentedRelatedFields.copying(field)
    return field  # FilterField: not part of the text index


class _SegmentedObject:
    """An object being indexed, as upstream's indexer sees it: the object's own attributes (`pk`,
    `_meta`...), but search fields whose values come out segmented."""

    __slots__ = ("wrapped", "search_fields", "asked")

    def __init__(self, obj, search_fields):
        self.wrapped = obj
        self.search_fields = search_fields
        self.asked = False

    def get_search_fields(self):
        self.asked = True
        return self.search_fields

    def __getattr__(self, name):
        return getattr(self.wrapped, name)


def _unwrapped(obj):
    return obj.wrapped if isinstance(obj, _SegmentedObject) else obj


class SegmentingIndexMixin:
    """Mixed into the backend's index class: objects reach upstream's `add_items` (the one method
    every indexing path ends in: saves, bulk adds, `update_index`) with segmented field values."""

    def add_items(self, model, objs):
        fields_by_class = {}
        wrapped = []
        for obj in objs:
            if type(obj) not in fields_by_class:
                fields_by_class[type(obj)] = [_segmented_field(f) for f in obj.get_search_fields()]
            wrapped.append(_SegmentedObject(obj, fields_by_class[type(obj)]))
        result = super().add_items(model, wrapped)
        if wrapped and issubclass(model, Page):
            # The worker indexes a page after its publish purged the visitors' cache: a search
            # a visitor made in between (without the new page) must not stay cached.
            visitor_pages_changed()
        if wrapped and model.get_search_fields() and not any(obj.asked for obj in wrapped):
            # Upstream indexed the objects without asking them for their fields: the text went in
            # unsegmented and Chinese searches would quietly find nothing. Fail instead.
            mro = type(self).__mro__
            upstream = mro[mro.index(SegmentingIndexMixin) + 1]
            raise ImproperlyConfigured(
                f"{upstream.__module__}.{upstream.__qualname__}.add_items no longer reads an "
                "object's fields through obj.get_search_fields(); cms.search_backend cannot "
                "segment them"
            )
        return result


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

    class Index(SegmentingIndexMixin, sqlite.SQLiteIndex):
        pass

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

    class Index(SegmentingIndexMixin, postgres.PostgresIndex):
        pass

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
        from modelsearch.backends.database.sqlite.sqlite import SQLiteSearchBackend

        upstream = database.SearchBackend(params)  # decides whether FTS5 is there
        if isinstance(upstream, SQLiteSearchBackend):
            return _sqlite_backend_class()(params)
        return upstream  # no FTS5: the fallback matches substrings, Chinese included
    raise ImproperlyConfigured(
        f"cms.search_backend supports SQLite and PostgreSQL, not {connection.vendor}"
    )
