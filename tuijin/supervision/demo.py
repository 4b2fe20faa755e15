"""The demo county's supervision orders: a season of orders about lagging projects.

Orders go to the host units of red and yellow projects; 城关镇 and 县交通运输局 (the units
with demo accounts) sign, respond and get accepted so every status shows, and the closing
sweep sends the day's reminders and escalations.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from tuijin.core.models import Region, User
from tuijin.projects.models import Light, Project

from . import services

ORDERS = 24


def seed_orders(region: Region, rng: random.Random, today: dt.date | None = None) -> None:
    today = today or timezone.localdate()
    office = User.objects.filter(username="supervision").first()
    if office is None:
        return
    lagging = list(
        Project.objects.filter(region=region, light__in=[Light.RED, Light.YELLOW])
        .exclude(host_unit=None)
        .select_related("host_unit", "lead_department")
        .order_by("id")
    )
    rng.shuffle(lagging)
    staffed = {"城关镇": "township", "县交通运输局": "department"}
    dated = sorted(  # numbers follow the issue dates, as in a real register
        ((today - dt.timedelta(days=rng.randint(3, 80)), project) for project in lagging[:ORDERS]),
        key=lambda pair: (pair[0], pair[1].pk),
    )
    for issued_on, project in dated:
        unit = project.host_unit
        if project.lead_department and project.lead_department.name in staffed:
            unit = project.lead_department
        person = unit.people.filter(user__isnull=False).first() or unit.people.first()
        if person is None:
            continue
        reason = "；".join(project.light_reasons[:2]) or "推进滞后"
        order = services.order_issue(
            acting_user=office,
            unit=unit,
            person=person,
            title=f"关于加快推进{project.name}的督办",
            content=f"经督查，{reason}。请于期限内拿出整改措施、明确完成时间，并书面反馈办理情况。",
            deadline_days=rng.choice([5, 10, 15]),
            issued_on=issued_on,
            project=project,
        )
        username = staffed.get(unit.name)
        if username is None:
            continue
        staff = User.objects.get(username=username)
        step = rng.random()
        if step < 0.2:
            continue
        services.order_sign(order, acting_user=staff)
        if step < 0.4:
            continue
        services.order_respond(
            order, acting_user=staff, text="已召开专题会研究，倒排工期，已协调相关部门解决。"
        )
        if step < 0.7:
            services.order_accept(order, acting_user=office, text="同意办结", today=today)
    services.run_sweep(today)
