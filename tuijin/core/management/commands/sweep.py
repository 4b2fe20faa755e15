"""``tuijin sweep [--date YYYY-MM-DD]``: lights, deadlines and reminders; idempotent.

Prints one Chinese line (lights changed, reminders sent). Meant for a scheduler (cron, a
systemd timer) as often as wanted; ``--date`` runs the sweep as of another day.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from tuijin.core.sweeps import run_all

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(text: str) -> dt.date:
    if not ISO_DATE.fullmatch(text):
        raise CommandError(f"日期「{text}」格式不对，应为 YYYY-MM-DD，例如 2026-09-30")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期「{text}」不是有效的日期") from None


class Command(BaseCommand):
    help = "每日巡检：重算红黄绿灯，提醒逾期和 3 个工作日内到期的问题；可重复运行"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按该日期巡检，格式 YYYY-MM-DD，默认今天")

    def handle(self, *args, date: str | None = None, **options):
        day = parse_date(date) if date is not None else timezone.localdate()
        try:
            lines = run_all(day)
        except DatabaseError:
            raise CommandError("无法读取数据库：数据库未初始化？请先运行 tuijin migrate") from None
        except (ValueError, OverflowError) as error:
            # The calendar's ValueErrors carry a Chinese message; an overflow is a date past 9999.
            message = str(error) if isinstance(error, ValueError) else "日期超出可计算范围"
            raise CommandError(message) from None
        for line in lines:
            self.stdout.write(line)
