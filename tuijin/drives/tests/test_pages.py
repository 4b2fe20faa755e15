"""Pages: the list, the one-page launch form, the drive page, custom actuals; and who sees what."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from tuijin.core.roles import Role
from tuijin.drives.models import Campaign, Measure, MonthlyActual

from .conftest import launch


@pytest.fixture
def running(county, majors):
    """A drive at its 60th day today."""
    start = timezone.localdate() - dt.timedelta(days=59)
    return launch(county, majors, start_date=start, end_date=None)


def form_data(county, majors, **overrides):
    """The launch form as the browser posts it: two task forces, three target rows."""
    data = {
        "name": "冬季项目攻坚行动",
        "start_date": "2026-11-01",
        "end_date": "",
        "leading_group": [county.people[Role.PRINCIPAL].pk],
        "office": county.department.pk,
        "description": "",
        "tf-TOTAL_FORMS": "3",
        "tf-INITIAL_FORMS": "0",
        "tf-MIN_NUM_FORMS": "0",
        "tf-MAX_NUM_FORMS": "12",
        "tf-0-name": "工业项目推进组",
        "tf-0-head": county.people[Role.LEADER].pk,
        "tf-0-members": [county.people[Role.PROJECT_OFFICE].pk],
        "tf-0-projects": [majors[0].pk, majors[1].pk],
        "tf-1-name": "基础设施推进组",
        "tf-1-projects": [majors[2].pk],
        "tg-TOTAL_FORMS": "3",
        "tg-INITIAL_FORMS": "0",
        "tg-MIN_NUM_FORMS": "0",
        "tg-MAX_NUM_FORMS": "40",
        "tg-0-name": "新开工项目",
        "tg-0-task_force": "",
        "tg-0-measure": Measure.PROJECTS_STARTED,
        "tg-0-value": "6",
        "tg-0-trajectory": "linear",
        "tg-1-name": "工业组完成投资",
        "tg-1-task_force": "0",
        "tg-1-measure": Measure.INVESTMENT,
        "tg-1-value": "5000",
        "tg-1-trajectory": "s_curve",
        "tg-2-name": "",  # a blank row, as the browser posts it
        "tg-2-task_force": "",
        "tg-2-measure": "",
        "tg-2-value": "",
        "tg-2-trajectory": "linear",
        "tg-2-weekly_plan": "",
    }
    data.update(overrides)
    return data


def test_the_office_launches_a_drive_in_one_form(county, majors, client_for):
    client = client_for(county.users[Role.PROJECT_OFFICE])
    page = client.get("/drives/launch/")
    assert page.status_code == 200
    assert "负责的重大项目" in page.content.decode()
    response = client.post("/drives/launch/", form_data(county, majors))
    drive = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/drives/{drive.pk}/"
    assert drive.end_date == dt.date(2027, 2, 8)  # 100 days from 1 November
    assert [tf.name for tf in drive.task_forces.all()] == ["工业项目推进组", "基础设施推进组"]
    target = drive.targets.get(name="工业组完成投资")
    assert target.task_force.name == "工业项目推进组"
    assert target.trajectory == "s_curve"
    assert drive.targets.count() == 2


def _options(text: str, name: str) -> list[str]:
    """The labels offered by the select named ``name``."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', text, re.S).group(1)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def test_every_task_force_row_offers_the_countys_people_and_major_projects(
    county, majors, other_county, client_for
):
    """The rows (and the blank one 「添加专项小组」 copies) share lists read once."""
    text = client_for(county.users[Role.PROJECT_OFFICE]).get("/drives/launch/").content.decode()
    heads = _options(text, "tf-0-head")
    leader, staff = county.people[Role.LEADER], county.people[Role.UNIT_STAFF]
    assert f"{leader.name}（{leader.title}）" in heads
    assert not any(label.startswith(f"{staff.name}（") for label in heads)  # not a leader
    members = _options(text, "tf-0-members")
    assert any(label.startswith(f"{staff.name}（") for label in members)
    projects = _options(text, "tf-0-projects")
    assert sorted(projects) == sorted(p.name for p in majors if p.is_major)  # 村道硬化: minor
    outsider = other_county.people[Role.LEADER].name
    assert not any(label.startswith(f"{outsider}（") for label in members)
    for row in ("tf-1", "tf-2", "tf-__prefix__"):
        assert _options(text, f"{row}-head") == heads
        assert _options(text, f"{row}-members") == members
        assert _options(text, f"{row}-projects") == projects
    # The leading group offers the same county leaders (labelled with their unit too).
    names = [label.split("（")[0] for label in _options(text, "leading_group")]
    assert names == [label.split("（")[0] for label in heads[1:]]  # heads: a blank first


