"""Import problems are shown in the UI language: every problem code of the service has a
translatable text with the service's English, and zh_CN turns it into Chinese."""

from __future__ import annotations

import string
from pathlib import Path

from crm_desktop.services.customer_import import PROBLEM_TEXTS, RowProblem, _problem
from crm_desktop.ui.i18n import Translations
from crm_desktop.ui.import_problems import _texts, problem_text, translated


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_every_code_has_the_same_english_text_in_the_ui(qapp: object) -> None:
    ui = _texts()
    assert set(ui) == set(PROBLEM_TEXTS) - {"source"}
    for code, english in ui.items():  # no translator installed: tr() gives the source
        assert english == PROBLEM_TEXTS[code], code


def test_problems_read_in_chinese(ui_translations: Translations, tmp_path: Path) -> None:
    ui_translations.apply("zh_CN")
    problems = [
        _problem(7, "duplicate_row_same", other=3, why="phone"),
        _problem(8, "bad_phone", field="mobile", value="12345"),
        _problem(9, "pool_claim_first", id=42, name="上海华通机械有限公司"),
        RowProblem(10, "a quoted field is never closed"),  # a reader's message stays as is
    ]
    texts = [problem_text(p) for p in problems]
    assert texts[0] == "与第 3 行重复（电话相同）；已跳过"
    assert texts[1] == "手机“12345”不是有效的电话号码；按原样保留"
    assert "上海华通机械有限公司" in texts[2] and "公海" in texts[2]
    assert texts[3] == "a quoted field is never closed"
    # Every translation keeps the placeholders of its source.
    for code, english in PROBLEM_TEXTS.items():
        if code != "source":
            assert _fields(_texts()[code]) == _fields(english), code
    assert [p.reason for p in translated(problems)] == texts
    ui_translations.apply("en")
    assert problem_text(problems[0]) == "duplicate of row 3 (same phone); skipped"
