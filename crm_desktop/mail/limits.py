"""Bounds on what the mail parsers accept, and the error a rejected message raises."""

from __future__ import annotations

from dataclasses import dataclass

from crm_desktop.core.errors import ImportFileError


class MailParseError(ImportFileError):
    """A mail file or message that cannot be imported; the message says why."""


@dataclass(frozen=True)
class MailLimits:
    """Hostile-input bounds. A message over ``max_message_bytes`` is rejected; one over the
    other limits is parsed up to the limit, with the reason in ``ParsedMessage.problems``."""

    max_message_bytes: int = 50 * 1024 * 1024
    max_parts: int = 500
    max_depth: int = 20
    max_header_length: int = 64 * 1024
    max_header_lines: int = 10_000  # all parts together, continuation lines included
    max_attachments: int = 200


DEFAULT_LIMITS = MailLimits()
