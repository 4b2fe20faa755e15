"""Model fields for personal data at rest (see ``tuijin.core.crypto``).

``EncryptedCharField`` holds a mobile number: Python sees the plain text (forms, validators,
API, exports), the column holds an SM4-GCM token. Its companion ``KeyedHashField``, declared
next to it as ``<name>_hash``, holds the keyed hash of the current value: it is always
computed from the plain value, so saving, ``bulk_create`` and model validation see the right
hash. Equality lookups on the encrypted field (``Person.objects.filter(mobile=...)``,
``mobile__in=[...]``) are translated to the hash column; unique constraints name the hash.

Writing the encrypted field with ``save(update_fields=...)`` must name the hash too, and
``QuerySet.update(mobile=...)`` leaves the hash behind: save the instance instead.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.expressions import Col
from django.db.models.lookups import Lookup

from . import crypto


class EncryptedCharField(models.CharField):
    """A short text (a mobile number) stored encrypted; ``max_length`` is the plain text's."""

    description = "Encrypted text (SM4-GCM / AES-256-GCM)"

    @property
    def hash_name(self) -> str:
        return f"{self.name}_hash"

    def hash_field(self) -> KeyedHashField:
        return self.model._meta.get_field(self.hash_name)

    def db_type_parameters(self, connection) -> dict:
        # The column holds the token: wider than the plain text.
        return {
            **super().db_type_parameters(connection),
            "max_length": crypto.token_length(self.max_length),
        }

    def from_db_value(self, value, expression, connection):
        return crypto.decrypt(value) if value else value

    def to_python(self, value):
        value = super().to_python(value)
        # A serialised fixture (dumpdata) holds tokens: they are read back as text.
        if crypto.looks_encrypted(value):
            try:
                return crypto.decrypt(value)
            except crypto.TamperedValueError as exc:
                raise ValidationError(str(exc), code="tampered") from exc
        return value

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        return crypto.encrypt(value) if value else value

    def pre_save(self, model_instance, add):
        # Overridden so that core.bulk prepares this field through get_db_prep_save.
        return getattr(model_instance, self.attname)

    def value_to_string(self, obj) -> str:
        """Serialised (dumpdata, the audit's snapshot) as a token, never as the number."""
        return crypto.encrypt(self.value_from_object(obj) or "")


class _HashDescriptor:
    """The hash of the source field's current value; what is assigned (a database row's
    stored hash, a default) is kept only so Django does not take the field as deferred."""

    def __init__(self, field: KeyedHashField) -> None:
        self.field = field

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        return crypto.keyed_hash(getattr(instance, self.field.source) or "")

    def __set__(self, instance, value) -> None:
        instance.__dict__[self.field.attname] = value


class KeyedHashField(models.CharField):
    """The keyed hash of ``source`` (an EncryptedCharField), for lookups and uniqueness."""

    def __init__(self, *args, source: str = "", **kwargs) -> None:
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, private_only=False) -> None:
        super().contribute_to_class(cls, name, private_only)
        setattr(cls, self.attname, _HashDescriptor(self))

    def pre_save(self, model_instance, add):
        return getattr(model_instance, self.attname)

    def validate(self, value, model_instance) -> None:
        """Nothing to check: the value is computed."""


class _ByHash(Lookup):
    """``encrypted = value`` (or ``IN``) answered by the hash column."""

    prepare_rhs = False
    can_use_none_as_rhs = True

    def values(self) -> list[Any]:
        return [self.rhs]

    def as_sql(self, compiler, connection):
        if not isinstance(self.lhs, Col) or hasattr(self.rhs, "resolve_expression"):
            raise TypeError("加密字段只能按具体的值精确查找")
        field = self.lhs.target
        hashed = [
            h
            for value in self.values()
            if value is not None
            for h in crypto.lookup_hashes(str(value))
        ]
        if not hashed and any(v is not None for v in self.values()):
            hashed = [""]
        lhs_sql, lhs_params = compiler.compile(Col(self.lhs.alias, field.hash_field()))
        if not hashed:
            return "1 = 0", []
        marks = ", ".join(["%s"] * len(hashed))
        return f"{lhs_sql} IN ({marks})", [*lhs_params, *hashed]


@EncryptedCharField.register_lookup
class EncryptedExact(_ByHash):
    lookup_name = "exact"


@EncryptedCharField.register_lookup
class EncryptedIExact(_ByHash):
    lookup_name = "iexact"


@EncryptedCharField.register_lookup
class EncryptedIn(_ByHash):
    lookup_name = "in"

    def values(self) -> list[Any]:
        return list(self.rhs)


def encrypted_fields(model: type[models.Model]) -> list[EncryptedCharField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedCharField)]


def encrypt_existing(app_label: str, model_name: str, field_name: str):
    """A migration step encrypting the rows already stored (and undoing that in reverse)."""
    from django.db import migrations

    def run(apps, schema_editor, plain: bool = False) -> None:
        meta = apps.get_model(app_label, model_name)._meta
        crypto.rewrite_column(
            schema_editor.connection,
            meta.db_table,
            meta.get_field(field_name).column,
            meta.get_field(f"{field_name}_hash").column,
            plain=plain,
        )

    return migrations.RunPython(run, lambda apps, editor: run(apps, editor, plain=True))
