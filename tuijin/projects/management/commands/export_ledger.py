"""``tuijin export-ledger FILE [--region CODE]``: the county's key projects as its ledger."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tuijin.core import security
from tuijin.projects.ledger import export_ledger
from tuijin.projects.models import Project

from .import_ledger import region_for


class Command(BaseCommand):
    help = "按县里通用的台账格式导出重点项目推进情况台账（.xlsx），可修改后再导入。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="要写入的 .xlsx 文件路径")
        parser.add_argument("--region", help="地区的行政区划代码（系统中只有一个地区时可省略）")

    def handle(self, *args, file: str, region=None, **options) -> None:
        path = Path(file)
        if path.suffix.lower() != ".xlsx":
            raise CommandError("导出文件名应以 .xlsx 结尾")
        if not path.parent.is_dir():
            raise CommandError(f"目录不存在：{path.parent}")
        target = region_for(region)
        count = export_ledger(Project.objects.filter(region=target), path)
        security.record_export(f"{path.name}（命令行，{target.name}重点项目台账）", count)
        self.stdout.write(f"已导出 {target.name} {count} 个项目到 {path}")
