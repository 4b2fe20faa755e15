"""Intake suggestions: the likely topic, handling unit and possible duplicates of a new
request, learnt from the county's past requests, each with the reason it was suggested.

Words come from jieba (its dictionary ships with the package, plus a small county word list
in ``suggest_words.txt``; nothing is downloaded). Past requests are TF-IDF vectors compared by
cosine similarity, in plain Python: a county has thousands of requests, not millions, and the
index keeps only the latest ``MAX_RECORDS`` of them. The index is rebuilt when a request is
added or changes (the cache key reads the newest request and event ids), and words of a past
request are tokenised once per process.

Topics and units are voted by the nearest past requests that were dispatched (their topic
and lead unit were confirmed by the service office), weighted by similarity; a keyword prior
per topic lets a county with no history still get topic suggestions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import jieba

from .models import Appeal

MAX_RECORDS = 5_000
NEIGHBOURS = 8
MIN_SIMILARITY = 0.05
# A keyword hit is worth about as much as one fairly similar past request.
PRIOR_WEIGHT = 0.25
PRIOR_MAX_HITS = 3
DUPLICATE_DAYS = 90
# Same enterprise: similar enough to be "the same matter again"; enterprise not yet known:
# nearly the same text.
DUPLICATE_SAME_ENTERPRISE = 0.3
DUPLICATE_ANY_ENTERPRISE = 0.75
SHARED_WORDS = 3
WORDS_FILE = Path(__file__).with_name("suggest_words.txt")

# Words that tell a topic even when the county has no past requests to compare with.
# fmt: off
TOPIC_KEYWORDS: dict[str, tuple[str, ...]] = {
    Appeal.Topic.FINANCING: (
        "贷款", "授信", "续贷", "融资", "贴息", "过桥资金", "担保", "抵押", "银行", "资金", "利率", "转贷",
    ),
    Appeal.Topic.LAND: (
        "用地", "用地指标", "土地", "土地出让", "不动产权证", "不动产登记", "征地", "规划", "红线", "容积率", "宅基地",
    ),
    Appeal.Topic.APPROVAL: (
        "审批", "环评", "施工许可", "许可证", "营业执照", "办证", "验收", "备案", "排污许可", "安评", "能评", "手续",
    ),
    Appeal.Topic.LABOUR: (
        "招工", "用工", "工人", "社保", "技能培训", "员工", "人才", "稳岗", "劳动", "工资", "欠薪", "招聘",
    ),
    Appeal.Topic.POLICY: (
        "补贴", "奖补", "兑现", "政策兑现", "奖励", "扶持", "退税", "技改", "高企认定", "申报", "减免",
    ),
    Appeal.Topic.INFRASTRUCTURE: (
        "道路", "断头路", "路灯", "管网", "桥梁", "排水", "公交", "厂房", "标准厂房", "污水管网", "积水",
    ),
    Appeal.Topic.ENFORCEMENT: (
        "检查", "执法检查", "重复检查", "罚款", "处罚", "执法", "整改", "查封", "多头检查", "乱收费",
    ),
    Appeal.Topic.UTILITIES: (
        "用电", "供电", "停电", "增容", "变压器", "电价", "供水", "停水", "天然气", "燃气", "水压", "专线",
    ),
}
# Words too common in requests to tell one from another.
STOPWORDS = frozenset((
    "的", "了", "和", "与", "及", "或", "是", "在", "有", "也", "都", "就", "还", "又", "对", "把", "被", "给",
    "从", "向", "到", "让", "使", "等", "为", "以", "于", "而", "并", "但", "我", "我们", "我司", "本公司", "公司",
    "企业", "贵", "您", "你", "他", "她", "它", "其", "该", "此", "这", "那", "这个", "那个", "这些", "哪些", "请",
    "请求", "恳请", "咨询", "了解", "告知", "不够", "较大", "严重", "希望", "望", "能", "能否", "能够", "可以", "是否", "如何", "怎么", "怎样", "什么", "为什么", "多少",
    "何时", "现在", "目前", "一直", "已经", "已", "仍", "仍然", "尚", "尚未", "没有", "未", "不", "无", "很", "较",
    "比较", "非常", "特别", "一些", "一下", "一个", "几个", "问题", "情况", "事项", "事情", "方面", "有关", "相关", "进行",
    "需要", "需", "要", "帮助", "帮忙", "协调", "解决", "反映", "要求", "申请", "县", "镇", "乡", "市", "省", "政府",
    "部门", "单位", "相关部门", "有关部门", "领导", "答复", "办理", "处理", "落实", "尽快", "及时", "影响", "今年", "去年",
    "明年", "本月", "上月", "月", "日", "年", "天", "时", "后", "前", "中", "内", "上", "下", "个", "次", "件", "家",
    "名", "人", "万元", "元",
))
# fmt: on
# Single characters that still carry meaning in a request.
SINGLE_CHARS = frozenset("水电气路税地贷桥")
WORD = re.compile(r"[\u4e00-\u9fff]+|[a-zA-Z]+|\d+")

_tokenizer: jieba.Tokenizer | None = None
_tokenizer_lock = threading.Lock()


def _jieba() -> jieba.Tokenizer:
    """One tokenizer per process with the county words, initialised quietly on first use."""
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                tokenizer.load_userdict(str(WORDS_FILE))
                _tokenizer = tokenizer
    return _tokenizer


def tokenize(text: str) -> Counter:
    """Meaningful words of ``text`` with their counts; long words also count their head and
    tail words, so 用地指标 matches 用地."""
    words: Counter = Counter()
    tokenizer = _jieba()
    for whole in tokenizer.cut(text or ""):
        for word in _with_parts(tokenizer, whole.strip().lower()):
            if not word or word in STOPWORDS or not WORD.fullmatch(word) or word.isdigit():
                continue
            if len(word) == 1 and word not in SINGLE_CHARS:
                continue
            words[word] += 1
    return words


def _with_parts(tokenizer: jieba.Tokenizer, word: str) -> list[str]:
    """A long word and the dictionary words it starts or ends with, so that 贷款额度 also
    matches 贷款 and 额度 (but not the 款额 straddling them)."""
    if len(word) < 3:
        return [word]
    parts = [
        part
        for part in tokenizer.cut_for_search(word)
        if part != word and len(part) >= 2 and (word.startswith(part) or word.endswith(part))
    ]
    return [word, *parts]


# --- Results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """One suggested topic (value: code), unit (value: id) or duplicate (value: appeal id)."""

    label: str
    value: str | int
    score: float
    why: str


@dataclass
class Suggestions:
    topics: list[Suggestion] = field(default_factory=list)
    units: list[Suggestion] = field(default_factory=list)
    duplicates: list[Suggestion] = field(default_factory=list)


@dataclass(frozen=True)
class PastAppeal:
    """What the index needs of one past request; also built by hand in tests."""

    id: int
    code: str
    text: str
    topic: str = ""
    unit_id: int | None = None
    unit_name: str = ""
    enterprise_id: int | None = None
    enterprise_name: str = ""
    received_on: dt.date | None = None
    is_open: bool = False
    status_label: str = ""


def _normalise_name(name: str) -> str:
    return re.sub(r"[\s（）()·]", "", name or "")


def _join(words: Iterable[str]) -> str:
    return "、".join(words)


# --- The index ----------------------------------------------------------------------------


class SuggestionIndex:
    """TF-IDF vectors of past requests with an inverted index for cosine similarity."""

    def __init__(self, records: list[PastAppeal], terms: list[Counter]):
        self.records = records
        count = len(records)
        document_frequency: Counter = Counter()
        for words in terms:
            document_frequency.update(words.keys())
        self.idf = {
            word: math.log((1 + count) / (1 + df)) + 1.0 for word, df in document_frequency.items()
        }
        self.vectors = [self._vector(words) for words in terms]
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for position, vector in enumerate(self.vectors):
            for word, weight in vector.items():
                self.postings[word].append((position, weight))
        # Which units usually lead each topic: the fallback when neighbours are few.
        self.topic_units: dict[str, Counter] = defaultdict(Counter)
        self.unit_names: dict[int, str] = {}
        for record in records:
            if record.unit_id and record.topic:
                self.topic_units[record.topic][record.unit_id] += 1
                self.unit_names[record.unit_id] = record.unit_name

    @classmethod
    def build(
        cls,
        records: Iterable[PastAppeal],
        terms_of: Callable[[PastAppeal], Counter] | None = None,
    ) -> SuggestionIndex:
        """An index of ``records`` (no database needed); ``terms_of`` may serve cached words."""
        records = list(records)
        terms_of = terms_of or (lambda record: tokenize(record.text))
        return cls(records, [terms_of(record) for record in records])

    def _vector(self, words: Counter) -> dict[str, float]:
        weights = {
            word: (1.0 + math.log(n)) * self.idf[word]
            for word, n in words.items()
            if word in self.idf
        }
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {word: w / norm for word, w in weights.items()} if norm else {}

    def similar(self, text: str) -> tuple[dict[str, float], list[tuple[int, float]]]:
        """The query's vector and every past request sharing a word, most similar first."""
        query = self._vector(tokenize(text))
        scores: dict[int, float] = defaultdict(float)
        for word, weight in query.items():
            for position, other in self.postings.get(word, ()):
                scores[position] += weight * other
        ranked = sorted(scores.items(), key=lambda item: (-item[1], -self.records[item[0]].id))
        return query, ranked

    def _shared(self, query: dict[str, float], positions: Iterable[int]) -> list[str]:
        """The query's words that the given past requests also use, weightiest first."""
        common: dict[str, float] = defaultdict(float)
        for position in positions:
            vector = self.vectors[position]
            for word, weight in query.items():
                if word in vector:
                    common[word] += weight * vector[word]
        chosen: list[str] = []
        for word in sorted(common, key=lambda word: (-common[word], word)):
            # 授信 and 授信额度 say the same thing once.
            if any(word in other or other in word for other in chosen):
                continue
            chosen.append(word)
            if len(chosen) == SHARED_WORDS:
                break
        return chosen

    def _because(self, query: dict[str, float], positions: list[int]) -> str:
        first = self.records[positions[0]].code
        many = f"等{len(positions)}件" if len(positions) > 1 else ""
        words = self._shared(query, positions)
        tail = f"（共同词：{_join(words)}）" if words else ""
        return f"与{first}{many}相似{tail}"

    def suggest(
        self,
        text: str,
        k: int = 3,
        *,
        enterprise_id: int | None = None,
        enterprise_name: str = "",
        today: dt.date | None = None,
        exclude_id: int | None = None,
    ) -> Suggestions:
        query, ranked = self.similar(text)
        ranked = [
            (p, s) for p, s in ranked if s >= MIN_SIMILARITY and self.records[p].id != exclude_id
        ]
        dispatched = [(p, s) for p, s in ranked if self.records[p].unit_id][:NEIGHBOURS]
        result = Suggestions()
        result.topics = self._topics(text, query, dispatched, k)
        top_topic = str(result.topics[0].value) if result.topics else ""
        excluded = next((r for r in self.records if r.id == exclude_id), None)
        result.units = self._units(query, dispatched, k, top_topic, excluded)
        result.duplicates = self._duplicates(
            query, ranked, k, enterprise_id, enterprise_name, today or dt.date.today()
        )
        return result

    def _topics(self, text, query, neighbours, k) -> list[Suggestion]:
        votes: dict[str, float] = defaultdict(float)
        voters: dict[str, list[int]] = defaultdict(list)
        for position, score in neighbours:
            topic = self.records[position].topic
            if topic:
                votes[topic] += score
                voters[topic].append(position)
        words = set(tokenize(text))
        hits = {
            topic: [w for w in keywords if w in words] for topic, keywords in TOPIC_KEYWORDS.items()
        }
        for topic, found in hits.items():
            if found:
                votes[topic] += PRIOR_WEIGHT * min(len(found), PRIOR_MAX_HITS)
        total = sum(votes.values())
        suggestions = []
        for topic in sorted(votes, key=lambda t: (-votes[t], t))[:k]:
            reasons = []
            if voters.get(topic):
                reasons.append(self._because(query, voters[topic]))
            if hits.get(topic):
                reasons.append(f"含领域关键词：{_join(hits[topic][:SHARED_WORDS])}")
            label = Appeal.Topic(topic).label if topic in Appeal.Topic.values else topic
            suggestions.append(
                Suggestion(label, topic, round(votes[topic] / total, 3), "；".join(reasons))
            )
        return suggestions

    def _units(self, query, neighbours, k, top_topic, excluded) -> list[Suggestion]:
        votes: dict[int, float] = defaultdict(float)
        voters: dict[int, list[int]] = defaultdict(list)
        names: dict[int, str] = {}
        for position, score in neighbours:
            record = self.records[position]
            votes[record.unit_id] += score
            voters[record.unit_id].append(position)
            names[record.unit_id] = record.unit_name
        total = sum(votes.values()) or 1.0
        suggestions = [
            Suggestion(
                names[unit_id],
                unit_id,
                round(votes[unit_id] / total, 3),
                self._because(query, voters[unit_id]),
            )
            for unit_id in sorted(votes, key=lambda u: (-votes[u], u))[:k]
        ]
        # Too few similar requests: the units that usually lead the suggested topic.
        usual = Counter(self.topic_units.get(top_topic, Counter()))
        if excluded is not None and excluded.topic == top_topic and excluded.unit_id:
            usual[excluded.unit_id] -= 1
        topic_label = Appeal.Topic(top_topic).label if top_topic in Appeal.Topic.values else ""
        for unit_id, count in usual.most_common():
            if len(suggestions) >= k:
                break
            if unit_id in votes or count <= 0:
                continue
            why = f"本县「{topic_label}」类诉求常由该单位主办（{count}件）"
            suggestions.append(Suggestion(self.unit_names[unit_id], unit_id, 0.0, why))
        return suggestions

    def _duplicates(
        self, query, ranked, k, enterprise_id, enterprise_name, today
    ) -> list[Suggestion]:
        since = today - dt.timedelta(days=DUPLICATE_DAYS)
        name = _normalise_name(enterprise_name)
        found = []
        for position, score in ranked:
            record = self.records[position]
            recent = record.received_on is not None and record.received_on >= since
            if not (record.is_open or recent):
                continue
            same = bool(
                (enterprise_id and record.enterprise_id == enterprise_id)
                or (name and _normalise_name(record.enterprise_name) == name)
            )
            if enterprise_id or name:
                if not same or score < DUPLICATE_SAME_ENTERPRISE:
                    continue
            elif score < DUPLICATE_ANY_ENTERPRISE:  # enterprise not known yet: nearly equal text
                continue
            who = "同一企业" if same else f"内容高度相似（{record.enterprise_name}）"
            words = self._shared(query, [position])
            when = f"{record.received_on:%Y-%m-%d}受理" if record.received_on else ""
            state = "，".join(x for x in (record.status_label, when) if x)
            why = f"{who}：{record.code}（{state}）相似度{score:.0%}"
            if words:
                why += f"，共同词：{_join(words)}"
            found.append(Suggestion(record.code, record.id, round(score, 3), why))
            if len(found) >= k:
                break
        return found


