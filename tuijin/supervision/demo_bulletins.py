"""Demo bulletins: the archive of 清溪县 holds the bulletins of the last two complete months."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from tuijin.core.models import Region, User

from .bulletin import BulletinError, bulletin_issue


def seed_bulletins(region: Region, rng: random.Random) -> None:
    """Issue the two previous months' bulletins as the supervision office would have."""
    today = timezone.localdate()
    first = today.replace(day=1)
    last_month = first - dt.timedelta(days=1)
    month_before = last_month.replace(day=1) - dt.timedelta(days=1)
    office = User.objects.filter(username="supervision").first()
    for month in (month_before, last_month):
        issued_on = min(today, month + dt.timedelta(days=5))
        try:
            bulletin_issue(region, f"{month:%Y-%m}", issued_on, office)
        except BulletinError:
            continue  # a month with no data gets no bulletin, as on the page
