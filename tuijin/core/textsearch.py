"""Substring search of Chinese text served by an index, on SQLite and PostgreSQL alike.

The search box of a list finds the rows whose text contains what was typed, anywhere in it
(``icontains``: ``LIKE '%q%'``). No B-tree index serves that: a search that finds few rows read
every row in scope, twice (the page and its bounded count) — about a second for a province's
300,000 requests. A ``TextIndex`` narrows the rows to candidates through an index and the plain
filter still applies to them, so the rows found are exactly the plain filter's whatever the
index's own idea of case or characters: the index only has to find a superset.

Which way is quicker depends on how common the text is. Common text ("企业") fills a page at
once when the list reads its rows in its own order and tests each (the page stops after 20
matches, the bounded count after 1,001); text found in few rows is only quick through the
index. Each database gets to choose:

**PostgreSQL**: ``pg_trgm`` would be the usual index, but it only indexes alphanumeric words,
and in a database with the C locale (``initdb --no-locale``, as the test servers run) no
Chinese character is alphanumeric: ``show_trgm('清溪县')`` is empty. Instead, a GIN index over
an expression: the single characters and pairs of characters of the upper-cased columns joined
by U+001F (``tuijin_search_grams``). A search of one character asks for the rows holding it,
of two or more for the rows holding each of its pairs (``@>``; the pairs are computed by
``tuijin_search_query_grams`` from the same ``UPPER`` that ``icontains`` uses). The index needs
no trigger, and the planner, which has statistics of the array's elements, chooses between the
index and the list's own order. Three things make it choose well:

- the plain filter is wrapped in ``COALESCE(…, false)``: otherwise the planner multiplies its
  selectivity by the index's as if they were independent (they are the same rows), believes
  the most common text rare, and sorts 250,000 candidates instead of reading 21 rows in order;
- the function's ``COST 5000`` is what it costs (about 60 µs a row, against 2 for ``LIKE``):
  with the default the planner reads 1,001 rows in order for a bounded count, computing the
  function on each, rather than counting through the index;
- ``PARALLEL UNSAFE``: parallel workers cost far more than they save on these small reads.

The function is PL/pgSQL because it is about three times quicker than the same in SQL: it is
computed on every write of a searched column and for each row when the index is built (about
two minutes for a province's 300,000 requests on the test machine).

**SQLite**: an FTS5 table with the ``trigram`` tokenizer over the columns, kept in step by
triggers; contentless (``detail=none``: row ids only; the text stays in the table) because each
column value is indexed with two U+001F after it, so that every character and every pair of
characters of the text begins some trigram. Text of three characters or more: rows holding each
of its trigrams; of one or two: rows holding any trigram beginning with it, the trigrams read
from the index's vocabulary (``fts5vocab``) inside the same statement. SQLite has no statistics
of an FTS index, so the choice is made here: one statement counts the candidates (up to a
bound); the index is used when they are few for the table's size (``_threshold``), the plain
filter otherwise. The choice is remembered per text for ``DECISION_SECONDS`` in the process: it
only decides which plan runs, never which rows are found.

SQLite caveat for later migrations: a migration that makes Django rebuild an indexed table on
SQLite (some ``AlterField``s copy the table into a new one) drops the table's triggers with the
old table. Such a migration must run ``TextIndex.sqlite_create()`` again (the search tests of
each app fail otherwise: an edited row would no longer be found).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, migrations, models
from django.db.models import BooleanField, ExpressionWrapper, F, Func, Q, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Upper

# The largest code point: the upper end of a range of vocabulary terms.
LAST_CHAR = "\U0010ffff"
# A one- or two-character text beginning more trigrams than this is common (SQLite).
PREFIX_TERMS = 256
# At most this many candidates are counted to decide (SQLite).
COUNT_LIMIT = 20_000
# How long a decision is remembered, and how many at most.
DECISION_SECONDS = 300.0
DECISIONS_KEPT = 4096
# Trigrams of a long text asked for at most (each narrows further; the filter does the rest).
MAX_TRIGRAMS = 16

_decisions: dict[tuple[str, str], tuple[bool, float]] = {}

PG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION tuijin_search_grams(t text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL UNSAFE COST 5000 AS $$
DECLARE
    chars text[] := string_to_array(t, NULL);
    grams text[] := chars;
BEGIN
    FOR i IN 1 .. cardinality(chars) - 1 LOOP
        grams := grams || (chars[i] || chars[i + 1]);
    END LOOP;
    RETURN grams;
END
$$;
CREATE OR REPLACE FUNCTION tuijin_search_query_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN length(t) = 1 THEN ARRAY[t] ELSE ARRAY(
        SELECT DISTINCT substr(t, i, 2) FROM generate_series(1, length(t) - 1) AS i
    ) END
$$;
"""
# Dropped with the last index that uses them (each app's migration creates them again).
PG_DROP_FUNCTIONS = """
DO $$ BEGIN
    DROP FUNCTION IF EXISTS tuijin_search_query_grams(text);
    DROP FUNCTION IF EXISTS tuijin_search_grams(text);
EXCEPTION WHEN dependent_objects_still_exist THEN NULL;
END $$;
"""


