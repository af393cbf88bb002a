"""The mail parsing layer: charsets, MIME structure, threads, dates, limits, mbox, .msg, folders."""

from __future__ import annotations

import base64
import hashlib
import os
import time
from datetime import UTC, datetime, timedelta, timezone
from email.mime.application import MIMEApplication
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import pytest

from crm_desktop.core.errors import ImportFileError, UserError
from crm_desktop.mail.charsets import decode_header_text, decode_text, parse_content_header
from crm_desktop.mail.filenames import sanitize_filename
from crm_desktop.mail.limits import MailLimits, MailParseError
from crm_desktop.mail.parse import (
    ParsedMessage,
    iter_mail_files,
    iter_mbox,
    parse_eml,
    parse_msg,
)


def _samples_folder() -> Path:
    """The team's sample Outlook files (``../shared/testdata/mail`` beside the repository, or
    ``$CRM_TESTDATA_DIR/mail``): used by path, never copied into the project."""
    override = os.environ.get("CRM_TESTDATA_DIR")
    if override:
        return Path(override) / "mail"
    return Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "mail"


SAMPLES = _samples_folder()

GB2312_TEXT = "您好，附件是本月的报价单，请查收。深圳市华南贸易有限公司"
GBK_TEXT = "朱镕基、张喆、李堃：关于合同的补充说明"  # 镕喆堃 are GBK, not GB2312
GB18030_TEXT = "扩展字符㐀𠀀和表情😀都要保留"  # only GB18030 has these
BIG5_TEXT = "臺灣客戶您好，附件是報價單，請查收。"
UTF8_TEXT = "上海客户：订单已发货 ✓ Order shipped"


def raw_message(
    body: bytes,
    *,
    charset: str | None,
    subject: bytes = b"Test",
    transfer: str = "8bit",
    extra: bytes = b"",
) -> bytes:
    ctype = b"text/plain" + (f'; charset="{charset}"'.encode() if charset else b"")
    head = (
        b"From: Sales <sales@example.com>\r\n"
        b"To: buyer@example.cn\r\n"
        b"Subject: " + subject + b"\r\n"
        b"Date: Tue, 03 Jun 2025 10:15:00 +0800\r\n"
        b"Message-ID: <m1@example.com>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: " + ctype + b"\r\n"
        b"Content-Transfer-Encoding: " + transfer.encode() + b"\r\n" + extra + b"\r\n"
    )
    return head + body


def b_word(text: str, charset: str, codec: str | None = None) -> str:
    data = text.encode(codec or charset)
    return f"=?{charset}?B?{base64.b64encode(data).decode()}?="


# --------------------------------------------------------------------------- charsets


@pytest.mark.parametrize(
    ("text", "label", "codec"),
    [
        (GB2312_TEXT, "gb2312", "gb2312"),
        (GBK_TEXT, "gbk", "gbk"),
        (GB18030_TEXT, "gb18030", "gb18030"),
        (BIG5_TEXT, "big5", "big5"),
        (UTF8_TEXT, "utf-8", "utf-8"),
        (GBK_TEXT, "gb2312", "gbk"),  # mislabeled: GBK characters under a GB2312 label
        (GB18030_TEXT, "GB2312", "gb18030"),  # mislabeled: GB18030 under GB2312
    ],
)
@pytest.mark.parametrize("transfer", ["8bit", "base64", "quoted-printable"])
def test_body_charsets_decode_to_the_exact_chinese_text(
    text: str, label: str, codec: str, transfer: str
) -> None:
    body = text.encode(codec)
    if transfer == "base64":
        body = base64.encodebytes(body)
    elif transfer == "quoted-printable":
        import quopri

        body = quopri.encodestring(body)
    message = parse_eml(raw_message(body, charset=label, transfer=transfer))
    assert message.body_text == text
    assert message.body_html is None


