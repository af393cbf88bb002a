"""Bytes → text for Chinese (and other) mail: charset labels, RFC 2047 encoded words, RFC 2231
parameters. Never raises a UnicodeDecodeError; the last resort is UTF-8 with replacement."""

from __future__ import annotations

import binascii
import codecs
import re
from urllib.parse import unquote_to_bytes

# Labels mapped to the codec that decodes what senders really put under them: GB2312 and GBK
# labels routinely carry GBK/GB18030 characters (GB18030 is a superset of both), Big5 mail
# carries HKSCS or Microsoft cp950 additions, Latin-1 is really Windows-1252.
_ALIASES: dict[str, tuple[str, ...]] = {
    "gb2312": ("gb18030",),
    "gb_2312": ("gb18030",),
    "gb_2312-80": ("gb18030",),
    "csgb2312": ("gb18030",),
    "euc-cn": ("gb18030",),
    "x-euc-cn": ("gb18030",),
    "gbk": ("gb18030",),
    "x-gbk": ("gb18030",),
    "cp936": ("gb18030",),
    "ms936": ("gb18030",),
    "windows-936": ("gb18030",),
    "chinese": ("gb18030",),
    "gb18030": ("gb18030",),
    "big5": ("big5hkscs", "cp950"),
    "x-big5": ("big5hkscs", "cp950"),
    "cn-big5": ("big5hkscs", "cp950"),
    "csbig5": ("big5hkscs", "cp950"),
    "big5-hkscs": ("big5hkscs", "cp950"),
    "cp950": ("cp950", "big5hkscs"),
    "ks_c_5601-1987": ("cp949",),
    "euc-kr": ("cp949",),
    "shift_jis": ("cp932",),
    "x-sjis": ("cp932",),
    "iso-8859-1": ("cp1252",),
    "latin1": ("cp1252",),
    "us-ascii": ("ascii",),
    "ascii": ("ascii",),
    "utf8": ("utf-8",),
    "utf-8": ("utf-8",),
}

# Below this many bytes charset-normalizer guesses poorly (short GBK reads as cp949), so a
# short unlabeled text tries GB18030 first: the mail this app reads is mostly Chinese.
_GUESS_MIN_BYTES = 64


def _codecs_for(label: str | None) -> tuple[str, ...]:
    if not label:
        return ()
    key = label.strip().strip("\"'").lower()
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        info = codecs.lookup(key)
    except (LookupError, ValueError):
        return ()
    if not getattr(info, "_is_text_encoding", True):
        return ()
    name = info.name
    if name in ("gb2312", "gbk"):
        return ("gb18030",)
    return (name,)


def _try(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError, ValueError, TypeError):
        return None


def _guess(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    try:
        best = from_bytes(data).best()
    except Exception:  # a guesser must never take the import down
        return None
    return None if best is None else str(best)


def decode_text(data: bytes, label: str | None = None) -> str:
    """Decode ``data`` labelled ``label`` (may be None, unknown or wrong)."""
    if not data:
        return ""
    for codec in _codecs_for(label):
        text = _try(data, codec)
        if text is not None:
            return text
    if data.isascii():
        return data.decode("ascii")
    text = _try(data, "utf-8")
    if text is not None:
        return text
    if len(data) < _GUESS_MIN_BYTES:
        text = _try(data, "gb18030") or _guess(data)
    else:
        text = _guess(data) or _try(data, "gb18030")
    return text if text is not None else data.decode("utf-8", "replace")


# --------------------------------------------------------------------------- RFC 2047

# No nested quantifiers and no class that can match "?": each attempt stops at the next "?",
# so scanning a hostile header is linear.
_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,64})\?([bBqQ])\?([^?\s]*)\?=")
_WSP = re.compile(r"[ \t\r\n]+")
_NON_B64 = re.compile(rb"[^A-Za-z0-9+/]")


