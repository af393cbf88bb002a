"""The search columns of a customer (DESIGN §4), computed on every write by the service layer."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from crm_desktop.core.text import char_readings, digits, fold, name_key, pinyin_keys

# Variants kept per name. Polyphonic characters multiply them (重庆长安: zqza, cqza, tqza,
# zqca, cqca …); only characters before the legal suffix vary (有限公司 read "wei wen … ci" is
# noise), and variants come in the order of their last changed character, so the combinations
# of the first characters — where people start typing — survive the bound.
MAX_INITIALS_VARIANTS = 16
MAX_PINYIN_VARIANTS = 6

# One run of CJK ideographs (the same ranges as core.text's pinyin lookup).
_CJK_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Latin / digit words of a name: "Acme Trading" → acme, trading (word-prefix search on 1–2
# letters, which the trigram index cannot answer).
_WORD = re.compile(r"[0-9a-z]+")

_Char = tuple[tuple[str, ...], str] | None  # (readings, initial letters) · Latin (ch,), "" · None
_CHARS: dict[str, _Char] = {}  # per character, cached: 0.1 µs instead of 2 µs a lookup


def _char(ch: str) -> _Char:
    if _CJK_RUN.match(ch):
        readings = char_readings(ch)
        letters = "".join(dict.fromkeys(r[0] for r in readings if r)) or ch
        return readings, letters
    return ((ch,), "") if ch.isalnum() else None


def _units(folded: str) -> tuple[list[tuple[str, ...]], list[str]]:
    """Per pinyin syllable the readings it may have, and per initial the letters it may be
    (a CJK character is one of each; a Latin word gives its letters and its first letter)."""
    fulls: list[tuple[str, ...]] = []
    inits: list[str] = []
    cache = _CHARS
    word_start = True
    for ch in folded:
        try:
            info = cache[ch]
        except KeyError:
            info = cache[ch] = _char(ch)
        if info is None:
            word_start = True
            continue
        readings, letters = info
        fulls.append(readings)
        if letters:
            inits.append(letters)
            word_start = True
        else:
            if word_start:
                inits.append(ch)
            word_start = False
    return fulls, inits


def _combinations(options: Sequence[Sequence[str]], vary: int, limit: int) -> list[str]:
    """Joined choices, most common first: every option at its first value, then every
    combination of the others over the first ``vary`` positions, by last changed position."""
    if not options:
        return []
    variants = [[o[0] for o in options]]
    for i, choices in enumerate(options[:vary]):
        if len(choices) == 1:
            continue
        grown = []
        for v in variants:
            for alt in choices[1:]:
                w = v.copy()
                w[i] = alt
                grown.append(w)
        variants.extend(grown[: limit - len(variants)])
        if len(variants) >= limit:
            break
    return ["".join(v) for v in variants]


def _core_length(name: str, key: str | None) -> tuple[int, int]:
    """How many syllables / initials the name has before its legal suffix."""
    fulls, inits = _units(fold(name_key(name) if key is None else key))
    return len(fulls), len(inits)


def initials_variants(
    name: str, limit: int = MAX_INITIALS_VARIANTS, *, key: str | None = None
) -> list[str]:
    """Pinyin initials of a name with the readings of its polyphonic characters combined:
    重庆长安 → zqza cqza tqza zqca cqca tqca. Latin words give their first letter, as in
    ``pinyin_keys``; the legal suffix keeps its usual reading."""
    _fulls, inits = _units(fold(name))
    return _combinations(inits, _core_length(name, key)[1], limit)


def pinyin_variants(
    name: str, limit: int = MAX_PINYIN_VARIANTS, *, key: str | None = None
) -> list[str]:
    """Full pinyin of a name, the same way: 重庆长安 → zhongqingzhangan chongqingzhangan …"""
    fulls, _inits = _units(fold(name))
    return _combinations(fulls, _core_length(name, key)[0], limit)


def cjk_bigrams(text: str) -> list[str]:
    """Every pair of adjacent CJK characters: 华为技术 → 华为 为技 技术 (the 2-character index;
    the trigram index cannot answer 2-character queries)."""
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


# Initials variants (of the name before its legal suffix) also written into ``search_text``, for
# 3+ letters inside a name through the trigram index; the keys index holds all of them.
TEXT_INITIALS_VARIANTS = 4
_TRIGRAM = 3  # the shortest fragment the trigram index answers


def search_keys(
    name: str,
    *,
    contact_names: Iterable[str] = (),
    address: str | None = None,
    full_pinyin: str | None = None,
    initials: Iterable[str] | None = None,
    key: str | None = None,
    haystack: str | None = None,
) -> str:
    """The ``search_keys`` column: space-separated whole tokens for the exact-token / prefix
    index — CJK bigrams of the name, the contacts' names and the address, every initials
    variant, the first full-pinyin variant, the name key and the name's Latin words. The
    optional arguments pass values the caller already computed (``haystack``: the folded
    name, contacts' names and address joined by spaces)."""
    folded = fold(name)
    if full_pinyin is None:
        full_pinyin = next(iter(pinyin_variants(name, 1, key=key)), "")
    if haystack is None:
        haystack = fold(" ".join([name, *contact_names, address or ""]))
    # Spaces separate the parts, so no bigram spans two of them.
    tokens: dict[str, None] = dict.fromkeys(cjk_bigrams(haystack))
    for variant in initials_variants(name, key=key) if initials is None else initials:
        tokens.setdefault(variant, None)
    first_full = full_pinyin.split(" ", 1)[0]
    if first_full:
        tokens.setdefault(first_full, None)
    key = name_key(name) if key is None else key
    if key:
        tokens.setdefault(key, None)
    for word in _WORD.findall(folded):
        tokens.setdefault(word, None)
    return " ".join(tokens)


def customer_search_columns(
    name: str,
    *,
    phones: Iterable[str | None] = (),
    emails: Iterable[str | None] = (),
    address: str | None = None,
    contact_names: Iterable[str] = (),
) -> dict[str, str]:
    """Every search column of a customer, from its name, phones (its own and its contacts'),
    emails, address and contacts' names. Every write that changes one of those calls it."""
    contact_list = [c for c in contact_names if c]
    full, initials = pinyin_keys(name)
    key = name_key(name)
    fulls, inits = _units(fold(name))
    core_fulls, core_inits = _units(key)  # the name before its legal suffix
    initials_list = _combinations(inits, len(core_inits), MAX_INITIALS_VARIANTS)
    phone_list = [d for d in (digits(p) for p in phones if p) if d]
    email_list = [fold(e) for e in emails if e]
    # One fold over the joined parts: folding each part separately costs 3× as much.
    haystack = fold(" ".join([name, *contact_list, address or ""]))
    # Pinyin and initials of the name before its legal suffix go into the haystack too, for
    # "changan" (长 read chang) or "hwjs" inside a name (深圳华为技术) through the trigram index.
    # Not the suffix's: "youxiangongsi" in every row made each trigram of it match 80% of the
    # rows, and a pinyin fragment that matches nothing cost 30+ ms to rule out.
    text_pinyin = _combinations(core_fulls, len(core_fulls), MAX_PINYIN_VARIANTS)
    text_initials = dict.fromkeys(
        v[: len(core_inits)] for v in initials_list if len(core_inits) >= _TRIGRAM
    )
    return {
        "name_norm": key,
        "name_pinyin": full,
        "name_initials": initials,
        "phone_digits": " ".join(phone_list),
        "email_norm": email_list[0] if email_list else "",
        "search_text": " ".join(
            p
            for p in (
                haystack,
                *text_pinyin,
                *list(text_initials)[:TEXT_INITIALS_VARIANTS],
                *phone_list,
                *email_list,
            )
            if p
        ),
        "search_keys": search_keys(
            name,
            address=address,
            full_pinyin="".join(u[0] for u in fulls),
            initials=initials_list,
            key=key,
            haystack=haystack,
        ),
    }
