"""Enterprise requests (诉求, ``Appeal``): one pool fed by the portal, visits, leaders and the
12345 hotline; dispatched to a lead unit, chased by working-day deadlines, closed only when the
enterprise (or a follow-up call) rates the answer.

States: 待分派 → 待签收 → 办理中 → 已答复（待评价） → 已办结. A unit that was sent a request in error
returns it (退回) to 待分派; 不满意 reopens it to 办理中 and counts a reopening. Everything that
happens is an ``AppealEvent``, which is what the sweep reads to stay idempotent.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from tuijin.core.fields import EncryptedCharField, KeyedHashField
from tuijin.core.files import stored_suffix
from tuijin.core.models import Region, Unit
from tuijin.core.roles import GOVERNMENT, Role
from tuijin.core.scoping import Scope, ScopedQuerySet
from tuijin.core.versioning import Versioned

# The county's enterprise service office (企业服务办): dispatches, approves extensions, calls back.
# In the demo county the project office doubles as the service office.
SERVICE_OFFICE_ROLES = (Role.PROJECT_OFFICE,)
# Roles that read the whole county's pool.
COUNTY_APPEAL_ROLES = (Role.PROJECT_OFFICE, Role.SUPERVISION, Role.PRINCIPAL)


# The ``visible_to`` action of the statistics page: figures per unit, not the records.
AGGREGATE = "aggregate"


class AppealQuerySet(ScopedQuerySet):
    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        """The office and principal leaders: the county; a county leader: requests of the
        enterprises paired with them; a unit: requests dispatched to it (lead or co-unit); an
        enterprise's verified portal account: its own enterprise's requests.

        For ``AGGREGATE`` (the statistics), a county leader counts the whole county — the
        brief gives county leaders the county's aggregates — while the drill-down into the
        records keeps the narrower rule above."""
        if scope.is_admin:
            return self.filter(region_id__in=scope.region_ids) if scope.region_ids else self
        in_region = self.filter(region_id__in=scope.region_ids)
        if scope.has(*COUNTY_APPEAL_ROLES):
            return in_region
        if action == AGGREGATE and scope.has(Role.LEADER):
            return in_region
        q = models.Q(pk__in=[])
        if scope.has(Role.LEADER) and scope.person_id:
            q |= models.Q(
                enterprise__pairings__person_id=scope.person_id,
                enterprise__pairings__active=True,
            )
        if scope.has(Role.UNIT_STAFF) and scope.unit_id:
            q |= models.Q(lead_unit_id=scope.unit_id) | models.Q(co_units=scope.unit_id)
        if scope.has(Role.ENTERPRISE) and scope.user_id:
            q |= models.Q(
                enterprise__accounts__user_id=scope.user_id, enterprise__accounts__verified=True
            )
        return in_region.filter(q).distinct() if q else self.none()


class Appeal(Versioned):
    """One enterprise request (诉求), numbered per county and year: 诉〔2026〕123号."""

    class Source(models.TextChoices):
        PORTAL = "portal", "企业服务平台"
        VISIT = "visit", "走访"
        LEADER = "leader", "领导交办"
        HOTLINE = "hotline", "12345热线"

    class Kind(models.TextChoices):
        CONSULT = "consult", "咨询"
        HELP = "help", "求助"
        COMPLAINT = "complaint", "投诉"
        SUGGESTION = "suggestion", "建议"
        REPORT = "report", "举报"

    class Topic(models.TextChoices):
        FINANCING = "financing", "融资"
        LAND = "land", "用地"
        APPROVAL = "approval", "审批"
        LABOUR = "labour", "用工"
        POLICY = "policy", "政策兑现"
        INFRASTRUCTURE = "infrastructure", "基础设施"
        ENFORCEMENT = "enforcement", "执法检查"
        UTILITIES = "utilities", "水电气"
        OTHER = "other", "其他"

    class Urgency(models.TextChoices):
        NORMAL = "normal", "一般"
        URGENT = "urgent", "紧急"

    class Status(models.TextChoices):
        NEW = "new", "待分派"
        DISPATCHED = "dispatched", "待签收"
        ACCEPTED = "accepted", "办理中"
        REPLIED = "replied", "已答复待评价"
        RESOLVED = "resolved", "已办结"

    class Rating(models.TextChoices):
        SATISFIED = "satisfied", "满意"
        BASIC = "basic", "基本满意"
        UNSATISFIED = "unsatisfied", "不满意"

    region = models.ForeignKey(
        Region, verbose_name="地区", on_delete=models.PROTECT, related_name="appeals"
    )
    year = models.PositiveSmallIntegerField("年度")
    number = models.PositiveIntegerField("序号")
    source = models.CharField("来源", max_length=10, choices=Source.choices, db_index=True)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    enterprise_name = models.CharField("企业名称", max_length=120)
    contact_name = models.CharField("联系人", max_length=40, blank=True)
    contact_mobile = EncryptedCharField("联系电话", max_length=20, blank=True)
    contact_mobile_hash = KeyedHashField("联系电话", source="contact_mobile")
    visit_opinion = models.OneToOneField(
        "enterprises.VisitOpinion",
        verbose_name="走访意见",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeal",
    )
    hotline_number = models.CharField("12345工单编号", max_length=40, blank=True)
    kind = models.CharField("诉求类别", max_length=12, choices=Kind.choices)
    topic = models.CharField("诉求领域", max_length=16, choices=Topic.choices, db_index=True)
    urgency = models.CharField(
        "紧急程度", max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    title = models.CharField("标题", max_length=80)
    text = models.TextField("诉求内容")
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.NEW, db_index=True
    )
    lead_unit = models.ForeignKey(
        Unit,
        verbose_name="主办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals_led",
    )
    co_units = models.ManyToManyField(
        Unit, verbose_name="协办单位", blank=True, related_name="appeals_assisted"
    )
    received_on = models.DateField("受理日期", db_index=True)
    dispatched_on = models.DateField("分派日期", null=True, blank=True)
    accept_due = models.DateField("签收期限", null=True, blank=True)
    reply_due = models.DateField("首次答复期限", null=True, blank=True)
    resolve_due = models.DateField("办结期限", null=True, blank=True, db_index=True)
    due_provisional = models.BooleanField("期限暂定", default=False)
    extended = models.BooleanField("已延期", default=False)
    accepted_on = models.DateField("签收日期", null=True, blank=True)
    first_reply_on = models.DateField("首次答复日期", null=True, blank=True)
    replied_on = models.DateField("最近答复日期", null=True, blank=True)
    resolved_on = models.DateField("办结日期", null=True, blank=True)
    rating = models.CharField("满意度", max_length=12, choices=Rating.choices, blank=True)
    reopen_count = models.PositiveSmallIntegerField("重办次数", default=0)
    escalated = models.BooleanField("已升级", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = AppealQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "企业诉求"
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "number"], name="appeal_unique_number_in_year"
            ),
            models.UniqueConstraint(
                fields=["region", "hotline_number"],
                condition=~models.Q(hotline_number=""),
                name="appeal_unique_hotline_number",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "status", "resolve_due"]),
            models.Index(fields=["lead_unit", "status"]),
            # The list's order (newest first, id last) for keyset pages: in one county, and
            # across a city's or province's counties.
            models.Index(fields=["region", "received_on", "id"], name="appeal_region_received_id"),
            models.Index(fields=["received_on", "id"], name="appeal_received_id"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def code(self) -> str:
        return f"诉〔{self.year}〕{self.number}号"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.RESOLVED


class AppealChildQuerySet(ScopedQuerySet):
    """Events and files of a request are visible exactly where the request is."""

    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        return self.filter(appeal__in=Appeal.objects.visible_to(scope))


def enterprise_only(scope: Scope) -> bool:
    """An enterprise's portal account, as against an official who may also hold that role."""
    return (
        Role.ENTERPRISE in scope.roles and not scope.is_admin and scope.roles.isdisjoint(GOVERNMENT)
    )


