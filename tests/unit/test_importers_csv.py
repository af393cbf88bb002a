"""CSV reading: encodings, delimiters, quoting, broken and oversized rows, streaming."""

from __future__ import annotations

import codecs
import tracemalloc
from pathlib import Path

import pytest

from crm_desktop.core.errors import ImportFileError
from crm_desktop.importers import MAX_FIELD, detect_encoding, open_source

NAMES = ["北京华信科技有限公司", "上海浦东发展银行", "深圳市腾讯计算机系统有限公司", "王小明"]
HEADER = "客户名称,联系人,手机,备注\n"
BODY = "".join(f"{n},王小明,1380013800{i},第{i}行\n" for i, n in enumerate(NAMES))

# Traditional Chinese company names, as a Taiwanese or Hong Kong Excel saves them (Big5). The
# same bytes also decode as GBK, into nonsense.
BIG5_NAMES = [
    "台灣積體電路製造股份有限公司",
    "鴻海精密工業股份有限公司",
    "國泰人壽保險股份有限公司",
    "統一企業股份有限公司",
    "聯發科技股份有限公司",
    "華碩電腦股份有限公司",
    "長榮海運股份有限公司",
    "中華電信股份有限公司",
]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def names_of(path: Path, **kw: str) -> list[str]:
    return [str(r.values[0]) for r in open_source(path, **kw).rows()]


@pytest.mark.parametrize(
    ("codec", "prefix", "expected", "confident"),
    [
        ("utf-8", b"", "utf-8", True),
        ("utf-8", codecs.BOM_UTF8, "utf-8-sig", True),
        ("gbk", b"", "gb18030", False),
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16", True),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16", True),
    ],
)
def test_each_encoding_decodes_chinese_names_exactly(
    tmp_path: Path, codec: str, prefix: bytes, expected: str, confident: bool
) -> None:
    path = write(tmp_path, "c.csv", prefix + (HEADER + BODY).encode(codec))
    source = open_source(path)
    assert source.encoding is not None
    assert source.encoding.encoding == expected
    assert source.encoding.confident is confident
    assert source.headers == ("客户名称", "联系人", "手机", "备注")
    assert names_of(path) == NAMES


def test_gbk_guess_is_never_silent(tmp_path: Path) -> None:
    guess = detect_encoding((HEADER + BODY).encode("gbk"))
    assert guess.encoding == "gb18030"
    assert not guess.confident
    assert "big5" in guess.candidates
    assert "guess" in guess.reason.lower()


def test_gb18030_only_characters_are_decoded(tmp_path: Path) -> None:
    # 䶮 (CJK extension A) and 𠀀 (extension B) are not in GBK; GB18030 has them.
    names = ["刘䶮贸易有限公司", "𠀀字号商行", "北京华信科技有限公司"]
    text = "客户名称,联系人\n" + "".join(f"{n},王小明\n" for n in names)
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    path = write(tmp_path, "gb18030.csv", text.encode("gb18030"))
    source = open_source(path)
    assert source.encoding is not None
    assert source.encoding.encoding == "gb18030"
    assert names_of(path) == names


def test_big5_is_not_read_as_gbk(tmp_path: Path) -> None:
    text = "客戶名稱,聯絡人,電話\n" + "".join(
        f"{n},陳大文,02-2345678{i}\n" for i, n in enumerate(BIG5_NAMES)
    )
    data = text.encode("big5")
    garbled = data.decode("gb18030")  # the trap: valid GB18030 bytes, meaningless text
    assert BIG5_NAMES[0] not in garbled
    guess = detect_encoding(data)
    assert guess.encoding == "big5"
    assert not guess.confident
    assert guess.candidates[0] == "gb18030"
    path = write(tmp_path, "big5.csv", data)
    assert names_of(path) == BIG5_NAMES


def test_chosen_encoding_is_used_and_a_wrong_one_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "g.csv", (HEADER + BODY).encode("gbk"))
    source = open_source(path, encoding="gbk")
    assert source.encoding is not None
    assert source.encoding.encoding == "gb18030"
    assert source.encoding.confident
    assert names_of(path, encoding="gbk") == NAMES
    with pytest.raises(ImportFileError, match="not valid utf-8"):
        open_source(path, encoding="utf-8")
    with pytest.raises(ImportFileError, match="Unknown encoding"):
        open_source(path, encoding="klingon")


