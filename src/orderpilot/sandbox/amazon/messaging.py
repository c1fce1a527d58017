"""Messaging API v1: ``getMessagingActionsForOrder`` and ``sendInvoice``.

``GET /messaging/v1/orders/{amazonOrderId}`` lists the message types the simulator serves: only the invoice,
as ``{"name": "invoice", "href": ".../messages/invoice?marketplaceIds=…"}`` (Amazon names each action after
the last segment of its path: ``legalDisclosure``, ``unexpectedProblem``, …). Amazon's availability depends
on the order, the seller and the messages already sent (Messaging API use-case guide, "Message
availability") without saying how; the simulator offers the invoice for every order except a Pending one.

``POST /messaging/v1/orders/{amazonOrderId}/messages/invoice`` takes ``{"attachments": [{uploadDestinationId,
fileName}]}``. Each destination must come from ``createUploadDestinationForResource`` for this order's invoice
resource and marketplace (:mod:`.uploads`; the model: the marketplace "where the upload will be available"),
with its bytes uploaded; otherwise 400 ``InvalidInput`` "Attachment with ID … does not exist" (Amazon's
wording, amzn/selling-partner-api-models#325), the reason in ``details``. Amazon is not known to refuse a
second invoice message for an order, and neither does the simulator: each accepted call is recorded for
``GET /_sim/messages`` with every attachment's name, size, MD5 and SHA-256; ``GET /_sim/uploads/{id}``
returns its bytes.
"""

from __future__ import annotations

from typing import Any

from .clock import format_timestamp
from .errors import invalid_input, not_found
from .queryparams import query_list
from .records import PENDING_STATUSES, OrderRecord
from .routing import Call, Reply
from .uploads import describe

INVOICE_ACTION = "invoice"


def invoice_resource(order_id: str) -> str:
    """The Uploads API resource of an invoice message for ``order_id`` (without a leading slash)."""
    return f"messaging/v1/orders/{order_id}/messages/invoice"


def _find(call: Call) -> OrderRecord:
    record = call.sim.state.orders.get(call.args["amazonOrderId"])
    if record is None:
        raise not_found(f"The order {call.args['amazonOrderId']} was not found.")
    return record


def _marketplace(call: Call, record: OrderRecord) -> str:
    marketplaces = query_list(call.request, "marketplaceIds")
    if len(marketplaces) != 1:
        raise invalid_input("marketplaceIds is required and takes exactly one marketplace id.")
    if marketplaces[0] != record.marketplace_id:
        raise invalid_input(
            "Invalid marketplaceIds", f"Order {record.order_id} belongs to {record.marketplace_id}."
        )
    return marketplaces[0]


def get_messaging_actions(call: Call) -> Reply:
    record = _find(call)
    marketplace_id = _marketplace(call, record)
    base = f"/messaging/v1/orders/{record.order_id}"
    actions: list[dict[str, Any]] = []
    if record.status not in PENDING_STATUSES:
        actions.append(
            {"href": f"{base}/messages/{INVOICE_ACTION}?marketplaceIds={marketplace_id}", "name": INVOICE_ACTION}
        )
    return Reply(
        200, {"_links": {"actions": actions, "self": {"href": f"{base}?marketplaceIds={marketplace_id}"}}}
    )


def _missing_upload(call: Call, record: OrderRecord, marketplace_id: str, destination_id: str) -> str | None:
    """Why the destination cannot be attached to this order's invoice message, or ``None``."""
    destination = call.sim.state.upload_destinations.get(destination_id)
    if destination is None:
        return "No upload destination has this id."
    if destination.resource != invoice_resource(record.order_id):
        return f"It was created for {destination.resource}, not for {invoice_resource(record.order_id)}."
    if destination.marketplace_id != marketplace_id:
        return f"It was created for marketplace {destination.marketplace_id}."
    if not destination.uploaded:
        return "Nothing was uploaded to it (or the upload was refused)."
    return None


def send_invoice(call: Call) -> Reply:
    record = _find(call)
    marketplace_id = _marketplace(call, record)
    body = call.json_body()
    attachments = body.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        raise invalid_input("attachments is required: [{uploadDestinationId, fileName}].")
    for index, attachment in enumerate(attachments):
        if not isinstance(attachment, dict) or not all(
            isinstance(attachment.get(k), str) and attachment[k] for k in ("uploadDestinationId", "fileName")
        ):
            raise invalid_input(f"attachments[{index}] needs uploadDestinationId and fileName.")
    for attachment in attachments:
        reason = _missing_upload(call, record, marketplace_id, attachment["uploadDestinationId"])
        if reason:
            raise invalid_input(f"Attachment with ID {attachment['uploadDestinationId']} does not exist", reason)
    destinations = call.sim.state.upload_destinations
    call.sim.state.messages.append(
        {
            "operation": "sendInvoice",
            "amazonOrderId": record.order_id,
            "marketplaceId": marketplace_id,
            "receivedAt": format_timestamp(call.now),
            "body": body,
            "attachments": [
                {"fileName": a["fileName"], **describe(destinations[a["uploadDestinationId"]])} for a in attachments
            ],
        }
    )
    return Reply(201, {})
