"""``tuijin audit-retention --keep-days N [--dry-run]``: drop trail entries and security
events older than N days (N at least 180), keeping the chain verifiable from the first kept
entry."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tuijin.core import security
from tuijin.core.audit import MIN_KEEP_DAYS, purge_before


class Command(BaseCommand):
    help = (
        f"删除早于 N 天的审计记录和安全事件（N 不少于 {MIN_KEEP_DAYS}），"
        "清理后哈希链从最早保留的一条起仍可校验；--dry-run 只统计不删除。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--keep-days", type=int, required=True, help="保留最近多少天")
        parser.add_argument("--dry-run", action="store_true", help="只统计将删除多少条")

    def handle(self, *args, keep_days: int, dry_run: bool, **options) -> None:
        if keep_days < MIN_KEEP_DAYS:
            raise CommandError(
                f"保留天数不能少于 {MIN_KEEP_DAYS} 天（等保三级要求日志至少保存六个月），"
                f"而不是 {keep_days}"
            )
        cutoff = timezone.now() - dt.timedelta(days=keep_days)
        result = purge_before(cutoff, dry_run=dry_run)
        when = timezone.localtime(cutoff).strftime("%Y-%m-%d %H:%M")
        if dry_run:
            self.stdout.write(
                f"试运行：将删除 {when} 之前的审计记录 {result.entries} 条、"
                f"安全事件 {result.events} 条（未删除）"
            )
            return
        line = (
            f"已删除 {when} 之前的审计记录 {result.entries} 条、安全事件 {result.events} 条"
            f"（保留 {keep_days} 天）"
        )
        security.record_admin(f"审计保留期清理：{line}")
        self.stdout.write(line)
