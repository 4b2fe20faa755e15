"""A city above counties: its officials see the counties aggregated and drill down; county
people see only their county, whatever region they ask for."""

import json

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tuijin.core.models import Region, User
from tuijin.core.roles import Role
from tuijin.projects.models import Light
from tuijin.projects.tests.conftest import make_project


@pytest.fixture
def city(county, other_county):
    """青山市 above 清溪县 (2 red, 1 green projects) and 云岭县 (1 yellow), with one official."""
    city = Region.objects.create(name="青山市", code="339900", level=Region.Level.CITY)
    for member in (county, other_county):
        member.region.parent = city
        member.region.save()
    make_project(county, name="清溪甲", light=Light.RED)
    make_project(county, name="清溪乙", light=Light.RED)
    make_project(county, name="清溪丙", light=Light.GREEN)
    make_project(other_county, name="云岭甲", light=Light.YELLOW)
    official = User.objects.create(username="city-principal", region=city)
    official.groups.add(Group.objects.get(name=Role.PRINCIPAL.value))
    return city, official


def chart(response) -> dict:
    html = response.content.decode()
    start = html.index('id="cockpit-data"')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def series(data: dict) -> dict[str, dict[str, int]]:
    """Lights chart as {area or unit name: {light: count}}."""
    names = data["lights"]["units"]
    out = {name: {} for name in names}
    for s in data["lights"]["series"]:
        for name, value in zip(names, s["data"], strict=True):
            out[name][s["key"]] = value
    return out


def test_city_official_sees_counties_aggregated(city, county, other_county, client_for):
    region, official = city
    response = client_for(official).get(reverse("cockpit:index"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "青山市各县（市、区）项目亮灯情况" in page
    assert page.count('data-testid="kpi-red"') == 1
    data = chart(response)
    assert series(data) == {
        "清溪县": {"red": 2, "yellow": 0, "green": 1},
        "云岭县": {"red": 0, "yellow": 1, "green": 0},
    }
    # Each county's bar leads to that county's own cockpit.
    urls = data["lights"]["series"][0]["urls"]
    assert urls[0].endswith(f"?region={county.region.pk}")
    # The ranking is per county: none is mixed across counties.
    assert "请在上方亮灯图中点选一个县查看" in page


def test_city_official_drills_down_into_one_county(city, county, client_for):
    region, official = city
    response = client_for(official).get(reverse("cockpit:index"), {"region": county.region.pk})
    assert response.status_code == 200
    page = response.content.decode()
    # Back up to the city from the trail; the county is broken down by township again.
    assert f'href="/cockpit/?region={region.pk}"' in page
    assert "各乡镇、平台项目亮灯情况" in page
    assert series(chart(response)) == {"城关镇": {"red": 2, "yellow": 0, "green": 1}}
    # The red figure links to the project list of that county only.
    projects = client_for(official).get(
        reverse("projects:list"), {"region": county.region.pk, "light": "red"}
    )
    names = projects.content.decode()
    assert "清溪甲" in names and "清溪乙" in names and "云岭甲" not in names


def test_county_people_never_see_the_neighbouring_county(city, county, other_county, client_for):
    principal = county.users[Role.PRINCIPAL]
    response = client_for(principal).get(
        reverse("cockpit:index"), {"region": other_county.region.pk}
    )
    assert response.status_code == 200
    data = chart(response)
    assert set(series(data)) == {"城关镇"}
    assert sum(sum(v.values()) for v in series(data).values()) == 3
    listed = client_for(principal).get(reverse("projects:list"), {"region": region_of(city)})
    assert "云岭甲" not in listed.content.decode()


def region_of(city) -> int:
    return city[0].pk


def test_regions_visible_follow_the_tree(city, county, other_county):
    region, official = city
    from tuijin.core.scoping import scope_of

    assert set(Region.objects.visible_to(official).values_list("name", flat=True)) == {
        "青山市",
        "清溪县",
        "云岭县",
    }
    assert scope_of(official).region_ids == {region.pk, county.region.pk, other_county.region.pk}
    assert list(
        Region.objects.visible_to(county.users[Role.UNIT_STAFF]).values_list("name", flat=True)
    ) == ["清溪县"]


def test_a_city_total_is_shown_in_yi_yuan_a_county_one_in_wan_yuan():
    from decimal import Decimal

    from django.template import Context, Template

    figure = Template("{% load tuijin %}{% money_figure v %}")
    assert figure.render(Context({"v": Decimal("81172200")})) == "8,117.2<small> 亿元</small>"
    assert figure.render(Context({"v": Decimal("52000.4")})) == "52,000<small> 万元</small>"
    assert figure.render(Context({"v": None})) == "—"


def test_annual_targets_are_shown_per_county_not_all_at_once(
    city, county, other_county, client_for
):
    """Above a county the cockpit does not list every county's targets one after another:
    they appear once the official drills into a county, that county's own."""
    import datetime as dt
    from decimal import Decimal

    from tuijin.drives.models import AnnualTarget, Measure

    year = dt.date.today().year
    for member, name in ((county, "清溪新签约"), (other_county, "云岭新签约")):
        AnnualTarget.objects.create(
            region=member.region,
            year=year,
            name=name,
            measure=Measure.PROJECTS_SIGNED,
            value=Decimal(4),
        )
    region, official = city
    client = client_for(official)
    above = client.get(reverse("cockpit:index")).content.decode()
    assert "清溪新签约" not in above and "云岭新签约" not in above
    drilled = client.get(reverse("cockpit:index"), {"region": county.region.pk})
    page = drilled.content.decode()
    assert "清溪新签约" in page and "云岭新签约" not in page
    own = client_for(county.users[Role.PRINCIPAL]).get(reverse("cockpit:index"))
    assert "清溪新签约" in own.content.decode()
