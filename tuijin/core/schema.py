"""The API schema tells the whole truth: every error a call can get is documented.

drf-spectacular documents the success of each operation; the refusals come from the shared
machinery (``tuijin.core.api``: authentication, role, scope, validation, stale writes) and
are added here once, for every operation, in the shape ``exception_handler`` gives them.
schemathesis (tuijin/core/tests/test_api_fuzz.py) holds every response to this schema.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema

# The largest id a numeric filter accepts: beyond a 64-bit integer the database driver fails
# (SQLite raises OverflowError) instead of finding nothing, so such a filter answers 400.
MAX_ID = 2**63 - 1

ERROR_SCHEMA = {
    "type": "object",
    "description": "错误：error 为机器可读的代码，message 为中文说明",
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": True},
        "current": {"type": "object", "additionalProperties": True},
    },
    "required": ["error", "message"],
}

REFUSALS = {
    "400": "提交的数据或查询参数有误",
    "401": "未登录或令牌无效",
    "403": "您的角色无权使用此接口",
    "404": "记录不存在（不在您的范围内的记录同样如此）",
    "412": "此记录已被他人修改，请刷新后重试",
    "428": "修改记录时须带上读取时的版本（If-Match 或 version）",
}


def _refusals(path: str, method: str, operation: dict) -> list[str]:
    codes = ["401", "403"]
    if operation.get("parameters") or operation.get("requestBody") or method != "get":
        codes.append("400")
    if "{" in path or method != "get":
        codes.append("404")
    if method in ("put", "patch", "delete"):
        codes.append("412")
    if method in ("put", "patch"):
        codes.append("428")
    return codes


def document_refusals(result, generator, request, public):
    """Postprocessing hook: each operation documents the errors it can answer with."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ApiError", ERROR_SCHEMA)
    reference = {"$ref": "#/components/schemas/ApiError"}
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code in _refusals(path, method, operation):
                operation["responses"].setdefault(
                    code,
                    {
                        "description": REFUSALS[code],
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result


class ObjectSchema(AutoSchema):
    """For a viewset whose ``list`` answers one object (a table), not an array of rows."""

    def _is_list_view(self, serializer=None) -> bool:
        return False
