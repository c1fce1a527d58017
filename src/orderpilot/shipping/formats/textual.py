"""CSV, XML, JSON and free-text delivery documents, rendered from (merchant-editable) templates.

Each result is checked before it leaves: JSON must parse, XML must be well-formed (parsed with
defusedxml), so a broken template is caught here and never reaches a shipper.
"""

from __future__ import annotations

import json
from typing import Any

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from orderpilot.core.exceptions import TerminalError

from .templating import render_template


class CsvFormat:
    """Semicolon-separated, CRLF line ends, UTF-8: what most 3PL imports expect."""

    name = "csv"
    extension = "csv"
    media_type = "text/csv"

    def render(self, data: dict[str, Any], *, template: str = "", purpose: str = "delivery_note") -> bytes:
        text = render_template(template, data, format_name=self.name, purpose=purpose, newline="\r\n")
        return text.encode("utf-8")


class JsonFormat:
    name = "json"
    extension = "json"
    media_type = "application/json"

    def render(self, data: dict[str, Any], *, template: str = "", purpose: str = "delivery_note") -> bytes:
        text = render_template(template, data, format_name=self.name, purpose=purpose)
        try:
            json.loads(text)
        except ValueError as exc:
            raise TerminalError(f"the JSON template produced invalid JSON: {exc}") from exc
        return text.encode("utf-8")


class XmlFormat:
    """XML with every value escaped (autoescape on)."""

    name = "xml"
    extension = "xml"
    media_type = "application/xml"

    def render(self, data: dict[str, Any], *, template: str = "", purpose: str = "delivery_note") -> bytes:
        text = render_template(template, data, format_name=self.name, purpose=purpose, autoescape=True)
        content = text.encode("utf-8")
        try:
            ElementTree.fromstring(content)
        except (ElementTree.ParseError, DefusedXmlException) as exc:
            raise TerminalError(f"the XML template produced a document that is not well-formed: {exc}") from exc
        return content


class TextFormat:
    name = "text"
    extension = "txt"
    media_type = "text/plain; charset=utf-8"

    def render(self, data: dict[str, Any], *, template: str = "", purpose: str = "delivery_note") -> bytes:
        return render_template(template, data, format_name=self.name, purpose=purpose).encode("utf-8")
