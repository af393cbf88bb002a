"""Bounds on what the mail parsers accept, and the error a rejected message raises."""

from __future__ import annotations

from dataclasses import dataclass

from crm_desktop.core.errors import ImportFileError


class MailParseError(ImportFileError):
    """A mail file or message that cannot be imported; the message says why."""


@dataclass(frozen=True)
class MailLimits:
    """Hostile-input bounds. A message over ``max_message_bytes`` is refused. One over the
    part, depth or header limits is a mail bomb: refused (``MailParseError`` saying which limit)
    the moment the limit is passed, so it costs no more than a message at the limit; with
    ``refuse_bombs=False`` it is parsed up to the limit instead, the reason in
    ``ParsedMessage.problems``. Attachments past ``max_attachments`` are always skipped (and
    listed in ``problems``): many attachments alone are not an attack."""

    max_message_bytes: int = 50 * 1024 * 1024
    max_parts: int = 500
    max_depth: int = 20
    max_header_length: int = 256 * 1024  # one field, continuation lines included
    max_header_lines: int = 10_000  # all parts together, continuation lines included
    max_attachments: int = 200
    refuse_bombs: bool = True


DEFAULT_LIMITS = MailLimits()
