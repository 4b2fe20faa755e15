"""``tuijin bulletin --period YYYY-MM|YYYY-Www --out FILE.docx [--region CODE]``."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tuijin.core import security
from tuijin.projects.management.commands.import_ledger import region_for
from tuijin.supervision.bulletin import (
    BulletinError,
    bulletin_figures,
    parse_period,
    write_bulletin,
)


class Command(BaseCommand):
    help = (
        "生成一期重点项目推进情况通报（.docx），数字取自驾驶舱和比学赶超。"
        "只写文件、不归档、不编号；归档编号请在「通报」页面生成。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="期间：2026-10（月）或 2026-W44（周）")
        parser.add_argument("--out", required=True, help="要写入的 .docx 文件路径")
        parser.add_argument("--region", help="地区的行政区划代码（系统中只有一个地区时可省略）")

    def handle(self, *args, period: str, out: str, region=None, **options) -> None:
        path = Path(out)
        if path.suffix.lower() != ".docx":
            raise CommandError("输出文件名应以 .docx 结尾")
        if not path.parent.is_dir():
            raise CommandError(f"目录不存在：{path.parent}")
        target = region_for(region)
        today = timezone.localdate()
        try:
            figures = bulletin_figures(target, parse_period(period, today), today)
        except BulletinError as exc:
            raise CommandError(str(exc)) from None
        write_bulletin(figures, path)
        security.record_export(f"{path.name}（命令行，{target.name}通报）")
        self.stdout.write(f"已生成 {target.name}{figures['period'].label}通报：{path}（未归档）")
