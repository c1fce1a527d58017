"""Invoices per second for PDF + EN 16931 XML rendering (target: at least 50 per core).

Renders N synthetic invoices (5 lines, 19 %, from the same snapshot type the service uses) in this
one process, i.e. on one core, and prints the rate and where the time goes. For comparison it also
times embedding with ``facturx.generate_from_binary`` plus a pikepdf pass, the path that
``invoicing/rendering/pdfa.py`` replaces. No database is needed.

    .venv/bin/python bench/invoice_rendering.py [--n 50]
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderpilot.settings.test")
os.environ.setdefault("ORDERPILOT_DATA_DIR", str(ROOT / "var" / "bench"))

import django  # noqa: E402

django.setup()
# factur-x logs one INFO line per document it touches (the comparison below): not the benchmark's output
logging.getLogger("factur-x").setLevel(logging.WARNING)
logging.getLogger("pikepdf").setLevel(logging.WARNING)

from orderpilot.invoicing.builder import SourceLine, build_invoice_draft  # noqa: E402
from orderpilot.invoicing.rendering.data import InvoiceData, LineData  # noqa: E402
from orderpilot.invoicing.rendering.einvoice import build_cii  # noqa: E402
from orderpilot.invoicing.rendering.pdf import render_invoice_pdf  # noqa: E402
from orderpilot.invoicing.rendering.pdfa import embed_facturx  # noqa: E402
from orderpilot.invoicing.rendering.render import render_documents  # noqa: E402
from orderpilot.invoicing.settings import InvoiceTemplate  # noqa: E402
from orderpilot.invoicing.tax import TaxContext  # noqa: E402

SELLER = {
    "name": "Muster GmbH",
    "street": "Hauptstr. 1",
    "postal_code": "94032",
    "city": "Passau",
    "country": "DE",
    "vat_id": "DE136695976",
    "tax_number": "123/456/78901",
    "register": "Amtsgericht Passau HRB 1234",
    "managing_director": "Max Muster",
    "email": "rechnung@muster.example",
}


def sample(number: int) -> InvoiceData:
    ctx = TaxContext("DE", "DE", dt.date(2026, 11, 27))
    goods = [
        SourceLine(
            f"Artikel {i} – Becher „Passau“ blau, 350 ml",
            Decimal(i),
            Decimal("19.90") * i,
            Decimal(19),
            sku=f"MUG-{i:02d}",
        )
        for i in range(1, 6)
    ]
    draft = build_invoice_draft(
        ctx, goods, shipping_gross=Decimal("4.90"), shipping_label="Versandkosten / Shipping"
    )
    lines = tuple(
        LineData(
            i,
            ln.description,
            ln.sku,
            ln.quantity,
            ln.unit_net,
            ln.tax_rate,
            ln.category,
            ln.net,
            ln.tax,
            ln.gross,
        )
        for i, ln in enumerate(draft.lines, start=1)
    )
    return InvoiceData(
        number=f"RE-2026-{number:06d}",
        kind="invoice",
        issued_on=dt.date(2026, 11, 28),
        delivery_date=dt.date(2026, 11, 27),
        currency="EUR",
        seller=SELLER,
        buyer={
            "name": "Erika Mustermann",
            "street": "Heidestraße 17",
            "postal_code": "51147",
            "city": "Köln",
            "country": "DE",
            "email": "erika@example.com",
            "customer_number": "4711",
        },
        lines=lines,
        net_total=draft.net_total,
        tax_total=draft.tax_total,
        gross_total=draft.gross_total,
        treatment=draft.treatment,
        destination_country="DE",
        order_reference="302-1234567-1234567",
        payment={"prepaid": True, "via": "Amazon"},
    )


def timed(function, items) -> tuple[float, list]:
    """CPU seconds of this process (what "per core" means; other processes' load does not count)."""
    started = time.process_time()
    results = [function(item) for item in items]
    return time.process_time() - started, results


def say(line: str) -> None:
    sys.stdout.write(line + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=50)
    n = parser.parse_args().n
    invoices = [sample(i) for i in range(1, n + 1)]
    render_documents(sample(0))  # warm-up: font registration, XSD parsing
    wall = time.perf_counter()
    total, rendered = timed(render_documents, invoices)
    wall = time.perf_counter() - wall
    template = InvoiceTemplate()
    xml_s, xmls = timed(build_cii, invoices)
    pdf_s, pdfs = timed(lambda d: render_invoice_pdf(d, template), invoices)
    embed_s, _ = timed(
        lambda pair: embed_facturx(
            pair[0],
            pair[1],
            issued_on=dt.date(2026, 11, 28),
            title="Rechnung",
            author="Muster GmbH",
            lang="de-DE",
        ),
        list(zip(pdfs, xmls, strict=True)),
    )
    from facturx import generate_from_binary

    facturx_s, _ = timed(
        lambda pair: embed_facturx(
            generate_from_binary(
                pair[0],
                pair[1],
                flavor="factur-x",
                level="en16931",
                check_xsd=False,
                afrelationship="alternative",
                xmp_compression=False,
            ),
            pair[1],
            issued_on=dt.date(2026, 11, 28),
            title="Rechnung",
            author="Muster GmbH",
            lang="de-DE",
        ),
        list(zip(pdfs, xmls, strict=True)),
    )
    size = sum(len(r.pdf) for r in rendered) / n / 1024
    say(f"invoices: {n}, one process (one core), {size:.1f} KiB per PDF")
    say(
        f"PDF/A-3 + EN 16931 XML: {n / total:.1f} invoices/s per core "
        f"({total / n * 1000:.1f} ms CPU per invoice; wall clock {wall / n * 1000:.1f} ms "
        f"on a machine with load {os.getloadavg()[0]:.1f})"
    )
    say(f"  XML (drafthorse + XSD check): {xml_s / n * 1000:.1f} ms")
    say(f"  PDF (ReportLab platypus):     {pdf_s / n * 1000:.1f} ms")
    say(f"  PDF/A-3 + embed (pikepdf):    {embed_s / n * 1000:.1f} ms")
    say(f"  for comparison, factur-x generate_from_binary + pikepdf pass: {facturx_s / n * 1000:.1f} ms")


if __name__ == "__main__":
    main()
