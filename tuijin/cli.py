"""The ``tuijin`` console script: Django's management commands with the settings preset."""

from __future__ import annotations

import os
import sys

PROJECT_COMMANDS = {
    "demo": "创建数据库、首次灌入演示县数据，在 127.0.0.1:8000 提供服务并打印演示账号",
    "serve": "生产服务（gunicorn + WhiteNoise，附带后台任务进程）",
    "import-directory": "导入县通讯录 Excel（单位、人员、角色），全部成功或全部不导入",
    "import-ledger": "导入重点项目台账 Excel，全部成功或全部不导入；--dry-run 只检查",
    "import-enterprises": "导入企业名录 Excel，按信用代码新增或更新，全部成功或全部不导入",
    "import-hotline": "导入 12345 热线转办工单（.xlsx/.csv），按工单编号不重复导入；--dry-run 只检查",
    "export-ledger": "按台账格式导出重点项目推进情况（.xlsx）",
    "workdays": "工作日计算：add DATE N 求期限；count FROM TO 数工作日",
    "verify-audit": "校验审计日志哈希链（并报告所用算法 sha256 / hmac-sm3）",
    "rotate-data-key": "轮换数据密钥：重新加密全部手机号码（--new-key 先在数据目录生成新密钥）",
    "audit-retention": "删除早于 N 天的审计记录和安全事件（--keep-days N，N≥180；--dry-run 只统计）",
    "set-roles": "设置账号角色（三权分立：系统/安全/审计管理员不能兼任），用于任命首位安全管理员",
    "bulletin": "生成一期通报 .docx（--period YYYY-MM|YYYY-Www --out FILE.docx；不归档）",
    "seed": "按规模灌入确定性的测试数据：--scale county|city|province [--seed N]（只能灌入空数据库）",
    "bench": "在现有数据上测量各页面与批处理的耗时和 SQL 查询数，并与框架、SQL 下限对比",
    "sweep": "巡检：重算红黄绿灯、提醒到期问题（可重复运行；--date YYYY-MM-DD 按指定日期）",
}


def _help() -> str:
    lines = ["用法: tuijin <命令> [选项]", "", "推进（Tuijin）命令:"]
    width = max(len(name) for name in PROJECT_COMMANDS)
    for name, text in PROJECT_COMMANDS.items():
        lines.append(f"  {name.ljust(width)}  {text}")
    lines += [
        "",
        "Django 管理命令（migrate、createsuperuser、shell 等）同样可用：tuijin help --commands",
        "每个命令的选项：tuijin <命令> --help",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuijin.settings")
    if len(argv) < 2 or argv[1] in {"-h", "--help"}:
        print(_help())
        return
    # Project commands are spelled with hyphens on the command line, underscores in Python.
    if argv[1] in PROJECT_COMMANDS:
        argv[1] = argv[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
