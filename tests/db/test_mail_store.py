"""Mail storage and linking on real SQLite and PostgreSQL: each message once, raw bytes and
attachments kept, the linking rules in DESIGN §7's order, the unlinked queue, manual linking,
re-linking after an address is added, imports with problems and cancel."""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm_desktop.core.errors import OperationCancelled, PermissionDenied, ValidationError
from crm_desktop.core.progress import ProgressState
from crm_desktop.db.models import Attachment, AuditLog, EmailMessage, ImportBatch
from crm_desktop.mail.parse import parse_eml
from crm_desktop.services.customers import ContactInput, add_contact
from crm_desktop.services.mail_store import (
    get_free_mail_domains,
    import_mail_files,
    link_message,
    relink,
    relink_candidates,
    set_free_mail_domains,
    store_message,
    unlinked_messages,
)
from tests.db.customer_world import World, open_world

NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    yield from open_world(db_url)


def eml(
    *,
    frm: str = "stranger@nowhere.example",
    to: str = "li@ourco.example",
    cc: str | None = None,
    subject: str = "询价",
    body: str = "您好，请报价。",
    msgid: str | None = "<m1@example>",
    in_reply_to: str | None = None,
    references: str | None = None,
    attachments: tuple[tuple[str, bytes], ...] = (),
) -> bytes:
    msg: MIMEMultipart | MIMEText
    if attachments:
        msg = MIMEMultipart()
        msg.attach(MIMEText(body, "plain", "utf-8"))
        for name, data in attachments:
            part = MIMEApplication(data)
            part.add_header("Content-Disposition", "attachment", filename=name)
            msg.attach(part)
    else:
        msg = MIMEText(body, "plain", "utf-8")
    msg["From"] = frm
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Date"] = "Mon, 06 May 2024 10:00:00 +0800"
    if msgid:
        msg["Message-ID"] = msgid
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    return msg.as_bytes()


def store(world: World, data: bytes, actor=None):
    with world.db.session_factory.begin() as s:
        return store_message(s, parse_eml(data), actor or world.admin, now=NOW)


def contact(world: World, customer_id: int, email: str, name: str = "联系人") -> int:
    with world.db.session_factory.begin() as s:
        return add_contact(s, customer_id, ContactInput(name=name, email=email), world.admin).id


def count(world: World, model: type) -> int:
    with world.db.read_session_factory.begin() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def row(world: World, email_id: int) -> EmailMessage:
    with world.db.read_session_factory.begin() as s:
        message = s.get(EmailMessage, email_id)
        assert message is not None
        s.expunge(message)
        return message


# --------------------------------------------------------------------------- storage


def test_store_keeps_raw_and_fields_and_restoring_writes_nothing(world: World) -> None:
    data = eml(frm=formataddr(("王总", "wang@acme.example")), cc="x@y.example")
    first = store(world, data)
    assert first.created and first.link_method == "none" and first.customer_id is None
    stored = row(world, first.email_id)
    assert stored.raw is not None and zlib.decompress(stored.raw) == data
    assert len(stored.raw) < len(data) * 2 and stored.size == len(data)
    assert stored.message_id == "<m1@example>" and stored.thread_key == "<m1@example>"
    assert stored.subject == "询价" and "请报价" in (stored.body_text or "")
    assert stored.from_addr == "王总 <wang@acme.example>" and stored.cc_addrs == "x@y.example"
    assert stored.owner_id == world.admin.id  # unlinked: in the importer's queue
    again = store(world, data)
    assert not again.created and again.email_id == first.email_id
    assert count(world, EmailMessage) == 1


def test_content_hash_dedupes_without_message_id(world: World) -> None:
    a = eml(msgid=None, body="一")
    b = eml(msgid=None, body="二")
    ra, rb, ra2 = store(world, a), store(world, b), store(world, a)
    assert ra.created and rb.created and not ra2.created and ra2.email_id == ra.email_id
    assert row(world, ra.email_id).message_id.startswith("sha256:")
    assert count(world, EmailMessage) == 2


