"""The weekly drive report (.docx) in official style, from the figures of the drive page."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm

from tuijin.supervision.docx import (
    BODY_FONT,
    HEADING_FONT,
    RED,
    TITLE_FONT,
    _date,
    _font,
    _para,
    _red_rule,
)


def _fmt(value) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _table(doc, header: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(text), HEADING_FONT, 12)
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(text), BODY_FONT, 12)


def drive_report_docx(figures: dict) -> bytes:
    """Header, countdown, every target (plan, actual, gap, forecast), task forces ranked, and
    the lagging projects of each task force with the persons answering for them."""
    campaign = figures["campaign"]
    status = figures["status"]
    today = figures["today"]
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)

    _para(
        doc,
        f"{campaign.name}工作周报",
        font=TITLE_FONT,
        size=22,
        color=RED,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    number = _para(doc, f"第 {status['week']} 期", size=16, align=WD_ALIGN_PARAGRAPH.CENTER)
    _red_rule(number)
    office = campaign.office.name if campaign.office_id else "领导小组办公室"
    _para(
        doc,
        f"{office}　　　　{_date(today)}",
        size=14,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    _para(
        doc,
        f"　　本次行动自{_date(campaign.start_date)}至{_date(campaign.end_date)}，共 "
        f"{status['days']} 天。截至{_date(today)}，行动{status['state']}，"
        f"已开展 {status['day']} 天，剩余 {status['left']} 天。",
    )

    _para(doc, "一、目标完成情况", font=HEADING_FONT)
    rows = []
    for f in figures["targets"]:
        owner = f.target.task_force.name if f.target.task_force_id else "全县"
        rows.append(
            [
                f"{f.target.name}（{owner}）",
                f"{_fmt(f.target.value)}{f.unit}",
                _fmt(f.plan),
                _fmt(f.actual),
                f"{f.gap:+}",
                f.forecast.text,
            ]
        )
    if rows:
        _table(doc, ["目标", "目标值", "序时计划", "实际完成", "差距（百分点）", "预测"], rows)
    else:
        _para(doc, "　　本次行动未设目标。")
    behind = [f for f in figures["targets"] if f.gap < 0]
    if behind:
        names = "、".join(f.target.name for f in behind)
        _para(doc, f"　　落后于计划的目标：{names}。")

    _para(doc, "二、专项小组排名", font=HEADING_FONT)
    ranked = [
        [
            str(r["rank"] or "—"),
            r["task_force"].name,
            r["task_force"].head.name if r["task_force"].head_id else "未指定",
            str(len(r["projects"])),
            "—" if r["score"] is None else f"{r['score']:+}",
        ]
        for r in figures["ranking"]
    ]
    if ranked:
        _table(doc, ["名次", "专项小组", "组长", "负责项目", "平均差距（百分点）"], ranked)
        _para(doc, "　　排名依据：各小组目标实际完成与序时计划之差（百分点）的平均值。", size=12)
    else:
        _para(doc, "　　本次行动未设专项小组。")

    _para(doc, "三、滞后项目及责任人", font=HEADING_FONT)
    lagging = [
        [
            r["task_force"].name,
            row["project"].name,
            row["light"],
            row["contact_leader"],
            row["responsibles"],
        ]
        for r in figures["ranking"]
        for row in r["lagging"]
    ]
    if lagging:
        _table(doc, ["专项小组", "项目", "灯色", "联系县领导", "责任人"], lagging)
    else:
        _para(doc, "　　各专项小组负责的项目均无红灯、黄灯。")

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
