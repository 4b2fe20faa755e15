"""The read-only API: drives, task forces, targets with computed figures, annual targets."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from tuijin.core.roles import Role
from tuijin.drives import services
from tuijin.drives.models import Measure

from .conftest import launch


def test_targets_come_with_plan_actual_and_forecast(county, majors, started, client_for):
    start = timezone.localdate() - dt.timedelta(days=59)
    for project, offset in zip(started[:3], (9, 39, 54), strict=True):
        project.actual_start = start + dt.timedelta(days=offset)
        project.save()
    drive = launch(county, majors, start_date=start, end_date=None)
    client = client_for(county.users[Role.PRINCIPAL])
    drives = client.get("/api/drives/").json()
    assert [d["name"] for d in drives["results"]] == [drive.name]
    assert drives["results"][0]["status"]["left"] == 40
    forces = client.get(f"/api/task-forces/?campaign={drive.pk}").json()["results"]
    assert forces[0]["projects"] == [majors[0].pk, majors[1].pk]
    targets = client.get(f"/api/targets/?campaign={drive.pk}").json()["results"]
    starts = next(t for t in targets if t["name"] == "新开工项目")
    assert starts["figures"]["plan"] == 2.4
    assert starts["figures"]["actual"] == 3.0
    assert starts["figures"]["gap_points"] == 15.0
    assert starts["figures"]["forecast_text"].startswith("预计")


def test_the_api_is_scoped_and_read_only(county, other_county, majors, client_for):
    drive = launch(county, majors)
    outsider = client_for(other_county.users[Role.PRINCIPAL])
    assert outsider.get("/api/drives/").json()["results"] == []
    response = outsider.get(f"/api/drives/{drive.pk}/")
    assert response.status_code == 404
    staff = client_for(county.users[Role.UNIT_STAFF])
    refused = staff.get("/api/targets/")
    assert refused.status_code == 403
    assert refused.json()["error"] == "permission_denied"
    office = client_for(county.users[Role.PROJECT_OFFICE])
    assert office.delete(f"/api/drives/{drive.pk}/").status_code == 405


def test_annual_targets_with_progress_against_time(county, client_for):
    services.annual_target_save(
        region=county.region,
        year=2026,
        name="实际利用外资",
        measure=Measure.CUSTOM,
        value=Decimal(3000),
        manual_actual=Decimal(1500),
        unit_label="万美元",
    )
    rows = client_for(county.users[Role.LEADER]).get("/api/annual-targets/?year=2026").json()
    figures = rows["results"][0]["figures"]
    assert figures["actual"] == 1500.0 and figures["percent"] == 50.0