def test_gb2312_label_is_read_as_gb18030_even_when_the_bytes_look_like_utf8() -> None:
    # 聞 is GBK only (C2 84); those two bytes are also valid UTF-8 (U+0084), so only reading
    # the GB2312 label as its superset gets it right.
    data = "聞聞".encode("gbk")
    assert data.decode("utf-8") == "\x84\x84"
    assert decode_text(data, "gb2312") == "聞聞"
    assert parse_eml(raw_message(data, charset="gb2312")).body_text == "聞聞"
    assert decode_header_text(b_word("聞", "gb2312", "gbk")) == "聞"


def test_unknown_charset_label_is_guessed() -> None:
    text = GB2312_TEXT * 3  # long enough for a statistical guess
    message = parse_eml(raw_message(text.encode("gbk"), charset="x-no-such-charset"))
    assert message.body_text == text


def test_wrong_label_falls_back_to_what_the_bytes_are() -> None:
    assert parse_eml(raw_message(GBK_TEXT.encode("gbk"), charset="utf-8")).body_text == GBK_TEXT
    utf8 = parse_eml(raw_message(UTF8_TEXT.encode("utf-8"), charset="us-ascii"))
    assert utf8.body_text == UTF8_TEXT


def test_unlabeled_short_chinese_reads_as_gb18030() -> None:
    assert parse_eml(raw_message("您好".encode("gbk"), charset=None)).body_text == "您好"


def test_undecodable_bytes_never_raise() -> None:
    garbage = bytes(range(128, 256)) * 3
    for label in ("utf-8", "gb2312", "big5", "x-junk", "rot13", "zlib", None):
        assert isinstance(decode_text(garbage, label), str)
    message = parse_eml(raw_message(garbage, charset="utf-8"))
    assert isinstance(message.body_text, str)


# --------------------------------------------------------------------------- headers


def test_rfc2047_subjects_decode() -> None:
    cases = {
        b_word("关于报价单", "gb2312"): "关于报价单",
        b_word("報價單", "big5"): "報價單",
        b_word(GBK_TEXT, "gb2312", "gbk"): GBK_TEXT,  # mislabeled in a header too
        "Re: " + b_word("订单", "utf-8") + " 12345": "Re: 订单 12345",
        "=?utf-8?Q?=E8=AE=A2=E5=8D=95_=E7=A1=AE=E8=AE=A4?=": "订单 确认",
        # whitespace between adjacent encoded words is dropped
        b_word("你好", "gbk") + "\r\n " + b_word("世界", "gbk"): "你好世界",
        # glued to text without whitespace, as broken mailers write it
        "RE:" + b_word("合同", "utf-8") + "(v2)": "RE:合同(v2)",
    }
    for raw, expected in cases.items():
        message = parse_eml(raw_message(b"x", charset="utf-8", subject=raw.encode()))
        assert message.subject == expected, raw


def test_multibyte_character_split_across_encoded_words_is_joined() -> None:
    data = "报价单".encode()
    first = base64.b64encode(data[:4]).decode()  # ends in the middle of 价
    second = base64.b64encode(data[4:]).decode()
    assert decode_header_text(f"=?UTF-8?B?{first}?= =?UTF-8?B?{second}?=") == "报价单"


def test_broken_encoded_words_are_kept_as_written() -> None:
    assert decode_header_text("=?utf-8?B?5L2g5aW9") == "=?utf-8?B?5L2g5aW9"  # no ?= end
    assert decode_header_text("=?utf-8?X?abc?= ok") == "=?utf-8?X?abc?= ok"
    # bad base64 padding is repaired instead of failing
    assert decode_header_text("=?utf-8?B?5L2g5aW9?=") == "你好"
    assert decode_header_text("=?utf-8?B?5L2g5aW9=?=") == "你好"


