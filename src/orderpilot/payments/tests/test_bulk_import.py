"""The settlement import in chunks and batches: what happens at their boundaries, and to many orders."""

import io
from decimal import Decimal

import pytest

from orderpilot.core.actors import SYSTEM
from orderpilot.core.exceptions import IllegalTransition
from orderpilot.orders.models import OrderEvent, SalesOrder
from orderpilot.orders.states import OrderStatus
from orderpilot.payments import line_store, services
from orderpilot.payments.base import PayoutFormatError
from orderpilot.payments.line_store import Occurrences
from orderpilot.payments.models import Payment, PayoutImport, PayoutLine, PayoutOrderMatch
from orderpilot.payments.services import import_settlement_file
from orderpilot.tickets.models import Ticket

from .conftest import amount_row, invoiced_order, make_order, settlement_file

ORDERS = [f"302-000000{n}-000000{n}" for n in range(1, 6)]


def _summary(total: str) -> dict[str, str]:
    return {
        "settlement-id": "11946237041",
        "settlement-start-date": "2026-11-14 07:49:55 UTC",
        "settlement-end-date": "2026-11-28 07:49:55 UTC",
        "deposit-date": "30.11.2026 07:49:55 UTC",
        "total-amount": total,
        "currency": "EUR",
    }


def _paid_in_full(order_id: str) -> list[dict[str, str]]:
    """24.80 for the order (19.90 + 4.90 shipping, as invoiced), in four rows, and its commission."""
    return [
        amount_row(order_id, "Order", "ItemPrice", "Principal", "16,72"),
        amount_row(order_id, "Order", "ItemPrice", "Tax", "3,18"),
        amount_row(order_id, "Order", "ItemPrice", "Shipping", "4,12"),
        amount_row(order_id, "Order", "ItemPrice", "ShippingTax", "0,78"),
        amount_row(order_id, "Order", "ItemFees", "Commission", "-2,98"),
    ]


