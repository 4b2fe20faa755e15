"""The bulletin (通报): its figures read back from the .docx equal the cockpit's and the ledger
export's; red projects with their persons; fonts; bad, empty and future periods; numbering;
the archive's scope; the command.

Fixture, October 2026 (bulletin as of 2026-10-31):
P1 城关镇, started, red (进度滞后), plan 500; reports 09: 300, 10: 200.
P2 河口镇, completed, green, plan 1000; report 10: 400.
P3 城关镇, signed, no plan, no report.
An order to 城关镇 due 2026-10-20, still open: overdue.
"""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from docx import Document
from docx.oxml.ns import qn

from tuijin.cockpit.services import cockpit_figures, percent
from tuijin.core.roles import Role
from tuijin.projects.ledger import export_ledger
from tuijin.projects.models import AnnualPlan, Light, ProgressReport, Project, Stage
from tuijin.projects.tests.conftest import make_project
from tuijin.supervision.bulletin import (
    BulletinError,
    bulletin_figures,
    bulletin_issue,
    parse_period,
    write_bulletin,
)
from tuijin.supervision.models import Bulletin, SupervisionOrder
from tuijin.supervision.tests.conftest import issue

TODAY = dt.date(2026, 11, 28)
END = dt.date(2026, 10, 31)
URL = "/supervision/bulletins/"


def _project(county, name, unit, stage, light, plan, **fields):
    p = make_project(county, name=name, host_unit=unit, stage=stage, light=light, **fields)
    AnnualPlan.objects.filter(project=p).update(year=2026, planned_investment=Decimal(plan))
    return p


@pytest.fixture
def data(county):
    t, h = county.township, county.other_township
    p1 = _project(county, "P1产业园", t, Stage.STARTED, Light.RED, 500, light_reasons=["进度滞后"])
    p2 = _project(county, "P2污水厂", h, Stage.COMPLETED, Light.GREEN, 1000)
    p3 = _project(county, "P3物流园", t, Stage.SIGNED, Light.GREEN, 0)
    AnnualPlan.objects.filter(project=p3).delete()
    for p, period, invested in (
        (p1, dt.date(2026, 9, 1), "300"),
        (p1, dt.date(2026, 10, 1), "200"),
        (p2, dt.date(2026, 10, 1), "400"),
    ):
        ProgressReport.objects.create(project=p, period=period, invested=Decimal(invested))
    order = issue(county, project=p1, issued_on=dt.date(2026, 10, 9))
    SupervisionOrder.objects.filter(pk=order.pk).update(deadline=dt.date(2026, 10, 20))
    return {"p1": p1, "p2": p2, "p3": p3, "order": order}


def _docx(county, period="2026-10", today=TODAY) -> Document:
    figures = bulletin_figures(county.region, parse_period(period, today), today)
    buffer = io.BytesIO()
    write_bulletin(figures, buffer)
    buffer.seek(0)
    return Document(buffer)


def _text(doc) -> str:
    return "\n".join(p.text for p in doc.paragraphs)


def _cells(doc) -> list[list[str]]:
    return [[c.text for c in row.cells] for t in doc.tables for row in t.rows]


def _money(value) -> str:
    return f"{Decimal(value):,.2f}"


def test_figures_equal_cockpit_and_ledger(county, data):
    doc = _docx(county)
    text = _text(doc)
    cockpit = cockpit_figures(Project.objects.filter(region=county.region), END, 2026)
    totals = cockpit["totals"]
    assert totals["year_plan"] == Decimal("1500")
    assert totals["year_completed"] == Decimal("900")
    assert f"计划投资{_money(totals['year_plan'])}万元" in text
    assert f"1-10月完成投资{_money(totals['year_completed'])}万元" in text
    assert f"完成率{totals['completion_pct']}%" in text
    assert f"序时进度{totals['elapsed_pct']}%" in text
    assert f"在库重点项目{totals['active']}个" in text
    for stage in cockpit["funnel"]:
        assert f"{stage['label']}{stage['count']}个" in text
    assert "已开工1个" in text and "已签约1个" in text

    # The ledger export's 合计 row for the same projects and date.
    buffer = io.BytesIO()
    export_ledger(Project.objects.filter(region=county.region), buffer, today=END)
    buffer.seek(0)
    rows = [list(r) for r in openpyxl.load_workbook(buffer).active.iter_rows(values_only=True)]
    header = next(r for r in rows if "2026年计划投资" in r)
    total = next(r for r in rows if "合计" in [str(v).strip() for v in r if v])
    plan = Decimal(str(total[header.index("2026年计划投资")]))
    done = Decimal(str(total[header.index("1-10月完成投资")]))
    assert f"计划投资{_money(plan)}万元" in text
    assert f"完成投资{_money(done)}万元" in text
    rate = total[header.index("完成率(%)")]
    assert Decimal(str(rate)).quantize(Decimal("0.1")) == percent(done, plan)


