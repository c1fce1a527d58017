"""eBay payouts shaped for payment matching: plain dataclasses and the pure mapping from the Sell Finances API.

One :class:`Payout` is one transfer eBay made to the seller's bank account (``getPayouts``); its
:class:`PayoutLine` s are the monetary transactions it settles (``getTransactions`` filtered by
``payoutId``): sales (credited net of eBay's fees), refunds, shipping labels, other charges. A sale line
names the eBay order, so matching can find the order (channel, ``order_external_id``) and its invoice;
``gross`` is what the buyer paid (eBay's fee basis), ``fees`` what eBay kept, ``amount`` what reached
the seller. Signs are the seller's view: credits positive, debits negative. Source of the field names:
eBay's Finances API contract (``Payout``, ``Transaction``, ``OrderLineItem``, ``Fee``), v1.9.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from orderpilot.payments.base import PayoutFormatError, PayoutSummary, SettlementLine

from .mapping import money, parse_time


@dataclass(frozen=True)
class PayoutLine:
    """One monetary transaction inside a payout."""

    transaction_id: str
    #: eBay's ``transactionType``: SALE, REFUND, CREDIT, DISPUTE, SHIPPING_LABEL, NON_SALE_CHARGE, TRANSFER, …
    kind: str
    #: the eBay order this transaction belongs to ("" for charges without an order)
    order_external_id: str
    #: what it added to (+) or took from (−) the payout
    amount: Decimal
    #: what the buyer paid (sales) or got back (refunds), same sign as ``amount``; ``amount`` for others
    gross: Decimal
    #: eBay's fees on this transaction, as a positive number
    fees: Decimal
    currency: str
    booked_at: dt.datetime
    #: fees by ``feeType`` (FINAL_VALUE_FEE, FINAL_VALUE_FEE_FIXED_PER_ORDER, …)
    fee_breakdown: tuple[tuple[str, Decimal], ...] = ()
    memo: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Payout:
    """A transfer from eBay to the seller's bank account."""

    payout_id: str
    #: INITIATED, SUCCEEDED, REVERSED, RETRYABLE_FAILED, TERMINAL_FAILED
    status: str
    paid_at: dt.datetime
    amount: Decimal
    currency: str
    lines: tuple[PayoutLine, ...]
    #: how the transfer appears on the bank statement, when eBay says so
    bank_reference: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def reconciles(self) -> bool:
        """Whether the lines add up to the amount transferred (all transactions fetched)."""
        return sum((line.amount for line in self.lines), Decimal("0")) == self.amount


def line_from_ebay(raw: dict[str, Any]) -> PayoutLine:
    sign = Decimal("1") if (raw.get("bookingEntry") or "CREDIT") == "CREDIT" else Decimal("-1")
    amount = money(raw.get("amount")) * sign
    fees_by_type: dict[str, Decimal] = {}
    for item in raw.get("orderLineItems") or []:
        for fee in item.get("marketplaceFees") or []:
            fee_type = fee.get("feeType") or "OTHER"
            fees_by_type[fee_type] = fees_by_type.get(fee_type, Decimal("0")) + money(fee.get("amount"))
    fees = money(raw.get("totalFeeAmount")) if raw.get("totalFeeAmount") else sum(fees_by_type.values(), Decimal("0"))
    basis = raw.get("totalFeeBasisAmount")
    gross = money(basis) * sign if basis else amount
    return PayoutLine(
        transaction_id=str(raw["transactionId"]),
        kind=raw.get("transactionType") or "",
        order_external_id=raw.get("orderId") or "",
        amount=amount,
        gross=gross,
        fees=fees,
        currency=(raw.get("amount") or {}).get("currency") or "",
        booked_at=parse_time(raw.get("transactionDate")),
        fee_breakdown=tuple(sorted(fees_by_type.items())),
        memo=raw.get("transactionMemo") or "",
        raw=raw,
    )


