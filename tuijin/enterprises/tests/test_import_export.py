import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from tuijin.enterprises.models import Enterprise
from tuijin.enterprises.services import (
    EnterpriseImportError,
    export_enterprises,
    import_enterprises,
    neutralise,
)

from .factories import make_code, make_enterprise, workbook


def row(serial, township="城关镇", **extra):
    data = {
        "统一社会信用代码": make_code(serial),
        "企业名称": f"清溪恒通机械{serial}有限公司",
        "法定代表人": "王伟",
        "所属行业": "制造业",
        "所在乡镇（平台）": township,
        "联系人": "李强",
        "联系电话": "13812345678",
        "从业人数": 120,
        "是否规上": "是",
        "规上年度": 2024,
        "营业收入（万元）": 25000.5,
        "税收（万元）": 800,
        "是否困难企业": "否",
    }
    data.update(extra)
    return data


def errors_of(county, rows, **kwargs):
    with pytest.raises(EnterpriseImportError) as caught:
        import_enterprises(workbook(rows, **kwargs), region=county.region)
    return [str(e) for e in caught.value.errors]


def test_import_creates_then_reimport_updates(county):
    rows = [row(1), row(2, township="河口镇", 百强排名=3, 百强年度=2024)]
    report = import_enterprises(workbook(rows, title="清溪县企业名录"), region=county.region)
    assert (report.created, report.updated) == (2, 0)
    first = Enterprise.objects.get(credit_code=make_code(1))
    assert first.host_unit == county.township and first.above_scale
    assert first.revenue == Decimal("25000.50") and first.contact_mobile == "13812345678"
    assert first.pinyin_initials.startswith("qxhtjx")
    assert Enterprise.objects.get(credit_code=make_code(2)).top100_rank == 3

    again = import_enterprises(workbook(rows), region=county.region)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)

    rows[0]["联系人"] = "赵敏"
    rows[0]["是否困难企业"] = "是"
    rows[0]["困难原因"] = "订单下降"
    changed = import_enterprises(workbook(rows), region=county.region)
    assert (changed.created, changed.updated) == (0, 1)
    assert set(changed.changes[0].fields) == {"联系人", "是否困难企业", "困难原因"}
    first.refresh_from_db()
    assert first.contact_name == "赵敏" and first.struggling
    assert Enterprise.objects.count() == 2


def test_dry_run_writes_nothing(county):
    report = import_enterprises(workbook([row(1)]), region=county.region, dry_run=True)
    assert report.created == 1
    assert not Enterprise.objects.exists()


def test_missing_optional_columns_keep_stored_values(county):
    make_enterprise(county.region, county.township, 1, contact_name="原联系人")
    headers = ["统一社会信用代码", "企业名称", "所在乡镇（平台）"]
    import_enterprises(
        workbook([row(1, 企业名称="新名称有限公司")], headers=headers), region=county.region
    )
    e = Enterprise.objects.get()
    assert e.name == "新名称有限公司" and e.contact_name == "原联系人"


def test_bad_rows_are_all_reported_and_nothing_written(county):
    existing = make_enterprise(county.region, county.township, 99, name="原有企业")
    bad_check = make_code(3)[:17] + ("0" if make_code(3)[17] != "0" else "1")
    rows = [
        row(1),
        row(2, 统一社会信用代码=bad_check),
        row(1, 企业名称="重复企业"),
        row(4, township="不存在镇"),
        row(5, 联系电话="1234"),
        row(6, 从业人数="很多"),
        row(7, 是否规上="也许"),
        row(99, 企业名称="改名企业"),
    ]
    errors = errors_of(county, rows)
    text = "\n".join(errors)
    assert "第 3 行「统一社会信用代码」列：统一社会信用代码校验位错误" in text
    assert "第 4 行「统一社会信用代码」列：与第 2 行的统一社会信用代码重复" in text
    assert "第 5 行「所在乡镇（平台）」列：本县没有名为「不存在镇」的乡镇或平台" in text
    assert "第 6 行「联系电话」列：手机号码应为 11 位数字" in text
    assert "第 7 行「从业人数」列" in text
    assert "第 8 行「是否规上」列" in text
    assert len(errors) == 6
    assert Enterprise.objects.count() == 1
    existing.refresh_from_db()
    assert existing.name == "原有企业"


def test_missing_required_column(county):
    errors = errors_of(county, [row(1)], headers=["统一社会信用代码", "企业名称"])
    assert any("「所在乡镇（平台）」列：缺少这一列" in e for e in errors)


def test_not_an_excel_file(county):
    with pytest.raises(EnterpriseImportError) as caught:
        import_enterprises(io.BytesIO(b"name,code\n"), region=county.region)
    assert "不是有效的 Excel" in str(caught.value.errors[0])
    assert not Enterprise.objects.exists()


def test_code_registered_in_another_county_is_refused(county, other_county):
    make_enterprise(other_county.region, other_county.township, 1)
    errors = errors_of(county, [row(1)])
    assert any("已登记在其他地区" in e for e in errors)


def test_top100_rank_needs_year_and_reason_for_struggling(county):
    errors = errors_of(county, [row(1, 百强排名=5), row(2, 是否困难企业="是")])
    assert any("第 2 行「百强年度」列" in e for e in errors)
    assert any("第 3 行「困难原因」列" in e for e in errors)


def test_neutralise():
    for text in ["=1+1", "+86", "-2", "@SUM(A1)", "\tx", "\rx", "\0x"]:
        assert neutralise(text) == "'" + text
    assert neutralise("清溪") == "清溪" and neutralise(5) == 5


def test_export_neutralises_formulas_and_round_trips(county):
    make_enterprise(
        county.region,
        county.township,
        1,
        name='=HYPERLINK("http://x")',
        address="@SUM(A1)",
        contact_name="-1+2",
        revenue=Decimal("12.5"),
    )
    buffer = io.BytesIO()
    assert export_enterprises(Enterprise.objects.all(), buffer) == 1
    buffer.seek(0)
    sheet = load_workbook(buffer).active
    values = [c.value for c in sheet[2]]
    assert values[1] == '\'=HYPERLINK("http://x")'
    assert "'@SUM(A1)" in values and "'-1+2" in values
    assert all(not (isinstance(v, str) and v.startswith(("=", "+", "-", "@"))) for v in values)
    assert sheet[2][0].data_type == "s"
    buffer.seek(0)
    report = import_enterprises(buffer, region=county.region)
    assert report.created == 0


def test_command(county, tmp_path):
    path = tmp_path / "ent.xlsx"
    path.write_bytes(workbook([row(1)]).getvalue())
    out = io.StringIO()
    call_command("import_enterprises", str(path), "--dry-run", stdout=out)
    assert "试运行" in out.getvalue() and not Enterprise.objects.exists()
    call_command("import_enterprises", str(path), stdout=out)
    assert Enterprise.objects.count() == 1
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook([row(2, township="无此镇")]).getvalue())
    with pytest.raises(CommandError, match="无此镇"):
        call_command("import_enterprises", str(bad))