def test_unencoded_8bit_gbk_header_uses_the_body_charset_then_gb18030() -> None:
    subject = "关于镕基项目的报价".encode("gbk")
    hinted = parse_eml(raw_message(b"x", charset="gbk", subject=subject))
    assert hinted.subject == "关于镕基项目的报价"
    unhinted = parse_eml(raw_message(b"x", charset=None, subject=subject))
    assert unhinted.subject == "关于镕基项目的报价"
    mixed = b"Re: " + b_word("订单", "utf-8").encode() + b" " + "确认".encode("gbk")
    assert parse_eml(raw_message(b"x", charset="gbk", subject=mixed)).subject == "Re: 订单 确认"


def test_address_names_decode_and_commas_inside_names_do_not_split() -> None:
    wang = b_word("王经理, 采购部", "gb2312")
    extra = (
        b"Cc: " + b_word("李四", "utf-8").encode() + b' <Li.Si@Example.CN>, "Zhang" <z@x.cn>\r\n'
    )
    data = raw_message(b"x", charset="utf-8", extra=extra).replace(
        b"From: Sales <sales@example.com>", f'From: "{wang}" <wang@huanan.cn>'.encode()
    )
    message = parse_eml(data)
    assert message.from_addr == ("王经理, 采购部", "wang@huanan.cn")
    assert message.to == (("", "buyer@example.cn"),)
    assert message.cc == (("李四", "li.si@example.cn"), ("Zhang", "z@x.cn"))


# --------------------------------------------------------------------------- structure


def test_multipart_alternative_gives_text_and_html() -> None:
    outer = MIMEMultipart("alternative")
    outer["Subject"] = "Alt"
    outer["Message-ID"] = "<alt@x>"
    outer.attach(MIMEText("纯文本正文", "plain", "utf-8"))
    outer.attach(MIMEText("<p>网页正文</p>", "html", "gb2312"))
    message = parse_eml(outer.as_bytes())
    assert message.body_text == "纯文本正文"
    assert message.body_html == "<p>网页正文</p>"
    assert message.attachments == ()


def test_nested_multiparts_with_inline_image_and_attachments() -> None:
    related = MIMEMultipart("related")
    related.attach(MIMEText('<img src="cid:logo1">报价', "html", "utf-8"))
    image = MIMEImage(b"\x89PNG fake", "png")
    image["Content-ID"] = "<logo1>"
    related.attach(image)
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText("报价", "plain", "gbk"))
    alternative.attach(related)
    mixed = MIMEMultipart("mixed")
    mixed["From"] = "a@x.cn"
    mixed["Date"] = "Tue, 03 Jun 2025 10:15:00 +0800"
    mixed.attach(alternative)
    pdf = MIMEApplication(b"%PDF-1.4 data", "pdf")
    pdf.add_header("Content-Disposition", "attachment", filename=("utf-8", "", "报价单.pdf"))
    mixed.attach(pdf)
    message = parse_eml(mixed.as_bytes())
    assert message.body_text == "报价"
    assert message.body_html == '<img src="cid:logo1">报价'
    names = [(a.filename, a.mime, a.content_id) for a in message.attachments]
    assert names == [
        ("attachment.png", "image/png", "logo1"),
        ("报价单.pdf", "application/pdf", None),
    ]
    pdf_part = message.attachments[1]
    assert pdf_part.data == b"%PDF-1.4 data"
    assert pdf_part.size == len(b"%PDF-1.4 data")
    assert pdf_part.sha256 == hashlib.sha256(b"%PDF-1.4 data").hexdigest()
    assert message.problems == ()


HOSTILE_NAMES = [
    ("../../etc/passwd", "passwd"),
    ("C:\\Windows\\System32\\evil.exe", "evil.exe"),
    ("CON", "_CON"),
    ("aux.txt", "_aux.txt"),
    ("COM1.tar.gz", "_COM1.tar.gz"),
    ("lpt9 .doc", "_lpt9.doc"),
    ("..", "attachment"),
    ("", "attachment"),
    ('a<b>c:d"e|f?g*h.txt', "a_b_c_d_e_f_g_h.txt"),
    ("inv\x00oice\x1f\u202etxt.exe", "invoicetxt.exe"),
    ("report.pdf. . ", "report.pdf"),
    ("...hidden", "hidden"),
    ("nul", "_nul"),
    ("CONSOLE.txt", "CONSOLE.txt"),
]


