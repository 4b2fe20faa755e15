"""Sign-in names stop being mobile numbers: an account named by its mobile (the portal's
enterprises) keeps the number encrypted in ``mobile`` and gets an opaque name; it still signs
in with the mobile (``tuijin.core.accounts.sign_in_name``)."""

import secrets

from django.db import migrations, models

import tuijin.core.fields

MOBILE_NAME = r"^1[3-9][0-9]{9}$"


def hide_mobile_names(apps, schema_editor) -> None:
    User = apps.get_model("core", "User")
    taken = set(User.objects.values_list("username", flat=True))
    for user in User.objects.filter(username__regex=MOBILE_NAME).order_by("pk"):
        name = f"qy{secrets.token_hex(5)}"
        while name in taken:
            name = f"qy{secrets.token_hex(5)}"
        taken.add(name)
        user.mobile, user.username = user.username, name
        user.save(update_fields=["username", "mobile", "mobile_hash"])


def show_mobile_names(apps, schema_editor) -> None:
    User = apps.get_model("core", "User")
    for user in User.objects.exclude(mobile_hash="").order_by("pk"):
        user.username, user.mobile = user.mobile, ""
        user.save(update_fields=["username", "mobile", "mobile_hash"])


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("core", "0010_encrypt_mobiles_unique"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="mobile",
            field=tuijin.core.fields.EncryptedCharField(
                blank=True, default="", max_length=11, verbose_name="登录手机号"
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="mobile_hash",
            field=tuijin.core.fields.KeyedHashField(
                blank=True,
                db_index=True,
                default="",
                editable=False,
                max_length=64,
                source="mobile",
                verbose_name="登录手机号",
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                condition=models.Q(("mobile_hash", ""), _negated=True),
                fields=("mobile_hash",),
                name="user_unique_mobile",
            ),
        ),
        migrations.RunPython(hide_mobile_names, show_mobile_names),
    ]
