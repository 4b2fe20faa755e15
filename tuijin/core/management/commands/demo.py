"""``tuijin demo``: the demo county, seeded once, served on 127.0.0.1."""

import os

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from tuijin.core import security
from tuijin.core.demo import DEMO_PASSWORD, demo_accounts, seed_demo

from .serve import run_servers


class Command(BaseCommand):
    help = "创建数据库、首次灌入演示县（清溪县）数据，在 127.0.0.1 上提供服务并打印演示账号"

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
        parser.add_argument("--no-serve", action="store_true", help="只准备数据，不启动服务")

    def handle(self, *args, port, no_serve, **options):
        if not 0 < port < 65536:
            raise CommandError(f"端口无效：{port}")
        call_command("migrate", interactive=False, verbosity=0)
        with security.quiet_console():
            created = seed_demo()
        self.stdout.write("已创建演示县：清溪县" if created else "演示县数据已存在，直接使用")
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, role, who in demo_accounts():
            self.stdout.write(f"  {username:<14}{role}：{who}")
        self.stdout.write("")
        # The demo must work with no phone at hand: two-step sign-in is required of no one
        # unless the operator sets TUIJIN_OTP_REQUIRED_ROLES (the server inherits it).
        required = os.environ.get("TUIJIN_OTP_REQUIRED_ROLES", "").strip()
        self.stdout.write(
            "两步验证：任何账号可在右上角菜单「两步验证」中开启；生产环境默认要求主要领导、督查室、"
            "系统管理员开启" + (f"（本次要求：{required}）" if required else "（本演示未要求）")
        )
        self.stdout.write("")
        if no_serve:
            return
        self.stdout.write(f"请在浏览器打开 http://127.0.0.1:{port}/ （按 Ctrl+C 停止）")
        os.environ.setdefault("TUIJIN_OTP_REQUIRED_ROLES", "")
        run_servers("127.0.0.1", port, 2, self.stdout)
