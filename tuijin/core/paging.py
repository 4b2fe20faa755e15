"""Lists fast at any depth: keyset ("seek") pagination and a bounded count, for pages and API.

Django's ``Paginator`` counts every row (``COUNT(*)``) and skips to page N with ``OFFSET``:
both grow with the table, so page 1,000 of a province's 300,000 requests took seconds. Here a
page is "the next ``size`` rows after this one" in the list's own order, plus the row's id as
the last key so the order is total: the database seeks to the row through an index and reads
``size + 1`` rows, whatever the depth. The position travels as an opaque ``cursor`` in the
query string (next to the list's filters, which stay as they are). A cursor that does not
decode, or that was made for another order, gives the first page: never an error.

The count is bounded: the rows are counted up to ``TUIJIN_LIST_COUNT_CAP`` (1,000) and above
it the page says 「共 1,000+ 条」; counting 300,000 rows exactly on every page view is what
made the old lists slow.

One mechanism for both: ``page_for(request, queryset)`` in views, ``KeysetPagination`` for
DRF (the ``REST_FRAMEWORK`` default). Nullable sort keys are ordered with nulls last in both
directions, on SQLite and PostgreSQL alike (their defaults differ).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, ValidationError
from django.db import connection, models
from django.db.models import F, Q
from django.db.models.expressions import OrderBy
from django.http import HttpRequest, QueryDict
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

CURSOR_PARAM = "cursor"
DEFAULT_COUNT_CAP = 1000


def count_cap() -> int:
    """Rows counted exactly before a list says "1,000+" (a setting, so tests can lower it)."""
    return int(getattr(settings, "TUIJIN_LIST_COUNT_CAP", DEFAULT_COUNT_CAP))


class UnorderableError(ValueError):
    """The list's order has a term keyset pagination cannot seek on (a programming error)."""


@dataclass(frozen=True)
class Key:
    """One term of the list's order: a field path or annotation, its direction, nullability."""

    name: str
    descending: bool
    nullable: bool
    field: models.Field

    def order(self, reverse: bool = False) -> OrderBy | str:
        descending = self.descending != reverse
        if not self.nullable:
            return f"-{self.name}" if descending else self.name
        # Nulls after the values when reading forward, before them when reading backward.
        nulls = {"nulls_first": True} if reverse else {"nulls_last": True}
        expression = F(self.name)
        return expression.desc(**nulls) if descending else expression.asc(**nulls)


def _terms_of(queryset: models.QuerySet, name: str, descending: bool, depth: int = 0) -> list[Key]:
    """The keys behind one term of the order: a field, an annotation, or a foreign key.

    A foreign key orders, as in Django, by its model's own ``Meta.ordering`` (else its id):
    ordering findings by ``inspection`` lists them by the inspection's date, newest first.
    """
    annotation = queryset.query.annotations.get(name)
    if annotation is not None:
        return [Key(name, descending, False, annotation.output_field)]
    model = queryset.model
    nullable = False
    parts = name.split("__")
    for i, part in enumerate(parts):
        try:
            field = model._meta.pk if part == "pk" else model._meta.get_field(part)
        except FieldDoesNotExist as exc:
            raise UnorderableError(f"cannot page on {name!r}") from exc
        if field.many_to_many or field.one_to_many:
            raise UnorderableError(f"cannot page on {name!r}")
        nullable = nullable or bool(getattr(field, "null", False))
        if i < len(parts) - 1:
            if not field.is_relation:
                raise UnorderableError(f"cannot page on {name!r}")
            model = field.related_model
    if not field.is_relation:
        return [Key(name, descending, nullable, field)]
    related = field.related_model._meta
    if related.ordering and depth < 3:
        keys = []
        for term in related.ordering:
            if not isinstance(term, str):
                raise UnorderableError(f"cannot page on {name!r}")
            inner = term.lstrip("-+")
            inner = related.pk.name if inner == "pk" else inner
            flipped = descending != term.startswith("-")
            keys += _terms_of(queryset, f"{name}__{inner}", flipped, depth + 1)
        return keys
    parts[-1] = field.attname  # seek on the foreign key's own column
    return [Key("__".join(parts), descending, nullable, field.target_field)]


