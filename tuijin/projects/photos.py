"""Photos of reports and site checks: read safely, stored clean, checked against the project.

A photo is evidence only. Its EXIF time and position are read once, shown beside the
project's location and the report period or visit date, and a plain warning is kept when
they disagree; nothing here scores, ranks or counts anyone.

Every upload is distrusted: the size is checked before decoding, the type by content (never
by the file name), decompression bombs are refused, and what is stored is a fresh JPEG
without any metadata under a random name (see ``Photo.image``'s ``upload_to``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import math
import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image, ImageOps, features

from .models import PeriodKind, Photo, Project
from .periods import next_period, period_label, period_start
from .services import ProjectRuleError

FIELD = "photos"
MAX_PHOTOS = 9  # per report or site check, as a phone's picker offers
MAX_SIDE = 2560  # px: the stored copy is enough to read a site sign, and no larger
JPEG_QUALITY = 85
FALLBACK_MAX_PIXELS = 89_478_485  # Pillow's default, used if MAX_IMAGE_PIXELS was set to None
DATE_TOLERANCE_DAYS = 1
DISTANCE_WARN_KM = 2.0
EARTH_RADIUS_KM = 6371.0088
LOCAL_TZ = ZoneInfo("Asia/Shanghai")  # EXIF times without an offset are county time

# Multi-picture JPEGs (some phones) open through the JPEG plugin, as format "MPO".
ACCEPTED = ("JPEG", "PNG", "WEBP") + (("AVIF",) if features.check("avif") else ())
ACCEPTED_TEXT = "JPG、PNG 或 WebP"

# EXIF tags (Exif IFD and GPS IFD).
DATETIME_ORIGINAL, DATETIME_DIGITIZED = 36867, 36868
OFFSET_ORIGINAL, OFFSET_DIGITIZED = 36881, 36882
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON = 1, 2, 3, 4
GPS_TIMESTAMP, GPS_STATUS, GPS_DATESTAMP = 7, 9, 29
SIX_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class PhotoData:
    """A photo read from an upload: the clean JPEG to store and what its EXIF said."""

    content: bytes
    taken_at: dt.datetime | None
    latitude: Decimal | None
    longitude: Decimal | None
    width: int
    height: int


# --- Reading one upload -------------------------------------------------------------------


def _label(upload) -> str:
    """「照片（IMG_0001.jpg）」: the user's name is shown to them, never used to store."""
    name = os.path.basename(str(getattr(upload, "name", "") or "")).strip()
    if not name:
        return "照片"
    if len(name) > 40:
        name = name[:37] + "…"
    return f"照片（{name}）"


def _read_limited(upload, limit: int, label: str, max_mb: int) -> bytes:
    too_big = f"{label}超过大小上限 {max_mb} MB，请压缩后再上传"
    size = getattr(upload, "size", None)
    if isinstance(size, int) and size > limit:  # refuse before reading, let alone decoding
        raise ProjectRuleError(too_big, FIELD)
    if hasattr(upload, "seek"):
        with contextlib.suppress(OSError, ValueError):
            upload.seek(0)
    data = upload.read(limit + 1)
    if isinstance(data, str):
        raise ProjectRuleError(f"{label}不是图片文件，请上传 {ACCEPTED_TEXT} 照片", FIELD)
    if len(data) > limit:  # a declared size is only a claim
        raise ProjectRuleError(too_big, FIELD)
    if not data:
        raise ProjectRuleError(f"{label}是空文件，请重新选择", FIELD)
    return bytes(data)


