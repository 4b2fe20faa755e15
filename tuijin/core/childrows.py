"""A record's children read in the record's own SELECT: one JSON array per kind of child.

A detail page shows a record with many kinds of children (a project's milestones, plans,
reports, lights, stage changes…). ``prefetch_related`` reads each kind with its own query, and
a page of a dozen kinds cannot stay within the query budget (tuijin/core/budgets.py). Here each
kind becomes a correlated subquery of the record's query that returns the children's rows as
one JSON array (SQLite ``JSON_GROUP_ARRAY``, PostgreSQL ``JSON_AGG``: both branches below),
and ``load`` turns the array back into model instances, with the rows their foreign keys point
to, as the same queryset with ``select_related`` would have returned them: the same columns,
converted the same way, linked by Django's own setters.

    rows = {"milestone_rows": ChildRows(Milestone.objects.filter(project=OuterRef("pk")))}
    project = loaded(annotate(Project.objects.all(), rows).get(pk=pk), rows)
    project.milestone_rows  # a list of milestones

``attach(record, "milestones", rows)`` then serves ``record.milestones.all()`` from ``rows``.
Nothing is cached: the rows are read by the same statement as the record.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django.conf import settings
from django.db import NotSupportedError, connection, models
from django.db.models import F, OrderBy, Subquery, Window
from django.db.models.functions import RowNumber
from django.db.models.sql import Query
from django.utils import timezone
from django.utils.dateparse import parse_datetime, parse_time

# A function takes at most 100 arguments on PostgreSQL (127 on older SQLite): a row of more
# columns is an array of arrays of at most this many.
CHUNK = 90
# The rank of a row in its queryset's order (JSON aggregates keep no order of their own).
ROW = "childrows_row"
# Kinds of column whose JSON form this module does not turn back (no model of Tuijin has one).
UNSUPPORTED = {"BinaryField", "DurationField"}


class ChildRows:
    """The rows of ``queryset`` (which names its parent with ``OuterRef``) with the rows its
    foreign keys in ``related`` point to (as ``select_related`` takes them), in the
    queryset's order, at most ``limit`` of them. Annotations of the queryset come along as
    attributes of the loaded instances."""

    def __init__(self, queryset, *related: str, limit: int | None = None):
        self.queryset = queryset
        self.model = queryset.model
        self.related = related
        self.limit = limit
        # How the columns make instances, known once the SQL is compiled (see _JSONArray).
        self.layout: dict | None = None

    def expression(self) -> _JSONArray:
        """The annotation that reads the rows: ``parents.annotate(name=rows.expression())``."""
        # The rank gives the order (and the limit, below): no ORDER BY of its own to compile.
        rank = Window(RowNumber(), order_by=_ordering(self.queryset))
        inner = self.queryset.select_related(*self.related) if self.related else self.queryset
        return _JSONArray(inner.order_by().annotate(**{ROW: rank}), self)

    def load(self, value: str | None) -> list:
        """The instances, from the JSON array that ``expression`` read."""
        layout = self.layout
        if layout is None:
            raise RuntimeError("childrows: load() before the query that reads the rows ran")
        rows = [
            [column for chunk in chunks for column in chunk]
            for chunks in json.loads(value or "[]", parse_float=Decimal)
        ]
        rows.sort(key=lambda row: row[layout["rank"]])
        out = []
        for row in rows:
            instance = _build(layout["root"], row)
            for name, (index, field) in layout["annotations"].items():
                setattr(instance, name, _python(field, row[index]))
            out.append(instance)
        return out


class _JSONArray(Subquery):
    """The rows of a subquery as one JSON array (text) of rows, each row an array of arrays
    of at most ``CHUNK`` columns. Compiling it tells ``spec`` which column is what."""

    def __init__(self, queryset, spec: ChildRows):
        super().__init__(queryset, output_field=models.TextField())
        self.spec = spec

    def as_sql(self, compiler, connection, template=None, **extra_context):
        # Compiled as Query.as_sql does for a subquery, with every column named (col1…).
        inner = self.query.get_compiler(connection=connection)
        sql, params = inner.as_sql(with_col_aliases=True)
        self.spec.layout = _layout(inner)
        if connection.vendor == "postgresql":
            array, aggregate, suffix = "JSON_BUILD_ARRAY", "JSON_AGG", "::text"
        elif connection.vendor == "sqlite":
            array, aggregate, suffix = "JSON_ARRAY", "JSON_GROUP_ARRAY", ""
        else:  # pragma: no cover - Tuijin runs on SQLite and PostgreSQL only
            raise NotSupportedError(f"childrows: no JSON aggregate for {connection.vendor}")
        quote = connection.ops.quote_name
        columns = [f"_r.{quote(alias)}" for _expression, _sql, alias in inner.select]
        chunks = [
            f"{array}({', '.join(columns[start : start + CHUNK])})"
            for start in range(0, len(columns), CHUNK)
        ]
        row = f"{array}({', '.join(chunks)})"
        where = ""
        if self.spec.limit is not None:
            where, params = f" WHERE _r.{quote(ROW)} <= %s", (*params, self.spec.limit)
        sql = f"(SELECT COALESCE({aggregate}({row}){suffix}, '[]') FROM ({sql}) _r{where})"
        return sql, params


def _layout(compiler) -> dict:
    """Where each instance's columns are in a row, from the compiler's own description of
    its SELECT (the one ``select_related`` builds instances from)."""

    def part(klass_info: dict) -> dict:
        fields = [compiler.select[i][0].target for i in klass_info["select_fields"]]
        for field in fields:
            if field.get_internal_type() in UNSUPPORTED:
                raise NotSupportedError(f"childrows: {field} is not supported")
        return {
            "model": klass_info["model"],
            "indices": klass_info["select_fields"],
            "fields": fields,
            "pk": fields.index(klass_info["model"]._meta.pk),
            "related": [
                (info["local_setter"], info["remote_setter"], part(info))
                for info in klass_info.get("related_klass_infos", [])
            ],
        }

    annotations = {
        name: (index, compiler.select[index][0].output_field)
        for name, index in compiler.annotation_col_map.items()
        if name != ROW
    }
    return {
        "root": part(compiler.klass_info),
        "rank": compiler.annotation_col_map[ROW],
        "annotations": annotations,
    }


def _build(part: dict, row: list) -> models.Model | None:
    values = [_python(f, row[i]) for i, f in zip(part["indices"], part["fields"], strict=True)]
    if values[part["pk"]] is None:
        return None
    instance = part["model"].from_db(connection.alias, [f.attname for f in part["fields"]], values)
    for local_setter, remote_setter, related in part["related"]:
        obj = _build(related, row)
        local_setter(instance, obj)
        if obj is not None:
            remote_setter(obj, instance)
    return instance


def annotate(queryset, rows: dict):
    """``queryset`` annotated with ``rows`` (name -> ``ChildRows`` or any expression)."""
    return queryset.annotate(
        **{name: r.expression() if isinstance(r, ChildRows) else r for name, r in rows.items()}
    )


def loaded(record: models.Model, rows: dict) -> models.Model:
    """The record of a queryset that ``annotate`` gave, its ``ChildRows`` attributes turned
    from JSON into lists of instances."""
    for name, r in rows.items():
        if isinstance(r, ChildRows):
            setattr(record, name, r.load(getattr(record, name)))
    return record


def read(specs: dict[str, ChildRows]) -> dict[str, list]:
    """Rows of several unrelated querysets (no ``OuterRef``) in one statement:
    ``SELECT (rows of the first), (rows of the second)…``, without a table of its own."""
    if not specs:
        return {}
    query = Query(None)
    compiler = query.get_compiler(connection=connection)
    parts, params = [], []
    for spec in specs.values():
        sql, spec_params = spec.expression().resolve_expression(query).as_sql(compiler, connection)
        parts.append(sql)
        params.extend(spec_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        values = cursor.fetchone()
    return {
        name: spec.load(value) for (name, spec), value in zip(specs.items(), values, strict=True)
    }


def _ordering(queryset) -> list:
    """The queryset's order as expressions (a foreign key orders by its id)."""
    query = queryset.query
    items = query.order_by or (query.default_ordering and queryset.model._meta.ordering) or ["pk"]
    out = []
    for item in items:
        if isinstance(item, str):
            item = OrderBy(F(item.lstrip("-")), descending=item.startswith("-"))
        out.append(item)
    return out


