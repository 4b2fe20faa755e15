"""The action buttons of record pages (sign, accept, dispatch…): one way to run them."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def perform(
    request: HttpRequest,
    call: Callable[[], object],
    success: str,
    refused: type[Exception],
    back_to: str,
    pk: int,
) -> HttpResponse:
    """Run a service for a button; its Chinese refusal (``refused``, with ``.message``) or
    ``success`` becomes the page's message, and the user is back on the record either way."""
    try:
        call()
    except refused as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    else:
        messages.success(request, success)
    return redirect(back_to, pk=pk)
