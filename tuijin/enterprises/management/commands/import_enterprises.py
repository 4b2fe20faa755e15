"""``tuijin import-enterprises FILE [--dry-run] [--region CODE]``: the registry, all or nothing."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tuijin.enterprises.services import EnterpriseImportError, import_enterprises
from tuijin.projects.management.commands.import_ledger import region_for

DRY_RUN_PREFIX = "（试运行，未写入）"


class Command(BaseCommand):
    help = (
        "导入企业名录 Excel。先检查整个文件，有任何错误则列出全部错误、不写入任何数据；"
        "再次导入按统一社会信用代码更新。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="企业名录 .xlsx 文件路径")
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入")
        parser.add_argument("--region", help="地区的行政区划代码（系统中只有一个地区时可省略）")

    def handle(self, *args, file: str, dry_run: bool = False, region=None, **options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        target = region_for(region)
        try:
            report = import_enterprises(path, region=target, dry_run=dry_run)
        except EnterpriseImportError as exc:
            raise CommandError("\n".join(exc.lines())) from exc
        prefix = DRY_RUN_PREFIX if dry_run else ""
        for line in report.summary_lines():
            self.stdout.write(prefix + line)
