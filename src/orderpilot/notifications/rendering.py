"""Render customer emails from the merchant's template or the built-in default (sandboxed Jinja2)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from orderpilot.core.exceptions import TerminalError

from .defaults import DEFAULT_TEMPLATES
from .models import EmailTemplate

LANGUAGES = ("de", "en")


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
    language = language if language in LANGUAGES else "en"
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
    return RenderedEmail(subject=" ".join(subject.split()), text=text, html=html)
