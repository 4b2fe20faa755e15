"""The rules of the request pool, as the office, units and enterprises meet them.

Dates are literal: computed once with ``tuijin workdays add`` on the official 2026 calendar
(National Day Oct 1–7 with Sep 28 and Oct 10 worked, Mid-Autumn Sep 25; Spring Festival
Feb 15–23 with Feb 14 and Feb 28 worked).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from tuijin.appeals import deadlines, services
from tuijin.appeals.models import Appeal, AppealAttachment, AppealEvent, DeadlineRule
from tuijin.core.models import Notification
from tuijin.enterprises.models import Visit, VisitOpinion

from .conftest import dispatched, receive, replied

pytestmark = pytest.mark.django_db
D = dt.date
Kind = AppealEvent.Kind


# --- intake ------------------------------------------------------------------


def test_receive_numbers_per_county_and_year_and_records_the_event(world):
    first = receive(world)
    second = receive(world, title="第二件")
    assert (first.code, second.code) == ("诉〔2026〕1号", "诉〔2026〕2号")
    assert first.status == Appeal.Status.NEW
    assert first.region == world.county.region
    assert first.enterprise_name == "清溪精密机械有限公司"
    assert list(first.events.values_list("kind", flat=True)) == [Kind.RECEIVED]


def test_forbidden_attachment_type_is_refused_and_nothing_stored(world):
    bad = SimpleUploadedFile("invoice.exe", b"MZ...")
    with pytest.raises(services.AppealRuleError) as err:
        receive(world, files=[bad])
    assert "类型不支持" in err.value.message
    assert Appeal.objects.count() == 0


def test_too_large_attachment_is_refused(world):
    big = SimpleUploadedFile("plan.pdf", b"0" * (10 * 1024 * 1024 + 1))
    with pytest.raises(services.AppealRuleError, match="超过 10 MB"):
        receive(world, files=[big])
    assert Appeal.objects.count() == 0


def test_accepted_attachment_is_kept_with_the_intake_event(world):
    appeal = receive(world, files=[SimpleUploadedFile("电力报装单.pdf", b"%PDF-1.4")])
    attached = AppealAttachment.objects.get(appeal=appeal)
    assert attached.name == "电力报装单.pdf"
    assert attached.event.kind == Kind.RECEIVED


def test_hotline_number_is_required_and_unique(world):
    with pytest.raises(services.AppealRuleError, match="工单编号"):
        receive(world, source=Appeal.Source.HOTLINE)
    first = receive(world, source=Appeal.Source.HOTLINE, hotline_number="QX2026100001")
    with pytest.raises(services.AppealRuleError, match=f"已登记为{first.code}"):
        receive(world, source=Appeal.Source.HOTLINE, hotline_number="QX2026100001")


def test_enterprise_account_registers_only_for_itself(world):
    appeal = services.appeal_receive(
        acting_user=world.own_account,
        source=Appeal.Source.LEADER,
        enterprise=world.other,  # ignored: the account's own enterprise is used
        kind=Appeal.Kind.CONSULT,
        topic=Appeal.Topic.POLICY,
        title="技改补贴何时兑现",
        text="去年技改项目的补贴什么时候兑现？",
    )
    assert appeal.enterprise == world.own
    assert appeal.source == Appeal.Source.PORTAL
    assert appeal.contact_name == "王经理"


def test_unit_staff_cannot_register(world):
    with pytest.raises(services.AppealRuleError, match="没有登记企业诉求的权限"):
        receive(world, acting_user=world.township_staff)


def test_visit_opinion_becomes_a_request_once(world):
    visit = Visit.objects.create(
        enterprise=world.own, visited_on=D(2026, 9, 22), situation="生产正常"
    )
    opinion = VisitOpinion.objects.create(
        visit=visit, text="希望协调解决职工子女入学问题", measure="教育局一周内回复"
    )
    appeal = services.appeal_from_opinion(
        world.office, opinion, Appeal.Kind.HELP, Appeal.Topic.LABOUR
    )
    assert appeal.source == Appeal.Source.VISIT
    assert appeal.received_on == D(2026, 9, 22)
    assert "现场商定措施：教育局一周内回复" in appeal.text
    opinion.refresh_from_db()
    assert opinion.appeal == appeal
    with pytest.raises(services.AppealRuleError, match="已经转为诉求"):
        services.appeal_from_opinion(world.office, opinion, Appeal.Kind.HELP, Appeal.Topic.LABOUR)


# --- deadlines ---------------------------------------------------------------


def test_default_deadlines_per_class_and_urgency():
    assert deadlines.DEFAULTS[("consult", "normal")] == (1, 3, 5)
    assert deadlines.DEFAULTS[("help", "normal")] == (1, 3, 5)
    for kind in ("complaint", "suggestion", "report"):
        assert deadlines.DEFAULTS[(kind, "normal")] == (1, 3, 15)
    for kind in Appeal.Kind.values:
        assert deadlines.DEFAULTS[(kind, "urgent")] == (0, 0, 1)


def test_dues_across_national_day(world):
    appeal = dispatched(world, on=D(2026, 9, 30), kind=Appeal.Kind.COMPLAINT)
    assert (appeal.accept_due, appeal.reply_due, appeal.resolve_due) == (
        D(2026, 10, 8),
        D(2026, 10, 10),  # the make-up Saturday counts
        D(2026, 10, 27),
    )
    assert appeal.due_provisional is False


def test_dues_across_spring_festival(world):
    appeal = dispatched(world, on=D(2026, 2, 13), received_on=D(2026, 2, 12))
    assert (appeal.accept_due, appeal.reply_due, appeal.resolve_due) == (
        D(2026, 2, 14),
        D(2026, 2, 25),
        D(2026, 2, 27),
    )


def test_urgent_is_the_same_day_or_the_next_working_day(world):
    on_workday = dispatched(world, on=D(2026, 9, 30), urgency=Appeal.Urgency.URGENT)
    assert (on_workday.accept_due, on_workday.reply_due, on_workday.resolve_due) == (
        D(2026, 9, 30),
        D(2026, 9, 30),
        D(2026, 10, 8),
    )
    in_holiday = dispatched(world, on=D(2026, 10, 3), urgency=Appeal.Urgency.URGENT)
    assert (in_holiday.accept_due, in_holiday.reply_due, in_holiday.resolve_due) == (
        D(2026, 10, 8),
        D(2026, 10, 8),
        D(2026, 10, 8),
    )


def test_county_rule_replaces_the_default(world):
    services.deadline_rules_save(
        world.office, world.county.region.pk, {("help", "normal"): (1, 2, 10)}
    )
    appeal = dispatched(world, on=D(2026, 9, 30))
    assert appeal.reply_due == D(2026, 10, 9)
    assert appeal.resolve_due == deadlines.due_after(D(2026, 9, 30), 10).value


def test_rules_must_be_ordered_and_bounded(world):
    region = world.county.region.pk
    with pytest.raises(services.AppealRuleError, match="签收 ≤ 首次答复 ≤ 办结"):
        services.deadline_rules_save(world.office, region, {("help", "normal"): (3, 1, 5)})
    with pytest.raises(services.AppealRuleError, match="0 到 60"):
        services.deadline_rules_save(world.office, region, {("help", "normal"): (1, 3, 61)})
    assert DeadlineRule.objects.count() == 0
    with pytest.raises(services.AppealRuleError, match="只有企业服务办"):
        services.deadline_rules_save(world.township_staff, region, {("help", "normal"): (1, 2, 3)})


# --- dispatch and send back --------------------------------------------------


def test_dispatch_tells_the_lead_unit_and_only_the_office_may(world):
    appeal = receive(world)
    with pytest.raises(services.AppealRuleError, match="只有企业服务办"):
        services.appeal_dispatch(world.township_staff, appeal, world.county.township)
    services.appeal_dispatch(world.office, appeal, world.county.township, on_date=D(2026, 9, 30))
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.DISPATCHED
    assert Notification.objects.filter(
        recipient=world.township_staff, title__contains=appeal.code
    ).exists()


def test_send_back_within_one_working_day_returns_to_the_pool(world):
    appeal = dispatched(world, on=D(2026, 9, 30))
    services.appeal_send_back(
        world.township_staff, appeal, "用电报装归供电公司，不属本镇", on_date=D(2026, 10, 8)
    )
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.NEW
    assert appeal.lead_unit is None and appeal.resolve_due is None
    assert appeal.events.filter(kind=Kind.SENT_BACK, text__contains="不属本镇").exists()
    assert Notification.objects.filter(
        recipient=world.office, title__startswith="诉求被退回"
    ).exists()
    again = services.appeal_dispatch(
        world.office, appeal, world.county.department, on_date=D(2026, 10, 9)
    )
    assert again.lead_unit == world.county.department
    assert again.events.filter(kind=Kind.DISPATCHED, text__startswith="重新分派").exists()


def test_send_back_after_one_working_day_is_refused(world):
    appeal = dispatched(world, on=D(2026, 9, 30))
    with pytest.raises(services.AppealRuleError, match="2026-10-08"):
        services.appeal_send_back(world.township_staff, appeal, "不属本镇", on_date=D(2026, 10, 9))
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.DISPATCHED


def test_send_back_needs_a_reason_and_the_lead_unit(world):
    appeal = dispatched(world)
    with pytest.raises(services.AppealRuleError, match="退回理由"):
        services.appeal_send_back(world.township_staff, appeal, " ", on_date=D(2026, 9, 30))
    other = world.county.users["other_staff"]
    with pytest.raises(services.AppealRuleError, match="不是分派给本单位"):
        services.appeal_send_back(other, appeal, "不属本镇", on_date=D(2026, 9, 30))


# --- reply, rating, follow-up --------------------------------------------------


def test_reply_needs_acceptance_first(world):
    appeal = dispatched(world)
    with pytest.raises(services.AppealRuleError, match="请先签收"):
        services.appeal_reply(world.township_staff, appeal, "已处理")


def test_reply_after_resolve_is_refused(world):
    appeal = replied(world)
    services.appeal_rate(world.own_account, appeal, Appeal.Rating.SATISFIED)
    with pytest.raises(services.AppealRuleError, match="诉求已办结，不能再答复"):
        services.appeal_reply(world.township_staff, appeal, "补充答复")
    assert appeal.events.filter(kind=Kind.REPLIED).count() == 1


def test_rating_by_the_owner_resolves(world):
    appeal = replied(world)
    assert appeal.status == Appeal.Status.REPLIED
    assert appeal.first_reply_on == D(2026, 10, 9)
    services.appeal_rate(
        world.own_account, appeal, Appeal.Rating.BASIC, "接电了", on_date=D(2026, 10, 12)
    )
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.RESOLVED
    assert appeal.rating == Appeal.Rating.BASIC
    assert appeal.resolved_on == D(2026, 10, 12)


def test_unsatisfied_reopens_counts_and_sets_fresh_dues(world):
    appeal = replied(world)
    services.appeal_rate(
        world.own_account, appeal, Appeal.Rating.UNSATISFIED, "仍未送电", on_date=D(2026, 10, 12)
    )
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.ACCEPTED
    assert appeal.reopen_count == 1
    assert (appeal.reply_due, appeal.resolve_due) == (D(2026, 10, 15), D(2026, 10, 19))
    assert appeal.events.filter(kind=Kind.REOPENED).count() == 1
    services.appeal_reply(world.township_staff, appeal, "已送电", on_date=D(2026, 10, 13))
    services.appeal_rate(world.own_account, appeal, Appeal.Rating.UNSATISFIED)
    appeal.refresh_from_db()
    assert appeal.reopen_count == 2


def test_another_enterprise_rating_is_not_found_and_changes_nothing(world):
    appeal = replied(world)
    with pytest.raises(Http404):
        services.appeal_rate(world.other_account, appeal, Appeal.Rating.UNSATISFIED)
    appeal.refresh_from_db()
    assert (appeal.status, appeal.rating, appeal.reopen_count) == (Appeal.Status.REPLIED, "", 0)


def test_office_records_a_follow_up_call(world):
    appeal = replied(world)
    with pytest.raises(services.AppealRuleError, match="只有提出诉求的企业"):
        services.appeal_rate(world.office, appeal, Appeal.Rating.SATISFIED)
    services.appeal_follow_up(world.office, appeal, Appeal.Rating.SATISFIED, "电话回访，企业满意")
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.RESOLVED
    assert appeal.events.filter(kind=Kind.FOLLOW_UP, text__contains="电话回访").exists()


# --- extension ---------------------------------------------------------------


def test_extension_once_approved_by_the_office(world):
    appeal = dispatched(world, on=D(2026, 9, 30), kind=Appeal.Kind.COMPLAINT)
    staff = world.township_staff
    services.appeal_accept(staff, appeal, on_date=D(2026, 9, 30))
    services.appeal_ask_extension(staff, appeal, 5, "需等待供电线路改造")
    with pytest.raises(services.AppealRuleError, match="只能申请一次"):
        services.appeal_ask_extension(staff, appeal, 3, "再延一次")
    with pytest.raises(services.AppealRuleError, match="只有企业服务办"):
        services.appeal_decide_extension(staff, appeal, True)
    services.appeal_decide_extension(world.office, appeal, True, "同意")
    appeal.refresh_from_db()
    assert appeal.resolve_due == D(2026, 11, 3)  # 2026-10-27 + 5 working days
    assert appeal.extended is True
    kinds = list(appeal.events.values_list("kind", flat=True))
    assert Kind.EXTENSION_ASKED in kinds and Kind.EXTENSION_APPROVED in kinds
    with pytest.raises(services.AppealRuleError, match="没有待审批的延期申请"):
        services.appeal_decide_extension(world.office, appeal, True)


def test_refused_extension_needs_a_reason_and_keeps_the_date(world):
    appeal = dispatched(world, on=D(2026, 9, 30))
    services.appeal_ask_extension(world.township_staff, appeal, 3, "人手不足")
    with pytest.raises(services.AppealRuleError, match="说明理由"):
        services.appeal_decide_extension(world.office, appeal, False)
    services.appeal_decide_extension(world.office, appeal, False, "时限内可以办完")
    appeal.refresh_from_db()
    assert appeal.resolve_due == D(2026, 10, 13) and appeal.extended is False
    with pytest.raises(services.AppealRuleError, match="只能申请一次"):
        services.appeal_ask_extension(world.township_staff, appeal, 2, "再申请")


def test_each_opinion_heard_on_a_visit_becomes_a_request(world):
    from tuijin.core.roles import Role
    from tuijin.enterprises.pairing import visit_record

    county = world.county
    leader = county.users[Role.LEADER]
    visit = visit_record(
        world.own,
        visitors=[county.people[Role.LEADER]],
        visited_on=dt.date(2026, 11, 20),
        situation="订单饱满",
        opinions=[
            ("希望协调流动资金贷款授信", "金融办两周内组织银企对接"),
            ("二期用地指标未落实", ""),
        ],
        acting_user=leader,
    )
    appeals = {a.visit_opinion.text: a for a in Appeal.objects.filter(visit_opinion__visit=visit)}
    assert set(appeals) == {"希望协调流动资金贷款授信", "二期用地指标未落实"}
    loan = appeals["希望协调流动资金贷款授信"]
    assert (loan.source, loan.status, loan.enterprise) == ("visit", "new", world.own)
    assert (loan.received_on, loan.created_by) == (dt.date(2026, 11, 20), leader)
    assert "现场商定措施：金融办两周内组织银企对接" in loan.text
    assert loan.topic == Appeal.Topic.FINANCING  # suggested from the words 贷款、授信
    assert appeals["二期用地指标未落实"].topic == Appeal.Topic.LAND
    assert (
        Notification.objects.filter(
            recipient=world.office, title__startswith="新的企业诉求"
        ).count()
        == 2
    )


def test_a_visit_recorded_without_an_account_leaves_opinions_for_the_office(world):
    from tuijin.core.roles import Role
    from tuijin.enterprises.pairing import visit_record

    visit = visit_record(
        world.own,
        visitors=[world.county.people[Role.LEADER]],
        visited_on=dt.date(2026, 11, 20),
        situation="订单饱满",
        opinions=[("希望协调流动资金贷款", "")],
    )
    assert not Appeal.objects.filter(visit_opinion__visit=visit).exists()
