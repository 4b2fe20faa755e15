from django.core.management.base import BaseCommand, CommandError

from tuijin.core.audit import verify_chain


class Command(BaseCommand):
    help = (
        "校验审计日志哈希链：完整则打印 OK、记录数与所用算法（sha256 / hmac-sm3），"
        "否则指出第一条断开的记录并以非零状态退出"
    )

    def handle(self, *args, **options):
        verdict = verify_chain()
        if not verdict.ok:
            where = f"审计记录 #{verdict.broken_entry_id}" if verdict.broken_entry_id else "链尾"
            raise CommandError(
                f"审计链断开：{where}，{verdict.reason}（此前 {verdict.count} 条完好）"
            )
        algos = "，".join(f"{algo} {n} 条" for algo, n in sorted((verdict.algos or {}).items()))
        line = f"OK {verdict.count} 条审计记录，哈希链完整"
        if algos:
            line += f"（算法：{algos}）"
        if verdict.base_seq:
            line += f"；保留期清理已删除最早的 {verdict.base_seq} 条，自第 {verdict.base_seq + 1} 条起校验"
        self.stdout.write(line)