def _sniff(head: bytes) -> str | None:
    """The image format by its magic bytes, or None when the content is not an image."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "AVIF"
        if brand in (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"):
            return "HEIC"
        return None
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head.startswith(b"BM"):
        return "BMP"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "TIFF"
    return None


def _max_pixels() -> int:
    return Image.MAX_IMAGE_PIXELS or FALLBACK_MAX_PIXELS


def read_photo(upload, *, max_mb: int, label: str | None = None) -> PhotoData:
    """Check and re-encode one uploaded photo; ``ProjectRuleError(…, "photos")`` if refused.

    ``upload`` is a Django ``UploadedFile`` or any binary file object; ``label`` overrides
    how the photo is named in messages (default 「照片（文件名）」).
    """
    label = label or _label(upload)
    data = _read_limited(upload, max(int(max_mb), 0) * 1024 * 1024, label, max_mb)
    kind = _sniff(data[:32])
    if kind is None:
        raise ProjectRuleError(f"{label}不是图片文件，请上传 {ACCEPTED_TEXT} 照片", FIELD)
    if kind not in ACCEPTED:
        hint = "（苹果手机可在“设置—相机—格式”中选择“兼容性最佳”）" if kind == "HEIC" else ""
        raise ProjectRuleError(
            f"{label}是 {kind} 格式，暂不支持，请上传 {ACCEPTED_TEXT} 照片{hint}", FIELD
        )
    too_large = f"{label}像素过多，无法处理，请缩小后再上传"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED)
            if image.width * image.height > _max_pixels():
                raise ProjectRuleError(too_large, FIELD)
            taken_at, latitude, longitude = _metadata(image)
            if image.format in ("JPEG", "MPO"):
                image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode big JPEGs at a reduced scale
            image.load()
            content, width, height = _clean_jpeg(image)
    except ProjectRuleError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ProjectRuleError(too_large, FIELD) from exc
    except Exception as exc:  # any decoder failure on untrusted bytes is a refusal
        raise ProjectRuleError(f"{label}已损坏或不完整，无法读取，请重新拍摄或选择", FIELD) from exc
    return PhotoData(content, taken_at, latitude, longitude, width, height)


def _clean_jpeg(image: Image.Image) -> tuple[bytes, int, int]:
    """Upright, at most MAX_SIDE, RGB on white, saved as a JPEG without EXIF/ICC/XMP."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, "white")
        image.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode != "RGB":
        image = image.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # A fresh image: nothing of the upload's info (EXIF, ICC, XMP, comments) comes along.
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue(), clean.width, clean.height


# --- EXIF ---------------------------------------------------------------------------------


def _metadata(image: Image.Image) -> tuple[dt.datetime | None, Decimal | None, Decimal | None]:
    """Time and position from EXIF; broken EXIF means no metadata, not a refused photo."""
    try:
        exif = image.getexif()
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:
        return None, None, None
    taken_at = None
    for tag, offset_tag in (
        (DATETIME_ORIGINAL, OFFSET_ORIGINAL),
        (DATETIME_DIGITIZED, OFFSET_DIGITIZED),
    ):
        taken_at = parse_exif_datetime(sub.get(tag), sub.get(offset_tag))
        if taken_at:
            break
    if taken_at is None:
        taken_at = _gps_datetime(gps)
    latitude, longitude = gps_position(gps)
    return taken_at, latitude, longitude


def _text(value) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "ignore")
    if not isinstance(value, str):
        return None
    return value.replace("\x00", "").strip()


def _utc_offset(value) -> dt.tzinfo | None:
    """EXIF OffsetTime* such as "+08:00"."""
    text = _text(value)
    if not text or len(text) != 6 or text[0] not in "+-" or text[3] != ":":
        return None
    try:
        hours, minutes = int(text[1:3]), int(text[4:6])
    except ValueError:
        return None
    if hours > 14 or minutes > 59:
        return None
    delta = dt.timedelta(hours=hours, minutes=minutes)
    return dt.timezone(-delta if text[0] == "-" else delta)


def parse_exif_datetime(value, offset=None) -> dt.datetime | None:
    """ "2026:06:10 09:30:00" → an aware datetime (Asia/Shanghai unless an offset is given)."""
    text = _text(value)
    if not text:
        return None
    text = text[:19]
    for fmt in ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y:%m:%d %H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            naive = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return naive.replace(tzinfo=_utc_offset(offset) or LOCAL_TZ)
    return None


