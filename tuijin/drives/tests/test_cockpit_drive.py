"""The cockpit shows the running drive and the annual targets against the time elapsed."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from tuijin.appeals.models import Appeal
from tuijin.core.roles import Role
from tuijin.drives import services
from tuijin.drives.models import Measure
from tuijin.enterprises.pairing import visit_record
from tuijin.enterprises.tests.factories import make_enterprise

from .conftest import launch


def test_the_cockpit_shows_the_running_drive_and_the_annual_targets(county, majors, client_for):
    today = timezone.localdate()
    drive = launch(county, majors, start_date=today - dt.timedelta(days=59), end_date=None)
    services.annual_target_save(
        region=county.region,
        year=today.year,
        name="实际利用外资",
        measure=Measure.CUSTOM,
        value=Decimal(2000),
        manual_actual=Decimal(500),
    )
    client = client_for(county.users[Role.PRINCIPAL])
    pages = {
        "/cockpit/": ('剩余 <strong class="text-red">40</strong> 天', "25.0%"),
        "/cockpit/screen/": ('剩余 <b class="text-red">40</b> 天', "25%"),
    }
    for url, (countdown, percent) in pages.items():
        text = client.get(url).content.decode()
        assert drive.name in text
        assert f'href="/drives/{drive.pk}/"' in text
        assert countdown in text
        assert "新开工项目" in text and "新增就业岗位" in text  # the county-wide targets
        assert "完成投资 <b" not in text and "<td>完成投资</td>" not in text  # task force target
        assert "实际利用外资" in text and percent in text
        assert f"/drives/annual/?year={today.year}" in text


def test_without_a_running_drive_the_cockpit_shows_no_drive(county, majors, client_for):
    launch(county, majors, start_date=dt.date(2020, 1, 1), end_date=None)  # long over
    text = client_for(county.users[Role.PRINCIPAL]).get("/cockpit/").content.decode()
    assert 'data-testid="cockpit-drive"' not in text


def test_another_countys_drive_is_not_on_the_cockpit(county, other_county, majors, client_for):
    today = timezone.localdate()
    drive = launch(county, majors, start_date=today - dt.timedelta(days=10), end_date=None)
    text = client_for(other_county.users[Role.PRINCIPAL]).get("/cockpit/").content.decode()
    assert drive.name not in text


def test_the_cockpits_drive_figures_move_with_a_visit_and_a_resolved_request(
    county, majors, client_for
):
    """The cockpit keeps its figures until a record under them changes: visits and requests
    are counted by the drive's targets too."""
    today = timezone.localdate()
    targets = [
        services.TargetSpec("走访企业", Measure.ENTERPRISES_VISITED, Decimal(10)),
        services.TargetSpec("办结诉求", Measure.REQUESTS_RESOLVED, Decimal(10)),
    ]
    launch(county, majors, start_date=today - dt.timedelta(days=59), end_date=None, targets=targets)
    client = client_for(county.users[Role.PRINCIPAL])

    def shown(name: str) -> str:
        text = client.get("/cockpit/").content.decode()
        cell = text.split(f"<td>{name}</td>")[1]
        return cell.split(">", 1)[1].split(" / ")[0]

    assert shown("走访企业") == "0" and shown("办结诉求") == "0"
    enterprise = make_enterprise(county.region, county.township, 1)
    visit_record(
        enterprise,
        visitors=[county.people[Role.UNIT_STAFF]],
        visited_on=today - dt.timedelta(days=1),
        situation="正常生产",
    )
    assert shown("走访企业") == "1"
    Appeal.objects.create(
        region=county.region,
        year=today.year,
        number=1,
        source=Appeal.Source.PORTAL,
        enterprise_name="清溪精密机械有限公司",
        kind=Appeal.Kind.HELP,
        topic=Appeal.Topic.LAND,
        title="用地指标",
        text="请协调用地指标",
        received_on=today - dt.timedelta(days=20),
        status=Appeal.Status.RESOLVED,
        resolved_on=today,
    )
    assert shown("办结诉求") == "1"