@pytest.mark.parametrize(("name", "expected"), HOSTILE_NAMES)
def test_sanitize_filename(name: str, expected: str) -> None:
    assert sanitize_filename(name) == expected


def test_sanitize_filename_limits_length_and_keeps_extension() -> None:
    long = sanitize_filename("报价单" * 200 + ".xlsx")
    assert long.endswith(".xlsx")
    assert len(long.encode("utf-8")) <= 200
    assert long.startswith("报价单")


def test_hostile_attachment_names_stay_plain_file_names() -> None:
    mixed = MIMEMultipart("mixed")
    mixed["Subject"] = "names"
    mixed.attach(MIMEText("body", "plain", "utf-8"))
    written = [
        "../../../home/user/.bashrc",
        "C:\\Windows\\win.ini",
        "CON",
        b_word("../合同.pdf", "utf-8"),
    ]
    for name in written:
        part = MIMEApplication(b"x")
        part.add_header("Content-Disposition", "attachment", filename=name)
        mixed.attach(part)
    gbk_part = (
        b'--BOUNDARY\r\nContent-Type: application/octet-stream; name="'
        + "报价单.xls".encode("gbk")
        + b'"\r\n\r\nxx\r\n'
    )
    mixed.set_boundary("BOUNDARY")
    data = mixed.as_bytes().replace(b"--BOUNDARY--", gbk_part + b"--BOUNDARY--")
    message = parse_eml(data)
    names = [a.filename for a in message.attachments]
    assert names == ["bashrc", "win.ini", "_CON", "合同.pdf", "报价单.xls"]
    for name in names:
        assert "/" not in name and "\\" not in name and ".." not in name


def test_rfc2231_continuations_and_charsets() -> None:
    value = "attachment; filename*0*=gb2312''%B1%A8%BC%DB; filename*1*=%B5%A5.pdf"
    assert parse_content_header(value) == ("attachment", {"filename": "报价单.pdf"})
    quoted = 'text/plain; charset="gbk"; name="a;b.txt"'
    assert parse_content_header(quoted) == ("text/plain", {"charset": "gbk", "name": "a;b.txt"})


# --------------------------------------------------------------------------- threads, ids


def test_thread_key_is_the_root_of_references() -> None:
    extra = b"In-Reply-To: <parent@x>\r\nReferences: <root@x>\r\n <parent@x>\r\n"
    data = raw_message(b"x", charset="utf-8", extra=extra)
    message = parse_eml(data)
    assert message.message_id == "<m1@example.com>"
    assert message.in_reply_to == "<parent@x>"
    assert message.references == ("<root@x>", "<parent@x>")
    assert message.thread_key == "<root@x>"
    assert message.dedupe_key == "<m1@example.com>"


def test_thread_key_falls_back_to_in_reply_to_then_own_id() -> None:
    reply = parse_eml(raw_message(b"x", charset=None, extra=b"In-Reply-To: parent@x\r\n"))
    assert reply.in_reply_to == "<parent@x>"
    assert reply.thread_key == "<parent@x>"
    alone = parse_eml(raw_message(b"x", charset=None))
    assert alone.thread_key == "<m1@example.com>"


def test_missing_message_id_uses_the_content_hash() -> None:
    data = raw_message(b"hello", charset=None).replace(b"Message-ID: <m1@example.com>\r\n", b"")
    message = parse_eml(data)
    digest = hashlib.sha256(data).hexdigest()
    assert message.message_id is None
    assert message.content_hash == digest
    assert message.dedupe_key == f"sha256:{digest}"
    assert message.thread_key == f"<{digest}@sha256>"
    assert message.raw == data
    other = parse_eml(data.replace(b"hello", b"hellO"))
    assert other.dedupe_key != message.dedupe_key