def test_red_projects_persons_and_overdue_orders(county, data):
    doc = _docx(county)
    cells = _cells(doc)
    red = next(r for r in cells if r[0] == "P1产业园")
    person = county.people[Role.UNIT_STAFF]
    assert red[1] == county.township.name
    assert red[2] == county.department.name
    assert person.name in red[3] and person.mobile in red[3]
    assert red[4] == "进度滞后"
    assert not any(r[0] == "P2污水厂" for r in cells)
    assert any(r[0] == data["order"].code and r[2] == county.township.name for r in cells)
    # Accepted after the period's end: still overdue in October's bulletin, not once accepted.
    SupervisionOrder.objects.filter(pk=data["order"].pk).update(
        status=SupervisionOrder.Status.ACCEPTED, accepted_on=dt.date(2026, 11, 5)
    )
    assert any(r[0] == data["order"].code for r in _cells(_docx(county)))
    SupervisionOrder.objects.filter(pk=data["order"].pk).update(accepted_on=dt.date(2026, 10, 19))
    assert not any(r[0] == data["order"].code for r in _cells(_docx(county)))
    text = _text(doc)
    for heading in ("一、总体进展", "二、乡镇（平台）排名", "三、红灯项目", "四、逾期督办单"):
        assert heading in text
    assert "五、下一步工作要求" in text
    # The league table of October: both townships ranked.
    assert any(r[1] == county.township.name for r in cells)
    assert any(r[1] == county.other_township.name for r in cells)


def test_every_run_names_east_asian_font(county, data):
    doc = _docx(county)
    runs = [r for p in doc.paragraphs for r in p.runs]
    runs += [
        r
        for t in doc.tables
        for row in t.rows
        for c in row.cells
        for p in c.paragraphs
        for r in p.runs
    ]
    assert runs
    fonts = set()
    for run in runs:
        east = run._element.rPr.rFonts.get(qn("w:eastAsia"))
        assert east, run.text
        fonts.add(east)
    assert {"方正小标宋简体", "仿宋_GB2312", "黑体"} <= fonts
    title = doc.paragraphs[0].runs[0]
    assert title.text == f"{county.region.name}重点项目推进情况通报"
    assert title._element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    heading = next(p for p in doc.paragraphs if p.text == "一、总体进展").runs[0]
    assert heading._element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"


def test_week_period(county, data):
    text = _text(_docx(county, "2026-W44"))  # 2026-10-26 .. 11-01
    assert "2026年第44周" in text
    assert "二、乡镇（平台）排名" in text


def test_empty_period_refused(county, other_county, data):
    with pytest.raises(BulletinError, match="无数据可通报"):
        bulletin_figures(other_county.region, parse_period("2026-10", TODAY), TODAY)
    with pytest.raises(BulletinError, match="无数据可通报"):  # before any report
        bulletin_figures(county.region, parse_period("2026-08", TODAY), TODAY)


def test_future_and_bad_periods_refused(county, data):
    with pytest.raises(BulletinError, match="尚未开始"):
        parse_period("2026-12", TODAY)
    with pytest.raises(BulletinError, match="尚未开始"):
        parse_period("2026-W50", TODAY)
    for bad in ("2026-13", "2026/10", "abc", "2026-W60"):
        with pytest.raises(BulletinError):
            parse_period(bad, TODAY)


