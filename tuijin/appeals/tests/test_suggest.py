"""Intake suggestions: topic and lead unit from past requests, duplicates, and the reasons."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tuijin.appeals.models import Appeal
from tuijin.appeals.suggest import PastAppeal, SuggestionIndex, suggest_for, tokenize
from tuijin.core.models import Unit

LABELLED = json.loads(
    (Path(__file__).parent / "data" / "labelled_appeals.json").read_text(encoding="utf-8")
)


def _split():
    """Every third labelled request is held out; the rest are the county's history."""
    units = {name: i for i, name in enumerate(sorted({x["unit"] for x in LABELLED}), start=1)}
    train, test = [], []
    for i, item in enumerate(LABELLED):
        (test if i % 3 == 2 else train).append(item)
    history = [
        PastAppeal(
            id=i,
            code=f"诉〔2026〕{i}号",
            text=f"{x['title']}\n{x['text']}",
            topic=x["topic"],
            unit_id=units[x["unit"]],
            unit_name=x["unit"],
        )
        for i, x in enumerate(train, start=1)
    ]
    return SuggestionIndex.build(history), test


def test_labelled_set_is_big_enough_and_uses_demo_units():
    from tuijin.core.demo import DEPARTMENTS

    assert len(LABELLED) >= 40
    assert {x["unit"] for x in LABELLED} <= set(DEPARTMENTS)
    assert {x["topic"] for x in LABELLED} <= set(Appeal.Topic.values)


def test_held_out_requests_get_the_right_unit_in_top_three_and_topic_first():
    index, test = _split()
    unit_hits = topic_hits = 0
    for item in test:
        result = index.suggest(f"{item['title']}\n{item['text']}", k=3)
        unit_hits += item["unit"] in [s.label for s in result.units[:3]]
        topic_hits += bool(result.topics) and result.topics[0].value == item["topic"]
    assert len(test) >= 20
    assert unit_hits / len(test) >= 0.8, f"top-3 unit accuracy {unit_hits}/{len(test)}"
    assert topic_hits / len(test) >= 0.8, f"top-1 topic accuracy {topic_hits}/{len(test)}"


def test_why_names_the_shared_words_and_the_nearest_request():
    history = [
        PastAppeal(
            1,
            "诉〔2026〕12号",
            "银行压缩授信额度\n合作银行压缩授信，续贷困难",
            "financing",
            7,
            "县财政局",
        ),
        PastAppeal(2, "诉〔2026〕13号", "园区停电\n本月园区频繁停电", "utilities", 8, "县供电公司"),
    ]
    result = SuggestionIndex.build(history).suggest("银行授信额度不够，请协调续贷")
    assert result.units[0].label == "县财政局"
    assert result.units[0].value == 7
    why = result.units[0].why
    assert why.startswith("与诉〔2026〕12号相似（共同词：")
    assert "授信" in why
    assert result.topics[0].value == "financing"
    assert "授信" in result.topics[0].why


def test_a_county_without_history_still_gets_a_topic_from_key_words():
    result = SuggestionIndex.build([]).suggest("新上生产线，变压器容量不够，申请电力增容")
    assert result.topics[0].value == "utilities"
    assert result.topics[0].label == "水电气"
    assert "变压器" in result.topics[0].why
    assert result.units == [] and result.duplicates == []


def test_county_words_are_kept_whole():
    words = tokenize("申请用地指标和环评批复，水电气要素保障")
    assert {"用地指标", "环评", "水电气"} <= set(words)
    assert "和" not in words


# --- Against the database -----------------------------------------------------------------


def _appeal(county, number, title, text, *, received_on, unit=None, status="resolved", **extra):
    return Appeal.objects.create(
        region=county.region,
        year=received_on.year,
        number=number,
        source=Appeal.Source.PORTAL,
        enterprise_name=extra.pop("enterprise_name", "清溪精工机械有限公司"),
        kind=Appeal.Kind.HELP,
        topic=extra.pop("topic", "financing"),
        title=title,
        text=text,
        received_on=received_on,
        lead_unit=unit,
        status=status,
        **extra,
    )


@pytest.fixture
def finance(county):
    return Unit.objects.create(region=county.region, name="县财政局", kind=Unit.Kind.DEPARTMENT)


def test_suggest_for_reads_the_county_and_sees_new_requests(county, other_county, finance):
    today = dt.date(2026, 11, 20)
    text = "流动资金贷款到期，银行要求先还后贷，申请过桥资金续贷"
    assert suggest_for(county.region.pk, text, today=today).units == []
    other_unit = Unit.objects.create(
        region=other_county.region, name="云岭县财政局", kind="department"
    )
    _appeal(
        other_county,
        1,
        "续贷困难",
        "贷款到期续贷困难，申请过桥资金",
        received_on=today,
        unit=other_unit,
    )
    assert suggest_for(county.region.pk, text, today=today).units == []

    past = _appeal(
        county, 1, "续贷资金困难", "贷款到期续贷困难，申请过桥资金", received_on=today, unit=finance
    )
    result = suggest_for(county.region.pk, text, today=today)
    assert [s.value for s in result.units] == [finance.pk]
    assert past.code in result.units[0].why
    # A request is not its own duplicate or neighbour.
    assert suggest_for(county.region.pk, text, today=today, exclude_id=past.pk).units == []


def test_duplicates_are_recent_or_open_requests_of_the_same_enterprise(county, finance):
    today = dt.date(2026, 11, 20)
    text = "厂房抵押贷款评估价值偏低，贷款额度不够，请协调增加信用贷款额度"
    recent = _appeal(
        county,
        1,
        "抵押贷款额度不够",
        text,
        received_on=today - dt.timedelta(days=10),
        status="accepted",
        unit=finance,
    )
    _appeal(
        county,
        2,
        "抵押贷款额度不够",
        text,
        received_on=today - dt.timedelta(days=200),
        unit=finance,
    )
    _appeal(
        county,
        3,
        "抵押贷款额度不够",
        text,
        received_on=today - dt.timedelta(days=5),
        enterprise_name="别家公司",
        unit=finance,
    )
    _appeal(
        county,
        4,
        "园区停电",
        "本月园区频繁停电，设备损坏",
        received_on=today,
        status="new",
        topic="utilities",
    )

    result = suggest_for(
        county.region.pk,
        "我司厂房抵押贷款额度不够，评估价值偏低",
        enterprise_name="清溪精工机械有限公司",
        today=today,
    )
    assert [d.value for d in result.duplicates] == [recent.pk]
    why = result.duplicates[0].why
    assert why.startswith(f"同一企业：{recent.code}（办理中，")
    assert "共同词" in why and "贷款" in why
