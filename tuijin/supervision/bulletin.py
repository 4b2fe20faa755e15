"""The bulletin (通报) of a period: the cockpit's figures, the league table, red-light projects
and overdue orders, written as a Word document in official style.

Every figure comes from ``cockpit_figures`` (for the period's year, as of the period's end, or
today if the period is still running) and ``league_table``, so the bulletin, the cockpit and the
ledger export agree by construction. The investment completed is the cockpit's running total
at the month of the period's end — the same reports the ledger export counts for that date.

A period with no active projects or nothing reported is refused with a message instead of
printing zeros as if they were facts; a period that has not begun is refused too. Red-light
projects are those red now (a light is not kept per period); overdue orders are those past
their deadline and not accepted at the period's end.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from tuijin.cockpit.services import cockpit_figures, percent
from tuijin.core.models import Region
from tuijin.projects.models import Light, Project, ProjectPerson, Stage

from .docx import (
    BODY_FONT,
    HEADING_FONT,
    LATIN_FONT,
    RED,
    TITLE_FONT,
    _date,
    _font,
    _para,
    _red_rule,
)
from .league import league_table
from .models import Bulletin, SupervisionOrder

NEXT_STEPS = (
    "一是压实责任链条。联系县领导、领办部门、乡镇（平台）分管领导要对照红灯项目和逾期督办事项，"
    "逐项明确责任人和完成时限，切实把问题解决在一线。",
    "二是紧盯序时进度。投资完成率低于序时进度的项目，要倒排工期、挂图作战，确保完成全年目标任务。",
    "三是按时如实填报。各单位要按期通过平台填报项目进度，一次填报、多处使用，"
    "不得重复报送、虚报瞒报。",
    "四是强化督查问效。县督查室将对本期通报的红灯项目和逾期督办事项跟踪督办，"
    "结果纳入比学赶超考评。",
)


class BulletinError(ValueError):
    """A bad, future or empty period, with a message for the user."""


@dataclass(frozen=True)
class BulletinPeriod:
    code: str  # 2026-10 or 2026-W44
    label: str  # 2026年10月 or 2026年第44周
    start: dt.date
    end: dt.date


def parse_period(text: str | None, today: dt.date) -> BulletinPeriod:
    """``YYYY-MM`` or ISO week ``YYYY-Www``; empty: the last month before ``today``."""
    text = (text or "").strip()
    if not text:
        last = today.replace(day=1) - dt.timedelta(days=1)
        text = f"{last:%Y-%m}"
    match = re.fullmatch(r"(\d{4})-(?:(\d{2})|[Ww](\d{2}))", text)
    if not match or not 2000 <= int(match[1]) <= 2100:
        raise BulletinError("期间格式应为 2026-10（月）或 2026-W44（周）")
    year = int(match[1])
    if match[3]:
        week = int(match[3])
        try:
            start = dt.date.fromisocalendar(year, week, 1)
        except ValueError:
            raise BulletinError(f"{year} 年没有第 {week} 周") from None
        period = BulletinPeriod(
            f"{year}-W{week:02d}", f"{year}年第{week}周", start, start + dt.timedelta(days=6)
        )
    else:
        month = int(match[2])
        if not 1 <= month <= 12:
            raise BulletinError("月份应在 01 到 12 之间")
        start = dt.date(year, month, 1)
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        period = BulletinPeriod(
            f"{year}-{month:02d}", f"{year}年{month}月", start, following - dt.timedelta(days=1)
        )
    if period.start > today:
        raise BulletinError(f"{period.label}尚未开始，不能生成通报")
    return period


def _month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    start = day.replace(day=1)
    following = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start, following - dt.timedelta(days=1)


def bulletin_figures(region: Region, period: BulletinPeriod | str, today: dt.date) -> dict:
    """Everything the bulletin prints, or ``BulletinError`` for a future or empty period."""
    if isinstance(period, str):
        period = parse_period(period, today)
    if period.start > today:
        raise BulletinError(f"{period.label}尚未开始，不能生成通报")
    as_of = min(period.end, today)
    year = period.end.year
    projects = Project.objects.filter(region=region)
    cockpit = cockpit_figures(projects, as_of, year)
    totals = cockpit["totals"]
    month = cockpit["monthly"][as_of.month - 1] if as_of.year == year else cockpit["monthly"][-1]
    completed = month["cumulative"] or Decimal("0")
    reported = any(m["invested"] for m in cockpit["monthly"][: as_of.month])
    if not totals["active"] or not reported:
        raise BulletinError(
            f"{region.name}{period.label}没有在建项目或尚无进度填报，无数据可通报，未生成通报"
        )
    # The league table is kept per month: a week is ranked with the month it ends in.
    league_start, league_end = _month_bounds(period.end)
    league = league_table(region, league_start, league_end, as_of)
    red = (
        projects.filter(light=Light.RED)
        .exclude(stage=Stage.DROPPED)
        .select_related("host_unit", "lead_department", "contact_leader")
        .prefetch_related(Prefetch("responsibles", ProjectPerson.objects.select_related("person")))
        .order_by("host_unit__order", "id")
    )
    # Overdue as of the period's end: due before it and not accepted by then (an order
    # accepted later was still overdue at the time the bulletin speaks of).
    accepted = SupervisionOrder.Status.ACCEPTED
    overdue = (
        SupervisionOrder.objects.filter(region=region, issued_on__lte=as_of, deadline__lt=as_of)
        .filter(~Q(status=accepted) | Q(accepted_on__gt=as_of) | Q(accepted_on__isnull=True))
        .select_related("unit", "person", "project")
        .order_by("deadline", "id")
    )
    return {
        "region": region,
        "period": period,
        "as_of": as_of,
        "today": today,
        "year": year,
        "cockpit": cockpit,
        "projects": totals["active"],
        "stages": [(s["label"], s["count"]) for s in cockpit["funnel"]],
        "total_investment": totals["total_investment"],
        "plan": totals["year_plan"],
        "completed": completed,
        "completion_pct": percent(completed, totals["year_plan"]),
        "elapsed_pct": totals["elapsed_pct"],
        "lights": totals["lights"],
        "league": league,
        "league_label": f"{league_start.year}年{league_start.month}月",
        "red": [
            {
                "project": p,
                "host_unit": p.host_unit.name if p.host_unit_id else "",
                "lead_department": p.lead_department.name if p.lead_department_id else "",
                "contact_leader": p.contact_leader.name if p.contact_leader_id else "",
                "persons": [r.person for r in p.responsibles.all()],
                "reasons": "；".join(p.light_reasons or []),
            }
            for p in red
        ],
        "overdue": list(overdue),
    }


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


def _heading(doc, text: str) -> None:
    paragraph = _para(doc, text, font=HEADING_FONT)
    paragraph.paragraph_format.first_line_indent = Pt(32)


def _body(doc, text: str) -> None:
    paragraph = _para(doc, text)
    paragraph.paragraph_format.first_line_indent = Pt(32)


def _table(doc, headers: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(cell.paragraphs[0].add_run(text), HEADING_FONT, 12)
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            _font(cell.paragraphs[0].add_run(str(text)), BODY_FONT, 12)


def _person(person) -> str:
    return f"{person.name}（{person.mobile}）" if getattr(person, "mobile", "") else person.name


def write_bulletin(figures: dict, out, number: int | None = None) -> None:
    """Write the bulletin of ``figures`` as .docx to ``out`` (a path or binary file).

    ``number`` is the archive's number in the year; without it (the command) the number is
    left blank (「〔2026〕 号」), as drafts are.
    """
    region, period = figures["region"], figures["period"]
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    _para(
        doc,
        f"{region.name}重点项目推进情况通报",
        font=TITLE_FONT,
        size=22,
        color=RED,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    code = f"县重点办通〔{figures['today'].year}〕{number if number else '  '}号"
    _red_rule(_para(doc, code, align=WD_ALIGN_PARAGRAPH.CENTER))
    _para(doc, f"（{period.label}）", align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc)

    as_of = figures["as_of"]
    _heading(doc, "一、总体进展")
    stages = "，".join(f"{label}{count}个" for label, count in figures["stages"])
    lights = figures["lights"]
    _body(
        doc,
        f"截至{_date(as_of)}，全县在库重点项目{figures['projects']}个，"
        f"总投资{_money(figures['total_investment'])}万元。其中{stages}。",
    )
    _body(
        doc,
        f"{figures['year']}年计划投资{_money(figures['plan'])}万元，"
        f"1-{as_of.month}月完成投资{_money(figures['completed'])}万元，"
        f"完成率{_pct(figures['completion_pct'])}，序时进度{_pct(figures['elapsed_pct'])}。",
    )
    _body(
        doc,
        f"亮灯情况：红灯{lights.get(Light.RED, 0)}个，黄灯{lights.get(Light.YELLOW, 0)}个，"
        f"绿灯{lights.get(Light.GREEN, 0)}个。",
    )

    _heading(doc, "二、乡镇（平台）排名")
    _body(doc, f"{figures['league_label']}乡镇（平台）比学赶超排名如下：")
    rows = []
    for row in figures["league"]:
        values = {c.key: c.value for c in row.components}
        rows.append(
            [
                str(row.rank) if row.rank else "—",
                row.unit.name,
                "—" if row.score is None else str(row.score),
                *(_pct(values.get(k)) for k in ("investment", "green", "reports", "closure")),
            ]
        )
    _table(
        doc,
        ["名次", "乡镇（平台）", "得分", "投资完成率", "绿灯占比", "按时填报率", "按期办结率"],
        rows,
    )

    _heading(doc, "三、红灯项目")
    if figures["red"]:
        _body(doc, f"本期红灯项目{len(figures['red'])}个，请责任单位和责任人限期整改：")
        _table(
            doc,
            ["项目名称", "所在乡镇（平台）", "领办部门", "责任人", "亮灯原因"],
            [
                [
                    r["project"].name,
                    r["host_unit"],
                    r["lead_department"],
                    "、".join(_person(p) for p in r["persons"]) or "—",
                    r["reasons"] or "—",
                ]
                for r in figures["red"]
            ],
        )
    else:
        _body(doc, "本期无红灯项目。")

    _heading(doc, "四、逾期督办单")
    if figures["overdue"]:
        _body(doc, f"截至{_date(as_of)}，逾期未办结督办单{len(figures['overdue'])}件：")
        _table(
            doc,
            ["督办单号", "督办事由", "承办单位", "责任人", "办结期限", "状态"],
            [
                [
                    o.code,
                    o.title,
                    o.unit.name,
                    _person(o.person),
                    _date(o.deadline),
                    o.get_status_display(),
                ]
                for o in figures["overdue"]
            ],
        )
    else:
        _body(doc, "本期无逾期督办单。")

    _heading(doc, "五、下一步工作要求")
    for text in NEXT_STEPS:
        _body(doc, text)
    _para(doc)
    _para(doc, f"{region.name}重点项目推进办公室", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, _date(figures["today"]), align=WD_ALIGN_PARAGRAPH.RIGHT)
    doc.save(out)


def bulletin_issue(region: Region, period_text: str | None, today: dt.date, user=None) -> Bulletin:
    """Build, number and archive the bulletin of a period, numbered per county in the year it
    is issued (a December bulletin issued in January is the new year's first)."""
    figures = bulletin_figures(region, parse_period(period_text, today), today)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                number = Bulletin.objects.filter(region=region, year=today.year).count() + 1
                buffer = io.BytesIO()
                write_bulletin(figures, buffer, number)
                bulletin = Bulletin(
                    region=region,
                    period=figures["period"].code,
                    label=figures["period"].label,
                    year=today.year,
                    number=number,
                    created_by=user,
                )
                bulletin.file.save("bulletin.docx", ContentFile(buffer.getvalue()), save=False)
                bulletin.save()
                return bulletin
        except IntegrityError:
            continue  # someone else took the number at the same moment: count again
    raise BulletinError("通报编号冲突，请重试")