def test_utf8_valid_at_the_start_but_not_further_down_is_a_guess(tmp_path: Path) -> None:
    rows = "".join(f"Customer {i},Contact {i}\n" for i in range(30_000))
    data = b"name,contact\n" + rows.encode() + "北京华信科技有限公司,王小明\n".encode("gbk")
    path = write(tmp_path, "mixed.csv", data)
    source = open_source(path)
    assert source.encoding is not None
    assert source.encoding.encoding == "gb18030"
    assert not source.encoding.confident
    assert "utf-8" in source.encoding.candidates
    assert names_of(path)[-1] == "北京华信科技有限公司"


def test_utf16_without_bom_is_only_a_guess() -> None:
    guess = detect_encoding((HEADER + BODY).encode("utf-16-le"))
    assert guess.encoding == "utf-16-le"
    assert not guess.confident


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_detected(tmp_path: Path, delimiter: str) -> None:
    text = (
        delimiter.join(["客户名称", "联系人", "地址"])
        + "\n"
        + "".join(delimiter.join([n, "王小明", "北京市朝阳区建国路1号,3层"]) + "\n" for n in NAMES)
    )
    if delimiter == ",":
        text = text.replace("北京市朝阳区建国路1号,3层", '"北京市朝阳区建国路1号,3层"')
    path = write(tmp_path, "d.csv", text.encode("utf-8"))
    source = open_source(path)
    assert source.delimiter == delimiter
    assert source.headers == ("客户名称", "联系人", "地址")
    rows = list(source.rows())
    assert [r.values[2] for r in rows] == ["北京市朝阳区建国路1号,3层"] * len(NAMES)


def test_quoted_multi_line_fields_keep_their_row_numbers(tmp_path: Path) -> None:
    text = (
        "客户名称,备注,手机\n"
        '北京华信,"第一行\n第二行\n第三行",13800138000\n'
        '上海浦东,"他说""好""",13900139000\n'
        "深圳腾讯,,13700137000\n"
    )
    path = write(tmp_path, "m.csv", text.encode("utf-8"))
    rows = list(open_source(path).rows())
    assert [r.row for r in rows] == [2, 3, 4]
    assert rows[0].values == ("北京华信", "第一行\n第二行\n第三行", "13800138000")
    assert rows[1].values[1] == '他说"好"'
    assert rows[2].values == ("深圳腾讯", "", "13700137000")
    assert all(r.problem is None for r in rows)


def test_unterminated_quote_is_a_row_problem_and_later_rows_are_read(tmp_path: Path) -> None:
    lines = ["客户名称,联系人,手机"]
    lines += [f"公司{i},联系人{i},1380013800{i}" for i in range(2, 7)]
    lines.append('"公司7,联系人7,13800138007')  # row 7: the quote never closes
    lines += [f"公司{i},联系人{i},138001380{i:02d}" for i in range(8, 12)]
    path = write(tmp_path, "q.csv", ("\n".join(lines) + "\n").encode("gbk"))
    rows = list(open_source(path).rows())
    broken = [r for r in rows if r.problem]
    assert [r.row for r in broken] == [7]
    assert "quoted field is never closed" in (broken[0].problem or "")
    good = [r for r in rows if not r.problem]
    assert [r.row for r in good] == [2, 3, 4, 5, 6, 8, 9, 10, 11]
    assert good[-1].values == ("公司11", "联系人11", "13800138011")


def test_unterminated_quote_before_a_long_tail_is_reported(tmp_path: Path) -> None:
    # The open quote swallows more than MAX_FIELD characters: csv gives up, the reader reports
    # the row and reads everything after it again.
    tail = "".join(f"公司{i},联系人{i},备注{'x' * 30}\n" for i in range(8, 5008))
    text = "客户名称,联系人,备注\n" + "".join(f"公司{i},联系人{i},\n" for i in range(2, 7))
    text += '公司7,"联系人7,\n' + tail
    path = write(tmp_path, "q2.csv", text.encode("utf-8"))
    rows = list(open_source(path).rows())
    problems = [r for r in rows if r.problem]
    assert [r.row for r in problems] == [7]
    assert "never closed" in (problems[0].problem or "")
    good = [r for r in rows if not r.problem]
    assert len(good) == 5 + 5000
    assert good[-1].row == 5007
    assert good[-1].values[0] == "公司5007"


