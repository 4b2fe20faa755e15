import pytest
from django.urls import reverse

from tuijin.core.roles import Role
from tuijin.enterprises.models import Enterprise

from .factories import make_code, make_enterprise, workbook

COUNTY_WIDE = [Role.PRINCIPAL, Role.LEADER, Role.SUPERVISION, Role.PROJECT_OFFICE, Role.ADMIN]


@pytest.fixture
def registry(county, other_county):
    return {
        "mine": make_enterprise(county.region, county.township, 1, name="清溪恒通机械有限公司"),
        "other_township": make_enterprise(
            county.region, county.other_township, 2, name="河口华远纺织有限公司", above_scale=True
        ),
        "other_county": make_enterprise(
            other_county.region, other_county.township, 3, name="云岭瑞丰食品有限公司"
        ),
    }


def names(response):
    return {e.name for e in response.context["page"]}


@pytest.mark.parametrize("role", COUNTY_WIDE)
def test_county_roles_see_their_county(county, registry, client_for, role):
    client = client_for(county.users[role])
    response = client.get(reverse("enterprises:list"))
    assert response.status_code == 200
    assert names(response) == {"清溪恒通机械有限公司", "河口华远纺织有限公司"}
    other = registry["other_county"]
    assert client.get(reverse("enterprises:detail", args=[other.pk])).status_code == 404
    assert client.get(f"/api/enterprises/{other.pk}/").status_code == 404
    api = client.get("/api/enterprises/")
    assert api.status_code == 200
    assert {e["name"] for e in api.json()["results"]} == names(response)


def test_unit_staff_sees_only_its_township(county, registry, client_for):
    client = client_for(county.users[Role.UNIT_STAFF])
    response = client.get(reverse("enterprises:list"))
    assert names(response) == {"清溪恒通机械有限公司"}
    hidden = registry["other_township"]
    assert client.get(reverse("enterprises:detail", args=[hidden.pk])).status_code == 404
    assert client.get(f"/api/enterprises/{hidden.pk}/").status_code == 404
    api = client.get("/api/enterprises/").json()
    assert [e["name"] for e in api["results"]] == ["清溪恒通机械有限公司"]
    assert client.get(reverse("enterprises:create")).status_code == 403
    edit = reverse("enterprises:edit", args=[registry["mine"].pk])
    assert client.get(edit).status_code == 403


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.BANK])
def test_enterprise_and_bank_roles_are_refused(county, registry, client_for, role):
    client = client_for(county.users[role])
    assert client.get(reverse("enterprises:list")).status_code == 403
    assert client.get(reverse("enterprises:detail", args=[registry["mine"].pk])).status_code == 403
    assert client.get(reverse("enterprises:export")).status_code == 403
    response = client.get("/api/enterprises/")
    assert response.status_code == 403 and response.json()["error"]


def test_anonymous_is_sent_to_sign_in(client, registry):
    assert client.get(reverse("enterprises:list")).status_code == 302
    assert client.get("/api/enterprises/").status_code in (401, 403)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("qxht", {"清溪恒通机械有限公司"}),
        ("HKHY", {"河口华远纺织有限公司"}),
        ("恒通", {"清溪恒通机械有限公司"}),
        (make_code(2)[:17].lower(), {"河口华远纺织有限公司"}),
        (make_code(1), {"清溪恒通机械有限公司"}),
    ],
)
def test_search(county, registry, client_for, query, expected):
    client = client_for(county.users[Role.PROJECT_OFFICE])
    response = client.get(reverse("enterprises:list"), {"q": query})
    assert names(response) == expected
    api = client.get("/api/enterprises/", {"q": query}).json()
    assert {e["name"] for e in api["results"]} == expected


