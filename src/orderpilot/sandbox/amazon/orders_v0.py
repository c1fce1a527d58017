"""Orders API v0: getOrders, getOrder, getOrderItems, getOrderAddress, getOrderBuyerInfo,
getOrderItemsBuyerInfo and confirmShipment.

getOrders applies every filter of the model except ``ActualFulfillmentSupplySourceId`` and
``StoreChainStoreId`` (store pickup, which the simulator's orders never use; they are ignored).

Personal data (``ShippingAddress`` beyond city/region/postcode/country, ``BuyerInfo``, item buyer info)
is returned only when the ``x-amz-access-token`` is a Restricted Data Token whose resources name this
exact method and path (with the matching ``dataElements`` for getOrders/getOrder/getOrderItems).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import views
from .clock import format_timestamp
from .errors import SpApiError, invalid_input, not_found
from .order_search import DateWindow, OrderFilter, date_window, search
from .pagination import first_page, next_page
from .queryparams import check_enum, query_int, query_list, query_timestamp
from .records import OrderRecord
from .routing import Call, Reply
from .shipments import apply_package, plan_package

_STATUSES = frozenset(
    {
        "PendingAvailability",
        "Pending",
        "Unshipped",
        "PartiallyShipped",
        "Shipped",
        "Canceled",
        "Unfulfillable",
        "InvoiceUnconfirmed",
    }
)
_NAMES = ("CreatedAfter", "CreatedBefore", "LastUpdatedAfter", "LastUpdatedBefore")


def _data_elements(call: Call) -> frozenset[str]:
    resource = call.token.covering(call.request.method, call.request.path) if call.token else None
    return resource.data_elements if resource else frozenset()


def _restricted(call: Call) -> bool:
    """Whether the token is an RDT naming this call (the address/buyerInfo paths need no dataElements)."""
    return bool(call.token and call.token.covering(call.request.method, call.request.path))


def find_order(call: Call, order_id: str) -> OrderRecord:
    record = call.sim.state.orders.get(order_id)
    if record is None:
        raise not_found(f"The order {order_id} was not found.")
    return record


def _filters(call: Call) -> tuple[DateWindow, OrderFilter]:
    request = call.request
    marketplaces = query_list(request, "MarketplaceIds")
    if not marketplaces:
        raise invalid_input(
            "MarketplaceIds is required.", "Send at least one marketplace id, comma-separated."
        )
    if len(marketplaces) > 50:
        raise invalid_input("MarketplaceIds accepts at most 50 values.")
    order_ids = query_list(request, "AmazonOrderIds")
    if len(order_ids) > 50:
        raise invalid_input("AmazonOrderIds accepts at most 50 values.")
    statuses, channels = query_list(request, "OrderStatuses"), query_list(request, "FulfillmentChannels")
    payments = query_list(request, "PaymentMethods")
    check_enum(statuses, _STATUSES, "OrderStatuses")
    check_enum(channels, {"AFN", "MFN"}, "FulfillmentChannels")
    check_enum(payments, {"COD", "CVS", "Other"}, "PaymentMethods")
    seller_order_id = request.args.get("SellerOrderId")
    excluded = (
        "FulfillmentChannels",
        "OrderStatuses",
        "PaymentMethods",
        "LastUpdatedAfter",
        "LastUpdatedBefore",
        "BuyerEmail",
    )
    if seller_order_id and any(request.args.get(name) for name in excluded):
        raise invalid_input(f"SellerOrderId cannot be combined with {', '.join(excluded)}.")
    window = date_window(
        names=_NAMES,
        created_after=query_timestamp(request, "CreatedAfter"),
        created_before=query_timestamp(request, "CreatedBefore"),
        updated_after=query_timestamp(request, "LastUpdatedAfter"),
        updated_before=query_timestamp(request, "LastUpdatedBefore"),
        now=call.now,
        dates_optional=bool(order_ids),
    )
    is_ispu = request.args.get("IsISPU")
    field_values = tuple(
        (name, frozenset(values))
        for name, values in (
            ("EasyShipShipmentStatus", query_list(request, "EasyShipShipmentStatuses")),
            ("ElectronicInvoiceStatus", query_list(request, "ElectronicInvoiceStatuses")),
        )
        if values
    )
    date_bounds = tuple(
        (name, lower, upper)
        for name, lower, upper in (
            ("EarliestDeliveryDate", query_timestamp(request, "EarliestDeliveryDateAfter"),
             query_timestamp(request, "EarliestDeliveryDateBefore")),
            ("LatestDeliveryDate", query_timestamp(request, "LatestDeliveryDateAfter"),
             query_timestamp(request, "LatestDeliveryDateBefore")),
        )
        if lower or upper
    )  # fmt: skip
    filters = OrderFilter(
        marketplace_ids=frozenset(marketplaces),
        statuses=frozenset(statuses) or None,
        channels=frozenset(channels) or None,
        payment_methods=frozenset(payments) or None,
        buyer_email=request.args.get("BuyerEmail") or None,
        seller_order_id=seller_order_id or None,
        order_ids=frozenset(order_ids) or None,
        is_ispu=None if is_ispu is None else is_ispu.lower() == "true",
        field_values=field_values,
        date_bounds=date_bounds,
    )
    return window, filters


def get_orders(call: Call) -> Reply:
    """``GET /orders/v0/orders``; ``NextToken`` continues the original query (other filters are ignored)."""
    state, token = call.sim.state, call.request.args.get("NextToken")
    if token:
        ids, following, extra = next_page(state, token, now=call.now, kind="getOrders")
        echo = extra.get("echo")
    else:
        window, filters = _filters(call)
        size = query_int(call.request, "MaxResultsPerPage", default=100, minimum=1, maximum=100)
        echo = (window.echo_name, format_timestamp(window.before)) if window.echo_name else None
        ids, following = first_page(
            state,
            search(state, window, filters),
            size=size,
            now=call.now,
            kind="getOrders",
            extra={"echo": echo},
        )
    elements = _data_elements(call)
    orders = [
        views.v0_order(state.orders[i], now=call.now, data_elements=elements)
        for i in ids
        if i in state.orders
    ]
    payload: dict[str, Any] = {"Orders": orders}
    if following:
        payload["NextToken"] = following
    if echo:
        payload[echo[0]] = echo[1]
    return Reply(200, {"payload": payload})


def get_order(call: Call) -> Reply:
    record = find_order(call, call.args["orderId"])
    return Reply(200, {"payload": views.v0_order(record, now=call.now, data_elements=_data_elements(call))})


def get_order_items(call: Call) -> Reply:
    record = find_order(call, call.args["orderId"])
    items = views.v0_order_items(record, data_elements=_data_elements(call))
    return Reply(200, {"payload": {"AmazonOrderId": record.order_id, "OrderItems": items}})


def get_order_address(call: Call) -> Reply:
    record = find_order(call, call.args["orderId"])
    return Reply(200, {"payload": views.v0_order_address(record, full=_restricted(call), now=call.now)})


def get_order_buyer_info(call: Call) -> Reply:
    record = find_order(call, call.args["orderId"])
    return Reply(200, {"payload": views.v0_order_buyer_info(record, full=_restricted(call))})


def get_order_items_buyer_info(call: Call) -> Reply:
    record = find_order(call, call.args["orderId"])
    items = views.v0_order_items_buyer_info(record, full=_restricted(call))
    return Reply(200, {"payload": {"AmazonOrderId": record.order_id, "OrderItems": items}})


def confirm_shipment(call: Call) -> Reply:
    """``POST .../shipmentConfirmation``: 204 with an empty body, or 400 with the reason (see shipments)."""
    record = find_order(call, call.args["orderId"])
    body = call.json_body()
    try:
        plan = plan_package(record, body)
    except SpApiError as error:
        # Kept apart from the accepted ones, for debugging: GET /_sim/shipment-confirmations?rejected=true
        call.sim.state.rejected_confirmations.append(
            {
                "AmazonOrderId": record.order_id,
                "receivedAt": format_timestamp(call.now),
                "status": error.status,
                "error": error.body()["errors"][0],
                "body": body,
            }
        )
        raise
    apply_package(record, plan, now=call.now, transit=dt.timedelta(days=call.sim.config.transit_days))
    call.sim.state.shipment_confirmations.append(
        {
            "AmazonOrderId": record.order_id,
            "source": "confirmShipment",
            "edit": plan.replaces is not None,
            "receivedAt": format_timestamp(call.now),
            "body": body,
        }
    )
    return Reply(204)