def keys_of(queryset: models.QuerySet) -> list[Key]:
    """The list's order as keys, ending with the primary key so that it is total."""
    query = queryset.query
    terms = list(query.order_by) or (
        list(query.get_meta().ordering or []) if query.default_ordering else []
    )
    keys: list[Key] = []
    pk_name = queryset.model._meta.pk.name
    for term in terms:
        if isinstance(term, str):
            descending = term.startswith("-")
            name = term.lstrip("-+")
        elif isinstance(term, OrderBy) and isinstance(term.expression, F):
            descending = term.descending
            name = term.expression.name
        elif isinstance(term, F):
            descending, name = False, term.name
        else:
            raise UnorderableError(f"cannot page on {term!r}")
        if name == "?":
            raise UnorderableError("cannot page on a random order")
        name = pk_name if name == "pk" else name
        keys += [key for key in _terms_of(queryset, name, descending) if key not in keys]
        if name == pk_name:
            return keys  # the primary key is unique: later terms never decide
    keys.append(Key(pk_name, False, False, queryset.model._meta.pk))
    return keys


def _signature(keys: list[Key]) -> str:
    text = ",".join(f"{'-' if k.descending else ''}{k.name}" for k in keys)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _dump(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def encode_cursor(keys: list[Key], values: list[Any], backward: bool, number: int) -> str:
    data = {"s": _signature(keys), "v": [_dump(v) for v in values], "n": number}
    if backward:
        data["b"] = 1
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@dataclass(frozen=True)
class Cursor:
    values: list[Any]
    backward: bool
    number: int


def decode_cursor(text: str | None, keys: list[Key]) -> Cursor | None:
    """The position in ``text``, or None (first page) for anything stale, foreign or forged."""
    if not text or len(text) > 2000:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        data = json.loads(raw.decode())
        if not isinstance(data, dict) or data.get("s") != _signature(keys):
            return None
        raw_values, number = data["v"], data["n"]
        if not isinstance(raw_values, list) or len(raw_values) != len(keys):
            return None
        if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number < 10**9:
            return None
        values = []
        for key, value in zip(keys, raw_values, strict=True):
            if value is None:
                if not key.nullable:
                    return None
                values.append(None)
            elif isinstance(value, dict | list):
                return None
            else:
                values.append(key.field.to_python(value))
        return Cursor(values, bool(data.get("b")), number)
    except (ValueError, TypeError, KeyError, ValidationError, binascii.Error, UnicodeError):
        return None


def _beyond(key: Key, value: Any, backward: bool) -> Q | None:
    """Rows strictly past ``value`` on this key in the reading direction (None: no row is)."""
    greater = key.descending == backward  # reading towards larger values
    if value is None:
        # Nulls come last forward: nothing is after them; reading backward, every value is.
        return Q(**{f"{key.name}__isnull": False}) if backward else None
    q = Q(**{f"{key.name}__{'gt' if greater else 'lt'}": value})
    if key.nullable and not backward:
        q |= Q(**{f"{key.name}__isnull": True})
    return q


def _equal(key: Key, value: Any) -> Q:
    return Q(**{f"{key.name}__isnull": True}) if value is None else Q(**{key.name: value})


def seek(keys: list[Key], values: list[Any], backward: bool) -> Q:
    """(k1 past v1) or (k1 = v1 and k2 past v2) or …, with a plain bound on k1 for the index."""
    condition = Q(pk__in=[])
    prefix = Q()
    for key, value in zip(keys, values, strict=True):
        beyond = _beyond(key, value, backward)
        if beyond is not None:
            condition |= prefix & beyond
        prefix &= _equal(key, value)
    first, value = keys[0], values[0]
    if value is not None and not first.nullable and len(keys) > 1:
        # Redundant for the result, but lets SQLite and PostgreSQL seek on the first key's
        # index instead of scanning the whole order for the OR.
        greater = first.descending == backward
        condition &= Q(**{f"{first.name}__{'gte' if greater else 'lte'}": value})
    return condition


class KeysetPage:
    """One page of a list: iterable like Django's ``Page``, with cursors instead of numbers."""

    def __init__(
        self,
        object_list: list[Any],
        *,
        number: int,
        next_cursor: str | None,
        previous_cursor: str | None,
        count: int | None,
        capped: bool,
    ) -> None:
        self.object_list = object_list
        self.number = number
        self.next_cursor = next_cursor
        self.previous_cursor = previous_cursor
        self.count = count
        self.count_capped = capped
        # Query strings of the links, set by ``page_for`` from the request.
        self.next_query = self.previous_query = self.first_query = ""

    def __iter__(self) -> Iterator[Any]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def __getitem__(self, index):
        return self.object_list[index]

    def has_next(self) -> bool:
        return self.next_cursor is not None

    def has_previous(self) -> bool:
        return self.previous_cursor is not None or self.number == 2

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    @property
    def count_text(self) -> str:
        return "" if self.count is None else count_text(self.count, self.count_capped)


def count_text(n: int, capped: bool) -> str:
    """「1,000+」above the cap, the exact number below it."""
    return f"{n:,}+" if capped else f"{n:,}"


def bounded_count(queryset: models.QuerySet, cap: int | None = None) -> tuple[int, bool]:
    """Count up to ``cap`` + 1 rows in a subquery: (number, True when there are more than cap)."""
    cap = count_cap() if cap is None else cap
    n = queryset.order_by()[: cap + 1].count()
    return (cap, True) if n > cap else (n, False)


def bounded_counts(
    querysets: dict[str, models.QuerySet], cap: int | None = None
) -> dict[str, tuple[int, bool]]:
    """Several bounded counts (tab badges of a list) in one query: each stops at ``cap`` + 1.

    ``SELECT (SELECT COUNT(*) FROM (… LIMIT cap+1) b0), (…) …``: portable to SQLite and
    PostgreSQL, and as cheap at a province's 300,000 rows as at a county's 3,000.
    """
    cap = count_cap() if cap is None else cap
    parts, params, names, counts = [], [], [], {}
    for name, queryset in querysets.items():
        try:
            sql, more = queryset.order_by().values("pk")[: cap + 1].query.sql_with_params()
        except EmptyResultSet:  # ``none()``: nothing to count
            counts[name] = (0, False)
            continue
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) bounded_{len(parts)})")
        params.extend(more)
        names.append(name)
    if parts:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            row = cursor.fetchone()
        for name, n in zip(names, row, strict=True):
            counts[name] = (cap, True) if n > cap else (n, False)
    return counts


