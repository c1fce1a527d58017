"""Every operation's success and error answers, checked against the official models.

Together with the feature tests (which validate every response they receive), this sweep makes sure that
each operation the simulator serves answers in its model's shape for success, validation errors,
403 (no token), 429 (quota) and injected 500/503 — with ``additionalProperties: false`` imposed, so no
field outside the model slips through.
"""

from __future__ import annotations

import base64
import hashlib

from orderpilot.sandbox.amazon.ratelimit import USAGE_PLANS

from .conftest import DE, de_order

ORDER, SHIPPED = "302-1234567-7654321", "302-5555555-0000005"
SETTLEMENT = (
    b"settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\tcurrency\n"
    b"1\t2026-11-14 00:00:00 UTC\t2026-11-28 00:00:00 UTC\t2026-11-30 00:00:00 UTC\t10.00\tEUR\n"
)


def _calls(sim, headers):
    """(operation, method, path, success request, error request) — requests as httpx keyword arguments."""
    report_document = sim.client.post("/_sim/settlement-reports", content=SETTLEMENT).json()
    feed_document = sim.client.post(
        "/feeds/2021-06-30/documents", json={"contentType": "text/tsv"}, headers=headers
    ).json()
    feed = sim.client.post(
        "/feeds/2021-06-30/feeds",
        headers=headers,
        json={
            "feedType": "POST_FLAT_FILE_INVLOADER_DATA",
            "marketplaceIds": [DE],
            "inputFeedDocumentId": feed_document["feedDocumentId"],
        },
    ).json()
    cancellable_feed = sim.client.post(
        "/feeds/2021-06-30/feeds",
        headers=headers,
        json={
            "feedType": "POST_FLAT_FILE_INVLOADER_DATA",
            "marketplaceIds": [DE],
            "inputFeedDocumentId": feed_document["feedDocumentId"],
        },
    ).json()
    queued_report = sim.client.post(
        "/reports/2021-06-30/reports",
        headers=headers,
        json={"reportType": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL", "marketplaceIds": [DE]},
    ).json()
    since = {"CreatedAfter": "2026-11-01T00:00:00Z"}
    confirm = {
        "marketplaceId": DE,
        "packageDetail": {
            "packageReferenceId": "1",
            "carrierCode": "DHL",
            "trackingNumber": "1",
            "shipDate": "2026-11-28T11:00:00Z",
            "orderItems": [{"orderItemId": "11111111111111", "quantity": 1}],
        },
    }
    rdt = {
        "restrictedResources": [{"method": "GET", "path": "/orders/v0/orders", "dataElements": ["buyerInfo"]}]
    }
    market = {"marketplaceIds": DE}
    uploads = f"/uploads/2020-11-01/uploadDestinations/messaging/v1/orders/{ORDER}/messages/invoice"
    pdf = b"%PDF-1.7 invoice"
    invoice = {
        "attachments": [
            {
                "uploadDestinationId": sim.upload(
                    headers, pdf, resource=f"messaging/v1/orders/{ORDER}/messages/invoice"
                ),
                "fileName": "RE-1.pdf",
            }
        ]
    }
    md5 = base64.b64encode(hashlib.md5(pdf, usedforsecurity=False).digest()).decode()
    v0 = f"/orders/v0/orders/{ORDER}"
    return [
        (
            "ordersV0.getOrders",
            "GET",
            "/orders/v0/orders",
            {"params": {"MarketplaceIds": DE, **since}},
            {"params": since},
        ),
        ("ordersV0.getOrder", "GET", v0, {}, {"path": "/orders/v0/orders/9"}),
        (
            "ordersV0.getOrderBuyerInfo",
            "GET",
            f"{v0}/buyerInfo",
            {},
            {"path": "/orders/v0/orders/9/buyerInfo"},
        ),
        ("ordersV0.getOrderAddress", "GET", f"{v0}/address", {}, {"path": "/orders/v0/orders/9/address"}),
        ("ordersV0.getOrderItems", "GET", f"{v0}/orderItems", {}, {"path": "/orders/v0/orders/9/orderItems"}),
        (
            "ordersV0.getOrderItemsBuyerInfo",
            "GET",
            f"{v0}/orderItems/buyerInfo",
            {},
            {"path": "/orders/v0/orders/9/orderItems/buyerInfo"},
        ),
        (
            "ordersV0.confirmShipment",
            "POST",
            f"{v0}/shipmentConfirmation",
            {"json": confirm},
            {"json": {**confirm, "packageDetail": {**confirm["packageDetail"], "packageReferenceId": 2}}},
        ),
        (
            "orders_2026-01-01.searchOrders",
            "GET",
            "/orders/2026-01-01/orders",
            {"params": {"createdAfter": "2026-11-01T00:00:00Z", "includedData": "BUYER,FULFILLMENT"}},
            {"params": market},
        ),
        (
            "orders_2026-01-01.getOrder",
            "GET",
            f"/orders/2026-01-01/orders/{ORDER}",
            {},
            {"path": "/orders/2026-01-01/orders/9"},
        ),
        (
            "tokens_2021-03-01.createRestrictedDataToken",
            "POST",
            "/tokens/2021-03-01/restrictedDataToken",
            {"json": rdt},
            {"json": {"restrictedResources": []}},
        ),
        (
            "reports_2021-06-30.getReports",
            "GET",
            "/reports/2021-06-30/reports",
            {"params": {"reportTypes": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"}},
            {},
        ),
        (
            "reports_2021-06-30.createReport",
            "POST",
            "/reports/2021-06-30/reports",
            {
                "json": {
                    "reportType": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
                    "marketplaceIds": [DE],
                }
            },
            {"json": {"reportType": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2", "marketplaceIds": [DE]}},
        ),
        (
            "reports_2021-06-30.getReport",
            "GET",
            f"/reports/2021-06-30/reports/{report_document['reportId']}",
            {},
            {"path": "/reports/2021-06-30/reports/1"},
        ),
        (
            "reports_2021-06-30.getReportDocument",
            "GET",
            f"/reports/2021-06-30/documents/{report_document['reportDocumentId']}",
            {},
            {"path": "/reports/2021-06-30/documents/amzn1.spdoc.none"},
        ),
        (
            "feeds_2021-06-30.getFeeds",
            "GET",
            "/feeds/2021-06-30/feeds",
            {"params": {"feedTypes": "POST_FLAT_FILE_INVLOADER_DATA"}},
            {},
        ),
        (
            "feeds_2021-06-30.createFeed",
            "POST",
            "/feeds/2021-06-30/feeds",
            {
                "json": {
                    "feedType": "X",
                    "marketplaceIds": [DE],
                    "inputFeedDocumentId": feed_document["feedDocumentId"],
                }
            },
            {"json": {"feedType": "X", "marketplaceIds": [DE]}},
        ),
        (
            "feeds_2021-06-30.getFeed",
            "GET",
            f"/feeds/2021-06-30/feeds/{feed['feedId']}",
            {},
            {"path": "/feeds/2021-06-30/feeds/1"},
        ),
        (
            "feeds_2021-06-30.cancelFeed",
            "DELETE",
            f"/feeds/2021-06-30/feeds/{cancellable_feed['feedId']}",
            {},
            {},
        ),
        (
            "reports_2021-06-30.cancelReport",
            "DELETE",
            f"/reports/2021-06-30/reports/{queued_report['reportId']}",
            {},
            {"path": f"/reports/2021-06-30/reports/{report_document['reportId']}"},
        ),
        (
            "feeds_2021-06-30.createFeedDocument",
            "POST",
            "/feeds/2021-06-30/documents",
            {"json": {"contentType": "text/xml"}},
            {"json": {"contentType": ""}},
        ),
        (
            "feeds_2021-06-30.getFeedDocument",
            "GET",
            f"/feeds/2021-06-30/documents/{feed_document['feedDocumentId']}",
            {},
            {"path": "/feeds/2021-06-30/documents/amzn1.tortuga.none"},
        ),
        (
            "solicitations.getSolicitationActionsForOrder",
            "GET",
            f"/solicitations/v1/orders/{SHIPPED}",
            {"params": market},
            {},
        ),
        (
            "solicitations.createProductReviewAndSellerFeedbackSolicitation",
            "POST",
            f"/solicitations/v1/orders/{SHIPPED}/solicitations/productReviewAndSellerFeedback",
            {"params": market},
            {"params": market},
        ),
        (
            "messaging.getMessagingActionsForOrder",
            "GET",
            f"/messaging/v1/orders/{ORDER}",
            {"params": market},
            {},
        ),
        (
            "uploads_2020-11-01.createUploadDestinationForResource",
            "POST",
            uploads,
            {"params": {**market, "contentMD5": md5, "contentType": "application/pdf"}},
            {"params": market},
        ),
        (
            "messaging.sendInvoice",
            "POST",
            f"/messaging/v1/orders/{ORDER}/messages/invoice",
            {"params": market, "json": invoice},
            {"params": market, "json": {}},
        ),
    ]


def _send(sim, method, path, headers, request):
    request = dict(request)
    return sim.client.request(method, request.pop("path", path), headers=headers, **request)


def test_every_operation_answers_success_and_errors_in_its_models_shape(sim, models):
    # given
    sim.post_order(de_order())
    sim.post_order(
        de_order(
            SHIPPED,
            OrderStatus="Shipped",
            EarliestDeliveryDate="2026-11-20T00:00:00Z",
            LatestDeliveryDate="2026-11-22T00:00:00Z",
        )
    )
    headers = sim.auth()
    calls = _calls(sim, headers)
    # when / then: success, then the operation's own validation error
    for key, method, path, success, error in calls:
        good = _send(sim, method, path, headers, success)
        assert good.status_code < 300, (key, good.status_code, good.text)
        models.validate(key, good)
        bad = _send(sim, method, path, headers, error)
        assert 400 <= bad.status_code < 500, (key, bad.status_code, bad.text)
        assert models.validate(key, bad)["errors"], key
    # no token: 403
    for key, method, path, success, _ in calls:
        denied = _send(sim, method, path, {}, success)
        assert denied.status_code == 403, key
        models.validate(key, denied)
    # injected 429, 500 and 503
    for status in (429, 500, 503):
        sim.client.post("/_sim/faults", json={"status": status, "rate": 1.0})
        for key, method, path, success, _ in calls:
            failed = _send(sim, method, path, headers, success)
            assert failed.status_code == status, key
            assert failed.headers["x-amzn-RateLimit-Limit"] == USAGE_PLANS[key].rate
            models.validate(key, failed)
    sim.client.post("/_sim/faults", json={"rate": 0})
    # then every operation of the rate table was exercised
    assert {key for key, *_ in calls} == set(USAGE_PLANS)
    seen = {(key, status // 100 if status < 400 else status) for key, status in models.seen}
    for key in USAGE_PLANS:
        assert {(key, 2), (key, 403), (key, 429), (key, 500), (key, 503)} <= seen, key


def test_unknown_paths_and_methods_answer_in_the_error_shape(sim):
    # when
    missing = sim.client.get("/orders/v1/orders", headers=sim.auth())
    method = sim.client.delete("/orders/v0/orders", headers=sim.auth())
    # then
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "NotFound"
    assert method.status_code == 405
    assert method.json()["errors"][0]["code"] == "MethodNotAllowed"