class AppealEventQuerySet(AppealChildQuerySet):
    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        """An enterprise reads only the steps that concern it (``ENTERPRISE_EVENT_KINDS``):
        reminders, escalations, returns between offices and extension requests stay internal,
        on its portal pages and in the API alike."""
        events = super().restrict(scope, action)
        if enterprise_only(scope):
            return events.filter(kind__in=ENTERPRISE_EVENT_KINDS)
        return events


class AppealEvent(models.Model):
    """One step in a request's timeline; reminders, escalations and calls are steps too."""

    class Kind(models.TextChoices):
        RECEIVED = "received", "登记"
        DISPATCHED = "dispatched", "分派"
        SENT_BACK = "sent_back", "退回"
        ACCEPTED = "accepted", "签收"
        REPLIED = "replied", "答复"
        QUESTION = "question", "补充询问"
        ANSWER = "answer", "企业补充"
        RATED = "rated", "评价"
        FOLLOW_UP = "follow_up", "回访"
        FOLLOW_UP_DUE = "follow_up_due", "待回访"
        REOPENED = "reopened", "重新办理"
        RESOLVED = "resolved", "办结"
        EXTENSION_ASKED = "ext_asked", "申请延期"
        EXTENSION_APPROVED = "ext_ok", "同意延期"
        EXTENSION_REFUSED = "ext_refused", "不同意延期"
        REMINDED = "reminded", "催办"
        ESCALATED = "escalated", "升级"

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("类型", max_length=14, choices=Kind.choices)
    at = models.DateTimeField("时间", default=timezone.now)
    on_date = models.DateField("日期")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unit = models.ForeignKey(
        Unit, verbose_name="单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField("说明", blank=True)
    # Which deadline a reminder or escalation was about: accept / reply / resolve / rate.
    stage = models.CharField("环节", max_length=10, blank=True)
    # Working days asked for by an extension request (申请延期).
    days = models.PositiveSmallIntegerField("天数（工作日）", null=True, blank=True)

    objects = AppealEventQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "诉求办理记录"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["appeal", "kind", "on_date"])]

    def __str__(self) -> str:
        return f"{self.appeal.code} {self.get_kind_display()}"


