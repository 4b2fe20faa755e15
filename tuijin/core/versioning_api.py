"""No lost updates through the API: ``ETag`` on reads, ``If-Match`` (or ``version``) on writes.

Every scoped viewset includes ``VersionedViewMixin`` (through ``ScopedViewSetMixin``). A
detail response of a versioned record carries ``ETag: "<version>"`` (a strong tag: the
version is the record's whole state as far as writers are concerned). A write names the
version it read either in ``If-Match`` or as ``version`` in the body; a mismatch, or a save
that loses the race, is refused with 412 and what changed meanwhile. An edit (PUT, PATCH)
naming neither is refused with 428: a write that says nothing of what it read could undo a
change it never saw. ``If-Match: *`` is the deliberate "whatever is there" (an import tool
that owns the record); see docs/operations.md. Transitions (an action's POST) are guarded by
their own locks and need no version.
"""

from __future__ import annotations

from dataclasses import replace

from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.permissions import SAFE_METHODS

from .versioning import VERSION_FIELD, StaleWrite, is_versioned


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "stale"
    default_detail = "此记录已被他人修改，请刷新后重试"

    def __init__(self, message: str, current: dict):
        super().__init__(message)
        self.current = current


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "version_required"
    default_detail = (
        "修改记录时请带上读取时的版本：请求头 If-Match（取详情返回的 ETag）或请求体中的 version"
    )


EDITS = ("PUT", "PATCH")


def precondition_failed(exc: StaleWrite, context: dict) -> PreconditionFailed:
    """The 412 for a stale write, with the current values of the fields changed meanwhile."""
    view = context.get("view")
    current: dict = {}
    report = exc.report
    serializer_class = getattr(view, "serializer_class", None)
    model = getattr(getattr(serializer_class, "Meta", None), "model", None)
    if model is type(exc.current):
        # Only what the caller may read of the record (its serializer's fields), in the
        # message as in ``current``.
        data = view.get_serializer(exc.current).data
        report = replace(report, changes=[c for c in report.changes if c.name in data])
        changed = {c.name for c in report.changes}
        current = {key: value for key, value in data.items() if key in changed}
    else:
        report = replace(report, changes=[])
    current[VERSION_FIELD] = exc.current.version
    return PreconditionFailed(report.message, current)


def _tags(header: str) -> list[int] | None:
    """The versions an ``If-Match`` names; None for ``*`` (any); [] for none we issued."""
    versions = []
    for tag in header.split(","):
        tag = tag.strip()
        if tag == "*":
            return None
        tag = tag.removeprefix("W/").strip('"')
        if tag.isdigit():
            versions.append(int(tag))
    return versions


class VersionedViewMixin:
    """ETag out, If-Match in, for every viewset over a versioned model."""

    def expected_versions(self) -> list[int] | None:
        """What the write says it read: If-Match first, else ``version`` in the body."""
        header = self.request.headers.get("If-Match")
        if header:
            return _tags(header)
        data = self.request.data
        value = data.get(VERSION_FIELD) if hasattr(data, "get") else None
        if value in (None, ""):
            return None
        try:
            version = int(value)
        except (TypeError, ValueError):
            version = 0
        if version < 1:
            raise ValidationError({VERSION_FIELD: ["版本号应为正整数"]})
        return [version]

    def get_object(self):
        obj = super().get_object()
        if self.request.method not in SAFE_METHODS and is_versioned(obj):
            expected = self.expected_versions()
            deliberate = self.request.headers.get("If-Match", "").strip() == "*"
            if expected is None and self.request.method in EDITS and not deliberate:
                raise PreconditionRequired()
            if expected is not None:
                if obj.version not in expected:
                    raise StaleWrite(obj, expected[0] if expected else obj.version - 1)
                obj.expect_version(obj.version)  # and the save itself must still find it
        return obj

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        lookup = getattr(self, "lookup_url_kwarg", None) or getattr(self, "lookup_field", "pk")
        data = getattr(response, "data", None)
        if (
            lookup in getattr(self, "kwargs", {})
            and 200 <= response.status_code < 300
            and isinstance(data, dict)
            and isinstance(data.get(VERSION_FIELD), int)
        ):
            response["ETag"] = f'"{data[VERSION_FIELD]}"'
        return response
