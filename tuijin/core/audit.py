"""Audit trail: django-auditlog records every change; this module chains the entries.

Each entry gets a seal holding SHA-256 over its content and the previous seal's hash, so
that editing, deleting or inserting an entry behind the application's back breaks the chain
at that entry. ``verify_chain`` walks the chain; ``tuijin verify-audit`` prints its verdict.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import (
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


def track(model, *, exclude: tuple[str, ...] = (), **options) -> None:
    """Register ``model`` with the audit trail, recording its own columns only.

    Reverse relations and derived columns (named in ``exclude``) are left out, so that an
    entry reads as what a person changed.
    """
    skip = UNTRACKED | set(exclude)
    fields = [f.name for f in model._meta.concrete_fields if f.name not in skip]
    auditlog.register(model, include_fields=fields, **options)


track(Region)
track(Unit)
track(Person)
track(PersonRole)
track(WorkdayOverride)
track(User, m2m_fields={"groups"})
# The sealed robot address and secret are keys: the trail keeps only the address hint.
track(WebhookChannel, exclude=("url_sealed", "secret_sealed"))


def entry_digest(entry: LogEntry, seq: int, prev_hash: str) -> str:
    """SHA-256 over the entry's stored content, in a canonical form, and the previous hash."""
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
    payload = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@receiver(post_save, sender=LogEntry, dispatch_uid="tuijin_audit_seal")
def seal_entry(sender, instance: LogEntry, created: bool, **kwargs) -> None:
    """Append the new entry to the chain, holding the head row so writers take turns."""
    if not created or kwargs.get("raw"):
        return
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        stored = LogEntry.objects.get(pk=instance.pk)  # hash what the database holds
        seq = head.seq + 1
        digest = entry_digest(stored, seq, head.hash)
        AuditSeal.objects.create(entry=stored, seq=seq, prev_hash=head.hash, hash=digest)
        head.seq, head.hash = seq, digest
        head.save(update_fields=["seq", "hash"])


@dataclass
class ChainVerdict:
    ok: bool
    count: int
    broken_entry_id: int | None = None
    reason: str = ""


def verify_chain(batch: int = 2000) -> ChainVerdict:
    """Recompute every link in order; stop at the first that does not hold."""
    prev, expected_seq, count = GENESIS, 1, 0
    seals = AuditSeal.objects.select_related("entry").order_by("seq")
    for seal in seals.iterator(chunk_size=batch):
        if seal.seq != expected_seq:
            return ChainVerdict(
                False, count, seal.entry_id, f"序号缺失：应为 {expected_seq}，实为 {seal.seq}"
            )
        if seal.prev_hash != prev:
            return ChainVerdict(False, count, seal.entry_id, "与前一条的哈希不衔接")
        if entry_digest(seal.entry, seal.seq, prev) != seal.hash:
            return ChainVerdict(False, count, seal.entry_id, "内容与哈希不符（记录被改动）")
        prev, expected_seq, count = seal.hash, expected_seq + 1, count + 1
    unsealed = LogEntry.objects.filter(seal__isnull=True).order_by("pk").first()
    if unsealed is not None:
        return ChainVerdict(False, count, unsealed.pk, "存在未入链的审计记录（绕过应用写入）")
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != count or head.hash != prev):
        return ChainVerdict(False, count, None, "链尾记录被删除")
    return ChainVerdict(True, count)
