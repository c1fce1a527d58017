import io
from decimal import Decimal

import pytest

from orderpilot.invoicing.models import Invoice
from orderpilot.orders.models import OrderEvent
from orderpilot.payments.base import PayoutFormatError
from orderpilot.payments.models import Expense, Payment, PayoutImport, PayoutLine, PayoutOrderMatch
from orderpilot.payments.services import import_settlement_file
from orderpilot.tickets.models import Ticket

from .conftest import amount_row, invoiced_order, make_order, settlement_file

pytestmark = pytest.mark.django_db

EXACT, SHORT, REFUNDED = "302-0000001-0000001", "302-0000002-0000002", "302-0000003-0000003"


def _summary(total: str) -> dict[str, str]:
    return {
        "settlement-id": "11946237041",
        "settlement-start-date": "2026-11-14 07:49:55 UTC",
        "settlement-end-date": "2026-11-28 07:49:55 UTC",
        "deposit-date": "30.11.2026 07:49:55 UTC",
        "total-amount": total,
        "currency": "EUR",
    }


def _paid(order_id: str, *parts: tuple[str, str, str], transaction: str = "Order") -> list[dict[str, str]]:
    return [amount_row(order_id, transaction, kind, what, amount) for kind, what, amount in parts]


def _three_orders_file() -> bytes:
    rows = [
        # exact: principal + tax + shipping + shipping tax = 24.80 (decimal commas and points mixed)
        *_paid(
            EXACT,
            ("ItemPrice", "Principal", "16,72"),
            ("ItemPrice", "Tax", "3.18"),
            ("ItemPrice", "Shipping", "4,12"),
            ("ItemPrice", "ShippingTax", "0.78"),
            ("ItemFees", "Commission", "-2,98"),
        ),
        # short: a promotion Amazon granted leaves 23.80 for an invoice of 24.80
        *_paid(
            SHORT,
            ("ItemPrice", "Principal", "19,90"),
            ("ItemPrice", "Shipping", "4,90"),
            ("Promotion", "Shipping", "-1,00"),
            ("ItemFees", "Commission", "-2,98"),
        ),
        # refunded: paid, then refunded in full, commission partly given back
        *_paid(
            REFUNDED,
            ("ItemPrice", "Principal", "19,90"),
            ("ItemPrice", "Shipping", "4,90"),
            ("ItemFees", "Commission", "-2,98"),
        ),
        *_paid(
            REFUNDED,
            ("ItemPrice", "Principal", "-19,90"),
            ("ItemPrice", "Shipping", "-4,90"),
            ("ItemFees", "Commission", "2,98"),
            ("ItemFees", "RefundCommission", "-0,60"),
            transaction="Refund",
        ),
        amount_row("", "other-transaction", "other-transaction", "Subscription Fee", "-39,00"),
        amount_row("", "other-transaction", "other-transaction", "Current Reserve Amount", "-10,00"),
    ]
    total = sum(Decimal(r["amount"].replace(",", ".")) for r in rows)
    assert total == Decimal("-6.96")
    return settlement_file(_summary("-6,96"), rows)


def _counts():
    return (
        PayoutImport.objects.count(),
        PayoutLine.objects.count(),
        Payment.objects.count(),
        Invoice.objects.count(),
        Ticket.objects.count(),
        OrderEvent.objects.count(),
        Expense.objects.count(),
        PayoutOrderMatch.objects.count(),
    )


def test_exact_short_and_refunded_orders(company, amazon):
    # given three invoiced orders of 24.80 each
    exact = invoiced_order(amazon, EXACT)
    short = invoiced_order(amazon, SHORT)
    refunded = invoiced_order(amazon, REFUNDED)
    # when the settlement is imported
    result = import_settlement_file("amazon-de", io.BytesIO(_three_orders_file()))
    # then the exact one is paid
    assert (result.created, result.paid, result.differences, result.refunded, result.unknown) == (
        True,
        (EXACT,),
        (SHORT,),
        (REFUNDED,),
        (),
    )
    for order in (exact, short, refunded):
        order.refresh_from_db()
    assert exact.status == "paid"
    payment = Payment.objects.get(order=exact)
    assert (payment.amount, payment.kind, payment.invoice.number, payment.reference) == (
        Decimal("24.80"),
        "payment",
        "RE-2026-000001",
        f"11946237041:{EXACT}",
    )
    # and the short one is not paid, with a ticket showing both figures
    assert short.status == "invoiced"
    ticket = Ticket.objects.get(order=short)
    assert (ticket.reason, ticket.status) == ("payment_difference", "open")
    assert ticket.title == f"amazon-de {SHORT}: paid 23.80 EUR, expected 24.80 EUR"
    assert "difference -1.00 EUR" in ticket.body
    assert Payment.objects.get(order=short).amount == Decimal("23.80")
    # and the refunded one got a credit note and a negative payment, and is reversed
    assert refunded.status == "cancelled"
    credit = Invoice.objects.get(order=refunded, kind="credit_note")
    assert (credit.number, credit.refers.number, credit.gross_total, credit.tax_total) == (
        "GS-2026-000001",
        "RE-2026-000003",
        Decimal("-24.80"),
        Decimal("-3.96"),
    )
    assert sorted((p.kind, p.amount) for p in Payment.objects.filter(order=refunded)) == [
        ("payment", Decimal("24.80")),
        ("refund", Decimal("-24.80")),
    ]
    assert [(e.data["from"], e.data["to"]) for e in refunded.events.filter(kind="status_changed")] == [
        ("invoiced", "paid"),
        ("paid", "cancelled"),
    ]
    # and fees and charges are expenses by type, and the settlement adds up
    assert sorted(Expense.objects.values_list("category", "type", "amount", "count")) == [
        ("fee", "Commission", Decimal("-5.96"), 4),
        ("fee", "RefundCommission", Decimal("-0.60"), 1),
        ("fee", "Subscription Fee", Decimal("-39.00"), 1),
        ("reserve", "Current Reserve Amount", Decimal("-10.00"), 1),
    ]
    payout = PayoutImport.objects.get()
    assert (payout.total_amount, payout.matched_total, payout.fees_total, payout.unmatched_total) == (
        Decimal("-6.96"),
        Decimal("48.60"),
        Decimal("-55.56"),
        Decimal("0.00"),
    )
    assert (payout.line_count, payout.currency, payout.deposit_date.isoformat()) == (
        18,
        "EUR",
        "2026-11-30T07:49:55+00:00",
    )
    assert not Ticket.objects.filter(problem_key__startswith="payout:").exists()


