"""Render customer emails from the merchant's template or the built-in default (sandboxed Jinja2)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from html import escape
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from orderpilot.core.exceptions import TerminalError
from orderpilot.core.runcache import per_run

from .defaults import DEFAULT_TEMPLATES
from .models import EmailTemplate

LANGUAGES = ("de", "en")
_LINK = re.compile(r"(https?://[^\s<>&]+)")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@functools.cache
def _environment(autoescape: bool) -> SandboxedEnvironment:
    # StrictUndefined: a typo in a merchant's template fails loudly instead of sending blanks
    return SandboxedEnvironment(autoescape=autoescape, undefined=StrictUndefined, keep_trailing_newline=True)


def template_for(kind: str, language: str) -> dict[str, str]:
    """The merchant's template for ``kind`` in ``language``, else the built-in one; read once per
    job run (``core.runcache``)."""
    language = language if language in LANGUAGES else "en"
    return dict(per_run(("notifications.template", kind, language), lambda: _template(kind, language)))


def _template(kind: str, language: str) -> dict[str, str]:
    saved = EmailTemplate.objects.filter(kind=kind, language=language).first()
    if saved:
        return {"subject": saved.subject, "text": saved.text, "html": saved.html}
    return DEFAULT_TEMPLATES[(kind, language)]


def render_email(kind: str, language: str, context: dict[str, Any]) -> RenderedEmail:
    """Render ``kind`` in ``language``; a broken template raises TerminalError naming it."""
    template = template_for(kind, language)
    try:
        subject = _environment(False).from_string(template["subject"]).render(context)
        text = _environment(False).from_string(template["text"]).render(context)
        html = _environment(True).from_string(template["html"]).render(context) if template.get("html") else ""
    except TemplateError as exc:
        raise TerminalError(f"email template {kind}/{language} cannot be rendered: {exc}") from exc
    return RenderedEmail(subject=" ".join(subject.split()), text=text, html=html or html_from_text(text))


def html_from_text(text: str) -> str:
    """An HTML part for a template that has only text: paragraphs and line breaks, links clickable,
    everything else escaped."""
    paragraphs = []
    for block in text.strip().split("\n\n"):
        lines = [_LINK.sub(r'<a href="\1">\1</a>', escape(line)) for line in block.splitlines()]
        paragraphs.append("<p>" + "<br>\n".join(lines) + "</p>")
    body = "\n".join(paragraphs)
    return f'<!doctype html>\n<html><body style="font-family: sans-serif">\n{body}\n</body></html>\n'
