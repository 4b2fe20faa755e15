"""The demo county's key projects: about 300 of them, across every stage and light.

Each started project has its monthly reports from its start up to last month (running totals
consistent, never above the total investment), milestones with actual dates up to its
progress, and some have problems, site checks or a stage change waiting for the project
office. The lights are then computed by the ordinary rules, so every reason shown is one the
rules would give.

Deterministic: everything comes from the ``rng`` the demo passes in and from ``today``. The
bulk of the rows (reports, milestones, plans, responsible persons) is written with
``bulk_create`` so that the demo seeds in seconds; projects, problems, site checks and stage
proposals go through ``save`` and so have their entry in the audit trail.

How each light is made: a started project is given a target light and a cause (behind the
time-elapsed schedule, missing reports, an overdue or imminent milestone, not registered in
the statistics), and its numbers and dates are drawn to produce it; a project not yet
started is late to start or has a milestone due. ``lights.recompute`` has the last word.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tuijin.core import workdays
from tuijin.core.models import Person, Unit
from tuijin.core.roles import DirectoryRole

from . import lights, services
from .models import (
    AnnualPlan,
    Category,
    Level,
    Milestone,
    MilestoneTemplate,
    Nature,
    PeriodKind,
    Problem,
    ProgressReport,
    Project,
    ProjectPerson,
    SiteCheck,
    Stage,
    StageChange,
)
from .periods import next_period, period_start, previous_period

PROJECT_COUNT = 300
STAGE_SHARES = [
    (Stage.NEGOTIATING, 0.15),
    (Stage.SIGNED, 0.15),
    (Stage.STARTED, 0.55),
    (Stage.COMPLETED, 0.10),
    (Stage.DROPPED, 0.05),
]
CATEGORY_WEIGHTS = [
    (Category.INDUSTRY, 45),
    (Category.INFRASTRUCTURE, 25),
    (Category.LIVELIHOOD, 20),
    (Category.OTHER, 10),
]
# Target lights of started projects, and of those not started yet (in talks or signed);
# completed projects are green, dropped ones have none.
STARTED_LIGHTS = {"green": 0.52, "yellow": 0.28, "red": 0.20}
WAITING_LIGHTS = {"green": 0.66, "yellow": 0.22, "red": 0.12}
YELLOW_CAUSES = [("progress", 55), ("missing", 20), ("soon", 12), ("stats", 13)]
RED_CAUSES = [("progress", 40), ("missing", 22), ("overdue", 23), ("stats", 15)]

PLATFORM_SHORT = {
    "清溪经济开发区": "清溪经开区",
    "清溪高新技术产业园": "清溪高新区",
    "临港物流园": "临港物流园",
}
PHASES = ["一", "二", "三", "四"]
BRANDS = ["恒通", "华远", "鑫达", "中科", "瑞丰", "天成", "宏业", "金诺", "博远", "正泰", "润泽"]
PROVINCES = ["浙江", "江苏", "福建", "安徽", "广东", "上海", "江西"]
VILLAGES = ["东升", "新华", "红旗", "前进", "光明", "和平", "永安", "长岭", "西坑", "上塘", "大坪"]
STREETS = ["纬一路", "纬三路", "经二路", "创业大道", "科创路", "兴业路", "港城大道"]
CITY_ROADS = ["滨江路", "东环路", "迎宾大道", "清溪大道", "人民路", "府前街"]
SCENIC = {"龙潭峡谷": "龙潭镇", "桃源古村": "桃源乡", "青山湖": "青山镇", "双溪漂流": "双溪乡"}
DROP_REASONS = [
    "投资方资金链断裂，无力继续投资",
    "选址涉及生态保护红线，无法落地",
    "企业战略调整，取消在清溪投资计划",
    "市场环境变化，投资方撤回投资意向",
    "用地指标无法落实，双方协商终止",
    "项目能耗指标未获批准",
]

POST_START = {"主体完工": 0.6, "竣工验收": 1.0, "投产": 1.05, "投入使用": 1.05}


@dataclass(frozen=True)
class Family:
    """A kind of project: how it is named, where it sits, who leads it, how it progresses."""

    kind: str  # progress vocabulary: factory, road, pipe, …
    host: str  # "platform", "township", "county" (城关镇) or "scenic"
    names: tuple[str, ...]  # patterns: {A} host short name, {B} another township, {P} phase…
    departments: tuple[str, ...]
    industry: str
    code_industry: str
    weight: int = 1


FAMILIES: dict[str, list[Family]] = {
    Category.INDUSTRY: [
        Family(
            "factory",
            "any",
            (
                "年产{n}万吨{material}项目",
                "年产{n}万套{part}生产项目",
                "{cluster}产业园（{P}期）",
                "{brand}{product}项目",
            ),
            ("县经济和信息化局", "县投资促进中心", "县发展和改革局", "县商务局", "县科学技术局"),
            "制造业",
            "30",
            6,
        ),
        Family(
            "factory",
            "platform",
            ("{A}标准厂房（{P}期）", "{A}智能制造产业园（{P}期）"),
            ("县经济和信息化局", "县投资促进中心"),
            "制造业",
            "47",
            2,
        ),
        Family(
            "logistics",
            "any",
            ("农产品冷链物流园（{P}期）", "{A}仓储物流中心项目", "{brand}智慧物流港项目"),
            ("县商务局", "县投资促进中心"),
            "物流",
            "59",
            1,
        ),
    ],
    Category.INFRASTRUCTURE: [
        Family(
            "road",
            "township",
            ("{A}至{B}二级公路改建工程", "{A}至{B}公路提质改造工程", "国道{g}线{A}段改建工程"),
            ("县交通运输局",),
            "交通",
            "48",
            5,
        ),
        Family(
            "road",
            "county",
            ("县城{road}提升改造工程",),
            ("县住房和城乡建设局", "县交通运输局"),
            "市政",
            "48",
            1,
        ),
        Family(
            "pipe",
            "township",
            ("{A}集镇供水管网改造工程", "{A}水厂扩建工程"),
            ("县水利局",),
            "水利",
            "46",
            2,
        ),
        Family(
            "sewage",
            "township",
            ("{H}污水处理厂提标改造", "{H}污水管网建设工程"),
            ("县住房和城乡建设局", "县生态环境分局"),
            "市政",
            "46",
            2,
        ),
        Family(
            "river",
            "township",
            ("{A}河道综合治理工程", "清溪河{A}段防洪提升工程"),
            ("县水利局",),
            "水利",
            "76",
            2,
        ),
        Family(
            "power",
            "township",
            ("{A}110千伏输变电工程",),
            ("县供电公司",),
            "能源",
            "44",
            1,
        ),
        Family(
            "urban",
            "county",
            ("城区老旧小区改造工程（{year}年批）", "县城智慧停车场建设工程（{P}期）"),
            ("县住房和城乡建设局", "县城市管理局"),
            "市政",
            "78",
            1,
        ),
        Family(
            "urban",
            "township",
            ("{A}集镇环境综合整治工程",),
            ("县住房和城乡建设局", "县城市管理局"),
            "市政",
            "78",
            1,
        ),
    ],
    Category.LIVELIHOOD: [
        Family(
            "hospital",
            "county",
            (
                "县人民医院门急诊综合楼",
                "县中医院整体搬迁工程",
                "县妇幼保健院迁建工程",
                "县疾控中心业务用房",
            ),
            ("县卫生健康委员会",),
            "卫生",
            "84",
            1,
        ),
        Family(
            "hospital",
            "township",
            ("{A}卫生院业务用房",),
            ("县卫生健康委员会",),
            "卫生",
            "84",
            2,
        ),
        Family(
            "school",
            "township",
            ("{A}中心学校扩建工程", "{A}中心幼儿园新建工程"),
            ("县教育局",),
            "教育",
            "83",
            3,
        ),
        Family(
            "school",
            "county",
            ("县第{k}实验小学新建工程", "县职业技术学校实训楼", "县第{k}中学扩建工程"),
            ("县教育局",),
            "教育",
            "83",
            1,
        ),
        Family(
            "elderly",
            "township",
            ("{A}敬老院改扩建工程", "{A}居家养老服务中心"),
            ("县民政局",),
            "社会服务",
            "85",
            1,
        ),
        Family(
            "housing",
            "county",
            ("城区保障性租赁住房项目（{P}期）", "县养老服务中心", "县全民健身中心", "县图书馆新馆"),
            ("县住房和城乡建设局", "县民政局", "县文化和旅游局"),
            "社会服务",
            "70",
            1,
        ),
    ],
    Category.OTHER: [
        Family(
            "agri",
            "township",
            ("{A}乡村振兴示范片建设项目", "{A}高标准农田建设项目（{year}年）"),
            ("县农业农村局",),
            "农业",
            "01",
            3,
        ),
        Family(
            "agri",
            "township",
            ("{A}林下经济示范基地",),
            ("县林业局",),
            "林业",
            "02",
            1,
        ),
        Family(
            "tourism",
            "scenic",
            ("{scenic}景区提质升级工程", "{A}文旅综合体项目"),
            ("县文化和旅游局",),
            "文化旅游",
            "88",
            2,
        ),
        Family(
            "digital",
            "county",
            ("数字乡村建设项目（{P}期）", "县智慧城市建设项目（{P}期）"),
            ("县经济和信息化局",),
            "信息技术",
            "65",
            1,
        ),
    ],
}
MATERIALS = [
    "新型建材",
    "绿色建材",
    "铝合金型材",
    "特种纸",
    "有机肥",
    "环保涂料",
    "再生铝",
    "精密铸件",
]
PARTS = ["新能源汽车零部件", "智能家居", "高效电机", "光伏支架", "汽车线束", "智能门锁"]
CLUSTERS = ["智能装备制造", "竹木精深加工", "电子元器件", "生物医药", "绿色食品", "新材料"]
PRODUCTS = [
    "锂电池正极材料",
    "农产品精深加工",
    "光伏组件生产线",
    "半导体封装测试",
    "生物医药中间体生产",
    "高端纺织面料生产",
    "茶叶精深加工",
    "预制菜中央厨房",
    "功能性薄膜",
    "工业机器人集成",
]

# Progress text (形象进度) by kind, by the share of the total investment completed. In each
# phase {p} is the phase's percentage, {x} the kilometres done in the phase, {L} the whole
# length, {n} the floors built.
PROGRESS = {
    "factory": [
        (0.08, "完成场地平整，正在进行桩基施工"),
        (0.25, "桩基施工完成{p}%，基础承台施工中"),
        (0.45, "厂房主体结构施工，完成{p}%"),
        (0.6, "厂房钢结构吊装完成{p}%"),
        (0.75, "主体封顶，正在进行屋面及围护施工"),
        (0.9, "设备安装调试中，完成{p}%"),
        (1.01, "设备调试完成，正在试生产"),
    ],
    "logistics": [
        (0.2, "场地平整完成，冷库基础施工中"),
        (0.6, "仓储及冷库主体完成{p}%"),
        (0.85, "主体封顶，制冷设备安装中"),
        (1.01, "制冷设备调试中，交易区装修完成{p}%"),
    ],
    "road": [
        (0.12, "征迁及杆线迁改推进中，完成{p}%"),
        (0.55, "路基完成{p}%，涵洞及桥梁下部结构施工中"),
        (0.85, "路基全部完成，路面铺设{x}公里"),
        (1.01, "路面铺设完成{L}公里，附属及交安工程施工中"),
    ],
    "pipe": [
        (0.6, "管网铺设完成{x}公里"),
        (0.85, "管网铺设完成{L}公里，泵站土建完成{p}%"),
        (1.01, "管网铺设全部完成，泵站设备安装调试中"),
    ],
    "sewage": [
        (0.3, "新建构筑物基础施工中，完成{p}%"),
        (0.7, "生化池及二沉池主体完成{p}%"),
        (1.01, "设备安装完成{p}%，正在联动调试"),
    ],
    "river": [
        (0.4, "河道清淤完成{p}%"),
        (0.8, "河道清淤全部完成，堤防完成{x}公里"),
        (1.01, "堤防主体完工，正在进行绿化及亲水平台施工"),
    ],
    "power": [
        (0.3, "变电站土建基础施工中，完成{p}%"),
        (0.7, "变电站主体完工，线路组塔完成{p}%"),
        (1.01, "主变安装完成，正在进行调试"),
    ],
    "urban": [
        (0.3, "雨污管网改造完成{p}%"),
        (0.7, "管网改造完成，道路及立面改造完成{p}%"),
        (1.01, "绿化及附属设施施工中，完成{p}%"),
    ],
    "building": [
        (0.1, "基坑开挖及支护施工中"),
        (0.25, "基础施工完成{p}%"),
        (0.55, "主体施工至{n}层"),
        (0.7, "主体封顶，正在进行砌体施工"),
        (0.85, "外立面幕墙施工完成{p}%"),
        (1.01, "室内装修完成{p}%，室外配套施工中"),
    ],
    "agri": [
        (0.4, "土地平整完成{p}%"),
        (0.8, "土地平整完成，灌溉渠系完成{x}公里"),
        (1.01, "主体工程基本完工，正在进行附属设施建设"),
    ],
    "tourism": [
        (0.4, "游客服务中心基础施工中，完成{p}%"),
        (0.8, "游客服务中心主体完工，游步道完成{x}公里"),
        (1.01, "景观节点施工中，完成{p}%"),
    ],
    "digital": [
        (0.4, "机房改造完成{p}%，设备招标完成"),
        (0.8, "村级数字化服务站建成{p}%"),
        (1.01, "综合管理平台联调测试中"),
    ],
}
BUILDINGS = ("hospital", "school", "elderly", "housing")
FLOORS = {"hospital": (6, 16), "school": (4, 6), "elderly": (3, 6), "housing": (11, 26)}
PROGRESS_KIND = dict.fromkeys(BUILDINGS, "building")

CIVIL = ("road", "pipe", "sewage", "river", "urban", "power")
PLANTS = ("factory", "logistics", *BUILDINGS)


@dataclass(frozen=True)
class ProblemKind:
    """A 存在问题 as reports word it: who answers for it ("host": the host unit), the 需协调
    事项 to go with it, the measure that closed it, and the kinds of project it occurs in."""

    text: str
    coordination: str
    unit: str
    measure: str
    kinds: tuple[str, ...] = ()  # empty: any kind


PROBLEMS = [
    ProblemKind(
        "用地报批尚未完成，影响施工许可办理",
        "请县自然资源和规划局加快用地报批",
        "县自然资源和规划局",
        "县自然资源和规划局开辟绿色通道，用地批复已下达",
    ),
    ProblemKind(
        "电网接入批复未取得",
        "请县供电公司加快电网接入方案审批",
        "县供电公司",
        "县供电公司现场办公，接入方案已批复，临时用电已接通",
        (*PLANTS, "sewage", "pipe", "digital"),
    ),
    ProblemKind(
        "融资到位不及时，资金缺口约{n}00万元",
        "请县财政局协调银企对接",
        "县财政局",
        "召开银企对接会，县农商银行授信已到位并放款",
    ),
    ProblemKind(
        "施工用工短缺，高峰期缺少技术工人约{n}0人",
        "请县人力资源和社会保障局协助招工",
        "县人力资源和社会保障局",
        "县人社局组织专场招聘会，已招录技术工人到岗",
    ),
    ProblemKind(
        "居民协调难度大，尚有{n}户未签订征迁协议",
        "请乡镇加大征迁协调力度",
        "host",
        "成立征迁工作专班逐户上门做工作，征迁协议已全部签订",
        (*CIVIL, "factory", "logistics", "agri", "tourism"),
    ),
    ProblemKind(
        "环评批复待取得",
        "请县生态环境分局提前介入指导",
        "县生态环境分局",
        "县生态环境分局提前介入指导，环评批复已取得",
        ("factory", "logistics", "road", "sewage", "river", "power", "tourism"),
    ),
    ProblemKind(
        "{n}处杆线迁改未完成，影响施工",
        "请县供电公司及通信运营商加快杆线迁改",
        "县供电公司",
        "召开杆线迁改协调会，倒排工期，迁改已全部完成",
        CIVIL,
    ),
    ProblemKind(
        "进口设备清关较慢，影响安装进度",
        "请县商务局协调海关加快通关",
        "县商务局",
        "县商务局对接海关开通快速通道，设备已通关到场",
        ("factory", "logistics"),
    ),
    ProblemKind(
        "林地使用手续未办结",
        "请县林业局加快林地审批",
        "县林业局",
        "县林业局并联审查，林地使用许可已核发",
        ("road", "power", "river", "agri", "tourism"),
    ),
    ProblemKind(
        "施工许可证尚未办理",
        "请县行政审批服务局容缺受理",
        "县行政审批服务局",
        "实行容缺受理、并联审批，施工许可证已核发",
        (*PLANTS, "sewage", "tourism"),
    ),
    ProblemKind(
        "供水供气配套未到位",
        "请县住房和城乡建设局协调配套接入",
        "县住房和城乡建设局",
        "县住建局协调水务、燃气公司，配套管线已接入",
        PLANTS,
    ),
    ProblemKind(
        "连续降雨影响施工，工期滞后约{n}天",
        "",
        "host",
        "调整施工组织，增加作业面，工期已基本追回",
        (*CIVIL, *PLANTS, "agri", "tourism"),
    ),
    ProblemKind(
        "原材料价格上涨，施工单位进度放缓",
        "请县发展和改革局协调价格调整事宜",
        "县发展和改革局",
        "按合同约定启动价格调差，施工单位已恢复正常进度",
        (*CIVIL, *PLANTS),
    ),
    ProblemKind(
        "土方外运消纳场地不足",
        "请县城市管理局协调消纳场地",
        "县城市管理局",
        "县城管局新增临时消纳点一处，土方外运已恢复",
        ("road", "urban", "sewage", *PLANTS),
    ),
    ProblemKind(
        "路基填料不足，取土场手续待办理",
        "请县交通运输局协调取土场审批",
        "县交通运输局",
        "县交通运输局协调落实取土场两处，填料供应已恢复",
        ("road",),
    ),
    ProblemKind(
        "交通组织方案待审批，影响半幅施工",
        "请县交通运输局会同交警部门审批交通组织方案",
        "县交通运输局",
        "交通组织方案已审批，半幅封闭施工已实施",
        ("road", "pipe", "urban"),
    ),
]
IN_PROGRESS_MEASURES = [
    "已召开专题协调会，明确责任分工，正在推进",
    "责任单位已现场对接，正在办理相关手续",
    "已列入县领导协调事项，正在加快办理",
    "已形成解决方案，正在组织实施",
]
SITE_FINDINGS = [
    "现场察看了{name}{where}，要求施工单位倒排工期、挂图作战，确保年底前完成年度目标。",
    "{name}进展总体顺利，要求进一步加大人员和机械投入，抓住有利天气加快施工。",
    "现场了解{name}建设情况，针对存在问题，要求责任单位一周内拿出解决方案。",
    "察看了{name}{where}，强调安全生产和文明施工，要求落实扬尘管控措施。",
]


def project_content(family: Family, spec: dict, total: Decimal | int, rng) -> str:
    """A project's 建设内容 from its family and size: the demo county's and the scaled data's."""
    area = round(max(0.3, 2.2 * math.sqrt(float(total) / 10000) * rng.uniform(0.7, 1.3)), 1)
    length, count = spec["length"], spec["count"]
    return {
        "factory": f"新建标准化厂房{area}万平方米，购置生产设备{count * 6}台（套），"
        f"建设生产线{count}条",
        "logistics": f"建设冷库{count}万吨、仓储用房{area}万平方米及交易区",
        "road": f"全长{length}公里，路基宽{rng.choice([8.5, 10, 12])}米，按二级公路标准建设",
        "pipe": f"改造供水管网{length}公里，新建加压泵站{min(count, 6)}座",
        "sewage": f"新增处理能力{min(count, 5)}万吨/日，出水达到一级A标准",
        "river": f"治理河道{length}公里，新建堤防{round(length * 0.6, 1)}公里",
        "power": f"新建110千伏变电站1座，主变容量{count * 5}万千伏安，架设线路{length}公里",
        "urban": f"改造小区{count}个、涉及{count * 180}户，改造雨污管网、道路及绿化",
        "hospital": f"总建筑面积{area}万平方米，新增床位{count * 50}张",
        "school": f"新建教学楼{area}万平方米，新增学位{count * 150}个",
        "elderly": f"总建筑面积{area}万平方米，设置床位{count * 30}张",
        "housing": f"总建筑面积{area}万平方米，配套道路、绿化及停车设施",
        "agri": f"建设高标准农田{count * 1000}亩，配套灌溉渠系{length}公里",
        "tourism": f"建设游客服务中心、停车场、游步道{length}公里及景观节点",
        "digital": f"建设数据中心机房、{count * 10}个村级数字化服务站及综合管理平台",
    }[family.kind]


