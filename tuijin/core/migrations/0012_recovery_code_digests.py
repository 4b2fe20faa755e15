"""Recovery codes are kept as digests (``tuijin.core.otp.recovery_digest``): the codes given
out before this migration are replaced by theirs, so they keep working and a copy of the
table no longer holds them."""

import hashlib

from django.db import migrations


def digest(code: str) -> str:
    plain = "".join(ch for ch in code.lower() if ch.isalnum())[:16]
    return hashlib.sha256(plain.encode()).hexdigest()[:16]


def digest_codes(apps, schema_editor) -> None:
    StaticToken = apps.get_model("otp_static", "StaticToken")
    for token in StaticToken.objects.all():
        token.token = digest(token.token)
        token.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0011_portal_sign_in_mobile"),
        ("otp_static", "0003_add_timestamps"),
    ]

    # A digest cannot be turned back into its code: going back leaves the codes unusable.
    operations = [migrations.RunPython(digest_codes, migrations.RunPython.noop)]
