"""Writing many rows at once, portably (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connections, models
from django.db.models import Model
from django.db.models.fields import AutoFieldMixin


def update_rows(model: type[Model], instances: Iterable[Model], fields: Sequence[str]) -> int:
    """Store ``fields`` of each instance with one UPDATE statement run for all of them.

    ``bulk_update`` builds a CASE expression per row and spends seconds per 10,000 rows in
    Python; ``executemany`` of one plain UPDATE … WHERE id = %s is fast on both databases. Like
    ``bulk_update`` it sends no signals and leaves ``auto_now`` fields alone (set them first).
    Returns the number of instances written.
    """
    rows = list(instances)
    if not rows:
        return 0
    connection = connections[model.objects.db]
    meta, quote = model._meta, connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    pk = meta.pk
    sets = ", ".join(f"{quote(f.column)} = %s" for f in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(pk.column)} = %s"
    params = [
        [f.get_db_prep_save(getattr(row, f.attname), connection) for f in columns]
        + [pk.get_db_prep_save(row.pk, connection)]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(rows)


# Columns whose plain Python values the database drivers take as they are.
_PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)
_PLAIN_VALUES = (str, int, bool, type(None))


def insert_rows(model: type[Model], instances: Iterable[Model], batch_size: int = 2000) -> int:
    """Insert ``instances`` with one INSERT statement run for all of them; returns how many.

    For rows whose ids nobody needs back (a new project's milestones, plans, reports):
    ``bulk_create`` assembles a multi-row statement and prepares every value through its
    field, which for 70,000 milestones costs seconds; plain strings, integers and booleans are
    passed as they are here, dates, decimals and JSON through their field as usual. Sends no
    signals, like ``bulk_create``; ``auto_now``/``auto_now_add`` fields are filled in.
    """
    connection = connections[model.objects.db]
    meta, quote = model._meta, connection.ops.quote_name
    fields = [
        f for f in meta.concrete_fields if not f.generated and not isinstance(f, AutoFieldMixin)
    ]
    stamped = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    plain = [isinstance(f, _PLAIN_FIELDS) for f in fields]
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"

    def values(row: Model) -> list:
        for f in stamped:
            f.pre_save(row, add=True)
        out = []
        for f, is_plain in zip(fields, plain, strict=True):
            value = getattr(row, f.attname)
            if not (is_plain and type(value) in _PLAIN_VALUES):
                value = f.get_db_prep_save(value, connection)
            out.append(value)
        return out

    count, batch = 0, []
    with connection.cursor() as cursor:
        for row in instances:
            batch.append(values(row))
            if len(batch) >= batch_size:
                cursor.executemany(sql, batch)
                count, batch = count + len(batch), []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count
