"""The demo: a drive at its 60th day of 100, three task forces, every measure kind, and this
year's annual targets."""

import datetime as dt

import pytest
from django.utils import timezone

from tuijin.core.demo import seed_demo
from tuijin.core.models import User
from tuijin.drives import services
from tuijin.drives.demo import seed_drives
from tuijin.drives.models import AnnualTarget, Campaign, Measure, TaskForceProject
from tuijin.projects.demo import seed_projects

pytestmark = pytest.mark.django_db


def test_demo_drive_is_running_at_day_sixty_with_three_task_forces(monkeypatch, client):
    monkeypatch.setattr("tuijin.core.demo.SEEDERS", [seed_projects, seed_drives])
    seed_demo()
    today = timezone.localdate()
    drive = Campaign.objects.get()
    status = services.drive_status(drive, today)
    assert (status["day"], status["days"], status["state"]) == (60, 100, "进行中")
    assert drive.task_forces.count() == 3
    assert all(tf.owned.exists() for tf in drive.task_forces.all())
    owned = TaskForceProject.objects.filter(campaign=drive)
    assert owned.count() == owned.values("project").distinct().count()
    assert set(drive.targets.values_list("measure", flat=True)) >= {
        Measure.PROJECTS_SIGNED,
        Measure.PROJECTS_STARTED,
        Measure.INVESTMENT,
        Measure.ENTERPRISES_VISITED,
        Measure.REQUESTS_RESOLVED,
        Measure.LEADS_SIGNED,
        Measure.CUSTOM,
    }
    assert drive.targets.exclude(task_force=None).count() == 3
    assert drive.targets.get(measure=Measure.CUSTOM).monthly_actuals.exists()
    figures = services.drive_figures(services.campaign_queryset(Campaign.objects).get(), today)
    assert any(f.actual > 0 for f in figures["targets"])
    annual = AnnualTarget.objects.filter(year=today.year)
    assert annual.count() == 6
    assert annual.filter(measure=Measure.INVESTMENT, value__gt=0).exists()
    rows = services.annual_figures(list(annual), today)
    assert any(r["actual"] > 0 for r in rows)
    assert drive.start_date == today - dt.timedelta(days=59)

    client.force_login(User.objects.get(username="principal"))
    page = client.get(f"/drives/{drive.pk}/").content.decode()
    assert "第 60 天 / 共 100 天" in page and "工业项目推进组" in page
    assert client.get(f"/drives/{drive.pk}/report.docx").status_code == 200
    assert drive.name in client.get("/cockpit/").content.decode()
    assert "固定资产投资" in client.get("/drives/annual/").content.decode()
