"""Messaging API v1: ``sendInvoice`` (``POST /messaging/v1/orders/{amazonOrderId}/messages/invoice``).

The PDF itself goes to Amazon through the Uploads API, which the simulator does not serve: any non-empty
``uploadDestinationId`` is accepted. Each accepted call is recorded for ``GET /_sim/messages``.
"""

from __future__ import annotations

from .clock import format_timestamp
from .errors import invalid_input, not_found
from .routing import Call, Reply


def send_invoice(call: Call) -> Reply:
    record = call.sim.state.orders.get(call.args["amazonOrderId"])
    if record is None:
        raise not_found(f"The order {call.args['amazonOrderId']} was not found.")
    marketplaces = [v for raw in call.request.args.getlist("marketplaceIds") for v in raw.split(",") if v]
    if len(marketplaces) != 1:
        raise invalid_input("marketplaceIds is required and takes exactly one marketplace id.")
    if marketplaces[0] != record.marketplace_id:
        raise invalid_input(
            "Invalid marketplaceIds", f"Order {record.order_id} belongs to {record.marketplace_id}."
        )
    body = call.json_body()
    attachments = body.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        raise invalid_input("attachments is required: [{uploadDestinationId, fileName}].")
    for index, attachment in enumerate(attachments):
        if not isinstance(attachment, dict) or not all(
            isinstance(attachment.get(k), str) and attachment[k] for k in ("uploadDestinationId", "fileName")
        ):
            raise invalid_input(f"attachments[{index}] needs uploadDestinationId and fileName.")
    call.sim.state.messages.append(
        {
            "operation": "sendInvoice",
            "amazonOrderId": record.order_id,
            "marketplaceId": marketplaces[0],
            "receivedAt": format_timestamp(call.now),
            "body": body,
        }
    )
    return Reply(201, {})