# --- The county's index, cached -------------------------------------------------------------

_cache: dict[int, tuple[tuple, SuggestionIndex]] = {}
# Words of past requests by appeal id, with a digest of the text they came from.
_words: dict[int, tuple[str, Counter]] = {}
_cache_lock = threading.Lock()


def _cache_key(region_id: int) -> tuple:
    """The county's requests and their events as they stand, in one query."""
    from django.db.models import Count, Max

    key = Appeal.objects.filter(region_id=region_id).aggregate(
        n=Count("id", distinct=True), last=Max("id"), at=Max("created_at"), event=Max("events__id")
    )
    return (key["n"], key["last"], key["at"], key["event"])


def _past_appeals(region_id: int) -> list[PastAppeal]:
    rows = (
        Appeal.objects.filter(region_id=region_id)
        .order_by("-id")
        .values(
            "id",
            "year",
            "number",
            "title",
            "text",
            "topic",
            "status",
            "lead_unit_id",
            "lead_unit__name",
            "enterprise_id",
            "enterprise_name",
            "received_on",
        )[:MAX_RECORDS]
    )
    statuses = dict(Appeal.Status.choices)
    return [
        PastAppeal(
            id=row["id"],
            code=f"诉〔{row['year']}〕{row['number']}号",
            text=f"{row['title']}\n{row['text']}",
            topic=row["topic"],
            unit_id=row["lead_unit_id"],
            unit_name=row["lead_unit__name"] or "",
            enterprise_id=row["enterprise_id"],
            enterprise_name=row["enterprise_name"],
            received_on=row["received_on"],
            is_open=row["status"] != Appeal.Status.RESOLVED,
            status_label=statuses.get(row["status"], ""),
        )
        for row in rows
    ]


