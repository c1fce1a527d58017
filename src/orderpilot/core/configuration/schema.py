"""The schema of the TOML configuration file (CONTRACT.md §2), validated as a whole.

Unknown keys are errors, so a typo never silently does nothing. Error messages name the key
by its path, e.g. ``shippers[1].price[0].eur``.
"""

from __future__ import annotations

import re
import warnings
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from orderpilot.invoicing.settings import InvoiceTemplate, InvoicingSettings
from orderpilot.orders.holds import CONDITIONS, DEFERRED_CONDITIONS, REQUIRED_PARAMS
from orderpilot.payments.settings import AccountingSettings, PaymentSettings

from .durations import parse_duration

Duration = Annotated[int, BeforeValidator(parse_duration)]
Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Country = Annotated[
    str, Field(pattern=r"^[A-Z]{2}$"), BeforeValidator(lambda v: v.upper() if isinstance(v, str) else v)
]
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CommunicationConfig(Strict):
    order_received: bool | None = None
    shipped: bool | None = None
    invoice: bool | None = None
    review_request: bool | None = None
    ticket_reply: bool | None = None


class ChannelConfig(BaseModel):
    """A sales channel. Keys ending in ``_env`` name environment variables holding secrets."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    code: Code
    kind: Literal["amazon", "ebay", "gambio"]
    name: str = ""
    endpoint: str = ""
    token_endpoint: str = ""
    marketplace_ids: list[str] = []
    poll_interval: Duration = 300
    active: bool = True
    communication: CommunicationConfig = CommunicationConfig()
    settings: dict[str, Any] = {}

    @model_validator(mode="after")
    def _only_env_extras(self) -> ChannelConfig:
        for key, value in (self.model_extra or {}).items():
            if not key.endswith("_env"):
                raise ValueError(f"unknown key {key!r}")
            if not isinstance(value, str) or not ENV_NAME.match(value):
                raise ValueError(f"{key} must name an environment variable, got {value!r}")
        if self.poll_interval < 1:
            raise ValueError("poll_interval must be at least 1s")
        from orderpilot.channels.validation import channel_settings_problems

        if problems := channel_settings_problems(self.kind, self.settings):
            raise ValueError("; ".join(problems))
        return self

    @property
    def secret_env_names(self) -> dict[str, str]:
        return {key.removesuffix("_env"): value for key, value in (self.model_extra or {}).items()}


class ProductConfig(Strict):
    sku: Annotated[str, Field(min_length=1, max_length=64)]
    name: str = ""
    weight_g: Annotated[int, Field(ge=0)] = 0
    length_mm: Annotated[int, Field(ge=0)] = 0
    width_mm: Annotated[int, Field(ge=0)] = 0
    height_mm: Annotated[int, Field(ge=0)] = 0
    active: bool = True


class TransportConfig(BaseModel):
    model_config = ConfigDict(extra="allow")
    kind: Literal["email", "ftp", "sftp", "http", "folder"]


class ReturnChannelConfig(BaseModel):
    """Where a shipper's confirmations come back. Polled kinds (imap, ftp, sftp) take ``url``, and
    optionally ``mapping`` (field → CSV column / XML element), ``format``, ``delimiter``,
    ``tracking_pattern``/``shipment_pattern`` (regex, imap), ``stock_pattern`` (file name glob of a
    stock feed), ``done_folder``/``quarantine_folder``; ``*_env`` keys name secrets. A webhook has
    ``token_env`` and, while a token is being rotated, ``previous_token_env``."""

    model_config = ConfigDict(extra="allow")
    kind: Literal["imap", "ftp", "sftp", "webhook", "manual"]
    token_env: str | None = None
    previous_token_env: str | None = None

    @model_validator(mode="after")
    def _valid_patterns(self) -> ReturnChannelConfig:
        for key in ("tracking_pattern", "shipment_pattern"):
            pattern = (self.model_extra or {}).get(key)
            if pattern is not None:
                try:
                    re.compile(str(pattern))
                except re.error as exc:
                    raise ValueError(f"{key}: not a regular expression: {exc}") from None
        return self


class PriceRow(Strict):
    up_to_g: Annotated[int, Field(gt=0)]
    eur: Annotated[Decimal, Field(ge=0, decimal_places=2)]
    countries: list[Country] = []

    @field_validator("eur", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        if isinstance(value, float):
            raise ValueError("write prices as strings, e.g. \"4.50\", so no rounding happens")
        return value


class ShipperConfig(Strict):
    code: Code
    name: str = ""
    kind: Literal["in_house", "external"] = "external"
    active: bool = True
    priority: int = 100
    carrier: str = ""
    services: list[Literal["standard", "express", "cod", "bulky", "signature", "age_check"]] = ["standard"]
    countries: list[Country] = []
    max_weight_g: Annotated[int, Field(gt=0)] | None = None
    max_length_mm: Annotated[int, Field(gt=0)] | None = None
    max_width_mm: Annotated[int, Field(gt=0)] | None = None
    max_height_mm: Annotated[int, Field(gt=0)] | None = None
    max_girth_mm: Annotated[int, Field(gt=0)] | None = None
    price: list[PriceRow] = []
    transit_days: Annotated[int, Field(ge=0)] = 2
    confirmation_deadline: Duration = 86400
    stock: Literal["unlimited", "feed"] | dict[str, Annotated[int, Field(ge=0)]] = "unlimited"
    transport: TransportConfig | None = None
    format: Literal["pdf", "csv", "xml", "json", "text"] | None = None
    return_channel: ReturnChannelConfig | None = None
    template: str = ""  # Jinja2 (sandboxed) text of the delivery document; empty: built-in default
    cancellation_template: str = ""
    poll_interval: Duration = 300  # how often the return channel (imap, ftp, sftp) is read

    @model_validator(mode="after")
    def _external_needs_transport(self) -> ShipperConfig:
        if self.kind == "external" and self.transport is None:
            raise ValueError("an external shipper needs a transport (email, ftp, sftp, http or folder)")
        if self.poll_interval < 1:
            raise ValueError("poll_interval must be at least 1s")
        return self

    @model_validator(mode="after")
    def _valid_templates(self) -> ShipperConfig:
        from orderpilot.shipping.formats.templating import check_template

        for key in ("template", "cancellation_template"):
            text = getattr(self, key)
            if text:
                try:
                    check_template(text, format_name=self.format or "json")
                except ValueError as exc:
                    raise ValueError(f"{key}: {exc}") from None
        return self


class NotificationsConfig(Strict):
    smtp_url: str = ""
    from_: Annotated[str, Field(alias="from")] = ""
    review_request_after: Duration = 7 * 86400
    staff_email: str = ""
    bounce_imap_url: str = ""  # the mailbox receiving bounces of ``from`` (imap://user@host/INBOX)
    bounce_password_env: str = ""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# ``register`` (the trade register entry) is also ``ABCMeta.register`` on the model *class*, which
# makes pydantic warn on every import; instances are unaffected, so the warning is silenced here.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message='Field name "register"', category=UserWarning)

    class CompanyConfig(Strict):
        name: str
        street: str = ""
        postal_code: str = ""
        city: str = ""
        country: Country = "DE"
        vat_id: str = ""
        tax_number: str = ""
        iban: str = ""
        bic: str = ""
        bank: str = ""
        email: str = ""
        phone: str = ""
        register: str = ""
        managing_director: str = ""


class HoldRuleConfig(BaseModel):
    """A hold rule; keys besides code/when/channels/active are the condition's parameters."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    code: Code
    when: str
    channels: list[str] = []
    active: bool = True

    @model_validator(mode="after")
    def _known_condition(self) -> HoldRuleConfig:
        known = set(CONDITIONS) | DEFERRED_CONDITIONS
        if self.when not in known:
            raise ValueError(f"unknown condition {self.when!r}; known: {', '.join(sorted(known))}")
        missing = [p for p in REQUIRED_PARAMS.get(self.when, ()) if p not in (self.model_extra or {})]
        if missing:
            raise ValueError(f"condition {self.when!r} needs {', '.join(missing)}")
        if self.when == "total_above":
            try:
                Decimal(str(self.model_extra["limit"]))
            except ArithmeticError:
                raise ValueError(f"limit {self.model_extra['limit']!r} is not an amount") from None
        return self

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class ConfigFile(Strict):
    channels: list[ChannelConfig] = []
    products: list[ProductConfig] = []
    shippers: list[ShipperConfig] = []
    notifications: NotificationsConfig | None = None
    company: CompanyConfig | None = None
    hold_rules: list[HoldRuleConfig] = []
    invoicing: InvoicingSettings | None = None
    invoice_template: InvoiceTemplate | None = None
    payments: PaymentSettings | None = None
    accounting: AccountingSettings | None = None

    @model_validator(mode="after")
    def _unique_codes(self) -> ConfigFile:
        for section, key in (("channels", "code"), ("products", "sku"), ("shippers", "code"), ("hold_rules", "code")):
            seen: set[str] = set()
            for item in getattr(self, section):
                value = getattr(item, key)
                if value in seen:
                    raise ValueError(f"{section}: {key} {value!r} appears twice")
                seen.add(value)
        channel_codes = {c.code for c in self.channels}
        for rule in self.hold_rules:
            for code in rule.channels:
                if channel_codes and code not in channel_codes:
                    raise ValueError(f"hold_rules {rule.code!r}: channel {code!r} is not in this file")
        return self


