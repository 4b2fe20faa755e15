"""Checks on uploaded attachments, shared by every module that takes files.

One list of accepted types, one size limit and one content check, so that a county's
officials meet the same rule whether they answer a supervision order or an enterprise
request. The name only says which type the user claims; the bytes must agree. Images are
re-encoded on the way in so that no EXIF position, XMP or comment of the upload is stored.
Stored names come from ``stored_suffix`` (a checked extension) and a random id, never from
the user; downloads take their type from ``content_type_for`` the stored name.
"""

from __future__ import annotations

import contextlib
import io
import warnings
import zipfile
from collections.abc import Callable, Iterable
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps

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

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word/Excel/PowerPoint 97-2003 and WPS's own
ZIP = (b"PK\x03\x04", b"PK\x05\x06")  # a zip, or an empty one
# What the first bytes of each type must be.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".doc": (OLE2,),
    ".xls": (OLE2,),
    ".ppt": (OLE2,),
    ".wps": (OLE2,),
    ".et": (OLE2,),
    ".dps": (OLE2,),
    ".docx": ZIP[:1],
    ".xlsx": ZIP[:1],
    ".pptx": ZIP[:1],
    ".ofd": ZIP[:1],
    ".zip": ZIP,
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".rar": (b"Rar!\x1a\x07",),
    ".7z": (b"7z\xbc\xaf\x27\x1c",),
}
# The member a zip-based document must hold, besides [Content_Types].xml for Office.
MEMBERS = {".docx": "word/", ".xlsx": "xl/", ".pptx": "ppt/", ".ofd": "OFD.xml"}
KINDS = {
    ".pdf": "PDF",
    ".doc": "Word",
    ".docx": "Word",
    ".wps": "WPS 文字",
    ".xls": "Excel",
    ".xlsx": "Excel",
    ".et": "WPS 表格",
    ".ppt": "PowerPoint",
    ".pptx": "PowerPoint",
    ".dps": "WPS 演示",
    ".ofd": "OFD",
    ".txt": "文本",
    ".jpg": "JPG 图片",
    ".jpeg": "JPG 图片",
    ".png": "PNG 图片",
    ".zip": "ZIP 压缩包",
    ".rar": "RAR 压缩包",
    ".7z": "7z 压缩包",
}
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".wps": "application/vnd.ms-works",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".et": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".dps": "application/vnd.ms-powerpoint",
    ".ofd": "application/ofd",
    ".txt": "text/plain",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".zip": "application/zip",
    ".rar": "application/vnd.rar",
    ".7z": "application/x-7z-compressed",
}
IMAGES = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}
JPEG_QUALITY = 90
FALLBACK_MAX_PIXELS = 89_478_485  # Pillow's default, if MAX_IMAGE_PIXELS was set to None


def stored_suffix(filename: str) -> str:
    """The extension a stored file gets: the checked type's, else none at all."""
    suffix = PurePath(filename or "").suffix.lower()
    return suffix if suffix in FILE_TYPES else ""


def content_type_for(stored_name: str) -> str:
    """The type a download is served with, from the stored (checked) extension; never HTML."""
    return CONTENT_TYPES.get(PurePath(stored_name or "").suffix.lower(), "application/octet-stream")