def project_investor(family: Family, department: Unit, county: str, rng) -> str:
    """Who invests: a company for industry, else the county's own investment company (or the
    lead department)."""
    if family.kind in ("factory", "logistics"):
        trade = rng.choice(["新材料科技", "智能装备", "实业", "科技", "供应链管理"])
        return f"{rng.choice(PROVINCES)}{rng.choice(BRANDS)}{trade}有限公司"
    return {
        "road": f"{county}交通投资发展有限公司",
        "pipe": f"{county}水务集团有限公司",
        "sewage": f"{county}水务集团有限公司",
        "river": f"{county}水利投资有限公司",
        "power": f"国网{county}供电公司",
        "urban": f"{county}城市建设投资集团有限公司",
        "tourism": f"{county}文旅投资集团有限公司",
    }.get(family.kind, department.name)


@dataclass
class _Plan:
    """One project being drawn, with everything needed to write it and its records."""

    project: Project
    family: Family
    spec: dict
    light: str = "green"
    cause: str = ""
    gap: float = 0.0
    duration: int = 24  # months from start to completion
    missing: set = field(default_factory=set)
    amounts: dict = field(default_factory=dict)  # period -> whole 万元
    plans: dict = field(default_factory=dict)  # year -> planned 万元
    problems: dict = field(default_factory=dict)  # period -> problem index in PROBLEMS
    people: list = field(default_factory=list)  # (person, role)


