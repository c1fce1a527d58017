"""Fixtures of the hardening tests: the Amazon simulator in this process (its state can be reached
to serve data its intake would refuse), a held order, users with and without roles."""

from __future__ import annotations

import threading

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connection
from werkzeug.serving import make_server

from orderpilot.channels.amazon.tests.conftest import DE, SELLER, Sim

__all__ = ["DE", "SELLER"]


@pytest.fixture
def amazon_sim():
    """The SP-API simulator over real HTTP, without rate limits; ``sim.app`` is its ``Simulator``."""
    from orderpilot.sandbox.amazon.app import create_app

    app = create_app(relaxed=True, generate_every=0)
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
def amazon_channel(db, amazon_sim):
    from sp_api.auth import access_token_client

    from orderpilot.channels.models import Channel

    access_token_client.cache.clear()  # the library caches tokens per process, keyed by refresh token
    return Channel.objects.create(
        code="amazon-de",
        kind="amazon",
        endpoint=amazon_sim.url,
        settings={"token_endpoint": f"{amazon_sim.url}/auth/o2/token", "marketplace_ids": [DE]},
        secrets=SELLER,
    )


@pytest.fixture
def operator(django_user_model):
    user = django_user_model.objects.create_user("olga", password="pw-olga-12345")
    user.groups.add(Group.objects.get(name="operator"))
    return user


@pytest.fixture
def nobody(django_user_model):
    """Signed in, but without any role."""
    return django_user_model.objects.create_user("norbert", password="pw-norbert-12345")


@pytest.fixture
def held_order(channel, products, channel_order_factory):
    """An order held by a buyer-note rule, with its open hold ticket."""
    from orderpilot.channels.services import import_order
    from orderpilot.core.jobs import run_due_work
    from orderpilot.orders.models import HoldRule
    from orderpilot.tickets.models import Ticket

    HoldRule.objects.create(code="buyer-note", when="buyer_note")
    order = import_order(channel, channel_order_factory(buyer_note="Bitte als Geschenk verpacken")).order
    run_due_work(until_idle=True)
    order.refresh_from_db()
    assert order.status == "on_hold"
    return order, Ticket.objects.get(order=order, status="open")


def all_stored_text(*, leave_out: tuple[str, ...] = ()) -> str:
    """Every text and JSON column of every table, as the database holds it (not through the models)."""
    chunks = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if model._meta.label in leave_out:
                continue
            columns = [f.column for f in model._meta.concrete_fields
                       if f.get_internal_type() in ("CharField", "TextField", "JSONField", "SlugField", "URLField",
                                                    "EmailField", "BinaryField")]
            if not columns:
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT {', '.join(connection.ops.quote_name(c) for c in columns)} FROM {table}")  # noqa: S608
            for row in cursor.fetchall():
                chunks.extend(bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v) for v in row)
    return "\n".join(chunks)
