"""Demo requests of 清溪县: about 3,000 over the past year, in every state and from every
source (including visit opinions turned into requests), some overdue, sent back, reopened or
extended, ratings mostly 满意.

Texts name the topic and the kind of office that handles it, so that the suggestion engine
has something true to learn from. Written with ``bulk_create`` and a calendar computed once:
the seeder runs in a few seconds.
"""

from __future__ import annotations

import bisect
import datetime as dt

from django.utils import timezone

from tuijin.core.workdays import WorkCalendar

from . import deadlines
from .models import Appeal, AppealEvent

TOTAL = 3000
Status = Appeal.Status
Kind = AppealEvent.Kind
Topic = Appeal.Topic

# topic: (weight, units that handle it (first = usual lead), [(title, text), ...])
TOPICS: dict[str, tuple[int, list[str], list[tuple[str, str]]]] = {
    Topic.FINANCING: (
        16,
        ["县财政局", "县发展和改革局", "县经济和信息化局"],
        [
            (
                "流动资金贷款续贷困难",
                "企业一笔{n}万元流动资金贷款将于下月到期，合作银行要求先还后贷，"
                "资金周转压力大，希望协调过桥资金或银行无还本续贷。",
            ),
            (
                "申请县中小企业融资担保",
                "企业新接订单需要采购原材料，资金缺口约{n}万元，缺少抵押物，"
                "希望县融资担保公司提供担保，帮助对接银行信用贷款。",
            ),
            (
                "银行抽贷断贷影响生产",
                "合作银行近期压缩授信{n}万元，企业生产经营正常但资金链紧张，"
                "请求县里协调银行稳贷续贷，不抽贷不断贷。",
            ),
            (
                "咨询贴息贷款政策",
                "企业计划扩大产能，想了解县里技改项目贷款贴息的申请条件、额度和办理流程，"
                "预计贷款{n}万元。",
            ),
        ],
    ),
    Topic.LAND: (
        10,
        ["县自然资源和规划局", "县住房和城乡建设局"],
        [
            (
                "二期项目用地指标未落实",
                "企业二期扩建项目已完成备案，需新增工业用地约{m}亩，用地指标至今未落实，"
                "请自然资源部门协调土地报批和挂牌出让。",
            ),
            (
                "厂房不动产权证办理受阻",
                "企业自建厂房已竣工验收{m}个月，因历史遗留的规划手续问题一直办不了不动产权证，"
                "影响银行抵押融资。",
            ),
            (
                "咨询工业用地容积率调整",
                "企业想在现有厂区内加建仓库，咨询工业用地提高容积率是否需要补缴土地出让金，"
                "规划审批怎么办理。",
            ),
        ],
    ),
    Topic.APPROVAL: (
        12,
        ["县行政审批服务局", "县生态环境分局", "县住房和城乡建设局"],
        [
            (
                "施工许可证办理时间长",
                "企业新建车间项目资料已齐全，施工许可证审批已超过{d}个工作日仍未办结，"
                "影响开工，请行政审批部门加快办理。",
            ),
            (
                "环评审批周期较长",
                "技改项目环境影响报告表提交已{d}个工作日，希望生态环境部门提前介入指导，"
                "缩短环评审批时间。",
            ),
            (
                "咨询项目并联审批",
                "企业拟投资{n}万元建设新生产线，咨询立项、规划、施工许可能否并联审批、"
                "是否可以走绿色通道和全程代办。",
            ),
        ],
    ),
    Topic.LABOUR: (
        10,
        ["县人力资源和社会保障局", "县教育局"],
        [
            (
                "技术工人招聘困难",
                "企业急需数控、焊工等技术工人约{p}名，多次招聘未果，"
                "希望人社部门组织专场招聘会并推荐职业院校毕业生。",
            ),
            (
                "员工子女入学问题",
                "企业外地骨干员工{p}人的子女明年秋季入学，希望教育部门协调就近入学学位。",
            ),
            (
                "咨询稳岗补贴申领",
                "企业今年未裁员，职工{p}人，咨询失业保险稳岗返还的申领条件和办理渠道。",
            ),
        ],
    ),
    Topic.POLICY: (
        14,
        ["县经济和信息化局", "县科学技术局", "县商务局", "县财政局"],
        [
            (
                "技改补助资金尚未兑现",
                "企业去年完成技术改造投资{n}万元，已通过验收，县技改补助资金至今未拨付，"
                "请经信部门核实并尽快兑现。",
            ),
            (
                "高新技术企业认定奖励未到位",
                "企业去年通过高新技术企业认定，县里承诺的奖励资金{w}万元尚未兑现，请科技部门协调。",
            ),
            (
                "外贸企业出口奖励申报",
                "企业去年出口额增长明显，咨询县商务部门外贸稳增长奖励的申报时间和材料。",
            ),
            (
                "惠企政策兑现进度",
                "企业申报的{y}年度工业经济奖励资金已公示，何时拨付？请财政部门答复。",
            ),
        ],
    ),
    Topic.INFRASTRUCTURE: (
        10,
        ["县交通运输局", "县住房和城乡建设局", "host"],
        [
            (
                "厂区门口道路破损",
                "厂区门口道路破损严重，雨天积水，大货车进出困难，"
                "希望交通运输部门和所在乡镇安排维修。",
            ),
            (
                "园区雨污管网未接通",
                "企业所在地块雨污管网至今未接通，生产废水只能临时处理，"
                "请住建部门协调园区管网建设。",
            ),
            (
                "缺少公交线路员工通勤难",
                "园区内员工约{p}人，目前没有公交线路，上下班通勤困难，"
                "希望交通运输部门增设公交站点。",
            ),
        ],
    ),
    Topic.ENFORCEMENT: (
        8,
        ["县市场监督管理局", "县生态环境分局", "县应急管理局", "县城市管理局"],
        [
            (
                "一个月内多次检查影响生产",
                "本月已有{k}个部门先后到企业检查，内容大同小异，影响正常生产，"
                "希望推行联合检查、进一次门查多项事。",
            ),
            (
                "反映执法处罚标准不一",
                "企业因包装标识问题被市场监管部门处罚，同类企业处罚标准不一，"
                "请求复核并说明裁量依据。",
            ),
            (
                "安全生产检查整改期限过短",
                "应急管理部门检查提出{k}项整改要求，部分需要采购设备，整改期限过短，希望合理延长。",
            ),
        ],
    ),
    Topic.UTILITIES: (
        12,
        ["县供电公司", "县水利局", "县住房和城乡建设局"],
        [
            (
                "电力容量不足希望增容",
                "企业新上生产线需增容{c}千伏安，报装已提交{d}个工作日仍未接电，"
                "请供电公司现场踏勘并加快增容。",
            ),
            (
                "频繁停电影响生产",
                "近一个月厂区所在线路停电{k}次，造成设备损坏和订单延误，"
                "请供电公司排查线路并提前通知检修停电。",
            ),
            (
                "工业用水供水压力不足",
                "企业生产用水高峰期供水压力不足，影响生产，请水利部门和供水公司协调解决。",
            ),
            (
                "天然气接入费用过高",
                "企业申请管道天然气接入，燃气公司报价的接入费用偏高，希望住建部门协调核定。",
            ),
        ],
    ),
    Topic.OTHER: (
        8,
        ["host", "县市场监督管理局", "县税务局"],
        [
            (
                "企业周边环境整治",
                "企业周边有废品收购站占道堆放，影响消防通道和企业形象，请所在乡镇协调整治。",
            ),
            (
                "咨询增值税留抵退税",
                "企业有增值税留抵税额约{w}万元，咨询留抵退税的条件和办理流程。",
            ),
            (
                "企业商标被仿冒",
                "企业注册商标被外地企业仿冒使用，请市场监管部门协助调查处理。",
            ),
        ],
    ),
}
KINDS = [
    (Appeal.Kind.CONSULT, 22),
    (Appeal.Kind.HELP, 48),
    (Appeal.Kind.COMPLAINT, 14),
    (Appeal.Kind.SUGGESTION, 12),
    (Appeal.Kind.REPORT, 4),
]
SOURCES = [
    (Appeal.Source.PORTAL, 40),
    (Appeal.Source.HOTLINE, 35),
    (Appeal.Source.LEADER, 25),
]
# The opinions of the enterprises' demo visits, by their wording, become requests of a topic.
OPINION_TOPICS = [
    ("贷款", Topic.FINANCING),
    ("用地", Topic.LAND),
    ("道路", Topic.INFRASTRUCTURE),
    ("工人", Topic.LABOUR),
    ("政策", Topic.POLICY),
    ("补助", Topic.POLICY),
    ("电力", Topic.UTILITIES),
    ("环评", Topic.APPROVAL),
]
REPLIES = {
    Topic.FINANCING: "已组织合作银行上门对接，银行同意办理无还本续贷，相关手续本周内办结。",
    Topic.LAND: "已将用地需求纳入年度供地计划，报批材料正在组卷，预计下季度挂牌。",
    Topic.APPROVAL: "已开通绿色通道并安排专人代办，审批已办结，证照已送达企业。",
    Topic.LABOUR: "已将企业用工需求纳入专场招聘会，推荐职业院校毕业生，并告知补贴申领渠道。",
    Topic.POLICY: "经核实资金已列入本批次拨付计划，已拨付到企业账户，请查收。",
    Topic.INFRASTRUCTURE: "已安排养护队现场查看并完成修复，后续纳入日常养护。",
    Topic.ENFORCEMENT: "已与相关部门沟通，今后按联合检查方式实施，并对整改期限作了合理调整。",
    Topic.UTILITIES: "供电公司已现场踏勘并制定方案，增容工程已完工送电。",
    Topic.OTHER: "已会同相关部门现场处理，问题已解决。",
}
# Ways a request begins and ends, by where it came from: real texts are never identical.
OPENINGS = {
    Appeal.Source.PORTAL: ["", "我公司位于{place}，", "我司是{place}的企业，", "您好！"],
    Appeal.Source.HOTLINE: [
        "来电人反映：",
        "12345热线转办：企业来电称，",
        "来电企业（{place}）反映：",
    ],
    Appeal.Source.LEADER: ["县领导调研时企业提出：", "包联领导转来企业诉求：", "领导批示转办："],
}
CLOSINGS = [
    "",
    "",
    "盼尽快答复。",
    "此前已多次电话反映，至今未解决。",
    "恳请相关部门协调解决。",
    "联系人电话已留，可随时沟通。",
]
FREE_NAMES = ["清溪县鑫源五金加工厂", "清溪县老街食品作坊", "清溪县兴旺养殖专业合作社"]


