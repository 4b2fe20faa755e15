"""The database's statistics, kept current so that list pages seek on the right index.

SQLite keeps no statistics by itself: without ``ANALYZE`` its planner guesses that
``region_id IN (…)`` picks few rows and sorts a whole city's or province's requests to show
one page, instead of reading them in order from the list's index (tens of times slower).
PostgreSQL's autovacuum analyses on its own, but only some time after a bulk load. So the
statistics are refreshed after ``tuijin seed`` (its last part) and every night (a sweep step).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from .scale import ScaleContext, register

# Rows SQLite samples per index: approximate statistics in well under a second at any size.
SQLITE_ANALYSIS_LIMIT = 1000


def refresh_statistics() -> None:
    """``ANALYZE`` the database (on SQLite from a bounded sample of each index)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")


def sweep_step(today: dt.date) -> str:
    refresh_statistics()
    return "数据库查询统计已更新"


@register(1_000_000, "数据库查询统计")
def seed_step(ctx: ScaleContext) -> None:
    """After the bulk load: the first pages of the bench must already have good plans."""
    refresh_statistics()
