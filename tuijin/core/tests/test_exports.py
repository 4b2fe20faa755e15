"""Streamed Excel exports and the fast sheet reader every import uses."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

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