def paginate(
    queryset: models.QuerySet, cursor: str | None, size: int, *, count: bool = True
) -> KeysetPage:
    """The page of ``queryset`` (in its own order, id last) at ``cursor``; the first if None.

    Always two queries, the bounded count and the page, whatever the data: the number of
    queries of a list must not depend on how many rows it holds.
    """
    keys = keys_of(queryset)
    position = decode_cursor(cursor, keys)
    if position is not None:
        rows = list(
            queryset.filter(seek(keys, position.values, position.backward)).order_by(
                *(k.order(reverse=position.backward) for k in keys)
            )[: size + 1]
        )
        more = len(rows) > size
        rows = rows[:size]
        if position.backward:
            rows.reverse()
            if not more or position.number <= 1:
                position = None  # back at the start (or rows went away): the first page
        elif not rows:
            position = None  # past the end (the rows went away): the first page
        if position is not None:
            before = more if position.backward else True
            after = True if position.backward else more
            total, capped = bounded_count(queryset) if count else (None, False)
            return _page(keys, rows, position.number, before, after, total, capped)
    rows = list(queryset.order_by(*(k.order() for k in keys))[: size + 1])
    total, capped = bounded_count(queryset) if count else (None, False)
    return _page(keys, rows[:size], 1, False, len(rows) > size, total, capped)


def _values_of(row: Any, keys: list[Key]) -> list[Any]:
    """The row's value of each key (model instances, or dicts from ``values()``)."""
    out = []
    for key in keys:
        if isinstance(row, dict):
            out.append(row.get(key.name))
            continue
        value = row
        for part in key.name.split("__"):
            value = getattr(value, part, None) if value is not None else None
        out.append(value)
    return out


