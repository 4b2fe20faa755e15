"""``tuijin workdays add DATE N`` / ``tuijin workdays count FROM TO`` (工作日计算).

Prints the bare answer on stdout, so scripts can use it; a result that leans on a year
without an official notice is still printed, with a warning to the administrator on stderr.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from tuijin.core.workdays import MAX_WORKDAYS, WorkdayResult, add_workdays, count_workdays

USAGE = (
    "用法：tuijin workdays add 日期 工作日数，或 tuijin workdays count 起始日期 结束日期"
    "（日期格式 YYYY-MM-DD）"
)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _chinese(message: str) -> str:
    """argparse's English complaint, as one Chinese line with the usage."""
    if "invalid choice" in message:
        return f"未知的子命令（只有 add 和 count）。{USAGE}"
    if message.endswith("required: {add,count}"):
        return f"缺少子命令 add 或 count。{USAGE}"
    if message.startswith("the following arguments are required"):
        return f"缺少参数。{USAGE}"
    if message.startswith("unrecognized arguments:"):
        extra = message.split(":", 1)[1].strip()
        return f"多余的参数：{extra}。{USAGE}"
    return f"参数错误：{message}。{USAGE}"


class WorkdaysParser(CommandParser):
    """A parser whose errors are one Chinese line, on the command line and in call_command."""

    def error(self, message: str):
        text = _chinese(message)
        if self.called_from_command_line:
            self.exit(2, f"错误：{text}\n")
        raise CommandError(text)


def parse_date(text: str, what: str) -> dt.date:
    if not ISO_DATE.fullmatch(text):
        raise CommandError(f"{what}「{text}」格式不对，应为 YYYY-MM-DD，例如 2026-09-30")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{what}「{text}」不是有效的日期") from None


def parse_count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise CommandError(f"工作日数「{text}」应为整数，例如 3") from None
    if n < 0:
        raise CommandError(f"工作日数不能为负数：{n}")
    if n > MAX_WORKDAYS:
        raise CommandError(f"工作日数不能超过 {MAX_WORKDAYS}：{n}")
    return n


def provisional_warning(years: tuple[int, ...]) -> str:
    contiguous = list(years) == list(range(years[0], years[-1] + 1))
    if len(years) > 3 and contiguous:
        named = f"{years[0]}–{years[-1]}"
    else:
        named = "、".join(str(year) for year in years)
    return (
        f"注意：{named} 年的官方放假安排尚未录入，结果按法定节假日暂算（暂定）。"
        "请系统管理员在后台「节假日调整」录入国务院办公厅通知。"
    )


class Command(BaseCommand):
    help = (
        "工作日计算：add 日期 N 求收到后第 N 个工作日（期限）；count 起始 结束 数两端都计入的工作日"
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Django builds a plain CommandParser; ours differs only in how it reports errors.
        parser.__class__ = WorkdaysParser
        return parser

    def add_arguments(self, parser):
        actions = parser.add_subparsers(
            dest="action",
            required=True,
            metavar="{add,count}",
            parser_class=WorkdaysParser,
        )
        add = actions.add_parser("add", help="收到日期后第 N 个工作日（期限），输出 YYYY-MM-DD")
        add.add_argument("date", help="收到日期 YYYY-MM-DD（当天不计）")
        add.add_argument("n", help="工作日数，0 或正整数")
        count = actions.add_parser("count", help="从起始日期到结束日期的工作日数，两端都计入")
        count.add_argument("start", help="起始日期 YYYY-MM-DD")
        count.add_argument("end", help="结束日期 YYYY-MM-DD")

    def handle(self, *args, action: str, **options):
        if action == "add":
            received = parse_date(options["date"], "收到日期")
            n = parse_count(options["n"])
            result = self._compute(add_workdays, received, n)
            answer = result.value.isoformat()
        else:
            start = parse_date(options["start"], "起始日期")
            end = parse_date(options["end"], "结束日期")
            if start > end:
                raise CommandError(f"起始日期 {start} 晚于结束日期 {end}")
            result = self._compute(count_workdays, start, end)
            answer = str(result.value)
        self.stdout.write(answer)
        if result.provisional:
            self.stderr.write(provisional_warning(result.provisional_years), self.style.WARNING)

    def _compute(self, function, first, second) -> WorkdayResult:
        try:
            return function(first, second)
        except (ValueError, OverflowError) as error:
            # The service's ValueErrors carry a Chinese message; an overflow is a date past 9999.
            message = str(error) if isinstance(error, ValueError) else "日期超出可计算范围"
            raise CommandError(message) from None
        except DatabaseError:
            raise CommandError(
                "无法读取节假日调整表：数据库未初始化？请先运行 tuijin migrate"
            ) from None
