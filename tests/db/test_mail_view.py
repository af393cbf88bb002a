"""The Mail page's service on real SQLite and PostgreSQL: who sees which mail, keyset paging in
a stable order (undated mail last), linking by hand with the address taught to the contact so
the rest of that address's mail follows, ignoring and restoring, threads, one message with its
attachments and original bytes, and the audit rows of every write."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime

import pytest
from sqlalchemy import select

from crm_desktop.core.errors import NotFound, PermissionDenied, ValidationError
from crm_desktop.db.models import AuditLog, EmailMessage
from crm_desktop.mail.parse import parse_eml
from crm_desktop.services.context import Actor
from crm_desktop.services.customers import ContactInput, add_contact, get_customer
from crm_desktop.services.mail_store import store_message
from crm_desktop.services.mail_view import (
    MailQuery,
    count_address_followers,
    count_mail,
    customer_mail,
    get_attachment_data,
    get_message,
    get_raw_message,
    ignore_messages,
    link_messages,
    list_mail,
    list_statements,
    mail_counts,
    unignore_messages,
)
from tests.db.customer_world import World, open_world

BASE = datetime(2024, 5, 6, 8, 0, tzinfo=UTC)


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    yield from open_world(db_url)


def eml(
    n: int,
    *,
    frm: str = "stranger@nowhere.example",
    to: str = "office@ourco.example",
    subject: str | None = None,
    when: datetime | None = BASE,
    attachment: tuple[str, bytes] | None = None,
    in_reply_to: str | None = None,
) -> bytes:
    body = MIMEText(f"正文 {n}", "plain", "utf-8")
    msg: MIMEMultipart | MIMEText = body
    if attachment is not None:
        msg = MIMEMultipart()
        msg.attach(body)
        part = MIMEApplication(attachment[1])
        part.add_header("Content-Disposition", "attachment", filename=attachment[0])
        msg.attach(part)
    msg["From"] = frm
    msg["To"] = to
    msg["Subject"] = subject if subject is not None else f"询价 {n}"
    if when is not None:
        msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<m{n}@example>"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    return msg.as_bytes()


def store(world: World, data: bytes, actor: Actor) -> int:
    with world.db.session_factory.begin() as s:
        return store_message(s, parse_eml(data), actor).email_id


def ids_of(world: World, query: MailQuery, actor: Actor) -> list[int]:
    with world.db.read_session_factory() as s:
        return [r.id for r in list_mail(s, query, actor)]


def counted(world: World, query: MailQuery, actor: Actor) -> int:
    with world.db.read_session_factory() as s:
        return count_mail(s, query, actor)


def audit_actions(world: World) -> list[tuple[str, str, int | None]]:
    with world.db.read_session_factory() as s:
        return [
            (a.action, a.entity, a.entity_id)
            for a in s.scalars(select(AuditLog).order_by(AuditLog.id))
            if a.action.startswith(("mail.", "contact."))
        ]


@pytest.fixture
def mail(world: World) -> dict[str, int]:
    """Li's customer (mail linked by address), Chen's customer in Guangzhou, unlinked mail in
    Li's, Wang's and Chen's queues."""
    li_customer = world.new_customer(world.li, name="上海华通", email="buy@huatong.example")
    chen_customer = world.new_customer(world.chen, name="广州南方", email="info@nanfang.example")
    return {
        "li_customer": li_customer,
        "chen_customer": chen_customer,
        "li_linked": store(world, eml(1, frm="buy@huatong.example"), world.li),
        "chen_linked": store(world, eml(2, frm="info@nanfang.example"), world.chen),
        "li_unlinked": store(world, eml(3, frm="a@unknown.example"), world.li),
        "wang_unlinked": store(world, eml(4, frm="b@unknown.example"), world.wang),
        "chen_unlinked": store(world, eml(5, frm="c@unknown.example"), world.chen),
    }


# --------------------------------------------------------------------------- rights