def test_attachments_sanitized_with_sha256(world: World) -> None:
    import hashlib

    payload = b"%PDF-1.4 quote"
    data = eml(attachments=(("../../etc/报价单.pdf", payload), ("CON.txt", b"x")))
    result = store(world, data)
    with world.db.read_session_factory.begin() as s:
        rows = s.execute(
            select(Attachment.filename, Attachment.size, Attachment.sha256, Attachment.data)
            .where(Attachment.email_id == result.email_id)
            .order_by(Attachment.id)
        ).all()
    assert len(rows) == 2
    name, size, digest, stored = rows[0]
    assert name == "报价单.pdf" and size == len(payload) and stored == payload
    assert digest == hashlib.sha256(payload).hexdigest()
    assert "/" not in rows[1][0] and rows[1][0].upper() != "CON.TXT"


def test_sent_by_the_actor_is_outgoing(world: World) -> None:
    from crm_desktop.db.models import AppUser

    with world.db.session_factory.begin() as s:
        user = s.get(AppUser, world.li.id)
        assert user is not None
        user.email = "li@ourco.example"
    out = store(world, eml(frm="li@ourco.example", to="buyer@acme.example"), world.li)
    inbound = store(world, eml(msgid="<m2@x>", frm="buyer@acme.example"), world.li)
    assert row(world, out.email_id).direction == "out"
    assert row(world, inbound.email_id).direction == "in"


# --------------------------------------------------------------------------- linking rules


def test_contact_address_beats_customer_address(world: World) -> None:
    by_customer = world.new_customer(name="甲公司", email="info@jia.example", owner_id=world.li.id)
    other = world.new_customer(name="乙公司", owner_id=world.wang.id)
    person = contact(world, other, "zhao@yi.example")
    # The customer's address is the sender, the contact's only in Cc: the contact rule wins.
    result = store(world, eml(frm="info@jia.example", cc="Zhao <ZHAO@yi.example>"))
    assert (result.link_method, result.customer_id, result.contact_id) == (
        "address",
        other,
        person,
    )
    assert row(world, result.email_id).owner_id == world.wang.id
    only_customer = store(world, eml(msgid="<m2@x>", frm="info@jia.example"))
    assert (only_customer.link_method, only_customer.customer_id) == ("address", by_customer)
    assert only_customer.contact_id is None
    assert row(world, only_customer.email_id).owner_id == world.li.id


def test_customer_address_beats_domain(world: World) -> None:
    by_domain = world.new_customer(name="丙公司", email="sales@bing.example")
    by_address = world.new_customer(name="丁公司", email="boss@ding.example")
    result = store(world, eml(frm="someone@bing.example", to="boss@ding.example"))
    assert (result.link_method, result.customer_id) == ("address", by_address)
    domain_only = store(world, eml(msgid="<m2@x>", frm="new.person@bing.example"))
    assert (domain_only.link_method, domain_only.customer_id) == ("domain", by_domain)


def test_domain_of_a_contact_links_and_ambiguous_domain_does_not(world: World) -> None:
    one = world.new_customer(name="戊公司")
    contact(world, one, "a@wu.example")
    assert store(world, eml(frm="b@wu.example")).customer_id == one
    world.new_customer(name="己公司", email="x@shared.example")
    world.new_customer(name="庚公司", email="y@shared.example")
    ambiguous = store(world, eml(msgid="<m2@x>", frm="z@shared.example"))
    assert ambiguous.link_method == "none" and ambiguous.customer_id is None


def test_free_mail_domain_never_links_by_domain(world: World) -> None:
    customer = world.new_customer(name="个人客户", email="zhang.san@qq.com")
    result = store(world, eml(frm="li.si@qq.com"))
    assert result.link_method == "none"
    exact = store(world, eml(msgid="<m2@x>", frm="zhang.san@qq.com"))
    assert (exact.link_method, exact.customer_id) == ("address", customer)
    # A subdomain of a free-mail domain counts as free mail too.
    world.new_customer(name="新浪客户", email="a@vip.sina.com")
    assert store(world, eml(msgid="<m3@x>", frm="b@vip.sina.com")).link_method == "none"


