"""Writing many rows at once, portably (SQLite and PostgreSQL).

One INSERT path serves the import services and the scaled seed alike: ``insert_rows`` takes
new model instances (an import's plans, reports, responsible persons) or plain tuples of
database values in the order of ``fields`` (the seed's millions of reports, an import's
milestones); ``insert_returning`` inserts instances whose ids are needed back (an import's new
projects, a batch of audit entries); ``reserve_ids`` then ``insert_reserved`` do it in two steps,
so that rows pointing at new records can be written before them. None of them sends signals,
like ``bulk_create``.

SQLite runs each as prepared statements in the process (``executemany``; multi-row INSERT …
RETURNING for the ids). PostgreSQL gets the rows through COPY: as INSERT statements every
value is quoted into the SQL text by the driver in Python, which for 75,000 milestones costs
two seconds and ten of waiting; COPY streams them in a tenth of that.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connections, models, router
from django.db.models import Model
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

# Rows per executemany() on SQLite, and at most per multi-row statement.
BATCH = 2000
# Parameters per multi-row statement: within SQLite's 32,766 (and PostgreSQL's 65,535).
MAX_PARAMS = 30_000


def update_rows(model: type[Model], instances: Iterable[Model], fields: Sequence[str]) -> int:
    """Store ``fields`` of each instance, for many instances at once; returns how many.

    ``bulk_update`` builds a CASE expression per row and spends seconds per 10,000 rows in
    Python. SQLite runs one plain UPDATE … WHERE id = ? for all of them (``executemany``);
    PostgreSQL one UPDATE … FROM (VALUES …) per few thousand rows, as a statement per row
    costs a round trip and a plan each there. Like ``bulk_update`` it sends no signals and
    leaves ``auto_now`` fields alone (set them first).
    """
    rows = list(instances)
    if not rows:
        return 0
    connection = connections[router.db_for_write(model)]
    meta, quote = model._meta, connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    # A new encrypted value needs its keyed hash stored with it.
    columns += [
        f.hash_field()
        for f in columns
        if getattr(f, "hash_name", None) and f.hash_name not in fields
    ]
    pk = meta.pk
    params = [
        [pk.get_db_prep_save(row.pk, connection)]
        + [f.get_db_prep_save(getattr(row, f.attname), connection) for f in columns]
        for row in rows
    ]
    table = quote(meta.db_table)
    from .versioning import VERSION_FIELD, bump_columns

    # An edit of a versioned record moves its version on, as a save would (no lost update).
    bump = f", {quote(VERSION_FIELD)} = {table}.{quote(VERSION_FIELD)} + 1"
    if bump_columns(model, fields):
        for row in rows:  # the objects say what is stored, as after a save
            if VERSION_FIELD in row.__dict__:
                row.version += 1
    else:
        bump = ""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            sets = ", ".join(f"{quote(f.column)} = %s" for f in columns) + bump
            sql = f"UPDATE {table} SET {sets} WHERE {quote(pk.column)} = %s"
            cursor.executemany(sql, [values[1:] + values[:1] for values in params])
            return len(rows)
        # The first row's values are cast to the columns' types, which types the others;
        # text to text so that a value too long for its column fails as in a plain UPDATE.
        casts = [_cast(f, connection) for f in [pk, *columns]]
        first = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
        other = "(" + ", ".join(["%s"] * len(casts)) + ")"
        names = ", ".join(f"c{i}" for i in range(len(casts)))
        sets = ", ".join(f"{quote(f.column)} = v.c{i}" for i, f in enumerate(columns, start=1))
        sets += bump
        size = max(1, min(BATCH, MAX_PARAMS // len(casts)))
        for start in range(0, len(params), size):
            chunk = params[start : start + size]
            values = ", ".join([first] + [other] * (len(chunk) - 1))
            cursor.execute(
                f"UPDATE {table} SET {sets} FROM (VALUES {values}) AS v ({names}) "
                f"WHERE {table}.{quote(pk.column)} = v.c0",
                [value for row in chunk for value in row],
            )
    return len(rows)


def _cast(field: models.Field, connection) -> str:
    if isinstance(field, models.CharField | models.TextField):
        return "text"
    return field.db_type(connection) or "text"


# Columns whose plain Python values the database drivers take as they are.
_PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)
_PLAIN_VALUES = (str, int, bool, type(None))
# pre_save() that only reads the attribute (dates and datetimes without auto_now).
_PLAIN_PRE_SAVE = (models.Field.pre_save, models.DateField.pre_save, models.DateTimeField.pre_save)


def insert_fields(model: type[Model]) -> list[models.Field]:
    """The columns an INSERT of a new ``model`` row writes: all but generated columns and the
    automatic id."""
    return [
        f
        for f in model._meta.concrete_fields
        if not f.generated and not isinstance(f, AutoFieldMixin)
    ]


def instance_values(
    model: type[Model], fields: Sequence[models.Field]
) -> Callable[[Model], list[Any]]:
    """``instance -> [database value of each of fields]``, as ``bulk_create`` would send them.

    Preparing every value through its field costs seconds per 10,000 rows, so: blanks
    (None) and plain strings, integers and booleans are passed as they are; a date is
    prepared once per distinct date; ``auto_now``/``auto_now_add`` fields get one moment for
    the whole insert (set on each instance, as saving would); decimals, JSON, datetimes and
    choices' enum members go through their field as usual.
    """
    connection = connections[router.db_for_write(model)]
    moment: dict[str, Any] = {}
    columns = []
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            kind = "stamp"
        elif type(f).pre_save not in _PLAIN_PRE_SAVE:  # a file field: as saving does
            kind = "pre_save"
        elif isinstance(f, _PLAIN_FIELDS):
            kind = "plain"
        elif type(f) is models.DateField:
            kind = "date"
        else:
            kind = "prep"
        columns.append((f, f.attname, kind, {}))

    def stamp(f: models.Field) -> tuple[Any, Any]:
        """The insert's moment for an auto_now field and its database value."""
        if f.attname not in moment:
            if isinstance(f, models.DateTimeField):
                value = timezone.now()
            elif isinstance(f, models.DateField):
                value = dt.date.today()
            else:  # pragma: no cover - a time field: as saving would
                value = f.pre_save(f.model(), add=True)
            moment[f.attname] = (value, f.get_db_prep_save(value, connection))
        return moment[f.attname]

    def values(row: Model) -> list[Any]:
        out = []
        for f, attname, kind, prepared in columns:
            if kind == "stamp":
                value, db_value = stamp(f)
                setattr(row, attname, value)
                out.append(db_value)
                continue
            if kind == "pre_save":
                out.append(f.get_db_prep_save(f.pre_save(row, add=True), connection))
                continue
            value = getattr(row, attname)
            if value is None or (kind == "plain" and type(value) in _PLAIN_VALUES):
                out.append(value)
            elif kind == "date":
                if value not in prepared:
                    prepared[value] = f.get_db_prep_save(value, connection)
                out.append(prepared[value])
            else:
                out.append(f.get_db_prep_save(value, connection))
        return out

    return values


