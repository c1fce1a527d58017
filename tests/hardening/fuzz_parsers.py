"""Fuzz the parsers that read data from outside, for as long as you give it (run by hand; the normal
test run has the same properties with a bounded number of examples in ``test_properties.py``).

    .venv/bin/python tests/hardening/fuzz_parsers.py --seconds 300
    .venv/bin/python tests/hardening/fuzz_parsers.py --seconds 60 --target settlement --target mail

Each target is a Hypothesis property run round after round with fresh random data until the time
is up: whatever comes in, the parser returns something the system can store or raises its own
error with a message. The first failure prints its smallest example and ends with exit code 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderpilot.settings.test")
os.environ.setdefault("ORDERPILOT_DATA_DIR", str(ROOT / "var" / "test-hardening"))

import django  # noqa: E402

django.setup()

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from orderpilot.channels.amazon.mapping import map_orders  # noqa: E402
from orderpilot.channels.validation import UnacceptableOrder, check_channel_order  # noqa: E402
from orderpilot.core.configuration.durations import parse_duration  # noqa: E402
from orderpilot.payments.base import PayoutFormatError  # noqa: E402
from orderpilot.shipping.return_channels.imap import parse_mail  # noqa: E402
from orderpilot.shipping.return_channels.parsing import (  # noqa: E402
    UnreadableConfirmation,
    parse_confirmation_csv,
    parse_confirmation_xml,
    parse_stock,
)
from tests.hardening.test_properties import (  # noqa: E402
    JSON,
    ORDERISH,
    SETTLEMENT_ROW,
    _check_parsed,
    _settle,
    _settlement,
    attempt,
)

ROUND = settings(max_examples=400, deadline=None, database=None, print_blob=True,
                 suppress_health_check=list(HealthCheck))

CSV_LIKE = st.lists(
    st.lists(st.text(max_size=20) | st.sampled_from(["delivery_note", "tracking_number", "order", "sku", "quantity",
                                                      "carrier", "shipped_at", "LS-2026-000001", "ABC12345"]),
             max_size=7),
    max_size=8,
).map(lambda rows: "\r\n".join(";".join(row) for row in rows).encode("utf-8", "surrogatepass"))
XML_LIKE = st.recursive(
    st.text(max_size=15).map(lambda t: t.replace("<", "&lt;")),
    lambda inner: st.tuples(st.sampled_from(["confirmation", "deliveryNote", "trackingNumber", "order", "x", "item",
                                             "sku", "quantity"]), st.lists(inner, max_size=3))
    .map(lambda node: f"<{node[0]}>{''.join(node[1])}</{node[0]}>"),
    max_leaves=20,
).map(lambda body: f"<?xml version='1.0'?><confirmations>{body}</confirmations>".encode())
MAIL_LIKE = st.lists(
    st.sampled_from([b"Subject: ", b"Content-Type: text/plain; charset=", b"Content-Type: multipart/mixed; boundary=b",
                     b"Content-Transfer-Encoding: base64", b"Content-Disposition: attachment; filename=",
                     b"\r\n", b"\r\n\r\n", b"--b\r\n", b"--b--", b"=?utf-8?B?", b"?=", b"x-klingon", b"../x.csv"])
    | st.binary(max_size=30),
    max_size=25,
).map(b"".join)


@ROUND
@given(st.binary(max_size=4000) | st.lists(SETTLEMENT_ROW, min_size=1, max_size=6).map(_settlement))
def settlement(data):
    items, refused = attempt(_settle, data, refused_by=PayoutFormatError)
    if not refused:
        _check_parsed(items)


@ROUND
@given(st.binary(max_size=3000) | CSV_LIKE | XML_LIKE)
def confirmation(data):
    for parse in (parse_confirmation_csv, parse_confirmation_xml):
        attempt(parse, data, refused_by=UnreadableConfirmation)
    for kind in ("csv", "xml"):
        attempt(lambda content, kind=kind: parse_stock(content, kind=kind), data, refused_by=UnreadableConfirmation)


@ROUND
@given(st.lists(JSON | ORDERISH, max_size=6))
def amazon(raws):
    orders, rejected = map_orders(raws)
    assert len(orders) + len(rejected) == len(raws)
    for order in orders:
        attempt(check_channel_order, order, refused_by=UnacceptableOrder)


@ROUND
@given(st.binary(max_size=3000) | MAIL_LIKE)
def mail(raw):
    item = parse_mail("1:1", raw)
    assert isinstance(item.text, str)
    assert all("/" not in a.filename and "\\" not in a.filename for a in item.attachments)


@ROUND
@given(st.text(max_size=60) | st.integers() | st.floats() | st.none())
def durations(value):
    attempt(parse_duration, value, refused_by=ValueError)


TARGETS = {"settlement": settlement, "confirmation": confirmation, "amazon": amazon, "mail": mail,
           "durations": durations}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120, help="time budget for all targets together")
    parser.add_argument("--target", action="append", choices=sorted(TARGETS), help="only these (repeatable)")
    options = parser.parse_args(argv)
    targets = options.target or list(TARGETS)
    deadline = time.monotonic() + options.seconds
    rounds = dict.fromkeys(targets, 0)
    while time.monotonic() < deadline:
        for name in targets:
            if time.monotonic() >= deadline:
                break
            try:
                TARGETS[name]()
            except Exception as failure:  # Hypothesis has printed the falsifying example above
                print(f"FAILED {name} after {rounds[name]} round(s): {type(failure).__name__}: {failure}",
                      file=sys.stderr)
                return 1
            rounds[name] += 1
    examples = ", ".join(f"{name} {count * ROUND.max_examples}" for name, count in rounds.items())
    print(f"fuzz: no failure in {options.seconds:.0f}s ({examples} examples)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
