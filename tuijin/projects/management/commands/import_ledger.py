"""``tuijin import-ledger FILE [--dry-run] [--region CODE]``: the key-project ledger, all or
nothing."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tuijin.core.models import Region
from tuijin.projects.ledger import LedgerImportError, import_ledger

DRY_RUN_PREFIX = "（试运行，未写入）"


def region_for(code: str | None) -> Region:
    """The region named by its code; without one, the only region there is."""
    if code:
        region = Region.objects.filter(code=code.strip()).first()
        if region is None:
            raise CommandError(f"没有行政区划代码为 {code} 的地区")
        return region
    regions = list(Region.objects.all()[:2])
    if not regions:
        raise CommandError("系统中还没有地区，请先导入通讯录（tuijin import-directory）")
    if len(regions) > 1:
        raise CommandError("系统中有多个地区，请用 --region 指定行政区划代码")
    return regions[0]


class Command(BaseCommand):
    help = (
        "导入重点项目推进情况台账 Excel。先检查整个文件，有任何错误则列出全部错误、不写入任何数据；"
        "再次导入同一台账只更新有变化的项目。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="台账 .xlsx 文件路径")
        parser.add_argument(
            "--dry-run", action="store_true", help="只检查并报告将新增、更新多少项目，不写入"
        )
        parser.add_argument("--region", help="地区的行政区划代码（系统中只有一个地区时可省略）")

    def handle(self, *args, file: str, dry_run: bool = False, region=None, **options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        target = region_for(region)
        try:
            report = import_ledger(path, region=target, dry_run=dry_run)
        except LedgerImportError as exc:
            raise CommandError("\n".join(exc.lines())) from exc
        prefix = DRY_RUN_PREFIX if dry_run else ""
        for line in report.summary_lines():
            self.stdout.write(prefix + line)
        if options.get("verbosity", 1) >= 2:
            for change in report.changes:
                detail = f"：{'、'.join(change.fields)}" if change.fields else ""
                self.stdout.write(f"  第 {change.row} 行 {change.action} {change.name}{detail}")
