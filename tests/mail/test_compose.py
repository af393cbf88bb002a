"""Building outgoing mail: what ``build_message`` writes comes back intact through our own
parser (Chinese names, subjects, bodies and attachment names included), and bad addresses or
sizes are refused with a sentence that says which and why."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from crm_desktop.core.errors import ValidationError
from crm_desktop.mail import compose
from crm_desktop.mail.compose import (
    OutgoingAttachment,
    build_message,
    check_address,
    format_address,
    parse_recipients,
    reply_subject,
    split_addresses,
    thread_references,
)
from crm_desktop.mail.parse import parse_eml

NOW = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
SENDER = ("王芳", "wangfang@ourco.example")


def test_chinese_headers_body_and_attachment_names_round_trip() -> None:
    body = "张经理您好：\n\n附件是新的报价单，请查收。\n价格有效期 30 天。\n\n王芳\n"
    built = build_message(
        sender=SENDER,
        to=[("张伟", "zhang.wei@huawei.example"), ("Li, Ming", "li.ming@huawei.example")],
        cc=[("", "boss@ourco.example")],
        subject="关于 2025 年度报价单的确认 — Quotation 2025",
        body=body,
        attachments=(
            OutgoingAttachment("报价单（2025 版）.pdf", b"%PDF-1.4 fake"),
            OutgoingAttachment("参数表.xlsx", b"PK\x03\x04 fake", "application/vnd.ms-excel"),
            OutgoingAttachment("notes.txt", "中文说明".encode()),
        ),
        date=NOW,
    )
    raw = built.raw
    assert raw.isascii(), "headers and bodies are encoded: no raw 8-bit bytes"
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert b"filename*" in raw  # RFC 2231 names
    parsed = parse_eml(raw)
    assert parsed.problems == ()
    assert parsed.subject == "关于 2025 年度报价单的确认 — Quotation 2025"
    assert parsed.from_addr == ("王芳", "wangfang@ourco.example")
    assert parsed.to == (
        ("张伟", "zhang.wei@huawei.example"),
        ("Li, Ming", "li.ming@huawei.example"),
    )
    assert parsed.cc == (("", "boss@ourco.example"),)
    assert parsed.body_text == body
    assert [(a.filename, a.mime, a.data) for a in parsed.attachments] == [
        ("报价单（2025 版）.pdf", "application/pdf", b"%PDF-1.4 fake"),
        ("参数表.xlsx", "application/vnd.ms-excel", b"PK\x03\x04 fake"),
        ("notes.txt", "text/plain", "中文说明".encode()),
    ]
    assert parsed.sent_at == NOW
    assert parsed.message_id == built.message_id
    assert re.fullmatch(r"<\d+\.[0-9a-f]{24}@ourco\.example>", built.message_id)
    assert built.sender == "wangfang@ourco.example"
    assert built.recipients == (
        "zhang.wei@huawei.example",
        "li.ming@huawei.example",
        "boss@ourco.example",
    )
    assert raw.count(b"MIME-Version") == 1


def test_long_chinese_subject_and_filename_fold_and_come_back_whole() -> None:
    subject = "关于上海东方精密机械有限公司年度框架采购合同的技术参数与商务条款确认" * 3
    name = "上海东方精密机械有限公司的报价单和技术参数说明书第二版修订稿2025年7月.pdf"
    built = build_message(
        sender=SENDER,
        to=[("", "a@b.example")],
        subject=subject,
        body="x" * 3000 + "\n" + "很长的一行" * 400,
        attachments=(OutgoingAttachment(name, b"data"),),
        date=NOW,
    )
    assert max(len(line) for line in built.raw.split(b"\r\n")) <= 78
    parsed = parse_eml(built.raw)
    assert parsed.subject == subject
    assert parsed.attachments[0].filename == name
    assert parsed.body_text == "x" * 3000 + "\n" + "很长的一行" * 400 + "\n"


def test_ascii_mail_stays_readable_and_date_keeps_the_local_offset() -> None:
    beijing = timezone(timedelta(hours=8))
    built = build_message(
        sender=("Emma Walker", "emma@northwind.example"),
        to=[("Grace Chen", "grace@eastbridge.example")],
        subject="Samples",
        body="Hello Grace,\r\nthe samples ship on Monday.\r\n",
        date=datetime(2025, 3, 4, 13, 0, tzinfo=beijing),
    )
    text = built.raw.decode("ascii")
    assert "Subject: Samples\r\n" in text
    assert "From: Emma Walker <emma@northwind.example>\r\n" in text
    assert "Hello Grace,\r\nthe samples ship on Monday.\r\n" in text
    assert parse_eml(built.raw).sent_at == datetime(2025, 3, 4, 5, 0, tzinfo=UTC)


def test_reply_headers_are_written() -> None:
    refs = thread_references(("<root@x>", "<mid@x>"), "<mid@x>", "<parent@x>")
    assert refs == ("<root@x>", "<mid@x>", "<parent@x>")
    built = build_message(
        sender=SENDER,
        to=[("", "a@b.example")],
        subject=reply_subject("询价"),
        body="好的",
        in_reply_to="<parent@x>",
        references=refs,
        date=NOW,
    )
    parsed = parse_eml(built.raw)
    assert parsed.in_reply_to == "<parent@x>"
    assert parsed.references == refs
    assert parsed.thread_key == "<root@x>"
    assert parsed.subject == "Re: 询价"


def test_thread_references_of_a_first_message_and_of_a_long_thread() -> None:
    assert thread_references((), None, "<only@x>") == ("<only@x>",)
    assert thread_references((), "<parent@x>", "<me@x>") == ("<parent@x>", "<me@x>")
    assert thread_references((), None, "sha256:abc") == ()
    long = tuple(f"<m{i}@x>" for i in range(40))
    refs = thread_references(long, None, "<me@x>")
    assert len(refs) == compose.MAX_REFERENCES
    assert refs[0] == "<m0@x>" and refs[-1] == "<me@x>"


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("询价", "Re: 询价"),
        ("Re: 询价", "Re: 询价"),
        ("RE:Offer", "RE:Offer"),
        ("回复：询价", "回复：询价"),
        ("答复: 询价", "答复: 询价"),
        ("", "Re:"),
        ("Reply needed", "Re: Reply needed"),
    ],
)
def test_reply_subject(subject: str, expected: str) -> None:
    assert reply_subject(subject) == expected


def test_split_addresses_respects_quotes_and_chinese_separators() -> None:
    text = '"Li, Ming" <li@x.example>; 张伟 <zhang@x.example>，wang@x.example\n  ,  '
    assert split_addresses(text) == (
        '"Li, Ming" <li@x.example>',
        "张伟 <zhang@x.example>",
        "wang@x.example",
    )
    assert split_addresses("  ") == ()


def test_parse_recipients_names_the_bad_entry() -> None:
    good = parse_recipients(["张伟 <Zhang@X.Example>", "zhang@x.example", "b@c.example"], "To")
    assert good == (("张伟", "Zhang@x.example"), ("", "b@c.example"))
    for bad, words in (
        ("zhang", "one @"),
        ("zhang@", "name before the @"),
        ("zhang@localhost", "not a valid domain"),
        ("zh ang@x.example", "no spaces"),
        ("张伟@x.example", "Latin letters"),
        ("a@b..example", "not a valid domain"),
        ("张伟 <zhang@x.example", "do not match"),
    ):
        with pytest.raises(ValidationError) as caught:
            parse_recipients(["ok@x.example", bad], "Cc")
        message = str(caught.value)
        assert message.startswith(f"Cc: {bad!r} is not a valid email address"), message
        assert words in message, message
        assert "cc" in caught.value.fields


def test_international_domains_become_ascii() -> None:
    assert check_address("info@例子.中国") == "info@xn--fsqu00a.xn--fiqs8s"


def test_format_address_quotes_what_needs_it() -> None:
    assert format_address("张伟", "z@x.example") == "张伟 <z@x.example>"
    assert format_address("Li, Ming", "l@x.example") == '"Li, Ming" <l@x.example>'
    assert format_address("", "l@x.example") == "l@x.example"
    assert parse_recipients([format_address('A "B", C', "a@x.example")], "To") == (
        ('A "B", C', "a@x.example"),
    )


def test_no_recipient_is_refused() -> None:
    with pytest.raises(ValidationError, match="Add at least one recipient"):
        build_message(sender=SENDER, to=[], subject="x", body="y")


def test_bad_sender_is_refused() -> None:
    with pytest.raises(ValidationError, match="sending account's address"):
        build_message(sender=("", "not-an-address"), to=[("", "a@b.example")], subject="", body="")


def test_too_many_recipients_are_refused() -> None:
    many = [("", f"p{i}@x.example") for i in range(compose.MAX_RECIPIENTS + 1)]
    with pytest.raises(ValidationError, match=f"At most {compose.MAX_RECIPIENTS} recipients"):
        build_message(sender=SENDER, to=many, subject="x", body="y")


def test_attachments_over_the_cap_are_refused_with_their_size() -> None:
    big = OutgoingAttachment("big.bin", b"\0" * (compose.MAX_ATTACHMENT_BYTES + 1))
    with pytest.raises(ValidationError) as caught:
        build_message(
            sender=SENDER, to=[("", "a@b.example")], subject="", body="", attachments=(big,)
        )
    assert "18.0 MB" in str(caught.value)
    assert caught.value.fields == {"attachments": "at most 18.0 MB"}


def test_filenames_are_made_safe() -> None:
    built = build_message(
        sender=SENDER,
        to=[("", "a@b.example")],
        subject="",
        body="",
        attachments=(OutgoingAttachment("../../etc/CON.txt", b"x"),),
    )
    assert parse_eml(built.raw).attachments[0].filename == "_CON.txt"


def test_format_size() -> None:
    assert compose.format_size(512) == "512 bytes"
    assert compose.format_size(35_328) == "34.5 KB"
    assert compose.format_size(18 * 1024 * 1024) == "18.0 MB"
