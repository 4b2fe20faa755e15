"""Audit trail: django-auditlog records every change; this module chains the entries.

Each entry gets a seal holding SHA-256 over its content and the previous seal's hash, so
that editing, deleting or inserting an entry behind the application's back breaks the chain
at that entry. ``verify_chain`` walks the chain; ``tuijin verify-audit`` prints its verdict.

With ``TUIJIN_AUDIT_HMAC=sm3`` new links are HMAC-SM3 under the install's audit key (from
``TUIJIN_AUDIT_KEY`` or the file ``audit_key`` in the data folder): without the key nobody can
recompute a link, not even someone who rewrites the whole table. Each seal names its
algorithm, so links sealed before the switch stay verifiable. The trail is append-only from
the application: entries and seals refuse to be saved again or deleted, except by
``purge_before`` (``tuijin audit-retention``), which records where the kept chain starts.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
from collections import Counter
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC
from types import SimpleNamespace

from auditlog.cid import get_cid
from auditlog.diff import is_primitive, model_instance_diff
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import DateTimeField, JSONField, Model
from django.db.models.signals import post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils.encoding import smart_str

from .bulk import insert_returning, insert_rows
from .fields import KeyedHashField, encrypted_fields
from .models import (
    AppendOnlyError,
    AuditChainHead,
    AuditSeal,
    Person,
    PersonRole,
    Region,
    Unit,
    User,
    WebhookChannel,
    WorkdayOverride,
)

GENESIS = "0" * 64

# Never worth a line in the trail: keys, timestamps kept by Django, derived search fields.
UNTRACKED = {"id", "created_at", "updated_at", "password", "last_login", "pinyin_initials"}
# A versioned record's version is not a change a person made: each entry carries the version
# it produced in ``additional_data`` instead (tuijin.core.versioning).
UNTRACKED |= {"version"}


def track(model, *, exclude: tuple[str, ...] = (), **options) -> None:
    """Register ``model`` with the audit trail, recording its own columns only.

    Reverse relations and derived columns (named in ``exclude``) are left out, so that an
    entry reads as what a person changed.
    """
    skip = UNTRACKED | set(exclude)
    fields = [
        f.name
        for f in model._meta.concrete_fields
        if f.name not in skip
        and not getattr(f, "generated", False)  # computed by the database
        and not isinstance(f, KeyedHashField)  # derived from an encrypted field
    ]
    # Encrypted personal data (mobiles) is kept in the trail masked: 138****0000.
    if secret := [f.name for f in encrypted_fields(model) if f.name in fields]:
        options.setdefault("mask_fields", secret)
        options.setdefault("mask_callable", "tuijin.core.crypto.mask")
    auditlog.register(model, include_fields=fields, **options)


track(Region)
track(Unit)
track(Person)
track(PersonRole)
track(WorkdayOverride)
track(User, m2m_fields={"groups"})
# The sealed robot address and secret are keys: the trail keeps only the address hint.
track(WebhookChannel, exclude=("url_sealed", "secret_sealed"))


SHA256, HMAC_SM3 = "sha256", "hmac-sm3"


def current_algo() -> str:
    """The algorithm new links are sealed with, from ``TUIJIN_AUDIT_HMAC``."""
    value = str(getattr(settings, "TUIJIN_AUDIT_HMAC", "") or "").strip().lower()
    if value in ("", "0", "off", "no", "false", "sha256"):
        return SHA256
    if value in ("sm3", "hmac-sm3"):
        return HMAC_SM3
    raise ImproperlyConfigured(f"TUIJIN_AUDIT_HMAC 只能为空或 sm3，而不是 {value!r}")


def audit_key() -> bytes:
    """The HMAC key: ``TUIJIN_AUDIT_KEY``, else the data folder's ``audit_key`` file, made
    once (owner-only, like the secret key) the first time it is needed."""
    configured = str(getattr(settings, "TUIJIN_AUDIT_KEY", "") or "")
    if configured:
        return configured.encode("utf-8")
    return _key_file(str(settings.DATA_DIR))


_KEYS: dict[str, bytes] = {}


def _key_file(folder: str) -> bytes:
    if folder not in _KEYS:
        path = os.path.join(folder, "audit_key")
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
        with open(path, encoding="utf-8") as handle:
            _KEYS[folder] = handle.read().strip().encode("utf-8")
    return _KEYS[folder]


def entry_digest(entry: LogEntry, seq: int, prev_hash: str, algo: str = SHA256) -> str:
    """SHA-256 (or HMAC-SM3 under the audit key) over the entry's stored content, in a
    canonical form, and the previous hash."""
    content = {
        "seq": seq,
        "id": entry.pk,
        "content_type": entry.content_type_id,
        "object_pk": entry.object_pk,
        "object_repr": entry.object_repr,
        "action": entry.action,
        "changes": entry.changes,
        "changes_text": entry.changes_text,
        "actor": entry.actor_id,
        "remote_addr": entry.remote_addr,
        "timestamp": entry.timestamp.astimezone(UTC).isoformat(),
        "additional_data": entry.additional_data,
        "prev": prev_hash,
    }
    if algo == SHA256:
        payload = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()
    if algo != HMAC_SM3:
        raise ValueError(f"unknown audit seal algorithm {algo!r}")
    content["algo"] = algo
    payload = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    mac = hmac.HMAC(audit_key(), hashes.SM3())
    mac.update(payload.encode("utf-8"))
    return mac.finalize().hex()


@receiver(post_save, sender=LogEntry, dispatch_uid="tuijin_audit_seal")
def seal_entry(sender, instance: LogEntry, created: bool, **kwargs) -> None:
    """Append the new entry to the chain, holding the head row so writers take turns."""
    if not created or kwargs.get("raw"):
        return
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        stored = LogEntry.objects.get(pk=instance.pk)  # hash what the database holds
        seq, algo = head.seq + 1, current_algo()
        digest = entry_digest(stored, seq, head.hash, algo)
        AuditSeal.objects.create(entry=stored, seq=seq, prev_hash=head.hash, hash=digest, algo=algo)
        head.seq, head.hash = seq, digest
        head.save(update_fields=["seq", "hash"])


def _append_to_chain(entries: list[LogEntry]) -> None:
    """Seal ``entries`` (already stored, in this order) at the end of the chain, in bulk.

    The caller holds the head row (``select_for_update``) for the whole write, so the links
    computed here in Python are the next ones, exactly as ``seal_entry`` would make them.
    """
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    seq, prev, algo = head.seq, head.hash, current_algo()
    for start in range(0, len(entries), SEAL_BATCH):
        ids = [entry.pk for entry in entries[start : start + SEAL_BATCH]]
        stored = _stored(ids)  # hash what the database holds
        seals = []
        for pk in ids:
            seq += 1
            digest = entry_digest(stored[pk], seq, prev, algo)
            seals.append((pk, seq, prev, digest, algo))
            prev = digest
        insert_rows(AuditSeal, seals, fields=["entry", "seq", "prev_hash", "hash", "algo"])
    head.seq, head.hash = seq, prev
    head.save(update_fields=["seq", "hash"])


SEAL_BATCH = 1000
# What ``entry_digest`` reads of an entry (attribute names, also the columns read back).
_DIGESTED = (
    "pk",
    "content_type_id",
    "object_pk",
    "object_repr",
    "action",
    "changes",
    "changes_text",
    "actor_id",
    "remote_addr",
    "timestamp",
    "additional_data",
)


def _stored(ids: list[int]) -> dict[int, SimpleNamespace]:
    """The digested columns of entries as the database holds them (read back through the
    fields' converters, as a model instance would hold them, without building one)."""
    rows = LogEntry.objects.filter(pk__in=ids).order_by().values_list(*_DIGESTED)
    return {row[0]: SimpleNamespace(**dict(zip(_DIGESTED, row, strict=True))) for row in rows}


class _CreatedDiff:
    """``model_instance_diff(None, instance)`` for many new instances of one model.

    django-auditlog works out the model's fields, filters them and reads the "before" value
    of each (its default, through an exception) for every instance: most of the time of
    auditing 10,000 new projects. Here that is done once per model; each instance's values
    are read with auditlog's own ``get_field_value`` (plain columns inline, as it reads them)
    and compared and formatted as ``model_instance_diff`` does, so the changes are the same.
    """

    def __init__(self, model: type[Model]) -> None:
        from auditlog.diff import get_field_value, get_fields_in_model, get_mask_function

        options = auditlog.get_model_fields(model)
        include, exclude = options["include_fields"], options["exclude_fields"]
        self.json = settings.AUDITLOG_STORE_JSON_CHANGES
        self.mask = options["mask_fields"]
        self.mask_function = get_mask_function(options.get("mask_callable"))
        self.get = get_field_value
        self.fields = []
        for field in get_fields_in_model(model.__new__(model)):  # reads only its _meta
            if include and field.name not in include:
                continue
            if exclude and field.name in exclude:
                continue
            plain = not (
                isinstance(field, DateTimeField | JSONField)
                or (
                    not settings.AUDITLOG_USE_FK_STRING_REPRESENTATION
                    and (field.one_to_one or field.many_to_one)
                    and hasattr(field, "rel_class")
                )
                or not hasattr(model, field.name)
            )
            before = get_field_value(None, field, self.json)
            self.fields.append((field, field.name, plain, before, smart_str(before)))

    def __call__(self, instance: Model) -> dict | None:
        diff = {}
        for field, name, plain, before, before_text in self.fields:
            if plain:
                after = getattr(instance, name)
                # smart_str() returns text as it is: only other values are converted.
                if not self.json and not isinstance(after, str):
                    after = smart_str(after)
                    if type(after).__name__ == "__proxy__":
                        after = str(after)
            else:
                after = self.get(instance, field, self.json)
            if before == after:
                continue
            if name in self.mask:
                diff[name] = (
                    self.mask_function(before_text),
                    self.mask_function(smart_str(after)),
                )
            elif not self.json:
                diff[name] = (before_text, after if isinstance(after, str) else smart_str(after))
            else:
                diff[name] = (
                    before if is_primitive(before) else smart_str(before),
                    after if is_primitive(after) else smart_str(after),
                )
        return diff or None


class AuditBatch:
    """The audit entries of a bulk write: one per created, changed or deleted record.

    A bulk write (``bulk_create``, one UPDATE for many rows) sends no signals, so django-auditlog
    records nothing; an import of 10,000 rows saved one by one instead spends most of its time
    writing and sealing entries one at a time. The service collects here what it changes, with
    the state before the change, and ``write`` stores the entries as auditlog would have made
    them (same diff, actor and address of the current ``set_actor`` context, correlation id)
    in a few statements, then seals them in order with the chain computed in Python.
    """

    def __init__(self) -> None:
        self.entries: list[LogEntry] = []
        self._types: dict[type, int] = {}
        self._created: dict[type, _CreatedDiff] = {}
        self._cid = get_cid()

    def created(self, instance: Model) -> None:
        self._add(LogEntry.Action.CREATE, None, instance, instance)

    def changed(self, old: Model, new: Model, fields: list[str] | None = None) -> None:
        """``old`` is the record as read before the change (a copy), ``new`` as saved."""
        self._add(LogEntry.Action.UPDATE, old, new, new, fields)

    def deleted(self, instance: Model) -> None:
        self._add(LogEntry.Action.DELETE, instance, None, instance)

    def _add(self, action, old, new, instance, fields=None) -> None:
        model = type(instance)
        if not auditlog.contains(model):
            return
        if old is None and not fields:
            if model not in self._created:
                self._created[model] = _CreatedDiff(model)
            changes = self._created[model](new)
        else:
            changes = model_instance_diff(
                old,
                new,
                fields_to_check=fields,
                use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES,
            )
        if not changes:
            return
        if model not in self._types:
            self._types[model] = ContentType.objects.get_for_model(model).pk
        extra = getattr(instance, "get_additional_data", None)
        entry = LogEntry(
            content_type_id=self._types[model],
            object_pk=str(instance.pk),
            object_id=instance.pk if isinstance(instance.pk, int) else None,
            object_repr=str(instance),
            serialized_data=LogEntry.objects._get_serialized_data_or_none(instance),
            action=action,
            changes=changes,
            cid=self._cid,
            additional_data=extra() if callable(extra) else None,
        )
        # What ``save`` would run first: auditlog's ``set_actor`` context fills in the actor
        # and the remote address there, while it is active.
        pre_save.send(sender=LogEntry, instance=entry, raw=False, using=None, update_fields=None)
        self.entries.append(entry)

    def __len__(self) -> int:
        return len(self.entries)

    def write(self) -> int:
        """Store and seal the collected entries; returns how many. Inside the caller's
        transaction, so that the records and their trail are written or dropped together."""
        if not self.entries:
            return 0
        with transaction.atomic():
            # Take the head first: concurrent writers of single entries wait for the batch.
            AuditChainHead.objects.select_for_update().get_or_create(pk=1)
            insert_returning(LogEntry, self.entries)
            _append_to_chain(self.entries)
        written, self.entries = len(self.entries), []
        return written


@dataclass
class ChainVerdict:
    ok: bool
    count: int
    broken_entry_id: int | None = None
    reason: str = ""
    algos: dict[str, int] | None = None  # links verified, by sealing algorithm
    base_seq: int = 0  # links purged by the retention command before the first kept one


def verify_chain(batch: int = 2000) -> ChainVerdict:
    """Recompute every link in order, from the first kept one; stop at the first that does
    not hold. A link sealed with plain SHA-256 after an HMAC one is a downgrade: refused."""
    head = AuditChainHead.objects.filter(pk=1).first()
    base_seq, prev = (head.base_seq, head.base_hash) if head else (0, GENESIS)
    expected_seq, count, algos, keyed = base_seq + 1, 0, Counter(), False
    seals = AuditSeal.objects.select_related("entry").order_by("seq")

    def broken(seal, reason):
        return ChainVerdict(False, count, seal.entry_id, reason, dict(algos), base_seq)

    for seal in seals.iterator(chunk_size=batch):
        if seal.seq != expected_seq:
            return broken(seal, f"序号缺失：应为 {expected_seq}，实为 {seal.seq}")
        if seal.prev_hash != prev:
            return broken(seal, "与前一条的哈希不衔接")
        if seal.algo not in (SHA256, HMAC_SM3):
            return broken(seal, f"未知的哈希算法 {seal.algo[:16]}")
        if keyed and seal.algo == SHA256:
            return broken(seal, "哈希算法被降级（HMAC-SM3 之后出现 SHA-256）")
        if entry_digest(seal.entry, seal.seq, prev, seal.algo) != seal.hash:
            return broken(seal, "内容与哈希不符（记录被改动或密钥不符）")
        keyed = keyed or seal.algo == HMAC_SM3
        prev, expected_seq, count = seal.hash, expected_seq + 1, count + 1
        algos[seal.algo] += 1
    unsealed = LogEntry.objects.filter(seal__isnull=True).order_by("pk").first()
    if unsealed is not None:
        return ChainVerdict(
            False,
            count,
            unsealed.pk,
            "存在未入链的审计记录（绕过应用写入）",
            dict(algos),
            base_seq,
        )
    if head is not None and (head.seq != base_seq + count or head.hash != prev):
        return ChainVerdict(False, count, None, "链尾记录被删除", dict(algos), base_seq)
    return ChainVerdict(True, count, algos=dict(algos), base_seq=base_seq)


# --- Append-only, and the retention purge ------------------------------------------------

# Minimum retention of the trail and the security log (level-3 scheme: at least six months).
MIN_KEEP_DAYS = 180

_PURGING: ContextVar[bool] = ContextVar("tuijin_audit_purging", default=False)


@contextlib.contextmanager
def _purging() -> Iterator[None]:
    token = _PURGING.set(True)
    try:
        yield
    finally:
        _PURGING.reset(token)


@receiver(pre_save, sender=LogEntry, dispatch_uid="tuijin_audit_append_only_entry")
@receiver(pre_save, sender=AuditSeal, dispatch_uid="tuijin_audit_append_only_seal")
def _refuse_change(sender, instance, raw=False, **kwargs) -> None:
    """An entry or seal once stored is never saved again from the application."""
    if not raw and not instance._state.adding:
        raise AppendOnlyError("审计记录")


@receiver(pre_delete, sender=LogEntry, dispatch_uid="tuijin_audit_no_delete_entry")
@receiver(pre_delete, sender=AuditSeal, dispatch_uid="tuijin_audit_no_delete_seal")
def _refuse_delete(sender, instance, **kwargs) -> None:
    if not _PURGING.get():
        raise AppendOnlyError("审计记录")


@dataclass
class PurgeResult:
    entries: int
    events: int
    cutoff: object


def purge_before(cutoff, *, dry_run: bool = False) -> PurgeResult:
    """Delete audit entries and security events older than ``cutoff`` (an aware datetime).

    Entries go as a prefix of the chain: up to, not including, the first link whose entry is
    at or after ``cutoff``, so no younger entry is ever removed. The head then records where
    the kept chain starts, so that ``verify_chain`` checks it from there.
    """
    from .models import SecurityEvent

    events = SecurityEvent.objects.filter(at__lt=cutoff)
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        first_kept = AuditSeal.objects.filter(entry__timestamp__gte=cutoff).order_by("seq").first()
        old = AuditSeal.objects.all()
        if first_kept is not None:
            old = old.filter(seq__lt=first_kept.seq)
        entry_ids = list(old.values_list("entry_id", flat=True))
        result = PurgeResult(len(entry_ids), events.count(), cutoff)
        if dry_run or not (entry_ids or result.events):
            return result
        with _purging():
            if entry_ids:
                if first_kept is not None:
                    head.base_seq, head.base_hash = first_kept.seq - 1, first_kept.prev_hash
                else:  # everything is older: the chain continues from its head
                    head.base_seq, head.base_hash = head.seq, head.hash
                head.save(update_fields=["base_seq", "base_hash"])
                for start in range(0, len(entry_ids), SEAL_BATCH):
                    ids = entry_ids[start : start + SEAL_BATCH]
                    seals = AuditSeal.objects.filter(entry_id__in=ids)
                    seals._raw_delete(seals.db)
                    gone = LogEntry.objects.filter(pk__in=ids)
                    gone._raw_delete(gone.db)
            events.purge()
    return result
