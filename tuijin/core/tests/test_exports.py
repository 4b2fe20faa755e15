"""Streamed Excel exports and the fast sheet reader every import uses."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.db import connection
from openpyxl import Workbook, load_workbook

from tuijin.core.exports import write_rows
from tuijin.core.imports import sheet_rows


def test_a_streamed_table_of_n_rows_reads_back_with_n_rows_and_its_values():
    rows = (
        [f"企业{i}", i, Decimal("12.5"), dt.date(2026, 3, i % 28 + 1), i % 2 == 0, None]
        for i in range(1, 3001)
    )
    out = io.BytesIO()

    count = write_rows(
        out, ["名称", "序号", "金额", "日期", "是否", "空"], rows, sheet_title="名录"
    )

    assert count == 3000
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    assert sheet.title == "名录"
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 3001 and values[0][:5] == ("名称", "序号", "金额", "日期", "是否")
    assert values[3][:5] == ("企业3", 3, 12.5, dt.datetime(2026, 3, 4), False)
    assert sheet["D2"].number_format == "yyyy-mm-dd"


def test_exported_text_that_a_spreadsheet_would_run_is_neutralised():
    out = io.BytesIO()
    texts = ["=1+2", "+86", "-5", "@SUM(A1)", "a<b & c>d", "bell\x07"]

    write_rows(out, ["文本"], ([t] for t in texts))

    column = [c.value for c in load_workbook(out).active["A"]][1:]
    assert column == ["'=1+2", "'+86", "'-5", "'@SUM(A1)", "a<b & c>d", "bell"]


def test_the_sheet_reader_reads_what_openpyxl_reads(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["标题"])
    sheet.append([])
    sheet.append(["名称", 1, 2.5, dt.datetime(2026, 5, 1), True, None, "末列"])
    sheet["B5"] = "=1+1"
    sheet["C6"] = "跳过的列"
    path = tmp_path / "book.xlsx"
    book.save(path)

    readonly = load_workbook(path, read_only=True, data_only=True).active
    readonly.reset_dimensions()
    expected = [
        (n, tuple(v))
        for n, v in enumerate(readonly.iter_rows(values_only=True), start=1)
        if any(x is not None for x in v)
    ]
    ours = [(n, v) for n, v in sheet_rows(readonly) if any(x is not None for x in v)]

    assert ours == expected
    assert ours[1] == (3, ("名称", 1, 2.5, dt.datetime(2026, 5, 1), True, None, "末列"))
    assert ours[-1] == (6, (None, None, "跳过的列"))


# --- Formula injection (issue 8 point 6): every export, written then read back ---------------

DANGEROUS = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\0=1", "\x01=1"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


def storable() -> list[str]:
    """The dangerous texts a record can hold: PostgreSQL refuses NUL in text columns."""
    if connection.vendor == "postgresql":
        return [text for text in DANGEROUS if "\0" not in text]
    return DANGEROUS


def _text_cells(content: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [v for row in sheet.iter_rows(values_only=True) for v in row if isinstance(v, str)]


def _assert_neutralised(texts: list[str], wanted: list[str]) -> None:
    """No text cell starts as a formula; each dangerous value is there, kept as text."""
    assert [t for t in texts if t.startswith(FORMULA_STARTS)] == []
    for value in wanted:
        # NUL and other control characters are dropped (XML cannot hold them); a carriage
        # return comes back as the line feed XML turns it into.
        kept = "'" + value.lstrip("\0\x01").replace("\r", "\n")
        assert any(t == kept or t.startswith(kept) for t in texts), value


def test_cell_text_neutralises_every_formula_start_even_after_dropping_control_characters():
    from tuijin.core.exports import cell_text

    assert [cell_text(v) for v in DANGEROUS] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\t=1",
        "'\r=1",
        "'=1",
        "'=1",
    ]
    assert cell_text("普通文字 = 1") == "普通文字 = 1" and cell_text(-1) == -1


def test_the_generic_table_export_round_trips_every_formula_start_as_text():
    out = io.BytesIO()
    write_rows(out, ["文本", "另一列"], ([t, f"{t}尾"] for t in DANGEROUS))
    _assert_neutralised(_text_cells(out.getvalue()), DANGEROUS)


def test_the_enterprise_export_round_trips_every_formula_start_as_text(county, client_for):
    from tuijin.core.roles import Role
    from tuijin.enterprises.tests.factories import make_enterprise

    for serial, text in enumerate(storable(), start=1):
        make_enterprise(
            county.region,
            county.township,
            serial,
            name=text,
            industry=text,
            address=text,
            contact_name=text,
            legal_representative=text,
            struggling_reason=text,
        )
    response = client_for(county.users[Role.PROJECT_OFFICE]).get("/enterprises/export/")

    assert response.status_code == 200
    texts = _text_cells(b"".join(response.streaming_content))
    _assert_neutralised(texts, storable())
    assert sum(t == "'=1+1" for t in texts) == 6  # every text column of that enterprise


def test_the_project_ledger_export_round_trips_every_formula_start_as_text(county, client_for):
    from tuijin.core.roles import Role
    from tuijin.projects.models import ProgressReport
    from tuijin.projects.tests.conftest import make_project

    today = dt.date.today()
    for text in storable():
        project = make_project(county, name=text, content=text)
        ProgressReport.objects.create(
            project=project,
            period=today.replace(day=1),
            progress_text=text,
            problems_text=text,
            invested=Decimal("1"),
        )
    response = client_for(county.users[Role.PROJECT_OFFICE]).get("/projects/ledger/export/")

    assert response.status_code == 200
    texts = _text_cells(b"".join(response.streaming_content))
    _assert_neutralised(texts, storable())
    assert sum(t == "'@SUM(A1)" for t in texts) == 4  # name, content, progress, problems
