"""The project list's search box: name, investor or project code, served by a text index."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tuijin.core.textsearch import TextIndex

# The same columns as migration 0003_search_index: change both together.
INDEX = TextIndex("projects_project", ("name", "investor_name", "code"))
MAX_LENGTH = 50


def search_projects(queryset: QuerySet, text: str) -> QuerySet:
    """Projects whose name or investor contains ``text``, or whose code is ``text``."""
    text = (text or "").strip()[:MAX_LENGTH]
    if not text:
        return queryset
    plain = Q(name__icontains=text) | Q(code__iexact=text) | Q(investor_name__icontains=text)
    return INDEX.search(queryset, text, plain)