class _Days:
    """Working days of the demo's span, computed once, for fast due dates."""

    def __init__(self, start: dt.date, end: dt.date):
        cal = WorkCalendar()
        day, self.days = start, []
        while day <= end:
            if cal.is_workday(day):
                self.days.append(day)
            day += dt.timedelta(days=1)

    def add(self, start: dt.date, n: int) -> dt.date:
        """As ``deadlines.due_after``: N working days after; 0 the same or next working day."""
        i = bisect.bisect_right(self.days, start) if n else bisect.bisect_left(self.days, start)
        return self.days[min(i + max(n - 1, 0), len(self.days) - 1)]

    def count(self, start: dt.date, end: dt.date) -> int:
        return max(0, bisect.bisect_right(self.days, end) - bisect.bisect_left(self.days, start))


def _weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _fill(template: str, rng) -> str:
    return template.format(
        n=rng.choice([80, 150, 200, 300, 500, 800, 1000, 1500]),
        m=rng.choice([3, 5, 8, 12, 20, 30, 45]),
        d=rng.choice([10, 15, 20, 25]),
        p=rng.choice([8, 12, 20, 30, 50, 120]),
        w=rng.choice([10, 20, 30, 50]),
        y=rng.choice([2024, 2025]),
        k=rng.choice([3, 4, 5]),
        c=rng.choice([400, 630, 800, 1250, 2000]),
    )


