"""Reports 2021-06-30: settlement reports from /_sim/, listing, gzipped documents, createReport."""

from __future__ import annotations

import csv
import gzip
import io

import httpx

from .conftest import DE, de_order

SETTLEMENT = (
    "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\tcurrency\t"
    "transaction-type\torder-id\tmerchant-order-id\tadjustment-id\tshipment-id\tmarketplace-name\tamount-type\t"
    "amount-description\tamount\tfulfillment-id\tposted-date\tposted-date-time\torder-item-code\t"
    "merchant-order-item-id\tmerchant-adjustment-item-id\tsku\tquantity-purchased\tpromotion-id\n"
    "11223344556\t14.11.2026 07:49:55 UTC\t28.11.2026 07:49:55 UTC\t30.11.2026 07:49:55 UTC\t1141,18\tEUR"
    + "\t"
    * 18
    + "\n"
    "11223344556\t\t\t\t\t\tOrder\t302-1234567-7654321\t\t\t\tAmazon.de\tItemPrice\tPrincipal\t118,79\tMFN\t"
    "20.11.2026\t20.11.2026 10:00:00 UTC\t11111111111111\t\t\tMUG-01\t2\t\n"
).encode("utf-8")
TYPE = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"


def test_a_posted_settlement_report_is_listed_done_with_its_period(sim, models):
    # given
    posted = sim.client.post("/_sim/settlement-reports", content=SETTLEMENT)
    headers = sim.auth()
    # when
    listed = sim.client.get(
        "/reports/2021-06-30/reports",
        params={"reportTypes": TYPE, "processingStatuses": "DONE"},
        headers=headers,
    )
    # then
    assert posted.status_code == 201
    reports = models.validate("reports_2021-06-30.getReports", listed)["reports"]
    assert reports == [
        {
            "reportId": posted.json()["reportId"],
            "reportType": TYPE,
            "marketplaceIds": [DE],
            "createdTime": "2026-11-28T12:00:00Z",
            "processingStatus": "DONE",
            "dataStartTime": "2026-11-14T07:49:55Z",
            "dataEndTime": "2026-11-28T07:49:55Z",
            "processingStartTime": "2026-11-28T12:00:00Z",
            "processingEndTime": "2026-11-28T12:00:00Z",
            "reportDocumentId": posted.json()["reportDocumentId"],
        }
    ]
    single = sim.client.get(f"/reports/2021-06-30/reports/{reports[0]['reportId']}", headers=headers)
    assert models.validate("reports_2021-06-30.getReport", single) == reports[0]


def test_the_report_document_is_gzipped_and_byte_identical_after_gunzip(sim, models):
    # given
    document_id = sim.client.post("/_sim/settlement-reports", content=SETTLEMENT).json()["reportDocumentId"]
    headers = sim.auth()
    # when
    response = sim.client.get(f"/reports/2021-06-30/documents/{document_id}", headers=headers)
    document = models.validate("reports_2021-06-30.getReportDocument", response)
    download = httpx.get(document["url"])
    # then
    assert (document["reportDocumentId"], document["compressionAlgorithm"]) == (document_id, "GZIP")
    assert document["url"].startswith(sim.base_url + "/_s3/reports/")
    assert download.status_code == 200
    assert "charset" not in download.headers["content-type"]
    assert gzip.decompress(download.content) == SETTLEMENT


def test_content_encoding_url_lets_the_http_client_inflate(sim):
    # given
    document_id = sim.client.post("/_sim/settlement-reports", content=SETTLEMENT).json()["reportDocumentId"]
    # when
    document = sim.client.get(
        f"/reports/2021-06-30/documents/{document_id}",
        params={"enableContentEncodingUrlHeader": "true"},
        headers=sim.auth(),
    ).json()
    download = httpx.get(document["url"])
    # then
    assert download.headers["content-encoding"] == "gzip"
    assert download.content == SETTLEMENT


def test_document_urls_expire_after_five_minutes(sim):
    # given
    document_id = sim.client.post("/_sim/settlement-reports", content=SETTLEMENT).json()["reportDocumentId"]
    url = sim.client.get(f"/reports/2021-06-30/documents/{document_id}", headers=sim.auth()).json()["url"]
    # when
    sim.advance("6m")
    expired = httpx.get(url)
    tampered = httpx.get(url.replace("X-Amz-Signature=", "X-Amz-Signature=0"))
    # then
    assert expired.status_code == 403
    assert b"<Code>AccessDenied</Code><Message>Request has expired</Message>" in expired.content
    assert tampered.status_code == 403
    assert b"SignatureDoesNotMatch" in tampered.content


def test_settlement_reports_cannot_be_requested(sim, models):
    # when
    response = sim.client.post(
        "/reports/2021-06-30/reports", json={"reportType": TYPE, "marketplaceIds": [DE]}, headers=sim.auth()
    )
    # then
    assert response.status_code == 400
    assert models.validate("reports_2021-06-30.createReport", response) == {
        "errors": [
            {
                "code": "InvalidInput",
                "message": "Request for report type 1118 is not allowed at this time",
                "details": "Settlement reports cannot be requested or scheduled. "
                "They are automatically scheduled by Amazon.",
            }
        ]
    }


