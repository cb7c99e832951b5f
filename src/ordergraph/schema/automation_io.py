"""Inputs and payloads of the automation rule mutations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from ordergraph.domain.automation import ActionKind, ActionSpec
from ordergraph.schema.enums import HoldType, NotificationType
from ordergraph.schema.errors import UserError
from ordergraph.schema.types.automation_rule import AutomationBacktestType, AutomationRuleType


@strawberry.input
class HoldActionInput:
    type: HoldType
    reason: str | None = None


@strawberry.input
class ReleaseHoldActionInput:
    type: HoldType | None = strawberry.field(
        default=None, description="Omitted: release every active hold."
    )


@strawberry.input
class AddTagsActionInput:
    tags: list[str]


@strawberry.input
class NotifyActionInput:
    type: NotificationType


@strawberry.input
class ApproveReturnActionInput:
    note: str | None = strawberry.field(default=None, description="Not used; inputs need a field.")


@strawberry.input
class SetWarehouseActionInput:
    warehouse_id: strawberry.ID


@strawberry.input(
    description="Confirm a PLACED order without payment (payment terms: trusted B2B customers, "
    "cash on delivery): CONFIRMED with fulfillments, payment stays PENDING, no unpaid expiry."
)
class ConfirmActionInput:
    note: str | None = strawberry.field(default=None, description="Not used; inputs need a field.")


@strawberry.input(
    description="Set the order's carrier service (shippingOption chosenBy RULE), preferred by "
    "shipFulfillment without a carrier where it serves the lane; the price paid stays."
)
class ChooseCarrierServiceActionInput:
    carrier_service_id: strawberry.ID


@strawberry.input(one_of=True, description="Exactly one action.")
class AutomationActionInput:
    hold: HoldActionInput | None = strawberry.UNSET
    release_hold: ReleaseHoldActionInput | None = strawberry.UNSET
    add_tags: AddTagsActionInput | None = strawberry.UNSET
    notify: NotifyActionInput | None = strawberry.UNSET
    approve_return: ApproveReturnActionInput | None = strawberry.UNSET
    set_warehouse: SetWarehouseActionInput | None = strawberry.UNSET
    confirm: ConfirmActionInput | None = strawberry.UNSET
    choose_carrier_service: ChooseCarrierServiceActionInput | None = strawberry.UNSET


def action_spec(
    action: AutomationActionInput, warehouse_pk: int | None, service_pk: int | None = None
) -> ActionSpec:
    """The domain's action from the (one-of) input; ``warehouse_pk`` and ``service_pk``
    decoded by the caller."""
    if action.hold:
        return ActionSpec(
            ActionKind.HOLD, {"type": action.hold.type.value, "reason": action.hold.reason}
        )
    if action.release_hold:
        held = action.release_hold.type
        return ActionSpec(ActionKind.RELEASE_HOLD, {"type": held.value if held else None})
    if action.add_tags:
        return ActionSpec(ActionKind.ADD_TAGS, {"tags": list(action.add_tags.tags)})
    if action.notify:
        return ActionSpec(ActionKind.NOTIFY, {"type": action.notify.type.value})
    if action.approve_return:
        return ActionSpec(ActionKind.APPROVE_RETURN, {})
    if action.confirm:
        return ActionSpec(ActionKind.CONFIRM, {})
    if action.choose_carrier_service:
        return ActionSpec(ActionKind.CHOOSE_CARRIER_SERVICE, {"carrierServiceId": service_pk})
    return ActionSpec(ActionKind.SET_WAREHOUSE, {"warehouseId": warehouse_pk})


@strawberry.input
class CreateAutomationRuleInput:
    name: str
    trigger: str = strawberry.field(description="An order event type, e.g. order.placed.")
    condition: str = strawberry.field(
        description="CEL over order, customer, event and return: "
        "order.total.amount > 1000.0 && customer.orderCount == 1"
    )
    actions: list[AutomationActionInput]
    enabled: bool = True


@strawberry.input
class UpdateAutomationRuleInput:
    rule_id: strawberry.ID
    expected_version: int | None = None
    name: str | None = None
    trigger: str | None = None
    condition: str | None = None
    actions: list[AutomationActionInput] | None = None
    enabled: bool | None = None


@strawberry.input
class TestAutomationRuleInput:
    rule_id: strawberry.ID
    since: datetime


@strawberry.type
class AutomationRulePayload:
    rule: AutomationRuleType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class TestAutomationRulePayload:
    results: list[AutomationBacktestType] = strawberry.field(default_factory=list)
    user_errors: list[UserError] = strawberry.field(default_factory=list)