def test_free_mail_list_is_editable_by_admin_and_audited(world: World) -> None:
    customer = world.new_customer(name="坏域名客户", email="a@custom-free.example")
    with world.db.session_factory.begin() as s:
        assert "qq.com" in get_free_mail_domains(s)
        with pytest.raises(PermissionDenied):
            set_free_mail_domains(s, ["x.example"], world.li)
        with pytest.raises(ValidationError):
            set_free_mail_domains(s, ["not a domain"], world.admin)
        saved = set_free_mail_domains(s, ["@Custom-Free.example", "qq.com", "qq.com"], world.admin)
    assert saved == ["custom-free.example", "qq.com"]
    assert store(world, eml(frm="b@custom-free.example")).link_method == "none"
    with world.db.session_factory.begin() as s:
        set_free_mail_domains(s, ["qq.com"], world.admin)
    linked = store(world, eml(msgid="<m2@x>", frm="c@custom-free.example"))
    assert linked.customer_id == customer
    with world.db.read_session_factory.begin() as s:
        actions = s.scalars(select(AuditLog.action).where(AuditLog.action == "setting.update"))
        assert len(list(actions)) == 2


def test_thread_links_a_reply_without_known_addresses(world: World) -> None:
    customer = world.new_customer(name="辛公司", email="buyer@xin.example")
    first = store(world, eml(msgid="<root@xin>", frm="buyer@xin.example"))
    assert first.customer_id == customer
    reply = store(
        world,
        eml(
            msgid="<r2@gmail>",
            frm="forwarded@gmail.com",
            in_reply_to="<root@xin>",
            references="<root@xin>",
        ),
    )
    assert (reply.link_method, reply.customer_id) == ("thread", customer)
    lone = store(world, eml(msgid="<r3@gmail>", frm="other@gmail.com", references="<nope@x>"))
    assert lone.link_method == "none"


def test_domain_beats_thread(world: World) -> None:
    a = world.new_customer(name="壬公司", email="a@ren.example")
    b = world.new_customer(name="癸公司", email="b@gui.example")
    store(world, eml(msgid="<root@ren>", frm="a@ren.example"))
    reply = store(world, eml(msgid="<r@gui>", frm="x@gui.example", references="<root@ren>"))
    assert (reply.link_method, reply.customer_id) == ("domain", b)
    assert a != b


def test_company_addresses_never_link(world: World) -> None:
    from crm_desktop.db.models import AppUser

    with world.db.session_factory.begin() as s:
        user = s.get(AppUser, world.li.id)
        assert user is not None
        user.email = "li@ourco.example"
    # A customer record that (wrongly) carries a colleague's domain does not catch all mail.
    world.new_customer(name="错误客户", email="someone@ourco.example")
    result = store(world, eml(frm="stranger@gmail.com", to="li@ourco.example"))
    assert result.link_method == "none"


# --------------------------------------------------------------------------- queue and manual


def test_unlinked_queue_manual_link_audited(world: World) -> None:
    customer = world.new_customer(name="手动客户", owner_id=world.li.id)
    person = contact(world, customer, "p@manual.example")
    mine = store(world, eml(msgid="<q1@x>", frm="who@gmail.com"), world.li)
    theirs = store(world, eml(msgid="<q2@x>", frm="who2@gmail.com"), world.chen)
    with world.db.session_factory.begin() as s:
        assert [m.id for m in unlinked_messages(s, world.li)] == [mine.email_id]
        assert {m.id for m in unlinked_messages(s, world.admin)} == {
            mine.email_id,
            theirs.email_id,
        }
        with pytest.raises(PermissionDenied):  # not in li's queue
            link_message(s, theirs.email_id, customer, actor=world.li)
    # chen cannot see li's customer
    with world.db.session_factory.begin() as s, pytest.raises(PermissionDenied):
        link_message(s, theirs.email_id, customer, actor=world.chen)
    with world.db.session_factory.begin() as s:
        result = link_message(s, mine.email_id, customer, person, actor=world.li)
    assert (result.link_method, result.customer_id, result.contact_id) == (
        "manual",
        customer,
        person,
    )
    stored = row(world, mine.email_id)
    assert (stored.link_method, stored.customer_id, stored.owner_id) == (
        "manual",
        customer,
        world.li.id,
    )
    with world.db.read_session_factory.begin() as s:
        assert [m.id for m in unlinked_messages(s, world.li)] == []
        audit_row = s.execute(
            select(AuditLog.actor, AuditLog.detail).where(
                AuditLog.action == "mail.link", AuditLog.entity_id == mine.email_id
            )
        ).one()
    assert audit_row[0] == "li" and audit_row[1]["customer_id"] == [None, customer]


