"""Pages of self-checks (自问自查): the rounds, the publish form, a round with who answered, the
unit's answer form and the office's comments; and the unit page's panel of a unit's answers.

Rounds and answers are read through ``visible_to``: a unit sees the rounds addressed to it and
its own answers, the county roles see all. Every change goes through ``selfchecks``.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from tuijin.core.childrows import ChildRows
from tuijin.core.panels import reads
from tuijin.core.permissions import role_required
from tuijin.core.roles import Role
from tuijin.core.scoping import get_visible_or_404, scope_of

from . import selfchecks
from .forms_meetings import PublishForm
from .menu import ORDER_ISSUERS, ORDER_VIEWERS
from .models import COUNTY_SUPERVISION_ROLES, SelfCheck, SelfCheckAnswer

MAX_COMMENT_CHARS = 2000


def _own_unit_id(request: HttpRequest) -> int | None:
    """The unit a user answers for (unit staff only)."""
    scope = scope_of(request.user)
    return scope.unit_id if Role.UNIT_STAFF in scope.roles else None


@role_required(ORDER_VIEWERS)
def selfcheck_list(request: HttpRequest) -> HttpResponse:
    rounds = list(
        SelfCheck.objects.visible_to(request.user)
        .annotate(total=Count("units", distinct=True), answered=Count("answers", distinct=True))
        .order_by("-due_on", "-id")
    )
    unit_id = _own_unit_id(request)
    own = {}
    if unit_id:
        own = {
            a.self_check_id: a
            for a in SelfCheckAnswer.objects.visible_to(request.user).filter(
                unit_id=unit_id, self_check__in=[r.pk for r in rounds]
            )
        }
    rows = [{"round": r, "own": own.get(r.pk)} for r in rounds]
    return render(
        request,
        "supervision/selfcheck_list.html",
        {
            "rows": rows,
            "county": scope_of(request.user).has(*COUNTY_SUPERVISION_ROLES),
            "unit_id": unit_id,
            "can_publish": scope_of(request.user).has(*ORDER_ISSUERS),
            "today": timezone.localdate(),
        },
    )


@role_required(ORDER_ISSUERS)
@require_http_methods(["GET", "POST"])
def selfcheck_create(request: HttpRequest) -> HttpResponse:
    form = PublishForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        questions = selfchecks.questions_with_defaults(data["extra"], defaults=data["defaults"])
        try:
            round_ = selfchecks.selfcheck_publish(
                acting_user=request.user,
                title=data["title"],
                questions=questions,
                due_on=data["due_on"],
                units=data["units"],
            )
        except selfchecks.SelfCheckRuleError as exc:
            field = {"questions": "extra"}.get(exc.field, exc.field)
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            messages.success(
                request, f"已向 {round_.units.count()} 个乡镇、平台发布「{round_.title}」"
            )
            return redirect("supervision:selfcheck", pk=round_.pk)
    if form.is_bound:
        selected = {int(v) for v in request.POST.getlist("units") if v.isdigit()}
    else:
        selected = set(form.fields["units"].initial)
    return render(
        request,
        "supervision/selfcheck_form.html",
        {"form": form, "selected_units": selected},
        status=400 if form.errors else 200,
    )


def _round(request: HttpRequest, pk: int) -> SelfCheck:
    base = SelfCheck.objects.select_related("published_by")
    return get_visible_or_404(base, request.user, pk=pk)


def _paired(questions: list[str], answers: list[str]) -> list[tuple[str, str]]:
    """Questions with their answers; a missing answer reads as empty."""
    return [(q, answers[i] if i < len(answers) else "") for i, q in enumerate(questions)]


def _render_round(request, round_, *, errors=None, drafts=None, comment_errors=None, status=200):
    scope = scope_of(request.user)
    county = scope.has(*COUNTY_SUPERVISION_ROLES)
    unit_id = _own_unit_id(request)
    answers = {
        a.unit_id: a
        for a in SelfCheckAnswer.objects.visible_to(request.user)
        .filter(self_check=round_)
        .select_related("submitted_by", "commented_by")
    }
    units = round_.units.order_by("order", "id")
    if not county:
        units = units.filter(pk=unit_id)
    rows = []
    for unit in units:
        answer = answers.get(unit.pk)
        rows.append(
            {
                "unit": unit,
                "answer": answer,
                "pairs": _paired(round_.questions, answer.answers) if answer else [],
                "late": bool(
                    answer and timezone.localtime(answer.submitted_at).date() > round_.due_on
                ),
                "comment_error": (comment_errors or {}).get(answer.pk) if answer else None,
            }
        )
    own = answers.get(unit_id) if unit_id else None
    can_answer = bool(
        unit_id and round_.units.filter(pk=unit_id).exists() and not (own and own.commented_at)
    )
    values = drafts or (own.answers if own else [])
    form_rows = [
        {"index": i, "question": q, "value": values[i] if i < len(values) else ""}
        for i, q in enumerate(round_.questions)
    ]
    return render(
        request,
        "supervision/selfcheck_detail.html",
        {
            "round": round_,
            "rows": rows,
            "county": county,
            "office": scope.has(*ORDER_ISSUERS),
            "answered": len(answers) if county else None,
            "can_answer": can_answer,
            "own": own,
            "form_rows": form_rows,
            "errors": errors or [],
            "today": timezone.localdate(),
        },
        status=status,
    )


@role_required(ORDER_VIEWERS)
def selfcheck_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_round(request, _round(request, pk))


@role_required(ORDER_VIEWERS)
@require_POST
def selfcheck_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """A unit's answers, one text per question (``answer_0``, ``answer_1``…)."""
    round_ = _round(request, pk)
    answers = [request.POST.get(f"answer_{i}", "") for i in range(len(round_.questions))]
    try:
        selfchecks.selfcheck_answer(acting_user=request.user, self_check=round_, answers=answers)
    except selfchecks.SelfCheckRuleError as exc:
        return _render_round(request, round_, errors=[exc.message], drafts=answers, status=400)
    messages.success(request, "自查情况已提交；督查室点评前仍可修改")
    return redirect("supervision:selfcheck", pk=round_.pk)


