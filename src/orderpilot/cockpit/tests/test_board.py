"""The order board: columns, search, filters, keyset pages, bounded count, no N+1, live refresh."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from .. import selectors
from ..selectors import BoardQuery, board_page
from .factories import (
    hold,
    make_channel,
    make_customer,
    make_invoice,
    make_order,
    make_package,
    make_payment,
    make_shipment,
    make_shipper,
)


def order_links(html: str) -> list[tuple[str, str]]:
    """(href, text) of every link to an order page, in page order."""
    return re.findall(r'<a href="(/orders/\d+/)">([^<]+)</a>', html)


@pytest.fixture
def shipped_order(db):
    customer = make_customer("Erika Mustermann", "erika@example.com")
    order = make_order("302-1111111-2222222", customer=customer, status="invoiced", total="59.80",
                       ship_by=timezone.now() + dt.timedelta(days=1))
    shipment = make_shipment(order, make_shipper("warehouse", carrier="DHL"), status="confirmed")
    make_package(shipment, "00340434161234567890", carrier="DHL")
    make_invoice(order, "RE-2026-000042")
    make_payment(order, "20.00")
    return order


@pytest.mark.django_db
def test_board_row_shows_every_column(operator_client, shipped_order):
    # given: an invoiced, partly paid order shipped by the warehouse

    # when
    html = operator_client.get("/").content.decode()

    # then
    assert order_links(html) == [(f"/orders/{shipped_order.pk}/", "302-1111111-2222222")]
    row = html[html.index('<tbody id="board-rows"'):html.index("</tbody>")]
    assert "amazon-de" in row
    assert f'<a href="/customers/{shipped_order.customer_id}/">Erika Mustermann</a>' in row
    assert "59.80 EUR" in row
    assert '<span class="status status-invoiced">' in row
    assert f'<a href="/shipments/{shipped_order.shipments.get().number}/">warehouse</a>' in row
    assert ('<a href="https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode='
            '00340434161234567890" rel="noopener noreferrer" target="_blank">00340434161234567890</a>') in row
    assert '<a href="/invoices/RE-2026-000042/">RE-2026-000042</a>' in row
    assert "payment-partly_paid" in row
    assert "<time datetime=" in row


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("_case", "q"),
    [
        ("external id", "302-1111111-2222222"),
        ("customer name part", "mustermann"),
        ("email", "Erika@Example.com"),
        ("tracking number", "00340434161234567890"),
        ("invoice number", "RE-2026-000042"),
    ],
)
def test_search_finds_the_order_and_links_it_by_external_id(operator_client, shipped_order, _case, q):
    # given: another order that must not match
    make_order("028-9999999-0000000", customer=make_customer("Max Muster", "max@example.com"))

    # when
    html = operator_client.get("/", {"q": q}).content.decode()

    # then
    assert order_links(html) == [(f"/orders/{shipped_order.pk}/", "302-1111111-2222222")]


@pytest.mark.django_db
def test_search_without_match_shows_no_order(operator_client, shipped_order):
    # given: one order

    # when
    html = operator_client.get("/", {"q": "nothing-like-this"}).content.decode()

    # then
    assert order_links(html) == []
    assert "No orders found." in html


@pytest.mark.django_db
def test_filters_by_status_channel_and_shipper():
    # given
    ebay = make_channel("ebay-de", "ebay")
    held = make_order("A-1")
    hold(held)
    on_ebay = make_order("B-1", channel=ebay)
    shipped_by_3pl = make_order("C-1", status="transmitted")
    make_shipment(shipped_by_3pl, make_shipper("dhl-3pl", kind="external"))

    # when
    by_status = board_page(BoardQuery(status="on_hold")).rows
    by_channel = board_page(BoardQuery(channel="ebay-de")).rows
    by_shipper = board_page(BoardQuery(shipper="dhl-3pl")).rows

    # then
    assert [o.external_id for o in by_status] == ["A-1"]
    assert [o.external_id for o in by_channel] == [on_ebay.external_id]
    assert [o.external_id for o in by_shipper] == ["C-1"]


@pytest.mark.django_db
def test_problem_filters():
    # given
    now = timezone.now()
    held = make_order("HELD")
    hold(held)
    late = make_order("LATE", status="released", ship_by=now - dt.timedelta(hours=1))
    unconfirmed = make_order("UNCONFIRMED", status="transmitted")
    make_shipment(unconfirmed, deadline_at=now - dt.timedelta(minutes=5))
    unpaid = make_order("UNPAID", status="invoiced")
    failed = make_order("FAILED", status="shipped")
    from orderpilot.core.models import OutboxMessage

    OutboxMessage.objects.create(kind="email.shipped", idempotency_key="k1", order=failed, status="dead",
                                 next_attempt_at=now, attempts=8)
    make_order("FINE", status="paid", ship_by=now - dt.timedelta(days=2))

    # when
    found = {
        problem: sorted(o.external_id for o in board_page(BoardQuery(problem=problem)).rows)
        for problem, _label in selectors.Problem.choices
    }

    # then
    assert found == {
        "on_hold": ["HELD"],
        "overdue": ["LATE", "UNCONFIRMED"],
        "unpaid": ["UNPAID"],
        "failed_delivery": ["FAILED"],
    }
    assert {late.pk, unpaid.pk} <= {o.pk for o in board_page(BoardQuery()).rows}


@pytest.mark.django_db
def test_keyset_pages_walk_forward_and_back_without_gaps():
    # given: five orders, one second apart, two of them at the very same time
    base = timezone.now() - dt.timedelta(days=1)
    for i, seconds in enumerate([0, 1, 2, 2, 3]):
        make_order(f"O-{i}", ordered_at=base + dt.timedelta(seconds=seconds))

    # when
    first = board_page(BoardQuery(), page_size=2)
    second = board_page(BoardQuery(), after=first.next_cursor, page_size=2)
    third = board_page(BoardQuery(), after=second.next_cursor, page_size=2)
    back = board_page(BoardQuery(), before=third.previous_cursor, page_size=2)

    # then
    assert [o.external_id for o in first.rows] == ["O-4", "O-3", ]
    assert [o.external_id for o in second.rows] == ["O-2", "O-1"]
    assert [o.external_id for o in third.rows] == ["O-0"]
    assert third.next_cursor == ""
    assert first.previous_cursor == ""
    assert [o.external_id for o in back.rows] == ["O-2", "O-1"]
    assert back.next_cursor != ""
    assert back.previous_cursor != ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sort", "expected"),
    [("oldest", ["CHEAP", "DEAR", "MID"]), ("total_desc", ["DEAR", "MID", "CHEAP"]),
     ("ship_by", ["MID", "CHEAP", "DEAR"])],
)
def test_sorting(sort, expected):
    # given
    now = timezone.now()
    make_order("CHEAP", total="5.00", ordered_at=now - dt.timedelta(hours=3), ship_by=now + dt.timedelta(days=2))
    make_order("DEAR", total="500.00", ordered_at=now - dt.timedelta(hours=2))
    make_order("MID", total="50.00", ordered_at=now - dt.timedelta(hours=1), ship_by=now + dt.timedelta(days=1))

    # when
    first = board_page(BoardQuery(sort=sort), page_size=2)
    rest = board_page(BoardQuery(sort=sort), after=first.next_cursor, page_size=2)

    # then
    assert [o.external_id for o in first.rows + rest.rows] == expected


@pytest.mark.django_db
def test_a_malformed_cursor_shows_the_first_page():
    # given
    make_order("ONLY")

    # when
    page = board_page(BoardQuery(), after="not-a-cursor")

    # then
    assert [o.external_id for o in page.rows] == ["ONLY"]


@pytest.mark.django_db
def test_count_is_bounded(monkeypatch):
    # given
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 3)
    for i in range(5):
        make_order(f"N-{i}")

    # when
    page = board_page(BoardQuery(), page_size=2)

    # then
    assert (page.count, page.count_capped) == (3, True)


@pytest.mark.django_db
def test_board_queries_do_not_grow_with_the_rows(django_assert_num_queries):
    # given: a first page of 2 fully built orders, then one of 6
    def build(n):
        for _ in range(n):
            order = make_order(status="invoiced")
            hold_reason_order = make_order()
            hold(hold_reason_order)
            shipment = make_shipment(order)
            make_package(shipment, f"T{order.pk}")
            make_invoice(order)
            make_payment(order, "1.00")

    build(1)
    with django_assert_num_queries(5) as small:
        assert len(board_page(BoardQuery()).rows) == 2

    # when
    build(2)
    with django_assert_num_queries(5) as large:
        rows = board_page(BoardQuery()).rows

    # then
    assert len(rows) == 6
    assert len(small.captured_queries) == len(large.captured_queries) == 5


@pytest.mark.django_db
def test_htmx_refresh_returns_only_the_table_body(operator_client, shipped_order):
    # given: the board's table body polls with htmx

    # when
    response = operator_client.get("/", {"partial": "rows", "status": "invoiced"}, HTTP_HX_REQUEST="true")

    # then
    html = response.content.decode()
    assert html.startswith('<tbody id="board-rows" hx-get="?status=invoiced&amp;partial=rows"')
    assert 'hx-trigger="every 15s' in html
    assert html.rstrip().endswith("</tbody>")
    assert "<html" not in html
    assert order_links(html) == [(f"/orders/{shipped_order.pk}/", "302-1111111-2222222")]


@pytest.mark.django_db
def test_board_loads_htmx_from_the_package_not_a_cdn(operator_client):
    # given: an operator

    # when
    html = operator_client.get("/").content.decode()

    # then
    assert '<script src="/static/django_htmx/htmx-2.min.js"' in html
    assert "https://" not in re.sub(r'href="https://[^"]+"', "", html)


@pytest.mark.django_db
def test_payment_state_from_invoice_and_payments():
    # given
    order = make_order(status="invoiced", total="30.00")
    make_invoice(order, gross="30.00")
    make_payment(order, "30.00")
    over = make_order(status="invoiced", total="10.00")
    make_invoice(over, gross="10.00")
    make_payment(over, "12.00")
    none = make_order(status="released")

    # when
    states = {o.pk: o.payment_state for o in board_page(BoardQuery()).rows}

    # then
    assert states == {order.pk: "paid", over.pk: "overpaid", none.pk: "not_invoiced"}
    assert Decimal("30.00") == order.total_gross


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [("de", ["<h1>Aufträge</h1>", "Zu erledigen", "Versand bis", "Sendungsnummer für"]),
     ("en", ["<h1>Orders</h1>", "Needs attention", "Ship by", "Tracking number for"])],
)
def test_pages_speak_german_and_english(client, operator, language, expected):
    # given
    client.force_login(operator)
    make_shipment(make_order("DE-1", status="transmitted"), make_shipper("warehouse", kind="in_house"))

    # when
    html = client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    html += client.get("/packing/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    # then
    for text in expected:
        assert text in html