class ConfigError(Exception):
    """The configuration file is invalid; ``problems`` lists ``(key path, message)``."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("\n".join(f"{path}: {message}" for path, message in problems))


def key_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in {"function-after[_only_env_extras()]", "function-after[_known_condition()]"}:
            continue
        elif str(part).startswith(("function-", "literal[", "dict[", "constrained-")):
            continue
        else:
            path += f".{part}" if path else str(part)
    return path or "(file)"


#: whole numbers the database's integer columns hold
INT_RANGE = (-(2**31), 2**31 - 1)
MAX_STRING = 1_000_000
MAX_DEPTH = 20


def hostile_values(data: Any) -> list[tuple[str, str]]:
    """``(key path, problem)`` for values no key may hold, before the schema looks at them: whole
    numbers beyond 32 bits, ``nan``/``inf``, NUL characters and lone surrogates (PostgreSQL cannot
    store them), texts over a megabyte, and nesting deeper than any section needs."""
    import math

    problems: list[tuple[str, str]] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    while stack and len(problems) < 20:
        path, value = stack.pop()
        where = key_path(path)
        if len(path) > MAX_DEPTH:
            problems.append((where, f"nested deeper than {MAX_DEPTH} levels"))
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int) and not INT_RANGE[0] <= value <= INT_RANGE[1]:
            problems.append((where, f"{str(value)[:30]} is out of range"))
        elif isinstance(value, float) and not math.isfinite(value):
            problems.append((where, f"{value} is not a number"))
        elif isinstance(value, str):
            if "\x00" in value:
                problems.append((where, "contains a NUL character"))
            elif len(value) > MAX_STRING:
                problems.append((where, f"longer than {MAX_STRING} characters"))
            else:
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    problems.append((where, "is not valid Unicode"))
        elif isinstance(value, dict):
            for key, item in value.items():
                stack.append(((*path, key), key))
                stack.append(((*path, key), item))
        elif isinstance(value, list):
            stack.extend(((*path, index), item) for index, item in enumerate(value))
    return sorted(set(problems))


def validate_config(data: dict[str, Any]) -> ConfigFile:
    hostile = hostile_values(data)
    if hostile:
        raise ConfigError(hostile)
    try:
        return ConfigFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            message = error["msg"].removeprefix("Value error, ")
            problems.append((key_path(error["loc"]), message))
        raise ConfigError(problems) from None