def insert_rows(
    model: type[Model],
    rows: Iterable[Model] | Iterable[Sequence[Any]],
    batch_size: int = BATCH,
    *,
    fields: Sequence[str] | None = None,
) -> int:
    """INSERT ``rows`` without signals; returns how many.

    Without ``fields``, ``rows`` are new model instances: every column but the automatic id,
    ``auto_now`` fields filled in, ids not read back. With ``fields`` (names of ``model``'s
    fields), ``rows`` are tuples in that order holding what the database takes — plain ints,
    strings, bools and Decimals as they are, dates, datetimes and JSON through
    ``core.scale.prep`` or ``moments`` — for the millions of rows where building instances
    costs more than the insert. ``rows`` may be a generator: it is consumed ``batch_size``
    rows at a time.
    """
    if fields is None:
        columns = insert_fields(model)
        rows = map(instance_values(model, columns), rows)
    else:
        columns = [model._meta.get_field(name) for name in fields]
        columns, rows = _encrypt_tuples(model, columns, rows)
    connection = connections[router.db_for_write(model)]
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        return _copy(connection, table, [f.column for f in columns], rows)
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in columns)
    sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
    count = 0
    iterator = iter(rows)
    with connection.cursor() as cursor:
        while chunk := list(itertools.islice(iterator, batch_size)):
            cursor.executemany(sql, chunk)
            count += len(chunk)
    return count


def _encrypt_tuples(
    model: type[Model], columns: list[models.Field], rows: Iterable[Sequence[Any]]
) -> tuple[list[models.Field], Iterable[Sequence[Any]]]:
    """Tuples hold plain values: encrypted fields (mobile numbers) are encrypted here and
    their keyed hash added as a column, as saving an instance would."""
    from . import crypto
    from .fields import EncryptedCharField

    secret = [i for i, f in enumerate(columns) if isinstance(f, EncryptedCharField)]
    if not secret:
        return columns, rows
    names = {f.name for f in columns}
    added = [i for i in secret if columns[i].hash_name not in names]
    columns = columns + [columns[i].hash_field() for i in added]

    def convert(row: Sequence[Any]) -> list[Any]:
        out = list(row)
        hashes = [crypto.keyed_hash(out[i] or "") for i in added]
        for i in secret:
            out[i] = crypto.encrypt(out[i]) if out[i] else out[i]
        return out + hashes

    return columns, map(convert, rows)


