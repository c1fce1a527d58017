"""Structured logs: every line about an order carries its id, in plain text and in JSON."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.utils.module_loading import import_string

from orderpilot.channels.services import import_order
from orderpilot.core import outbox
from orderpilot.core.jobs import run_due_work
from orderpilot.core.logcontext import current_context, log_context
from orderpilot.orders import engine


def handler_as_configured(formatter_name: str) -> tuple[logging.Handler, io.StringIO]:
    """A handler built from ``settings.LOGGING`` exactly as the console handler is, writing to a buffer."""
    config = settings.LOGGING
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    formatter = dict(config["formatters"][formatter_name])
    factory = formatter.pop("()", None)
    handler.setFormatter(import_string(factory)(**formatter) if factory else logging.Formatter(formatter["format"]))
    for name in config["handlers"]["console"]["filters"]:
        handler.addFilter(import_string(config["filters"][name]["()"])())
    return handler, stream


@pytest.fixture
def log_lines():
    """Capture what the configured console handler would write, in the format asked for."""
    attached: list[logging.Handler] = []

    def capture(formatter_name: str) -> io.StringIO:
        handler, stream = handler_as_configured(formatter_name)
        logging.getLogger("orderpilot").addHandler(handler)
        attached.append(handler)
        return stream

    yield capture
    for handler in attached:
        logging.getLogger("orderpilot").removeHandler(handler)


def test_context_nests_and_is_gone_after_the_block():
    with log_context(channel="amazon-de"):
        with log_context(order_id=7, external_id=""):
            assert current_context() == {"channel": "amazon-de", "order_id": 7}
        assert current_context() == {"channel": "amazon-de"}
    assert current_context() == {}


def test_an_unknown_context_field_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown log context fields"), log_context(customer_name="Erika"):
        pass


@pytest.mark.django_db
def test_a_failing_step_is_logged_as_json_with_the_order_it_is_about(
    channel, products, warehouse, channel_order_factory, monkeypatch, log_lines
):
    # given a routing step that hits a bug, and the JSON log format
    stream = log_lines("json")
    order = import_order(channel, channel_order_factory("LOG-1")).order

    def broken(order):
        raise ValueError("boom at ftp://ship:hunter2@127.0.0.1/in")

    monkeypatch.setitem(engine.STEPS, "released", f"{__name__}.BROKEN")
    monkeypatch.setitem(globals(), "BROKEN", broken)
    # when
    run_due_work(until_idle=True)
    # then one JSON object per line; the failure names the order, its channel and the job
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    failure = next(r for r in records if r["message"].startswith("step "))
    assert failure["levelname"] == "ERROR"
    assert (failure["order_id"], failure["external_id"], failure["channel"]) == (order.pk, "LOG-1", channel.code)
    assert failure["job"] == "advance_orders"
    assert "ValueError: boom" in failure["exc_info"]
    assert "timestamp" in failure
    # and the password in the traceback is masked in JSON too
    assert "hunter2" not in stream.getvalue()
    assert "[redacted]" in failure["exc_info"]


def failing_handler(message):
    raise RuntimeError("the receiver fell over")


@pytest.mark.django_db
def test_an_outbox_failure_is_logged_in_plain_text_with_message_and_order(channel, channel_order_factory, log_lines):
    # given
    stream = log_lines("plain")
    order = import_order(channel, channel_order_factory("LOG-2")).order
    with override_settings(ORDERPILOT_OUTBOX_HANDLERS={"test.fail": f"{__name__}.failing_handler"}):
        with transaction.atomic():
            message = outbox.enqueue_message("test.fail", key="log-2", payload={}, order=order)
        # when
        outbox.deliver_due_messages()
    # then
    line = next(line for line in stream.getvalue().splitlines() if "failed unexpectedly" in line)
    assert line.endswith(f"[order_id={order.pk} outbox_id={message.pk} outbox_kind=test.fail]")


def test_an_unknown_log_format_stops_the_start_with_a_clear_error(tmp_path):
    env = {**os.environ, "ORDERPILOT_LOG_FORMAT": "xml", "ORDERPILOT_DATA_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "orderpilot.settings.test"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "ORDERPILOT_LOG_FORMAT must be 'plain' or 'json', not 'xml'" in result.stderr


def test_json_logs_in_a_real_process(tmp_path):
    # given: a process of its own, configured only by the environment
    env = {**os.environ, "ORDERPILOT_LOG_FORMAT": "json", "ORDERPILOT_DATA_DIR": str(tmp_path),
           "ORDERPILOT_LOG_LEVEL": "DEBUG"}  # fmt: skip
    env.pop("DATABASE_URL", None)
    code = (
        "import logging, django; django.setup();"
        "from orderpilot.core.logcontext import log_context;"
        "ctx = log_context(order_id=42, channel='shop');"
        "ctx.__enter__(); logging.getLogger('orderpilot.test').warning('api_token=%s sent', 'abc123secret')"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert (line["order_id"], line["channel"], line["levelname"]) == (42, "shop", "WARNING")
    assert line["message"] == "api_token=[redacted] sent"