def _gps_datetime(gps) -> dt.datetime | None:
    """GPSDateStamp + GPSTimeStamp (UTC), used only when the camera wrote no DateTimeOriginal."""
    date_text, stamp = _text(gps.get(GPS_DATESTAMP)), gps.get(GPS_TIMESTAMP)
    if not date_text or not isinstance(stamp, tuple | list) or len(stamp) != 3:
        return None
    try:
        day = dt.datetime.strptime(date_text[:10], "%Y:%m:%d")
        h, m, s = (float(part) for part in stamp)
        if not all(math.isfinite(x) for x in (h, m, s)):
            return None
        moment = day + dt.timedelta(hours=h, minutes=m, seconds=s)
    except (ValueError, TypeError, ZeroDivisionError, OverflowError):
        return None
    return moment.replace(tzinfo=dt.UTC)


def _degrees(value) -> float | None:
    """(deg, min, sec) rationals, or a single number, as decimal degrees."""
    try:
        if isinstance(value, tuple | list):
            parts = [float(part) for part in value[:3]]
            if not parts:
                return None
            parts += [0.0] * (3 - len(parts))
            degrees = parts[0] + parts[1] / 60 + parts[2] / 3600
        else:
            degrees = float(value)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return degrees if math.isfinite(degrees) else None


def _coordinate(value, ref, negative: str, limit: float) -> Decimal | None:
    if value is None:
        return None
    degrees = _degrees(value)
    if degrees is None or abs(degrees) > limit:
        return None
    ref_text = (_text(ref) or "").upper()[:1]
    if ref_text == negative:
        degrees = -abs(degrees)
    return Decimal(repr(round(degrees, 6))).quantize(SIX_PLACES)


def gps_position(gps) -> tuple[Decimal | None, Decimal | None]:
    """Latitude and longitude (south and west negative) from a GPS IFD, or (None, None)."""
    if not gps or (_text(gps.get(GPS_STATUS)) or "").upper() == "V":  # V: measurement void
        return None, None
    latitude = _coordinate(gps.get(GPS_LAT), gps.get(GPS_LAT_REF), "S", 90)
    longitude = _coordinate(gps.get(GPS_LON), gps.get(GPS_LON_REF), "W", 180)
    if latitude is None or longitude is None or (latitude == 0 and longitude == 0):
        return None, None  # half a position, or "null island" from a phone without a fix
    return latitude, longitude


# --- Checking against the project ---------------------------------------------------------


def distance_km(lat1, lon1, lat2, lon2) -> float:
    """Great-circle (haversine) distance in kilometres between two points in degrees."""
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    dphi = phi2 - phi1
    dlambda = math.radians(float(lon2) - float(lon1))
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Reference:
    """What a photo's time is checked against: a visit date or a report period."""

    start: dt.date
    end: dt.date
    label: str  # 「察看日期 2026-06-10」 / 「填报期 2026年6月」
    is_period: bool


def reference_for(*, report=None, site_check=None, reference_date: dt.date | None = None):
    """A site check's visit date, or a report's period (its month, or its week in a drive)."""
    if site_check is not None:
        day = reference_date or site_check.visited_on
        return Reference(day, day, f"察看日期 {day:%Y-%m-%d}", False)
    kind = getattr(report, "period_kind", None) or PeriodKind.MONTH
    start = period_start(reference_date or report.period, kind)
    end = next_period(start, kind) - dt.timedelta(days=1)
    return Reference(start, end, f"填报期 {period_label(start, kind)}", True)


def photo_warnings(
    *,
    taken_at: dt.datetime | None,
    latitude,
    longitude,
    project: Project,
    reference: Reference,
) -> list[str]:
    """Plain warnings (never errors) when a photo's EXIF disagrees with the project or date."""
    found: list[str] = []
    has_position = latitude is not None and longitude is not None
    if taken_at is None and not has_position:
        found.append("照片无拍摄时间/位置信息，无法核对")
    elif taken_at is None:
        found.append("照片无拍摄时间信息，无法核对")
    elif not has_position:
        found.append("照片无拍摄位置信息，无法核对")
    if taken_at is not None:
        day = timezone.localtime(taken_at, LOCAL_TZ).date()
        tolerance = dt.timedelta(days=DATE_TOLERANCE_DAYS)
        if not reference.start - tolerance <= day <= reference.end + tolerance:
            if reference.is_period:
                found.append(f"照片拍摄时间 {day:%Y-%m-%d} 不在{reference.label}内")
            else:
                found.append(f"照片拍摄时间 {day:%Y-%m-%d} 与{reference.label} 不一致")
    if has_position and project.latitude is not None and project.longitude is not None:
        km = distance_km(latitude, longitude, project.latitude, project.longitude)
        if km > DISTANCE_WARN_KM:
            found.append(f"照片拍摄位置距项目地点约 {km:.1f} 公里")
    return found