def _state(rng, age: int) -> str:
    """How far a request of this age has come."""
    if age > 40:
        table = [(Status.RESOLVED, 98.5), (Status.REPLIED, 1.3), (Status.ACCEPTED, 0.2)]
    elif age > 12:
        table = [
            (Status.RESOLVED, 80),
            (Status.REPLIED, 17),
            (Status.ACCEPTED, 2.5),
            (Status.DISPATCHED, 0.5),
        ]
    else:
        table = [
            (Status.NEW, 12),
            (Status.DISPATCHED, 22),
            (Status.ACCEPTED, 34),
            (Status.REPLIED, 18),
            (Status.RESOLVED, 14),
        ]
    return _weighted(rng, table)


def seed_appeals(region, rng) -> None:
    """About 3,000 requests of the past year for the demo county."""
    from tuijin.core.models import Unit, User
    from tuijin.enterprises.models import Enterprise, VisitOpinion

    today = timezone.localdate()
    days = _Days(today - dt.timedelta(days=400), today + dt.timedelta(days=200))
    unit_list = list(Unit.objects.filter(region=region).order_by("order", "id"))
    units = {u.name: u for u in unit_list}
    enterprises = list(
        Enterprise.objects.filter(region=region).select_related("host_unit").order_by("id")
    )
    if not enterprises or not units:
        return
    office = (
        User.objects.filter(groups__name="project_office", region=region).first()
        or User.objects.filter(groups__name="project_office", person__region=region).first()
    )
    rules = {key: deadlines.rule_for(region, *key) for key in deadlines.DEFAULTS}
    opinions = list(
        VisitOpinion.objects.filter(visit__enterprise__region=region)
        .select_related("visit__enterprise")
        .order_by("id")
    )
    converted = [o for o in opinions if rng.random() < 0.6 and o.visit.visited_on < today][:400]

    specs = []
    for opinion in converted:
        topic = next((t for word, t in OPINION_TOPICS if word in opinion.text), Topic.OTHER)
        received = min(today, opinion.visit.visited_on + dt.timedelta(days=rng.randint(0, 2)))
        text = opinion.text + (f"\n现场商定措施：{opinion.measure}" if opinion.measure else "")
        specs.append(
            (
                received,
                Appeal.Source.VISIT,
                opinion.visit.enterprise,
                topic,
                opinion,
                (opinion.text[:40], text),
            )
        )
    for _ in range(TOTAL - len(specs)):
        topic = _weighted(rng, [(t, spec[0]) for t, spec in TOPICS.items()])
        title, template = rng.choice(TOPICS[topic][2])
        enterprise = rng.choice(enterprises) if rng.random() >= 0.05 else None
        received = today - dt.timedelta(days=min(364, int(rng.expovariate(1 / 110))))
        source = _weighted(rng, SOURCES)
        place = enterprise.host_unit.name if enterprise and enterprise.host_unit else "本县"
        opening = rng.choice(OPENINGS[source]).format(place=place)
        text = opening + _fill(template, rng) + rng.choice(CLOSINGS)
        specs.append((received, source, enterprise, topic, None, (title, text)))
    specs.sort(key=lambda s: (s[0], s[1]))

    numbers: dict[int, int] = {}
    appeals: list[Appeal] = []
    plans: list[list[tuple]] = []
    co_links: list[tuple[int, Unit]] = []
    hotline_serial = 0
    for received, source, enterprise, topic, opinion, (title, text) in specs:
        kind = _weighted(rng, KINDS)
        if title.startswith("咨询"):
            kind = Appeal.Kind.CONSULT
        urgency = Appeal.Urgency.URGENT if rng.random() < 0.05 else Appeal.Urgency.NORMAL
        numbers[received.year] = numbers.get(received.year, 0) + 1
        hotline = ""
        if source == Appeal.Source.HOTLINE:
            hotline_serial += 1
            hotline = f"QX{received:%Y%m}{hotline_serial:05d}"
        candidates = TOPICS[topic][1]
        lead_name = candidates[0] if rng.random() < 0.7 else rng.choice(candidates)
        host = enterprise.host_unit if enterprise is not None else None
        lead = host if lead_name == "host" else units.get(lead_name)
        lead = lead or host or units.get("县发展和改革局") or next(iter(units.values()))
        age = (today - received).days
        state = _state(rng, age)
        appeal = Appeal(
            region=region,
            year=received.year,
            number=numbers[received.year],
            source=source,
            enterprise=enterprise,
            enterprise_name=enterprise.name if enterprise else rng.choice(FREE_NAMES),
            contact_name=enterprise.contact_name if enterprise else "",
            contact_mobile=enterprise.contact_mobile if enterprise else "",
            visit_opinion=opinion,
            hotline_number=hotline,
            kind=kind,
            topic=topic,
            urgency=urgency,
            title=title[:80],
            text=text,
            received_on=received,
            created_by=office,
        )
        events = [(Kind.RECEIVED, received, f"来源：{appeal.get_source_display()}", None, "", None)]
        plans.append(events)
        appeals.append(appeal)
        if state == Status.NEW:
            continue
        rule = rules[(kind, urgency)]
        dispatched = days.add(received, rng.choice([0, 0, 1]))
        if dispatched > today:
            dispatched = received
        if rng.random() < 0.03:  # sent to the wrong unit first, which returned it
            wrong = rng.choice([u for u in unit_list if u != lead] or [None])
            if wrong is not None:
                events.append(
                    (Kind.DISPATCHED, dispatched, f"分派给{wrong.name}主办", wrong, "", None)
                )
                back = days.add(dispatched, 1)
                if back < today:
                    events.append(
                        (Kind.SENT_BACK, back, "该事项不属本单位职责，请重新分派", wrong, "", None)
                    )
                    dispatched = back
        appeal.lead_unit, appeal.dispatched_on, appeal.status = lead, dispatched, Status.DISPATCHED
        appeal.accept_due = days.add(dispatched, rule.accept_days)
        appeal.reply_due = days.add(dispatched, rule.reply_days)
        appeal.resolve_due = days.add(dispatched, rule.resolve_days)
        events.append((Kind.DISPATCHED, dispatched, f"分派给{lead.name}主办", lead, "", None))
        if rng.random() < 0.15:
            co = units.get(rng.choice(candidates[1:] or ["县发展和改革局"]))
            if co is not None and co != lead:
                co_links.append((len(appeals) - 1, co))
        if state == Status.DISPATCHED:
            continue
        overdue_demo = rng.random() < 0.08
        accepted = min(today, days.add(dispatched, 0 if not overdue_demo else 2))
        appeal.accepted_on, appeal.status = accepted, Status.ACCEPTED
        events.append((Kind.ACCEPTED, accepted, "", lead, "", None))
        if rng.random() < 0.05 and appeal.resolve_due > accepted:
            extra = rng.choice([3, 5, 10])
            events.append(
                (
                    Kind.EXTENSION_ASKED,
                    accepted,
                    f"申请延期 {extra} 个工作日：需协调多个部门会商",
                    lead,
                    "",
                    extra,
                )
            )
            approve_on = min(today, days.add(accepted, 1))
            if rng.random() < 0.8:
                new_due = days.add(appeal.resolve_due, extra)
                events.append(
                    (
                        Kind.EXTENSION_APPROVED,
                        approve_on,
                        f"同意延期 {extra} 个工作日，办结期限由 {appeal.resolve_due:%Y-%m-%d} "
                        f"改为 {new_due:%Y-%m-%d}",
                        None,
                        "",
                        extra,
                    )
                )
                appeal.resolve_due, appeal.extended = new_due, True
            else:
                events.append(
                    (Kind.EXTENSION_REFUSED, approve_on, "时限内可以办结", None, "", None)
                )
        if state == Status.ACCEPTED:
            continue
        span = max(0, days.count(accepted + dt.timedelta(days=1), appeal.resolve_due))
        replied = days.add(accepted, rng.randint(0, max(0, span - 1)) if span else 0)
        replied = min(replied, today)
        reply_text = REPLIES[topic]
        if rng.random() < 0.07 and replied < today - dt.timedelta(days=10):
            # The enterprise was not satisfied: reopened, answered again.
            appeal.first_reply_on = replied
            events.append((Kind.REPLIED, replied, reply_text, lead, "", None))
            rated = min(today, days.add(replied, rng.randint(1, 4)))
            events.append((Kind.RATED, rated, "不满意。问题尚未根本解决", None, "", None))
            again = rules[(kind, urgency)]
            appeal.reply_due = days.add(rated, again.reply_days)
            appeal.resolve_due = days.add(rated, again.resolve_days)
            appeal.reopen_count = 1
            events.append(
                (
                    Kind.REOPENED,
                    rated,
                    f"企业不满意，第 1 次重新办理；答复期限 {appeal.reply_due:%Y-%m-%d}，"
                    f"办结期限 {appeal.resolve_due:%Y-%m-%d}",
                    lead,
                    "",
                    None,
                )
            )
            replied = min(today, days.add(rated, rng.randint(1, 3)))
            reply_text = "已再次会同相关部门现场办理，" + reply_text
        appeal.first_reply_on = appeal.first_reply_on or replied
        appeal.replied_on, appeal.status = replied, Status.REPLIED
        events.append((Kind.REPLIED, replied, reply_text, lead, "", None))
        rate_due = days.add(replied, 5)
        if state == Status.REPLIED:
            if rate_due <= today:
                events.append(
                    (
                        Kind.FOLLOW_UP_DUE,
                        rate_due,
                        "答复后 5 个工作日企业未评价，请电话回访",
                        None,
                        "rate",
                        None,
                    )
                )
            continue
        rating = _weighted(rng, [(Appeal.Rating.SATISFIED, 84), (Appeal.Rating.BASIC, 16)])
        label = Appeal.Rating(rating).label
        by_call = rng.random() < 0.25
        closed = min(today, rate_due if by_call else days.add(replied, rng.randint(0, 4)))
        if by_call:
            events.append(
                (
                    Kind.FOLLOW_UP_DUE,
                    rate_due,
                    "答复后 5 个工作日企业未评价，请电话回访",
                    None,
                    "rate",
                    None,
                )
            )
            events.append(
                (Kind.FOLLOW_UP, closed, f"{label}。电话回访，企业认可办理结果", None, "", None)
            )
        else:
            events.append((Kind.RATED, closed, label, None, "", None))
        events.append((Kind.RESOLVED, closed, f"企业评价{label}，办结", None, "", None))
        appeal.rating, appeal.resolved_on, appeal.status = rating, closed, Status.RESOLVED

    Appeal.objects.bulk_create(appeals, batch_size=500)
    rows = []
    for appeal, events in zip(appeals, plans, strict=True):
        for i, (kind, on, text, unit, stage, extra) in enumerate(events):
            actor = office if kind in (Kind.RECEIVED, Kind.DISPATCHED, Kind.FOLLOW_UP) else None
            rows.append(
                AppealEvent(
                    appeal=appeal,
                    kind=kind,
                    on_date=on,
                    at=timezone.make_aware(dt.datetime.combine(on, dt.time(9, i % 60))),
                    actor=actor,
                    unit=unit,
                    text=text,
                    stage=stage,
                    days=extra,
                )
            )
    AppealEvent.objects.bulk_create(rows, batch_size=1000)
    through = Appeal.co_units.through
    through.objects.bulk_create(
        [through(appeal_id=appeals[i].pk, unit_id=unit.pk) for i, unit in co_links],
        batch_size=1000,
    )
