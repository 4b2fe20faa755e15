"""Each role sees and changes exactly its rows of the directory, on pages and in the API."""

import re

import pytest
from django.urls import reverse

from tuijin.core.models import Person, SecurityEvent, Unit
from tuijin.core.roles import Role

COUNTY_WIDE = [Role.PRINCIPAL, Role.LEADER, Role.SUPERVISION, Role.PROJECT_OFFICE]


def unit_names(response) -> set[str]:
    return {u.name for u in response.context["page"].object_list}


@pytest.mark.django_db
class TestUnitPages:
    @pytest.mark.parametrize("role", COUNTY_WIDE)
    def test_county_roles_see_every_unit_of_their_county_only(
        self, county, other_county, client_for, role
    ):
        response = client_for(county.users[role]).get(reverse("directory:unit-list"))
        assert unit_names(response) == {"城关镇", "河口镇", "县发展和改革局"}

    def test_unit_staff_sees_only_its_own_unit(self, county, client_for):
        response = client_for(county.users[Role.UNIT_STAFF]).get(reverse("directory:unit-list"))
        assert unit_names(response) == {"城关镇"}

    def test_unit_staff_gets_404_for_another_units_page(self, county, client_for):
        client = client_for(county.users[Role.UNIT_STAFF])
        own = client.get(reverse("directory:unit-detail", args=[county.township.pk]))
        other = client.get(reverse("directory:unit-detail", args=[county.other_township.pk]))
        assert own.status_code == 200
        assert other.status_code == 404
        assert "河口镇" not in other.content.decode()

    def test_another_countys_unit_is_404_even_for_the_principal(
        self, county, other_county, client_for
    ):
        client = client_for(county.users[Role.PRINCIPAL])
        response = client.get(reverse("directory:unit-detail", args=[other_county.township.pk]))
        assert response.status_code == 404

    def test_missing_and_out_of_scope_look_the_same(self, county, client_for):
        client = client_for(county.users[Role.UNIT_STAFF])
        missing = client.get(reverse("directory:unit-detail", args=[999999]))
        hidden = client.get(reverse("directory:unit-detail", args=[county.other_township.pk]))
        assert missing.status_code == hidden.status_code == 404
        token = re.compile(rb'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+')
        assert token.sub(b"", missing.content) == token.sub(b"", hidden.content)

    @pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.BANK])
    def test_enterprise_and_bank_are_refused_the_directory(self, county, client_for, role):
        client = client_for(county.users[role])
        response = client.get(reverse("directory:unit-list"))
        assert response.status_code == 403
        assert "无权访问" in response.content.decode()
        assert SecurityEvent.objects.filter(
            kind=SecurityEvent.Kind.DENIED, user=county.users[role]
        ).exists()

    def test_anonymous_is_sent_to_sign_in(self, client, county):
        response = client.get(reverse("directory:unit-list"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.django_db
class TestPersonPages:
    def test_unit_staff_lists_only_its_units_people(self, county, client_for):
        response = client_for(county.users[Role.UNIT_STAFF]).get(reverse("directory:person-list"))
        names = {p.name for p in response.context["page"].object_list}
        assert names == {county.people[Role.UNIT_STAFF].name}

    def test_leader_sees_the_whole_county_directory(self, county, other_county, client_for):
        response = client_for(county.users[Role.LEADER]).get(reverse("directory:person-list"))
        names = {p.name for p in response.context["page"].object_list}
        assert names == {p.name for p in county.people.values()}

    def test_unit_staff_cannot_open_another_units_person(self, county, client_for):
        client = client_for(county.users[Role.UNIT_STAFF])
        other = county.people["other_staff"]
        response = client.get(reverse("directory:person-detail", args=[other.pk]))
        assert response.status_code == 404
        assert other.mobile not in response.content.decode()

    def test_unit_staff_updates_own_units_person(self, county, client_for):
        client = client_for(county.users[Role.UNIT_STAFF])
        me = county.people[Role.UNIT_STAFF]
        response = client.post(
            reverse("directory:person-detail", args=[me.pk]),
            {"title": "党政办主任", "mobile": "13700000001"},
        )
        assert response.status_code == 302
        me.refresh_from_db()
        assert (me.title, me.mobile) == ("党政办主任", "13700000001")

    def test_bad_mobile_is_refused_in_chinese_and_nothing_changes(self, county, client_for):
        client = client_for(county.users[Role.UNIT_STAFF])
        me = county.people[Role.UNIT_STAFF]
        response = client.post(
            reverse("directory:person-detail", args=[me.pk]), {"title": "x", "mobile": "12345"}
        )
        assert response.status_code == 400
        assert "手机号码应为 11 位数字" in response.content.decode()
        me.refresh_from_db()
        assert me.title == "项目联络员"

    @pytest.mark.parametrize("role", COUNTY_WIDE)
    def test_county_roles_read_but_cannot_change_people(self, county, client_for, role):
        client = client_for(county.users[role])
        target = county.people[Role.UNIT_STAFF]
        page = client.get(reverse("directory:person-detail", args=[target.pk]))
        assert page.status_code == 200
        assert page.context["form"] is None
        response = client.post(
            reverse("directory:person-detail", args=[target.pk]),
            {"title": "篡改", "mobile": target.mobile},
        )
        assert response.status_code == 403
        target.refresh_from_db()
        assert target.title != "篡改"

    def test_search_by_pinyin_initials(self, county, client_for):
        person = county.people[Role.LEADER]
        person.name = "范俊"
        person.save()
        response = client_for(county.users[Role.PRINCIPAL]).get(
            reverse("directory:person-list"), {"q": "fj"}
        )
        assert [p.name for p in response.context["page"].object_list] == ["范俊"]

    def test_search_by_unit_name(self, county, client_for):
        response = client_for(county.users[Role.PRINCIPAL]).get(
            reverse("directory:person-list"), {"q": "河口"}
        )
        names = {p.name for p in response.context["page"].object_list}
        assert names == {county.people["other_staff"].name}


@pytest.mark.django_db
class TestDirectoryApi:
    def test_unit_staff_lists_only_own_unit(self, county, other_county, client_for):
        data = client_for(county.users[Role.UNIT_STAFF]).get("/api/units/").json()
        assert [u["name"] for u in data["results"]] == ["城关镇"]

    @pytest.mark.parametrize("role", COUNTY_WIDE)
    def test_county_roles_list_their_county(self, county, other_county, client_for, role):
        data = client_for(county.users[role]).get("/api/units/").json()
        assert data["count"] == 3

    def test_another_units_record_by_id_is_404(self, county, client_for):
        client = client_for(county.users[Role.UNIT_STAFF])
        other = county.people["other_staff"]
        response = client.get(f"/api/people/{other.pk}/")
        assert response.status_code == 404
        assert other.mobile not in response.content.decode()

    def test_another_countys_record_by_id_is_404(self, county, other_county, client_for):
        client = client_for(county.users[Role.PROJECT_OFFICE])
        response = client.get(f"/api/units/{other_county.township.pk}/")
        assert response.status_code == 404

    def test_unit_staff_patches_own_person_but_not_another(self, county, client_for):
        client = client_for(county.users[Role.UNIT_STAFF])
        me, other = county.people[Role.UNIT_STAFF], county.people["other_staff"]
        ok = client.patch(
            f"/api/people/{me.pk}/",
            {"title": "新职务", "version": me.version},
            content_type="application/json",
        )
        refused = client.patch(
            f"/api/people/{other.pk}/", {"title": "篡改"}, content_type="application/json"
        )
        assert ok.status_code == 200
        assert refused.status_code == 404
        other.refresh_from_db()
        assert other.title != "篡改"

    def test_leader_cannot_patch(self, county, client_for):
        client = client_for(county.users[Role.LEADER])
        target = county.people[Role.UNIT_STAFF]
        response = client.patch(
            f"/api/people/{target.pk}/", {"title": "篡改"}, content_type="application/json"
        )
        assert response.status_code == 404
        target.refresh_from_db()
        assert target.title != "篡改"

    @pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.BANK])
    def test_enterprise_and_bank_get_structured_403(self, county, client_for, role):
        response = client_for(county.users[role]).get("/api/people/")
        assert response.status_code == 403
        assert response.json()["message"] == "您的角色无权使用此接口"

    def test_anonymous_gets_401_or_403(self, client, county):
        assert client.get("/api/units/").status_code in (401, 403)

    def test_admin_sees_every_county(self, county, other_county, client_for):
        data = client_for(county.users[Role.ADMIN]).get("/api/units/").json()
        assert data["count"] == Unit.objects.count() == 6

    def test_person_filters(self, county, client_for):
        client = client_for(county.users[Role.PRINCIPAL])
        by_unit = client.get("/api/people/", {"unit": county.township.pk}).json()
        by_role = client.get("/api/people/", {"role": "县领导"}).json()
        assert [p["name"] for p in by_unit["results"]] == [county.people[Role.UNIT_STAFF].name]
        assert [p["name"] for p in by_role["results"]] == [county.people[Role.LEADER].name]
        assert Person.objects.count() == 6


