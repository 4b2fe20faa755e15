"""Inspections (督查): findings always name a responsible person, deadlines count working days,
a finding becomes one supervision order, photos are re-encoded, and scope holds everywhere."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tuijin.core import workdays
from tuijin.core.roles import Role
from tuijin.projects.tests.conftest import make_project
from tuijin.supervision import inspections
from tuijin.supervision.models import Finding, FindingPhoto, Inspection, SupervisionOrder

pytestmark = pytest.mark.django_db

INSPECTED_ON = dt.date(2026, 9, 28)  # a Monday, before the National Day holiday


def plan(county, **fields) -> Inspection:
    """An inspection of the office on 2026-09-28 of 城关镇's project."""
    defaults = {
        "acting_user": county.users[Role.SUPERVISION],
        "topic": "重点项目推进情况专项督查",
        "inspected_on": INSPECTED_ON,
        "inspectors": [county.people[Role.SUPERVISION]],
        "projects": [],
        "units": [county.township],
        "notes": "",
    }
    defaults.update(fields)
    return inspections.inspection_create(**defaults)


def add(county, inspection, **fields) -> Finding:
    """A finding for 城关镇 with its liaison as the responsible person."""
    defaults = {
        "acting_user": county.users[Role.SUPERVISION],
        "inspection": inspection,
        "project": None,
        "unit": county.township,
        "text": "施工现场作业人员不足，主体工程进度滞后。",
        "responsible_person": county.people[Role.UNIT_STAFF],
        "requirement": "倒排工期，增加作业人员。",
        "deadline_days": 5,
    }
    defaults.update(fields)
    return inspections.finding_add(**defaults)


def photo_upload(name="site.png", fmt="PNG") -> SimpleUploadedFile:
    """A small picture with EXIF (camera make and a date) that must not survive storing."""
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0132] = "2026:09:28 10:00:00"  # DateTime
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes())
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.fixture
def project(county):
    return make_project(county)


@pytest.fixture
def mixed(county):
    """One inspection with a finding for 城关镇 and one for 河口镇."""
    inspection = plan(county, units=[county.township, county.other_township])
    own = add(county, inspection, text="城关镇的问题：围挡破损")
    other = add(
        county,
        inspection,
        unit=county.other_township,
        responsible_person=county.people["other_staff"],
        text="河口镇的问题：扬尘治理不到位",
    )
    return {"inspection": inspection, "own": own, "other": other}