# --------------------------------------------------------------------------- dates

FALLBACK = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def with_date(date: bytes | None, extra: bytes = b"") -> bytes:
    data = raw_message(b"x", charset=None, extra=extra)
    old = b"Date: Tue, 03 Jun 2025 10:15:00 +0800\r\n"
    return data.replace(old, b"Date: " + date + b"\r\n" if date is not None else b"")


def test_date_is_aware_utc() -> None:
    message = parse_eml(with_date(b"Tue, 03 Jun 2025 10:15:00 +0800"))
    assert message.sent_at == datetime(2025, 6, 3, 2, 15, tzinfo=UTC)
    assert message.sent_at is not None and message.sent_at.utcoffset() is not None
    assert message.problems == ()


@pytest.mark.parametrize(
    "date",
    [
        None,
        b"not a date",
        b"Mon, 30 Feb 2025 10:00:00 +0000",
        b"Fri, 01 Jan 99999 00:00 +0000",
        b"32 13 2025 99:99:99",
        b"Tue, 03 Jun 2025 25:61:00 +9999",
        b"(" * 5000,
    ],
)
def test_bad_or_missing_date_uses_the_fallback_and_says_so(date: bytes | None) -> None:
    message = parse_eml(with_date(date), fallback_date=FALLBACK)
    assert message.sent_at == FALLBACK
    assert any("fallback date" in p for p in message.problems)
    assert parse_eml(with_date(date)).sent_at is None


def test_naive_fallback_is_taken_as_utc_and_received_beats_fallback() -> None:
    naive = parse_eml(with_date(None), fallback_date=datetime(2024, 5, 6, 7, 8))
    assert naive.sent_at == datetime(2024, 5, 6, 7, 8, tzinfo=UTC)
    received = b"Received: from mx by mail.example.cn; Wed, 04 Jun 2025 09:00:00 +0800\r\n"
    message = parse_eml(with_date(b"garbage", extra=received), fallback_date=FALLBACK)
    assert message.sent_at == datetime(2025, 6, 4, 1, 0, tzinfo=UTC)
    assert any("Received date" in p for p in message.problems)
    beijing = datetime(2024, 1, 2, 11, 4, 5, tzinfo=timezone(timedelta(hours=8)))
    converted = parse_eml(with_date(None), fallback_date=beijing).sent_at
    assert converted == FALLBACK and converted is not None and converted.tzinfo == UTC


# --------------------------------------------------------------------------- limits


def test_message_over_the_size_limit_is_rejected_with_the_reason() -> None:
    data = raw_message(b"x" * 5000, charset=None)
    with pytest.raises(MailParseError, match="over the 1,000-byte limit") as caught:
        parse_eml(data, limits=MailLimits(max_message_bytes=1000))
    assert isinstance(caught.value, UserError) and isinstance(caught.value, ImportFileError)
    assert parse_eml(data, limits=MailLimits(max_message_bytes=len(data))).body_text


def many_parts(count: int) -> bytes:
    parts = b"".join(
        b"--B\r\nContent-Type: application/octet-stream; name=p%d.bin\r\n\r\n%d\r\n" % (i, i)
        for i in range(count)
    )
    return (
        b"Subject: parts\r\nDate: 3 Jun 2025 10:15 +0800\r\n"
        b"Content-Type: multipart/mixed; boundary=B\r\n\r\n" + parts + b"--B--\r\n"
    )


def test_too_many_parts_are_refused_or_truncated_with_a_reason() -> None:
    with pytest.raises(MailParseError, match="mail bomb: more than 11 MIME parts"):
        parse_eml(many_parts(30), limits=MailLimits(max_parts=11))
    message = parse_eml(many_parts(30), limits=MailLimits(max_parts=11, refuse_bombs=False))
    assert len(message.attachments) == 10  # the multipart itself counts as a part
    assert [a.data for a in message.attachments[:2]] == [b"0", b"1"]
    assert any("more than 11 MIME parts" in p for p in message.problems)
    assert parse_eml(many_parts(30)).problems == ()