def _file(rows: list[dict[str, str]], **summary: str) -> bytes:
    """The settlement of ``rows``, its total the sum of their amounts."""
    total = sum(Decimal(row["amount"].replace(",", ".")) for row in rows)
    return settlement_file({**_summary(str(total)), **summary}, rows)


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 3 lines, batches of 2 orders, fetches of 3 sums: a few rows cross every boundary."""
    monkeypatch.setattr(line_store, "CHUNK", 3)
    monkeypatch.setattr(services, "MATCH_CHUNK", 2)
    monkeypatch.setattr(services, "FETCH_ROWS", 3)


@pytest.mark.django_db
def test_orders_whose_lines_straddle_chunks_are_paid_once_with_their_total(company, amazon, small_chunks):
    # given five invoiced orders of 24.80, each paid in five rows (chunks of 3 cut through every order)
    orders = [invoiced_order(amazon, order_id) for order_id in ORDERS]
    rows = [row for order_id in ORDERS for row in _paid_in_full(order_id)]
    # when
    result = import_settlement_file("amazon-de", io.BytesIO(_file(rows)))
    # then every order is paid once, with the whole amount, and all its lines point at it
    assert result.paid == tuple(ORDERS)
    assert sorted(Payment.objects.values_list("order__external_id", "amount", "reference")) == [
        (order_id, Decimal("24.80"), f"11946237041:{order_id}") for order_id in ORDERS
    ]
    assert PayoutLine.objects.count() == 25
    for order in orders:
        assert PayoutLine.objects.filter(order=order).count() == 5
        order.refresh_from_db()
        assert (order.status, order.next_step_at is not None) == ("paid", True)
    assert PayoutLine.objects.filter(order__isnull=True).count() == 0
    assert list(PayoutOrderMatch.objects.values_list("order_ref", "status", "expected", "received", "fees")) == [
        (order_id, "paid", Decimal("24.80"), Decimal("24.80"), Decimal("-2.98")) for order_id in ORDERS
    ]
    payout = result.payout
    assert (payout.line_count, payout.matched_total, payout.fees_total, payout.unmatched_total) == (
        25,
        Decimal("124.00"),
        Decimal("-14.90"),
        Decimal("0.00"),
    )


@pytest.mark.django_db
def test_the_timeline_of_orders_paid_together_is_the_one_of_an_order_paid_alone(company, amazon, small_chunks):
    # given invoiced orders, one of them already completed (it may not go back to paid)
    orders = [invoiced_order(amazon, order_id) for order_id in ORDERS[:3]]
    SalesOrder.objects.filter(pk=orders[2].pk).update(status="completed")
    before = {order.pk: OrderEvent.objects.filter(order=order).count() for order in orders}
    rows = [row for order_id in ORDERS[:3] for row in _paid_in_full(order_id)]
    # when
    import_settlement_file("amazon-de", io.BytesIO(_file(rows)))
    # then each has its payment entry, then its status change (as transition_order writes it)
    for order in orders[:2]:
        events = list(OrderEvent.objects.filter(order=order).order_by("at", "pk"))[before[order.pk] :]
        assert [(e.kind, e.message, e.actor, e.data) for e in events] == [
            (
                "payment_received",
                "24.80 EUR in settlement 11946237041",
                "system",
                {"settlement": "11946237041", "amount": "24.80", "expected": "24.80"},
            ),
            ("status_changed", "settlement 11946237041", "system", {"from": "invoiced", "to": "paid"}),
        ]
    # and the completed one is paid but stays completed
    completed = SalesOrder.objects.get(pk=orders[2].pk)
    assert completed.status == "completed"
    assert Payment.objects.filter(order=completed).count() == 1
    assert list(OrderEvent.objects.filter(order=completed).values_list("kind", flat=True))[before[completed.pk] :] == [
        "payment_received"
    ]


@pytest.mark.django_db
def test_reimporting_with_chunks_changes_nothing(company, amazon, small_chunks):
    # given an imported settlement over several chunks
    for order_id in ORDERS:
        invoiced_order(amazon, order_id)
    data = _file([row for order_id in ORDERS for row in _paid_in_full(order_id)])
    import_settlement_file("amazon-de", io.BytesIO(data))
    counts = (PayoutLine.objects.count(), Payment.objects.count(), OrderEvent.objects.count())
    # when it is imported again
    result = import_settlement_file("amazon-de", io.BytesIO(data))
    # then
    assert result.created is False
    assert (PayoutLine.objects.count(), Payment.objects.count(), OrderEvent.objects.count()) == counts
    assert PayoutImport.objects.count() == 1


@pytest.mark.django_db
def test_identical_rows_are_each_stored_and_counted(company, amazon, small_chunks):
    # given two equal items of one order: the same row twice (and a third time in the next chunk)
    order = invoiced_order(amazon, ORDERS[0], shipping="0", lines=(("MUG-01", "Becher", 3, "19.90", "19"),))
    row = amount_row(ORDERS[0], "Order", "ItemPrice", "Principal", "19,90")
    rows = [row, row, amount_row("", "other-transaction", "other-transaction", "Subscription Fee", "-39,00"), row]
    # when
    result = import_settlement_file("amazon-de", io.BytesIO(_file(rows)))
    # then each is a line of its own, with its own checksum, and all are paid
    assert PayoutLine.objects.filter(order=order).count() == 3
    assert PayoutLine.objects.values("checksum").distinct().count() == 4
    assert result.paid == (ORDERS[0],)
    assert Payment.objects.get(order=order).amount == Decimal("59.70")


@pytest.mark.django_db
def test_a_bad_row_in_a_later_chunk_stores_nothing(company, amazon, small_chunks):
    # given a file whose 13th line is unreadable, read after three chunks were stored
    invoiced_order(amazon, ORDERS[0])
    bad = amount_row(ORDERS[2], "Order", "ItemPrice", "Principal", "zwölf")
    rows = [*_paid_in_full(ORDERS[0]), *_paid_in_full(ORDERS[1]), bad]
    # when / then
    with pytest.raises(PayoutFormatError, match="line 13: 'zwölf' is not an amount"):
        import_settlement_file("amazon-de", io.BytesIO(settlement_file(_summary("49,60"), rows)))
    assert (PayoutImport.objects.count(), PayoutLine.objects.count(), Payment.objects.count()) == (0, 0, 0)


@pytest.mark.django_db
def test_an_order_imported_while_its_lines_are_stored_is_matched_with_all_its_lines(
    company, amazon, small_chunks, monkeypatch
):
    # given an order the first chunk of lines does not find yet (it is imported meanwhile)
    order = invoiced_order(amazon, ORDERS[0])
    real = line_store.orders_by_ref
    calls = []

    def first_misses(source, refs):
        calls.append(refs)
        return {} if len(calls) == 1 else real(source, refs)

    monkeypatch.setattr(line_store, "orders_by_ref", first_misses)
    # when
    result = import_settlement_file("amazon-de", io.BytesIO(_file(_paid_in_full(ORDERS[0]))))
    # then it is paid in full, and every line points at it
    assert result.paid == (ORDERS[0],)
    assert Payment.objects.get(order=order).amount == Decimal("24.80")
    assert PayoutLine.objects.filter(order=order).count() == 5


@pytest.mark.django_db
def test_unknown_and_known_orders_across_batches(company, amazon, small_chunks):
    # given two known orders, and three order ids that are no order here, mixed
    known = [invoiced_order(amazon, ORDERS[1]), invoiced_order(amazon, ORDERS[3])]
    rows = [row for order_id in ORDERS for row in _paid_in_full(order_id)]
    # when
    result = import_settlement_file("amazon-de", io.BytesIO(_file(rows)))
    # then
    assert (result.paid, result.unknown) == ((ORDERS[1], ORDERS[3]), (ORDERS[0], ORDERS[2], ORDERS[4]))
    assert Payment.objects.count() == 2
    assert PayoutLine.objects.filter(order__in=known).count() == 10
    assert PayoutLine.objects.filter(order__isnull=True).count() == 15
    assert result.payout.unmatched_total == Decimal("74.40")  # 3 × 24.80 of orders unknown here
    ticket = Ticket.objects.get(problem_key=f"payout:{result.payout.pk}:unmatched")
    assert ", ".join((ORDERS[0], ORDERS[2], ORDERS[4])) in ticket.body


@pytest.mark.django_db
def test_orders_paid_together_close_their_payment_tickets(company, amazon, small_chunks):
    # given an order with an open payment ticket after a short payment, and one without
    short = invoiced_order(amazon, ORDERS[0])
    other = invoiced_order(amazon, ORDERS[1])
    first = [amount_row(ORDERS[0], "Order", "ItemPrice", "Principal", "20,00")]
    import_settlement_file("amazon-de", io.BytesIO(settlement_file(_summary("20,00"), first)))
    assert Ticket.objects.get(order=short).status == "open"
    # when the next settlement brings the rest, and pays the other order
    second = [
        amount_row(ORDERS[0], "Order", "ItemPrice", "Principal", "4,80"),
        *_paid_in_full(ORDERS[1]),
    ]
    second = [{**row, "settlement-id": "11946237042"} for row in second]
    import_settlement_file("amazon-de", io.BytesIO(_file(second, **{"settlement-id": "11946237042"})))
    # then both are paid and the ticket is closed
    short.refresh_from_db()
    other.refresh_from_db()
    assert (short.status, other.status) == ("paid", "paid")
    assert Ticket.objects.get(order=short).status == "closed"
    assert OrderEvent.objects.filter(order=short, kind="ticket_closed").count() == 1


@pytest.mark.django_db
def test_moving_orders_together_checks_the_transition_table_first(company, amazon):
    # given an order that may not become paid, among others that may
    from django.db import transaction

    from orderpilot.orders.services import transition_orders

    allowed = make_order(amazon, external_id=ORDERS[0])  # shipped
    refused = make_order(amazon, external_id=ORDERS[1], status="imported")
    # when / then: nothing moves
    with pytest.raises(IllegalTransition), transaction.atomic():
        transition_orders(
            [(allowed.pk, "shipped"), (refused.pk, "imported")], OrderStatus.PAID, actor=SYSTEM, reason="test"
        )
    assert sorted(SalesOrder.objects.values_list("status", flat=True)) == ["imported", "shipped"]
    assert not OrderEvent.objects.filter(kind="status_changed").exists()


def test_occurrences_number_repeats_and_stay_unique_on_false_positives():
    # given
    occurrences = Occurrences()
    a, b = bytes(range(16)), bytes(range(1, 17))
    # then: the n-th occurrence of a content is n
    assert [occurrences.count(a), occurrences.count(b), occurrences.count(a), occurrences.count(a)] == [1, 1, 2, 3]
    # and when the filter reports everything as seen (false positives), numbers still never repeat
    saturated = Occurrences()
    saturated._filter[:] = b"\xff" * len(saturated._filter)
    assert [saturated.count(a), saturated.count(a), saturated.count(b)] == [2, 3, 2]
