"""``tuijin seed --scale county|city|province [--seed N]``: deterministic data at scale.

Only into an empty database (after ``migrate``): the parts registered in
``tuijin.core.scale`` run in order, each in its own transaction, and print one line each.
"""

from __future__ import annotations

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from tuijin.core import scale, security
from tuijin.core.models import Region, User


class Command(BaseCommand):
    help = "按规模灌入确定性的测试数据（县 1 个县、市 10 个县、省 100 个县；只能灌入空数据库）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--scale", default="county", help="county、city 或 province")
        parser.add_argument("--seed", default="1", help="随机种子（整数），相同种子生成相同数据")

    def handle(self, *args, **options) -> None:
        name = options["scale"]
        if name not in scale.SCALES:
            raise CommandError(f"未知的规模「{name}」，可选：{'、'.join(scale.SCALES)}")
        try:
            seed = int(options["seed"])
        except ValueError:
            raise CommandError(f"随机种子应为整数，收到「{options['seed']}」") from None
        call_command("migrate", verbosity=0, interactive=False)
        from tuijin.projects.models import Project

        # Regions, projects or accounts (a createsuperuser): someone's data, not ours to mix.
        if Region.objects.exists() or Project.objects.exists() or User.objects.exists():
            raise CommandError("数据库中已有数据，seed 只能灌入空数据库")
        ctx = scale.ScaleContext(scale=name, seed=seed, today=timezone.localdate())
        scale.reset_workdays()
        started, cpu = time.monotonic(), time.process_time()
        for _order, label, part in list(scale.SCALE_SEEDERS):
            before = dict(ctx.counts)
            began, began_cpu = time.monotonic(), time.process_time()
            with transaction.atomic(), security.quiet_console():
                part(ctx)
            made = "，".join(
                f"{key} {ctx.counts[key] - before.get(key, 0):,}"
                for key in ctx.counts
                if ctx.counts[key] != before.get(key, 0)
            )
            seconds = time.monotonic() - began
            self.stdout.write(
                f"{label}：{made or '无'}（{seconds:.1f} 秒，"
                f"CPU {time.process_time() - began_cpu:.1f} 秒）"
            )
        total = "，".join(f"{key} {value:,}" for key, value in ctx.counts.items())
        self.stdout.write(
            f"完成：{name} 规模，种子 {seed}，{len(ctx.counties)} 个县；{total}；"
            f"用时 {time.monotonic() - started:.1f} 秒（CPU {time.process_time() - cpu:.1f} 秒）"
        )