def test_salesperson_sees_own_customers_mail_and_own_queue_only(
    world: World, mail: dict[str, int]
) -> None:
    assert ids_of(world, MailQuery(scope="unlinked"), world.li) == [mail["li_unlinked"]]
    assert set(ids_of(world, MailQuery(scope="all"), world.li)) == {
        mail["li_linked"],
        mail["li_unlinked"],
    }
    assert set(ids_of(world, MailQuery(scope="all"), world.chen)) == {
        mail["chen_linked"],
        mail["chen_unlinked"],
    }
    with world.db.read_session_factory() as s:
        with pytest.raises(NotFound):
            get_message(s, mail["chen_linked"], world.li)
        with pytest.raises(NotFound):
            get_message(s, mail["wang_unlinked"], world.li)
        counts = mail_counts(s, world.li)
    assert (counts.unlinked, counts.all, counts.ignored) == (1, 2, 0)


def test_manager_sees_the_branch_and_admin_everything(world: World, mail: dict[str, int]) -> None:
    assert set(ids_of(world, MailQuery(scope="unlinked"), world.manager)) == {
        mail["li_unlinked"],
        mail["wang_unlinked"],
    }
    assert set(ids_of(world, MailQuery(scope="all"), world.manager)) == {
        mail["li_linked"],
        mail["li_unlinked"],
        mail["wang_unlinked"],
    }
    assert counted(world, MailQuery(scope="all"), world.admin) == 5
    assert counted(world, MailQuery(scope="unlinked"), world.admin) == 3


def test_search_and_customer_filter(world: World, mail: dict[str, int]) -> None:
    assert ids_of(world, MailQuery(scope="all", text="询价 3"), world.admin) == [
        mail["li_unlinked"]
    ]
    assert ids_of(world, MailQuery(scope="all", text="NANFANG"), world.admin) == [
        mail["chen_linked"]
    ]
    assert ids_of(world, MailQuery(scope="all", text="100%"), world.admin) == []
    query = MailQuery(scope="all", customer_id=mail["li_customer"])
    assert ids_of(world, query, world.admin) == [mail["li_linked"]]
    with pytest.raises(ValidationError):
        ids_of(world, MailQuery(scope="spam"), world.admin)


# --------------------------------------------------------------------------- paging


def test_keyset_pages_are_complete_in_order_with_undated_mail_last(world: World) -> None:
    stored = []
    for n in range(23):
        when = None if n % 7 == 3 else BASE - timedelta(hours=n % 5)  # repeats and gaps
        stored.append(store(world, eml(100 + n, when=when), world.li))
    seen: list[int] = []
    before = None
    with world.db.read_session_factory() as s:
        while True:
            page = list_mail(s, MailQuery(scope="unlinked", limit=4, before=before), world.li)
            seen += [r.id for r in page]
            if len(page) < 4:
                break
            before = page[-1].keyset
        rows = {r.id: r for r in list_mail(s, MailQuery(scope="unlinked", limit=100), world.li)}
    assert sorted(seen) == sorted(stored) and len(seen) == len(set(seen))
    assert seen == list(rows)
    dated = [rows[i] for i in seen if rows[i].sent_at is not None]
    undated = [rows[i] for i in seen if rows[i].sent_at is None]
    assert seen == [r.id for r in dated + undated]  # undated mail comes last
    assert [(r.sent_at, r.id) for r in dated] == sorted(
        ((r.sent_at, r.id) for r in dated), reverse=True
    )
    assert [r.id for r in undated] == sorted((r.id for r in undated), reverse=True)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # SQLite's EXPLAIN QUERY PLAN
def test_list_queries_use_the_mail_indexes_on_sqlite(world: World) -> None:
    assert world.db.engine.dialect.name == "sqlite"
    with world.db.read_session_factory() as s:
        for actor, scope, index in (
            (world.li, "unlinked", "ix_email_message_owner_id_customer_id_sent_at"),
            (world.admin, "all", "ix_email_message_sent_at_id"),
            (world.admin, "unlinked", "ix_email_message_customer_id_sent_at"),
        ):
            before = (BASE, 10)
            statement = list_statements(MailQuery(scope=scope, before=before), actor)[0]
            compiled = statement.compile(dialect=s.get_bind().dialect)
            params = tuple(str(compiled.params[k]) for k in compiled.positiontup or ())
            plan = s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), params)
            detail = " | ".join(str(row[-1]) for row in plan)
            assert index in detail, (scope, detail)
            assert "USE TEMP B-TREE FOR ORDER BY" not in detail, (scope, detail)


