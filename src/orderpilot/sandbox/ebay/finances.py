"""Sell Finances API: payouts and the monetary transactions they pay out.

``GET /sell/finances/v1/payout`` (``getPayouts``: ``filter=payoutDate:[a..b],payoutStatus:{SUCCEEDED}``,
``sort=payoutDate|-payoutDate``, ``limit`` 1…200 default 20, ``offset``) answers ``Payouts`` ``{href, limit,
offset, next, prev, total, payouts}``; ``GET /sell/finances/v1/transaction`` (``getTransactions``:
``filter=payoutId:{…},transactionType:{SALE|REFUND|…},transactionDate:[a..b]``, ``limit`` 1…1000) answers
``Transactions`` ``{…, transactions}``. Both answer ``204 No Content`` when nothing matches. Field names
follow eBay's Finances OpenAPI contract (v1.9, e.g. ballerina-platform/openapi-connectors
``openapi/ebay.finances/openapi.yml``): ``Payout {payoutId, payoutStatus, payoutStatusDescription,
amount, payoutDate, payoutInstrument, transactionCount, payoutMemo}`` and ``Transaction {transactionId,
orderId, payoutId, transactionType, transactionStatus, transactionDate, bookingEntry (CREDIT|DEBIT),
amount, totalFeeBasisAmount, totalFeeAmount, orderLineItems [{lineItemId, feeBasisAmount,
marketplaceFees [{feeType, amount}]}], buyer, references, transactionMemo}``. Errors: 135001…135005, 135000.

``POST /_sim/payouts`` takes a ``Payout`` plus ``"transactions": [Transaction…]``. A SALE transaction
that names an order of the simulator and gives no amount is priced like eBay does: fee basis = the order
total, final value fee 11 % of it plus 0.35 per order, amount = basis − fees.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from .errors import FINANCES, EbayError
from .orders import IntakeError, amount, format_time, parse_time, value_of

PAYOUT_STATUSES = {
    "INITIATED": "Preparing to send",
    "SUCCEEDED": "Funds sent",
    "REVERSED": "Waiting to retry : Money rejected by seller's bank",
    "RETRYABLE_FAILED": "Waiting to retry",
    "TERMINAL_FAILED": "Payout failed",
}
TRANSACTION_TYPES = frozenset({"SALE", "REFUND", "CREDIT", "DISPUTE", "NON_SALE_CHARGE", "SHIPPING_LABEL",
                               "TRANSFER", "ADJUSTMENT", "WITHDRAWAL", "LOAN_REPAYMENT"})  # fmt: skip
CREDIT_TYPES = frozenset({"SALE", "CREDIT"})
FINAL_VALUE_FEE_RATE = Decimal("0.11")
FINAL_VALUE_FEE_PER_ORDER = Decimal("0.35")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _priced_sale(tx: dict[str, Any], order: dict[str, Any]) -> None:
    total = order["pricingSummary"]["total"]
    basis, currency = Decimal(total["value"]), total["currency"]
    fees_total = FINAL_VALUE_FEE_PER_ORDER
    line_items = []
    for position, item in enumerate(order["lineItems"]):
        item_basis = item.get("total") or item["lineItemCost"]
        fee = _cents(Decimal(item_basis["value"]) * FINAL_VALUE_FEE_RATE)
        fees_total += fee
        fees = [{"feeType": "FINAL_VALUE_FEE", "amount": amount(fee, currency)}]
        if position == 0:
            fixed = amount(FINAL_VALUE_FEE_PER_ORDER, currency)
            fees.append({"feeType": "FINAL_VALUE_FEE_FIXED_PER_ORDER", "amount": fixed})
        line_items.append(
            {"lineItemId": item["lineItemId"], "feeBasisAmount": dict(item_basis), "marketplaceFees": fees}
        )
    tx["totalFeeBasisAmount"] = amount(basis, currency)
    tx["totalFeeAmount"] = amount(fees_total, currency)
    tx["amount"] = amount(basis - fees_total, currency)
    tx["orderLineItems"] = line_items
    tx.setdefault("buyer", {"username": (order.get("buyer") or {}).get("username", "")})
    tx.setdefault("salesRecordReference", "0")


def build_payout(body: Any, *, now: dt.datetime, next_id: int, orders: dict[str, dict[str, Any]]) -> tuple[
    dict[str, Any], list[dict[str, Any]]
]:
    """A stored payout and its transactions from a ``POST /_sim/payouts`` body."""
    if not isinstance(body, dict):
        raise IntakeError("the body must be a JSON object: a Finances API Payout plus transactions")
    payout = copy.deepcopy({k: v for k, v in body.items() if k != "transactions"})
    payout.setdefault("payoutId", str(next_id))
    payout.setdefault("payoutStatus", "SUCCEEDED")
    if payout["payoutStatus"] not in PAYOUT_STATUSES:
        raise IntakeError(f"payoutStatus must be one of {sorted(PAYOUT_STATUSES)}")
    payout.setdefault("payoutStatusDescription", PAYOUT_STATUSES[payout["payoutStatus"]])
    payout.setdefault("payoutDate", format_time(now))
    try:
        parse_time(payout["payoutDate"])
    except (TypeError, ValueError):
        raise IntakeError(f"payoutDate is not an ISO-8601 timestamp: {payout['payoutDate']!r}") from None
    payout.setdefault("payoutInstrument", {"instrumentType": "BANK", "nickname": "Geschäftskonto",
                                           "accountLastFourDigits": "2051"})  # fmt: skip
    raw = body.get("transactions") or []
    if not isinstance(raw, list):
        raise IntakeError("transactions must be a list of Transaction objects")
    transactions = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise IntakeError(f"transactions[{index}] must be an object")
        tx = copy.deepcopy(entry)
        tx.setdefault("transactionType", "SALE")
        if tx["transactionType"] not in TRANSACTION_TYPES:
            raise IntakeError(f"transactions[{index}].transactionType must be one of {sorted(TRANSACTION_TYPES)}")
        if "amount" not in tx and tx["transactionType"] == "SALE" and tx.get("orderId") in orders:
            _priced_sale(tx, orders[tx["orderId"]])
        value_of(tx.get("amount"), f"transactions[{index}].amount")
        tx.setdefault("transactionId", f"{payout['payoutId']}-{index + 1:04d}")
        tx["payoutId"] = payout["payoutId"]
        tx.setdefault("bookingEntry", "CREDIT" if tx["transactionType"] in CREDIT_TYPES else "DEBIT")
        tx.setdefault("transactionStatus", "PAYOUT")
        tx.setdefault("transactionDate", payout["payoutDate"])
        tx.setdefault("references", [])
        transactions.append(tx)
    if "amount" not in payout:
        if not transactions:
            raise IntakeError("a payout needs an amount or transactions")
        currency = transactions[0]["amount"]["currency"]
        net = sum(
            (Decimal(t["amount"]["value"]) * (1 if t["bookingEntry"] == "CREDIT" else -1) for t in transactions),
            Decimal("0"),
        )
        payout["amount"] = amount(net, currency)
    value_of(payout["amount"], "amount")
    payout.setdefault("transactionCount", len(transactions))
    return payout, transactions


def _range(name: str, value: str, error_id: int) -> tuple[dt.datetime, dt.datetime | None]:
    if not (value.startswith("[") and value.endswith("]") and ".." in value):
        raise EbayError(400, error_id, f"The value of {name} filter is invalid.", domain=FINANCES)
    start_text, end_text = value[1:-1].split("..", 1)
    try:
        return parse_time(start_text), parse_time(end_text) if end_text.strip() else None
    except ValueError:
        raise EbayError(400, error_id, f"The value of {name} filter is invalid.", domain=FINANCES) from None


def _criteria(text: str) -> dict[str, str]:
    criteria: dict[str, str] = {}
    depth, current = 0, ""
    for char in (text or "") + ",":
        depth += char in "[{"
        depth -= char in "]}"
        if char == "," and depth == 0:
            if current.strip():
                name, _, value = current.strip().partition(":")
                criteria[name.strip()] = value.strip()
            current = ""
        else:
            current += char
    return criteria


def _page_args(args: dict[str, str], default: int, maximum: int) -> tuple[int, int]:
    try:
        limit = int(args.get("limit") or default)
        offset = int(args.get("offset") or 0)
    except ValueError:
        raise EbayError(400, 135003, "The value of pagination is invalid.", domain=FINANCES) from None
    if not 1 <= limit <= maximum or offset < 0:
        raise EbayError(400, 135003, "The value of pagination is invalid.", domain=FINANCES)
    return limit, offset


def _collection(key: str, rows: list[dict[str, Any]], args: dict[str, str], limit: int, offset: int,
                base_url: str) -> dict[str, Any] | None:  # fmt: skip
    if not rows:
        return None
    query = {**args, "limit": limit, "offset": offset}
    body: dict[str, Any] = {"href": f"{base_url}?{urlencode(query)}", "limit": limit, "offset": offset,
                            "total": len(rows), key: rows[offset : offset + limit]}  # fmt: skip
    if offset + limit < len(rows):
        body["next"] = f"{base_url}?{urlencode({**query, 'offset': offset + limit})}"
    if offset:
        body["prev"] = f"{base_url}?{urlencode({**query, 'offset': max(offset - limit, 0)})}"
    return body


def search_payouts(payouts: list[dict[str, Any]], args: dict[str, str], *, base_url: str) -> dict[str, Any] | None:
    """``getPayouts``; ``None`` means 204 No Content."""
    limit, offset = _page_args(args, 20, 200)
    criteria = _criteria(args.get("filter", ""))
    unknown = set(criteria) - {"payoutDate", "payoutStatus", "lastAttemptedPayoutDate"}
    if unknown:
        raise EbayError(400, 135004, "The value of payout date filter is invalid.", domain=FINANCES)
    rows = list(payouts)
    if "payoutStatus" in criteria:
        status = criteria["payoutStatus"].strip("{}")
        if status not in PAYOUT_STATUSES:
            raise EbayError(400, 135002, "The value of payout status filter is invalid.", domain=FINANCES)
        rows = [p for p in rows if p["payoutStatus"] == status]
    if "payoutDate" in criteria:
        start, end = _range("payout date", criteria["payoutDate"], 135004)
        rows = [p for p in rows if start <= parse_time(p["payoutDate"]) and (end is None or parse_time(p["payoutDate"])
                                                                             <= end)]  # fmt: skip
    sort = args.get("sort", "payoutDate")
    if sort not in ("payoutDate", "-payoutDate"):
        raise EbayError(400, 135005, "The value of sorting is invalid.", domain=FINANCES)
    rows.sort(key=lambda p: (parse_time(p["payoutDate"]), p["payoutId"]), reverse=sort.startswith("-"))
    return _collection("payouts", rows, args, limit, offset, base_url)


def search_transactions(transactions: list[dict[str, Any]], args: dict[str, str], *, base_url: str) -> (
    dict[str, Any] | None
):
    """``getTransactions``; ``None`` means 204 No Content."""
    limit, offset = _page_args(args, 20, 1000)
    criteria = _criteria(args.get("filter", ""))
    rows = list(transactions)
    for name, value in criteria.items():
        if name == "payoutId":
            rows = [t for t in rows if t["payoutId"] == value.strip("{}")]
        elif name == "transactionType":
            wanted = set(value.strip("{}").split("|"))
            if not wanted <= TRANSACTION_TYPES:
                raise EbayError(400, 135006, "The value of transaction type filter is invalid.", domain=FINANCES)
            rows = [t for t in rows if t["transactionType"] in wanted]
        elif name == "transactionDate":
            start, end = _range("transaction date", value, 135007)
            rows = [t for t in rows if start <= parse_time(t["transactionDate"]) and
                    (end is None or parse_time(t["transactionDate"]) <= end)]  # fmt: skip
        elif name == "orderId":
            rows = [t for t in rows if t.get("orderId") == value.strip("{}")]
        else:
            raise EbayError(400, 135008, f"The filter {name} is not supported.", domain=FINANCES)
    rows.sort(key=lambda t: (parse_time(t["transactionDate"]), t["transactionId"]))
    return _collection("transactions", rows, args, limit, offset, base_url)
