"""Deadlines of enterprise requests: per class and urgency, tunable by each county.

Counted in working days of the foundation's calendar (``tuijin.core.workdays``) from the day
the service office dispatches the request (a request waiting in the pool is the office's
delay, not the unit's).

"Same day" (0 working days) means the dispatch day itself when it is a working day, and
otherwise the next working day: an urgent request dispatched on a Saturday is due on Monday,
not on the Saturday nobody works. N > 0 working days is the Nth working day after the
dispatch day, as everywhere in Tuijin.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from tuijin.core import workdays

from .models import Appeal, DeadlineRule

Kind = Appeal.Kind
Urgency = Appeal.Urgency

MAX_DAYS = 60

# (accept, first reply, resolve) in working days. The issue: accept within 1, first reply
# within 3, resolve within 5 for 咨询/求助 and 15 for 投诉/建议/举报; urgent ones the same day
# for accepting and the first reply, and resolved by the next working day.
_NORMAL_QUICK = (1, 3, 5)
_NORMAL_FULL = (1, 3, 15)
_URGENT = (0, 0, 1)
DEFAULTS: dict[tuple[str, str], tuple[int, int, int]] = {
    **{(kind, Urgency.NORMAL): _NORMAL_QUICK for kind in (Kind.CONSULT, Kind.HELP)},
    **{
        (kind, Urgency.NORMAL): _NORMAL_FULL
        for kind in (Kind.COMPLAINT, Kind.SUGGESTION, Kind.REPORT)
    },
    **{(kind, Urgency.URGENT): _URGENT for kind in Kind.values},
}


class Dues(NamedTuple):
    accept_due: dt.date
    reply_due: dt.date
    resolve_due: dt.date
    provisional: bool


def _region_id(region) -> int | None:
    return getattr(region, "pk", region)


def default_rule(region, kind: str, urgency: str) -> DeadlineRule:
    """An unsaved rule with the defaults of the issue."""
    accept, reply, resolve = DEFAULTS[(kind, urgency)]
    return DeadlineRule(
        region_id=_region_id(region),
        kind=kind,
        urgency=urgency,
        accept_days=accept,
        reply_days=reply,
        resolve_days=resolve,
    )


def rule_for(region, kind: str, urgency: str) -> DeadlineRule:
    """The county's own rule for this class and urgency, else the default (unsaved)."""
    if (kind, urgency) not in DEFAULTS:
        raise ValueError(f"未知的诉求类别或紧急程度：{kind}/{urgency}")
    rule = DeadlineRule.objects.filter(
        region_id=_region_id(region), kind=kind, urgency=urgency
    ).first()
    return rule or default_rule(region, kind, urgency)


def rules_table(region) -> list[DeadlineRule]:
    """Every class × urgency of the county, saved or default, in the order of the choices."""
    saved = {
        (r.kind, r.urgency): r for r in DeadlineRule.objects.filter(region_id=_region_id(region))
    }
    return [
        saved.get((kind, urgency)) or default_rule(region, kind, urgency)
        for kind in Kind.values
        for urgency in Urgency.values
    ]


def due_after(start: dt.date, days: int) -> workdays.WorkdayResult:
    """``days`` working days after ``start``; 0 is the same day, or the next working day."""
    if days == 0:
        if workdays.is_workday(start).value:
            return workdays.add_workdays(start, 0)
        return workdays.add_workdays(start, 1)
    return workdays.add_workdays(start, days)


def dues(received_or_dispatched_on: dt.date, rule) -> Dues:
    """Accept, first-reply and resolve due dates counted from the given day."""
    start = received_or_dispatched_on
    accept = due_after(start, rule.accept_days)
    reply = due_after(start, rule.reply_days)
    resolve = due_after(start, rule.resolve_days)
    provisional = accept.provisional or reply.provisional or resolve.provisional
    return Dues(accept.value, reply.value, resolve.value, provisional)


def validate_days(accept: int | None, reply: int | None, resolve: int | None) -> str | None:
    """A Chinese message when the three numbers cannot be a rule, else None."""
    for label, value in (("签收", accept), ("首次答复", reply), ("办结", resolve)):
        if value is None:
            return f"请填写{label}时限"
        if not 0 <= value <= MAX_DAYS:
            return f"{label}时限应在 0 到 {MAX_DAYS} 个工作日之间"
    if not accept <= reply <= resolve:
        return "时限应满足：签收 ≤ 首次答复 ≤ 办结"
    return None