def payout_from_ebay(raw: dict[str, Any], transactions: list[dict[str, Any]]) -> Payout:
    """A ``Payout`` of ``getPayouts`` with the ``Transaction`` s ``getTransactions`` returned for it."""
    return Payout(
        payout_id=str(raw["payoutId"]),
        status=raw.get("payoutStatus") or "",
        paid_at=parse_time(raw.get("payoutDate")),
        amount=money(raw.get("amount")),
        currency=(raw.get("amount") or {}).get("currency") or "",
        lines=tuple(line_from_ebay(t) for t in transactions),
        bank_reference=raw.get("bankReference") or "",
        raw=raw,
    )


# --- feeding payment matching (orderpilot.payments.services.import_payout) -----------------------------
#
# A payout is handed to matching as a document — JSON lines: the ``Payout`` as eBay sent it, then each
# ``Transaction`` — so that the import keeps the source's checksum like for a settlement file, and
# ``parse_payout_document`` reads it back into the payments interface: one ``PayoutSummary``, then a
# ``SettlementLine`` per amount. A sale gives the buyer's payment (``principal``, its gross) and one
# ``fee`` line per eBay fee type; a refund its gross as a refund ``principal`` and the fee eBay credited
# back; shipping labels and charges are ``fee`` lines; credits, transfers, disputes and adjustments are
# ``other``. Any cent the fee breakdown does not explain becomes an ``other`` line, so the lines always
# add up to the transaction.

FEE_KINDS = frozenset({"SHIPPING_LABEL", "NON_SALE_CHARGE"})


def payout_document(payout: Payout) -> bytes:
    rows = [{"payout": payout.raw}] + [{"transaction": line.raw} for line in payout.lines]
    return b"".join(json.dumps(row, sort_keys=True, ensure_ascii=False).encode() + b"\n" for row in rows)


def _settlement_lines(line: PayoutLine, first_number: int) -> list[SettlementLine]:
    base = {"order_ref": line.order_external_id, "transaction_type": line.kind, "posted_at": line.booked_at}
    amounts: list[tuple[str, str, Decimal, bool]] = []  # (category, amount type, amount, is refund)
    if line.kind in ("SALE", "REFUND"):
        refund = line.kind == "REFUND"
        amounts.append(("principal", "Gross", line.gross, refund))
        explained = line.gross
        if not refund:
            fees = line.fee_breakdown or ((("FEES", line.fees),) if line.fees else ())
            for fee_type, fee in fees:
                amounts.append(("fee", fee_type, -fee, False))
                explained -= fee
        rest = line.amount - explained
        if rest:
            amounts.append(("fee" if refund else "other", "FeeCredit" if refund else "Unexplained", rest, False))
    elif line.kind in FEE_KINDS:
        amounts.append(("fee", line.kind, line.amount, False))
    else:
        amounts.append(("other", line.kind, line.amount, False))
    return [
        SettlementLine(
            line_number=first_number + n,
            category=category,
            amount=amount,
            amount_type=amount_type,
            description=(line.memo or amount_type)[:200],
            is_refund=refund,
            content=f"{line.transaction_id}|{category}|{amount_type}|{amount}",
            **base,
        )
        for n, (category, amount_type, amount, refund) in enumerate(amounts)
        if amount
    ]


def parse_payout_document(fileobj: Iterable[bytes]) -> Iterator[PayoutSummary | SettlementLine]:
    """A :class:`~orderpilot.payments.base.PayoutParser` for :func:`payout_document`."""
    raw_payout: dict[str, Any] | None = None
    number = 1
    for position, raw in enumerate(fileobj, start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PayoutFormatError(f"not an eBay payout document: {exc}", line=position) from None
        if raw_payout is None:
            if "payout" not in row:
                raise PayoutFormatError("the document does not start with the payout", line=position)
            raw_payout = row["payout"]
            payout = payout_from_ebay(raw_payout, [])
            yield PayoutSummary(settlement_id=payout.payout_id, currency=payout.currency, total_amount=payout.amount,
                                deposit_date=payout.paid_at)  # fmt: skip
            continue
        if "transaction" not in row:
            raise PayoutFormatError("a second payout inside the document", line=position)
        for settlement_line in _settlement_lines(line_from_ebay(row["transaction"]), number):
            number += 1
            yield settlement_line
    if raw_payout is None:
        raise PayoutFormatError("the document is empty")
