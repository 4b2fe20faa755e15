"""The hash chain laid over django-auditlog's entries."""

from __future__ import annotations

from django.db import models


class AuditSeal(models.Model):
    """The chain link of one audit entry: its hash over its content and the previous hash.

    The seal is kept beside the library's entry (one to one) so that the library stays
    untouched; ``tuijin verify-audit`` recomputes every link.
    """

    entry = models.OneToOneField("auditlog.LogEntry", on_delete=models.PROTECT, related_name="seal")
    seq = models.PositiveBigIntegerField("序号", unique=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # How the link was sealed ("sha256", or "hmac-sm3" with the install's audit key), so that
    # switching HMAC on later keeps the older links verifiable.
    algo = models.CharField("算法", max_length=16, default="sha256")

    class Meta:
        verbose_name = verbose_name_plural = "审计链"
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


class AuditChainHead(models.Model):
    """A single row locked while a link is added, so that concurrent writers never fork."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    # Where the chain starts after ``tuijin audit-retention`` purged its oldest links: the
    # sequence number before the first kept link and that link's previous hash.
    base_seq = models.PositiveBigIntegerField(default=0)
    base_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = verbose_name_plural = "审计链头"

    def __str__(self) -> str:
        return f"#{self.seq}"
