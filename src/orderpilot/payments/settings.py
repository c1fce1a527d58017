"""Typed access to the payment and accounting settings kept in ``SystemSetting``.

- ``payments``: the tolerance for matching payments to invoices (default: to the cent).
- ``accounting``: DATEV consultant/client numbers, chart of accounts (SKR03/SKR04) and the account
  and tax-key mapping. The advisor decides these (research/compliance.md §4.4–4.5): every account
  and key can be overridden; the defaults are the usual SKR03/SKR04 accounts for marketplace sales.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

PAYMENTS_KEY = "payments"
ACCOUNTING_KEY = "accounting"

Account = Annotated[str, Field(pattern=r"^[1-9][0-9]{3,8}$")]
TaxKey = Annotated[str, Field(pattern=r"^[0-9]{0,4}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PaymentSettings(_Strict):
    #: a payment counts as complete when it differs from the invoiced amount by at most this
    tolerance: Annotated[Decimal, Field(ge=0, le=100)] = Decimal("0.00")


class ChartDefaults(_Strict):
    revenue_standard: dict[str, Account]
    revenue_oss: Account
    revenue_intra_eu: Account
    revenue_export: Account
    debtor: Account
    clearing: Account
    fees: Account
    reserve: Account
    other: Account
    automatic: tuple[str, ...]


#: research/compliance.md §4.5 (pathway-solutions, collmex) and §4.3 (automatic accounts).
CHARTS: dict[str, ChartDefaults] = {
    "03": ChartDefaults(
        revenue_standard={"19.00": "8400", "7.00": "8300"},
        revenue_oss="8320",
        revenue_intra_eu="8125",
        revenue_export="8120",
        debtor="10000",
        clearing="1360",
        fees="4970",
        reserve="1385",
        other="4900",
        automatic=("8120", "8125", "8300", "8310", "8315", "8336", "8338", "8400", "8449"),
    ),
    "04": ChartDefaults(
        revenue_standard={"19.00": "4400", "7.00": "4300"},
        revenue_oss="4320",
        revenue_intra_eu="4125",
        revenue_export="4120",
        debtor="10000",
        clearing="1460",
        fees="6855",
        reserve="1596",
        other="6300",
        automatic=("4120", "4125", "4300", "4310", "4315", "4336", "4338", "4400", "4449"),
    ),
}


class AccountingSettings(_Strict):
    """:param consultant_number: DATEV Beraternummer (1001–9999999); required for DATEV.
    :param client_number: DATEV Mandantennummer (1–99999); required for DATEV.
    :param revenue_accounts: revenue account per VAT rate (``"19.00"``) for domestic sales; on a
        non-automatic account the tax key of the rate (``tax_keys``) is written with the booking.
    :param debtors: debtor account per channel code (default: the collective ``debtor``).
    """

    consultant_number: Annotated[int, Field(ge=1001, le=9999999)] | None = None
    client_number: Annotated[int, Field(ge=1, le=99999)] | None = None
    chart: Literal["03", "04"] = "03"
    account_length: Annotated[int, Field(ge=4, le=8)] = 4
    fiscal_year_start: Annotated[str, Field(pattern=r"^\d{2}-\d{2}$")] = "01-01"
    origin: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] = "OP"
    dictation: Annotated[str, Field(max_length=2)] = ""
    lock: bool = False
    revenue_accounts: dict[str, Account] = {}
    revenue_oss: Account | None = None
    revenue_intra_eu: Account | None = None
    revenue_export: Account | None = None
    debtor: Account | None = None
    debtors: dict[str, Account] = {}
    clearing: Account | None = None
    fee_accounts: dict[str, Account] = {}
    fees: Account | None = None
    reserve: Account | None = None
    other: Account | None = None
    tax_keys: dict[str, TaxKey] = {"19.00": "3", "7.00": "2"}
    oss_tax_key: TaxKey = "240"
    fee_tax_key: TaxKey = "9"

    @model_validator(mode="after")
    def _personal_accounts_fit(self) -> AccountingSettings:
        for account in [self.debtor_for(""), *self.debtors.values()]:
            if len(account) != self.account_length + 1:
                raise ValueError(f"debtor account {account} must have {self.account_length + 1} digits")
        return self

    @property
    def defaults(self) -> ChartDefaults:
        return CHARTS[self.chart]

    def revenue_account(self, treatment: str, rate: Decimal) -> str:
        chart = self.defaults
        if treatment == "oss":
            return self.revenue_oss or chart.revenue_oss
        if treatment == "intra_eu":
            return self.revenue_intra_eu or chart.revenue_intra_eu
        if treatment == "export":
            return self.revenue_export or chart.revenue_export
        key = f"{rate:.2f}"
        account = self.revenue_accounts.get(key) or chart.revenue_standard.get(key)
        if account is None:
            raise ValueError(f'no revenue account for {key} %: set accounting.revenue_accounts."{key}"')
        return account

    def tax_key(self, treatment: str, rate: Decimal, account: str) -> str:
        """The BU key: none on automatic accounts (DATEV computes the tax itself), the OSS key for
        distance sales, the key of the rate otherwise, none for tax-free supplies."""
        if account in self.defaults.automatic:
            return ""
        if treatment == "oss":
            return self.oss_tax_key
        if treatment in ("intra_eu", "export"):
            return ""
        return self.tax_keys.get(f"{rate:.2f}", "")

    def debtor_for(self, channel_code: str) -> str:
        return self.debtors.get(channel_code) or self.debtor or self.defaults.debtor

    def clearing_account(self) -> str:
        return self.clearing or self.defaults.clearing

    def expense_account(self, category: str, type_: str) -> str:
        if type_ in self.fee_accounts:
            return self.fee_accounts[type_]
        if category == "fee":
            return self.fees or self.defaults.fees
        if category == "reserve":
            return self.reserve or self.defaults.reserve
        return self.other or self.defaults.other

    def fiscal_year_begin(self, year: int) -> dt.date:
        month, day = (int(part) for part in self.fiscal_year_start.split("-"))
        return dt.date(year, month, day)


def payment_settings() -> PaymentSettings:
    return PaymentSettings.model_validate(_stored(PAYMENTS_KEY))


def accounting_settings() -> AccountingSettings:
    return AccountingSettings.model_validate(_stored(ACCOUNTING_KEY))


def _stored(key: str) -> dict:
    from orderpilot.core.models import SystemSetting

    row = SystemSetting.objects.filter(key=key).first()
    return row.value if row else {}
