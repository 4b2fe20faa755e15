"""Test helpers: enterprises with valid credit codes, and import workbooks."""

from __future__ import annotations

import io

from openpyxl import Workbook

from tuijin.enterprises.models import Enterprise
from tuijin.enterprises.services import COLUMNS
from tuijin.enterprises.validators import credit_code_check_char


def make_code(serial: int, prefix: str = "91339901") -> str:
    body = f"{prefix}{serial:09d}"[:17]
    return body + credit_code_check_char(body)


def make_enterprise(region, host_unit, serial: int, **fields) -> Enterprise:
    defaults = {"name": f"测试企业{serial}有限公司", "industry": "制造业"}
    defaults.update(fields)
    return Enterprise.objects.create(
        region=region, host_unit=host_unit, credit_code=make_code(serial), **defaults
    )


def workbook(rows: list[dict], headers: list[str] | None = None, title: str | None = None):
    """An .xlsx in memory with ``headers`` (default: every import column)."""
    headers = headers or list(COLUMNS)
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer
