"""The region's mobiles stay unique, now by their keyed hash: in a migration of its own, as
PostgreSQL alters no table in the transaction that has just rewritten its rows."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0009_encrypt_mobiles"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="person",
            constraint=models.UniqueConstraint(
                fields=("region", "mobile_hash"), name="person_unique_mobile_in_region"
            ),
        ),
    ]
