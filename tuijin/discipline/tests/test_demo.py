"""The demo's part of the three rules (issue 6 point 11): meetings incl. one refused, leave,
a year and more of reception time, this year's target; the same every time."""

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from tuijin.core.roles import Role
from tuijin.discipline.demo import seed_discipline
from tuijin.discipline.models import Leave, Meeting, ReceptionLog, ReceptionTarget


def snapshot():
    return (
        list(Meeting.objects.order_by("id").values_list("held_on", "topic", "status")),
        list(Leave.objects.order_by("id").values_list("person_id", "start_date", "status")),
        list(ReceptionLog.objects.order_by("id").values_list("person_id", "on_date", "minutes")),
    )


def test_the_demo_has_every_case_and_is_deterministic(county, heads, project):
    seed_discipline(county.region, random.Random(20260501))
    today = timezone.localdate()

    refused = Meeting.objects.get(status=Meeting.Status.REFUSED)
    approved = Meeting.objects.get(status=Meeting.Status.APPROVED)
    assert refused.restricted and refused.approval_note
    assert approved.approved_by == county.people[Role.PRINCIPAL]
    assert Meeting.objects.filter(status=Meeting.Status.PENDING).count() == 1
    assert Meeting.objects.filter(restricted=True, status=Meeting.Status.ALLOWED).exists()
    # Only principal leaders convened township heads without an approval.
    assert not Meeting.objects.filter(restricted=True, status=Meeting.Status.ALLOWED).exclude(
        convener=county.people[Role.PRINCIPAL]
    )

    project_leave = Leave.objects.filter(reason_kind=Leave.Reason.PROJECT_WORK)
    assert project_leave.filter(project=project, person=county.people[Role.UNIT_STAFF]).exists()
    assert set(project_leave.values_list("status", flat=True)) == {Leave.Status.AUTO_APPROVED}
    assert Leave.objects.filter(status=Leave.Status.PENDING, approver__isnull=False).exists()

    first = ReceptionLog.objects.order_by("on_date").first().on_date
    assert first < dt.date(today.year - 1, 2, 1)
    assert ReceptionLog.objects.order_by("on_date").last().on_date <= today
    assert ReceptionTarget.objects.get(year=today.year).reduction_percent == Decimal("20")

    before = snapshot()
    for model in (Meeting, Leave, ReceptionLog, ReceptionTarget):
        model.objects.all().delete()
    seed_discipline(county.region, random.Random(20260501))
    after = snapshot()
    assert after[0] == before[0] and after[1] == before[1] and after[2] == before[2]
