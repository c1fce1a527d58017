"""Settlement reports listed and downloaded through the Reports API, then matched to invoices."""

from __future__ import annotations

import pytest

from orderpilot.channels.amazon.connector import AmazonConnector
from orderpilot.channels.models import ImportedSettlement
from orderpilot.channels.services import import_channel_settlements
from orderpilot.payments.models import PayoutImport
from orderpilot.payments.tests.conftest import COMPANY, amount_row, invoiced_order, settlement_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(db):
    from orderpilot.core.models import SystemSetting

    SystemSetting.objects.update_or_create(key="company", defaults={"value": COMPANY})


def _german_settlement(order_id: str, gross: str) -> bytes:
    summary = {
        "settlement-id": "11946237041",
        "settlement-start-date": "14.11.2026 07:49:55 UTC",
        "settlement-end-date": "28.11.2026 07:49:55 UTC",
        "deposit-date": "30.11.2026 07:49:55 UTC",
        "total-amount": gross.replace(".", ","),
        "currency": "EUR",
    }
    rows = [amount_row(order_id, "Order", "ItemPrice", "Principal", gross.replace(".", ","))]
    return settlement_file(summary, rows)


def test_a_german_settlement_report_is_fetched_once_and_pays_the_order(amazon_sim, amazon_channel, company):
    # given an invoiced Amazon order and Amazon's settlement for it (German number and date formats)
    order = invoiced_order(amazon_channel, "028-5555555-5555555")
    gross = str(order.invoices.get().gross_total)
    posted = amazon_sim.http.post("/_sim/settlement-reports", content=_german_settlement(order.external_id, gross))
    assert posted.status_code == 201, posted.text
    # when the settlements are imported, twice
    first = import_channel_settlements(amazon_channel, AmazonConnector(amazon_channel))
    second = import_channel_settlements(amazon_channel, AmazonConnector(amazon_channel))
    # then the report was downloaded once, and the order is paid
    assert (first, second) == (1, 0)
    assert ImportedSettlement.objects.get().settlement_id == "11946237041"
    payout = PayoutImport.objects.get()
    assert (payout.source, str(payout.total_amount)) == ("amazon-de", gross)
    order.refresh_from_db()
    assert order.status == "paid"
    amazon_channel.refresh_from_db()
    assert amazon_channel.settlements_checked_at is not None


def test_an_invoice_reaches_amazon_through_the_vat_invoice_feed(amazon_sim, amazon_channel, company):
    # given an Amazon order whose invoice was just issued (which queues its upload)
    from orderpilot.channels.services import check_invoice_uploads
    from orderpilot.core.jobs import run_due_work
    from orderpilot.core.models import OutboxMessage

    order = invoiced_order(amazon_channel, "028-6666666-6666666")
    invoice = order.invoices.get()
    # when the outbox delivers it
    run_due_work(until_idle=True)
    # then Amazon got the PDF with the invoice's metadata
    [feed] = [f for f in amazon_sim.http.get("/_sim/feeds").json()["feeds"] if f["feedType"] == "UPLOAD_VAT_INVOICE"]
    text = str(feed)
    assert invoice.number in text
    assert "028-6666666-6666666" in text
    message = OutboxMessage.objects.get(kind="marketplace.invoice_upload")
    assert (message.status, message.result["processingStatus"]) == ("sent", "IN_QUEUE")
    # when Amazon has processed it and the status is checked
    amazon_sim.http.post("/_sim/clock", json={"advance": "5m"})
    OutboxMessage.objects.filter(pk=message.pk).update(result={**message.result, "checked_at": "2000-01-01"})
    assert check_invoice_uploads() == 1
    # then the upload is recorded as accepted on the order
    message.refresh_from_db()
    assert message.result["processingStatus"] == "DONE"
    assert order.events.filter(kind="invoice_uploaded").count() == 1