@pytest.mark.parametrize("quoted", [False, True])
def test_200kb_field_is_a_row_problem_and_next_rows_are_read(tmp_path: Path, quoted: bool) -> None:
    huge = "长" * 200_000
    if quoted:
        huge = '"' + "\n".join([huge[:70_000], huge[70_000:140_000], huge[140_000:]]) + '"'
    text = (
        "客户名称,备注,手机\n"
        "北京华信,短备注,13800138000\n"
        f"上海浦东,{huge},13900139000\n"
        "深圳腾讯,正常,13700137000\n"
        "广州酷狗,正常,13600136000\n"
    )
    path = write(tmp_path, "big.csv", text.encode("gbk"))
    rows = list(open_source(path).rows())
    assert [r.row for r in rows] == [2, 3, 4, 5]
    assert rows[1].problem is not None
    assert f"longer than {MAX_FIELD:,} characters" in rows[1].problem
    assert [r.values[0] for r in (rows[0], rows[2], rows[3])] == [
        "北京华信",
        "深圳腾讯",
        "广州酷狗",
    ]
    assert all(r.problem is None for r in (rows[0], rows[2], rows[3]))


def test_field_just_over_the_limit_below_the_csv_module_limit_is_a_problem(
    tmp_path: Path,
) -> None:
    text = f"客户名称,备注\n北京华信,{'x' * (MAX_FIELD + 10)}\n上海浦东,ok\n"
    path = write(tmp_path, "over.csv", text.encode("utf-8"))
    rows = list(open_source(path).rows())
    assert rows[0].problem and "longer than" in rows[0].problem
    assert rows[1].values == ("上海浦东", "ok")


def test_file_without_line_breaks_does_not_hang_or_load_unbounded(tmp_path: Path) -> None:
    text = "客户名称,备注\n北京华信," + "y" * 3_000_000
    path = write(tmp_path, "noeol.csv", text.encode("utf-8"))
    rows = list(open_source(path).rows())
    assert len(rows) == 1
    assert rows[0].problem


def test_title_rows_before_the_header_are_skipped(tmp_path: Path) -> None:
    text = "客户名单（2024）\n\n客户名称,联系人,手机\n北京华信,王小明,13800138000\n"
    path = write(tmp_path, "t.csv", text.encode("gbk"))
    source = open_source(path)
    assert source.header_row == 3
    assert source.headers == ("客户名称", "联系人", "手机")
    assert [(r.row, r.values) for r in source.rows()] == [
        (4, ("北京华信", "王小明", "13800138000"))
    ]


def test_short_rows_are_padded_and_blank_rows_skipped(tmp_path: Path) -> None:
    text = "客户名称,联系人,手机\n北京华信\n\n,,\n上海浦东,李四,139,多余\n深圳腾讯,张三,137,\n"
    path = write(tmp_path, "s.csv", text.encode("utf-8"))
    source = open_source(path)
    # a value beyond the last header near the top makes an unnamed column (nothing is lost)
    assert source.headers == ("客户名称", "联系人", "手机", "")
    rows = list(source.rows())
    assert [(r.row, r.values, r.problem) for r in rows] == [
        (2, ("北京华信", None, None, None), None),
        (5, ("上海浦东", "李四", "139", "多余"), None),
        (6, ("深圳腾讯", "张三", "137", ""), None),
    ]


def test_values_beyond_the_columns_further_down_are_a_problem(tmp_path: Path) -> None:
    body = "".join(f"公司{i},联系人{i}\n" for i in range(300))
    text = "客户名称,联系人\n" + body + "北京华信,王小明,多余\n"
    path = write(tmp_path, "x.csv", text.encode("utf-8"))
    last = list(open_source(path).rows())[-1]
    assert last.values == ("北京华信", "王小明")
    assert last.problem and "3 values" in last.problem


