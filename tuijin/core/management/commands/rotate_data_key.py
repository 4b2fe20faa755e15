"""``tuijin rotate-data-key [--new-key]``: re-encrypt personal data under the current key."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tuijin.core import crypto


class Command(BaseCommand):
    help = (
        "轮换数据密钥：--new-key 在数据目录生成新密钥（旧密钥移入 data_key.old），"
        "然后用当前密钥重新加密全部手机号码并重算检索哈希"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--new-key",
            action="store_true",
            help="先生成新密钥（仅密钥存于数据目录时；来自环境变量时请自行更换变量）",
        )

    def handle(self, *args, **options) -> None:
        try:
            if options["new_key"]:
                crypto.install_new_key()
                self.stdout.write(f"已生成新数据密钥：{crypto.key_path()}（旧密钥在 data_key.old）")
            counts = crypto.rotate()
        except (crypto.DataKeyError, crypto.TamperedValueError) as exc:
            raise CommandError(str(exc)) from exc
        ring = crypto.keyring()
        cipher = "SM4-GCM" if ring.version == crypto.SM4 else "AES-256-GCM"
        detail = "，".join(f"{name} {n:,}" for name, n in counts.items())
        self.stdout.write(
            f"OK 已用当前密钥（{cipher}，编号 {ring.current.key_id.hex()}）重新加密 "
            f"{sum(counts.values()):,} 个值：{detail}。确认备份可用后，旧密钥仍须保留到"
            "用它加密的备份全部过期为止。"
        )
