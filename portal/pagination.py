"""API pagination: django-ninja's own limit/offset pagination, with the portal's envelope
`{items, count}`, bounded inputs, a `shape` that turns the page's rows into what the schema
shows (so only the rows of the page are shaped), and `rows` for a view whose rows join other
tables: the view returns its filtered, ordered queryset, which is counted as it is, and
`rows(queryset)` is what the page reads. Counting the joined rows instead made PostgreSQL
join every project to its enterprise, town and helper just to count them (8 ms of the
API list's 14 at 50,000 projects, bench/cityyear.py).

`keyset`, for a list that grows without end: the order the view returns its queryset in
(unique, columns that are never NULL). The answer then also carries `next`, an opaque
position after its last row, and the next page is asked for with `after=<next>`: read from
the index where the previous page ended, at the same cost on the thousandth page as on the
first (an `offset` makes the database read and skip every row before it: 47 ms at offset
49,950 of 50,000 projects). `count` is still every row matching the filters."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import datetime
from functools import reduce
from operator import or_
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import IntegerField, Q
from ninja import Field, Schema
from ninja.errors import ValidationError
from ninja.pagination import LimitOffsetPagination

MAX_OFFSET = 2**63 - 1
CURSOR_MAX_LENGTH = 200
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+$"
NOT_A_POSITION = "not a position this list gave (use its `next`)"


def _refused_cursor(message: str) -> ValidationError:
    return ValidationError([{"type": "value_error", "loc": ["query", "after"], "msg": message}])


class Keyset:
    """A queryset's order as a position: written as `next`, read back from `after`."""

    def __init__(self, model, order: tuple[str, ...]):
        self.order = order
        self.fields = []
        for name in order:
            field = model._meta.get_field(name.removeprefix("-"))
            if field.null:
                raise ImproperlyConfigured(f"keyset: {name} may be NULL")
            self.fields.append((field, name.startswith("-")))

    def position_of(self, row) -> str:
        values = [
            row[field.attname] if isinstance(row, dict) else getattr(row, field.attname)
            for field, _descending in self.fields
        ]
        text = json.dumps(
            [value.isoformat() if hasattr(value, "isoformat") else str(value) for value in values]
        )
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    def rows_after(self, cursor: str) -> Q:
        """The rows that come after `cursor` in the order (422 for anything not a position)."""
        try:
            text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            written = json.loads(text)
        except (binascii.Error, ValueError) as error:  # UnicodeDecodeError is a ValueError
            raise _refused_cursor(NOT_A_POSITION) from error
        if (
            not isinstance(written, list)
            or len(written) != len(self.fields)
            or not all(isinstance(value, str) for value in written)
        ):
            raise _refused_cursor(NOT_A_POSITION)
        values = []
        for (field, _descending), value in zip(self.fields, written, strict=True):
            try:
                value = field.to_python(value)
            except DjangoValidationError as error:
                raise _refused_cursor(NOT_A_POSITION) from error
            if (
                value is None
                or (isinstance(value, datetime) and value.tzinfo is None)  # we write the offset
                or (isinstance(field, IntegerField) and not 0 <= value <= MAX_OFFSET)
            ):
                raise _refused_cursor(NOT_A_POSITION)
            values.append(value)
        # (a, b) after (x, y), a descending: a < x, or a = x and b after y. The first column's
        # bound alone lets the database start its index scan at the position.
        first, descending = self.fields[0]
        bound = Q(**{f"{first.attname}__{'lte' if descending else 'gte'}": values[0]})
        later = []
        for i, (field, descending) in enumerate(self.fields):
            equal = {f.attname: v for (f, _d), v in zip(self.fields[:i], values[:i], strict=True)}
            beyond = {f"{field.attname}__{'lt' if descending else 'gt'}": values[i]}
            later.append(Q(**equal, **beyond))
        return bound & reduce(or_, later)


def limit_offset(
    default: int, maximum: int, *, keyset: tuple[str, ...] | None = None
) -> type[LimitOffsetPagination]:
    """A pagination class whose `limit` defaults to `default` and stops at `maximum`; with
    `keyset` (the queryset's order), also `after` and `next` (see the module's docstring)."""
    if keyset is None:
        return _limit_offset(default, maximum)
    return _keyset(default, maximum, keyset)


def _limit_offset(default: int, maximum: int) -> type[LimitOffsetPagination]:
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


def _keyset(default: int, maximum: int, order: tuple[str, ...]) -> type[LimitOffsetPagination]:
    base = _limit_offset(default, maximum)

    class Page(base):
        class Input(base.Input):
            after: str | None = Field(
                None,
                max_length=CURSOR_MAX_LENGTH,
                pattern=CURSOR_PATTERN,
                description="the `next` of the previous page: the rows after it (no offset)",
            )

        class Output(Schema):
            items: list[Any]
            count: int
            next: str | None = Field(
                None, description="give it as `after` for the next page; null on the last"
            )

        def paginate_queryset(self, queryset, pagination, request, **params):
            if tuple(queryset.query.order_by) != order:
                raise ImproperlyConfigured(f"keyset {order}: the view orders by something else")
            keys = Keyset(queryset.model, order)
            rest, start = queryset, pagination.offset
            if pagination.after is not None:
                if pagination.offset:
                    raise _refused_cursor("give either `offset` or `after`, not both")
                rest, start = queryset.filter(keys.rows_after(pagination.after)), 0
            # One row more than the page: whether there is a next page, without counting.
            read = list(
                (self.rows(rest) if self.rows else rest)[start : start + pagination.limit + 1]
            )
            rows = read[: pagination.limit]
            return {
                self.items_attribute: self.shape(request, rows) if self.shape else rows,
                "count": self._items_count(queryset),
                "next": keys.position_of(rows[-1]) if len(read) > len(rows) else None,
            }

    Page.__name__ = f"Keyset{default}Max{maximum}"
    return Page