# --------------------------------------------------------------------------- linking


def test_link_with_address_teaches_the_contact_and_brings_the_rest(world: World) -> None:
    customer = world.new_customer(world.li, name="苏州恒通", email="sales@hengtong.example")
    with world.db.session_factory.begin() as s:
        contact = add_contact(s, customer, ContactInput(name="周经理"), world.li).id
    first = store(world, eml(10, frm="Zhou <zhou@163.example>"), world.li)
    second = store(world, eml(11, frm="zhou@163.example", when=BASE - timedelta(days=1)), world.li)
    reply = store(
        world, eml(12, frm="li@ourco.example", to="ZHOU@163.example"), world.wang
    )  # outgoing, another queue: the address follows company-wide
    other = store(world, eml(13, frm="nobody@163.example"), world.li)
    with world.db.read_session_factory() as s:
        assert count_address_followers(s, "zhou@163.example", world.li, exclude=[first]) == 2
    with world.db.session_factory.begin() as s:
        result = link_messages(
            s, [first], customer, world.li, contact_id=contact, add_address_to_contact=True
        )
    assert result.linked == (first,) and result.address == "zhou@163.example"
    assert result.address_added and result.address_conflict is None
    assert sorted(result.followed) == sorted([second, reply])
    with world.db.read_session_factory() as s:
        detail = get_customer(s, customer, world.li)
        assert [c.email for c in detail.contacts] == ["zhou@163.example"]
        methods = {
            m.id: (m.customer_id, m.contact_id, m.link_method)
            for m in s.scalars(select(EmailMessage))
        }
    assert methods[first] == (customer, contact, "manual")
    assert methods[second] == (customer, contact, "address")
    assert methods[other][0] is None
    assert ids_of(world, MailQuery(scope="unlinked"), world.li) == [other]
    actions = [a for a, _e, _i in audit_actions(world)]
    assert actions.count("mail.link") == 1 and "mail.relink" in actions
    assert "contact.update" in actions


def test_link_reports_a_contact_with_another_address_and_links_bulk(world: World) -> None:
    customer = world.new_customer(world.li, name="杭州新光")
    with world.db.session_factory.begin() as s:
        contact = add_contact(
            s, customer, ContactInput(name="吴工", email="wu@xinguang.example"), world.li
        ).id
    picked = [store(world, eml(20 + n, frm="wu.private@qq.example"), world.li) for n in range(3)]
    later = store(world, eml(30, frm="wu.private@qq.example"), world.li)
    with world.db.session_factory.begin() as s:
        result = link_messages(
            s, picked, customer, world.li, contact_id=contact, add_address_to_contact=True
        )
    assert not result.address_added and result.address_conflict == "wu@xinguang.example"
    assert result.followed == (later,)
    with world.db.read_session_factory() as s:
        detail = get_customer(s, customer, world.li)
    assert [c.email for c in detail.contacts] == ["wu@xinguang.example"]  # left as it was
    assert counted(world, MailQuery(scope="all", customer_id=customer), world.li) == 4
    actions = [a for a, _e, _i in audit_actions(world)]
    assert actions.count("mail.link") == 3 and "mail.link_many" in actions


def test_link_refuses_what_the_actor_may_not_see(world: World, mail: dict[str, int]) -> None:
    with world.db.session_factory.begin() as s, pytest.raises(PermissionDenied):
        link_messages(s, [mail["wang_unlinked"]], mail["li_customer"], world.li)
    with world.db.session_factory.begin() as s, pytest.raises(PermissionDenied):
        link_messages(s, [mail["li_unlinked"]], mail["chen_customer"], world.li)
    with world.db.session_factory.begin() as s, pytest.raises(ValidationError):
        link_messages(
            s,
            [mail["li_unlinked"]],
            mail["li_customer"],
            world.li,
            add_address_to_contact=True,
        )
    assert ids_of(world, MailQuery(scope="unlinked"), world.li) == [mail["li_unlinked"]]


