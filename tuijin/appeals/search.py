"""The request list's search box: title, text, enterprise or 12345 number, served by a text
index (page and API alike)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tuijin.core.textsearch import TextIndex

# The same columns as migration 0004_search_index: change both together.
INDEX = TextIndex("appeals_appeal", ("title", "text", "enterprise_name", "hotline_number"))


def search_appeals(queryset: QuerySet, text: str, *, with_text: bool = True) -> QuerySet:
    """Requests whose title, text or enterprise name contains ``text``, or whose 12345 work
    order number is ``text``. ``with_text=False``: title and enterprise name only (the API's
    ``q``, which has always searched those two)."""
    if not text:
        return queryset
    if with_text:
        plain = (
            Q(title__icontains=text)
            | Q(text__icontains=text)
            | Q(enterprise_name__icontains=text)
            | Q(hotline_number=text)
        )
    else:
        plain = Q(title__icontains=text) | Q(enterprise_name__icontains=text)
    return INDEX.search(queryset, text, plain)
