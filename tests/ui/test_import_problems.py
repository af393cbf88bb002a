"""Import problems are shown in the UI language: every problem code of the service has a
translatable text with the service's English, and zh_CN turns it into Chinese."""

from __future__ import annotations

import string
from pathlib import Path

from crm_desktop.core.progress import NullProgress
from crm_desktop.importers.mapping import guess_mapping
from crm_desktop.importers.source import READER_PROBLEMS, open_source
from crm_desktop.services.customer_import import PROBLEM_TEXTS, RowProblem, _problem, _read
from crm_desktop.ui.i18n import Translations
from crm_desktop.ui.import_problems import _reader_texts, _texts, problem_text, translated


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


def test_reader_problems_have_the_same_english_and_read_in_chinese(
    ui_translations: Translations, tmp_path: Path
) -> None:
    assert set(_reader_texts()) == set(READER_PROBLEMS)
    for code, english in _reader_texts().items():
        assert english == READER_PROBLEMS[code], code
    ui_translations.apply("zh_CN")
    for code, chinese in _reader_texts().items():
        assert _fields(chinese) == _fields(READER_PROBLEMS[code]), code
    # A real file: the unclosed quote of row 3 reaches the wizard's table in Chinese.
    path = tmp_path / "broken.csv"
    path.write_bytes('客户名称,联系人\n上海华通,王五\n"北京新元,张三\n'.encode("gbk"))
    source = open_source(path)
    read = _read(source, guess_mapping(source.headers), "skip", NullProgress())
    assert [(p.row, p.code) for p in read.problems] == [(3, "reader.unclosed_quote")]
    assert read.problems[0].reason == 'a quoted field is never closed (a " is missing)'
    assert problem_text(read.problems[0]) == '引号内的字段没有结束（缺少一个 "）'
