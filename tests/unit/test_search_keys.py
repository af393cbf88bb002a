"""The search columns of a customer and how a search text is turned into index lookups."""

from __future__ import annotations

import pytest

from crm_desktop.services.search import phone_digits_query, plan_query
from crm_desktop.services.search_keys import (
    MAX_INITIALS_VARIANTS,
    cjk_bigrams,
    customer_search_columns,
    initials_variants,
)


def test_bigrams_are_every_pair_of_adjacent_chinese_characters() -> None:
    assert cjk_bigrams("华为技术") == ["华为", "为技", "技术"]


def test_bigrams_do_not_span_latin_letters_spaces_or_punctuation() -> None:
    assert cjk_bigrams("tcl华为 科技(深圳)x") == ["华为", "科技", "深圳"]
    assert cjk_bigrams("华") == []


def test_initials_of_a_polyphonic_name_combine_every_reading() -> None:
    variants = initials_variants("重庆长安")

    assert variants[0] == "zqza"  # the most common reading of each character first
    assert {"cqca", "cqza", "zqca"} <= set(variants)


def test_initials_variants_are_bounded_and_keep_combinations_of_the_first_characters() -> None:
    variants = initials_variants("重庆长安汽车股份有限公司")

    assert len(variants) == MAX_INITIALS_VARIANTS
    assert len(set(variants)) == len(variants)
    assert any(v.startswith("cqca") for v in variants)


def test_initials_of_latin_words_are_their_first_letters() -> None:
    assert initials_variants("Acme Trading Co., Ltd.") == ["atcl"]
    assert initials_variants("Acme 贸易") == ["amy"]
    assert initials_variants("  ") == []


def test_search_keys_hold_bigrams_initials_pinyin_and_name_key() -> None:
    columns = customer_search_columns("华为技术有限公司", contact_names=["任正非", "孙亚芳"])
    tokens = columns["search_keys"].split()

    assert {"华为", "为技", "技术", "公司"} <= set(tokens)  # name bigrams
    assert {"任正", "正非", "孙亚", "亚芳"} <= set(tokens)  # contacts' bigrams
    assert "hwjsyxgs" in tokens  # initials
    assert "huaweijishuyouxiangongsi" in tokens  # first full pinyin
    assert "华为技术" in tokens  # name key (legal suffix removed)
    assert len(tokens) == len(set(tokens))


def test_search_keys_hold_the_latin_words_of_a_name() -> None:
    tokens = customer_search_columns("Acme Trading Co., Ltd.")["search_keys"].split()

    assert {"acme", "trading", "atcl", "acmetrading"} <= set(tokens)


def test_search_text_holds_initials_phones_emails_contacts_and_address() -> None:
    columns = customer_search_columns(
        "深圳华为技术有限公司",
        phones=["0755-2878 0808", None, "ext"],
        emails=["Info@Huawei.com"],
        address="坂田华为基地",
        contact_names=["任正非"],
    )

    haystack = columns["search_text"]
    for part in ("深圳华为技术有限公司", "任正非", "坂田华为基地", "szhwjs", "shenzhenhuawei"):
        assert part in haystack
    assert "075528780808" in haystack.split()
    # The legal suffix's pinyin is left out: it would make every row match "gongsi".
    assert "gongsi" not in haystack and "yxgs" not in haystack
    assert "info@huawei.com" in haystack
    assert columns["phone_digits"] == "075528780808"
    assert columns["email_norm"] == "info@huawei.com"
    assert columns["name_norm"] == "深圳华为技术"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0755-2878 0808", "75528780808"),
        ("+86 755 2878 0808", "75528780808"),
        ("0086 138 1234 5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("(021) 6123.4567", "2161234567"),
        ("2878", "2878"),
        ("０７５５", "755"),
    ],
)
def test_phone_queries_drop_separators_country_prefix_and_leading_zero(
    typed: str, expected: str
) -> None:
    from crm_desktop.core.text import fold

    assert phone_digits_query(fold(typed)) == expected


@pytest.mark.parametrize("typed", ["华为", "hw", "a1", "12", "info@x.com", "Room 101"])
def test_other_queries_are_not_phone_numbers(typed: str) -> None:
    assert phone_digits_query(typed.lower()) is None


def test_two_chinese_characters_ask_the_bigram_index_for_the_exact_token() -> None:
    plan = plan_query("华为")

    assert plan.keys_token == "华为" and not plan.keys_prefix
    assert plan.text_fragments == ()  # the trigram index answers nothing shorter than 3


def test_letters_ask_the_keys_index_for_a_prefix_and_three_or_more_the_trigram_index() -> None:
    short, initials = plan_query("Hw"), plan_query("ＨＷＪＳ")

    assert (short.keys_token, short.keys_prefix, short.text_fragments) == ("hw", True, ())
    assert (initials.keys_token, initials.keys_prefix) == ("hwjs", True)
    assert initials.text_fragments == ("hwjs",)


def test_longer_chinese_goes_to_the_trigram_index_only() -> None:
    plan = plan_query("华为技术")

    assert plan.text_fragments == ("华为技术",) and plan.keys_token is None
    assert plan.key == "华为技术"


def test_several_words_require_every_word() -> None:
    plan = plan_query("华为 终端")

    assert plan.keys_token == "华为"
    assert plan.required == ("华为", "终端")


def test_blank_query_plans_nothing() -> None:
    assert plan_query("   ").empty