def _page(
    keys: list[Key],
    rows: list[Any],
    number: int,
    before: bool,
    after: bool,
    total: int | None,
    capped: bool,
) -> KeysetPage:
    next_cursor = previous_cursor = None
    if after and rows:
        next_cursor = encode_cursor(keys, _values_of(rows[-1], keys), False, number + 1)
    if before and rows and number > 2:  # page 2 goes back to the plain first page
        previous_cursor = encode_cursor(keys, _values_of(rows[0], keys), True, number - 1)
    return KeysetPage(
        rows,
        number=number,
        next_cursor=next_cursor,
        previous_cursor=previous_cursor,
        count=total,
        capped=capped,
    )


def _query_with(query: QueryDict, cursor: str | None) -> str:
    query = query.copy()
    query.pop(CURSOR_PARAM, None)
    query.pop("page", None)  # old bookmarks of the numbered pages
    if cursor:
        query[CURSOR_PARAM] = cursor
    return query.urlencode()


def page_for(request: HttpRequest, queryset: models.QuerySet, size: int) -> KeysetPage:
    """The page a list view shows, with the query strings of its next and previous links.

    The links keep every filter of the request; page 2's "previous" is the first page (no
    cursor), so going back never depends on a row that may have changed since.
    """
    page = paginate(queryset, request.GET.get(CURSOR_PARAM), size)
    page.first_query = _query_with(request.GET, None)
    if page.next_cursor:
        page.next_query = _query_with(request.GET, page.next_cursor)
    if page.has_previous():
        page.previous_query = _query_with(request.GET, page.previous_cursor)
    return page


OPTIONS_CAP = 300


def capped_options(
    queryset: models.QuerySet, chosen: str | None, empty_label: str, label: str = "name"
) -> list[tuple[str, str, bool]]:
    """A list filter's select options in one query, as (value, label, selected).

    A province holds thousands of units: a select of thousands is of no use to anyone and
    rendering it cost more than the rest of the page. Above ``OPTIONS_CAP`` only the chosen
    one is offered (the filter itself still accepts any in scope, e.g. from a drill-down link).
    """
    chosen = chosen or ""
    rows = list(queryset.values_list("pk", label)[: OPTIONS_CAP + 1])
    if len(rows) > OPTIONS_CAP:
        only = queryset.filter(pk=chosen) if chosen.isdigit() else queryset.none()
        rows = list(only.values_list("pk", label))
    options = [("", empty_label)] + [(str(pk), text) for pk, text in rows]
    return [(value, text, value == chosen) for value, text in options]


class KeysetPagination(BasePagination):
    """The API's pagination: the same keyset pages, as ``count``/``next``/``previous``/
    ``results``; ``count`` stops at the cap and ``count_capped`` says when it did."""

    page_size_setting = "PAGE_SIZE"

    def get_page_size(self) -> int:
        return int(settings.REST_FRAMEWORK.get(self.page_size_setting) or 50)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        if not isinstance(queryset, models.QuerySet):  # a computed list: one page of it all
            self.page = None
            return list(queryset)
        self.page = paginate(queryset, request.query_params.get(CURSOR_PARAM), self.get_page_size())
        return list(self.page)

    def _link(self, cursor: str | None) -> str:
        url = self.request.build_absolute_uri()
        url = remove_query_param(url, "page")
        return (
            replace_query_param(url, CURSOR_PARAM, cursor)
            if cursor
            else remove_query_param(url, CURSOR_PARAM)
        )

    def get_paginated_response(self, data) -> Response:
        page = self.page
        if page is None:
            return Response(
                {
                    "count": len(data),
                    "count_capped": False,
                    "next": None,
                    "previous": None,
                    "results": data,
                }
            )
        return Response(
            {
                "count": page.count,
                "count_capped": page.count_capped,
                "next": self._link(page.next_cursor) if page.next_cursor else None,
                "previous": self._link(page.previous_cursor) if page.has_previous() else None,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["count", "count_capped", "next", "previous", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "example": 123,
                    "description": "符合条件的条数；超过上限时为上限（见 count_capped）",
                },
                "count_capped": {
                    "type": "boolean",
                    "description": "为 true 时实际条数多于 count",
                },
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "下一页地址（带 cursor 参数）",
                },
                "previous": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "上一页地址",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": CURSOR_PARAM,
                "required": False,
                "in": "query",
                "description": "分页位置：取自上一次响应的 next 或 previous，不要自行构造",
                "schema": {"type": "string"},
            }
        ]
