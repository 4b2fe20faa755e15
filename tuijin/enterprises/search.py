"""The registry's search box: name, credit code or pinyin initials, served by a text index."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tuijin.core.textsearch import TextIndex

# The same columns as migration 0004_search_index: change both together.
INDEX = TextIndex("enterprises_enterprise", ("name", "credit_code", "pinyin_initials"))
MAX_LENGTH = 50


def search_enterprises(queryset: QuerySet, text: str) -> QuerySet:
    """Name, credit code or pinyin initials of the name, as typed into one box."""
    text = (text or "").strip()[:MAX_LENGTH]
    if not text:
        return queryset
    plain = Q(name__icontains=text)
    if text.isascii():
        plain |= Q(credit_code__startswith=text.upper())
        plain |= Q(pinyin_initials__startswith=text.lower())
    return INDEX.search(queryset, text, plain)
