"""The demo enterprise's portal: the demo account ``enterprise`` speaks, verified, for a real
enterprise of 清溪县 and has six requests in every state (one waiting for its rating, one
reopened, one with a question to answer); two more registrations wait for the office.

Steps go through the services (so numbers, dues and the timeline are what the product would
write); deterministic from the ``rng`` the demo passes in.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tuijin.core import workdays
from tuijin.core.demo import DEMO_PASSWORD
from tuijin.core.models import Region, Unit, User
from tuijin.enterprises.models import Enterprise

from . import portal, services
from .models import Appeal, AppealEvent, EnterpriseAccount

# (kind, topic, urgency, title, text, working days ago filed, how far it got)
REQUESTS = [
    (
        "help",
        "utilities",
        "urgent",
        "二号车间增容用电迟迟未接通",
        "新上两条生产线需要增容 630 千伏安，报装一个多月还没接电，订单交货受影响，请帮忙协调供电所。",
        12,
        "reopened",
    ),
    (
        "consult",
        "policy",
        "normal",
        "技改设备补助怎么申报",
        "去年购置了数控设备约 300 万元，想了解县里技改补助的申报条件、时间和需要的材料。",
        10,
        "replied",
    ),
    (
        "help",
        "labour",
        "normal",
        "旺季缺少熟练焊工",
        "九月起订单增加，缺熟练焊工约 20 人，希望人社部门帮忙对接技校和招聘会。",
        20,
        "resolved",
    ),
    (
        "help",
        "approval",
        "normal",
        "厂区扩建规划许可办理",
        "三期厂房规划许可材料已交，想知道还差什么，能否并联办理。",
        6,
        "question",
    ),
    (
        "suggestion",
        "infrastructure",
        "normal",
        "园区东路晚上路灯不亮",
        "园区东路约 500 米路灯晚上不亮，夜班工人上下班不安全，建议尽快维修。",
        3,
        "dispatched",
    ),
    (
        "consult",
        "financing",
        "normal",
        "想了解过桥资金的申请条件",
        "下月有一笔 500 万元贷款到期续贷，想了解县里过桥资金的申请条件和费用。",
        1,
        "new",
    ),
]


def _workdays_ago(today: dt.date, n: int) -> dt.date:
    day = today
    while n > 0:
        day -= dt.timedelta(days=1)
        if workdays.is_workday(day).value:
            n -= 1
    return day


def _later(day: dt.date, n: int, today: dt.date) -> dt.date:
    return min(workdays.add_workdays(day, n).value, today)


def _link_demo_account(region: Region, user: User, office: User | None) -> EnterpriseAccount:
    enterprise = (
        Enterprise.objects.filter(region=region, above_scale=True, host_unit__name="城关镇")
        .order_by("id")
        .first()
        or Enterprise.objects.filter(region=region).order_by("id").first()
    )
    user.display_name = enterprise.contact_name or user.display_name
    user.save(update_fields=["display_name"])
    return EnterpriseAccount.objects.create(
        user=user,
        enterprise=enterprise,
        contact_name=enterprise.contact_name or "演示联系人",
        contact_mobile=enterprise.contact_mobile or "13800000000",
        verified=True,
        verified_by=office,
        verified_at=timezone.now(),
    )


def _walk(account, office, staff, unit, row, today) -> None:
    kind, topic, urgency, title, text, ago, stage = row
    filed = _workdays_ago(today, ago)
    appeal = services.appeal_receive(
        acting_user=account.user,
        source=Appeal.Source.PORTAL,
        enterprise=account.enterprise,
        kind=kind,
        topic=topic,
        urgency=urgency,
        title=title,
        text=text,
        received_on=filed,
    )
    if stage == "new":
        return
    dispatched_on = _later(filed, 1, today)
    appeal = services.appeal_dispatch(office, appeal, unit, on_date=dispatched_on)
    if stage == "dispatched":
        return
    accepted_on = _later(dispatched_on, 1, today)
    appeal = services.appeal_accept(staff, appeal, on_date=accepted_on)
    if stage == "question":
        # The services have no step for a unit's question yet: written as the unit would.
        AppealEvent.objects.create(
            appeal=appeal,
            kind=AppealEvent.Kind.QUESTION,
            actor=staff,
            unit=unit,
            on_date=_later(accepted_on, 1, today),
            text="请补充三期厂房的总平面布置图和用地红线图（PDF 或照片均可）。",
        )
        return
    replied_on = _later(accepted_on, 3, today)
    appeal = services.appeal_reply(
        staff,
        appeal,
        {
            "reopened": "已联系县供电公司，排期在下月完成接电。",
            "replied": "技改补助按设备投资额的 8% 给予补助，最高 200 万元；"
            "请于本月底前通过县工信局窗口提交购置发票、设备清单和申报表。",
            "resolved": "已对接县技工学校，推荐焊工专业毕业生 15 人，并邀请参加本月招聘会。",
        }[stage],
        on_date=replied_on,
    )
    if stage == "replied":
        return
    rated_on = _later(replied_on, 1, today)
    if stage == "resolved":
        services.appeal_rate(account.user, appeal, "satisfied", "对接及时", on_date=rated_on)
        return
    services.appeal_rate(
        account.user,
        appeal,
        "unsatisfied",
        "排期太晚，订单等不起，希望本月内接电。",
        on_date=rated_on,
    )


def _pending_registrations(region: Region, taken: Enterprise, rng) -> None:
    """Two registrations for the office: one with the registry's mobile, one with another."""
    candidates = list(
        Enterprise.objects.filter(region=region).exclude(pk=taken.pk).order_by("id")[:200]
    )
    for i, enterprise in enumerate(rng.sample(candidates, 2) if len(candidates) >= 2 else []):
        mobile = (
            enterprise.contact_mobile
            if i == 0
            else f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        )
        if not portal.MOBILE_RE.match(mobile or "") or User.objects.filter(mobile=mobile).exists():
            mobile = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        portal.account_register(
            credit_code=enterprise.credit_code,
            contact_name=enterprise.contact_name or "王经理",
            contact_mobile=mobile,
            password=DEMO_PASSWORD,
        )


def seed_portal(region: Region, rng) -> None:
    user = User.objects.filter(username="enterprise").first()
    office = User.objects.filter(username="projectoffice").first()
    staff = User.objects.filter(username="township").first()
    unit = Unit.objects.filter(region=region, name="城关镇").first()
    if (
        user is None
        or office is None
        or staff is None
        or unit is None
        or EnterpriseAccount.objects.filter(user=user).exists()
        or not Enterprise.objects.filter(region=region).exists()
    ):
        return
    account = _link_demo_account(region, user, office)
    today = timezone.localdate()
    for row in REQUESTS:
        _walk(account, office, staff, unit, row, today)
    _pending_registrations(region, account.enterprise, rng)
