"""Self-checks (自问自查): the speech's questions by default, publishing rules, units answering,
the office seeing who answered and commenting, scope, and the answers on the unit's page."""

import datetime as dt

import pytest
from django.urls import reverse

from tuijin.core.models import Notification
from tuijin.core.roles import Role
from tuijin.supervision import selfchecks
from tuijin.supervision.models import SelfCheck, SelfCheckAnswer

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 20)
SPEECH = ("优势还有多少？", "引领作用有多少？", "使命担当了多少？")


def publish(county, units=None, **fields):
    defaults = {
        "acting_user": county.users[Role.SUPERVISION],
        "title": "第四季度自问自查",
        "questions": selfchecks.questions_with_defaults("项目推进最需要协调什么？"),
        "due_on": TODAY + dt.timedelta(days=10),
        "units": units if units is not None else [county.township, county.other_township],
        "today": TODAY,
    }
    defaults.update(fields)
    return selfchecks.selfcheck_publish(**defaults)


def answer(county, round_, texts=None, user=None):
    return selfchecks.selfcheck_answer(
        acting_user=user or county.users[Role.UNIT_STAFF],
        self_check=round_,
        answers=texts or ["优势在区位", "引领作用发挥七成", "担当还有差距", "施工用电"],
    )


class TestPublish:
    def test_defaults_are_the_speech_questions_plus_the_offices_own(self):
        questions = selfchecks.questions_with_defaults("项目推进最需要协调什么？\n\n优势还有多少？")
        assert questions == [*SPEECH, "项目推进最需要协调什么？"]

    def test_the_publish_form_is_prefilled_with_the_speech_and_the_townships(
        self, county, client_for
    ):
        page = client_for(county.users[Role.SUPERVISION]).get(
            reverse("supervision:selfcheck-create")
        )
        body = page.content.decode()
        for question in SPEECH:
            assert f'value="{question}" id' in body and "checked" in body
        assert "城关镇" in body and "河口镇" in body
        assert "县发展和改革局" not in body

    def test_publishing_tells_the_units_people(self, county):
        round_ = publish(county)
        assert round_.questions == [*SPEECH, "项目推进最需要协调什么？"]
        assert set(round_.units.all()) == {county.township, county.other_township}
        note = Notification.objects.get(recipient=county.users[Role.UNIT_STAFF])
        assert "第四季度自问自查" in note.title
        assert note.url == reverse("supervision:selfcheck", args=[round_.pk])

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"due_on": TODAY - dt.timedelta(days=1)}, "截止日期不能早于今天"),
            ({"units": []}, "请至少选择一个自查单位"),
            ({"questions": ["", "  "]}, "请至少填写一个自查问题"),
            ({"title": " "}, "请填写自查主题"),
        ],
    )
    def test_bad_rounds_are_refused(self, county, fields, message):
        with pytest.raises(selfchecks.SelfCheckRuleError) as exc:
            publish(county, **fields)
        assert message in exc.value.message
        assert not SelfCheck.objects.exists()

    def test_a_department_is_not_asked(self, county):
        with pytest.raises(selfchecks.SelfCheckRuleError) as exc:
            publish(county, units=[county.township, county.department])
        assert "县发展和改革局是部门" in exc.value.message
        assert not SelfCheck.objects.exists()

    def test_units_of_another_county_are_refused(self, county, other_county):
        with pytest.raises(selfchecks.SelfCheckRuleError) as exc:
            publish(county, units=[other_county.township])
        assert "不是本县的单位" in exc.value.message
        assert not SelfCheck.objects.exists()

    def test_only_the_office_publishes(self, county, client_for):
        response = client_for(county.users[Role.UNIT_STAFF]).post(
            reverse("supervision:selfcheck-create"),
            {"title": "自查", "defaults": list(SPEECH), "due_on": "2099-01-01"},
        )
        assert response.status_code == 403
        with pytest.raises(selfchecks.SelfCheckRuleError):
            publish(county, acting_user=county.users[Role.LEADER])
        assert not SelfCheck.objects.exists()

    def test_the_office_publishes_from_the_page(self, county, client_for):
        client = client_for(county.users[Role.SUPERVISION])
        url = reverse("supervision:selfcheck-create")
        due = (dt.date.today() + dt.timedelta(days=7)).isoformat()
        data = {
            "title": "年终自问自查",
            "defaults": list(SPEECH[:2]),
            "extra": "本单位项目储备够不够？",
            "due_on": due,
            "units": [county.township.pk],
        }
        past = client.post(url, {**data, "due_on": "2020-01-01"})
        assert past.status_code == 400
        assert "截止日期不能早于今天" in past.content.decode()
        department = client.post(url, {**data, "units": [county.department.pk]})
        assert department.status_code == 400
        assert not SelfCheck.objects.exists()
        response = client.post(url, data)
        round_ = SelfCheck.objects.get()
        assert response.status_code == 302
        assert round_.questions == [*SPEECH[:2], "本单位项目储备够不够？"]
        assert list(round_.units.all()) == [county.township]


