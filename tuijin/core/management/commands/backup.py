from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tuijin.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "在线备份：数据库（SQLite 在线备份 / pg_dump）与上传文件写入一个 .tar.gz，"
        "附每张表的记录数与校验和；服务运行时也可执行"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份文件（不存在的新文件，如 tuijin-20261128.tar.gz）")

    def handle(self, *args, **options):
        try:
            summary = backup(Path(options["file"]))
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(summary.line("已备份到"))