@role_required(ORDER_ISSUERS)
@require_POST
def selfcheck_comment(request: HttpRequest, pk: int) -> HttpResponse:
    answer = get_visible_or_404(
        SelfCheckAnswer.objects.select_related("self_check", "unit"), request.user, pk=pk
    )
    text = request.POST.get("comment", "")
    try:
        if len(text) > MAX_COMMENT_CHARS:
            raise selfchecks.SelfCheckRuleError(f"点评意见不能超过 {MAX_COMMENT_CHARS} 字")
        selfchecks.selfcheck_comment(acting_user=request.user, answer=answer, text=text)
    except selfchecks.SelfCheckRuleError as exc:
        return _render_round(
            request, answer.self_check, comment_errors={answer.pk: exc.message}, status=400
        )
    messages.success(request, f"已点评{answer.unit.name}的自查")
    return redirect("supervision:selfcheck", pk=answer.self_check_id)


def _unit_answers(request) -> ChildRows:
    answers = SelfCheckAnswer.objects.visible_to(request.user).filter(unit=OuterRef("pk"))
    return ChildRows(answers.order_by("-self_check__due_on", "-id"), "self_check", limit=5)


@reads(lambda request: {"supervision_answers_rows": _unit_answers(request)})
def unit_selfchecks_panel(request, unit) -> dict | None:
    """The unit page's section: the unit's self-check answers, newest round first (read in
    the page's own query of the unit)."""
    answers = unit.supervision_answers_rows
    if not answers:
        return None
    return {
        "template": "supervision/_selfcheck_panel.html",
        "context": {
            "unit": unit,
            "answers": [
                {"answer": a, "pairs": _paired(a.self_check.questions, a.answers)} for a in answers
            ],
        },
    }