def test_too_many_attachments_are_truncated_with_a_reason() -> None:
    message = parse_eml(many_parts(30), limits=MailLimits(max_attachments=5))
    assert len(message.attachments) == 5
    assert any("more than 5 attachments" in p for p in message.problems)


def nested(depth: int) -> bytes:
    head = b"Subject: deep\r\n"
    body = b"Content-Type: text/plain\r\n\r\ninnermost\r\n"
    for level in range(depth):
        boundary = b"L%d" % level
        body = (
            b"Content-Type: multipart/mixed; boundary="
            + boundary
            + b"\r\n\r\n--"
            + boundary
            + b"\r\n"
            + body
            + b"\r\n--"
            + boundary
            + b"--\r\n"
        )
    return head + body


def test_nesting_deeper_than_the_limit_is_refused_or_truncated_with_a_reason() -> None:
    assert parse_eml(nested(5)).body_text == "innermost\n"
    with pytest.raises(MailParseError, match="nested deeper than 20 levels"):
        parse_eml(nested(30), limits=MailLimits(max_depth=20))
    message = parse_eml(nested(30), limits=MailLimits(max_depth=20, refuse_bombs=False))
    assert message.body_text is None
    assert any("nested deeper than 20 levels" in p for p in message.problems)


def test_overlong_header_is_refused_or_truncated_with_a_reason() -> None:
    subject = b"A" * 100_000
    assert parse_eml(raw_message(b"body", charset=None, subject=subject)).problems == ()
    with pytest.raises(MailParseError, match="header subject longer than 65536 bytes"):
        parse_eml(
            raw_message(b"body", charset=None, subject=subject),
            limits=MailLimits(max_header_length=64 * 1024),
        )
    lenient = MailLimits(max_header_length=64 * 1024, refuse_bombs=False)
    message = parse_eml(raw_message(b"body", charset=None, subject=subject), limits=lenient)
    assert set(message.subject) == {"A"} and 60_000 < len(message.subject) <= 64 * 1024
    assert any("header subject longer than 65536 bytes" in p for p in message.problems)
    assert message.body_text == "body"
    folded = b"\r\n ".join([b"B" * 100] * 1000)  # 100 KB over 1,000 lines
    message = parse_eml(raw_message(b"body", charset=None, subject=folded), limits=lenient)
    assert len(message.subject) < 64 * 1024
    assert any("header subject" in p for p in message.problems)


def test_too_many_header_lines_are_skipped_with_a_reason() -> None:
    extra = b"X-Spam: 1\r\n" * 50 + b"X-Folded: a\r\n" + b" b\r\n" * 50
    data = raw_message(b"body", charset=None, extra=extra)
    with pytest.raises(MailParseError, match="more than 40 header lines"):
        parse_eml(data, limits=MailLimits(max_header_lines=40))
    message = parse_eml(data, limits=MailLimits(max_header_lines=40, refuse_bombs=False))
    assert any("more than 40 header lines" in p for p in message.problems)
    assert message.subject == "Test"  # the fields before the limit are kept
    assert message.body_text == "body"  # the body is still found after the skipped lines
    assert parse_eml(data).problems == ()
    parts = parse_eml(many_parts(30), limits=MailLimits(max_header_lines=12, refuse_bombs=False))
    assert any("more than 12 header lines" in p for p in parts.problems)