def test_rows_can_be_read_twice_and_preview_is_the_start(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", (HEADER + BODY).encode("utf-8"))
    source = open_source(path)
    assert list(source.rows()) == list(source.rows())
    assert source.preview(2) == list(source.rows())[:2]
    assert source.count_hint() == len(NAMES)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_big_file_streams_and_count_hint_is_close(tmp_path: Path, newline: str) -> None:
    line = "北京华信科技有限公司{i},王小明,13800138000,北京市朝阳区建国路{i}号" + newline
    text = "客户名称,联系人,手机,地址" + newline
    text += "".join(line.format(i=i) for i in range(100_000))
    path = write(tmp_path, "100k.csv", text.encode("gbk"))
    del text
    source = open_source(path)
    measure = newline == "\r\n"  # tracemalloc is slow: once is enough
    if measure:
        tracemalloc.start()
    try:
        n = 0
        last = None
        for row in source.rows():
            n += 1
            last = row
        peak = tracemalloc.get_traced_memory()[1] if measure else 0
    finally:
        tracemalloc.stop()
    assert n == 100_000
    assert last is not None and last.row == 100_001
    assert last.values == (
        "北京华信科技有限公司99999",
        "王小明",
        "13800138000",
        "北京市朝阳区建国路99999号",
    )
    # streamed: the decoded text alone would take about 10 MB
    assert peak < 5_000_000, peak
    hint = source.count_hint()
    assert hint is not None and 90_000 <= hint <= 110_000


def test_crlf_inside_and_between_quoted_fields(tmp_path: Path) -> None:
    text = '客户名称,备注\r\n北京华信,"第一行\r\n第二行"\r\n上海浦东,ok\r\n'
    path = write(tmp_path, "crlf.csv", text.encode("utf-8-sig"))
    rows = list(open_source(path).rows())
    assert [(r.row, r.values) for r in rows] == [
        (2, ("北京华信", "第一行\r\n第二行")),
        (3, ("上海浦东", "ok")),
    ]


def test_unusual_line_separator_characters_stay_inside_fields(tmp_path: Path) -> None:
    # str.splitlines would break at these; csv and Excel do not
    text = "客户名称,备注\n北京华信,a\x0cb\u2028c\x1dd\n上海浦东,ok\n"
    path = write(tmp_path, "odd.csv", text.encode("utf-8"))
    rows = list(open_source(path).rows())
    assert [r.values for r in rows] == [("北京华信", "a\x0cb\u2028c\x1dd"), ("上海浦东", "ok")]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("blank.csv", b"\r\n\r\n", "empty"),
        ("bom.csv", codecs.BOM_UTF8, "empty"),
        ("data.bin", b"\x00\x01\x02\x03" * 100, "unknown file type"),
    ],
)
def test_unreadable_files_raise_import_file_error(
    tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    with pytest.raises(ImportFileError, match=message):
        open_source(write(tmp_path, name, data))


def test_missing_file_raises_import_file_error(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="not found"):
        open_source(tmp_path / "nope.csv")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_streaming_reads_what_csv_reads_from_the_whole_text(tmp_path: Path, seed: int) -> None:
    # Random well-formed files (quotes, delimiters and line breaks inside fields, CRLF and LF,
    # blocks boundaries everywhere): the streamed rows are exactly csv's rows of the whole text.
    import csv
    import io
    import random

    rnd = random.Random(seed)
    alphabet = ["北", "京", "華", "a", "Z", "1", " ", ",", '"', "\n", "\r\n", "；", "𠀀"]
    records = [["客户名称", "联系人", "备注"]]
    for i in range(6000):
        records.append(
            [f"公司{i}"]
            + ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30))) for _ in range(2)]
        )
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator=rnd.choice(["\n", "\r\n"])).writerows(records)
    text = buf.getvalue()
    path = write(tmp_path, "fuzz.csv", text.encode("gb18030"))
    expected = [r for r in csv.reader(io.StringIO(text, newline=""))][1:]
    source = open_source(path, encoding="gb18030", delimiter=",")
    rows = list(source.rows())
    assert all(r.problem is None for r in rows)
    assert [list(r.values) for r in rows] == expected
    assert [r.row for r in rows] == list(range(2, len(expected) + 2))