class _GramsOf(Func):
    """``tuijin_search_grams(COALESCE(UPPER(a), '') || chr(31) || COALESCE(UPPER(b), ''))``:
    the expression of the PostgreSQL index, written the same way so that the planner matches
    it (one call per row: the function is the cost of every write and of the index build)."""

    function = "tuijin_search_grams"

    def __init__(self, columns: Sequence[str]) -> None:
        parts = [Coalesce(Upper(F(c)), Value(""), output_field=TextField()) for c in columns]
        joined = Func(*parts, template="(%(expressions)s)", arg_joiner=" || chr(31) || ")
        super().__init__(joined, output_field=TextField())


class _Holds(Func):
    """``grams @> tuijin_search_query_grams(UPPER(text))``."""

    template = "(%(expressions)s)"
    arg_joiner = " @> "
    output_field = BooleanField()


def _quoted(term: str) -> str:
    """An FTS5 string: in double quotes, each double quote doubled."""
    return '"' + term.replace('"', '""') + '"'


def _threshold(rows: int) -> int:
    """Candidates above which the plain filter beats the index on SQLite, for a table of about
    ``rows`` rows: reading n candidates costs ~n, the plain filter reads ~1,000 × rows / n rows
    to fill a page and its bounded count; they meet near sqrt(1,000 × rows), measured a little
    lower (a candidate is read through the primary key, a row in order is read in place)."""
    return max(1000, min(COUNT_LIMIT, int(math.sqrt(600 * max(rows, 1)))))


