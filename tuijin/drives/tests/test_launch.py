"""Launching a drive: one transaction, refused as a whole on any bad part."""

import datetime as dt
from decimal import Decimal

import pytest

from tuijin.drives import services
from tuijin.drives.models import Campaign, Measure, Target, TaskForce, TaskForceProject, Trajectory

from .conftest import START, launch


def test_a_drive_is_launched_with_its_task_forces_projects_and_targets(county, majors):
    drive = launch(county, majors)
    assert drive.days == 100
    assert [tf.name for tf in drive.task_forces.all()] == ["工业项目推进组", "基础设施推进组"]
    industry = drive.task_forces.get(name="工业项目推进组")
    assert set(industry.projects.all()) == set(majors[:2])
    assert {p.title for p in drive.leading_group.all()} == {"县委书记", "副县长"}
    investment = drive.targets.get(name="完成投资")
    assert investment.task_force == industry
    assert investment.unit_label == "万元"
    assert drive.targets.get(name="新开工项目").task_force is None


def test_the_end_date_defaults_to_a_hundred_days(county, majors):
    drive = launch(county, majors, end_date=None)
    assert drive.end_date == dt.date(2026, 12, 9)


def test_a_drive_ending_before_it_starts_is_refused(county, majors):
    with pytest.raises(services.DriveRuleError, match="结束日期不能早于开始日期"):
        launch(county, majors, end_date=START - dt.timedelta(days=1))
    assert not Campaign.objects.exists()


def test_a_project_in_two_task_forces_of_one_drive_is_refused_and_nothing_is_saved(county, majors):
    task_forces = [
        services.TaskForceSpec("工业项目推进组", None, [], majors[:2]),
        services.TaskForceSpec("基础设施推进组", None, [], majors[1:3]),
    ]
    with pytest.raises(services.DriveRuleError) as info:
        launch(county, majors, task_forces=task_forces)
    assert info.value.message == (
        "项目「清溪大道改造工程」已分配给专项小组「工业项目推进组」，"
        "一个重大项目在同一行动中只能属于一个专项小组"
    )
    assert not Campaign.objects.exists()
    assert not TaskForce.objects.exists()


def test_the_database_also_refuses_a_second_owner_in_the_same_drive(county, majors):
    drive = launch(county, majors)
    other = drive.task_forces.get(name="基础设施推进组")
    with pytest.raises(services.DriveRuleError, match="已分配给专项小组「工业项目推进组」"):
        services.task_force_add_project(task_force=other, project=majors[0])
    assert TaskForceProject.objects.filter(project=majors[0]).count() == 1


def test_a_project_may_belong_to_task_forces_of_different_drives(county, majors):
    launch(county, majors)
    second = launch(
        county, majors, name="2027年春季攻坚行动", start_date=dt.date(2027, 3, 1), end_date=None
    )
    assert TaskForceProject.objects.filter(project=majors[0]).count() == 2
    assert second.end_date == dt.date(2027, 6, 8)


def test_only_major_projects_are_given_to_task_forces(county, majors):
    task_forces = [services.TaskForceSpec("工业项目推进组", None, [], [majors[4]])]
    with pytest.raises(services.DriveRuleError, match="「村道硬化」不是重大项目"):
        launch(county, majors, task_forces=task_forces)


def test_a_project_of_another_county_is_refused(county, other_county, majors):
    from tuijin.projects.tests.conftest import make_project

    foreign = make_project(other_county, name="云岭水库", is_major=True)
    task_forces = [services.TaskForceSpec("工业项目推进组", None, [], [foreign])]
    with pytest.raises(services.DriveRuleError, match="「云岭水库」不属于清溪县"):
        launch(county, majors, task_forces=task_forces)


def test_a_weekly_plan_that_does_not_reach_the_target_is_refused(county, majors):
    plan = [Decimal(v) for v in range(1, 16)]  # 15 weeks, ends at 15
    targets = [
        services.TargetSpec(
            "签约项目", Measure.PROJECTS_SIGNED, Decimal(20), Trajectory.WEEKLY, plan
        )
    ]
    with pytest.raises(services.DriveRuleError) as info:
        launch(county, majors, targets=targets)
    assert info.value.message == "目标「签约项目」：计划轨迹的终值必须等于目标值"
    assert not Target.objects.exists()


def test_a_weekly_plan_ending_at_the_target_is_kept(county, majors):
    plan = [Decimal(v) for v in range(2, 32, 2)]  # 15 weeks: 2 … 30
    targets = [
        services.TargetSpec(
            "签约项目", Measure.PROJECTS_SIGNED, Decimal(30), Trajectory.WEEKLY, plan
        )
    ]
    drive = launch(county, majors, targets=targets)
    assert drive.targets.get().weekly_plan[-1] == "30"


def test_county_only_measures_cannot_be_split_to_a_task_force(county, majors):
    targets = [
        services.TargetSpec("办结诉求", Measure.REQUESTS_RESOLVED, Decimal(50), task_force=0)
    ]
    with pytest.raises(services.DriveRuleError, match="「办结企业诉求数」只能作为全县目标"):
        launch(county, majors, targets=targets)


def test_duplicate_task_force_names_are_refused(county, majors):
    task_forces = [
        services.TaskForceSpec("推进组", None, [], majors[:1]),
        services.TaskForceSpec("推进组", None, [], majors[1:2]),
    ]
    with pytest.raises(services.DriveRuleError, match="专项小组「推进组」重复"):
        launch(county, majors, task_forces=task_forces)


def test_a_custom_target_takes_monthly_actuals_a_computed_one_does_not(county, drive):
    custom = drive.targets.get(measure=Measure.CUSTOM)
    office = county.users["project_office"]
    services.monthly_actual_record(
        acting_user=office, target=custom, month=dt.date(2026, 9, 15), value=Decimal(80)
    )
    services.monthly_actual_record(
        acting_user=office, target=custom, month=dt.date(2026, 9, 1), value=Decimal(90)
    )
    assert [(a.month, a.value) for a in custom.monthly_actuals.all()] == [
        (dt.date(2026, 9, 1), Decimal(90))
    ]
    computed = drive.targets.get(measure=Measure.PROJECTS_STARTED)
    with pytest.raises(services.DriveRuleError, match="由系统根据业务记录自动计算"):
        services.monthly_actual_record(
            acting_user=office, target=computed, month=dt.date(2026, 9, 1), value=Decimal(1)
        )
    with pytest.raises(services.DriveRuleError, match="月份不在行动期限内"):
        services.monthly_actual_record(
            acting_user=office, target=custom, month=dt.date(2027, 1, 1), value=Decimal(1)
        )


def test_the_launch_and_a_typed_actual_are_in_the_audit_trail(county, drive):
    from auditlog.models import LogEntry

    assert LogEntry.objects.get_for_object(drive).filter(action=LogEntry.Action.CREATE).exists()
    custom = drive.targets.get(measure=Measure.CUSTOM)
    actual = services.monthly_actual_record(
        acting_user=county.users["project_office"],
        target=custom,
        month=dt.date(2026, 10, 1),
        value=Decimal(50),
    )
    assert LogEntry.objects.get_for_object(actual).exists()
