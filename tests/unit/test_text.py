"""Text normalization and pinyin keys used by search and the duplicate check."""

from __future__ import annotations

import pytest

from crm_desktop.core.text import digits, fold, name_key, pinyin_keys


def test_fold_makes_full_width_half_width_and_folds_case() -> None:
    assert fold("ＡＢＣ　Ｃｏ．  Ltd") == "abc co. ltd"


def test_digits_keeps_only_digits_including_full_width() -> None:
    assert digits("+86 138-0013 8000") == "8613800138000"
    assert digits("０２１－１２３４") == "0211234"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("华为技术有限公司", "华为技术"),
        ("华为技术股份有限公司", "华为 技术"),
        ("Acme Trading Co., Ltd.", "ACME trading"),
        ("Acme Trading Limited", "acme-trading"),
    ],
)
def test_name_key_ignores_legal_suffixes_case_and_spacing(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


def test_name_key_keeps_a_name_that_is_only_a_suffix() -> None:
    assert name_key("公司") == "公司"


def test_pinyin_initials_of_a_chinese_company() -> None:
    full, initials = pinyin_keys("华为技术")
    assert full.split()[0] == "huaweijishu"
    assert initials.split()[0] == "hwjs"


def test_polyphonic_character_contributes_every_reading() -> None:
    full, initials = pinyin_keys("重庆")
    assert "chongqing" in full.split()
    assert "zhongqing" in full.split()
    assert "cq" in initials.split()


def test_latin_words_keep_letters_and_word_initials() -> None:
    full, initials = pinyin_keys("Acme 贸易")
    assert full.split()[0] == "acmemaoyi"
    assert initials.split()[0] == "amy"
