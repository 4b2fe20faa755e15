"""What a user may do to one order they can see; pages and API ask the same question."""

from __future__ import annotations

from dataclasses import dataclass

from tuijin.core.roles import Role
from tuijin.core.scoping import Scope

from .models import SupervisionOrder

Status = SupervisionOrder.Status


@dataclass(frozen=True)
class OrderRights:
    sign: bool
    respond: bool
    accept: bool
    send_back: bool


def rights(scope: Scope, order: SupervisionOrder) -> OrderRights:
    # Only the unit's own staff sign and respond: nobody answers for a unit in its name.
    own_unit = Role.UNIT_STAFF in scope.roles and scope.unit_id == order.unit_id
    office = scope.has(Role.SUPERVISION)
    return OrderRights(
        sign=own_unit and order.status == Status.ISSUED,
        respond=own_unit and order.status in (Status.SIGNED, Status.RETURNED),
        accept=office and order.status == Status.RESPONDED,
        send_back=office and order.status == Status.RESPONDED,
    )