# --------------------------------------------------------------------------- ignoring


def test_ignore_leaves_the_queue_and_unignore_brings_it_back(
    world: World, mail: dict[str, int]
) -> None:
    with world.db.session_factory.begin() as s:
        assert ignore_messages(s, [mail["li_unlinked"], mail["li_linked"]], world.li) == 1
    assert ids_of(world, MailQuery(scope="unlinked"), world.li) == []
    assert mail["li_unlinked"] not in ids_of(world, MailQuery(scope="all"), world.li)
    assert ids_of(world, MailQuery(scope="ignored"), world.li) == [mail["li_unlinked"]]
    with world.db.read_session_factory() as s:
        assert get_message(s, mail["li_unlinked"], world.li).ignored
    with world.db.session_factory.begin() as s, pytest.raises(PermissionDenied):
        ignore_messages(s, [mail["chen_unlinked"]], world.li)
    with world.db.session_factory.begin() as s:
        assert unignore_messages(s, [mail["li_unlinked"]], world.li) == 1
    assert ids_of(world, MailQuery(scope="unlinked"), world.li) == [mail["li_unlinked"]]
    assert ids_of(world, MailQuery(scope="ignored"), world.li) == []
    actions = audit_actions(world)
    assert ("mail.ignore", "email_message", mail["li_unlinked"]) in actions
    assert ("mail.unignore", "email_message", mail["li_unlinked"]) in actions


def test_linking_an_ignored_message_clears_the_mark(world: World, mail: dict[str, int]) -> None:
    with world.db.session_factory.begin() as s:
        ignore_messages(s, [mail["li_unlinked"]], world.li)
        link_messages(s, [mail["li_unlinked"]], mail["li_customer"], world.li)
    assert ids_of(world, MailQuery(scope="ignored"), world.li) == []
    assert mail["li_unlinked"] in ids_of(world, MailQuery(scope="all"), world.li)


# --------------------------------------------------------------------------- one message


def test_message_attachments_raw_and_threads(world: World) -> None:
    customer = world.new_customer(world.li, name="宁波远洋", email="trade@yuanyang.example")
    data = eml(40, frm="trade@yuanyang.example", attachment=("报价单.pdf", b"%PDF-1.4 demo"))
    first = store(world, data, world.li)
    reply = store(
        world,
        eml(
            41,
            frm="li@ourco.example",
            to="trade@yuanyang.example",
            when=BASE + timedelta(hours=2),
            in_reply_to="<m40@example>",
        ),
        world.li,
    )
    lone = store(
        world, eml(42, frm="trade@yuanyang.example", when=BASE - timedelta(days=3)), world.li
    )
    with world.db.read_session_factory() as s:
        detail = get_message(s, first, world.li)
        assert detail.customer_name == "宁波远洋" and detail.link_method == "address"
        assert detail.has_attachments and detail.body_text and "正文 40" in detail.body_text
        (att,) = detail.attachments
        assert att.filename == "报价单.pdf" and att.size == len(b"%PDF-1.4 demo")
        assert get_attachment_data(s, att.id, world.li) == ("报价单.pdf", b"%PDF-1.4 demo")
        assert get_raw_message(s, first, world.li) == data
        with pytest.raises(NotFound):
            get_attachment_data(s, att.id, world.chen)
        with pytest.raises(NotFound):
            get_raw_message(s, first, world.chen)
        threads = customer_mail(s, customer, world.li)
        with pytest.raises(NotFound):
            customer_mail(s, customer, world.chen)
    assert [t.count for t in threads] == [2, 1]
    assert [m.id for m in threads[0].messages] == [first, reply]  # oldest first
    assert threads[0].last_at == BASE + timedelta(hours=2)
    assert threads[1].messages[0].id == lone
    with world.db.read_session_factory() as s:
        raw = s.scalar(select(EmailMessage.raw).where(EmailMessage.id == first))
    assert raw is not None and zlib.decompress(raw) == data