def test_mail_bombs_are_refused_within_seconds() -> None:
    words = " ".join([b_word("炸", "utf-8")] * 100_000).encode()
    bombs = [
        many_parts(10_000),
        nested(5_000),
        raw_message(b"x", charset="utf-8", subject=words),
        raw_message(b"x", charset="utf-8", subject=b"=?" * 200_000),
        raw_message(b"x", charset="utf-8", extra=b"To: " + b"(" * 60_000 + b"\r\n"),
        b"Subject: x\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n" + b"--B\r\n" * 200_000,
        b"Subject: x\r\nContent-Type: text/plain; " + b'a="\\";' * 10_000 + b"\r\n\r\nbody",
        b"X: y\r\n" * 2_000_000 + b"\r\nbody",
        b"Subject: x\r\n" + b" y\r\n" * 2_000_000 + b"\r\nbody",
    ]
    refused: dict[int, str] = {}
    for number, bomb in enumerate(bombs):
        started = time.perf_counter()
        try:
            message = parse_eml(bomb)
        except MailParseError as exc:
            refused[number] = str(exc)
        else:
            assert isinstance(message, ParsedMessage)
        assert time.perf_counter() - started < 5, number
    # 10,000 parts, deep nesting, 100,000 encoded words, a header of 2 million lines, a
    # 2-million-line folded header: refused, saying which limit.
    assert "more than 500 MIME parts" in refused[0]
    assert "nested deeper than 20 levels" in refused[1]
    assert "header subject longer than" in refused[2]
    assert "header lines" in refused[7] and "header" in refused[8]
    for number in (3, 4, 5, 6):  # malformed but not over a limit: parsed around
        assert number not in refused or "mail bomb" in refused[number]
    lenient = MailLimits(refuse_bombs=False)
    assert any("MIME parts" in p for p in parse_eml(bombs[0], limits=lenient).problems)
    assert any("nested deeper" in p for p in parse_eml(bombs[1], limits=lenient).problems)


def test_not_a_message_is_rejected() -> None:
    for data in (b"", b"\r\n\r\n", b"\x89PNG\r\n\x1a\n\x00\x00binary", b"just some text\n"):
        with pytest.raises(MailParseError):
            parse_eml(data)


# --------------------------------------------------------------------------- mbox


def test_mbox_with_a_broken_message_in_the_middle_parses_the_others(tmp_path: Path) -> None:
    good = [
        raw_message(f"正文 {i}".encode(), charset="utf-8").replace(
            b"<m1@example.com>", b"<m%d@x>" % i
        )
        for i in range(4)
    ]
    big = raw_message(b"y" * 20_000, charset=None)
    chunks = [good[0], good[1], big, b"\x00\x01 not mail", good[2], good[3]]
    path = tmp_path / "box.mbox"
    path.write_bytes(
        b"".join(
            b"From sender@x Tue Jun  3 10:15:00 2025\n" + c.replace(b"\r\n", b"\n") + b"\n"
            for c in chunks
        )
    )
    items = list(iter_mbox(path, limits=MailLimits(max_message_bytes=10_000)))
    assert [i for i, _ in items] == [0, 1, 2, 3, 4, 5]
    errors = {i: str(r) for i, r in items if isinstance(r, MailParseError)}
    assert set(errors) == {2, 3}
    assert "over the 10,000-byte limit" in errors[2]
    parsed = [r for _, r in items if isinstance(r, ParsedMessage)]
    assert [m.message_id for m in parsed] == ["<m0@x>", "<m1@x>", "<m2@x>", "<m3@x>"]
    assert [m.body_text for m in parsed] == ["正文 0\n", "正文 1\n", "正文 2\n", "正文 3\n"]


def test_mbox_unescapes_from_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.mbox"
    path.write_bytes(
        b"From x Tue Jun  3 10:15:00 2025\nSubject: one\n\nline\n>From here\n>>From there\n\n"
        b"From y Tue Jun  3 10:15:00 2025\nSubject: two\n\nsecond\n"
    )
    items = [m for _, m in iter_mbox(path)]
    assert [m.subject for m in items if isinstance(m, ParsedMessage)] == ["one", "two"]
    first = items[0]
    assert isinstance(first, ParsedMessage)
    assert first.body_text == "line\nFrom here\n>From there\n"