class TestFindingRules:
    def test_a_finding_without_a_responsible_person_is_refused_and_nothing_saved(self, county):
        inspection = plan(county)
        with pytest.raises(inspections.InspectionRuleError) as exc:
            add(county, inspection, responsible_person=None)
        assert exc.value.message == "督查发现必须指定责任人"
        assert exc.value.field == "responsible_person"
        assert not Finding.objects.exists()

    def test_the_page_refuses_a_finding_without_a_person_and_keeps_nothing(
        self, county, client_for
    ):
        inspection = plan(county)
        response = client_for(county.users[Role.SUPERVISION]).post(
            reverse("supervision:finding-create", args=[inspection.pk]),
            {
                "unit": county.township.pk,
                "text": "台账填报不及时",
                "requirement": "按月如实填报",
                "deadline_days": 5,
            },
        )
        assert response.status_code == 400
        assert "督查发现必须指定责任人" in response.content.decode()
        assert not Finding.objects.exists()

    def test_a_person_of_another_county_is_refused(self, county, other_county):
        inspection = plan(county)
        outsider = other_county.people[Role.UNIT_STAFF]
        with pytest.raises(inspections.InspectionRuleError) as exc:
            add(county, inspection, responsible_person=outsider)
        assert exc.value.field == "responsible_person"
        assert f"责任人{outsider.name}不是本县通讯录中的人员" == exc.value.message
        assert not Finding.objects.exists()

    def test_a_person_of_another_unit_is_refused(self, county):
        inspection = plan(county)
        with pytest.raises(inspections.InspectionRuleError) as exc:
            add(county, inspection, responsible_person=county.people["other_staff"])
        assert "不是城关镇的人员" in exc.value.message
        assert not Finding.objects.exists()

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"deadline_days": 0}, "deadline_days"),
            ({"deadline_days": None}, "deadline_days"),
            ({"text": "  "}, "text"),
            ({"requirement": ""}, "requirement"),
        ],
    )
    def test_bad_input_is_refused(self, county, fields, field):
        inspection = plan(county)
        with pytest.raises(inspections.InspectionRuleError) as exc:
            add(county, inspection, **fields)
        assert exc.value.field == field
        assert not Finding.objects.exists()

    def test_deadline_counts_working_days_across_national_day(self, county):
        finding = add(county, plan(county), deadline_days=5)
        # 09-29, 09-30, then 10-01..10-07 off; 10-08, 10-09, 10-10 (a make-up Saturday).
        assert finding.deadline == dt.date(2026, 10, 10)
        assert finding.deadline == workdays.add_workdays(INSPECTED_ON, 5).value
        assert finding.deadline_provisional is False

    def test_a_project_finding_defaults_to_the_projects_host_unit(self, county, project):
        inspection = plan(county, projects=[project], units=[])
        finding = add(county, inspection, project=project, unit=None)
        assert finding.unit == county.township
        assert list(inspection.projects.all()) == [project]

    def test_a_unit_found_outside_the_plan_joins_the_inspection(self, county):
        inspection = plan(county, units=[county.township])
        add(
            county,
            inspection,
            unit=county.other_township,
            responsible_person=county.people["other_staff"],
        )
        assert set(inspection.units.all()) == {county.township, county.other_township}

    def test_no_findings_for_an_inspection_still_to_come(self, county):
        inspection = plan(county, inspected_on=timezone.localdate() + dt.timedelta(days=7))
        with pytest.raises(inspections.InspectionRuleError) as exc:
            add(county, inspection)
        assert "尚未开展" in exc.value.message

    @pytest.mark.parametrize("role", [Role.UNIT_STAFF, Role.PROJECT_OFFICE, Role.PRINCIPAL])
    def test_only_the_office_records(self, county, role):
        inspection = plan(county)
        with pytest.raises(inspections.InspectionRuleError):
            add(county, inspection, acting_user=county.users[role])
        with pytest.raises(inspections.InspectionRuleError):
            plan(county, acting_user=county.users[role])
        assert Inspection.objects.count() == 1
        assert not Finding.objects.exists()

    def test_an_inspection_needs_inspectors_and_something_to_inspect(self, county):
        with pytest.raises(inspections.InspectionRuleError) as exc:
            plan(county, inspectors=[])
        assert exc.value.message == "请至少选择一名督查人员"
        with pytest.raises(inspections.InspectionRuleError) as exc:
            plan(county, units=[], projects=[])
        assert exc.value.message == "请至少选择一个督查项目或督查单位"
        assert not Inspection.objects.exists()