def test_relink_after_adding_a_contact_address(world: World) -> None:
    customer = world.new_customer(name="后加地址客户")
    match = store(world, eml(msgid="<a@x>", frm="Late <late@gmail.com>"))
    near_miss = store(world, eml(msgid="<b@x>", frm="notlate@gmail.com"))
    other = store(world, eml(msgid="<c@x>", frm="else@gmail.com"))
    with world.db.session_factory.begin() as s:
        assert relink_candidates(s, customer) == []
    person = contact(world, customer, "late@gmail.com")
    with world.db.session_factory.begin() as s:
        assert relink_candidates(s, customer) == [match.email_id]
        linked = relink(s, customer, [match.email_id, other.email_id], world.admin)
    assert linked == [match.email_id]
    stored = row(world, match.email_id)
    assert (stored.customer_id, stored.contact_id, stored.link_method) == (
        customer,
        person,
        "address",
    )
    assert row(world, near_miss.email_id).customer_id is None
    assert row(world, other.email_id).customer_id is None
    with world.db.read_session_factory.begin() as s:
        assert relink_candidates(s, customer) == []
        assert s.scalar(select(func.count()).where(AuditLog.action == "mail.relink")) == 1


# --------------------------------------------------------------------------- import


def mail_dir(tmp_path: Path) -> Path:
    """A folder of its own: tmp_path also holds the SQLite database."""
    folder = tmp_path / "mail"
    folder.mkdir()
    return folder


def mbox(messages: list[bytes]) -> bytes:
    out = b""
    for data in messages:
        out += b"From sender@example Mon May  6 10:00:00 2024\n" + data.replace(b"\r\n", b"\n")
        out += b"\n\n"
    return out


def test_import_mbox_with_a_broken_message_and_reimport(world: World, tmp_path: Path) -> None:
    tmp_path = mail_dir(tmp_path)
    customer = world.new_customer(name="导入客户", email="buyer@imp.example")
    good = [eml(msgid=f"<i{i}@x>", frm="buyer@imp.example") for i in range(3)]
    box = tmp_path / "box.mbox"
    # The second message is only blank lines: the parser rejects it, the others import.
    box.write_bytes(mbox([good[0]]) + b"From x Mon May  6 10:00:00 2024\n\n\n" + mbox(good[1:]))
    single = tmp_path / "one.eml"
    single.write_bytes(eml(msgid="<single@x>", frm="nobody@gmail.com"))
    (tmp_path / "notes.txt").write_text("not mail")
    reports: list[int] = []
    progress = ProgressState(lambda done, _t, _l: reports.append(done))
    with world.db.session_factory.begin() as s:
        result = import_mail_files(s, [tmp_path], world.admin, progress, now=NOW)
    assert (result.files, result.messages, result.stored, result.duplicates) == (2, 4, 4, 0)
    assert (result.linked, result.unlinked) == (3, 1)
    reasons = {(Path(p.path).name, p.index) for p in result.problems}
    assert reasons == {("box.mbox", 1), ("notes.txt", None)}
    assert reports and reports[-1] == 4
    with world.db.read_session_factory.begin() as s:
        batch = s.get(ImportBatch, result.batch_id)
        assert batch is not None and batch.kind == "mail" and batch.counts is not None
        assert batch.counts["stored"] == 4
        ids = s.scalars(
            select(EmailMessage.customer_id).where(EmailMessage.import_batch_id == result.batch_id)
        )
        assert sorted(i or 0 for i in ids) == [0, customer, customer, customer]
        assert s.scalar(select(func.count()).where(AuditLog.action == "mail.import")) == 1
    with world.db.session_factory.begin() as s:
        again = import_mail_files(s, [box, single], world.admin, now=NOW)
    assert (again.messages, again.stored, again.duplicates, again.linked) == (4, 0, 4, 0)
    assert count(world, EmailMessage) == 4


