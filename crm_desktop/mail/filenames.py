"""Attachment names made safe to write anywhere: one plain file name, no path, no device."""

from __future__ import annotations

import unicodedata

_FORBIDDEN = frozenset('<>:"/\\|?*')
_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"COM{c}" for c in "123456789¹²³"]
    + [f"LPT{c}" for c in "123456789¹²³"]
)
MAX_FILENAME_BYTES = 200  # below every file system's 255-byte limit, room for a " (2)" suffix
_MAX_EXTENSION = 16


def _fits(text: str, limit: int) -> str:
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def sanitize_filename(name: str | None, *, max_bytes: int = MAX_FILENAME_BYTES) -> str:
    """A file name without directories, ``..``, Windows reserved names (CON, NUL, COM1 …, also
    with an extension), control or format characters, ``<>:"/\\|?*`` or trailing dots/spaces,
    at most ``max_bytes`` UTF-8 bytes with the extension kept; "attachment" when nothing is left."""
    text = unicodedata.normalize("NFC", name or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]  # the last path component only
    text = "".join(
        "_" if ch in _FORBIDDEN else ch
        for ch in text
        if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp")
    )
    while ".." in text:
        text = text.replace("..", ".")
    text = text.strip(" .")
    stem, dot, ext = text.rpartition(".")
    if not dot or not stem:
        stem, ext = text, ""
    if text.split(".", 1)[0].rstrip(" ").upper() in _RESERVED:  # "COM1.tar.gz" is COM1 too
        stem = "_" + stem
    if len(ext) > _MAX_EXTENSION or not ext.isalnum():
        stem, ext = (f"{stem}.{ext}" if ext else stem), ""
    suffix = f".{ext}" if ext else ""
    stem = _fits(stem, max(max_bytes - len(suffix.encode("utf-8")), 1)).rstrip(" .")
    result = (stem + suffix).strip(" .")
    if not stem or not result:
        return "attachment" + suffix if suffix else "attachment"
    return result