class TestFindingToOrder:
    def test_the_order_carries_unit_person_and_deadline_and_is_made_once(self, county, project):
        inspection = plan(county, projects=[project])
        finding = add(county, inspection, project=project, unit=None, deadline_days=5)
        office = county.users[Role.SUPERVISION]
        order = inspections.finding_to_order(office, finding, issued_on=dt.date(2026, 9, 29))
        assert (order.unit, order.person, order.project) == (
            county.township,
            county.people[Role.UNIT_STAFF],
            project,
        )
        assert order.finding == finding
        # The working days left after 09-29 up to the finding's deadline: 09-30, 10-08..10-10.
        assert order.deadline_days == 4
        assert order.deadline == finding.deadline == dt.date(2026, 10, 10)
        assert finding.text in order.content and finding.requirement in order.content
        with pytest.raises(inspections.InspectionRuleError) as exc:
            inspections.finding_to_order(office, finding)
        assert exc.value.message == f"这条督查发现已转为{order.code}，不能重复转为督办单"
        assert SupervisionOrder.objects.count() == 1

    def test_an_overdue_finding_gets_its_own_days_again(self, county):
        finding = add(county, plan(county), deadline_days=5)
        order = inspections.finding_to_order(
            county.users[Role.SUPERVISION], finding, issued_on=dt.date(2026, 11, 2)
        )
        assert order.deadline_days == 5
        assert order.deadline == workdays.add_workdays(dt.date(2026, 11, 2), 5).value

    def test_the_button_converts_and_the_page_links_the_order(self, county, mixed, client_for):
        client = client_for(county.users[Role.SUPERVISION])
        response = client.post(reverse("supervision:finding-order", args=[mixed["own"].pk]))
        order = SupervisionOrder.objects.get(finding=mixed["own"])
        assert response.headers["Location"] == reverse("supervision:detail", args=[order.pk])
        page = client.get(
            reverse("supervision:inspection-detail", args=[mixed["inspection"].pk])
        ).content.decode()
        assert order.code in page
        assert page.count("转为督办单") == 1  # only the 河口镇 finding still has the button
        again = client.post(reverse("supervision:finding-order", args=[mixed["own"].pk]))
        assert again.status_code == 302
        assert SupervisionOrder.objects.count() == 1

    def test_unit_staff_cannot_convert(self, county, mixed, client_for):
        response = client_for(county.users[Role.UNIT_STAFF]).post(
            reverse("supervision:finding-order", args=[mixed["own"].pk])
        )
        assert response.status_code == 403
        assert not SupervisionOrder.objects.exists()


class TestPhotos:
    def test_an_upload_is_stored_as_a_clean_jpeg_and_served_in_scope(self, county, client_for):
        inspection = plan(county)
        office = client_for(county.users[Role.SUPERVISION])
        response = office.post(
            reverse("supervision:finding-create", args=[inspection.pk]),
            {
                "unit": county.township.pk,
                "responsible_person": county.people[Role.UNIT_STAFF].pk,
                "text": "临边防护缺失",
                "requirement": "立即整改",
                "deadline_days": 3,
                "photos": [photo_upload()],
            },
        )
        assert response.status_code == 302
        photo = FindingPhoto.objects.get()
        stored = photo.image.read()
        assert stored.startswith(b"\xff\xd8\xff")
        assert photo.image.name.endswith(".jpg")
        image = Image.open(io.BytesIO(stored))
        assert image.format == "JPEG" and image.size == (64, 48)
        assert b"SecretCam" not in stored and not image.getexif()

        served = office.get(reverse("supervision:finding-photo", args=[photo.pk]))
        assert served.status_code == 200
        assert served["Content-Type"] == "image/jpeg"
        assert served["Content-Disposition"].startswith("inline")
        saved = office.get(reverse("supervision:finding-photo", args=[photo.pk]) + "?download=1")
        assert saved["Content-Disposition"].startswith("attachment")
        outsider = client_for(county.users["other_staff"])
        url = reverse("supervision:finding-photo", args=[photo.pk])
        assert outsider.get(url).status_code == 404

    def test_a_file_that_is_not_a_picture_is_refused_and_nothing_saved(self, county):
        fake = SimpleUploadedFile("report.jpg", b"%PDF-1.7 not a picture", "image/jpeg")
        with pytest.raises(inspections.InspectionRuleError) as exc:
            add(county, plan(county), photos=[fake])
        assert exc.value.field == "photos"
        assert "不是图片文件" in exc.value.message
        assert not Finding.objects.exists()
        assert not FindingPhoto.objects.exists()


