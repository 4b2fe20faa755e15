"""No lost updates on a supervision order (issue 8, point 7): a button pressed on a page
read before someone else acted is refused with who changed what, and nothing is done."""

from __future__ import annotations

import pytest

from tuijin.core.roles import Role
from tuijin.core.tests.test_versioning import signed_in
from tuijin.supervision import services
from tuijin.supervision.models import OrderEvent, SupervisionOrder

from .conftest import issue

pytestmark = pytest.mark.django_db


def test_signing_from_a_page_read_before_the_order_was_signed_is_refused(county):
    order = issue(county)
    liaison = county.users[Role.UNIT_STAFF]
    desk = signed_in(liaison)
    page = desk.get(f"/supervision/{order.pk}/").content.decode()
    assert f'name="version" value="{order.version}"' in page

    # On the liaison's phone, a moment later, the order is signed.
    services.order_sign(SupervisionOrder.objects.get(pk=order.pk), acting_user=liaison)

    response = desk.post(
        f"/supervision/{order.pk}/sign/", {"version": str(order.version)}, follow=True
    )
    text = response.content.decode()
    assert "保存失败：此记录已被" in text
    assert "状态现为「已签收」" in text
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.SIGNED).count() == 1


def test_accepting_from_a_page_read_before_a_new_response_is_refused(county):
    order = issue(county)
    liaison, office = county.users[Role.UNIT_STAFF], county.users[Role.SUPERVISION]
    services.order_sign(order, acting_user=liaison)
    services.order_respond(order, acting_user=liaison, text="已完成一半")
    seen = SupervisionOrder.objects.get(pk=order.pk).version
    services.order_return(order, acting_user=office, reason="请补充照片")
    services.order_respond(order, acting_user=liaison, text="已补充照片")  # what was not seen

    response = signed_in(office).post(
        f"/supervision/{order.pk}/accept/", {"version": str(seen), "text": "同意"}, follow=True
    )
    assert "保存失败：此记录已被" in response.content.decode()
    order.refresh_from_db()
    assert order.status == SupervisionOrder.Status.RESPONDED
    assert not OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.ACCEPTED).exists()
