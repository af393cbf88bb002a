"""Mixed-script runs, widths and wrapping of the report canvas text."""

from __future__ import annotations

import pytest

from crm_desktop.reports.text import FONT_CJK, FONT_REGULAR, ensure_fonts, runs, width, wrap


@pytest.fixture(autouse=True)
def _fonts() -> None:
    ensure_fonts()


def test_runs_split_cjk_and_latin() -> None:
    parts = runs("王经理 Tom 138-0000，好")
    assert [(font, text) for font, text, _ in parts] == [
        (FONT_CJK, "王经理"),
        (FONT_REGULAR, " Tom 138-0000"),
        (FONT_CJK, "，好"),
    ]
    assert width("王经理 Tom", 10) == pytest.approx(sum(w for _, _, w in runs("王经理 Tom")) * 10)


@pytest.mark.parametrize(
    "text",
    [
        "北京鼎盛电子科技股份有限公司第三分公司（华北区域销售与售后服务中心暨备件仓库），电话：010-12345678。",
        "Shanghai Precision Components International Trading and Engineering Services Co., Ltd.",
        "Supercalifragilisticexpialidocious-and-more-unbreakable-text-without-spaces-at-all",
        "混合 Mixed 文本 text 与标点，和 long-words-here。",
    ],
)
def test_wrap_keeps_every_line_inside_the_limit(text: str) -> None:
    lines = wrap(text, 80, 8)
    assert len(lines) > 1
    assert all(width(line, 8) <= 80 + 1e-6 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert not any(line[:1] in "，。）" for line in lines)


def test_wrap_leaves_short_text_and_honours_newlines_and_max_lines() -> None:
    assert wrap("苏州博瑞", 200, 8) == ["苏州博瑞"]
    assert wrap("第一行\n第二行", 200, 8) == ["第一行", "第二行"]
    cut = wrap("很长的备注" * 20, 60, 8, max_lines=2)
    assert len(cut) == 2 and cut[-1].endswith("…")
