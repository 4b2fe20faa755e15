"""Reception time (issue 6 point 8): logged by township/platform heads, trended, targeted."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tuijin.core.roles import Role
from tuijin.discipline import reception as rules
from tuijin.discipline.errors import DisciplineRuleError
from tuijin.discipline.models import ReceptionLog, ReceptionTarget


def log(county, person, on_date, minutes, by=Role.UNIT_STAFF, **fields):
    defaults = {
        "acting_user": county.users.get(by),
        "person": person,
        "on_date": on_date,
        "minutes": minutes,
        "kind": ReceptionLog.Kind.RECEPTION,
        "guest": "市商务局考察组",
    }
    defaults.update(fields)
    return rules.reception_log(**defaults)


class TestLogging:
    def test_the_liaison_logs_the_mayor_s_time_from_the_phone_form(self, county, heads, client_for):
        client = client_for(county.users[Role.UNIT_STAFF])
        form = client.get("/discipline/reception/new/").content.decode()
        assert heads["mayor"].name in form and heads["other"].name not in form
        response = client.post(
            "/discipline/reception/new/",
            {
                "person": heads["mayor"].pk,
                "on_date": timezone.localdate().isoformat(),
                "kind": "accompany",
                "hours": "2.5",
                "guest": "省发改委调研组",
            },
        )
        assert response.status_code == 302
        entry = ReceptionLog.objects.get()
        assert (entry.person, entry.minutes, entry.kind) == (heads["mayor"], 150, "accompany")

    def test_the_mayor_logs_their_own_time(self, county, heads):
        entry = log(
            county,
            heads["mayor"],
            timezone.localdate(),
            60,
            by=None,
            acting_user=heads["mayor"].user,
        )
        assert entry.recorded_by == heads["mayor"].user

    def test_an_entry_longer_than_a_day_is_refused_and_nothing_saved(
        self, county, heads, client_for
    ):
        client = client_for(county.users[Role.UNIT_STAFF])
        response = client.post(
            "/discipline/reception/new/",
            {
                "person": heads["mayor"].pk,
                "on_date": timezone.localdate().isoformat(),
                "kind": "reception",
                "hours": "25",
                "guest": "客商",
            },
        )
        assert "一次接待陪访不能超过一天（24 小时）" in response.content.decode()
        assert not ReceptionLog.objects.exists()

    def test_a_day_cannot_add_up_to_more_than_24_hours(self, county, heads):
        day = dt.date(2026, 11, 2)
        log(county, heads["mayor"], day, 20 * 60, today=day)
        with pytest.raises(DisciplineRuleError, match="一天合计不能超过 24 小时"):
            log(county, heads["mayor"], day, 5 * 60, today=day)
        assert ReceptionLog.objects.count() == 1

    def test_only_township_and_platform_heads_are_logged(self, county, heads):
        with pytest.raises(DisciplineRuleError, match="乡镇、平台主要负责人"):
            log(county, county.people[Role.UNIT_STAFF], dt.date(2026, 11, 2), 60)
        with pytest.raises(DisciplineRuleError):
            log(county, heads["other"], dt.date(2026, 11, 2), 60)  # another township's head
        with pytest.raises(DisciplineRuleError, match="不能晚于今天"):
            log(county, heads["mayor"], dt.date(2026, 11, 3), 60, today=dt.date(2026, 11, 2))
        assert not ReceptionLog.objects.exists()


class TestTotals:
    def test_monthly_totals_against_last_year_and_the_target(self, county, heads):
        for day, minutes in (
            (dt.date(2025, 3, 5), 600),
            (dt.date(2025, 3, 20), 600),
            (dt.date(2026, 3, 10), 900),
            (dt.date(2026, 4, 1), 120),
        ):
            log(county, heads["mayor"], day, minutes, today=day)
        target = ReceptionTarget.objects.create(
            region=county.region, year=2026, reduction_percent=Decimal("30")
        )
        rows = rules.monthly_totals(ReceptionLog.objects.all(), 2026, dt.date(2026, 4, 15), target)
        march, april, may = rows[2], rows[3], rows[4]
        assert (march.hours, march.last_year, march.target) == (
            Decimal("15.0"),
            Decimal("20.0"),
            Decimal("14.0"),
        )
        assert march.change_percent == Decimal("-25.0") and march.over_target
        assert (april.hours, april.last_year, april.change_percent) == (Decimal("2.0"), 0, None)
        assert may.hours is None

    def test_each_head_year_to_date_against_the_same_span_of_last_year(self, county, heads):
        today = dt.date(2026, 4, 15)
        for person, day, minutes in (
            (heads["mayor"], dt.date(2026, 1, 5), 90),
            (heads["mayor"], dt.date(2026, 4, 15), 30),  # today counts
            (heads["mayor"], dt.date(2025, 4, 15), 60),  # the same span of last year
            (heads["mayor"], dt.date(2025, 4, 16), 600),  # after it: not compared
            (heads["other"], dt.date(2025, 2, 1), 120),  # last year only
        ):
            ReceptionLog.objects.create(
                region=county.region,
                person=person,
                on_date=day,
                minutes=minutes,
                kind=ReceptionLog.Kind.RECEPTION,
                guest="客商",
            )
        rows = rules.totals_by_person(ReceptionLog.objects.all(), 2026, today)
        assert [(r.person, r.hours, r.last_year, r.entries) for r in rows] == [
            (heads["mayor"], Decimal("2.0"), Decimal("1.0"), 2),
            (heads["other"], Decimal("0.0"), Decimal("2.0"), 0),
        ]

    def test_the_principal_sets_the_target_and_the_page_shows_it(self, county, heads, client_for):
        year = timezone.localdate().year
        client = client_for(county.users[Role.PRINCIPAL])
        response = client.post(
            "/discipline/reception/target/", {"year": year, "reduction_percent": "20"}
        )
        assert response.status_code == 302
        assert ReceptionTarget.objects.get(region=county.region, year=year).reduction_percent == 20
        page = client.get(response["Location"]).content.decode()
        assert "比上年同月减少 20.0%" in page

    def test_a_bad_target_is_refused(self, county, client_for):
        client = client_for(county.users[Role.PRINCIPAL])
        response = client.post(
            "/discipline/reception/target/", {"year": 2026, "reduction_percent": "120"}
        )
        assert response.status_code == 400
        assert "压减比例应大于 0 且小于 100" in response.content.decode()
        assert not ReceptionTarget.objects.exists()

    def test_a_county_leader_may_not_set_the_target(self, county, client_for):
        client = client_for(county.users[Role.LEADER])
        response = client.post(
            "/discipline/reception/target/", {"year": 2026, "reduction_percent": "20"}
        )
        assert response.status_code == 403
        assert not ReceptionTarget.objects.exists()


class TestScope:
    def test_a_unit_sees_its_heads_only(self, county, heads, client_for):
        today = timezone.localdate()
        log(county, heads["mayor"], today, 60, guest="城关镇来客")
        log(county, heads["other"], today, 90, by="other_staff", guest="河口镇来客")
        client = client_for(county.users[Role.UNIT_STAFF])
        page = client.get("/discipline/reception/").content.decode()
        assert "城关镇来客" in page and "河口镇来客" not in page
        rows = client.get("/api/receptions/").json()["results"]
        assert [r["guest"] for r in rows] == ["城关镇来客"]
        everyone = client_for(county.users[Role.LEADER]).get("/api/receptions/").json()
        assert len(everyone["results"]) == 2