def test_reimporting_a_settlement_changes_nothing(company, amazon):
    # given an imported settlement
    for order_id in (EXACT, SHORT, REFUNDED):
        invoiced_order(amazon, order_id)
    data = _three_orders_file()
    import_settlement_file("amazon-de", io.BytesIO(data))
    before = _counts()
    # when it is imported again
    result = import_settlement_file("amazon-de", io.BytesIO(data))
    # then
    assert result.created is False
    assert _counts() == before


def test_unknown_order_ids_are_shown_as_unmatched(company, amazon):
    # given a settlement paying for an order OrderPilot does not know
    rows = [amount_row("302-9999999-9999999", "Order", "ItemPrice", "Principal", "12,00")]
    # when
    result = import_settlement_file("amazon-de", io.BytesIO(settlement_file(_summary("12,00"), rows)))
    # then
    payout = result.payout
    assert result.unknown == ("302-9999999-9999999",)
    assert (payout.matched_total, payout.fees_total, payout.unmatched_total) == (
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("12.00"),
    )
    ticket = Ticket.objects.get(problem_key=f"payout:{payout.pk}:unmatched")
    assert ticket.title == "amazon-de settlement 11946237041: 12.00 EUR unmatched"
    assert "302-9999999-9999999" in ticket.body
    assert Payment.objects.count() == 0


def test_settlement_that_does_not_add_up_shows_the_residual(company, amazon):
    # given a file whose total says more than its rows (a row is missing)
    invoiced_order(amazon, EXACT, shipping="0")
    rows = [amount_row(EXACT, "Order", "ItemPrice", "Principal", "19,90")]
    # when
    result = import_settlement_file("amazon-de", io.BytesIO(settlement_file(_summary("25,00"), rows)))
    # then the order is paid, and the 5.10 nobody explains are shown
    assert result.paid == (EXACT,)
    assert result.payout.unmatched_total == Decimal("5.10")
    assert Ticket.objects.filter(problem_key=f"payout:{result.payout.pk}:unmatched").count() == 1


def test_tolerance_lets_a_cent_pass_when_configured(company, amazon):
    # given a tolerance of one cent and a payment one cent short
    from orderpilot.core.models import SystemSetting

    SystemSetting.objects.create(key="payments", value={"tolerance": "0.01"})
    order = invoiced_order(amazon, EXACT, shipping="0")
    rows = [amount_row(EXACT, "Order", "ItemPrice", "Principal", "19,89")]
    # when
    import_settlement_file("amazon-de", io.BytesIO(settlement_file(_summary("19,89"), rows)))
    # then
    order.refresh_from_db()
    assert order.status == "paid"
    assert Ticket.objects.count() == 0


def test_marketplace_invoiced_order_is_paid_from_shipped(company, amazon):
    # given a VCS order (no own invoice) waiting in shipped
    order = make_order(amazon, external_id=EXACT, shipping="0")
    rows = [amount_row(EXACT, "Order", "ItemPrice", "Principal", "19,90")]
    # when
    import_settlement_file("amazon-de", io.BytesIO(settlement_file(_summary("19,90"), rows)))
    # then
    order.refresh_from_db()
    assert order.status == "paid"
    assert Payment.objects.get(order=order).invoice is None


def test_a_bad_file_stores_nothing(company, amazon):
    # given a file whose second amount is unreadable
    invoiced_order(amazon, EXACT)
    rows = [
        amount_row(EXACT, "Order", "ItemPrice", "Principal", "19,90"),
        amount_row(EXACT, "Order", "ItemPrice", "Shipping", "vier"),
    ]
    # when / then
    with pytest.raises(PayoutFormatError, match="line 4: 'vier' is not an amount"):
        import_settlement_file("amazon-de", io.BytesIO(settlement_file(_summary("24,80"), rows)))
    assert (PayoutImport.objects.count(), PayoutLine.objects.count(), Payment.objects.count()) == (0, 0, 0)


def test_later_settlement_completing_a_short_payment_pays_the_order(company, amazon):
    # given a short payment with its ticket
    order = invoiced_order(amazon, SHORT, shipping="0")
    first = [amount_row(SHORT, "Order", "ItemPrice", "Principal", "18,90")]
    import_settlement_file("amazon-de", io.BytesIO(settlement_file(_summary("18,90"), first)))
    assert Ticket.objects.get(order=order).status == "open"
    # when the next settlement brings the missing euro
    second_summary = {**_summary("1,00"), "settlement-id": "11946237042"}
    second = [
        amount_row(SHORT, "Order", "ItemPrice", "Principal", "1,00", **{"settlement-id": "11946237042"})
    ]
    import_settlement_file("amazon-de", io.BytesIO(settlement_file(second_summary, second)))
    # then
    order.refresh_from_db()
    assert order.status == "paid"
    assert Ticket.objects.get(order=order).status == "closed"
