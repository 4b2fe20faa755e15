"""``tuijin bench [--scale S] [--db sqlite|postgresql] [--json FILE] [--runs N] [--only NAME,…]
[--check-budget]``: times of pages, API lists and batch jobs on the data present, with floors.

See tuijin.core.bench for what is measured and how; docs/performance.md for the figures.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tuijin.core.bench import BenchError, known_names, run_bench
from tuijin.core.budgets import QUERY_BUDGET
from tuijin.core.scale import SCALES


class Command(BaseCommand):
    help = (
        "在现有数据上测量各页面、API 列表与批处理（巡检、台账导入导出、月度通报）的耗时"
        "（中位数、p95）和 SQL 查询数，并与框架下限（/healthz）、手写 SQL 下限对比。不改变任何数据。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", help=f"数据应有的规模：{'|'.join(SCALES)}（不符则退出）")
        parser.add_argument("--db", help="应连接的数据库：sqlite|postgresql（不符则退出）")
        parser.add_argument("--json", dest="json_file", help="把结果写入该 JSON 文件")
        parser.add_argument(
            "--runs", type=int, default=20, help="每个页面计时的请求次数（预热 3 次之外），默认 20"
        )
        parser.add_argument("--only", help="只测这些项，逗号分隔（例如 projects.list,cockpit）")
        parser.add_argument(
            "--check-budget",
            action="store_true",
            help=f"任何页面或 API 列表的查询数超过预算（{QUERY_BUDGET} 条，"
            "少数页面见 tuijin/core/budgets.py）时列出并以 1 退出",
        )

    def handle(self, *args, **options) -> None:
        runs = options["runs"]
        if runs < 1:
            raise CommandError("--runs 应为不小于 1 的整数")
        only = [n.strip() for n in (options["only"] or "").split(",") if n.strip()] or None
        if options["only"] is not None and not only:
            raise CommandError(f"--only 没有给出测量项（可选：{', '.join(known_names())}）")
        json_file = options["json_file"]
        if json_file and not Path(json_file).resolve().parent.is_dir():
            raise CommandError(f"目录不存在：{Path(json_file).resolve().parent}")
        try:
            report = run_bench(
                scale=options["scale"],
                db=options["db"],
                runs=runs,
                only=only,
                write=self.stdout.write,
            )
        except BenchError as exc:
            raise CommandError(str(exc)) from None
        for note in report.notes:
            self.stdout.write(f"注：{note}")
        if json_file:
            Path(json_file).write_text(
                json.dumps(report.as_json(), ensure_ascii=False, indent=2), encoding="utf-8"
            )
            self.stdout.write(f"结果已写入 {json_file}")
        for error in report.errors:
            self.stderr.write(f"错误：{error}")
        over = report.over_budget() if options["check_budget"] else []
        for result in over:
            self.stderr.write(
                f"超出查询预算：{result.name} 执行了 {result.queries} 条查询（上限 {result.budget}）"
            )
        if report.errors:
            raise CommandError(f"{len(report.errors)} 项测量失败（页面未返回 200）")
        if over:
            raise CommandError(f"{len(over)} 项超出查询预算")
