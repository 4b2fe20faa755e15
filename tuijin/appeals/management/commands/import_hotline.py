"""``tuijin import-hotline FILE [--dry-run] [--region CODE] [--user NAME]``: 12345 work orders."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from tuijin.appeals.hotline import HotlineImportError, import_hotline
from tuijin.appeals.models import SERVICE_OFFICE_ROLES
from tuijin.core.models import Region, User
from tuijin.projects.management.commands.import_ledger import region_for

DRY_RUN_PREFIX = "（试运行，未写入）"


def acting_user_for(region: Region, username: str | None) -> User:
    """Who the requests are registered by: the named account, else the county's first
    service office account (the office is who transfers hotline orders)."""
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"没有名为 {username} 的有效账号")
        return user
    office = (
        User.objects.filter(is_active=True, groups__name__in=SERVICE_OFFICE_ROLES)
        .filter(Q(region=region) | Q(person__region=region))
        .order_by("id")
        .first()
    )
    if office is None:
        raise CommandError("本县没有企业服务办（项目办）账号，请用 --user 指定导入人")
    return office


class Command(BaseCommand):
    help = (
        "导入 12345 热线转办工单（.xlsx 或 .csv，UTF-8 或 GBK）。先检查整个文件，有任何错误则"
        "列出全部错误、不写入任何数据；已导入过的工单编号跳过，不会重复。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="12345 工单 .xlsx 或 .csv 文件路径")
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入")
        parser.add_argument("--region", help="地区的行政区划代码（系统中只有一个地区时可省略）")
        parser.add_argument("--user", help="登记人账号（默认：本县第一个项目办账号）")

    def handle(self, *args, file: str, dry_run: bool = False, region=None, user=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        target = region_for(region)
        acting_user = acting_user_for(target, user)
        try:
            report = import_hotline(path, region=target, acting_user=acting_user, dry_run=dry_run)
        except HotlineImportError as exc:
            errors = "；".join(str(e) for e in exc.errors)
            raise CommandError(f"导入失败，共 {len(exc.errors)} 处错误：{errors}") from exc
        prefix = DRY_RUN_PREFIX if dry_run else ""
        for line in report.summary_lines():
            self.stdout.write(prefix + line)
        if report.skipped:
            self.stdout.write(f"{prefix}已导入过的工单编号：{'、'.join(report.skipped[:20])}")