def test_a_project_in_two_task_forces_re_renders_the_form_with_the_message(
    county, majors, client_for
):
    client = client_for(county.users[Role.PROJECT_OFFICE])
    data = form_data(county, majors, **{"tf-1-projects": [majors[1].pk]})
    response = client.post("/drives/launch/", data)
    assert response.status_code == 200
    assert "一个重大项目在同一行动中只能属于一个专项小组" in response.content.decode()
    assert "冬季项目攻坚行动" in response.content.decode()  # what was typed stays
    assert not Campaign.objects.exists()


def test_an_end_before_the_start_is_shown_on_the_field(county, majors, client_for):
    client = client_for(county.users[Role.PROJECT_OFFICE])
    response = client.post("/drives/launch/", form_data(county, majors, end_date="2026-10-01"))
    assert "结束日期不能早于开始日期" in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_weekly_plan_not_reaching_the_target_is_refused_in_the_form(county, majors, client_for):
    client = client_for(county.users[Role.PROJECT_OFFICE])
    weeks = ",".join(str(v) for v in range(1, 16))  # 15 weeks ending at 15, target 6
    data = form_data(county, majors, **{"tg-0-trajectory": "weekly", "tg-0-weekly_plan": weeks})
    response = client.post("/drives/launch/", data)
    assert "目标「新开工项目」：计划轨迹的终值必须等于目标值" in response.content.decode()
    assert not Campaign.objects.exists()


def test_the_drive_page_shows_countdown_targets_ranking_and_lagging(running, client_for, county):
    page = client_for(county.users[Role.PRINCIPAL]).get(f"/drives/{running.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "距行动结束还有" in text and "第 60 天 / 共 100 天" in text
    assert text.count('data-testid="target-chart"') == 3
    assert "按当前进度无法在期限内完成" in text
    assert "工业项目推进组" in text and "智能装备制造产业园" in text  # red light, lagging
    assert 'id="drive-data"' in text
    assert "<script>" not in text  # charts read json_script data from a static file


def test_the_office_types_a_custom_monthly_actual(running, client_for, county):
    custom = running.targets.get(measure=Measure.CUSTOM)
    client = client_for(county.users[Role.PROJECT_OFFICE])
    month = timezone.localdate().strftime("%Y-%m")
    response = client.post(
        f"/drives/{running.pk}/targets/{custom.pk}/actual/", {"month": month, "value": "45"}
    )
    assert response.status_code == 302
    assert MonthlyActual.objects.get().value == Decimal(45)
    page = client.get(f"/drives/{running.pk}/").content.decode()
    assert "已记录「新增就业岗位」" in page
    # a computed target refuses typed actuals
    computed = running.targets.get(measure=Measure.PROJECTS_STARTED)
    client.post(
        f"/drives/{running.pk}/targets/{computed.pk}/actual/", {"month": month, "value": "4"}
    )
    assert MonthlyActual.objects.count() == 1


def test_county_leaders_see_drives_but_cannot_launch(running, client_for, county):
    client = client_for(county.users[Role.LEADER])
    assert "2026年重大项目百日集中推进行动" in client.get("/drives/").content.decode()
    assert client.get(f"/drives/{running.pk}/").status_code == 200
    assert client.get("/drives/launch/").status_code == 403
    custom = running.targets.get(measure=Measure.CUSTOM)
    response = client.post(
        f"/drives/{running.pk}/targets/{custom.pk}/actual/", {"month": "2026-10", "value": "1"}
    )
    assert response.status_code == 403


def test_unit_staff_and_other_counties_do_not_see_the_drive(
    running, client_for, county, other_county
):
    assert client_for(county.users[Role.UNIT_STAFF]).get("/drives/").status_code == 403
    outsider = client_for(other_county.users[Role.PRINCIPAL])
    assert "百日集中推进行动" not in outsider.get("/drives/").content.decode()
    assert outsider.get(f"/drives/{running.pk}/").status_code == 404
    assert outsider.get(f"/drives/{running.pk}/report.docx").status_code == 404
