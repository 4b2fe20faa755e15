from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tuijin.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "从 tuijin backup 的文件恢复到空的数据目录（或空的 PostgreSQL 数据库），"
        "并逐表核对记录数与校验和、核对上传文件与审计链"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="tuijin backup 写出的备份文件")

    def handle(self, *args, **options):
        try:
            summary = restore(Path(options["file"]))
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(summary.line("已恢复自"))
        self.stdout.write("各表记录数与校验和一致，上传文件一致，审计链完整")
