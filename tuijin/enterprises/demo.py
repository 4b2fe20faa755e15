"""The demo county's enterprises: about 1,500, hosted across its townships and platforms.

About 300 are above-scale (规上), 100 of those carry a top-100 rank (1–100) and about 40 are
struggling with a reason. Credit codes are made with the real check character. Deterministic
(from the ``rng`` the demo passes in) and written with ``bulk_create`` to stay fast.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tuijin.core.models import Region, Unit
from tuijin.core.models.directory import pinyin_initials

from .models import HOST_KINDS, Enterprise
from .validators import ALPHABET, credit_code_check_char

COUNT = 1500
ABOVE_SCALE = 300
TOP100 = 100
STRUGGLING = 40

BRANDS = [
    "恒通", "华远", "鑫达", "中科", "瑞丰", "天成", "宏业", "金诺", "博远", "正泰", "润泽", "永盛",
    "汇丰", "嘉禾", "长兴", "裕隆", "信诚", "东方", "兴旺", "海纳", "绿源", "宝丰", "晨光", "盛世",
    "同创", "聚力", "万达", "康宁", "明辉", "新峰",
]  # fmt: skip
INDUSTRIES = [
    ("制造业", ["机械制造", "新材料", "电子科技", "五金制品", "汽车零部件", "智能装备"], 40),
    ("农副食品加工业", ["食品", "茶业", "农业开发", "粮油"], 15),
    ("纺织服装业", ["纺织", "服饰", "针织"], 10),
    ("批发和零售业", ["商贸", "贸易", "供应链"], 12),
    ("建筑业", ["建设工程", "建材", "路桥工程"], 8),
    ("交通运输业", ["物流", "运输"], 6),
    ("信息技术服务业", ["信息技术", "软件", "数字科技"], 5),
    ("住宿和餐饮业", ["酒店管理", "餐饮管理"], 4),
]
FORMS = ["有限公司", "有限责任公司", "股份有限公司"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志红文斌"
ROADS = ["工业大道", "创业路", "兴业路", "科创路", "经一路", "纬二路", "人民路", "滨江路"]
REASONS = [
    "订单大幅下降，产能利用率不足五成",
    "原材料价格上涨，资金周转困难",
    "银行抽贷断贷，流动资金紧张",
    "用工短缺，技术工人招不到",
    "环保改造投入大，暂时停产整改",
    "应收账款回收困难，现金流紧张",
    "土地证办理受阻，无法抵押融资",
]


def _credit_code(rng, region_code: str, serial: int) -> str:
    body = "91" + region_code[:6] + "".join(rng.choice(ALPHABET) for _ in range(8))
    body = body[:16] + ALPHABET[serial % 31]
    return body + credit_code_check_char(body)


def seed_enterprises(region: Region, rng) -> None:
    hosts = list(Unit.objects.filter(region=region, kind__in=HOST_KINDS).order_by("order", "id"))
    if not hosts:
        return
    platforms = [u for u in hosts if u.kind == Unit.Kind.PLATFORM]
    year = dt.date.today().year - 1
    codes: set[str] = set(Enterprise.objects.values_list("credit_code", flat=True))
    names: set[str] = set()
    industries = [(label, words) for label, words, weight in INDUSTRIES for _ in range(weight)]
    rows: list[Enterprise] = []
    for i in range(COUNT):
        code = _credit_code(rng, region.code, i)
        while code in codes:
            code = _credit_code(rng, region.code, i)
        codes.add(code)
        industry, words = rng.choice(industries)
        host = rng.choice(platforms) if platforms and rng.random() < 0.4 else rng.choice(hosts)
        place = (host.short_name or host.name)[:2]
        name = f"清溪{rng.choice(BRANDS)}{rng.choice(words)}{rng.choice(FORMS)}"
        if name in names:
            name = f"清溪{place}{rng.choice(BRANDS)}{rng.choice(words)}{rng.choice(FORMS)}"
        if name in names:
            name = name.replace("清溪", f"清溪{i}", 1)
        names.add(name)
        rows.append(
            Enterprise(
                region=region,
                credit_code=code,
                name=name,
                pinyin_initials=pinyin_initials(name)[:120],
                legal_representative=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                industry=industry,
                host_unit=host,
                address=f"{host.name}{rng.choice(ROADS)}{rng.randint(1, 399)}号",
                contact_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                contact_mobile=f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}",
                employees=rng.randint(5, 120),
                revenue=Decimal(rng.randint(50, 1900)),
                tax=Decimal(rng.randint(1, 80)),
                finance_year=year,
            )
        )
    # Size: the first ABOVE_SCALE by a drawn revenue are above-scale; the biggest 100 ranked.
    above = rng.sample(rows, ABOVE_SCALE)
    for enterprise in above:
        enterprise.above_scale = True
        enterprise.above_scale_year = year - rng.choice([0, 0, 0, 1, 2, 3, 5])
        enterprise.revenue = Decimal(rng.randint(2000, 200_000))
        enterprise.tax = (enterprise.revenue * Decimal(rng.randint(2, 8)) / 100).quantize(
            Decimal("0.01")
        )
        enterprise.employees = rng.randint(50, 2000)
    above.sort(key=lambda e: (-e.revenue, e.credit_code))
    for rank, enterprise in enumerate(above[:TOP100], start=1):
        enterprise.top100_rank = rank
        enterprise.top100_year = year
    for enterprise in rng.sample(rows, STRUGGLING):
        enterprise.struggling = True
        enterprise.struggling_reason = rng.choice(REASONS)
    Enterprise.objects.bulk_create(rows, batch_size=500)


# ---------------------------------------------------------------------------
# Pairing (包联) and a year of visits (走访).

SITUATIONS = [
    "企业生产经营总体平稳，订单饱满，一季度产值同比增长。",
    "企业正在推进技改项目，新生产线预计年内投产。",
    "受原材料价格上涨影响，利润有所下滑，生产基本正常。",
    "企业用工需求较大，正在组织春季招聘。",
    "企业开工率约七成，新产品研发进展顺利。",
    "企业拟扩大产能，正在谋划二期厂房建设。",
]
OPINIONS = [
    ("希望协调银行增加流动资金贷款额度", "由县金融办对接合作银行，两周内组织银企对接"),
    ("二期用地指标尚未落实", "县自然资源局牵头研究用地报批路径"),
    ("厂区门口道路破损，雨天积水严重", "所在乡镇安排养护队现场查看并修复"),
    ("技术工人招聘困难", "县人社局纳入下一期专场招聘会"),
    ("高新技术企业认定政策不熟悉", "县科技局上门辅导申报"),
    ("电力容量不足，希望增容", "联系供电公司现场踏勘增容方案"),
    ("环评手续办理周期较长", "县生态环境局提前介入指导"),
    ("去年的技改补助资金尚未兑现", "县经信局核实进度并答复企业"),
]
VISIT_MEASURES = ["现场答复政策问题，约定下次走访时间", "协调相关部门限期答复", ""]


def seed_pairings(region: Region, rng) -> None:
    """Top-100 with the county leaders, other above-scale with their host unit's head."""
    from tuijin.core.models import Person
    from tuijin.core.roles import DirectoryRole

    from .models import Pairing, Visit, VisitOpinion

    today = dt.date.today()
    started = today - dt.timedelta(days=400)
    leaders = list(Person.objects.filter(region=region, unit=None).order_by("order", "id")[:10])
    heads: dict[int, Person] = {}
    for person in Person.objects.filter(
        region=region, unit__isnull=False, roles__role=DirectoryRole.UNIT_HEAD
    ).order_by("order", "id"):
        heads.setdefault(person.unit_id, person)
    liaisons: dict[int, Person] = {}
    for person in Person.objects.filter(
        region=region, unit__isnull=False, roles__role=DirectoryRole.UNIT_LIAISON
    ).order_by("order", "id"):
        liaisons.setdefault(person.unit_id, person)
    if not leaders:
        return
    enterprises = list(
        Enterprise.objects.filter(region=region, above_scale=True).order_by("top100_rank", "id")
    )
    pairings: list[Pairing] = []
    for enterprise in enterprises:
        if enterprise.top100_rank is not None:
            person = leaders[(enterprise.top100_rank - 1) % len(leaders)]
            frequency = Pairing.Frequency.MONTHLY
        else:
            person = heads.get(enterprise.host_unit_id)
            frequency = Pairing.Frequency.QUARTERLY
        if person is not None:
            pairings.append(
                Pairing(
                    enterprise=enterprise,
                    person=person,
                    frequency_days=frequency,
                    started_on=started,
                )
            )
    Pairing.objects.bulk_create(pairings, batch_size=500)

    visits: list[Visit] = []
    visitors: list[tuple[int, list[int]]] = []
    for pairing in pairings:
        top = pairing.frequency_days == Pairing.Frequency.MONTHLY
        count = rng.choice([0, 1, 2, 3, 4, 5, 6] if top else [0, 0, 1, 1, 1, 2, 2, 3])
        people = [pairing.person_id]
        liaison = liaisons.get(pairing.enterprise.host_unit_id)
        for _ in range(count):
            visits.append(
                Visit(
                    enterprise=pairing.enterprise,
                    visited_on=today - dt.timedelta(days=rng.randint(0, 364)),
                    situation=rng.choice(SITUATIONS),
                    measures=rng.choice(VISIT_MEASURES),
                )
            )
            extra = [liaison.pk] if liaison and rng.random() < 0.4 else []
            visitors.append((len(visits) - 1, people + extra))
    Visit.objects.bulk_create(visits, batch_size=500)
    through = Visit.visitors.through
    Visit.visitors.through.objects.bulk_create(
        [through(visit_id=visits[i].pk, person_id=pid) for i, pids in visitors for pid in pids],
        batch_size=1000,
    )
    opinions = [
        VisitOpinion(visit=visit, text=text, measure=measure)
        for visit in visits
        for text, measure in rng.sample(OPINIONS, rng.choice([0, 1, 1, 2]))
    ]
    VisitOpinion.objects.bulk_create(opinions, batch_size=1000)