def test_live_search_returns_the_partial(county, registry, client_for):
    client = client_for(county.users[Role.PROJECT_OFFICE])
    response = client.get(reverse("enterprises:list"), {"q": "qxht"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "清溪恒通机械有限公司" in body and "<html" not in body


def test_filters_and_top100_order(county, registry, client_for):
    for serial, rank in ((10, 7), (11, 2), (12, 50)):
        make_enterprise(county.region, county.township, serial, top100_rank=rank, top100_year=2025)
    client = client_for(county.users[Role.PRINCIPAL])
    response = client.get(reverse("enterprises:list"), {"top100": "true"})
    assert [e.top100_rank for e in response.context["page"]] == [2, 7, 50]
    response = client.get(reverse("enterprises:list"), {"above_scale": "true"})
    assert names(response) == {"河口华远纺织有限公司"}
    response = client.get(reverse("enterprises:list"), {"host_unit": county.other_township.pk})
    assert names(response) == {"河口华远纺织有限公司"}
    api = client.get("/api/enterprises/", {"top100": "true"}).json()
    assert [e["top100_rank"] for e in api["results"]] == [2, 7, 50]
    api = client.get("/api/enterprises/", {"host_unit": county.township.pk}).json()
    assert len(api["results"]) == 4


def test_detail_lists_the_projects_it_invests_in(county, registry, client_for):
    from tuijin.projects.tests.conftest import make_project

    enterprise = registry["mine"]
    linked = make_project(county, investor_credit_code=enterprise.credit_code)
    hidden = make_project(
        county,
        name="河口镇项目",
        host_unit=county.other_township,
        lead_department=None,
        investor_credit_code=enterprise.credit_code,
    )
    make_project(county, name="无关项目", investor_credit_code=make_code(50))
    office = client_for(county.users[Role.PROJECT_OFFICE])
    response = office.get(reverse("enterprises:detail", args=[enterprise.pk]))
    assert response.status_code == 200 and "history" in response.context
    assert set(response.context["projects"]) == {linked, hidden}
    assert "智能装备制造产业园" in response.content.decode()
    # A unit sees only the projects it may see, even on an enterprise it hosts.
    staff = client_for(county.users[Role.UNIT_STAFF])
    response = staff.get(reverse("enterprises:detail", args=[enterprise.pk]))
    assert list(response.context["projects"]) == [linked]


def test_create_and_edit_by_project_office(county, client_for):
    client = client_for(county.users[Role.PROJECT_OFFICE])
    data = {
        "credit_code": make_code(5),
        "name": "清溪新峰电子科技有限公司",
        "industry": "制造业",
        "host_unit": county.township.pk,
        "contact_mobile": "13900001111",
    }
    bad = client.post(
        reverse("enterprises:create"), {**data, "credit_code": make_code(5)[:17] + "X"}
    )
    if make_code(5)[17] != "X":
        assert bad.status_code == 400 and "校验位" in bad.content.decode()
    assert (
        client.post(reverse("enterprises:create"), {**data, "contact_mobile": "123"}).status_code
        == 400
    )
    response = client.post(reverse("enterprises:create"), data)
    enterprise = Enterprise.objects.get()
    assert response.status_code == 302 and enterprise.region == county.region
    assert enterprise.pinyin_initials.startswith("qxxf")
    edit = reverse("enterprises:edit", args=[enterprise.pk])
    response = client.post(edit, {**data, "name": "清溪新峰科技有限公司", "struggling": "on"})
    assert response.status_code == 400  # struggling without a reason
    response = client.post(edit, {**data, "struggling": "on", "struggling_reason": "订单下降"})
    assert response.status_code == 302
    detail = client.get(reverse("enterprises:detail", args=[enterprise.pk]))
    assert "订单下降" in detail.content.decode()
    assert len(detail.context["history"]) >= 2


def test_project_office_cannot_edit_other_county(county, registry, client_for):
    client = client_for(county.users[Role.PROJECT_OFFICE])
    edit = reverse("enterprises:edit", args=[registry["other_county"].pk])
    assert client.get(edit).status_code == 404


def test_import_pages_preview_then_confirm(county, client_for):
    client = client_for(county.users[Role.PROJECT_OFFICE])
    url = reverse("enterprises:import")
    assert client.get(url).status_code == 200
    file = workbook(
        [{"统一社会信用代码": make_code(1), "企业名称": "甲企业", "所在乡镇（平台）": "城关镇"}]
    )
    file.name = "e.xlsx"
    preview = client.post(url, {"action": "preview", "file": file})
    assert preview.status_code == 200 and preview.context["report"].created == 1
    assert not Enterprise.objects.exists()
    done = client.post(url, {"action": "confirm"})
    assert done.status_code == 302 and Enterprise.objects.count() == 1
    staff = client_for(county.users[Role.UNIT_STAFF])
    assert staff.get(url).status_code == 403


def test_import_page_shows_errors(county, client_for):
    client = client_for(county.users[Role.PROJECT_OFFICE])
    file = workbook(
        [{"统一社会信用代码": "123", "企业名称": "甲企业", "所在乡镇（平台）": "城关镇"}]
    )
    file.name = "e.xlsx"
    response = client.post(reverse("enterprises:import"), {"action": "preview", "file": file})
    assert "第 2 行「统一社会信用代码」列" in response.content.decode()
    assert not Enterprise.objects.exists()


def test_export_follows_scope_and_filters(county, registry, client_for):
    from io import BytesIO

    from openpyxl import load_workbook

    client = client_for(county.users[Role.UNIT_STAFF])
    response = client.get(reverse("enterprises:export"))
    assert response.status_code == 200
    assert response.streaming  # sent from a temporary file, never held in memory
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    assert [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["清溪恒通机械有限公司"]


def test_menu_entries(county, client_for):
    office = client_for(county.users[Role.PROJECT_OFFICE]).get("/").content.decode()
    assert "企业名录" in office and "企业导入" in office
    staff = client_for(county.users[Role.UNIT_STAFF]).get("/").content.decode()
    assert "企业名录" in staff and "企业导入" not in staff
