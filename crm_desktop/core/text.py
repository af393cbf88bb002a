"""Text normalization shared by search, duplicate check and import."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
_NON_DIGIT = re.compile(r"\D+")


def fold(text: str) -> str:
    """Full-width → half-width, case folded, whitespace collapsed (NFKC + casefold)."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def digits(text: str) -> str:
    """Only the digits of a phone number (full-width digits included)."""
    return _NON_DIGIT.sub("", unicodedata.normalize("NFKC", text))


# --------------------------------------------------------------------------- names

_COMPANY_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团有限公司",
    "集团公司",
    "集团",
    "公司",
    "companylimited",
    "coltd",
    "colimited",
    "limited",
    "ltd",
    "incorporated",
    "inc",
    "corporation",
    "corp",
    "llc",
    "gmbh",
    "plc",
    "co",
)
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def name_key(name: str) -> str:
    """A company name reduced for duplicate checks: folded, no punctuation or spaces, legal
    suffixes (有限公司, Co., Ltd. …) removed. "华为技术有限公司" and "华为技术" share a key."""
    key = _PUNCT.sub("", fold(name))
    changed = True
    while changed and key:
        changed = False
        for suffix in _COMPANY_SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix):
                key = key[: -len(suffix)]
                changed = True
                break
    return key


# --------------------------------------------------------------------------- pinyin

MAX_PINYIN_VARIANTS = 8
_READINGS: dict[str, tuple[str, ...]] = {}


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"


def char_readings(ch: str) -> tuple[str, ...]:
    """All toneless pinyin readings of one character, most common first (cached per character:
    pypinyin's phrase mode costs ~400 µs a name, a cached lookup ~1 µs)."""
    cached = _READINGS.get(ch)
    if cached is None:
        from pypinyin import Style, pinyin

        readings = pinyin(ch, style=Style.NORMAL, heteronym=True, errors="ignore")
        seen: dict[str, None] = {}
        for reading in readings[0] if readings else ():
            seen.setdefault(reading.lower(), None)
        cached = tuple(seen) or (ch,)
        _READINGS[ch] = cached
    return cached


_Unit = tuple[tuple[str, ...], tuple[str, ...]]  # (full readings, distinct initials)
_UNITS: dict[str, _Unit] = {}


def _cjk_unit(ch: str) -> _Unit:
    unit = _UNITS.get(ch)
    if unit is None:
        readings = char_readings(ch)
        unit = (readings, tuple(dict.fromkeys(r[0] for r in readings if r)))
        _UNITS[ch] = unit
    return unit


def pinyin_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a name, each a space-separated list of variants.

    The first variant reads every character with its most common reading; each further variant
    swaps in another reading of one polyphonic character (重庆: zhongqing, chongqing), bounded
    to MAX_PINYIN_VARIANTS. Latin words keep their letters (full) and first letter (initials).
    """
    fulls: list[tuple[str, ...]] = []
    inits: list[tuple[str, ...]] = []
    word_start = True
    for ch in fold(name):
        if _is_cjk(ch):
            readings, firsts = _cjk_unit(ch)
            fulls.append(readings)
            inits.append(firsts)
            word_start = True
        elif ch.isalnum():
            fulls.append((ch,))
            if word_start:
                inits.append((ch,))
            word_start = False
        else:
            word_start = True
    return _variants(fulls), _variants(inits)


def _variants(units: list[tuple[str, ...]]) -> str:
    primary = [u[0] for u in units]
    first = "".join(primary)
    polyphonic = [i for i, u in enumerate(units) if len(u) > 1]
    if not polyphonic:
        return first
    out: dict[str, None] = {first: None}
    for i in polyphonic:
        head, tail = "".join(primary[:i]), "".join(primary[i + 1 :])
        for alt in units[i][1:]:
            if len(out) >= MAX_PINYIN_VARIANTS:
                return " ".join(out)
            out.setdefault(head + alt + tail, None)
    return " ".join(out)