@dataclass(frozen=True)
class TextIndex:
    """An index serving ``icontains`` over some text columns of one table (any of them)."""

    table: str
    columns: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.table}_search"

    # -- SQL of the migrations ---------------------------------------------------------------

    def _padded(self, row: str) -> str:
        return ", ".join(f"{row}.{c} || char(31, 31)" for c in self.columns)

    def sqlite_create(self) -> list[str]:
        name, cols = self.name, ", ".join(self.columns)
        watched = ", ".join(("id", *self.columns))
        # Django's save() writes every column: re-index only when a searched one changed.
        changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in ("id", *self.columns))
        delete = (
            f"INSERT INTO {name}({name}, rowid, {cols}) VALUES ('delete', old.id, "
            f"{self._padded('old')});"
        )
        insert = f"INSERT INTO {name}(rowid, {cols}) VALUES (new.id, {self._padded('new')});"
        return [
            *self.sqlite_drop(),
            f"CREATE VIRTUAL TABLE {name} USING fts5({cols}, content='', "
            "tokenize='trigram', detail='none', columnsize=0)",
            f"CREATE VIRTUAL TABLE {name}_terms USING fts5vocab({name}, 'row')",
            f"CREATE TRIGGER {name}_insert AFTER INSERT ON {self.table} BEGIN {insert} END",
            f"CREATE TRIGGER {name}_delete AFTER DELETE ON {self.table} BEGIN {delete} END",
            f"CREATE TRIGGER {name}_update AFTER UPDATE OF {watched} ON {self.table} "
            f"WHEN {changed} BEGIN {delete} {insert} END",
            f"INSERT INTO {name}(rowid, {cols}) SELECT id, "
            f"{self._padded(self.table)} FROM {self.table}",
        ]

    def sqlite_drop(self) -> list[str]:
        name = self.name
        return [
            f"DROP TRIGGER IF EXISTS {name}_insert",
            f"DROP TRIGGER IF EXISTS {name}_delete",
            f"DROP TRIGGER IF EXISTS {name}_update",
            f"DROP TABLE IF EXISTS {name}_terms",
            f"DROP TABLE IF EXISTS {name}",
        ]

    def postgresql_create(self) -> list[str]:
        text = " || chr(31) || ".join(f"coalesce(upper({c}), '')" for c in self.columns)
        return [
            PG_FUNCTIONS,
            f"CREATE INDEX IF NOT EXISTS {self.name} ON {self.table} "
            f"USING gin (tuijin_search_grams({text}))",
        ]

    def postgresql_drop(self) -> list[str]:
        return [f"DROP INDEX IF EXISTS {self.name}", PG_DROP_FUNCTIONS]

    def operations(self) -> list[migrations.operations.base.Operation]:
        """The migration's operations: each database's SQL, run on that database only."""
        return [
            VendorSQL("sqlite", self.sqlite_create(), self.sqlite_drop()),
            VendorSQL("postgresql", self.postgresql_create(), self.postgresql_drop()),
        ]

    # -- searching -----------------------------------------------------------------------------

    def contains(self, text: str) -> Q:
        """Rows where any of the columns contains ``text``: the plain filter."""
        q = Q()
        for column in self.columns:
            q |= Q(**{f"{column}__icontains": text})
        return q

    def search(self, queryset: models.QuerySet, text: str, plain: Q | None = None):
        """``queryset`` narrowed to the rows meeting ``plain`` (default: any column contains
        ``text``), through the index where it helps. ``plain`` must only accept rows where
        some indexed column contains ``text`` ignoring case (``code__iexact=text`` and
        ``code__startswith=text`` do): the index's candidates are all such rows."""
        plain = self.contains(text) if plain is None else plain
        if not text:
            return queryset.filter(plain)
        if connection.vendor == "postgresql":
            holds = _Holds(
                _GramsOf(self.columns),
                Func(Upper(Value(text)), function="tuijin_search_query_grams"),
            )
            # COALESCE hides the filter's selectivity from the planner (see the docstring).
            checked = Coalesce(ExpressionWrapper(plain, output_field=BooleanField()), False)
            return queryset.filter(holds, checked)
        if connection.vendor == "sqlite":
            match = self._sqlite_match(text)
            if match is not None and self._sqlite_use_index(text, match):
                sql, params = match
                candidates = RawSQL(
                    f"SELECT rowid FROM {self.name} WHERE {self.name} MATCH {sql}", params
                )
                return queryset.filter(Q(pk__in=candidates) & plain)
        return queryset.filter(plain)

    # -- SQLite ------------------------------------------------------------------------------

    def _sqlite_match(self, text: str) -> tuple[str, list] | None:
        """The FTS5 query of ``text`` as SQL (a parameter, or a subquery building it from the
        vocabulary), or None when the index cannot serve it."""
        if len(text) >= 3:
            trigrams = list(dict.fromkeys(text[i : i + 3] for i in range(len(text) - 2)))
            return "%s", [" AND ".join(_quoted(t) for t in trigrams[:MAX_TRIGRAMS])]
        if any(c.lower() != c.upper() and not c.isascii() for c in text):
            # FTS5 folds the case of every letter, Python's ``lower`` some of them otherwise:
            # the vocabulary range would be a guess, so such text is searched plainly.
            return None
        prefix = text.lower()
        terms = (
            f"SELECT group_concat('\"' || replace(term, '\"', '\"\"') || '\"', ' OR ') "
            f"FROM {self.name}_terms WHERE term >= %s AND term <= %s"
        )
        # No trigram begins with it: an empty phrase, which matches no row.
        sql = f"coalesce(({terms}), '\"\"')"
        return sql, [prefix, prefix + LAST_CHAR * (3 - len(prefix))]

    def _sqlite_use_index(self, text: str, match: tuple[str, list]) -> bool:
        """Whether the candidates are few enough for the index to be the quicker way: one
        statement, remembered for a while (it only picks the plan, never the rows)."""
        key = (self.name, text)
        now = time.monotonic()
        known = _decisions.get(key)
        if known is not None and known[1] > now:
            return known[0]
        sql, params = match
        counted = (
            f"SELECT count(*) FROM (SELECT rowid FROM {self.name} WHERE {self.name} "
            f"MATCH {sql} LIMIT {COUNT_LIMIT + 1})"
        )
        if len(text) < 3:
            prefix, last = params
            too_many = (
                f"(SELECT count(*) FROM (SELECT 1 FROM {self.name}_terms WHERE term >= %s "
                f"AND term <= %s LIMIT {PREFIX_TERMS + 1})) > {PREFIX_TERMS}"
            )
            counted = f"CASE WHEN {too_many} THEN -1 ELSE ({counted}) END"
            params = [prefix, last, *params]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT ({counted}), (SELECT max(rowid) FROM {self.table})", params)
            candidates, rows = cursor.fetchone()
        use = 0 <= candidates <= _threshold(rows or 0)
        if len(_decisions) >= DECISIONS_KEPT:
            _decisions.clear()
        _decisions[key] = (use, now + DECISION_SECONDS)
        return use


def forget_decisions() -> None:
    """Forget the SQLite plan choices (tests, after loading data)."""
    _decisions.clear()


class VendorSQL(migrations.RunSQL):
    """``RunSQL`` run only on one database vendor (the search indexes differ by database)."""

    def __init__(self, vendor: str, sql, reverse_sql=None, **kwargs) -> None:
        self.vendor = vendor
        super().__init__(sql, reverse_sql, **kwargs)

    def deconstruct(self):
        name, args, kwargs = super().deconstruct()
        return name, [self.vendor, *args], kwargs

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self) -> str:
        return f"Raw SQL operation on {self.vendor}"