@transaction.atomic
def seed_projects(region, rng, today: dt.date | None = None) -> None:
    """About 300 key projects of the demo county, with a year of their life; once."""
    today = today or dt.date.today()
    if Project.objects.filter(region=region).exists():
        return
    _Seeder(region, rng, today).run()


class _Seeder:
    def __init__(self, region, rng, today: dt.date) -> None:
        self.region, self.rng, self.today = region, rng, today
        units = list(Unit.objects.filter(region=region).order_by("order", "id"))
        self.units = {u.name: u for u in units}
        self.townships = [u for u in units if u.kind == Unit.Kind.TOWNSHIP]
        self.platforms = [u for u in units if u.kind == Unit.Kind.PLATFORM]
        people = (
            Person.objects.filter(region=region).prefetch_related("roles").select_related("user")
        )
        self.staff: dict[int, dict[str, list[Person]]] = {}
        self.leaders: list[Person] = []
        self.principals: list[Person] = []
        for person in people.order_by("order", "id"):
            roles = {r.role for r in person.roles.all()}
            if person.unit_id is None:
                if DirectoryRole.PRINCIPAL in roles:
                    self.principals.append(person)
                elif DirectoryRole.LEADER in roles:
                    self.leaders.append(person)
                continue
            by_role = self.staff.setdefault(person.unit_id, {})
            for role in roles:
                by_role.setdefault(role, []).append(person)
        # Reports are filed by the liaisons who have a demo account (城关镇, 县交通运输局).
        self.unit_users = {}
        for unit_id, by_role in self.staff.items():
            for person in by_role.get(DirectoryRole.UNIT_LIAISON, []):
                if person.user_id:
                    self.unit_users[unit_id] = person.user
        self.this_period = period_start(today)
        self.last_period = previous_period(self.this_period)
        # 序时进度 as the light rules count it, for a project yet to report this month.
        self.elapsed = float(lights.elapsed_share(today)) * 100
        self.names: set[str] = set()
        self.centres = {
            u.pk: (28.95 + rng.uniform(-0.18, 0.18), 118.62 + rng.uniform(-0.22, 0.22))
            for u in units
        }

    # --- Small helpers ----------------------------------------------------------------

    def _pick(self, weighted):
        items, weights = zip(*weighted, strict=True)
        return self.rng.choices(items, weights=weights)[0]

    def _months(self, day: dt.date, months: int, dom: int | None = None) -> dt.date:
        index = day.year * 12 + day.month - 1 + months
        year, month = divmod(index, 12)
        return dt.date(year, month + 1, min(dom or 1, 28))

    def _day_in(self, period: dt.date, low: int = 1, high: int = 28) -> dt.date:
        return period.replace(day=self.rng.randint(low, high))

    def _periods(self, first: dt.date, last: dt.date) -> list[dt.date]:
        periods, period = [], period_start(first)
        while period <= last:
            periods.append(period)
            period = next_period(period)
        return periods

    def _split(self, total: int, weights: list[float]) -> list[int]:
        """``total`` in whole 万元 spread over ``weights``, summing exactly."""
        if not weights:
            return []
        if sum(weights) <= 0:
            weights = [1.0] * len(weights)
        scale = sum(weights)
        parts = [int(total * w / scale) for w in weights]
        order = sorted(range(len(weights)), key=lambda i: -weights[i])
        for i in range(total - sum(parts)):
            parts[order[i % len(order)]] += 1
        return parts

    def _person(self, unit: Unit | None, *roles: str) -> Person | None:
        if unit is None:
            return None
        by_role = self.staff.get(unit.pk, {})
        for role in roles:
            if by_role.get(role):
                return self.rng.choice(by_role[role])
        return None

    # --- Drawing projects -------------------------------------------------------------

    def run(self) -> None:
        plans = self.draw()
        self.write(plans)
        self.problems(plans)
        self.site_checks(plans)
        self.stage_proposals(plans)
        lights.recompute(Project.objects.filter(region=self.region), self.today)

    def draw(self) -> list[_Plan]:
        rng = self.rng
        stages = []
        for stage, share in STAGE_SHARES:
            stages += [stage] * round(PROJECT_COUNT * share)
        rng.shuffle(stages)
        plans = [self.draw_project(stage) for stage in stages]
        self.rank(plans)
        self.assign_lights(plans)
        for plan in plans:
            self.timeline(plan)
        self.codes(plans)
        self.choose_problems(plans)
        return plans

    def draw_project(self, stage: str) -> _Plan:
        rng = self.rng
        category = self._pick(CATEGORY_WEIGHTS)
        for _ in range(60):
            family = self._pick([(f, f.weight) for f in FAMILIES[category]])
            host = self.host_for(family)
            name, spec = self.name_for(family, host)
            if name not in self.names:
                break
        else:
            name = f"{name[:100]}（{len(self.names) + 1}）"
        self.names.add(name)
        # Total investment 500–200000 万元, most of them between 3000 and 50000.
        total = 10 ** rng.triangular(2.7, 5.3, 3.9)
        if name.startswith("县") or family.kind in ("road", "power"):
            total *= 1.6
        total = min(max(total, 500), 200000)
        step = 10 if total < 2000 else 100 if total < 20000 else 500
        total = Decimal(int(round(total / step) * step))
        department = self.units[rng.choice(family.departments)]
        lat, lon = self.centres[host.pk]
        project = Project(
            region=self.region,
            name=name,
            stage=stage,
            category=category,
            industry=family.industry,
            content=self.content_for(family, spec, total),
            address=self.address_for(family, host),
            latitude=Decimal(f"{lat + rng.uniform(-0.03, 0.03):.6f}"),
            longitude=Decimal(f"{lon + rng.uniform(-0.03, 0.03):.6f}"),
            total_investment=total,
            investor_name=self.investor_for(family, department),
            host_unit=host,
            lead_department=department,
        )
        plan = _Plan(project=project, family=family, spec=spec)
        first = self._person(host, DirectoryRole.UNIT_DEPUTY, DirectoryRole.UNIT_LIAISON)
        if rng.random() < 0.3:
            first = self._person(host, DirectoryRole.UNIT_LIAISON) or first
        plan.people.append((first, "责任人"))
        if rng.random() < 0.55:
            second = self._person(department, DirectoryRole.UNIT_DEPUTY, DirectoryRole.UNIT_HEAD)
            if second and second != first:
                plan.people.append((second, "责任人"))
        return plan

    def host_for(self, family: Family) -> Unit:
        rng = self.rng
        chengguan = self.units["城关镇"]
        if family.host == "county":
            return chengguan
        if family.host == "platform" or (family.host == "any" and rng.random() < 0.6):
            return rng.choice(self.platforms)
        if family.host == "scenic" and rng.random() < 0.6:
            return self.units[rng.choice(list(SCENIC.values()))]
        weights = [2.5 if u == chengguan else 1 for u in self.townships]
        return rng.choices(self.townships, weights=weights)[0]

    def name_for(self, family: Family, host: Unit) -> tuple[str, dict]:
        rng = self.rng
        if host.kind == Unit.Kind.PLATFORM:
            short = PLATFORM_SHORT.get(host.name, host.name)
        else:
            short = host.name[:-1]
        others = [t.name[:-1] for t in self.townships if t != host]
        scenic = next((s for s, h in SCENIC.items() if h == host.name), None)
        pattern = rng.choice(family.names)
        if "{scenic}" in pattern and scenic is None:
            pattern = "{A}文旅综合体项目"
        values = {
            "A": short,
            "B": rng.choice(others),
            "H": host.name,
            "P": rng.choice(PHASES[:3]),
            "n": rng.choice([1, 2, 3, 5, 8, 10, 20, 30, 50]),
            "g": rng.choice([235, 320, 528]),
            "k": rng.choice(["二", "三", "四"]),
            "road": rng.choice(CITY_ROADS),
            "year": self.today.year + rng.choice([-1, 0, 0, 1]),
            "material": rng.choice(MATERIALS),
            "part": rng.choice(PARTS),
            "cluster": rng.choice(CLUSTERS),
            "brand": rng.choice(BRANDS) if rng.random() < 0.5 else "",
            "product": rng.choice(PRODUCTS),
            "scenic": scenic,
        }
        spec = {
            "length": round(rng.uniform(2, 25), 1),
            "floors": rng.randint(*FLOORS.get(family.kind, (4, 12))),
            "count": rng.randint(2, 12),
        }
        return pattern.format(**values), spec

    def content_for(self, family: Family, spec: dict, total: Decimal) -> str:
        return project_content(family, spec, total, self.rng)

    def address_for(self, family: Family, host: Unit) -> str:
        if host.kind == Unit.Kind.PLATFORM:
            return f"{host.name}{self.rng.choice(STREETS)}"
        return f"{host.name}{self.rng.choice(VILLAGES)}村"

    def investor_for(self, family: Family, department: Unit) -> str:
        return project_investor(family, department, self.region.name, self.rng)

    def rank(self, plans: list[_Plan]) -> None:
        """Levels and majors go mostly to the largest; contact leaders to match."""
        rng = self.rng
        n = len(plans)
        by_size = sorted(
            plans,
            key=lambda p: -(math.log(float(p.project.total_investment)) + rng.gauss(0, 0.6)),
        )
        for index, plan in enumerate(by_size):
            plan.project.level = (
                Level.PROVINCE
                if index < n * 0.1
                else Level.CITY
                if index < n * 0.35
                else Level.COUNTY
            )
        by_size = sorted(
            plans,
            key=lambda p: -(math.log(float(p.project.total_investment)) + rng.gauss(0, 0.4)),
        )
        for index, plan in enumerate(by_size):
            plan.project.is_major = index < n * 0.1
        for plan in plans:
            share = 0.45 if plan.project.is_major else 0.05
            pool = self.principals if rng.random() < share else self.leaders
            plan.project.contact_leader = rng.choice(pool or self.leaders or self.principals)

    def assign_lights(self, plans: list[_Plan]) -> None:
        started = [p for p in plans if p.project.stage == Stage.STARTED]
        waiting = [p for p in plans if p.project.stage in (Stage.NEGOTIATING, Stage.SIGNED)]
        for group, shares in ((started, STARTED_LIGHTS), (waiting, WAITING_LIGHTS)):
            targets = ["yellow"] * round(len(group) * shares["yellow"])
            targets += ["red"] * round(len(group) * shares["red"])
            targets += ["green"] * (len(group) - len(targets))
            self.rng.shuffle(targets)
            for plan, light in zip(group, targets, strict=True):
                plan.light = light
        for plan in started:
            if plan.light == "yellow":
                plan.cause = self._pick(YELLOW_CAUSES)
            elif plan.light == "red":
                plan.cause = self._pick(RED_CAUSES)
            # Progress behind the schedule needs enough of the year gone to be behind.
            if plan.cause == "progress" and self.elapsed < (50 if plan.light == "red" else 35):
                plan.cause = "missing"
        for plan in waiting:
            if plan.light == "yellow":
                plan.cause = self._pick([("late", 60), ("soon", 40)])
            elif plan.light == "red":
                plan.cause = "late"

    # --- Timelines and money ----------------------------------------------------------

    def timeline(self, plan: _Plan) -> None:
        stage = plan.project.stage
        if stage == Stage.STARTED:
            self.started(plan)
        elif stage == Stage.COMPLETED:
            self.completed(plan)
        elif stage == Stage.DROPPED:
            self.dropped(plan)
        else:
            self.waiting(plan)
        project = plan.project
        start = project.actual_start or project.planned_start
        if start:
            project.start_year = start.year
            project.end_year = self._months(start, plan.duration).year
        if plan.amounts:
            project.invested_total = Decimal(sum(plan.amounts.values()))
            project.last_report_period = max(plan.amounts)

    def started(self, plan: _Plan) -> None:
        rng, today, project = self.rng, self.today, plan.project
        total = int(project.total_investment)
        if plan.cause == "stats" and plan.light == "yellow":
            back = 1  # started last month: one month unregistered is a yellow light
            start = self._months(today, -1, rng.randint(1, min(28, today.day)))
        else:
            low = {"missing": 4, "stats": 3}.get(plan.cause, 2)
            back = low + int(rng.random() ** 1.4 * (30 - low))
            start = self._months(today, -back, rng.randint(1, 28))
        project.actual_start = start
        project.planned_start = self._months(start, -rng.choice([0, 0, 0, 1, 1, 2, 3]))
        project.nature = Nature.NEW if start.year == today.year else Nature.CONTINUING
        project.registered_in_stats = plan.cause != "stats"
        if project.registered_in_stats:
            project.registered_on = min(start + dt.timedelta(days=rng.randint(5, 35)), today)
        if project.category == Category.INDUSTRY:
            project.signed_on = start - dt.timedelta(days=rng.randint(60, 300))
            project.contract_amount = Decimal(int(total * rng.uniform(0.8, 1.0)))
        large = 8 if total > 50000 else 0
        plan.duration = max(back + rng.randint(4, 14), rng.randint(12, 36) + large)

        # Gap to the time-elapsed schedule, in points: what the progress rule will see.
        if plan.cause == "progress":
            plan.gap = (
                rng.uniform(13, 27)
                if plan.light == "yellow"
                else rng.uniform(36, min(58, self.elapsed - 4))
            )
        elif plan.light == "red" and rng.random() < 0.35:
            plan.gap = rng.uniform(12, 26)
        else:
            plan.gap = rng.uniform(-14, 5)
        if plan.cause == "missing":
            plan.missing = {self.last_period}
            if plan.light == "red":
                plan.missing.add(previous_period(self.last_period))

        periods = [p for p in self._periods(start, self.last_period) if p not in plan.missing]
        base = total / plan.duration
        before = [p for p in periods if p.year < today.year]
        this_year = [p for p in periods if p.year == today.year]
        weights = [self._weight(p, i) * base for i, p in enumerate(before)]
        amounts = [int(w) for w in weights]
        if sum(amounts) > total * 0.7:
            amounts = self._split(int(total * 0.7), weights)
        plan.amounts = dict(zip(before, amounts, strict=True))
        done_before = sum(amounts)

        completion = max(0.0, self.elapsed - plan.gap) / 100
        active = 12 if start.year < today.year else 13 - start.month
        room = total - done_before
        wanted = base * active * rng.uniform(0.85, 1.2)
        planned = min(wanted, room / max(1.0, completion) * 0.98)
        planned = max(1, int(round(planned / 10) * 10) if planned >= 200 else int(planned))
        plan.plans[today.year] = planned
        ytd = min(int(round(completion * planned)), room) if this_year else 0
        offset = len(before)
        weights = [self._weight(p, offset + i) for i, p in enumerate(this_year)]
        plan.amounts.update(zip(this_year, self._split(ytd, weights), strict=True))
        last_year = sum(a for p, a in plan.amounts.items() if p.year == today.year - 1)
        if last_year:
            plan.plans[today.year - 1] = max(1, int(last_year / rng.uniform(0.85, 1.1)))

    def _weight(self, period: dt.date, index: int) -> float:
        """How much of a month's normal pace a month gets: slow first month and February."""
        rng = self.rng
        if index > 0 and rng.random() < 0.04:
            return 0.0  # nothing new this month: a one-tap 「本期无变化」 report
        weight = rng.uniform(0.6, 1.4)
        if index == 0:
            weight *= 0.4
        if period.month == 2:
            weight *= 0.5
        return weight

    def completed(self, plan: _Plan) -> None:
        rng, today, project = self.rng, self.today, plan.project
        total = int(project.total_investment)
        done = today - dt.timedelta(days=rng.randint(20, 330))
        plan.duration = rng.randint(10, 28)
        start = self._months(done, -plan.duration, rng.randint(1, 28))
        project.actual_start, project.completed_on = start, done
        project.planned_start = self._months(start, -rng.choice([0, 0, 1, 2]))
        project.nature = Nature.FINISHING
        project.registered_in_stats = True
        project.registered_on = start + dt.timedelta(days=rng.randint(5, 35))
        if project.category == Category.INDUSTRY:
            project.signed_on = start - dt.timedelta(days=rng.randint(60, 300))
            project.contract_amount = Decimal(int(total * rng.uniform(0.8, 1.0)))
        periods = self._periods(start, done)
        n = len(periods)
        weights = [
            (math.sin(math.pi * (i + 0.5) / n) + 0.3) * rng.uniform(0.7, 1.3) for i in range(n)
        ]
        spent = int(total * rng.uniform(0.93, 1.0))
        plan.amounts = dict(zip(periods, self._split(spent, weights), strict=True))
        for year in (today.year - 1, today.year):
            in_year = sum(a for p, a in plan.amounts.items() if p.year == year)
            if in_year:
                plan.plans[year] = max(1, int(in_year / rng.uniform(0.92, 1.08)))

    def waiting(self, plan: _Plan) -> None:
        """In talks or signed: a planned start, late for some, and for signed ones a contract."""
        rng, today, project = self.rng, self.today, plan.project
        project.nature = Nature.PREPARATORY
        if plan.cause == "late":
            # Late by one or two months is yellow; four or more months after the planned one
            # is red however the rule counts (from the planned month or from its end).
            ahead = -rng.randint(1, 2) if plan.light == "yellow" else -rng.randint(4, 9)
        else:
            ahead = rng.randint(2, 12)
        project.planned_start = self._months(today, ahead)
        plan.duration = rng.randint(14, 36)
        if project.stage == Stage.SIGNED:
            signed = today - dt.timedelta(days=rng.randint(10, 300))
            if project.planned_start < today:
                signed = min(
                    signed, project.planned_start - dt.timedelta(days=rng.randint(20, 120))
                )
            project.signed_on = signed
            total = int(project.total_investment)
            project.contract_amount = Decimal(int(total * rng.uniform(0.7, 1.0)))
            if project.planned_start.year == today.year:
                plan.plans[today.year] = max(1, int(total * rng.uniform(0.1, 0.3)))

    def dropped(self, plan: _Plan) -> None:
        rng, project = self.rng, plan.project
        project.nature = Nature.PREPARATORY
        project.dropped_reason = rng.choice(DROP_REASONS)
        project.planned_start = self._months(self.today, rng.randint(-10, 4))
        if rng.random() < 0.5:
            project.signed_on = self.today - dt.timedelta(days=rng.randint(120, 500))
            total = int(project.total_investment)
            project.contract_amount = Decimal(int(total * rng.uniform(0.7, 1.0)))

    def codes(self, plans: list[_Plan]) -> None:
        """A national project code (24 characters) for about half of them."""
        share = {
            Stage.STARTED: 0.7,
            Stage.COMPLETED: 0.8,
            Stage.SIGNED: 0.4,
            Stage.DROPPED: 0.2,
            Stage.NEGOTIATING: 0.05,
        }
        serials = iter(self.rng.sample(range(1, 999999), len(plans)))
        for plan in plans:
            project = plan.project
            if self.rng.random() >= share[project.stage]:
                continue
            filed = min(self._months(project.actual_start or project.planned_start, -3), self.today)
            kind = "03" if project.category == Category.INDUSTRY else "01"
            project.code = (
                f"{filed.year}-{self.region.code}-{plan.family.code_industry}-{kind}-"
                f"{next(serials):06d}"
            )

    def choose_problems(self, plans: list[_Plan], count: int = 60) -> None:
        """Which reports raise a problem: recent ones of projects in trouble, mostly."""
        rng = self.rng
        pool = [p for p in plans if p.project.stage == Stage.STARTED and p.amounts]
        weight = {"green": 1, "yellow": 2.5, "red": 3.5}
        chengguan, transport = self.units["城关镇"], self.units["县交通运输局"]
        must = [p for p in pool if p.project.host_unit == chengguan][:3]
        must += [p for p in pool if p.project.lead_department == transport][:3]
        chosen = 0
        for attempt in range(count * 20):
            if chosen >= count:
                break
            if attempt < len(must):
                plan = must[attempt]
            else:
                plan = rng.choices(pool, weights=[weight[p.light] for p in pool])[0]
            if len(plan.problems) >= 2:
                continue
            recent = sorted(plan.amounts)[-8:]
            period = rng.choices(recent, weights=[(i + 1) ** 2 for i in range(len(recent))])[0]
            if period in plan.problems:
                continue
            kinds = [
                i
                for i, problem in enumerate(PROBLEMS)
                if not problem.kinds or plan.family.kind in problem.kinds
            ]
            plan.problems[period] = rng.choice(kinds)
            chosen += 1

    # --- Writing ----------------------------------------------------------------------

    def write(self, plans: list[_Plan]) -> None:
        for plan in plans:
            plan.project.save()
        ProjectPerson.objects.bulk_create(
            ProjectPerson(project=plan.project, person=person, role=role)
            for plan in plans
            for person, role in plan.people
            if person is not None
        )
        AnnualPlan.objects.bulk_create(
            AnnualPlan(project=plan.project, year=year, planned_investment=Decimal(amount))
            for plan in plans
            for year, amount in sorted(plan.plans.items())
        )
        services.ensure_milestone_templates()
        templates: dict[str, list[MilestoneTemplate]] = {}
        for template in MilestoneTemplate.objects.order_by("category", "order"):
            templates.setdefault(template.category, []).append(template)
        milestones = []
        for plan in plans:
            milestones += self.milestones(plan, templates.get(plan.project.category, []))
        Milestone.objects.bulk_create(milestones, batch_size=500)
        self.reports(plans)

    def reports(self, plans: list[_Plan]) -> None:
        rng = self.rng
        rows: list[ProgressReport] = []
        submitted: list[dt.datetime] = []
        for plan in plans:
            project = plan.project
            total = int(project.total_investment)
            user = self.unit_users.get(project.host_unit_id) or self.unit_users.get(
                project.lead_department_id
            )
            cumulative, ytd, year, text = 0, 0, None, ""
            for period in sorted(plan.amounts):
                amount = plan.amounts[period]
                if period.year != year:
                    year, ytd = period.year, 0
                ytd += amount
                cumulative += amount
                unchanged = amount == 0 and bool(text)
                if not unchanged:
                    text = self.progress_text(plan, cumulative / total, period)
                problem = PROBLEMS[plan.problems[period]] if period in plan.problems else None
                rows.append(
                    ProgressReport(
                        project=project,
                        period=period,
                        period_kind=PeriodKind.MONTH,
                        progress_text=text,
                        invested=Decimal(amount),
                        cumulative_invested=Decimal(cumulative),
                        ytd_invested=Decimal(ytd),
                        problems_text=self._fill(problem.text) if problem else "",
                        coordination_text=problem.coordination if problem else "",
                        unchanged=unchanged,
                        submitted_by=user,
                    )
                )
                day = min(self._day_in(next_period(period), 1, 10), self.today)
                moment = dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randint(0, 59)))
                submitted.append(timezone.make_aware(moment))
        ProgressReport.objects.bulk_create(rows, batch_size=500)
        # ``submitted_at`` is set on insert; give each report the day it was really filed.
        for row, moment in zip(rows, submitted, strict=True):
            row.submitted_at = moment
        ProgressReport.objects.bulk_update(rows, ["submitted_at"], batch_size=500)
        self.report_rows = {(r.project_id, r.period): r for r in rows}

    def _fill(self, text: str) -> str:
        return text.format(n=self.rng.randint(2, 12))

    def progress_text(self, plan: _Plan, share: float, period: dt.date) -> str:
        project = plan.project
        if project.completed_on and period == period_start(project.completed_on):
            if project.category == Category.INDUSTRY:
                return self.rng.choice(["已竣工投产", "已完成竣工验收，投产运营"])
            return self.rng.choice(["已完成竣工验收", "已完成竣工验收，投入使用"])
        kind = PROGRESS_KIND.get(plan.family.kind, plan.family.kind)
        low, length, floors = 0.0, plan.spec["length"], plan.spec["floors"]
        for high, pattern in PROGRESS[kind]:
            if share < high or high == PROGRESS[kind][-1][0]:
                within = min(1.0, (share - low) / (high - low))
                return pattern.format(
                    p=min(98, max(5, round(within * 100))),
                    x=max(0.1, round(length * within, 1)),
                    L=length,
                    n=max(1, round(floors * within)),
                )
            low = high
        return ""

    def milestones(self, plan: _Plan, templates: list[MilestoneTemplate]) -> list[Milestone]:
        """The category's milestones, done up to the project's progress, the rest ahead.

        Open milestones whose standard date has passed are planned again after today, except
        where this project's light is to come from a milestone overdue or due in days.
        """
        rng, today, project = self.rng, self.today, plan.project
        if project.stage == Stage.DROPPED or not templates:
            return []
        start = project.actual_start or project.planned_start
        rows = []
        for template in templates:
            if template.name in POST_START:
                months = round(plan.duration * POST_START[template.name])
                planned = self._months(start, months, rng.randint(5, 28))
            else:
                planned = self._months(project.planned_start, template.offset_months, 20)
                if template.name == "开工":
                    planned = project.planned_start
            rows.append(
                Milestone(
                    project=project,
                    name=template.name,
                    order=template.order,
                    planned_date=planned,
                    responsible_unit=project.lead_department,
                )
            )
        names = [m.name for m in rows]
        begun = names.index("开工") if "开工" in names else len(rows)
        share = float(project.invested_total / project.total_investment) if plan.amounts else 0
        if project.stage in (Stage.STARTED, Stage.COMPLETED):
            first = (project.signed_on or start - dt.timedelta(days=240)) + dt.timedelta(days=5)
            span = max(1, (project.actual_start - first).days - 5)
            days = sorted(first + dt.timedelta(days=rng.randint(0, span)) for _ in rows[:begun])
            for milestone, day in zip(rows[:begun], days, strict=True):
                milestone.actual_date = (
                    project.signed_on if milestone.name == "签约" and project.signed_on else day
                )
            if begun < len(rows):
                rows[begun].actual_date = project.actual_start
            for milestone in rows[begun + 1 :]:
                if project.completed_on:
                    offset = 0 if milestone.name == "竣工验收" else rng.randint(3, 20)
                    if milestone.name == "主体完工":
                        offset = -rng.randint(60, 150)
                    milestone.actual_date = min(
                        project.completed_on + dt.timedelta(days=offset), today
                    )
                elif (
                    milestone.name == "主体完工"
                    and share >= 0.65
                    and plan.cause not in ("overdue", "soon")
                ):
                    milestone.actual_date = self._crossing(plan, 0.65)
        elif project.stage == Stage.SIGNED:
            for milestone in rows[:begun]:
                if milestone.name == "签约":
                    milestone.actual_date = project.signed_on
                elif milestone.planned_date <= today - dt.timedelta(days=10) and rng.random() < 0.8:
                    late = milestone.planned_date + dt.timedelta(days=rng.randint(-10, 15))
                    milestone.actual_date = min(late, today - dt.timedelta(days=1))
        elif project.category != Category.INDUSTRY:
            for milestone in rows[:begun]:
                if milestone.name == "立项/备案" and milestone.planned_date < today:
                    milestone.actual_date = milestone.planned_date + dt.timedelta(
                        days=rng.randint(-10, 5)
                    )
        self._schedule_open(plan, [m for m in rows if m.actual_date is None])
        return rows

    def _crossing(self, plan: _Plan, share: float) -> dt.date:
        """The day in the month when the cumulative investment passed ``share`` of the total."""
        total, cumulative = float(plan.project.total_investment), 0
        for period in sorted(plan.amounts):
            cumulative += plan.amounts[period]
            if cumulative >= share * total:
                return min(self._day_in(period, 10, 28), self.today - dt.timedelta(days=1))
        return self.today - dt.timedelta(days=1)

    def _schedule_open(self, plan: _Plan, open_rows: list[Milestone]) -> None:
        rng, today = self.rng, self.today
        if not open_rows:
            return
        forced = None
        if plan.cause == "overdue":
            forced = open_rows[0]
            forced.planned_date = today - dt.timedelta(days=rng.randint(3, 40))
        elif plan.cause == "soon":
            forced = open_rows[0]
            forced.planned_date = workdays.add_workdays(today, rng.randint(1, 3)).value
        elif plan.cause == "late" and plan.light == "red":
            forced = next((m for m in open_rows if m.name == "开工"), None)
        floor = today + dt.timedelta(days=14)
        previous = forced.planned_date if forced and forced.planned_date > today else floor
        for milestone in open_rows:
            if milestone is forced:
                continue
            if milestone.planned_date < max(floor, previous):
                milestone.planned_date = max(floor, previous) + dt.timedelta(
                    days=rng.randint(5, 40)
                )
            previous = milestone.planned_date

    # --- Problems, site checks, stage proposals ---------------------------------------

    def problems(self, plans: list[_Plan]) -> None:
        rng, today = self.rng, self.today
        for plan in plans:
            for period, index in sorted(plan.problems.items()):
                report = self.report_rows[(plan.project.pk, period)]
                kind = PROBLEMS[index]
                unit_name, measure = kind.unit, kind.measure
                unit = plan.project.host_unit if unit_name == "host" else self.units[unit_name]
                person = self._person(
                    unit, DirectoryRole.UNIT_DEPUTY, DirectoryRole.UNIT_HEAD
                ) or self._person(unit, DirectoryRole.UNIT_LIAISON)
                raised = timezone.localdate(report.submitted_at)
                age = (today - raised).days
                if age > 45:
                    status = self._pick([("resolved", 75), ("in_progress", 15), ("open", 10)])
                else:
                    status = self._pick([("resolved", 25), ("in_progress", 40), ("open", 35)])
                days = rng.choice([5, 10, 10, 15, 20]) if age > 30 else rng.choice([10, 15, 20, 30])
                problem = services.problem_create(
                    plan.project,
                    description=report.problems_text,
                    responsible_unit=unit,
                    responsible_person=person,
                    deadline_days=days,
                    today=raised,
                    source=Problem.Source.REPORT,
                    report=report,
                )
                if status == "resolved":
                    span = max(3, (problem.deadline - raised).days + 8)
                    resolved = raised + dt.timedelta(days=rng.randint(2, span))
                    resolved = min(resolved, today - dt.timedelta(days=1))
                    services.problem_update(
                        problem, status=Problem.Status.RESOLVED, measure=measure, today=resolved
                    )
                elif status == "in_progress":
                    services.problem_update(
                        problem,
                        status=Problem.Status.IN_PROGRESS,
                        measure=rng.choice(IN_PROGRESS_MEASURES),
                        today=today,
                    )

    def site_checks(self, plans: list[_Plan], count: int = 14) -> None:
        rng, today = self.rng, self.today
        pool = [p for p in plans if p.project.stage == Stage.STARTED]
        weight = {"green": 1, "yellow": 2, "red": 3}
        chosen: list[_Plan] = []
        while len(chosen) < min(count, len(pool)):
            plan = rng.choices(
                pool, weights=[weight[p.light] * (1 + p.project.is_major) for p in pool]
            )[0]
            if plan not in chosen:
                chosen.append(plan)
        for number, plan in enumerate(chosen):
            project = plan.project
            checker = project.contact_leader
            if rng.random() < 0.3 and self.principals:
                checker = rng.choice(self.principals)
            visited = today - dt.timedelta(days=rng.randint(1, 75))
            while visited.weekday() >= 5:
                visited -= dt.timedelta(days=1)
            SiteCheck.objects.create(
                project=project,
                checker=checker,
                visited_on=visited,
                findings=rng.choice(SITE_FINDINGS).format(
                    name=project.name, where=rng.choice(["施工现场", "建设现场"])
                ),
                recorded_by=checker.user,
            )
            if number % 5 == 0 and project.host_unit:
                person = self._person(
                    project.host_unit, DirectoryRole.UNIT_DEPUTY, DirectoryRole.UNIT_HEAD
                )
                services.problem_create(
                    project,
                    description=f"{visited.month}月{visited.day}日现场察看发现：施工人员和机械投入不足，进度滞后",
                    responsible_unit=project.host_unit,
                    responsible_person=person,
                    deadline_days=10,
                    today=visited,
                    source=Problem.Source.SITE_CHECK,
                )

    def stage_proposals(self, plans: list[_Plan]) -> None:
        """A few moves proposed by the two demo units, waiting for the project office."""
        rng, today = self.rng, self.today
        for unit_name, limit in (("城关镇", 3), ("县交通运输局", 2)):
            unit = self.units[unit_name]
            user = self.unit_users.get(unit.pk)
            mine = [
                p
                for p in plans
                if unit in (p.project.host_unit, p.project.lead_department)
                and p.project.stage in (Stage.NEGOTIATING, Stage.SIGNED)
            ]
            rng.shuffle(mine)
            for plan in mine[:limit]:
                project = plan.project
                on_date = today - dt.timedelta(days=rng.randint(1, 12))
                if project.stage == Stage.SIGNED:
                    on_date = max(on_date, project.signed_on)
                    StageChange.objects.create(
                        project=project,
                        from_stage=Stage.SIGNED,
                        to_stage=Stage.STARTED,
                        on_date=on_date,
                        reason="施工单位已进场，正式开工建设",
                        proposed_by=user,
                    )
                else:
                    amount = int(project.total_investment) * rng.uniform(0.75, 1.0)
                    StageChange.objects.create(
                        project=project,
                        from_stage=Stage.NEGOTIATING,
                        to_stage=Stage.SIGNED,
                        on_date=on_date,
                        contract_amount=Decimal(int(amount)),
                        reason="已与投资方签订正式投资协议",
                        proposed_by=user,
                    )
