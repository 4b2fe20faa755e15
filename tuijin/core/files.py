"""Checks on uploaded attachments, shared by every module that takes files.

One list of accepted types and one size limit, so that a county's officials meet the same
rule whether they answer a supervision order or an enterprise request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 10
FILE_TYPES = frozenset(
    {
        ".pdf",
        ".doc",
        ".docx",
        ".wps",
        ".xls",
        ".xlsx",
        ".et",
        ".ppt",
        ".pptx",
        ".dps",
        ".ofd",
        ".txt",
        ".jpg",
        ".jpeg",
        ".png",
        ".zip",
        ".rar",
        ".7z",
    }
)


def check_files(
    files: Iterable[UploadedFile] | None,
    error: Callable[[str, str], Exception],
    max_bytes: int = MAX_FILE_BYTES,
) -> list[UploadedFile]:
    """The uploads as a list, or ``error(message, "files")`` raised for the first bad one.

    Office documents (including WPS and OFD), PDF, images and archives only: anything a
    browser could run (.html, .svg, .exe) is refused whatever its content.
    """
    files = list(files or [])
    if len(files) > MAX_FILES:
        raise error(f"附件最多 {MAX_FILES} 个", "files")
    for upload in files:
        suffix = PurePath(upload.name or "").suffix.lower()
        if suffix not in FILE_TYPES:
            raise error(
                f"附件「{upload.name}」的类型不支持：请上传办公文档、PDF、图片或压缩包", "files"
            )
        if upload.size > max_bytes:
            raise error(f"附件「{upload.name}」超过 {max_bytes // (1024 * 1024)} MB", "files")
    return files
