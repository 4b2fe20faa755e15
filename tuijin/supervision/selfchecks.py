"""Self-checks (自问自查): the office asks the townships and platforms, they answer, it comments.

The speech's three questions (``DEFAULT_SELF_CHECK_QUESTIONS``) open every round and the office
adds its own. A unit's answer stays editable until the office has commented on it: a comment
answers what the unit wrote, so the text under it must not change afterwards. Answers given
after the due date are accepted (a late answer beats none) and shown as late.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tuijin.core.models import Person, Unit, User, notify
from tuijin.core.roles import Role
from tuijin.core.scoping import home_region_id, scope_of

from .models import DEFAULT_SELF_CHECK_QUESTIONS, SelfCheck, SelfCheckAnswer

# Only townships and platforms are asked: they are the ones ranked against each other.
SELF_CHECK_KINDS = (Unit.Kind.TOWNSHIP, Unit.Kind.PLATFORM)
MAX_QUESTIONS = 20
MAX_ANSWER_CHARS = 2000


class SelfCheckRuleError(ValueError):
    """A rule of self-checks refused the change; ``field`` names the offending field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


def questions_with_defaults(extra: str | Iterable[str] = "", defaults=DEFAULT_SELF_CHECK_QUESTIONS):
    """The chosen speech questions followed by the office's own, one per line, blanks dropped
    and repeats kept once."""
    lines = extra.splitlines() if isinstance(extra, str) else list(extra)
    seen: list[str] = []
    for question in [*defaults, *lines]:
        question = (question or "").strip()
        if question and question not in seen:
            seen.append(question)
    return seen


def _link(self_check: SelfCheck) -> str:
    return reverse("supervision:selfcheck", args=[self_check.pk])


@transaction.atomic
def selfcheck_publish(
    *,
    acting_user: User,
    title: str,
    questions: Iterable[str],
    due_on: dt.date | None,
    units: Iterable[Unit],
    today: dt.date | None = None,
) -> SelfCheck:
    """Publish a round to townships and platforms of the county; their people are told."""
    scope = scope_of(acting_user)
    if not scope.has(Role.SUPERVISION):
        raise SelfCheckRuleError("只有督查室可以发布自问自查", "self_check")
    today = today or timezone.localdate()
    title = (title or "").strip()
    if not title:
        raise SelfCheckRuleError("请填写自查主题", "title")
    questions = questions_with_defaults(questions, defaults=())
    if not questions:
        raise SelfCheckRuleError("请至少填写一个自查问题", "questions")
    if len(questions) > MAX_QUESTIONS:
        raise SelfCheckRuleError(f"自查问题最多 {MAX_QUESTIONS} 个", "questions")
    if due_on is None:
        raise SelfCheckRuleError("请填写截止日期", "due_on")
    if due_on < today:
        raise SelfCheckRuleError("截止日期不能早于今天", "due_on")
    units = list(units or [])
    if not units:
        raise SelfCheckRuleError("请至少选择一个自查单位", "units")
    region_id = home_region_id(acting_user)
    for unit in units:
        if unit.region_id != region_id:
            raise SelfCheckRuleError(f"{unit.name}不是本县的单位", "units")
        if unit.kind not in SELF_CHECK_KINDS:
            raise SelfCheckRuleError(
                f"自问自查面向乡镇和平台，{unit.name}是{unit.get_kind_display()}", "units"
            )
    self_check = SelfCheck.objects.create(
        region_id=region_id,
        title=title[:120],
        questions=questions,
        due_on=due_on,
        published_by=acting_user,
    )
    self_check.units.set(units)
    body = "\n".join(
        [
            f"请于 {due_on:%Y-%m-%d} 前在平台填报：",
            *(f"{i}. {q}" for i, q in enumerate(questions, 1)),
        ]
    )
    for person in Person.objects.filter(unit__in=units, user__isnull=False).select_related("user"):
        notify(person.user, f"自问自查：{self_check.title}", body, _link(self_check))
    return self_check


def _own_unit(acting_user: User, self_check: SelfCheck) -> int:
    scope = scope_of(acting_user)
    if Role.UNIT_STAFF not in scope.roles or not scope.unit_id:
        raise SelfCheckRuleError("只有被要求自查的乡镇、平台的人员可以填报", "self_check")
    if not self_check.units.filter(pk=scope.unit_id).exists():
        raise SelfCheckRuleError("这次自问自查没有要求本单位填报", "self_check")
    return scope.unit_id


@transaction.atomic
def selfcheck_answer(
    *, acting_user: User, self_check: SelfCheck, answers: list[str]
) -> SelfCheckAnswer:
    """A unit answers every question of the round; it may edit until the office comments."""
    unit_id = _own_unit(acting_user, self_check)
    answers = [(a or "").strip() for a in (answers or [])]
    questions = list(self_check.questions)
    if len(answers) != len(questions):
        raise SelfCheckRuleError(f"请逐一回答全部 {len(questions)} 个问题", "answers")
    for number, (question, answer) in enumerate(zip(questions, answers, strict=True), 1):
        if not answer:
            raise SelfCheckRuleError(f"请回答第 {number} 个问题：{question}", "answers")
        if len(answer) > MAX_ANSWER_CHARS:
            raise SelfCheckRuleError(
                f"第 {number} 个问题的回答不能超过 {MAX_ANSWER_CHARS} 字", "answers"
            )
    existing = (
        SelfCheckAnswer.objects.select_for_update()
        .filter(self_check=self_check, unit_id=unit_id)
        .first()
    )
    if existing is not None and existing.commented_at is not None:
        raise SelfCheckRuleError("督查室已点评，回答不能再修改", "answers")
    answer = existing or SelfCheckAnswer(self_check=self_check, unit_id=unit_id)
    answer.answers = answers
    answer.submitted_by = acting_user
    answer.save()
    if existing is None:
        notify(
            self_check.published_by,
            f"自问自查已填报：{answer.unit.name}",
            self_check.title,
            _link(self_check),
        )
    return answer


@transaction.atomic
def selfcheck_comment(*, acting_user: User, answer: SelfCheckAnswer, text: str) -> SelfCheckAnswer:
    """The office comments on a unit's answer (点评); the unit is told and its answer is final."""
    scope = scope_of(acting_user)
    if not scope.has(Role.SUPERVISION):
        raise SelfCheckRuleError("只有督查室可以点评", "comment")
    if not scope.is_admin and answer.self_check.region_id not in scope.region_ids:
        raise SelfCheckRuleError("这份自查不是本县的", "comment")
    text = (text or "").strip()
    if not text:
        raise SelfCheckRuleError("请填写点评意见", "comment")
    answer.comment = text
    answer.commented_by = acting_user
    answer.commented_at = timezone.now()
    answer.save(update_fields=["comment", "commented_by", "commented_at"])
    notify(
        answer.submitted_by,
        f"督查室已点评：{answer.self_check.title}",
        text,
        _link(answer.self_check),
    )
    return answer
