"""The vCard reader (vobject): 2.1/3.0/4.0 files with many cards; one row per card, with the
canonical field keys of importers.mapping as headers. A broken card is a problem row."""

from __future__ import annotations

import io
import re
from collections.abc import Generator, Iterator
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

from crm_desktop.importers.source import (
    MAX_FIELD,
    MAX_ROWS,
    EncodingGuess,
    Format,
    SourceRow,
    Value,
    reader_problem,
    resolve_encoding,
)

HEADERS: tuple[str, ...] = (
    "customer.name",
    "contact.name",
    "contact.title",
    "contact.department",
    "contact.mobile",
    "contact.phone",
    "contact.email",
    "customer.address",
    "customer.website",
    "contact.birthday",
    "contact.notes",
)
_COL = {key: i for i, key in enumerate(HEADERS)}
MAX_CARD = 10 * MAX_FIELD  # characters of one card once photos are left out
# Properties that may be huge and that the import does not use.
_SKIPPED = frozenset({"PHOTO", "LOGO", "SOUND", "KEY"})
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
_SPLIT = re.compile(r"(?<!\\);")


def _unescape(text: str) -> str:
    return (
        text.replace("\\n", "\n")
        .replace("\\N", "\n")
        .replace("\\,", ",")
        .replace("\\;", ";")
        .replace("\\:", ":")
        .replace("\\\\", "\\")
        .strip()
    )


def _parts(value: str) -> list[str]:
    return [_unescape(p) for p in _SPLIT.split(value)]


def _has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def _types(line: Any) -> set[str]:
    found: set[str] = set()
    for t in line.params.get("TYPE", []):
        found.update(x.strip().lower() for x in str(t).split(","))
    found.update(str(x).lower() for x in line.singletonparams)  # vCard 2.1: TEL;CELL:…
    return found


def _name(card: Any) -> str:
    fn = ""
    for line in card.contents.get("fn", []):
        fn = _unescape(str(line.value))
        if fn:
            break
    parts: list[str] = []
    for line in card.contents.get("n", []):
        parts = _parts(str(line.value)) + [""] * 5
        break
    family, given, additional, prefix, suffix = (parts + [""] * 5)[:5]
    if family or given:
        if _has_cjk(family + given):
            # Chinese order, no space: family name first (王 + 小明 → 王小明).
            composed = family + additional + given
            if not fn or (_has_cjk(fn) and " " in fn):
                return composed
        elif not fn:
            return " ".join(p for p in (prefix, given, additional, family, suffix) if p)
    return fn


def _address(value: str) -> str:
    box, extended, street, city, region, code, country = (_parts(value) + [""] * 7)[:7]
    if _has_cjk(value):
        return "".join(p for p in (country, region, city, street, extended, box) if p)
    place = " ".join(p for p in (region, code) if p)
    return ", ".join(p for p in (box, extended, street, city, place, country) if p)


def _birthday(text: str) -> Value:
    digits = re.sub(r"[^0-9]", "", text.split("T", maxsplit=1)[0])
    if len(digits) == 8 and not text.startswith("--"):
        try:
            return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        except ValueError:
            pass
    return text or None


def card_values(card: Any) -> tuple[Value, ...]:
    """One row of HEADERS from a parsed vobject card."""
    values: list[Value] = [None] * len(HEADERS)
    notes: list[str] = []

    def first(prop: str) -> str:
        for line in card.contents.get(prop, []):
            text = _unescape(str(line.value))
            if text:
                return text
        return ""

    person = _name(card)
    org_parts: list[str] = []
    for line in card.contents.get("org", []):
        org_parts = [p for p in _parts(str(line.value)) if p]
        if org_parts:
            break
    values[_COL["contact.name"]] = person or None
    values[_COL["customer.name"]] = (org_parts[0] if org_parts else person) or None
    if len(org_parts) > 1:
        values[_COL["contact.department"]] = " ".join(org_parts[1:])
    values[_COL["contact.title"]] = first("title") or first("role") or None

    mobiles: list[str] = []
    phones: list[str] = []
    for line in card.contents.get("tel", []):
        number = _unescape(str(line.value))
        if number.lower().startswith("tel:"):
            number = number[4:]
        if not number:
            continue
        types = _types(line)
        compact = re.sub(r"[\s\-()]", "", number)
        if types & {"cell", "mobile", "iphone"} or (
            not types - {"voice", "pref"} and _MOBILE.match(compact)
        ):
            mobiles.append(number)
        else:
            phones.append(number)
    if mobiles:
        values[_COL["contact.mobile"]] = mobiles.pop(0)
    if phones:
        values[_COL["contact.phone"]] = phones.pop(0)
    elif mobiles:
        values[_COL["contact.phone"]] = mobiles.pop(0)
    if mobiles or phones:
        notes.append("Other numbers: " + ", ".join(mobiles + phones))

    emails = [_unescape(str(x.value)) for x in card.contents.get("email", [])]
    emails = [e for e in emails if e]
    if emails:
        values[_COL["contact.email"]] = emails[0]
        if len(emails) > 1:
            notes.append("Other e-mails: " + ", ".join(emails[1:]))
    for line in card.contents.get("adr", []):
        address = _address(str(line.value))
        if address:
            values[_COL["customer.address"]] = address
            break
    values[_COL["customer.website"]] = first("url") or None
    bday = first("bday")
    values[_COL["contact.birthday"]] = _birthday(bday) if bday else None
    note = first("note")
    if note:
        notes.insert(0, note)
    values[_COL["contact.notes"]] = "\n".join(notes) or None
    return tuple(values)