def _workbook(people_rows) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    regions = book.active
    regions.title = "地区"
    regions.append(["名称", "行政区划代码", "级别", "上级名称"])
    regions.append(["清溪县", "339901", "县", None])
    units = book.create_sheet("单位")
    units.append(["序号", "单位名称", "单位简称", "单位类型"])
    units.append([1, "城关镇", "城关镇", "乡镇"])
    people = book.create_sheet("人员")
    people.append(["序号", "姓名", "所在单位", "职务", "手机号码", "角色"])
    for row in people_rows:
        people.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.django_db
class TestImportPage:
    def upload(self, client, content: bytes, name="通讯录.xlsx"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return client.post(
            reverse("directory:import"),
            {"action": "preview", "file": SimpleUploadedFile(name, content)},
        )

    def test_preview_then_confirm_imports(self, county, client_for):
        client = client_for(county.users[Role.ADMIN])
        content = _workbook([[1, "新同志", "城关镇", "副镇长", "13512345678", "单位负责人"]])
        preview = self.upload(client, content)
        assert "预览（尚未写入）" in preview.content.decode()
        assert not Person.objects.filter(name="新同志").exists()
        done = client.post(reverse("directory:import"), {"action": "confirm"})
        assert done.status_code == 302
        assert Person.objects.get(name="新同志").unit == county.township

    def test_bad_file_lists_rows_and_changes_nothing(self, county, client_for):
        client = client_for(county.users[Role.ADMIN])
        before = Person.objects.count()
        content = _workbook([[1, "新同志", "城关镇", "副镇长", "1351234", "单位负责人"]])
        page = self.upload(client, content).content.decode()
        assert "第 2 行" in page and "手机号码" in page
        assert client.post(reverse("directory:import"), {"action": "confirm"}).status_code == 302
        assert Person.objects.count() == before

    def test_not_an_excel_file(self, county, client_for):
        client = client_for(county.users[Role.ADMIN])
        page = self.upload(client, b"just text", name="x.xlsx").content.decode()
        assert "不是有效的 Excel" in page

    @pytest.mark.parametrize("role", [Role.PRINCIPAL, Role.PROJECT_OFFICE, Role.UNIT_STAFF])
    def test_only_the_administrator_may_import(self, county, client_for, role):
        response = self.upload(client_for(county.users[role]), _workbook([]))
        assert response.status_code == 403


@pytest.mark.django_db
def test_a_region_added_during_a_request_is_in_its_parents_subtree_at_once():
    """The region tree is read once per request, and a region saved meanwhile is not missed."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tuijin.core import request_memo
    from tuijin.core.models import Region

    city = Region.objects.create(code="339900", name="青州市", level=Region.Level.CITY)
    with request_memo.scope():
        with CaptureQueriesContext(connection) as read:
            assert Region.subtree_ids(city.pk) == [city.pk]
            assert Region.subtree_ids(city.pk) == [city.pk]
        assert len(read.captured_queries) == 1
        county = Region.objects.create(
            code="339901", name="青溪县", level=Region.Level.COUNTY, parent=city
        )
        assert Region.subtree_ids(city.pk) == [city.pk, county.pk]