# The steps an enterprise sees of its own requests (handed to a unit, signed for, replies,
# questions and answers, ratings, the office's call, reopening, closing, an extension granted).
ENTERPRISE_EVENT_KINDS = frozenset(
    {
        AppealEvent.Kind.RECEIVED,
        AppealEvent.Kind.DISPATCHED,
        AppealEvent.Kind.ACCEPTED,
        AppealEvent.Kind.REPLIED,
        AppealEvent.Kind.QUESTION,
        AppealEvent.Kind.ANSWER,
        AppealEvent.Kind.RATED,
        AppealEvent.Kind.FOLLOW_UP,
        AppealEvent.Kind.REOPENED,
        AppealEvent.Kind.RESOLVED,
        AppealEvent.Kind.EXTENSION_APPROVED,
    }
)


def _attachment_path(instance, filename: str) -> str:
    """Stored names never come from the user: a random id and the checked type's extension."""
    suffix = stored_suffix(filename)
    name = uuid.uuid4().hex
    return f"appeals/{name[:2]}/{name}{suffix}"


class AppealAttachment(models.Model):
    """A file filed with a request or a reply; served as an attachment."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        AppealEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField("文件", upload_to=_attachment_path)
    name = models.CharField("原文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）")

    objects = AppealChildQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "诉求附件"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class DeadlineRule(Versioned):
    """A county's deadlines for one class and urgency, in working days (0 = the same day)."""

    region = models.ForeignKey(
        Region, verbose_name="地区", on_delete=models.CASCADE, related_name="appeal_deadlines"
    )
    kind = models.CharField("诉求类别", max_length=12, choices=Appeal.Kind.choices)
    urgency = models.CharField("紧急程度", max_length=8, choices=Appeal.Urgency.choices)
    accept_days = models.PositiveSmallIntegerField("签收时限（工作日）")
    reply_days = models.PositiveSmallIntegerField("首次答复时限（工作日）")
    resolve_days = models.PositiveSmallIntegerField("办结时限（工作日）")

    class Meta:
        verbose_name = verbose_name_plural = "诉求办理时限"
        constraints = [
            models.UniqueConstraint(
                fields=["region", "kind", "urgency"], name="appeal_deadline_rule_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}·{self.get_urgency_display()}"


class EnterpriseAccountQuerySet(ScopedQuerySet):
    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        if scope.is_admin or scope.has(*SERVICE_OFFICE_ROLES):
            return self.filter(enterprise__region_id__in=scope.region_ids)
        if scope.user_id:
            return self.filter(user_id=scope.user_id)
        return self.none()


class EnterpriseAccount(models.Model):
    """A portal account of an enterprise: registered with its credit code and a contact
    mobile, usable once the service office has verified it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="账号",
        on_delete=models.CASCADE,
        related_name="enterprise_account",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.CASCADE,
        related_name="accounts",
    )
    contact_name = models.CharField("联系人", max_length=40)
    contact_mobile = EncryptedCharField("联系人手机", max_length=20)
    contact_mobile_hash = KeyedHashField("联系人手机", source="contact_mobile")
    verified = models.BooleanField("已核验", default=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核验人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField("核验时间", null=True, blank=True)
    created_at = models.DateTimeField("注册时间", auto_now_add=True)

    objects = EnterpriseAccountQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "企业账号"

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.contact_name}"