class TestPages:
    def test_the_office_plans_an_inspection_through_the_form(self, county, project, client_for):
        client = client_for(county.users[Role.SUPERVISION])
        assert client.get(reverse("supervision:inspection-create")).status_code == 200
        response = client.post(
            reverse("supervision:inspection-create"),
            {
                "topic": "开工项目形象进度现场督查",
                "inspected_on": "2026-10-12",
                "inspectors": [county.people[Role.SUPERVISION].pk],
                "projects": [project.pk],
                "units": [county.township.pk, county.other_township.pk],
                "notes": "随机抽查",
            },
        )
        inspection = Inspection.objects.get()
        assert response.headers["Location"] == reverse(
            "supervision:inspection-detail", args=[inspection.pk]
        )
        assert inspection.region == county.region
        assert list(inspection.projects.all()) == [project]
        page = client.get(response.headers["Location"]).content.decode()
        assert "开工项目形象进度现场督查" in page and project.name in page and "河口镇" in page

    def test_the_form_shows_a_chinese_message_and_keeps_nothing(self, county, client_for):
        response = client_for(county.users[Role.SUPERVISION]).post(
            reverse("supervision:inspection-create"),
            {
                "topic": "专项督查",
                "inspected_on": "2026-10-12",
                "inspectors": [county.people[Role.SUPERVISION].pk],
            },
        )
        assert response.status_code == 400
        assert "请至少选择一个督查项目或督查单位" in response.content.decode()
        assert not Inspection.objects.exists()

    def test_unit_staff_cannot_create(self, county, client_for):
        client = client_for(county.users[Role.UNIT_STAFF])
        response = client.post(
            reverse("supervision:inspection-create"),
            {
                "topic": "自己督查自己",
                "inspected_on": "2026-10-12",
                "inspectors": [county.people[Role.UNIT_STAFF].pk],
                "units": [county.township.pk],
            },
        )
        assert response.status_code == 403
        inspection = plan(county)
        response = client.post(
            reverse("supervision:finding-create", args=[inspection.pk]),
            {
                "unit": county.township.pk,
                "responsible_person": county.people[Role.UNIT_STAFF].pk,
                "text": "问题",
                "requirement": "要求",
                "deadline_days": 5,
            },
        )
        assert response.status_code == 403
        assert Inspection.objects.count() == 1
        assert not Finding.objects.exists()

    def test_the_inspection_page_shows_the_person_deadline_and_overdue(
        self, county, mixed, client_for
    ):
        page = (
            client_for(county.users[Role.SUPERVISION])
            .get(reverse("supervision:inspection-detail", args=[mixed["inspection"].pk]))
            .content.decode()
        )
        person = county.people[Role.UNIT_STAFF]
        assert person.name in page and person.mobile in page
        assert "2026年10月10日（5 个工作日）" in page
        assert "逾期" in page  # 2026-10-10 has passed for every test run from today on
        assert page.count("转为督办单") == 2

    def test_unit_staff_see_their_findings_only(self, county, other_county, mixed, client_for):
        client = client_for(county.users[Role.UNIT_STAFF])
        page = client.get(
            reverse("supervision:inspection-detail", args=[mixed["inspection"].pk])
        ).content.decode()
        assert "城关镇的问题：围挡破损" in page
        assert "河口镇的问题" not in page
        assert "转为督办单" not in page
        # An inspection with only 河口镇's finding, and one of another county: both 404.
        hekou = plan(county, units=[county.other_township])
        add(
            county,
            hekou,
            unit=county.other_township,
            responsible_person=county.people["other_staff"],
        )
        elsewhere = plan(
            other_county,
            acting_user=other_county.users[Role.SUPERVISION],
            inspectors=[other_county.people[Role.SUPERVISION]],
            units=[other_county.township],
        )
        for inspection in (hekou, elsewhere):
            url = reverse("supervision:inspection-detail", args=[inspection.pk])
            assert client.get(url).status_code == 404
        listed = client.get(reverse("supervision:inspections")).content.decode()
        assert listed.count("重点项目推进情况专项督查") == 1

    def test_the_list_filters_by_topic_unit_and_date(self, county, client_for):
        plan(county, topic="安全生产督查", inspected_on=dt.date(2026, 3, 2))
        plan(county, topic="征地拆迁督查", units=[county.other_township])
        client = client_for(county.users[Role.SUPERVISION])
        url = reverse("supervision:inspections")
        assert "安全生产督查" not in client.get(url, {"q": "征地"}).content.decode()
        by_unit = client.get(url, {"unit": county.other_township.pk}).content.decode()
        assert "征地拆迁督查" in by_unit and "安全生产督查" not in by_unit
        by_date = client.get(url, {"date_from": "2026-09-01"}).content.decode()
        assert "征地拆迁督查" in by_date and "安全生产督查" not in by_date

    def test_people_options_follow_the_chosen_project(self, county, project, client_for):
        options = (
            client_for(county.users[Role.SUPERVISION])
            .get(reverse("supervision:inspection-people"), {"project": project.pk})
            .content.decode()
        )
        assert county.people[Role.UNIT_STAFF].name in options
        assert county.people["other_staff"].name not in options

    def test_the_unit_page_lists_its_open_findings(self, county, mixed, client_for):
        page = (
            client_for(county.users[Role.UNIT_STAFF])
            .get(reverse("directory:unit-detail", args=[county.township.pk]))
            .content.decode()
        )
        assert "待整改督查发现" in page and "城关镇的问题：围挡破损" in page
        assert "河口镇的问题" not in page


