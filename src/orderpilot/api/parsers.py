"""The API's JSON parser: DRF's, except that a body nested too deeply for Python's decoder
(``[[[[…]]]]`` 100,000 levels) is a 400 like any other malformed body, not a server error."""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply") from None
