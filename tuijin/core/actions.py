"""The action buttons of record pages (sign, accept, dispatch…): one way to run them."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .versioning import StaleWrite, check_posted_version


def perform(
    request: HttpRequest,
    call: Callable[[], object],
    success: str,
    refused: type[Exception],
    back_to: str,
    pk: int,
    record=None,
) -> HttpResponse:
    """Run a service for a button; its Chinese refusal (``refused``, with ``.message``) or
    ``success`` becomes the page's message, and the user is back on the record either way.

    With ``record``, a button pressed on a page that showed an older version of it (the form's
    hidden ``version``) is refused with what changed meanwhile, and nothing is done."""
    try:
        if record is not None:
            check_posted_version(request, record)
        call()
    except (refused, StaleWrite) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    else:
        messages.success(request, success)
    return redirect(back_to, pk=pk)
