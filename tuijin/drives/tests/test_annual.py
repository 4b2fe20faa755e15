"""Annual targets (全年目标任务): bound to measures, progress against the time elapsed."""

import datetime as dt
from decimal import Decimal

import pytest

from tuijin.core.roles import Role
from tuijin.drives import services
from tuijin.drives.models import AnnualTarget, Measure
from tuijin.projects.models import ProgressReport, Stage
from tuijin.projects.tests.conftest import make_project

TODAY = dt.date(2026, 10, 15)  # nine months ended: 序时 75 %


def save(county, **fields):
    defaults = {
        "region": county.region,
        "year": 2026,
        "name": "固定资产投资",
        "measure": Measure.INVESTMENT,
        "value": Decimal(2000),
    }
    defaults.update(fields)
    return services.annual_target_save(**defaults)


def test_progress_is_measured_from_records_and_compared_with_time_elapsed(county):
    project = make_project(county)
    for month, invested in [(1, 600), (5, 400), (9, 200)]:
        ProgressReport.objects.create(
            project=project,
            period=dt.date(2026, month, 1),
            progress_text="推进中",
            invested=Decimal(invested),
        )
    ProgressReport.objects.create(
        project=project, period=dt.date(2025, 12, 1), progress_text="上年", invested=Decimal(999)
    )
    make_project(county, name="签约项目", stage=Stage.SIGNED, signed_on=dt.date(2026, 3, 3))
    investment = save(county)
    signed = save(county, name="签约项目", measure=Measure.PROJECTS_SIGNED, value=Decimal(4))
    rows = services.annual_figures([investment, signed], TODAY)
    assert rows[0]["actual"] == 1200
    assert rows[0]["percent"] == Decimal("60.0")
    assert rows[0]["elapsed"] == Decimal("75.0")
    assert rows[0]["gap"] == Decimal("-15.0") and rows[0]["behind"]
    assert investment.unit_label == "万元"
    assert rows[1]["actual"] == 1 and rows[1]["percent"] == Decimal("25.0")


def test_a_typed_actual_is_only_for_custom_targets(county):
    with pytest.raises(services.DriveRuleError, match="由系统根据业务记录自动计算"):
        save(county, manual_actual=Decimal(10))
    with pytest.raises(services.DriveRuleError, match="全年目标值必须大于 0"):
        save(county, value=Decimal(0))
    save(county)
    with pytest.raises(services.DriveRuleError, match="2026年已有名为「固定资产投资」的目标"):
        save(county)
    assert AnnualTarget.objects.count() == 1


def test_the_office_adds_a_target_on_the_page_and_others_only_read(county, client_for):
    office = client_for(county.users[Role.PROJECT_OFFICE])
    data = {
        "year": "2026",
        "name": "新增规上企业",
        "measure": Measure.NEW_ABOVE_SCALE,
        "value": "12",
        "unit_label": "",
        "manual_actual": "",
    }
    response = office.post("/drives/annual/", data)
    assert response.status_code == 302
    page = office.get("/drives/annual/?year=2026").content.decode()
    assert "新增规上企业" in page and "12 家" in page
    bad = office.post("/drives/annual/", {**data, "name": "外资", "value": "-1"})
    assert bad.status_code == 400 and "确保该值大于或等于" in bad.content.decode()
    assert AnnualTarget.objects.count() == 1
    leader = client_for(county.users[Role.LEADER])
    assert "新增规上企业" in leader.get("/drives/annual/?year=2026").content.decode()
    assert leader.post("/drives/annual/", {**data, "name": "别的"}).status_code == 403
    target = AnnualTarget.objects.get()
    assert leader.get(f"/drives/annual/{target.pk}/edit/").status_code == 403
    office = client_for(county.users[Role.PROJECT_OFFICE])  # one test client: sign back in
    edited = office.post(f"/drives/annual/{target.pk}/edit/", {**data, "value": "15"})
    assert edited.status_code == 302
    target.refresh_from_db()
    assert target.value == 15