def _cached_words(record: PastAppeal) -> Counter:
    digest = hashlib.blake2b(record.text.encode(), digest_size=8).hexdigest()
    cached = _words.get(record.id)
    if cached is None or cached[0] != digest:
        cached = (digest, tokenize(record.text))
        _words[record.id] = cached
    return cached[1]


def county_index(region_id: int) -> SuggestionIndex:
    """The index of the county's latest requests, rebuilt only when requests changed."""
    key = _cache_key(region_id)
    with _cache_lock:
        hit = _cache.get(region_id)
        if hit is not None and hit[0] == key:
            return hit[1]
        records = _past_appeals(region_id)
        index = SuggestionIndex.build(records, _cached_words)
        _cache[region_id] = (key, index)
        # Bounded memory: forget the words of requests no county index holds any more.
        if len(_words) > MAX_RECORDS * max(len(_cache), 1):
            kept = {r.id for _, idx in _cache.values() for r in idx.records}
            for appeal_id in [a for a in _words if a not in kept]:
                del _words[appeal_id]
        return index


def suggest_for(
    region_id: int,
    text: str,
    k: int = 3,
    *,
    enterprise_id: int | None = None,
    enterprise_name: str = "",
    today: dt.date | None = None,
    exclude_id: int | None = None,
) -> Suggestions:
    """Topic, lead unit and possible duplicates for a new request of the county, with reasons.

    ``exclude_id`` leaves a request out of its own suggestions (when it is already saved).
    """
    from django.utils import timezone

    index = county_index(region_id)
    return index.suggest(
        text,
        k,
        enterprise_id=enterprise_id,
        enterprise_name=enterprise_name,
        today=today or timezone.localdate(),
        exclude_id=exclude_id,
    )
