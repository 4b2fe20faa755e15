"""``tuijin import-directory FILE [--dry-run]``: the county directory from Excel, all or nothing."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tuijin.core.directory_import import DirectoryImportError, import_directory

DRY_RUN_PREFIX = "（试运行，未写入）"


class Command(BaseCommand):
    help = (
        "导入县通讯录 Excel（工作表：地区、单位、人员）。先检查整个文件，有任何错误则列出全部错误、"
        "不写入任何数据；再次导入同一文件只更新有变化的行。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="通讯录 .xlsx 文件路径")
        parser.add_argument(
            "--dry-run", action="store_true", help="只检查并报告将新增、更新多少行，不写入"
        )

    def handle(self, *args, file: str, dry_run: bool = False, **options) -> None:
        path = Path(file)
        if not path.exists():
            raise CommandError(f"文件不存在：{path}")
        if not path.is_file():
            raise CommandError(f"不是文件：{path}")
        try:
            report = import_directory(path, dry_run=dry_run)
        except DirectoryImportError as exc:
            raise CommandError("\n".join(exc.lines())) from exc
        prefix = DRY_RUN_PREFIX if dry_run else ""
        for line in report.summary_lines():
            self.stdout.write(prefix + line)
        if options.get("verbosity", 1) >= 2:
            for change in report.changes:
                detail = f"：{'、'.join(change.fields)}" if change.fields else ""
                self.stdout.write(f"  {change.action}{change.kind} {change.name}{detail}")