class VcardSource:
    """A .vcf file (one or many cards) as a TableSource; header_row is 0 (no header row)."""

    format: Format = "vcard"
    delimiter: str | None = None
    sheets: tuple[str, ...] = ()
    sheet: str | None = None
    header_row: int = 0
    headers: tuple[str, ...] = HEADERS

    def __init__(self, path: Path, head: bytes, *, encoding: str | None = None) -> None:
        self.path = path
        self.encoding: EncodingGuess | None = resolve_encoding(path, head, encoding)
        self._size = path.stat().st_size
        text = head.decode(self.encoding.encoding, errors="replace").upper()
        cards = text.count("BEGIN:VCARD")
        self._count = cards if len(head) >= self._size else int(cards * self._size / len(head))

    def preview(self, n: int = 20) -> list[SourceRow]:
        out: list[SourceRow] = []
        if n <= 0:
            return out
        with closing(self.rows()) as rows:
            for row in rows:
                out.append(row)
                if len(out) >= n:
                    break
        return out

    def count_hint(self) -> int | None:
        return self._count

    def rows(self) -> Generator[SourceRow, None, None]:
        assert self.encoding is not None
        with self.path.open("rb") as raw:
            f = io.TextIOWrapper(raw, encoding=self.encoding.encoding, errors="replace")
            number = 0
            for card_text, problem in _cards(f):
                number += 1
                if number > MAX_ROWS:
                    yield SourceRow(number, (), reader_problem("too_many_cards", limit=MAX_ROWS))
                    return
                if problem is not None:
                    yield SourceRow(number, (), problem)
                    continue
                yield _parse(number, card_text)


def _parse(number: int, text: str) -> SourceRow:
    import vobject

    try:
        card = vobject.readOne(text, transform=False, allowQP=True)
        values = card_values(card)
    except Exception as exc:  # vobject raises ParseError, ValueError, UnicodeError, …
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return SourceRow(
            number, (), reader_problem("card_unreadable", number=str(number), reason=reason)
        )
    if not any(values):
        return SourceRow(number, values, reader_problem("card_empty", number=str(number)))
    if "\ufffd" in "".join(str(v) for v in values if v is not None):
        return SourceRow(number, values, reader_problem("card_bad_bytes"))
    return SourceRow(number, values)


def _cards(f: io.TextIOWrapper) -> Iterator[tuple[str, str | None]]:
    """The text of each BEGIN:VCARD … END:VCARD block (photos left out), or a problem."""
    lines: list[str] | None = None
    size = 0
    skipping = False  # inside a property left out (a photo and its continuation lines)
    too_big = False
    while True:
        line = f.readline(MAX_FIELD)
        if not line:
            break
        stripped = line.strip()
        upper = stripped.upper()
        if upper == "BEGIN:VCARD":
            if lines is not None:
                yield "", reader_problem("card_not_closed")
            lines, size, skipping, too_big = [stripped], 0, False, False
            continue
        if lines is None:
            continue  # text between cards
        if upper == "END:VCARD":
            lines.append(stripped)
            if too_big:
                yield "", reader_problem("card_too_long", limit=MAX_CARD)
            else:
                yield "\r\n".join(lines) + "\r\n", None
            lines = None
            continue
        if line[:1] in (" ", "\t") or (skipping and stripped and ":" not in stripped[:40]):
            if skipping:
                continue
        else:
            name = re.split(r"[;:]", stripped, maxsplit=1)[0].split(".")[-1].upper()
            skipping = name in _SKIPPED
            if skipping:
                continue
        if too_big:
            continue
        size += len(line)
        if size > MAX_CARD:
            too_big = True
            continue
        lines.append(line.rstrip("\r\n"))
    if lines is not None:
        yield "", reader_problem("last_card_not_closed")
