"""Change stamps: one counter per kind of data, moved on every committed write to it."""

from __future__ import annotations

from django.db import models


class ChangeStamp(models.Model):
    """How many committed writes a kind of data (``projects``…) has had; cached aggregates
    are stored under the stamp they were computed at, so a write makes them unreachable."""

    name = models.CharField("数据类别", max_length=30, primary_key=True)
    version = models.BigIntegerField("版本", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "数据版本"

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"
