"""Refusals that do not depend on any view: requests no person or program of ours would send.

A 1 MB search string, bytes that are not UTF-8, a query string of thousands of parameters:
each view would handle them its own way (a slow search, a replacement character stored, a
500). This middleware refuses them once, before any view, database or session work, with a
400 that says why (a Chinese page, or ``{"error", "message"}`` under ``/api/``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string

from .security import encode

logger = logging.getLogger("tuijin.security")

# A query string longer than this is refused: every filter form of ours fits in a tenth of it.
MAX_QUERY_BYTES = 8 * 1024
# Search boxes (``q``, ``search``): nobody types more to find a record, and each extra character
# costs the text search work.
MAX_SEARCH_CHARS = 200
SEARCH_PARAMS = ("q", "search")

QUERY_TOO_LONG = "查询参数过长，请缩短筛选条件后重试"
SEARCH_TOO_LONG = f"搜索内容过长，请不超过 {MAX_SEARCH_CHARS} 个字"
NOT_UTF8 = "请求含有无法识别的字符（不是 UTF-8 编码），请检查后重试"
TEXT_BODIES = ("application/x-www-form-urlencoded", "application/json")


def _max_query_bytes() -> int:
    return getattr(settings, "TUIJIN_MAX_QUERY_BYTES", MAX_QUERY_BYTES)


def _max_search_chars() -> int:
    return getattr(settings, "TUIJIN_MAX_SEARCH_CHARS", MAX_SEARCH_CHARS)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _pairs(raw: bytes) -> list[tuple[bytes, bytes]]:
    """The percent-decoded (name, value) bytes of a query string or a urlencoded body."""
    pairs = []
    for part in raw.split(b"&"):
        if not part:
            continue
        name, _, value = part.partition(b"=")
        pairs.append(
            (
                unquote_to_bytes(name.replace(b"+", b" ")),
                unquote_to_bytes(value.replace(b"+", b" ")),
            )
        )
    return pairs


def refusal(request: HttpRequest) -> str | None:
    """Why this request is refused before any view, or None."""
    raw_query = request.META.get("QUERY_STRING", "")
    # WSGI hands the query string over as latin-1 text of the raw bytes.
    query = raw_query.encode("latin-1", "replace")
    if len(query) > _max_query_bytes():
        return QUERY_TOO_LONG
    limit = _max_search_chars()
    for name, value in _pairs(query):
        if not (_is_utf8(name) and _is_utf8(value)):
            return NOT_UTF8
        if name.decode() in SEARCH_PARAMS and len(value.decode()) > limit:
            return SEARCH_TOO_LONG
    content_type = request.META.get("CONTENT_TYPE", "").lower()
    if request.method in ("POST", "PUT", "PATCH") and content_type.startswith(TEXT_BODIES):
        length = request.META.get("CONTENT_LENGTH") or "0"
        most = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if most is not None and length.isdigit() and int(length) > most:
            return None  # Django refuses it itself (RequestDataTooBig) without reading it
        body = request.body
        if content_type.startswith("application/x-www-form-urlencoded"):
            if not all(_is_utf8(n) and _is_utf8(v) for n, v in _pairs(body)):
                return NOT_UTF8
        elif not _is_utf8(body):
            return NOT_UTF8
    return None


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    """The 400, and a line in the security log (no database row: nothing is known of the
    account yet, and a flood of such requests must not fill the table)."""
    logger.warning(
        "event=bad_request result=denied ip=%s path=%s detail=%s",
        request.META.get("REMOTE_ADDR") or "-",
        encode(request.path[:300]),
        encode(message),
    )
    if request.path.startswith("/api/"):
        return JsonResponse({"error": "bad_request", "message": message}, status=400)
    html = render_to_string("400.html", {"message": message})
    return HttpResponseBadRequest(html)


class RequestBoundsMiddleware:
    """Refuse over-long query strings and search strings and non-UTF-8 input with a 400."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        message = refusal(request)
        if message is not None:
            return bad_request(request, message)
        return self.get_response(request)


class ClientAddressMiddleware:
    """Make ``REMOTE_ADDR`` the client's address, whoever reads it afterwards.

    Behind nginx every request comes from the proxy, which names the client in
    ``X-Forwarded-For``; but anyone can send that header. It is believed only when the
    request comes from an address in ``TUIJIN_TRUSTED_PROXIES``: then the client is the
    right-most address of the chain that is not itself a trusted proxy. The header is then
    removed, so that the sign-in lockout (django-axes), the audit trail (django-auditlog) and
    the security log all see the one address decided here and never a forged one.
    """

    HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_CLIENT_IP", "HTTP_FORWARDED")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        trusted = set(getattr(settings, "TUIJIN_TRUSTED_PROXIES", ()))
        forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded and meta.get("REMOTE_ADDR") in trusted:
            chain = [part.strip() for part in forwarded.split(",") if part.strip()]
            for address in reversed(chain):
                if address not in trusted:
                    meta["REMOTE_ADDR"] = address
                    break
        for header in self.HEADERS:
            meta.pop(header, None)
        return self.get_response(request)


# Django puts this on every field it renders with an error (``BoundField.build_widget_attrs``);
# the templates that draw an input by hand put it there too.
INVALID_FIELD = b'aria-invalid="true"'


class RejectedFormMiddleware:
    """A form post refused for its content answers 400, not 200, on every page.

    A view shows the form again with its Chinese messages, as people expect; the status tells
    machines (scripts, the load tests, a proxy's logs) that nothing was saved. The signal is
    the one screen readers get: a field marked invalid in the page. A successful post
    redirects, and a page shown after a post with no invalid field (an import's preview, a
    confirmation) keeps its 200.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.method == "POST"
            and response.status_code == 200
            and not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and INVALID_FIELD in response.content
        ):
            response.status_code = 400
            response.reason_phrase = "Bad Request"
        return response
