"""No lost updates on an enterprise request (issue 8, point 7): the office dispatching from
a page read before a colleague dispatched it is refused with what changed."""

from __future__ import annotations

import pytest

from tuijin.appeals.models import Appeal, AppealEvent
from tuijin.core.tests.test_versioning import signed_in

from .conftest import receive, replied

pytestmark = pytest.mark.django_db


def test_dispatching_from_a_stale_page_is_refused_with_what_changed(world):
    appeal = receive(world)
    county = world.county
    desk = signed_in(world.office)
    page = desk.get(f"/appeals/{appeal.pk}/").content.decode()
    assert f'name="version" value="{appeal.version}"' in page
    seen = appeal.version

    # A colleague at the next desk dispatches it to 城关镇 first.
    colleague = signed_in(world.office)
    done = colleague.post(
        f"/appeals/{appeal.pk}/dispatch/",
        {"lead_unit": county.township.pk, "note": "", "version": str(seen)},
    )
    assert done.status_code == 302

    response = desk.post(
        f"/appeals/{appeal.pk}/dispatch/",
        {"lead_unit": county.department.pk, "note": "", "version": str(seen)},
        follow=True,
    )
    text = response.content.decode()
    assert "保存失败：此记录已被" in text
    assert f"主办单位现为「{county.township.name}」" in text
    stored = Appeal.objects.get(pk=appeal.pk)
    assert stored.lead_unit_id == county.township.pk
    dispatches = AppealEvent.objects.filter(appeal=appeal, kind=AppealEvent.Kind.DISPATCHED)
    assert dispatches.count() == 1


def test_an_api_action_honours_if_match(world):
    """The enterprise rates through the API with the tag of the reply it read; the unit
    replied again meanwhile: 412 with what changed, and no rating is stored."""
    from rest_framework.test import APIClient

    appeal = replied(world)
    client = APIClient()
    client.force_authenticate(world.own_account)
    url = f"/api/appeals/{appeal.pk}/"
    etag = client.get(url)["ETag"]
    assert etag == f'"{Appeal.objects.get(pk=appeal.pk).version}"'
    with_change = Appeal.objects.get(pk=appeal.pk)
    with_change.title = "新厂房用电报装进度慢（已补充材料）"
    with_change.contact_mobile = "13955556666"  # not part of what the API shows
    with_change.save()
    stale = client.post(f"{url}rate/", {"rating": "satisfied"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    body = stale.json()
    assert body["error"] == "stale"
    assert body["current"]["title"] == "新厂房用电报装进度慢（已补充材料）"
    assert "新厂房用电报装进度慢（已补充材料）" in body["message"]
    assert "13955556666" not in stale.content.decode()  # field-level rights hold in a 412
    assert Appeal.objects.get(pk=appeal.pk).rating == ""
    fresh = client.get(url)["ETag"]
    done = client.post(f"{url}rate/", {"rating": "satisfied"}, format="json", HTTP_IF_MATCH=fresh)
    assert done.status_code == 200, done.json()
    assert Appeal.objects.get(pk=appeal.pk).rating == Appeal.Rating.SATISFIED
