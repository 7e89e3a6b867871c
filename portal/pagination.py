"""API pagination: django-ninja's own limit/offset pagination, with the portal's envelope
`{items, count}`, bounded inputs, a `shape` that turns the page's rows into what the schema
shows (so only the rows of the page are shaped), and `rows` for a view whose rows join other
tables: the view returns its filtered, ordered queryset, which is counted as it is, and
`rows(queryset)` is what the page reads. Counting the joined rows instead made PostgreSQL
join every project to its enterprise, town and helper just to count them (8 ms of the
API list's 14 at 50,000 projects, bench/cityyear.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_OFFSET = 2**63 - 1


def limit_offset(default: int, maximum: int) -> type[LimitOffsetPagination]:
    """A pagination class whose `limit` defaults to `default` and stops at `maximum`."""

    class Page(LimitOffsetPagination):
        class Input(Schema):
            limit: int = Field(default, ge=1, le=maximum, description="rows per page")
            offset: int = Field(0, ge=0, le=MAX_OFFSET, description="rows to skip")

        def __init__(
            self,
            *,
            shape: Callable[[Any, list], list] | None = None,
            rows: Callable[[Any], Any] | None = None,
            **kwargs,
        ):
            super().__init__(max_limit=maximum, **kwargs)
            self.shape = shape
            self.rows = rows

        def paginate_queryset(self, queryset, pagination, request, **params):
            if self.rows is None:
                page = super().paginate_queryset(queryset, pagination, request, **params)
            else:
                start = pagination.offset
                page = {
                    self.items_attribute: self.rows(queryset)[start : start + pagination.limit],
                    "count": self._items_count(queryset),
                }
            rows = list(page[self.items_attribute])
            page[self.items_attribute] = self.shape(request, rows) if self.shape else rows
            return page

    Page.__name__ = f"LimitOffset{default}Max{maximum}"
    return Page
