"""Typed access to the invoicing settings kept in ``SystemSetting``.

- ``invoicing``: number patterns, OSS participation, reduced rates per destination.
- ``invoice_template``: how the PDF looks (logo, colours, texts, footer), changeable by the merchant.

Both have defaults, so invoicing works before anything is configured; unknown keys are errors.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .vat_rates import RATES

INVOICING_KEY = "invoicing"
TEMPLATE_KEY = "invoice_template"

HexColour = Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$")]
DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class InvoicingSettings(_Strict):
    """:param oss: the seller is above the EU distance-sales threshold (or opted in): EU consumers are
        charged their own country's VAT. ``False``: the seller country's VAT (§3c Abs. 4 UStG).
    :param oss_reduced_rates: the rate the merchant's reduced-rate goods take per destination, e.g.
        ``{"FR": "5.5"}``; needed because countries have several reduced rates.
    """

    number_pattern: str = "RE-{year}-{seq:06}"
    credit_note_pattern: str = "GS-{year}-{seq:06}"
    oss: bool = True
    oss_reduced_rates: dict[str, Decimal] = {}

    @field_validator("number_pattern", "credit_note_pattern")
    @classmethod
    def _has_sequence(cls, value: str) -> str:
        if "{seq" not in value:
            raise ValueError("a number pattern needs {seq}, e.g. RE-{year}-{seq:06}")
        try:
            value.format(year=2026, seq=1)
        except (KeyError, ValueError, IndexError) as exc:
            raise ValueError(f"invalid number pattern {value!r}: {exc}") from None
        return value

    @field_validator("oss_reduced_rates")
    @classmethod
    def _known_reduced_rates(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for country, rate in value.items():
            known = {r for period in RATES.get(country, ()) for r in period.reduced}
            if rate not in known:
                raise ValueError(f"{rate} is not a reduced VAT rate of {country!r}")
        return value


class InvoiceTexts(_Strict):
    intro_de: str = "Vielen Dank für Ihren Einkauf. Wir berechnen Ihnen:"
    intro_en: str = "Thank you for your purchase. We invoice you as follows:"
    closing_de: str = "Der Rechnungsbetrag wurde bereits bezahlt."
    closing_en: str = "The invoice amount has already been paid."
    credit_intro_de: str = "Wir schreiben Ihnen folgende Beträge gut:"
    credit_intro_en: str = "We credit you the following amounts:"


class InvoiceTemplate(_Strict):
    """The merchant's invoice layout. ``footer`` lines are printed on every page; ``{…}`` fields of
    the company (``{name}``, ``{register}``, ``{managing_director}``, ``{iban}`` …) are filled in.
    """

    logo_path: str = ""
    logo_width_mm: Annotated[float, Field(gt=0, le=120)] = 45
    accent_colour: HexColour = "#1F4E79"
    text_colour: HexColour = "#222222"
    font_path: str = ""
    bold_font_path: str = ""
    texts: InvoiceTexts = InvoiceTexts()
    footer: list[str] = [
        "{name} · {street} · {postal_code} {city}",
        "USt-IdNr./VAT ID {vat_id} · Steuernummer/Tax no. {tax_number}",
        "{register} · Geschäftsführung/Managing director: {managing_director}",
    ]

    @field_validator("logo_path", "font_path", "bold_font_path")
    @classmethod
    def _existing_file(cls, value: str) -> str:
        if value and not Path(value).is_file():
            raise ValueError(f"file {value!r} does not exist")
        return value

    def fonts(self) -> tuple[str, str]:
        """Regular and bold TrueType font files: configured, else DejaVu Sans (Debian
        ``fonts-dejavu-core``), else Bitstream Vera shipped with ReportLab. All embeddable."""
        if self.font_path:
            return self.font_path, self.bold_font_path or self.font_path
        if (DEJAVU_DIR / "DejaVuSans.ttf").is_file():
            return str(DEJAVU_DIR / "DejaVuSans.ttf"), str(DEJAVU_DIR / "DejaVuSans-Bold.ttf")
        import reportlab

        fonts = Path(reportlab.__file__).parent / "fonts"
        return str(fonts / "Vera.ttf"), str(fonts / "VeraBd.ttf")


def invoicing_settings() -> InvoicingSettings:
    return InvoicingSettings.model_validate(_stored(INVOICING_KEY))


def invoice_template() -> InvoiceTemplate:
    return InvoiceTemplate.model_validate(_stored(TEMPLATE_KEY))


def store_invoice_template(template: InvoiceTemplate) -> None:
    """Save the merchant's layout; invoices issued later use it, issued ones keep theirs."""
    from orderpilot.core.models import SystemSetting
    from orderpilot.core.runcache import forget_run_cache

    SystemSetting.objects.update_or_create(
        key=TEMPLATE_KEY, defaults={"value": template.model_dump(mode="json")}
    )
    forget_run_cache()


def _stored(key: str) -> dict:
    """The stored section, read once per job run (:mod:`orderpilot.core.runcache`)."""
    from orderpilot.core.configuration.sections import stored_setting

    return stored_setting(key, {})