class TestApi:
    def test_findings_are_scoped(self, county, other_county, mixed, client_for):
        staff = client_for(county.users[Role.UNIT_STAFF])
        rows = staff.get("/api/findings/").json()["results"]
        assert [row["id"] for row in rows] == [mixed["own"].pk]
        row = rows[0]
        assert row["responsible_person_name"] == county.people[Role.UNIT_STAFF].name
        assert row["unit_name"] == "城关镇"
        assert row["deadline"] == "2026-10-10"
        assert row["order"] is None
        assert staff.get(f"/api/findings/{mixed['other'].pk}/").status_code == 404

        office = client_for(county.users[Role.SUPERVISION])
        order = inspections.finding_to_order(county.users[Role.SUPERVISION], mixed["other"])
        rows = office.get("/api/findings/", {"unit": county.other_township.pk}).json()["results"]
        assert [(r["id"], r["order"], r["order_code"]) for r in rows] == [
            (mixed["other"].pk, order.pk, order.code)
        ]
        inspections_listed = office.get("/api/inspections/").json()["results"]
        assert [i["id"] for i in inspections_listed] == [mixed["inspection"].pk]

        outsider = client_for(other_county.users[Role.SUPERVISION])
        assert outsider.get("/api/findings/").json()["results"] == []
        assert outsider.get("/api/inspections/").json()["results"] == []

    def test_enterprises_cannot_call_it(self, county, client_for):
        response = client_for(county.users[Role.ENTERPRISE]).get("/api/findings/")
        assert response.status_code == 403
        assert response.json()["error"] == "permission_denied"


def test_the_demo_county_has_a_year_of_inspections():
    from tuijin.core.demo import seed_demo

    seed_demo()
    found = Inspection.objects.all()
    assert 20 <= found.count() <= 26
    days = sorted(found.values_list("inspected_on", flat=True))
    assert (days[-1] - days[0]).days >= 300
    findings = Finding.objects.select_related("responsible_person")
    assert findings.count() >= found.count()
    assert all(
        f.responsible_person_id and f.responsible_person.unit_id == f.unit_id for f in findings
    )
    assert all(1 <= i.projects.count() <= 8 for i in found)
    orders = SupervisionOrder.objects.filter(finding__isnull=False)
    assert orders.exists()
    assert orders.filter(status=SupervisionOrder.Status.ACCEPTED).exists()
    today = timezone.localdate()
    assert inspections.open_findings(findings.all()).filter(deadline__lt=today).exists()


def test_the_project_page_shows_its_findings_and_orders(county, client_for):
    project = make_project(county)
    office = county.users[Role.SUPERVISION]
    inspection = inspections.inspection_create(
        office,
        "重点项目半月督查",
        dt.date(2026, 11, 2),
        [county.people[Role.SUPERVISION]],
        projects=[project],
    )
    finding = inspections.finding_add(
        office,
        inspection,
        project=project,
        unit=None,
        text="施工围挡不规范，扬尘管控不到位",
        responsible_person=county.people[Role.UNIT_STAFF],
        requirement="三日内完成整改",
        deadline_days=3,
    )
    order = inspections.finding_to_order(office, finding)
    page = client_for(county.users[Role.PRINCIPAL]).get(f"/projects/{project.pk}/")
    html = page.content.decode()
    assert 'data-testid="project-supervision"' in html
    assert "施工围挡不规范" in html and order.code in html
    assert county.people[Role.UNIT_STAFF].name in html
