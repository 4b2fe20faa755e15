"""The search box's text index (tuijin/core/textsearch.py): FTS5 trigram on SQLite, a GIN
index of characters and pairs of characters on PostgreSQL."""

from django.db import migrations

from tuijin.core.textsearch import TextIndex


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0003_list_indexes"),
    ]

    operations = TextIndex(
        "enterprises_enterprise",
        (
            "name",
            "credit_code",
            "pinyin_initials",
        ),
    ).operations()
