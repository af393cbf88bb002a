"""The search columns of a customer (DESIGN §4), computed on every write by the service layer."""

from __future__ import annotations

from collections.abc import Iterable

from crm_desktop.core.text import digits, fold, name_key, pinyin_keys


def customer_search_columns(
    name: str,
    *,
    phones: Iterable[str | None] = (),
    emails: Iterable[str | None] = (),
    address: str | None = None,
    contact_names: Iterable[str] = (),
) -> dict[str, str]:
    full, initials = pinyin_keys(name)
    phone_list = [d for d in (digits(p) for p in phones if p) if d]
    email_list = [fold(e) for e in emails if e]
    # One fold over the joined parts: folding each part separately costs 3× as much.
    haystack = fold(" ".join([name, *contact_names, address or ""]))
    return {
        "name_norm": name_key(name),
        "name_pinyin": full,
        "name_initials": initials,
        "phone_digits": " ".join(phone_list),
        "email_norm": email_list[0] if email_list else "",
        "search_text": " ".join(p for p in (haystack, full, *phone_list, *email_list) if p),
    }