def test_numbering_increments_per_year(county, other_county, data, settings, tmp_path):
    first = bulletin_issue(county.region, "2026-09", TODAY)
    second = bulletin_issue(county.region, "2026-10", TODAY)
    assert (first.number, second.number) == (1, 2)
    assert second.code == "县重点办通〔2026〕2号"
    next_year = bulletin_issue(county.region, "2026-10", dt.date(2027, 1, 5))
    assert (next_year.year, next_year.number) == (2027, 1)
    doc = Document(second.file.open("rb"))
    assert "县重点办通〔2026〕2号" in _text(doc)
    assert Bulletin.objects.count() == 3


def test_archive_page_generates_and_downloads(county, data, client_for):
    client = client_for(county.users[Role.SUPERVISION])
    response = client.post(URL + "new/", {"period": "2026-10"})
    assert response.status_code == 302
    bulletin = Bulletin.objects.get()
    assert (bulletin.region, bulletin.period, bulletin.number) == (county.region, "2026-10", 1)
    assert bulletin.created_by == county.users[Role.SUPERVISION]
    page = client.get(URL)
    assert bulletin.code in page.content.decode()
    download = client.get(f"{URL}{bulletin.pk}/")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    body = b"".join(download.streaming_content)
    assert "县重点办通〔" in _text(Document(io.BytesIO(body)))


def test_archive_page_refuses_empty_period(county, other_county, client_for):
    client = client_for(county.users[Role.SUPERVISION])
    response = client.post(URL + "new/", {"period": "2026-10"}, follow=True)
    assert "无数据可通报" in response.content.decode()
    assert not Bulletin.objects.exists()


def test_archive_scope(county, other_county, data, client_for):
    mine = bulletin_issue(county.region, "2026-10", TODAY)
    theirs = Bulletin.objects.create(
        region=other_county.region,
        period="2026-10",
        label="2026年10月",
        year=2026,
        number=1,
        file=mine.file.name,
    )
    for role in (Role.PRINCIPAL, Role.PROJECT_OFFICE, Role.SUPERVISION):
        client = client_for(county.users[role])
        page = client.get(URL)
        assert page.status_code == 200
        assert f"{URL}{mine.pk}/" in page.content.decode()
        assert f"{URL}{theirs.pk}/" not in page.content.decode()
        assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    for role in (Role.UNIT_STAFF, Role.ENTERPRISE, Role.LEADER):
        client = client_for(county.users[role])
        assert client.get(URL).status_code == 403, role
        assert client.get(f"{URL}{mine.pk}/").status_code == 403, role
    # Only the supervision office generates.
    client = client_for(county.users[Role.PRINCIPAL])
    assert client.post(URL + "new/", {"period": "2026-10"}).status_code == 403


def test_command_writes_file_and_fails_cleanly(county, data, tmp_path):
    out = tmp_path / "b.docx"
    call_command(
        "bulletin", "--period", "2026-10", "--out", str(out), "--region", county.region.code
    )
    assert "一、总体进展" in _text(Document(out))
    assert not Bulletin.objects.exists()  # the command does not archive
    with pytest.raises(CommandError, match="期间格式"):
        call_command("bulletin", "--period", "2026/10", "--out", str(out))
    with pytest.raises(CommandError, match="无数据可通报"):
        call_command("bulletin", "--period", "2026-08", "--out", str(out))


def test_api_lists_the_countys_bulletins_with_their_download(
    county, other_county, data, client_for
):
    mine = bulletin_issue(county.region, "2026-10", TODAY)
    client = client_for(county.users[Role.SUPERVISION])
    listed = client.get("/api/bulletins/").json()["results"]
    assert [(b["code"], b["period"], b["label"]) for b in listed] == [
        (mine.code, "2026-10", mine.label)
    ]
    assert client.get(listed[0]["download"]).status_code == 200
    assert (
        client_for(other_county.users[Role.SUPERVISION])
        .get(f"/api/bulletins/{mine.pk}/")
        .status_code
        == 404
    )
    assert client_for(county.users[Role.UNIT_STAFF]).get("/api/bulletins/").status_code == 403
