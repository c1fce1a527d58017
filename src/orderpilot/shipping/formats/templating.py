"""Merchant-editable document templates: Jinja2 in its sandbox, so a template can read the data it is
given and nothing else (no attribute walks to Python internals, no file or network access).

Each shipper may store its own template text (``Shipper.document_template`` and
``cancellation_template``); an empty text means the built-in default of the format below.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from orderpilot.core.exceptions import TerminalError
from orderpilot.core.spreadsheet import neutralise_cell

from .defaults import DEFAULT_TEMPLATES


def csv_row(values: Any, delimiter: str = ";") -> str:
    """One CSV row (without line end) of ``values``; cells are quoted as needed and defused."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="").writerow([neutralise_cell(v) for v in values])
    return buffer.getvalue()


def to_json(value: Any, indent: int | None = 2) -> str:
    return json.dumps(value, ensure_ascii=False, indent=indent, sort_keys=True, default=str)


def environment(*, autoescape: bool, newline: str = "\n") -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        autoescape=autoescape,
        undefined=StrictUndefined,  # a typo in a template fails loudly instead of printing nothing
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        newline_sequence=newline,
    )
    env.filters["csv_row"] = csv_row
    env.filters["json"] = to_json
    return env


def check_template(text: str, *, format_name: str) -> None:
    """Raise ``ValueError`` naming the line if ``text`` is not a valid template (used by config apply)."""
    try:
        environment(autoescape=format_name == "xml").parse(text)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        raise ValueError(f"template error{f' in line {line}' if line else ''}: {exc}") from None


def render_template(
    text: str, data: dict[str, Any], *, format_name: str, purpose: str, autoescape: bool = False, newline: str = "\n"
) -> str:
    """Render ``text`` (or the format's default for ``purpose`` when empty) with ``data``.

    The template sees every key of ``data`` and ``data`` itself. A broken template is a
    :class:`TerminalError`: retrying will not fix it, a person must correct the shipper's template.
    """
    source = text or DEFAULT_TEMPLATES[(format_name, purpose)]
    try:
        template = environment(autoescape=autoescape, newline=newline).from_string(source)
        return template.render({**data, "data": data})
    except TemplateError as exc:
        raise TerminalError(f"{format_name} template for the {purpose.replace('_', ' ')}: {exc}") from exc
