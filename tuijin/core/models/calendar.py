"""Overrides of the official calendar, entered from each year's State Council notice."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class WorkdayOverride(models.Model):
    """One day declared a holiday or a (make-up) working day; wins over the package."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否工作日", help_text="勾选为调休上班日，不勾选为放假日")
    note = models.CharField("说明", max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = "节假日调整"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_workday else '放假'}"
