"""12345 hotline work orders: import from .xlsx and .csv, idempotent by work order number."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import Workbook

from tuijin.appeals.hotline import HotlineImportError, import_hotline
from tuijin.appeals.models import Appeal
from tuijin.core.roles import Role
from tuijin.enterprises.models import Enterprise

HEADER = ["工单编号", "来电时间", "诉求人/企业名称", "联系电话", "诉求类型", "诉求内容", "所属领域"]


def _rows(today: dt.date) -> list[list]:
    yesterday = today - dt.timedelta(days=1)
    return [
        [
            "QX20261101001",
            dt.datetime.combine(yesterday, dt.time(9, 12)),
            "清溪精工机械有限公司",
            "13812345678",
            "求助",
            "新上生产线需要电力增容，变压器容量不够，申请尽快增容。",
            "水电气",
        ],
        [
            "QX20261101002",
            f"{yesterday:%Y-%m-%d} 10:30",
            "河口食品厂",
            "0571-88886666",
            "投诉",
            "本月已有三批检查组到厂检查，每次都要停产配合，请减少重复检查。",
            "",
        ],
        [
            "QX20261101003",
            f"{yesterday:%Y/%m/%d}",
            "张先生",
            "13900001111",
            "咨询类",
            "咨询小微企业创业担保贷款贴息政策。",
            "融资",
        ],
    ]


def _xlsx(path, header, rows, title_row: bool = True):
    book = Workbook()
    sheet = book.active
    if title_row:
        sheet.append(["清溪县12345热线转办工单（11月）"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _csv(path, header, rows, encoding: str):
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(
                [f"{v:%Y-%m-%d %H:%M}" if isinstance(v, dt.datetime) else v for v in row]
            )
    return path


@pytest.fixture
def office(county):
    return county.users[Role.PROJECT_OFFICE]


@pytest.fixture
def today():
    return timezone.localdate()


def test_importing_the_same_file_twice_does_not_duplicate(county, office, today, tmp_path):
    path = _xlsx(tmp_path / "hotline.xlsx", HEADER, _rows(today))
    report = import_hotline(path, region=county.region, acting_user=office)
    assert (report.created, report.skipped) == (3, [])
    assert report.summary_lines()[0] == "12345工单：新增 3，已导入过跳过 0"

    appeal = Appeal.objects.get(hotline_number="QX20261101001")
    assert appeal.source == Appeal.Source.HOTLINE
    assert appeal.kind == Appeal.Kind.HELP
    assert appeal.topic == Appeal.Topic.UTILITIES
    assert appeal.status == Appeal.Status.NEW
    assert appeal.received_on == today - dt.timedelta(days=1)
    assert appeal.contact_mobile == "13812345678"
    assert appeal.title == "新上生产线需要电力增容，变压器容量不够，申请尽快增容"
    assert appeal.events.filter(kind="received").count() == 1
    assert Appeal.objects.get(hotline_number="QX20261101003").kind == Appeal.Kind.CONSULT

    again = import_hotline(path, region=county.region, acting_user=office)
    assert again.created == 0
    assert again.skipped == ["QX20261101001", "QX20261101002", "QX20261101003"]
    assert again.summary_lines()[0] == "12345工单：新增 0，已导入过跳过 3"
    assert Appeal.objects.count() == 3


def test_a_row_without_topic_gets_the_suggested_one_marked(county, office, today, tmp_path):
    path = _xlsx(tmp_path / "hotline.xlsx", HEADER, _rows(today))
    report = import_hotline(path, region=county.region, acting_user=office, dry_run=True)
    assert report.suggested == 1
    change = next(c for c in report.changes if c.name.startswith("QX20261101002"))
    assert change.fields == ("领域：执法检查（系统建议）",)
    assert "其中 1 件未填所属领域，已按系统建议归类，请分派时核对" in report.summary_lines()
    # A dry run writes nothing.
    assert Appeal.objects.count() == 0


def test_enterprises_are_matched_in_the_registry_by_name(county, office, today, tmp_path):
    enterprise = Enterprise.objects.create(
        region=county.region,
        credit_code="91330100MA2B3C4D5E",
        name="清溪精工机械有限公司",
        host_unit=county.township,
    )
    import_hotline(
        _xlsx(tmp_path / "h.xlsx", HEADER, _rows(today)), region=county.region, acting_user=office
    )
    assert Appeal.objects.get(hotline_number="QX20261101001").enterprise == enterprise
    assert Appeal.objects.get(hotline_number="QX20261101002").enterprise is None


def test_unknown_columns_are_refused_with_one_message_and_nothing_saved(
    county, office, today, tmp_path
):
    header = [*HEADER[:6], "回访结果", "办理单位"]
    rows = [[*row[:6], "满意", "县供电公司"] for row in _rows(today)]
    path = _xlsx(tmp_path / "other.xlsx", header, rows)
    with pytest.raises(HotlineImportError) as caught:
        import_hotline(path, region=county.region, acting_user=office)
    assert len(caught.value.errors) == 1
    message = str(caught.value.errors[0])
    assert message.startswith(
        "表头（第 2 行）不是 12345 工单格式。无法识别的列：回访结果、办理单位。"
    )
    assert "应有的列：工单编号、来电时间、诉求人/企业名称、联系电话、诉求类型、诉求内容" in message
    assert Appeal.objects.count() == 0


def test_missing_columns_are_named(county, office, today, tmp_path):
    path = _xlsx(tmp_path / "m.xlsx", HEADER[:4], [r[:4] for r in _rows(today)], title_row=False)
    with pytest.raises(HotlineImportError) as caught:
        import_hotline(path, region=county.region, acting_user=office)
    assert "缺少的列：诉求类型、诉求内容" in str(caught.value.errors[0])


def test_a_bad_row_rejects_the_whole_file_naming_row_and_column(county, office, today, tmp_path):
    rows = _rows(today)
    rows[1][4] = "表扬"
    rows[2][1] = "下周三"
    path = _xlsx(tmp_path / "bad.xlsx", HEADER, rows)
    with pytest.raises(HotlineImportError) as caught:
        import_hotline(path, region=county.region, acting_user=office)
    assert [str(e) for e in caught.value.errors] == [
        "第 4 行「诉求类型」列：应为咨询、求助、投诉、建议、举报之一，而不是「表扬」",
        "第 5 行「来电时间」列：应为日期（如 2026-11-03 09:30），而不是「下周三」",
    ]
    assert Appeal.objects.count() == 0


def test_a_number_twice_in_the_file_is_an_error(county, office, today, tmp_path):
    rows = _rows(today)
    rows[2][0] = rows[0][0]
    path = _xlsx(tmp_path / "dup.xlsx", HEADER, rows)
    with pytest.raises(HotlineImportError) as caught:
        import_hotline(path, region=county.region, acting_user=office)
    assert [str(e) for e in caught.value.errors] == [
        "第 5 行「工单编号」列：与第 3 行的工单编号重复"
    ]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_csv_in_gbk_and_utf8_with_bom(county, office, today, tmp_path, encoding):
    path = _csv(tmp_path / f"hotline-{encoding}.csv", HEADER, _rows(today), encoding)
    report = import_hotline(path, region=county.region, acting_user=office)
    assert report.created == 3
    appeal = Appeal.objects.get(hotline_number="QX20261101002")
    assert appeal.enterprise_name == "河口食品厂"
    assert appeal.contact_mobile == "0571-88886666"
    assert appeal.text == "本月已有三批检查组到厂检查，每次都要停产配合，请减少重复检查。"
    assert appeal.kind == Appeal.Kind.COMPLAINT


def test_command_prints_counts_and_fails_in_one_line(county, today, tmp_path, capsys):
    path = _xlsx(tmp_path / "hotline.xlsx", HEADER, _rows(today))
    call_command("import_hotline", str(path), "--dry-run")
    assert "（试运行，未写入）12345工单：新增 3，已导入过跳过 0" in capsys.readouterr().out
    assert Appeal.objects.count() == 0
    call_command("import_hotline", str(path))
    call_command("import_hotline", str(path))
    out = capsys.readouterr().out
    assert "12345工单：新增 0，已导入过跳过 3" in out
    assert Appeal.objects.count() == 3
    assert set(Appeal.objects.values_list("created_by__username", flat=True)) == {
        Role.PROJECT_OFFICE.value
    }

    bad = _xlsx(tmp_path / "bad.xlsx", ["工单编号", "坐席"], [["X1", "7"]])
    with pytest.raises(CommandError) as caught:
        call_command("import_hotline", str(bad))
    assert "\n" not in str(caught.value)
    assert "无法识别的列：坐席" in str(caught.value)


def test_the_sample_in_the_docs_imports_cleanly(county, office):
    sample = Path(__file__).parents[3] / "docs" / "samples" / "hotline-sample.xlsx"
    report = import_hotline(
        sample, region=county.region, acting_user=office, dry_run=True, today=dt.date(2026, 11, 28)
    )
    assert (report.created, report.suggested) == (8, 3)


# --- The upload page ----------------------------------------------------------------------

pytestmark = pytest.mark.urls("tuijin.appeals.tests.urls_stats")


def test_the_office_previews_then_confirms(county, office, today, tmp_path, client_for):
    client = client_for(office)
    path = _csv(tmp_path / "h.csv", HEADER, _rows(today), "gbk")
    with path.open("rb") as handle:
        page = client.post("/appeals/hotline/", {"action": "preview", "file": handle})
    text = page.content.decode()
    assert page.status_code == 200
    assert "预览（尚未写入）" in text and "12345工单：新增 3，已导入过跳过 0" in text
    assert "领域：执法检查（系统建议）" in text
    assert Appeal.objects.count() == 0

    done = client.post("/appeals/hotline/", {"action": "confirm"}, follow=True)
    assert "12345工单已导入：12345工单：新增 3" in done.content.decode()
    assert Appeal.objects.filter(region=county.region, source="hotline").count() == 3


def test_a_bad_file_on_the_page_shows_the_message(county, office, tmp_path, client_for):
    path = _xlsx(tmp_path / "x.xlsx", ["工单编号", "坐席"], [["X1", "7"]])
    with path.open("rb") as handle:
        page = client_for(office).post("/appeals/hotline/", {"action": "preview", "file": handle})
    assert "未导入任何数据" in page.content.decode()
    assert "无法识别的列：坐席" in page.content.decode()


def test_only_the_service_office_may_import(county, client_for):
    assert client_for(county.users[Role.UNIT_STAFF]).get("/appeals/hotline/").status_code == 403
    page = client_for(county.users[Role.PROJECT_OFFICE]).get("/appeals/hotline/")
    assert page.status_code == 200
    assert (
        "必填列：工单编号、来电时间、诉求人/企业名称、联系电话、诉求类型、诉求内容"
        in page.content.decode()
    )