def test_an_unsupported_report_type_is_refused_naming_it(sim, models):
    # when
    response = sim.client.post(
        "/reports/2021-06-30/reports",
        json={"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [DE]},
        headers=sim.auth(),
    )
    # then
    assert response.status_code == 400
    assert models.validate("reports_2021-06-30.createReport", response)["errors"][0]["message"] == (
        "Report type GET_MERCHANT_LISTINGS_ALL_DATA is not supported by the simulator."
    )


def test_an_all_orders_report_is_processed_and_lists_order_lines(sim, models):
    # given
    sim.post_order(de_order())
    headers = sim.auth()
    created = sim.client.post(
        "/reports/2021-06-30/reports",
        headers=headers,
        json={
            "reportType": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL",
            "marketplaceIds": [DE],
            "dataStartTime": "2026-11-28T00:00:00Z",
        },
    )
    report_id = models.validate("reports_2021-06-30.createReport", created)["reportId"]
    queued = models.validate(
        "reports_2021-06-30.getReport",
        sim.client.get(f"/reports/2021-06-30/reports/{report_id}", headers=headers),
    )
    # when
    sim.advance("10s")
    done = models.validate(
        "reports_2021-06-30.getReport",
        sim.client.get(f"/reports/2021-06-30/reports/{report_id}", headers=headers),
    )
    document = sim.client.get(
        f"/reports/2021-06-30/documents/{done['reportDocumentId']}", headers=headers
    ).json()
    rows = list(
        csv.DictReader(
            io.StringIO(gzip.decompress(httpx.get(document["url"]).content).decode()), delimiter="\t"
        )
    )
    # then
    assert (created.status_code, queued["processingStatus"], done["processingStatus"]) == (
        202,
        "IN_QUEUE",
        "DONE",
    )
    assert [
        (r["amazon-order-id"], r["sku"], r["quantity"], r["item-price"], r["ship-city"]) for r in rows
    ] == [
        ("302-1234567-7654321", "MUG-01", "2", "25.80", "Düsseldorf"),
        ("302-1234567-7654321", "LAMP-02", "1", "89.00", "Düsseldorf"),
    ]


def test_get_reports_pages_with_a_next_token_that_must_travel_alone(sim, models):
    # given
    for _ in range(3):
        sim.client.post("/_sim/settlement-reports", content=SETTLEMENT)
        sim.advance("1m")
    headers = sim.auth()
    # when
    first = models.validate(
        "reports_2021-06-30.getReports",
        sim.client.get(
            "/reports/2021-06-30/reports", params={"reportTypes": TYPE, "pageSize": 2}, headers=headers
        ),
    )
    with_filters = sim.client.get(
        "/reports/2021-06-30/reports",
        params={"reportTypes": TYPE, "nextToken": first["nextToken"]},
        headers=headers,
    )
    second = models.validate(
        "reports_2021-06-30.getReports",
        sim.client.get(
            "/reports/2021-06-30/reports", params={"nextToken": first["nextToken"]}, headers=headers
        ),
    )
    no_types = sim.client.get("/reports/2021-06-30/reports", headers=headers)
    # then
    times = [r["createdTime"] for r in first["reports"] + second["reports"]]
    assert times == ["2026-11-28T12:02:00Z", "2026-11-28T12:01:00Z", "2026-11-28T12:00:00Z"]
    assert "nextToken" not in second
    assert models.validate("reports_2021-06-30.getReports", with_filters)["errors"][0]["message"] == (
        "nextToken must be the only parameter when it is specified."
    )
    assert models.validate("reports_2021-06-30.getReports", no_types)["errors"][0]["message"] == (
        "reportTypes is required (1 to 10 values) unless nextToken is given."
    )


def test_a_file_without_settlement_header_is_refused(sim):
    # when
    response = sim.client.post("/_sim/settlement-reports", content=b"order-id\tamount\n1\t2\n")
    # then
    assert response.status_code == 400
    assert response.json() == {
        "error": "expected a tab-separated header with settlement-start-date/-end-date and a summary row"
    }


def test_document_urls_point_at_the_listening_address_whatever_the_host_header(start_sim):
    # given: python-amazon-sp-api sends "host: 27.0.0.1:P" for an http://127.0.0.1:P endpoint
    sim = start_sim()
    proxied = start_sim(public_url="https://sim.example.test/amazon/")
    document_id = sim.client.post("/_sim/settlement-reports", content=SETTLEMENT).json()["reportDocumentId"]
    other_id = proxied.client.post("/_sim/settlement-reports", content=SETTLEMENT).json()["reportDocumentId"]
    mangled = {"x-amz-access-token": sim.token(), "host": sim.base_url.removeprefix("http://1")}
    # when
    url = sim.client.get(f"/reports/2021-06-30/documents/{document_id}", headers=mangled).json()["url"]
    public = proxied.client.get(f"/reports/2021-06-30/documents/{other_id}", headers=proxied.auth()).json()[
        "url"
    ]
    # then
    assert url.startswith(f"{sim.base_url}/_s3/reports/{document_id}?")
    assert gzip.decompress(httpx.get(url).content) == SETTLEMENT
    assert public.startswith(f"https://sim.example.test/amazon/_s3/reports/{other_id}?")
