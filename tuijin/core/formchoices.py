"""Choice lists of several form fields read with one query.

A form often offers rows of one table in two fields (a project's host township and its lead
department are both units); each ``ModelChoiceField`` reads its own queryset when it renders,
a query per field. ``SharedRows`` reads the table once and lets each field list the rows it
keeps. Each field keeps its own queryset, which still decides what a submitted value may be.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Model, QuerySet
from django.forms.models import ModelChoiceField, ModelChoiceIterator


class SharedRows:
    """The rows of ``queryset``, read once (when a field first renders), for several fields."""

    def __init__(self, queryset: QuerySet):
        self.queryset = queryset
        self._rows: list[Model] | None = None

    @property
    def rows(self) -> list[Model]:
        if self._rows is None:
            self._rows = list(self.queryset)
        return self._rows

    def offer(self, field: ModelChoiceField, keep: Callable[[Model], bool]) -> None:
        """Let ``field`` list, in the queryset's order, the rows that ``keep``; its own
        ``queryset`` (which should select the same rows) validates what is submitted."""
        shared = self

        class Iterator(ModelChoiceIterator):
            def _kept(self) -> list[Model]:
                return [row for row in shared.rows if keep(row)]

            def __iter__(self):
                if self.field.empty_label is not None:
                    yield ("", self.field.empty_label)
                for row in self._kept():
                    yield self.choice(row)

            def __len__(self) -> int:
                return len(self._kept()) + (self.field.empty_label is not None)

            def __bool__(self) -> bool:
                return self.field.empty_label is not None or bool(self._kept())

        field.iterator = Iterator
        field.widget.choices = field.choices