def check_files(
    files: Iterable[UploadedFile] | None,
    error: Callable[[str, str], Exception],
    max_bytes: int = MAX_FILE_BYTES,
) -> list[UploadedFile]:
    """The uploads ready to store, or ``error(message, "files")`` raised for the first bad one.

    Office documents (including WPS and OFD), PDF, images and archives only: anything a
    browser could run (.html, .svg, .exe) is refused whatever its content, and a file whose
    bytes are not what its name says is refused too. Images come back re-encoded, without
    their metadata, under the name the user gave (kept for display only).
    """
    files = list(files or [])
    if len(files) > MAX_FILES:
        raise error(f"附件最多 {MAX_FILES} 个", "files")
    checked = []
    for upload in files:
        suffix = PurePath(upload.name or "").suffix.lower()
        if suffix not in FILE_TYPES:
            raise error(
                f"附件「{upload.name}」的类型不支持：请上传办公文档、PDF、图片或压缩包", "files"
            )
        if upload.size > max_bytes:
            raise error(f"附件「{upload.name}」超过 {max_bytes // (1024 * 1024)} MB", "files")
        problem = content_problem(upload, suffix)
        if problem:
            raise error(f"附件「{upload.name}」{problem}", "files")
        if suffix in IMAGES:
            try:
                upload = ContentFile(clean_image(_read_all(upload), IMAGES[suffix]), upload.name)
            except ImageRefused as exc:
                raise error(f"附件「{upload.name}」{exc}", "files") from exc
        checked.append(upload)
    return checked


def _read_all(upload) -> bytes:
    with contextlib.suppress(AttributeError, OSError, ValueError):
        upload.seek(0)
    data = upload.read()
    with contextlib.suppress(AttributeError, OSError, ValueError):
        upload.seek(0)
    return data if isinstance(data, bytes) else bytes(data or b"")


def content_problem(upload, suffix: str) -> str | None:
    """Why the bytes are not a ``suffix`` file (a Chinese clause), or None when they are."""
    mismatch = f"的内容不是{KINDS[suffix]}文件，与扩展名 {suffix} 不符，请上传真实的文件"
    data = _read_all(upload)
    if not data:
        return "是空文件，请重新选择"
    if suffix == ".pdf":
        return None if b"%PDF-" in data[:1024] else mismatch
    if suffix == ".txt":
        return None if is_text(data) else mismatch
    if not data.startswith(SIGNATURES[suffix]):
        return mismatch
    if suffix in MEMBERS:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return mismatch
        wanted = MEMBERS[suffix]
        if suffix != ".ofd" and "[Content_Types].xml" not in names:
            return mismatch
        if not any(n == wanted or (wanted.endswith("/") and n.startswith(wanted)) for n in names):
            return mismatch
    return None


def is_text(data: bytes) -> bool:
    """Plain text as Windows and phones save it: UTF-8, GB18030, or UTF-16 with its mark."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return "\0" not in data.decode("utf-16")
        except UnicodeDecodeError:
            return False
    if b"\0" in data:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


class ImageRefused(Exception):
    """An image that cannot be stored; the message is a Chinese clause after its name."""


def clean_image(data: bytes, fmt: str) -> bytes:
    """The image upright and re-encoded in its own format (JPEG at quality 90), from its
    pixels alone: no EXIF (GPS), XMP, ICC profile or comment of the upload survives.
    Decompression bombs are refused before their pixels are decoded."""
    max_pixels = Image.MAX_IMAGE_PIXELS or FALLBACK_MAX_PIXELS
    too_large = "像素过多，无法处理，请缩小后再上传"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[fmt])
            if image.width * image.height > max_pixels:
                raise ImageRefused(too_large)
            image.load()
            image = ImageOps.exif_transpose(image)
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRefused(too_large) from exc
    except Exception as exc:  # any decoder failure on untrusted bytes is a refusal
        raise ImageRefused("已损坏或不完整，无法读取，请重新选择") from exc
    if fmt == "JPEG":
        mode = "L" if image.mode == "L" else "RGB"
    elif image.mode in ("RGB", "RGBA", "L", "LA"):
        mode = image.mode
    else:
        has_alpha = "A" in image.getbands() or "transparency" in image.info
        mode = "RGBA" if has_alpha else "RGB"
    if image.mode != mode:
        image = image.convert(mode)
    # A fresh image from the pixels: nothing of the upload's info comes along.
    clean = Image.frombytes(mode, image.size, image.tobytes())
    out = io.BytesIO()
    if fmt == "JPEG":
        clean.save(out, "JPEG", quality=JPEG_QUALITY)
    else:
        clean.save(out, "PNG")
    return out.getvalue()
