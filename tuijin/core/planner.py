"""The database's statistics, kept current so that list pages seek on the right index.

SQLite keeps no statistics by itself: without ``ANALYZE`` its planner guesses that
``region_id IN (…)`` picks few rows and sorts a whole city's or province's requests to show
one page, instead of reading them in order from the list's index (tens of times slower).
PostgreSQL's autovacuum analyses on its own, but only some time after a bulk load. So the
statistics are refreshed after ``tuijin seed`` (its last part), after ``tuijin migrate`` has
applied migrations (SQLite drops the statistics of every table a migration rebuilds:
``core.signals``), and every night (a sweep step).

At night PostgreSQL analyses only the tables that need it: never analysed, or changed by
more than a tenth since their last analysis (autovacuum's own rule, applied at once instead
of whenever autovacuum gets to it). A whole ``ANALYZE`` samples every table, a few seconds
for a city and more for a province, while most tables have not changed since the night before.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from .scale import ScaleContext, register

# Rows SQLite samples per index: approximate statistics in well under a second at any size.
SQLITE_ANALYSIS_LIMIT = 1000


# PostgreSQL: a table is analysed again once this share of its rows changed (plus a few).
STALE_SHARE = 0.1
STALE_ROWS = 50


def refresh_statistics(*, changed_only: bool = False) -> int | None:
    """``ANALYZE`` the database (on SQLite from a bounded sample of each index).

    ``changed_only`` (PostgreSQL): only the tables whose statistics are stale; returns how
    many were analysed (None: the whole database was).
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
        elif changed_only and connection.vendor == "postgresql":
            cursor.execute(
                "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() "
                "AND (n_mod_since_analyze > %s + %s * n_live_tup "
                "OR (last_analyze IS NULL AND last_autoanalyze IS NULL AND n_live_tup > 0)) "
                "ORDER BY relname",
                [STALE_ROWS, STALE_SHARE],
            )
            tables = [name for (name,) in cursor.fetchall()]
            if tables:
                quote = connection.ops.quote_name
                cursor.execute(f"ANALYZE {', '.join(quote(name) for name in tables)}")
            return len(tables)
        cursor.execute("ANALYZE")
    return None


def sweep_step(today: dt.date) -> str:
    refresh_statistics(changed_only=True)
    return "数据库查询统计已更新"


@register(1_000_000, "数据库查询统计")
def seed_step(ctx: ScaleContext) -> None:
    """After the bulk load: the first pages of the bench must already have good plans."""
    refresh_statistics()