def test_mbox_that_cannot_be_opened_raises(tmp_path: Path) -> None:
    with pytest.raises(MailParseError, match="cannot read"):
        list(iter_mbox(tmp_path / "missing.mbox"))


# --------------------------------------------------------------------------- .msg

UNICODE_MSG = SAMPLES / "unicode.msg"
STRANGE_MSG = SAMPLES / "strangeDate.msg"
needs_samples = pytest.mark.skipif(
    not (UNICODE_MSG.is_file() and STRANGE_MSG.is_file()),
    reason=f"the sample .msg files are not at {SAMPLES} (set CRM_TESTDATA_DIR)",
)


@needs_samples
def test_unicode_msg_sample() -> None:
    message = parse_msg(UNICODE_MSG)
    assert message.subject == "Test for TIF files"
    assert message.from_addr == ("Brian Zhou", "brizhou@gmail.com")
    assert ("", "brianzhou@me.com") in message.to
    assert message.sent_at is not None and message.sent_at.date().isoformat() == "2013-11-18"
    assert message.sent_at.tzinfo is not None
    assert message.message_id is not None and message.message_id.startswith("<")
    assert len(message.attachments) == 2
    assert all(a.filename.endswith(".tif") and a.size == len(a.data) for a in message.attachments)
    assert message.body_text is not None and "MS Outlook MSG Extractor" in message.body_text
    assert message.content_hash == hashlib.sha256(UNICODE_MSG.read_bytes()).hexdigest()


@needs_samples
def test_strange_date_msg_sample_copes_without_sender_or_date() -> None:
    message = parse_msg(STRANGE_MSG, fallback_date=FALLBACK)
    assert message.subject == "MSG Test File"
    assert message.from_addr is None
    assert message.to == (("", "time2talk@online-convert.com"),)
    assert message.sent_at == FALLBACK
    assert "sender missing" in message.problems
    assert message.message_id is None and message.dedupe_key.startswith("sha256:")
    assert parse_msg(STRANGE_MSG.read_bytes()).sent_at is None


def test_damaged_msg_is_rejected() -> None:
    with pytest.raises(MailParseError, match="Outlook"):
        parse_msg(b"not an OLE file at all")


@needs_samples
def test_an_msg_over_the_size_limit_is_rejected() -> None:
    with pytest.raises(MailParseError, match="over the"):
        parse_msg(UNICODE_MSG, limits=MailLimits(max_message_bytes=1000))


# --------------------------------------------------------------------------- folders


@needs_samples
def test_folder_walk_reads_every_mail_file_and_skips_others(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.eml").write_bytes(raw_message(b"a", charset=None))
    (tmp_path / "sub" / "b.MBOX").write_bytes(
        b"From x Tue Jun  3 10:15:00 2025\nSubject: b1\n\nx\n\n"
        b"From x Tue Jun  3 10:15:00 2025\nSubject: b2\n\ny\n"
    )
    (tmp_path / "sub" / "broken.eml").write_bytes(b"\x00\x01\x02")
    (tmp_path / "notes.txt").write_text("hello")
    items = list(iter_mail_files([tmp_path, UNICODE_MSG, tmp_path / "gone.eml"]))
    summary = [
        (i.path.name, i.index, i.message.subject if i.message else None, i.skipped) for i in items
    ]
    assert summary == [
        ("a.eml", None, "Test", False),
        ("notes.txt", None, None, True),
        ("b.MBOX", 0, "b1", False),
        ("b.MBOX", 1, "b2", False),
        ("broken.eml", None, None, False),
        ("unicode.msg", None, "Test for TIF files", False),
        ("gone.eml", None, None, False),
    ]
    errors = {i.path.name: i.error for i in items if i.error}
    assert "not a mail file" in (errors["notes.txt"] or "")
    assert "no header fields" in (errors["broken.eml"] or "")
    assert "cannot read" in (errors["gone.eml"] or "")