# --- Attaching ----------------------------------------------------------------------------


def attach_photos(
    uploads: Iterable,
    *,
    report=None,
    site_check=None,
    project: Project,
    reference_date: dt.date | None = None,
    max_mb: int,
) -> list[Photo]:
    """Read every upload first, then store them all; one refused photo stores none.

    Exactly one of ``report`` and ``site_check`` is given. ``reference_date`` defaults to the
    report's period or the visit date. Files already written are removed again if storing
    fails part-way; call inside the caller's transaction so the rows roll back with it.
    """
    if (report is None) == (site_check is None):
        raise ValueError("attach_photos needs exactly one of report or site_check")
    uploads = [upload for upload in (uploads or ()) if upload is not None]
    if not uploads:
        return []
    if len(uploads) > MAX_PHOTOS:
        raise ProjectRuleError(
            f"每次最多上传 {MAX_PHOTOS} 张照片，本次选择了 {len(uploads)} 张", FIELD
        )
    many = len(uploads) > 1
    read = [
        read_photo(
            upload,
            max_mb=max_mb,
            label=f"第 {index} 张{_label(upload)}" if many else None,
        )
        for index, upload in enumerate(uploads, start=1)
    ]
    reference = reference_for(report=report, site_check=site_check, reference_date=reference_date)
    storage = Photo._meta.get_field("image").storage
    written: list[str] = []
    photos: list[Photo] = []
    try:
        with transaction.atomic():
            for data in read:
                photo = Photo(
                    report=report,
                    site_check=site_check,
                    taken_at=data.taken_at,
                    latitude=data.latitude,
                    longitude=data.longitude,
                    warnings=photo_warnings(
                        taken_at=data.taken_at,
                        latitude=data.latitude,
                        longitude=data.longitude,
                        project=project,
                        reference=reference,
                    ),
                )
                # The name given here is ignored: upload_to draws a random one.
                photo.image.save("photo.jpg", ContentFile(data.content), save=False)
                written.append(photo.image.name)
                photo.save()
                photos.append(photo)
    except BaseException:
        for name in written:
            with contextlib.suppress(OSError):
                storage.delete(name)
        raise
    return photos


def photo_summary(photo: Photo) -> dict:
    """What a template shows beside a photo: EXIF time and position against the project."""
    owner = photo.site_check if photo.site_check_id else photo.report
    project = owner.project
    reference = reference_for(
        report=photo.report if not photo.site_check_id else None,
        site_check=photo.site_check if photo.site_check_id else None,
    )
    taken_at = timezone.localtime(photo.taken_at, LOCAL_TZ) if photo.taken_at else None
    has_position = photo.latitude is not None and photo.longitude is not None
    project_located = project.latitude is not None and project.longitude is not None
    km = (
        distance_km(photo.latitude, photo.longitude, project.latitude, project.longitude)
        if has_position and project_located
        else None
    )
    return {
        "url": reverse("projects:photo", args=[photo.pk]) if photo.image else "",
        "taken_at": taken_at,
        "taken_at_text": f"{taken_at:%Y-%m-%d %H:%M}" if taken_at else "无拍摄时间",
        "latitude": photo.latitude,
        "longitude": photo.longitude,
        "position_text": (
            f"{photo.latitude:.6f}, {photo.longitude:.6f}" if has_position else "无拍摄位置"
        ),
        "project_address": project.address,
        "project_latitude": project.latitude,
        "project_longitude": project.longitude,
        "distance_km": round(km, 1) if km is not None else None,
        "distance_text": (
            f"距项目地点约 {km:.1f} 公里"
            if km is not None
            else ("项目未标注坐标" if has_position else "")
        ),
        "reference": reference.label,
        "warnings": list(photo.warnings or []),
        "consistent": not photo.warnings,
    }
