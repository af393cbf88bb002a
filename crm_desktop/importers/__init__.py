"""CSV/XLSX/vCard readers, encoding detection and column mapping (no DB, no Qt)."""

from __future__ import annotations

from crm_desktop.importers.mapping import FIELDS, guess_mapping, layout_key
from crm_desktop.importers.source import (
    MAX_FIELD,
    MAX_ROWS,
    EncodingGuess,
    Format,
    SourceRow,
    TableSource,
    detect_encoding,
    open_source,
)

__all__ = [
    "FIELDS",
    "MAX_FIELD",
    "MAX_ROWS",
    "EncodingGuess",
    "Format",
    "SourceRow",
    "TableSource",
    "detect_encoding",
    "guess_mapping",
    "layout_key",
    "open_source",
]
