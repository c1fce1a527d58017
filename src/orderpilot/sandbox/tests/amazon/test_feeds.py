"""Feeds 2021-06-30: document upload, createFeed, processing to DONE, the processing report, /_sim/feeds."""

from __future__ import annotations

import httpx

from .conftest import DE, de_order

FULFILLMENT_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">
  <Header><DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>M_SELLER</MerchantIdentifier></Header>
  <MessageType>OrderFulfillment</MessageType>
  <Message>
    <MessageID>1</MessageID>
    <OrderFulfillment>
      <AmazonOrderID>302-1234567-7654321</AmazonOrderID>
      <FulfillmentDate>2026-11-28T11:00:00Z</FulfillmentDate>
      <FulfillmentData>
        <CarrierCode>DPD</CarrierCode>
        <ShippingMethod>DPD Classic</ShippingMethod>
        <ShipperTrackingNumber>01234567890123</ShipperTrackingNumber>
      </FulfillmentData>
      <Item><AmazonOrderItemCode>11111111111111</AmazonOrderItemCode><Quantity>2</Quantity></Item>
    </OrderFulfillment>
  </Message>
  <Message>
    <MessageID>2</MessageID>
    <OrderFulfillment>
      <AmazonOrderID>999-0000000-0000000</AmazonOrderID>
      <FulfillmentDate>2026-11-28T11:00:00Z</FulfillmentDate>
      <FulfillmentData><CarrierCode>DPD</CarrierCode><ShipperTrackingNumber>1</ShipperTrackingNumber></FulfillmentData>
    </OrderFulfillment>
  </Message>
