"""XLSX and vCard reading."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from crm_desktop.core.errors import ImportFileError
from crm_desktop.importers import guess_mapping, open_source

DATA = Path(__file__).resolve().parents[1] / "data" / "import"

# --------------------------------------------------------------------------- XLSX


def make_workbook(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "说明"
    ws.append(["这一页只是说明"])
    data = wb.create_sheet("客户")
    data.append(["2024 年客户名单"])  # a title row
    data.append([])
    data.append(["客户名称", "联系人", "手机", "签约日期", "跟进时间", "金额", "备注"])
    data.append(
        ["北京华信科技有限公司", "王小明", 13800138000, date(2024, 3, 1),
         datetime(2024, 3, 2, 14, 30), 12500.5, None]
    )  # fmt: skip
    data.append([])
    data.append(["上海浦东发展银行", "李四", "021-12345678", None, None, 3, "重点"])
    other = wb.create_sheet("English")
    other.append(["Company", "Contact", "Email"])
    other.append(["Acme Ltd", "John Smith", "john@acme.example"])
    wb.save(path)
    return path


def test_xlsx_first_sheet_is_default_and_sheets_are_listed(tmp_path: Path) -> None:
    source = open_source(make_workbook(tmp_path / "c.xlsx"))
    assert source.format == "xlsx"
    assert source.sheets == ("说明", "客户", "English")
    assert source.sheet == "说明"
    assert source.encoding is None and source.delimiter is None


def test_xlsx_chosen_sheet_header_after_title_and_typed_values(tmp_path: Path) -> None:
    source = open_source(make_workbook(tmp_path / "c.xlsx"), sheet="客户")
    assert source.sheet == "客户"
    assert source.header_row == 3
    assert source.headers == ("客户名称", "联系人", "手机", "签约日期", "跟进时间", "金额", "备注")
    rows = list(source.rows())
    assert [r.row for r in rows] == [4, 6]
    first = rows[0].values
    assert first[:3] == ("北京华信科技有限公司", "王小明", 13800138000)
    assert first[3] == date(2024, 3, 1) and not isinstance(first[3], datetime)
    assert first[4] == datetime(2024, 3, 2, 14, 30)
    assert first[5] == 12500.5
    assert first[6] is None
    assert rows[1].values == ("上海浦东发展银行", "李四", "021-12345678", None, None, 3, "重点")
    assert source.preview(1) == rows[:1]
    assert guess_mapping(source.headers)[0] == "customer.name"


def test_xlsx_other_sheet_by_name(tmp_path: Path) -> None:
    source = open_source(make_workbook(tmp_path / "c.xlsx"), sheet="English")
    assert source.header_row == 1
    assert [r.values for r in source.rows()] == [("Acme Ltd", "John Smith", "john@acme.example")]
    with pytest.raises(ImportFileError, match="no sheet named"):
        open_source(tmp_path / "c.xlsx", sheet="Nope")


def test_not_an_xlsx_file_is_refused_clearly(tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_text("客户名称,联系人\n北京华信,王小明\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"not an Excel \.xlsx file"):
        open_source(fake)
    zipped = tmp_path / "other.xlsx"
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(ImportFileError, match=r"xlsx|workbook"):
        open_source(zipped)


def test_password_protected_and_old_xls_files_are_refused_clearly(tmp_path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(ole + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 512)
    with pytest.raises(ImportFileError, match="password-protected"):
        open_source(locked)
    old = tmp_path / "old.xls"
    old.write_bytes(ole + "Workbook".encode("utf-16-le") + b"\x00" * 512)
    with pytest.raises(ImportFileError, match=r"97–2003"):
        open_source(old)


def test_empty_sheet_is_refused(tmp_path: Path) -> None:
    wb = Workbook()
    wb.save(tmp_path / "empty.xlsx")
    with pytest.raises(ImportFileError, match="empty"):
        open_source(tmp_path / "empty.xlsx")


# --------------------------------------------------------------------------- vCard

VCARDS = """BEGIN:VCARD
VERSION:3.0
FN:王小明
N:王;小明;;;
ORG:北京华信科技有限公司;销售部
TITLE:销售经理
TEL;TYPE=CELL:138 0013 8000
TEL;TYPE=WORK,VOICE:010-65432100
EMAIL;TYPE=INTERNET:wang@huaxin.example
ADR;TYPE=WORK:;;建国路88号;北京市;北京;100022;中国
BDAY:1985-03-12
NOTE:老客户\\, 每年续约
END:VCARD
BEGIN:VCARD
VERSION:4.0
FN:John Smith
N:Smith;John;;;
ORG:Acme Ltd
TEL;VALUE=uri;TYPE="voice,cell":tel:+86-139-0013-9000
EMAIL:john@acme.example
END:VCARD
BEGIN:VCARD
VERSION:4.0
N:李;四;;;
TEL;TYPE=home:13700137000
END:VCARD
"""


def test_vcard_3_and_4_cards_become_rows(tmp_path: Path) -> None:
    path = tmp_path / "contacts.vcf"
    path.write_text(VCARDS, encoding="utf-8")
    source = open_source(path)
    assert source.format == "vcard"
    assert source.count_hint() == 3
    mapping = guess_mapping(source.headers)
    rows = [
        {mapping[i]: v for i, v in enumerate(r.values) if v is not None and i in mapping}
        for r in source.rows()
    ]
    assert rows[0] == {
        "customer.name": "北京华信科技有限公司",
        "contact.name": "王小明",
        "contact.department": "销售部",
        "contact.title": "销售经理",
        "contact.mobile": "138 0013 8000",
        "contact.phone": "010-65432100",
        "contact.email": "wang@huaxin.example",
        "customer.address": "中国北京北京市建国路88号",
        "contact.birthday": date(1985, 3, 12),
        "contact.notes": "老客户, 每年续约",
    }
    assert rows[1] == {
        "customer.name": "Acme Ltd",
        "contact.name": "John Smith",
        "contact.mobile": "+86-139-0013-9000",
        "contact.email": "john@acme.example",
    }
    # no ORG and no FN: the person is the customer; N family + given in Chinese order
    assert rows[2] == {
        "customer.name": "李四",
        "contact.name": "李四",
        "contact.phone": "13700137000",
    }


def test_broken_card_is_a_problem_row_and_others_are_read(tmp_path: Path) -> None:
    text = (
        VCARDS.split("BEGIN:VCARD\nVERSION:4.0\nFN:John", maxsplit=1)[0]
        + "BEGIN:VCARD\nVERSION:3.0\nthis line has no colon\nFN:坏卡片\nEND:VCARD\n"
        + "BEGIN:VCARD\nVERSION:3.0\nFN:赵六\nORG:广州酷狗\nEND:VCARD\n"
        + "BEGIN:VCARD\nVERSION:3.0\nFN:没有结束\n"
    )
    path = tmp_path / "broken.vcf"
    path.write_text(text, encoding="utf-8")
    rows = list(open_source(path).rows())
    assert [r.row for r in rows] == [1, 2, 3, 4]
    assert rows[0].problem is None and rows[0].values[0] == "北京华信科技有限公司"
    assert rows[1].problem and "card 2" in rows[1].problem
    assert rows[2].problem is None and rows[2].values[:2] == ("广州酷狗", "赵六")
    assert rows[3].problem and "END:VCARD" in rows[3].problem


def test_old_android_vcard_21_quoted_printable_and_gbk(tmp_path: Path) -> None:
    # The fixture is what old Android phones export: vCard 2.1, quoted-printable UTF-8 and one
    # card with CHARSET=GBK, a photo.
    source = open_source(DATA / "android-2.1.vcf")
    rows = list(source.rows())
    assert all(r.problem is None for r in rows)
    assert [(r.values[0], r.values[1], r.values[4]) for r in rows] == [
        ("深圳市腾讯计算机系统有限公司", "王小明", "13800138000"),
        ("张三", "张三", "13900139000"),
    ]


def test_vcard_without_suffix_is_recognised(tmp_path: Path) -> None:
    path = tmp_path / "export"
    path.write_bytes(b"\xef\xbb\xbf" + VCARDS.encode("utf-8"))
    assert open_source(path).format == "vcard"
