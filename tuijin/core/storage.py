"""Uploaded files on a full disk: a clear error, no half-written file (issue 8, point 8).

``Storage`` is the default storage (settings.STORAGES). When the disk is full (ENOSPC), the
user's quota is used up (EDQUOT) or the file size limit of the process is reached (EFBIG),
it removes what it had written of the file and raises ``StorageFullError``. The upload's
service runs in a transaction, so its rows roll back with it: no row points at a missing
file. ``StorageFullMiddleware`` turns the error into the message for the user: the API
answers 507 with {"error", "message"}, a page goes back to the form it came from with the
message (or shows it on a page of its own when there is no such form).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
from contextvars import ContextVar

from django.contrib import messages
from django.core.files.storage import FileSystemStorage
from django.core.signals import request_started
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme

FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})
MESSAGE = "存储空间不足，文件未保存。请稍后重试；如果问题持续，请联系系统管理员清理磁盘空间"

logger = logging.getLogger("tuijin.storage")


class StorageFullError(Exception):
    """The file could not be written for lack of space; nothing of it is left on disk."""

    def __init__(self, name: str = "") -> None:
        super().__init__(MESSAGE)
        self.name = name
        self.message = MESSAGE


# Files this request wrote inside a transaction that has not committed yet: when a later file
# of the same upload does not fit, the transaction rolls back and these would point nowhere.
_UNCOMMITTED: ContextVar[list[str] | None] = ContextVar("tuijin_uncommitted_files", default=None)


def _new_request(**kwargs) -> None:
    _UNCOMMITTED.set([])


request_started.connect(_new_request, dispatch_uid="tuijin-storage-request")


class Storage(FileSystemStorage):
    """The file system storage, that leaves no partial file behind when space runs out:
    neither the file that did not fit nor the ones written before it in the same upload."""

    def _save(self, name: str, content) -> str:
        path = self.path(name)
        existed = os.path.lexists(path)
        try:
            saved = super()._save(name, content)
        except OSError as exc:
            if exc.errno not in FULL_ERRNOS:
                raise
            if not existed:  # the name was free: what is there now is our partial file
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path)
            self._forget_uncommitted()
            logger.error("存储空间不足，文件未保存：%s（%s）", name, os.strerror(exc.errno))
            raise StorageFullError(name) from exc
        self._hold_until_commit(saved)
        return saved

    def _hold_until_commit(self, name: str) -> None:
        if not transaction.get_connection().in_atomic_block:
            return
        pending = _UNCOMMITTED.get()
        if pending is None:
            pending = []
            _UNCOMMITTED.set(pending)
        pending.append(name)

        def committed() -> None:  # its rows are in the database now: the file stays
            if name in pending:
                pending.remove(name)

        transaction.on_commit(committed)

    def _forget_uncommitted(self) -> None:
        """Remove the files written earlier in the transaction this error rolls back."""
        pending = _UNCOMMITTED.get() or []
        for name in pending:
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.path(name))
        pending.clear()


class StorageFullMiddleware:
    """The user sees what happened instead of the 500 page, and may try again later."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not isinstance(exception, StorageFullError):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"error": "storage_full", "message": MESSAGE}, status=507)
        back = request.headers.get("Referer", "")
        if back and url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            messages.error(request, MESSAGE)
            return redirect(back)
        return HttpResponse(
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            "<title>存储空间不足 · 推进</title></head><body>"
            f"<h1>文件未保存</h1><p>{escape(MESSAGE)}</p>"
            '<p><a href="/">返回首页</a></p></body></html>',
            status=507,
        )
