"""No lost updates: every editable record carries a version, and a stale write is refused.

A model opts in by inheriting ``Versioned``. Its ``version`` goes up by one on every save
that changes what a person edits (one place: ``Versioned.save`` and ``_do_update``); bulk
writes go through ``tuijin.core.bulk.update_rows``, which bumps it the same way. A save
that names the version it was read at (``instance.expect_version(n)``, done by edit forms
and the API from the hidden field or ``If-Match``) becomes ``UPDATE … WHERE id = ? AND
version = n``: no row means someone saved in between, and ``StaleWrite`` carries the current
record and what changed meanwhile, read from the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.db import models, transaction
from django.utils import timezone

VERSION_FIELD = "version"


class StaleWrite(Exception):
    """The record changed since the writer read it; nothing was saved."""

    def __init__(self, current: models.Model, expected: int):
        self.current = current
        self.expected = expected
        super().__init__(f"stale write to {type(current).__name__} {current.pk}")

    @property
    def report(self) -> StaleReport:
        if not hasattr(self, "_report"):
            self._report = stale_report(self.current, self.expected)
        return self._report

    @property
    def message(self) -> str:
        return self.report.message


class Versioned(models.Model):
    """An editable record with an optimistic-lock version (starts at 1)."""

    version = models.PositiveIntegerField("版本", default=1, db_default=1, editable=False)

    # Derived columns: a save (or bulk write) touching only these is not an edit.
    version_exempt: frozenset[str] = frozenset()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        expected = self.__dict__.pop("_expected_version", None)
        update_fields = kwargs.get("update_fields")
        if self._state.adding or self.pk is None:
            return super().save(*args, **kwargs)
        if update_fields is not None:
            names = list(update_fields)
            if set(names) <= self.version_exempt and expected is None:
                return super().save(*args, **kwargs)
            if VERSION_FIELD not in names:
                kwargs["update_fields"] = [*names, VERSION_FIELD]
        previous = self.version
        self._version_check = expected
        self.version = (expected if expected is not None else previous) + 1
        try:
            if expected is None:
                return super().save(*args, **kwargs)
            with transaction.atomic():  # a refused save takes its audit entry with it
                return super().save(*args, **kwargs)
        except BaseException:
            self.version = previous
            raise
        finally:
            self._version_check = None

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        check = getattr(self, "_version_check", None)
        if check is None:  # unconditional: count up from what is stored, not what we read
            values = [
                (f, m, models.F(VERSION_FIELD) + 1 if f.name == VERSION_FIELD else v)
                for f, m, v in values
            ]
            return super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update)
        updated = super()._do_update(
            base_qs.filter(version=check), using, pk_val, values, update_fields, forced_update
        )
        if not updated:
            current = type(self)._base_manager.using(using).filter(pk=pk_val).first()
            if current is not None:
                raise StaleWrite(current, check)
        return updated

    def get_additional_data(self) -> dict:
        """Each audit entry notes the version it produced: what changed after version n is
        the entries above n (``stale_report``)."""
        return {VERSION_FIELD: self.version}

    def expect_version(self, version: int | None) -> None:
        """Make the next save conditional on the stored version still being ``version``."""
        self._expected_version = version


def is_versioned(obj_or_model) -> bool:
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    return issubclass(model, Versioned)


def bump_columns(model, fields) -> bool:
    """Whether a bulk write of ``fields`` is an edit of ``model`` that must bump its version."""
    return (
        is_versioned(model)
        and VERSION_FIELD not in fields
        and bool(set(fields) - model.version_exempt - {"updated_at"})
    )


# --- What changed meanwhile ---------------------------------------------------------------


@dataclass
class Change:
    name: str
    label: str
    value: str  # the current value, as a person reads it


@dataclass
class StaleReport:
    who: str
    when: str
    changes: list[Change]

    @property
    def message(self) -> str:
        text = f"保存失败：此记录已被 {self.who} 于 {self.when} 修改"
        if self.changes:
            listed = "；".join(f"{c.label}现为「{c.value}」" for c in self.changes)
            text += f"。期间改动：{listed}"
        return text + "。您填写的内容已保留，请核对后重新保存。"


def display_value(obj: models.Model, name: str) -> str:
    """A field's current value as a page shows it."""
    field = obj._meta.get_field(name)
    value = getattr(obj, f"get_{name}_display")() if field.choices else getattr(obj, name)
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def stale_report(current: models.Model, expected: int) -> StaleReport:
    """Who saved ``current`` after version ``expected``, when, and which fields they changed
    (from the audit trail; without entries, the fields are not named)."""
    from auditlog.models import LogEntry

    entries = (
        LogEntry.objects.get_for_object(current)
        .filter(action=LogEntry.Action.UPDATE)
        .select_related("actor")
        .order_by("-timestamp", "-pk")[:50]
    )
    later = []
    for entry in entries:
        produced = (entry.additional_data or {}).get(VERSION_FIELD)
        if isinstance(produced, int) and produced > expected:
            later.append(entry)
    names: list[str] = []
    for entry in reversed(later):
        for name in entry.changes_dict or {}:
            if name != VERSION_FIELD and name not in names:
                names.append(name)
    known = {f.name for f in current._meta.concrete_fields}
    changes = [
        Change(name, str(current._meta.get_field(name).verbose_name), display_value(current, name))
        for name in names
        if name in known
    ]
    if later:
        newest = later[0]
        who = str(newest.actor) if newest.actor else "系统"
        when = timezone.localtime(newest.timestamp)
    else:
        who = "其他用户"
        when = getattr(current, "updated_at", None) or timezone.now()
        when = timezone.localtime(when) if timezone.is_aware(when) else when
    return StaleReport(who=who, when=when.strftime("%Y-%m-%d %H:%M"), changes=changes)