class TestAnswers:
    def test_a_unit_answers_and_the_office_sees_who_answered(self, county, client_for):
        round_ = publish(county)
        url = reverse("supervision:selfcheck", args=[round_.pk])
        staff = client_for(county.users[Role.UNIT_STAFF])
        form = staff.get(url).content.decode()
        assert "填报本单位自查情况" in form and "优势还有多少？" in form
        response = staff.post(
            reverse("supervision:selfcheck-answer", args=[round_.pk]),
            {"answer_0": "区位", "answer_1": "七成", "answer_2": "有差距", "answer_3": "用电"},
        )
        assert response.status_code == 302
        stored = SelfCheckAnswer.objects.get()
        assert (stored.unit, stored.answers) == (
            county.township,
            ["区位", "七成", "有差距", "用电"],
        )
        office = client_for(county.users[Role.SUPERVISION]).get(url).content.decode()
        assert "已填报 1/2" in office
        assert "区位" in office and "未填报" in office  # 河口镇 has not answered
        listed = (
            client_for(county.users[Role.SUPERVISION])
            .get(reverse("supervision:selfchecks"))
            .content.decode()
        )
        assert "已填报 1/2" in listed

    def test_the_unit_list_says_what_is_waiting(self, county, client_for):
        round_ = publish(county)
        client = client_for(county.users[Role.UNIT_STAFF])
        waiting = 'text-bg-warning">待填报'
        assert waiting in client.get(reverse("supervision:selfchecks")).content.decode()
        answer(county, round_)
        body = client.get(reverse("supervision:selfchecks")).content.decode()
        assert 'text-bg-info">已填报' in body and waiting not in body

    def test_every_question_needs_an_answer(self, county, client_for):
        round_ = publish(county)
        with pytest.raises(selfchecks.SelfCheckRuleError) as exc:
            answer(county, round_, texts=["区位", " ", "差距", "用电"])
        assert "请回答第 2 个问题：引领作用有多少？" in exc.value.message
        response = client_for(county.users[Role.UNIT_STAFF]).post(
            reverse("supervision:selfcheck-answer", args=[round_.pk]),
            {"answer_0": "区位保留在表单里"},
        )
        assert response.status_code == 400
        body = response.content.decode()
        assert "请回答第 2 个问题" in body and "区位保留在表单里" in body
        assert not SelfCheckAnswer.objects.exists()

    def test_editable_until_the_office_comments(self, county, client_for):
        round_ = publish(county)
        first = answer(county, round_)
        answer(county, round_, texts=["改过的回答", "二", "三", "四"])
        assert SelfCheckAnswer.objects.get().answers[0] == "改过的回答"
        response = client_for(county.users[Role.SUPERVISION]).post(
            reverse("supervision:selfcheck-comment", args=[first.pk]),
            {"comment": "问题找得准，请抓好落实。"},
        )
        assert response.status_code == 302
        stored = SelfCheckAnswer.objects.get()
        assert stored.comment == "问题找得准，请抓好落实。"
        assert stored.commented_by == county.users[Role.SUPERVISION]
        assert Notification.objects.filter(
            recipient=county.users[Role.UNIT_STAFF], title__contains="督查室已点评"
        ).exists()
        with pytest.raises(selfchecks.SelfCheckRuleError) as exc:
            answer(county, round_, texts=["再改", "二", "三", "四"])
        assert "督查室已点评" in exc.value.message
        assert SelfCheckAnswer.objects.get().answers[0] == "改过的回答"
        page = client_for(county.users[Role.UNIT_STAFF]).get(
            reverse("supervision:selfcheck", args=[round_.pk])
        )
        body = page.content.decode()
        assert "问题找得准，请抓好落实。" in body and "修改本单位自查情况" not in body

    def test_only_the_office_comments_and_not_with_an_empty_text(self, county, client_for):
        round_ = publish(county)
        given = answer(county, round_)
        url = reverse("supervision:selfcheck-comment", args=[given.pk])
        assert (
            client_for(county.users[Role.UNIT_STAFF]).post(url, {"comment": "自评"}).status_code
            == 403
        )
        empty = client_for(county.users[Role.SUPERVISION]).post(url, {"comment": " "})
        assert empty.status_code == 400
        assert "请填写点评意见" in empty.content.decode()
        assert SelfCheckAnswer.objects.get().comment == ""

    def test_a_round_not_addressed_to_the_unit_is_not_found(self, county, client_for):
        round_ = publish(county, units=[county.other_township])
        client = client_for(county.users[Role.UNIT_STAFF])
        assert client.get(reverse("supervision:selfcheck", args=[round_.pk])).status_code == 404
        response = client.post(
            reverse("supervision:selfcheck-answer", args=[round_.pk]),
            {"answer_0": "一", "answer_1": "二", "answer_2": "三", "answer_3": "四"},
        )
        assert response.status_code == 404
        with pytest.raises(selfchecks.SelfCheckRuleError):
            answer(county, round_)
        assert not SelfCheckAnswer.objects.exists()
        assert round_.title not in client.get(reverse("supervision:selfchecks")).content.decode()

    def test_a_unit_sees_only_its_own_answer(self, county, client_for):
        round_ = publish(county)
        answer(county, round_, texts=["城关镇的优势", "二", "三", "四"])
        answer(
            county,
            round_,
            texts=["河口镇的优势", "二", "三", "四"],
            user=county.users["other_staff"],
        )
        client = client_for(county.users[Role.UNIT_STAFF])
        body = client.get(reverse("supervision:selfcheck", args=[round_.pk])).content.decode()
        assert "城关镇的优势" in body and "河口镇的优势" not in body
        rows = client.get("/api/self-check-answers/").json()["results"]
        assert [r["unit_name"] for r in rows] == ["城关镇"]
        assert rows[0]["items"][0] == {"question": "优势还有多少？", "answer": "城关镇的优势"}
        rounds = client.get("/api/self-checks/").json()["results"]
        assert rounds[0]["units"] == [county.township.pk]
        office = client_for(county.users[Role.SUPERVISION]).get("/api/self-check-answers/").json()
        assert office["count"] == 2

    def test_another_countys_round_is_not_found(self, county, other_county, client_for):
        elsewhere = publish(
            other_county,
            acting_user=other_county.users[Role.SUPERVISION],
            units=[other_county.township],
        )
        client = client_for(county.users[Role.SUPERVISION])
        assert client.get(reverse("supervision:selfcheck", args=[elsewhere.pk])).status_code == 404


class TestUnitPage:
    def test_the_answer_shows_on_the_unit_page(self, county, client_for):
        round_ = publish(county)
        given = answer(county, round_, texts=["区位优势明显", "二", "三", "四"])
        selfchecks.selfcheck_comment(
            acting_user=county.users[Role.SUPERVISION], answer=given, text="自查深入"
        )
        url = reverse("directory:unit-detail", args=[county.township.pk])
        for role in (Role.SUPERVISION, Role.UNIT_STAFF, Role.PRINCIPAL):
            body = client_for(county.users[role]).get(url).content.decode()
            assert "自问自查" in body and "第四季度自问自查" in body
            assert "区位优势明显" in body and "自查深入" in body
        other_page = (
            client_for(county.users[Role.SUPERVISION])
            .get(reverse("directory:unit-detail", args=[county.other_township.pk]))
            .content.decode()
        )
        assert "区位优势明显" not in other_page
