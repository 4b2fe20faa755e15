"""The printable supervision order (.docx) in official style.

Chinese text needs its East Asian font named separately (``w:eastAsia`` of the run fonts), or
Word falls back to a Latin font; the official fonts are given first, with common fallbacks
named in the document's theme-independent defaults.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from .models import SupervisionOrder

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
RED = RGBColor(0xC0, 0x00, 0x00)


def _font(run, east_asian: str, size: float, bold: bool = False, color=None) -> None:
    run.font.name = LATIN_FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)


def _para(doc, text: str = "", *, font=BODY_FONT, size=16, bold=False, color=None, align=None):
    paragraph = doc.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.line_spacing = Pt(28)
    paragraph.paragraph_format.space_after = Pt(0)
    if text:
        _font(paragraph.add_run(text), font, size, bold, color)
    return paragraph


def _labelled(doc, label: str, value: str) -> None:
    paragraph = _para(doc)
    _font(paragraph.add_run(label), HEADING_FONT, 16)
    _font(paragraph.add_run(value), BODY_FONT, 16)


def _red_rule(paragraph) -> None:
    """The red line under the header (红头), as a bottom border of the number's paragraph."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (
        ("w:val", "single"),
        ("w:sz", "18"),
        ("w:space", "6"),
        ("w:color", "C00000"),
    ):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def order_docx(order: SupervisionOrder) -> bytes:
    """The order as a Word document: header, number, addressee, matters, deadline, person."""
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    assignment = order.kind == SupervisionOrder.Kind.ASSIGNMENT
    word = order.get_kind_display()  # 督办 or 交办 (a meeting's assignment)
    _para(
        doc,
        f"{order.region.name}重点项目调度会交办单"
        if assignment
        else f"{order.region.name}重点项目督办单",
        font=TITLE_FONT,
        size=26,
        color=RED,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    number = _para(doc, order.code, align=WD_ALIGN_PARAGRAPH.CENTER)
    _red_rule(number)
    _para(doc)
    _para(doc, f"{order.unit.name}：")
    if assignment and order.meeting_id:
        meeting = order.meeting
        _labelled(doc, "交办会议：", f"{meeting.title}（{_date(meeting.held_on)}）")
    _labelled(doc, f"{word}事由：", order.title)
    if order.project_id:
        _labelled(doc, "关于项目：", order.project.name)
    _labelled(doc, f"{word}事项：", "")
    for line in order.content.splitlines() or [""]:
        paragraph = _para(doc, line.strip())
        paragraph.paragraph_format.first_line_indent = Pt(32)
    deadline = f"{_date(order.deadline)}前（{order.deadline_days}个工作日）"
    if order.deadline_provisional:
        deadline += "（暂定，以当年放假安排为准）"
    _labelled(doc, "办结时限：", deadline)
    person = order.person
    title = f"，{person.title}" if person.title else ""
    _labelled(doc, "责 任 人：", f"{person.name}（{order.unit.name}{title}，{person.mobile}）")
    _labelled(
        doc,
        "办理要求：",
        "请于办结时限内通过平台反馈办理情况并上传佐证材料；逾期将按规定升级督办。"
        + ("未办结前列入下次调度会汇报材料。" if assignment else ""),
    )
    _para(doc)
    _para(doc, f"{order.region.name}督查室", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, _date(order.issued_on), align=WD_ALIGN_PARAGRAPH.RIGHT)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