def insert_returning(model: type[Model], instances: Sequence[Model]) -> list[int]:
    """INSERT new ``instances`` (of a model with an automatic id, not set yet) and set their
    ids, as ``bulk_create`` does without preparing every value through its field; returns the
    ids, ascending in the order of ``instances``.

    SQLite: multi-row INSERT … RETURNING. The rows of one statement are inserted in the order
    of its VALUES and each new id is above every earlier one (AUTOINCREMENT), so the i-th
    smallest id returned is the i-th row's, whatever order RETURNING lists them in.
    PostgreSQL: the ids are taken from the table's sequence first, then the rows copied in
    with them.
    """
    if not instances:
        return []
    meta = model._meta
    if not isinstance(meta.pk, AutoFieldMixin):
        raise TypeError(f"insert_returning: {meta.label} has no automatic id")
    columns = insert_fields(model)
    values = instance_values(model, columns)
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        ids = reserve_ids(model, instances)
        insert_reserved(model, instances)
        return ids
    names = ", ".join(quote(f.column) for f in columns)
    marks = f"({', '.join(['%s'] * len(columns))})"
    ids: list[int] = []
    with connection.cursor() as cursor:
        size = _per_statement(connection, len(columns))
        for start in range(0, len(instances), size):
            chunk = instances[start : start + size]
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES "
                f"{', '.join([marks] * len(chunk))} RETURNING {quote(meta.pk.column)}",
                [value for row in chunk for value in values(row)],
            )
            got = sorted(row[0] for row in cursor.fetchall())
            if len(got) != len(chunk):  # pragma: no cover - the database's promise
                raise RuntimeError(f"插入 {len(chunk)} 行，返回 {len(got)} 个编号")
            ids += got
    _set_ids(connection, instances, ids)
    return ids


def reserve_ids(model: type[Model], instances: Sequence[Model]) -> list[int]:
    """Give new ``instances`` their ids before they are inserted (``insert_reserved``), so
    that rows pointing at them can be written first: foreign keys are checked at commit.

    PostgreSQL takes the ids from the table's sequence. SQLite moves the table's
    AUTOINCREMENT counter past them, which only a write transaction may do safely (it holds
    the database's write lock from its start: Tuijin opens them IMMEDIATE).
    """
    if not instances:
        return []
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    table, pk = meta.db_table, meta.pk.column
    quote = connection.ops.quote_name
    n = len(instances)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [quote(table), pk, n],
            )
            ids = sorted(row[0] for row in cursor.fetchall())
        else:
            if not connection.in_atomic_block:
                raise RuntimeError("reserve_ids: only inside a write transaction on SQLite")
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            counter = cursor.fetchone()
            cursor.execute(f"SELECT MAX({quote(pk)}) FROM {quote(table)}")
            top = max(counter[0] if counter else 0, cursor.fetchone()[0] or 0)
            if counter:
                cursor.execute(
                    "UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [top + n, table]
                )
            else:
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, top + n]
                )
            ids = list(range(top + 1, top + n + 1))
    for instance, new_id in zip(instances, ids, strict=True):
        instance.pk = new_id
    return ids


def insert_reserved(model: type[Model], instances: Sequence[Model]) -> int:
    """INSERT ``instances`` whose ids ``reserve_ids`` gave, with those ids; returns how many."""
    meta = model._meta
    columns = insert_fields(model)
    values = instance_values(model, columns)
    connection = connections[router.db_for_write(model)]
    names = [meta.pk.column] + [f.column for f in columns]
    rows = ([row.pk, *values(row)] for row in instances)
    if connection.vendor == "postgresql":
        count = _copy(connection, meta.db_table, names, rows)
    else:
        quote = connection.ops.quote_name
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(map(quote, names))}) "
            f"VALUES ({', '.join(['%s'] * len(names))})"
        )
        count = 0
        with connection.cursor() as cursor:
            while chunk := list(itertools.islice(rows, BATCH)):
                cursor.executemany(sql, chunk)
                count += len(chunk)
    for instance in instances:
        instance._state.adding, instance._state.db = False, connection.alias
    return count


def _set_ids(connection, instances: Sequence[Model], ids: list[int]) -> None:
    for instance, pk in zip(instances, ids, strict=True):
        instance.pk = pk
        instance._state.adding, instance._state.db = False, connection.alias


def _copy(connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Stream ``rows`` into ``table`` with PostgreSQL's COPY; returns how many."""
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    count = 0
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _per_statement(connection, width: int) -> int:
    """Rows per multi-row statement within SQLite's limit of parameters."""
    import sqlite3

    try:
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except (AttributeError, sqlite3.Error):  # no getlimit() before Python 3.11
        limit = 999
    return max(1, min(BATCH, MAX_PARAMS // max(1, width), limit // max(1, width)))
