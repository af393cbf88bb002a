"""normalize_phone's fast path for Chinese numbers gives exactly what phonenumbers' parse gives."""

from __future__ import annotations

import random
import unicodedata

import pytest

from crm_desktop.services import customers
from crm_desktop.services.customers import normalize_phone


def _slow(raw: str) -> str:
    try:
        return customers._parse_phone(unicodedata.normalize("NFKC", raw).strip())
    except ValueError:
        return "invalid"


def _fast(raw: str) -> str:
    try:
        return normalize_phone(raw) or ""
    except ValueError:
        return "invalid"


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    customers._groupings.clear()


def test_landlines_of_every_area_code_agree_with_phonenumbers() -> None:
    rnd = random.Random(20261123)
    codes = [f"{i:02d}" for i in range(10, 100)] + rnd.sample(
        [f"{i:03d}" for i in range(100, 1000)], 150
    )
    checked = 0
    for code in codes:
        # Shared leading digits, so that numbers meet a grouping another number put there.
        heads = [str(rnd.randrange(1, 10)) + str(rnd.randrange(100)).zfill(2) for _ in range(4)]
        for _ in range(40):
            width = rnd.choice((7, 8, 8))
            sub = rnd.choice(heads) + "".join(rnd.choice("0123456789") for _ in range(width - 3))
            raw = rnd.choice((f"0{code}-{sub}", f"0{code} {sub[:4]} {sub[4:]}", f"0{code}{sub}"))
            assert _fast(raw) == _slow(raw), raw
            checked += 1
    assert checked == len(codes) * 40
    # The fast path was taken: groupings were learnt for many leading digits.
    assert len(customers._groupings) > 200


@pytest.mark.parametrize(
    "raw",
    [
        "021-61234567",
        "0755-12345678",
        "010 8765 4321",
        "0571-1234567",  # too short for Hangzhou: invalid
        "02101234567",  # a subscriber number cannot start with 0
        "13912345678",
        "+86 139 1234 5678",
        "15480480549",  # mobile-shaped, not allocated
        "+86 21 6123 4567",
        "400-820-8820",
    ],
)
def test_written_forms_agree(raw: str) -> None:
    assert _fast(raw) == _slow(raw)
    assert _fast(raw) == _slow(raw)  # and again from the cache


def test_mobile_shaped_numbers_agree_with_phonenumbers() -> None:
    rnd = random.Random(7)
    for head in range(100, 200):
        middles = [f"{rnd.randrange(1000):03d}" for _ in range(3)]
        for _ in range(30):
            raw = f"{head}{rnd.choice(middles)}{rnd.randrange(10**5):05d}"
            raw = rnd.choice((raw, f"{raw[:3]} {raw[3:7]} {raw[7:]}", f"+86 {raw}"))
            assert _fast(raw) == _slow(raw), raw


def test_random_mobiles_and_written_forms_agree() -> None:
    rnd = random.Random(5)
    samples = [f"1{rnd.randrange(10**10):010d}" for _ in range(3000)]
    samples += [f"+86 1{rnd.randrange(3, 10)}{rnd.randrange(10**9):09d}" for _ in range(300)]
    samples += ["138-1234-5678", "0086 13812345678", "8613812345678", "021-61234567"]
    for raw in samples:
        assert _fast(raw) == _slow(raw), raw
