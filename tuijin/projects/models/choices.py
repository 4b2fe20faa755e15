"""Named choices of the project registry (never numbered)."""

from django.db import models


class Nature(models.TextChoices):
    NEW = "new", "新建"
    CONTINUING = "continuing", "续建"
    PREPARATORY = "preparatory", "前期"
    FINISHING = "finishing", "竣工"


class Level(models.TextChoices):
    PROVINCE = "province", "省重点"
    CITY = "city", "市重点"
    COUNTY = "county", "县重点"


class Category(models.TextChoices):
    INDUSTRY = "industry", "产业"
    INFRASTRUCTURE = "infrastructure", "基础设施"
    LIVELIHOOD = "livelihood", "社会民生"
    OTHER = "other", "其他"


class Stage(models.TextChoices):
    NEGOTIATING = "negotiating", "在谈"
    SIGNED = "signed", "已签约"
    STARTED = "started", "已开工"
    COMPLETED = "completed", "已竣工/投产"
    DROPPED = "dropped", "终止"


STAGE_ORDER = [Stage.NEGOTIATING, Stage.SIGNED, Stage.STARTED, Stage.COMPLETED]


class Light(models.TextChoices):
    GREEN = "green", "绿灯"
    YELLOW = "yellow", "黄灯"
    RED = "red", "红灯"
    NONE = "none", "无"


LIGHT_RANK = {Light.NONE: 0, Light.GREEN: 1, Light.YELLOW: 2, Light.RED: 3}


class PeriodKind(models.TextChoices):
    MONTH = "month", "月报"
    WEEK = "week", "周报"