def test_same_message_twice_in_one_import_is_stored_once(world: World, tmp_path: Path) -> None:
    tmp_path = mail_dir(tmp_path)
    data = eml(msgid="<twice@x>")
    (tmp_path / "a.eml").write_bytes(data)
    (tmp_path / "b.eml").write_bytes(data)
    with world.db.session_factory.begin() as s:
        result = import_mail_files(s, [tmp_path], world.admin, now=NOW)
    assert (result.messages, result.stored, result.duplicates) == (2, 1, 1)
    assert count(world, EmailMessage) == 1


def test_cancel_rolls_back_everything(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_desktop.services import mail_store

    tmp_path = mail_dir(tmp_path)
    for i in range(5):
        (tmp_path / f"{i}.eml").write_bytes(eml(msgid=f"<c{i}@x>"))

    def cancel_after_first_chunk(done: int, _total: int | None, _label: str | None) -> None:
        progress.cancel()

    progress = ProgressState(cancel_after_first_chunk)
    monkeypatch.setattr(mail_store, "CHUNK_MESSAGES", 2)
    with pytest.raises(OperationCancelled), world.db.session_factory.begin() as s:
        import_mail_files(s, [tmp_path], world.admin, progress, now=NOW)
    assert progress.done == 2  # one chunk was written before the cancel
    assert count(world, EmailMessage) == 0
    assert count(world, ImportBatch) == 0


def test_mail_bombs_are_refused_within_seconds_while_the_other_files_import(
    world: World, tmp_path: Path
) -> None:
    tmp_path = mail_dir(tmp_path)
    customer = world.new_customer(name="炸弹旁的客户", email="buyer@bomb.example")
    (tmp_path / "good.eml").write_bytes(eml(msgid="<good@x>", frm="buyer@bomb.example"))
    parts = b"".join(b"--B\r\nContent-Type: text/plain\r\n\r\n%d\r\n" % i for i in range(10_000))
    (tmp_path / "parts.eml").write_bytes(
        b"Subject: parts\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
        + parts
        + b"--B--\r\n"
    )
    nested = b"Content-Type: text/plain\r\n\r\ninner\r\n"
    for level in range(2_000):
        b = b"L%d" % level
        nested = (
            b"Content-Type: multipart/mixed; boundary="
            + b
            + b"\r\n\r\n--"
            + b
            + b"\r\n"
            + nested
            + b"\r\n--"
            + b
            + b"--\r\n"
        )
    (tmp_path / "deep.eml").write_bytes(b"Subject: deep\r\n" + nested)
    words = " ".join(["=?utf-8?B?54K4?="] * 100_000).encode()
    (tmp_path / "words.eml").write_bytes(
        b"Subject: " + words + b"\r\nFrom: a@b.example\r\n\r\nbody\r\n"
    )
    started = time.perf_counter()
    with world.db.session_factory.begin() as s:
        result = import_mail_files(s, [tmp_path], world.admin, now=NOW)
    assert time.perf_counter() - started < 10
    assert (result.stored, result.linked) == (1, 1)
    reasons = {Path(p.path).name: p.reason for p in result.problems}
    assert set(reasons) == {"parts.eml", "deep.eml", "words.eml"}
    assert all("mail bomb" in reason for reason in reasons.values())
    assert "MIME parts" in reasons["parts.eml"] and "nested" in reasons["deep.eml"]
    with world.db.read_session_factory.begin() as s:
        assert s.scalar(select(EmailMessage.customer_id)) == customer
