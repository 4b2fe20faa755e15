"""The project page shows its reports, site checks and their photos, read with the project in
one query (tuijin/projects/detail.py): what each shows must not change with the way of reading."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tuijin.core.roles import Role
from tuijin.projects.models import ProgressReport, Project, StageChange
from tuijin.projects.photos import attach_photos
from tuijin.projects.sitechecks import site_check_record
from tuijin.projects.tests.test_photos import SITE, jpeg, offset_north


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def project(county):
    return Project.objects.create(
        region=county.region,
        name="清溪大道改造工程",
        total_investment=Decimal("1000"),
        address="城关镇清溪大道",
        latitude=SITE[0],
        longitude=SITE[1],
        host_unit=county.township,
        contact_leader=county.people[Role.LEADER],
    )


def _report(project, month: int, year: int = 2026) -> ProgressReport:
    return ProgressReport.objects.create(
        project=project,
        period=dt.date(year, month, 1),
        progress_text=f"{year}年{month}月形象进度",
        invested=Decimal("10.5"),
    )


def test_the_page_shows_the_photos_of_reports_and_site_checks(county, project, media, client_for):
    report = _report(project, 6)
    attach_photos([jpeg(taken="2026:05:03 10:00:00")], report=report, project=project, max_mb=10)
    site_check_record(
        project,
        checker=county.people[Role.LEADER],
        visited_on=dt.date(2026, 6, 10),
        findings="主体结构施工中",
        photos=[jpeg(gps=offset_north(3)), jpeg(gps=None)],
        acting_user=county.users[Role.SUPERVISION],
        today=dt.date(2026, 6, 15),
    )
    page = client_for(county.users[Role.PROJECT_OFFICE]).get(
        reverse("projects:detail", args=[project.pk])
    )
    html = page.content.decode()
    assert "2026年06月 本期完成投资 10.50 万元" in html and "2026年6月形象进度" in html
    assert "拍摄：2026-05-03 10:00（填报期 2026年6月）" in html
    assert "照片拍摄时间 2026-05-03 不在填报期 2026年6月内" in html
    assert f"{county.people[Role.LEADER].name} 2026-06-10 现场察看" in html
    assert html.count("（察看日期 2026-06-10）") == 2
    assert "距项目地点约 3.0 公里" in html and "位置：无拍摄位置" in html
    assert html.count('class="img-thumbnail"') == 3


def test_the_timeline_shows_the_newest_36_reports_with_their_photos(
    county, project, media, client_for
):
    oldest = _report(project, 1, 2020)
    attach_photos([jpeg(taken="2020:01:05 10:00:00")], report=oldest, project=project, max_mb=10)
    for i in range(36):
        _report(project, 1 + i % 12, 2021 + i // 12)
    client = client_for(county.users[Role.PROJECT_OFFICE])
    html = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "2021年1月形象进度" in html and "2023年12月形象进度" in html
    assert "2020年1月形象进度" not in html
    assert 'class="img-thumbnail"' not in html  # the oldest report's photo is not shown either


def test_the_pending_stage_change_and_the_problems_due_soon_show(county, project, client_for):
    from tuijin.projects.models import Problem

    StageChange.objects.create(
        project=project,
        from_stage=project.stage,
        to_stage="started",
        on_date=dt.date(2026, 6, 1),
        proposed_by=county.users[Role.UNIT_STAFF],
    )
    today = dt.date.today()
    for text, deadline, status in (
        ("征地拆迁未完成", today + dt.timedelta(days=1), "open"),
        ("施工许可待办", today + dt.timedelta(days=60), "open"),
        ("电力接入已解决", today - dt.timedelta(days=1), "resolved"),
    ):
        Problem.objects.create(
            project=project,
            description=text,
            responsible_unit=county.township,
            responsible_person=county.people[Role.UNIT_STAFF],
            raised_on=today,
            deadline=deadline,
            status=status,
        )
    client = client_for(county.users[Role.PROJECT_OFFICE])
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert 'data-testid="pending-stage"' in html
    assert f"由 {county.users[Role.UNIT_STAFF]} 提出" in html
    assert "即将到期" in html and html.count("即将到期") == 1
    assert "征地拆迁未完成" in html and "施工许可待办" in html and "电力接入已解决" in html
    assert len(queries) <= 12
