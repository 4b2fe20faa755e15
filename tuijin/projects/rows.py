"""Rows of the project lists (重点项目, 我的项目), read as plain values and shown as text.

The registry is the page users open most, so it is measured against the framework floor
(docs/performance.md, "Throughput"). Reading 25 projects as model instances with three related
rows each built a hundred objects, and the template then ran filters, an include and a URL
lookup for every cell. Here each row is read with ``values()`` (only the columns shown and the
sort keys), its text is made once in Python with the same filters the template used, and its
link is one ``reverse`` and string formatting: the template only prints. This year's plan and
completed investment of the page's rows come in one query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import OuterRef, QuerySet, Subquery, Sum
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.formats import localize

from tuijin.core.paging import keys_of

from .models import AnnualPlan, Light, ProgressReport, Stage

# The words of the light for screen readers (as projects/_light.html says them).
LIGHT_WORDS = {Light.RED: "红灯", Light.YELLOW: "黄灯", Light.GREEN: "绿灯"}
NO_REASONS = "各项指标正常"
STAGE_LABELS = dict(Stage.choices)
ONE = Decimal(1)

# The columns a row shows; the list's sort keys are added to them (the pager reads them).
ROW_FIELDS = (
    "id",
    "name",
    "is_major",
    "light",
    "light_reasons",
    "stage",
    "total_investment",
    "host_unit__name",
    "contact_leader__name",
)


class Row(dict):
    """One project of a list: the template reads it as a dict (its fastest lookup), Python
    code and tests as attributes (``row.name``, ``row.pk``), like the model it stands for."""

    def __getattr__(self, name: str):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def row_values(projects: QuerySet, *extra: str) -> QuerySet:
    """The list's queryset as the values of its rows (and ``extra`` columns), with the keys
    it is ordered by."""
    keys = tuple(key.name for key in keys_of(projects))
    return projects.values(*dict.fromkeys(ROW_FIELDS + extra + keys))


def url_maker(url_name: str) -> Callable[[int], str]:
    """``reverse(url_name, args=[pk])`` for many pks: one reverse, then string formatting."""
    sentinel = "987654321"
    head, tail = reverse(url_name, args=[int(sentinel)]).rsplit(sentinel, 1)
    return lambda pk: f"{head}{pk}{tail}"


def money(value) -> str:
    """``{{ value|floatformat:0|intcomma }}``, as the template printed it.

    For an amount (a Decimal) that is the amount rounded half up to a whole number, then
    grouped as the language groups it: the same call, without floatformat's string work in
    between (which only matters when every number is grouped, USE_THOUSAND_SEPARATOR)."""
    if isinstance(value, Decimal) and value.is_finite() and not settings.USE_THOUSAND_SEPARATOR:
        return intcomma(int(value.quantize(ONE, ROUND_HALF_UP)))
    return intcomma(floatformat(value, 0))


def year_figures(ids: list[int], year: int) -> dict[int, tuple[Decimal, Decimal | None]]:
    """This year's plan and the investment reported in the year so far, of each project of
    ``ids`` that has a plan this year (the others have no completion rate), in one query."""
    if not ids:
        return {}
    invested = (
        ProgressReport.objects.filter(project=OuterRef("project_id"), period__year=year)
        .order_by()
        .values("project")
        .annotate(total=Sum("invested"))
        .values("total")
    )
    rows = (
        AnnualPlan.objects.filter(project_id__in=ids, year=year)
        .order_by()
        .annotate(invested=Subquery(invested))
        .values_list("project_id", "planned_investment", "invested")
    )
    return {pk: (plan, invested) for pk, plan, invested in rows}


def make_rows(values: Iterable[dict], year: int) -> list[Row]:
    """The rows with their text: link, light, reasons, stage, units, money, completion."""
    values = list(values)
    figures = year_figures([v["id"] for v in values], year)
    detail_url = url_maker("projects:detail")
    rows = []
    for v in values:
        pk, light, reasons = v["id"], v["light"], v["light_reasons"]
        joined = "；".join(str(r) for r in reasons) if reasons else ""
        plan, invested = figures.get(pk, (None, None))
        ytd = invested or Decimal("0")
        completion = round(ytd / plan * 100) if plan else None
        host_unit = v["host_unit__name"] or ""
        rows.append(
            Row(
                v,
                pk=pk,
                url=detail_url(pk),
                light_word=LIGHT_WORDS.get(light, "无"),
                light_title=joined or NO_REASONS,
                reasons_text=joined,
                # The registry names the reasons of red and yellow lights only.
                show_reasons=bool(reasons) and light != Light.GREEN,
                stage_label=str(STAGE_LABELS.get(v["stage"], v["stage"])),
                host_unit_name=host_unit,
                host_unit=host_unit or "—",
                contact_leader=v["contact_leader__name"] or "—",
                lead_department=v.get("lead_department__name") or "—",
                investment=money(v["total_investment"]),
                plan_this_year=plan,
                ytd=ytd,
                completion=completion,
                completion_text="—" if completion is None else f"{localize(completion)}%",
            )
        )
    return rows
