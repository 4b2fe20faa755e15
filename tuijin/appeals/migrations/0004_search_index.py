"""The search box's text index (tuijin/core/textsearch.py): FTS5 trigram on SQLite, a GIN
index of characters and pairs of characters on PostgreSQL."""

from django.db import migrations

from tuijin.core.textsearch import TextIndex


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0003_list_indexes"),
    ]

    operations = TextIndex(
        "appeals_appeal",
        (
            "title",
            "text",
            "enterprise_name",
            "hotline_number",
        ),
    ).operations()