</AmazonEnvelope>
"""
PDF = (
    b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R >> endobj\n%%EOF\n"
)


def _submit(sim, models, headers, feed_type, content, content_type, options=None):
    created = sim.client.post(
        "/feeds/2021-06-30/documents", json={"contentType": content_type}, headers=headers
    )
    document = models.validate("feeds_2021-06-30.createFeedDocument", created)
    upload = httpx.put(document["url"], content=content, headers={"Content-Type": content_type})
    assert upload.status_code == 200
    body = {"feedType": feed_type, "marketplaceIds": [DE], "inputFeedDocumentId": document["feedDocumentId"]}
    if options:
        body["feedOptions"] = options
    response = sim.client.post("/feeds/2021-06-30/feeds", json=body, headers=headers)
    assert response.status_code == 202
    return models.validate("feeds_2021-06-30.createFeed", response)["feedId"]


def test_a_fulfillment_feed_goes_from_queue_to_done_and_confirms_the_shipment(sim, models):
    # given
    sim.post_order(de_order())
    headers = sim.auth()
    feed_id = _submit(
        sim, models, headers, "POST_ORDER_FULFILLMENT_DATA", FULFILLMENT_XML, "text/xml; charset=UTF-8"
    )
    queued = models.validate(
        "feeds_2021-06-30.getFeed", sim.client.get(f"/feeds/2021-06-30/feeds/{feed_id}", headers=headers)
    )
    # when
    sim.advance("10s")
    done = models.validate(
        "feeds_2021-06-30.getFeed", sim.client.get(f"/feeds/2021-06-30/feeds/{feed_id}", headers=headers)
    )
    result = models.validate(
        "feeds_2021-06-30.getFeedDocument",
        sim.client.get(f"/feeds/2021-06-30/documents/{done['resultFeedDocumentId']}", headers=headers),
    )
    report = httpx.get(result["url"]).text
    # then
    assert (queued["processingStatus"], "processingStartTime" in queued) == ("IN_QUEUE", False)
    assert done == {
        "feedId": feed_id,
        "feedType": "POST_ORDER_FULFILLMENT_DATA",
        "marketplaceIds": [DE],
        "createdTime": "2026-11-28T12:00:00Z",
        "processingStatus": "DONE",
        "processingStartTime": "2026-11-28T12:00:05Z",
        "processingEndTime": "2026-11-28T12:00:10Z",
        "resultFeedDocumentId": done["resultFeedDocumentId"],
    }
    assert "<MessagesProcessed>2</MessagesProcessed><MessagesSuccessful>1</MessagesSuccessful>" in report
    assert "<MessageID>2</MessageID><ResultCode>Error</ResultCode>" in report
    assert "Order 999-0000000-0000000 was not found." in report
    order = sim.client.get("/orders/v0/orders/302-1234567-7654321", headers=headers).json()["payload"]
    assert (order["OrderStatus"], order["NumberOfItemsShipped"]) == ("PartiallyShipped", 2)
    confirmations = sim.client.get("/_sim/shipment-confirmations").json()["confirmations"]
    assert confirmations == [
        {
            "AmazonOrderId": "302-1234567-7654321",
            "source": "POST_ORDER_FULFILLMENT_DATA",
            "feedId": feed_id,
            "edit": False,
            "receivedAt": "2026-11-28T12:00:00Z",
            "body": {
                "marketplaceId": DE,
                "packageDetail": {
                    "carrierCode": "DPD",
                    "shippingMethod": "DPD Classic",
                    "trackingNumber": "01234567890123",
                    "shipDate": "2026-11-28T11:00:00Z",
                    "orderItems": [{"orderItemId": "11111111111111", "quantity": 2}],
                    "packageReferenceId": "1",
                },
            },
        }
    ]


def test_a_flat_file_fulfillment_feed_ships_the_listed_items(sim, models):
    # given
    sim.post_order(de_order())
    headers = sim.auth()
    content = (
        b"order-id\torder-item-id\tquantity\tship-date\tcarrier-code\tcarrier-name\ttracking-number\tship-method\n"
        b"302-1234567-7654321\t11111111111111\t2\t2026-11-28T11:00:00Z\tGLS\t\tGLS-1\tBusinessParcel\n"
        b"302-1234567-7654321\t22222222222222\t1\t2026-11-28T11:00:00Z\tGLS\t\tGLS-1\tBusinessParcel\n"
    )
    feed_id = _submit(
        sim, models, headers, "POST_FLAT_FILE_FULFILLMENT_DATA", content, "text/tab-separated-values"
    )
    # when
    sim.advance("10s")
    feed = sim.client.get(f"/feeds/2021-06-30/feeds/{feed_id}", headers=headers).json()
    # then
    assert feed["processingStatus"] == "DONE"
    order = sim.client.get("/orders/v0/orders/302-1234567-7654321", headers=headers).json()["payload"]
    assert order["OrderStatus"] == "Shipped"
    document = sim.client.get(
        f"/feeds/2021-06-30/documents/{feed['resultFeedDocumentId']}", headers=headers
    ).json()
    assert "\tNumber of records successful\t\t2\n" in httpx.get(document["url"]).text


def test_a_vat_invoice_upload_is_listed_with_pdf_size_and_metadata(sim, models):
    # given
    sim.post_order(de_order())
    headers = sim.auth()
    options = {
        "metadata:orderid": "302-1234567-7654321",
        "metadata:invoicenumber": "RE-2026-0001",
        "metadata:documenttype": "Invoice",
    }
    feed_id = _submit(sim, models, headers, "UPLOAD_VAT_INVOICE", PDF, "application/pdf", options)
    # when
    sim.advance("10s")
    listed = sim.client.get("/_sim/feeds").json()["feeds"]
    # then
    assert listed == [
        {
            "feedId": feed_id,
            "feedType": "UPLOAD_VAT_INVOICE",
            "marketplaceIds": [DE],
            "feedOptions": options,
            "metadata": {
                "orderid": "302-1234567-7654321",
                "invoicenumber": "RE-2026-0001",
                "documenttype": "Invoice",
            },
            "processingStatus": "DONE",
            "createdTime": "2026-11-28T12:00:00Z",
            "contentType": "application/pdf",
            "size": len(PDF),
            "pdf": {"version": "1.7", "pages": 1},
            "result": {"messagesProcessed": 1, "messagesSuccessful": 1, "messagesWithError": 0, "errors": []},
        }
    ]


def test_a_vat_invoice_without_metadata_is_reported_as_an_error(sim, models):
    # given
    headers = sim.auth()
    _submit(
        sim, models, headers, "UPLOAD_VAT_INVOICE", PDF, "application/pdf", {"OrderId": "302-1234567-7654321"}
    )
    # when
    sim.advance("10s")
    result = sim.client.get("/_sim/feeds").json()["feeds"][0]["result"]
    # then
    assert result == {
        "messagesProcessed": 1,
        "messagesSuccessful": 0,
        "messagesWithError": 1,
        "errors": ["Missing feedOptions metadata: metadata:invoicenumber, metadata:documenttype."],
    }


def test_text_feeds_are_listed_with_their_content(sim, models):
    # given
    headers = sim.auth()
    _submit(
        sim,
        models,
        headers,
        "POST_FLAT_FILE_INVLOADER_DATA",
        b"sku\tquantity\nMUG-01\t5\n",
        "text/tsv",
    )
    # when
    listed = sim.client.get("/_sim/feeds").json()["feeds"]
    # then
    assert (listed[0]["content"], listed[0]["processingStatus"], listed[0]["result"]) == (
        "sku\tquantity\nMUG-01\t5\n",
        "IN_QUEUE",
        None,
    )


def test_upload_needs_the_declared_content_type_and_an_unuploaded_feed_is_fatal(sim, models):
    # given
    headers = sim.auth()
    document = sim.client.post(
        "/feeds/2021-06-30/documents", json={"contentType": "text/xml; charset=UTF-8"}, headers=headers
    ).json()
    # when
    wrong_type = httpx.put(
        document["url"], content=b"<x/>", headers={"Content-Type": "application/octet-stream"}
    )
    feed = sim.client.post(
        "/feeds/2021-06-30/feeds",
        headers=headers,
        json={
            "feedType": "POST_ORDER_FULFILLMENT_DATA",
            "marketplaceIds": [DE],
            "inputFeedDocumentId": document["feedDocumentId"],
        },
    ).json()
    sim.advance("10s")
    fatal = sim.client.get(f"/feeds/2021-06-30/feeds/{feed['feedId']}", headers=headers).json()
    # then
    assert wrong_type.status_code == 403
    assert b"SignatureDoesNotMatch" in wrong_type.content
    assert fatal["processingStatus"] == "FATAL"


def test_create_feed_validates_its_input(sim, models):
    # given
    headers = sim.auth()
    # when
    unknown_document = sim.client.post(
        "/feeds/2021-06-30/feeds",
        headers=headers,
        json={
            "feedType": "POST_ORDER_FULFILLMENT_DATA",
            "marketplaceIds": [DE],
            "inputFeedDocumentId": "nope",
        },
    )
    no_type = sim.client.post("/feeds/2021-06-30/documents", json={}, headers=headers)
    missing_feed = sim.client.get("/feeds/2021-06-30/feeds/1", headers=headers)
    # then
    assert models.validate("feeds_2021-06-30.createFeed", unknown_document)["errors"][0]["details"] == (
        "inputFeedDocumentId 'nope' is not a feed document."
    )
    assert models.validate("feeds_2021-06-30.createFeedDocument", no_type)["errors"][0]["message"] == (
        "contentType is required."
    )
    assert models.validate("feeds_2021-06-30.getFeed", missing_feed)["errors"][0]["code"] == "NotFound"


def test_get_feeds_lists_by_type(sim, models):
    # given
    headers = sim.auth()
    feed_id = _submit(sim, models, headers, "POST_FLAT_FILE_INVLOADER_DATA", b"sku\tquantity\n", "text/tsv")
    # when
    response = sim.client.get(
        "/feeds/2021-06-30/feeds", params={"feedTypes": "POST_FLAT_FILE_INVLOADER_DATA"}, headers=headers
    )
    # then
    assert [f["feedId"] for f in models.validate("feeds_2021-06-30.getFeeds", response)["feeds"]] == [feed_id]


def test_unreadable_or_entity_laden_xml_is_reported_not_crashed_on(sim, models):
    # given
    headers = sim.auth()
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><AmazonEnvelope>&a;</AmazonEnvelope>'
    first = _submit(sim, models, headers, "POST_ORDER_FULFILLMENT_DATA", bomb, "text/xml")
    second = _submit(sim, models, headers, "POST_ORDER_FULFILLMENT_DATA", b"<AmazonEnvelope>", "text/xml")
    # when
    sim.advance("10s")
    feeds = {f["feedId"]: f for f in sim.client.get("/_sim/feeds").json()["feeds"]}
    # then
    for feed_id in (first, second):
        assert feeds[feed_id]["processingStatus"] == "DONE"
        assert feeds[feed_id]["result"]["messagesWithError"] == 1
        assert feeds[feed_id]["result"]["errors"][0].startswith("The feed XML could not be read: ")
