"""What every Excel import shares: the rejection that lists every problem, and the page flow
upload → preview (a dry run of the same service) → confirm.

The uploaded file waits between preview and confirm under MEDIA_ROOT/imports/ with a random
name; only the session that previewed it holds the token, so nobody confirms another's file.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

# Cells that a spreadsheet would run as a formula (CSV/formula injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; others pass."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@dataclass(frozen=True)
class RowError:
    """One problem in a single-sheet file, located as the user sees it in Excel."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = ""
        if self.row:
            where += f"第 {self.row} 行"
        if self.column:
            where += f"「{self.column}」列"
        return f"{where}：{self.message}" if where else self.message


@dataclass(frozen=True)
class Change:
    """One row that an import creates or updates, for the preview page."""

    row: int
    action: str  # 新增 / 更新
    name: str
    fields: tuple[str, ...] = ()


class ImportRejected(Exception):
    """The file was rejected; ``errors`` lists every problem found. Nothing was written."""

    def __init__(self, errors: list):
        super().__init__("；".join(str(e) for e in errors[:5]))
        self.errors = errors

    def lines(self) -> list[str]:
        """A count, then one line per problem: what the command line and logs show."""
        return [f"导入失败，共 {len(self.errors)} 处错误：", *(f"  {e}" for e in self.errors)]


class UploadForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）")


def _staged(token: str) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{token}.xlsx"


def preview_then_confirm(
    request: HttpRequest,
    *,
    session_key: str,
    template: str,
    run: Callable[..., Any],
    on_success: Callable[[Any], HttpResponse],
    context: dict | None = None,
    label: str = "Excel 文件（.xlsx）",
) -> HttpResponse:
    """The import page: ``run(path, dry_run=…)`` is the import service."""
    form = UploadForm()
    form.fields["file"].label = label
    context = {**(context or {}), "form": form}
    if request.method == "POST" and request.POST.get("action") == "confirm":
        token = request.session.pop(session_key, None)
        path = _staged(token) if token else None
        if path is None or not path.exists():
            messages.error(request, "预览已失效，请重新上传文件")
            return redirect(request.path)
        try:
            report = run(path, dry_run=False)
        except ImportRejected as exc:
            context["errors"] = exc.errors
        else:
            return on_success(report)
        finally:
            path.unlink(missing_ok=True)
    elif request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        form.fields["file"].label = label
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > settings.TUIJIN_MAX_IMPORT_BYTES:
                form.add_error("file", "文件过大，请拆分后再导入")
            else:
                token = uuid.uuid4().hex
                path = _staged(token)
                with path.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                try:
                    context["report"] = run(path, dry_run=True)
                except ImportRejected as exc:
                    path.unlink(missing_ok=True)
                    context["errors"] = exc.errors
                else:
                    previous = request.session.get(session_key)
                    if previous:  # a second upload replaces the first preview
                        _staged(previous).unlink(missing_ok=True)
                    request.session[session_key] = token
    return render(request, template, context)