def _b64(data: bytes) -> bytes:
    try:
        return binascii.a2b_base64(data)
    except binascii.Error:
        clean = _NON_B64.sub(b"", data)
        clean = clean[: len(clean) - len(clean) % 4] if len(clean) % 4 == 1 else clean
        return binascii.a2b_base64(clean + b"=" * (-len(clean) % 4))


def decode_base64(data: bytes) -> bytes:
    """Lenient base64: bad padding and stray characters do not raise."""
    try:
        return _b64(data)
    except binascii.Error:
        return b""


def _word_bytes(encoding: str, payload: str) -> bytes | None:
    raw = payload.encode("ascii", "replace")
    try:
        if encoding in "bB":
            return _b64(raw)
        return binascii.a2b_qp(raw, header=True)
    except (binascii.Error, ValueError):
        return None


def decode_header_text(value: str) -> str:
    """Decode RFC 2047 encoded words anywhere in ``value`` (also glued to text or inside quotes,
    as broken mailers write them). Adjacent words of one charset are joined before decoding,
    since senders split multi-byte characters across words; whitespace between words goes."""
    if "=?" not in value:
        return _WSP.sub(" ", value).strip()
    out: list[str] = []
    pending = b""
    pending_charset = ""
    pos = 0

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            out.append(decode_text(pending, pending_charset))
        pending, pending_charset = b"", ""

    for match in _ENCODED_WORD.finditer(value):
        between = value[pos : match.start()]
        charset = match.group(1).split("*", 1)[0]
        data = _word_bytes(match.group(2), match.group(3))
        if data is None:  # undecodable word: keep it as written
            flush()
            out.append(between + match.group(0))
            pos = match.end()
            continue
        if between and not between.isspace():
            flush()
            out.append(between)
        elif between and not pending:
            out.append(between)
        if pending and charset.lower() != pending_charset.lower():
            flush()
        pending += data
        pending_charset = charset
        pos = match.end()
    flush()
    out.append(value[pos:])
    return _WSP.sub(" ", "".join(out)).strip()


def decode_header_bytes(raw: bytes, hint: str | None = None) -> str:
    """A raw header value (8-bit bytes allowed, as Chinese mailers send them) to text; ``hint``
    is the message's body charset, which such senders use for headers too."""
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        text = decode_text(raw, hint)
    return text


# --------------------------------------------------------------------------- parameters


def _split_params(value: str) -> list[str]:
    """Split on ";" outside double quotes, in one linear pass."""
    pieces: list[str] = []
    start = 0
    quoted = False
    escaped = False
    for i, ch in enumerate(value):
        if escaped:
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            pieces.append(value[start:i])
            start = i + 1
    pieces.append(value[start:])
    return pieces


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value


def parse_content_header(value: str) -> tuple[str, dict[str, str]]:
    """``Content-Type``/``Content-Disposition`` → (lower-cased main value, parameters), with
    RFC 2231 continuations and charsets and RFC 2047 words in values decoded."""
    pieces = _split_params(value)
    main = pieces[0].strip().lower()
    plain: dict[str, str] = {}
    extended: dict[str, dict[int, tuple[bool, str]]] = {}
    for piece in pieces[1:]:
        name, sep, raw = piece.partition("=")
        if not sep:
            continue
        name = name.strip().lower()
        if "*" not in name:
            plain.setdefault(name, _unquote(raw))
            continue
        base, _, rest = name.partition("*")
        encoded = rest.endswith("*") or rest == ""
        number = rest.rstrip("*")
        index = int(number) if number.isdigit() else 0
        extended.setdefault(base, {})[index] = (encoded, _unquote(raw))
    params = {k: decode_header_text(v) for k, v in plain.items()}
    for base, sections in extended.items():
        charset = ""
        chunks = b""
        for n, (_index, (encoded, section)) in enumerate(sorted(sections.items())):
            text = section
            if encoded:
                if n == 0 and text.count("'") >= 2:
                    charset, _language, text = text.split("'", 2)
                chunks += unquote_to_bytes(text)
            else:
                chunks += text.encode("utf-8", "replace")
        params[base] = decode_text(chunks, charset or None)
    return main, params