# --- Forms --------------------------------------------------------------------------------


class VersionedFormMixin:
    """An edit form that carries the version its record was read at, in a hidden field.

    ``versioned`` is the record (a ModelForm's instance by default). ``save_checked`` and
    ``refuse_stale`` are what a view calls.
    """

    def __init__(self, *args, versioned: models.Model | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        record = versioned if versioned is not None else getattr(self, "instance", None)
        self.versioned = record
        self.fields[VERSION_FIELD] = forms.IntegerField(
            widget=forms.HiddenInput,
            required=False,
            min_value=1,
            initial=record.version if record is not None and record.pk else None,
        )

    def expected_version(self) -> int | None:
        return self.cleaned_data.get(VERSION_FIELD)

    def arm(self, record: models.Model | None = None) -> None:
        """Make the record's next save conditional on the version the form was read at."""
        record = record if record is not None else self.versioned
        record.expect_version(self.expected_version())

    def check_version(self, current: models.Model | None = None) -> None:
        """Refuse at once when the stored version is already ahead (for saves made by a
        service that reads the record itself)."""
        current = current if current is not None else self.versioned
        expected = self.expected_version()
        if expected is not None and current.version != expected:
            raise StaleWrite(current, expected)

    def save(self, commit: bool = True):
        """A ModelForm's save, refused with ``StaleWrite`` if the record changed meanwhile."""
        if self.instance.pk is not None:
            self.arm(self.instance)
        return super().save(commit=commit)

    save_checked = save

    def refuse_stale(self, exc: StaleWrite) -> None:
        """Show what changed meanwhile, keep the user's input, and take the current version
        so that a deliberate second save goes through."""
        self.add_error(None, exc.message)
        data = self.data.copy()
        data[self.add_prefix(VERSION_FIELD)] = str(exc.current.version)
        self.data = data


def refuse_stale_formset(formset, exc: StaleWrite) -> None:
    """The formset's row whose record changed takes the current version; the message shows
    above the rows."""
    data = formset.data.copy()
    for form in formset.forms:
        if getattr(form, "instance", None) is not None and form.instance.pk == exc.current.pk:
            data[form.add_prefix(VERSION_FIELD)] = str(exc.current.version)
    formset.data = data
    for form in formset.forms:
        form.data = data
    formset._non_form_errors = formset.error_class([exc.message])


def posted_version(request) -> int | None:
    """The version a page's action form was rendered with (``partials/version_field.html``)."""
    raw = request.POST.get(VERSION_FIELD, "")
    return int(raw) if raw.isdigit() else None


def check_posted_version(request, record: Versioned) -> None:
    """Refuse an action posted from a page that showed an older state of ``record``."""
    expected = posted_version(request)
    if expected is not None and expected != record.version:
        raise StaleWrite(record, expected)