def _python(field: models.Field, value):
    """A JSON value of a column as the database driver and Django's converters return it."""
    if value is None:
        return None
    if isinstance(field, models.GeneratedField):
        field = field.output_field
    kind = field.get_internal_type()
    if kind == "JSONField":
        # SQLite stores JSON as text, copied into the array as a string; PostgreSQL nests it.
        if connection.vendor == "sqlite":
            return field.from_db_value(value, None, connection)
        return value
    if kind == "DecimalField":
        quantum = Decimal(1).scaleb(-field.decimal_places)
        return Decimal(value).quantize(quantum, context=field.context)
    if kind == "FloatField":
        return float(value)
    if kind == "BooleanField":
        return bool(value)
    if kind == "DateTimeField":
        moment = parse_datetime(value)
        if settings.USE_TZ and timezone.is_naive(moment):
            moment = timezone.make_aware(moment, dt.UTC)  # SQLite keeps UTC without offset
        return moment
    if kind == "DateField":
        return dt.date.fromisoformat(value[:10])
    if kind == "TimeField":
        return parse_time(value)
    if kind == "UUIDField":
        return field.to_python(value)
    return value


def attach(record: models.Model, name: str, rows: list) -> list:
    """Serve ``record.<name>.all()`` (a reverse or many-to-many relation) from ``rows``, each
    row of a reverse relation knowing its parent, as ``prefetch_related`` leaves them."""
    manager = getattr(record, name)
    queryset = manager.all()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    if hasattr(manager, "prefetch_cache_name"):  # many-to-many
        key = manager.prefetch_cache_name
    else:
        key = manager.field.remote_field.cache_name
        for row in rows:
            manager.field.set_cached_value(row, record)
    record.__dict__.setdefault("_prefetched_objects_cache", {})[key] = queryset
    return rows
