"""Customer files on real SQLite and PostgreSQL: validation, permissions, duplicate check,
conflicting saves from two sessions, bulk changes, history, contacts and attachments."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from crm_desktop.core.errors import NotFound, PermissionDenied, ValidationError
from crm_desktop.db.models import AuditLog, Customer, OwnershipChange
from crm_desktop.services.customers import (
    MAX_ATTACHMENT_BYTES,
    ContactInput,
    CustomerInput,
    DuplicateCustomerFound,
    EditConflict,
    add_attachment,
    add_contact,
    bulk_update,
    create_customer,
    customer_history,
    delete_attachment,
    delete_contact,
    delete_customer,
    find_duplicates,
    get_attachment_data,
    get_customer,
    list_attachments,
    list_deleted,
    normalize_phone,
    phone_key,
    restore_customer,
    sanitize_filename,
    update_contact,
    update_customer,
)
from tests.db.customer_world import World, build_world, open_world


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    """A small company with users of every role, on SQLite and on PostgreSQL."""
    yield from open_world(db_url)


# --------------------------------------------------------------------------- validation


def test_create_reports_every_bad_field_at_once(world: World) -> None:
    with pytest.raises(ValidationError) as err, world.db.session_factory.begin() as s:
        create_customer(
            s,
            CustomerInput(
                name="  ",
                phone="12345",
                email="sales@",
                grade_id=99_999,
                status="sleeping",
                source="fax",
            ),
            world.admin,
        )
    assert set(err.value.fields) == {"name", "phone", "email", "grade_id", "status", "source"}
    with world.db.session_factory.begin() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 0


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+86 138-1234-5678", "138 1234 5678"),
        ("13812345678", "138 1234 5678"),
        ("021-61234567", "021 6123 4567"),
        ("0086 21 6123 4567", "021 6123 4567"),
        ("＋８６　１３８１２３４５６７８", "138 1234 5678"),  # full-width input
        ("+1 650 253 0000", "+1 650-253-0000"),
    ],
)
def test_phone_numbers_are_stored_in_one_normalized_form(typed: str, stored: str) -> None:
    assert normalize_phone(typed) == stored


def test_phone_key_ignores_country_code_leading_zero_and_punctuation() -> None:
    assert phone_key("+86 21 6123-4567") == phone_key("021-61234567") == "2161234567"
    assert phone_key("0086 138 1234 5678") == phone_key("138-1234-5678") == "13812345678"
    assert phone_key("86013388") == "86013388"  # a local number starting with 86 stays


def test_saved_phone_is_normalized_and_its_digits_are_searchable(world: World) -> None:
    cid = world.new_customer(name="上海电机厂", phone="+86 (21) 6123-4567 ext 88")
    with world.db.session_factory.begin() as s:
        detail = get_customer(s, cid, world.admin)
        assert detail.phone == "021 6123 4567 ext. 88"
        row = s.get(Customer, cid)
        assert row is not None
        assert row.phone_digits == "02161234567"  # the extension is not glued on
        assert row.name_norm == "上海电机厂"


# --------------------------------------------------------------------------- permissions


def test_sales_edits_own_customers_only_and_pool_is_read_only(world: World) -> None:
    own = world.new_customer(world.li, name="李的客户")
    colleague = world.new_customer(world.wang, name="王的客户")
    pool = world.new_customer(world.admin, name="公海客户", owner_id=None)
    with world.db.session_factory.begin() as s:
        detail = get_customer(s, own, world.li)
        assert detail.owner_name == "李娜" and detail.can_edit
        update_customer(s, own, CustomerInput(notes="拜访过"), detail.version, world.li)
    with pytest.raises(NotFound), world.db.session_factory.begin() as s:
        get_customer(s, colleague, world.li)
    with pytest.raises(NotFound), world.db.session_factory.begin() as s:
        update_customer(s, colleague, CustomerInput(notes="x"), 1, world.li)
    with world.db.session_factory.begin() as s:
        pool_detail = get_customer(s, pool, world.li)
        assert pool_detail.owner_id is None and not pool_detail.can_edit
    with pytest.raises(PermissionDenied, match="Claim"), world.db.session_factory.begin() as s:
        update_customer(s, pool, CustomerInput(notes="x"), pool_detail.version, world.li)


def test_only_a_manager_locks_a_customer_against_the_pool_rules(world: World) -> None:
    own = world.new_customer(world.li, name="李的客户")
    with (
        pytest.raises(PermissionDenied, match="Only a manager"),
        world.db.session_factory.begin() as s,
    ):
        update_customer(s, own, CustomerInput(locked=True), 1, world.li)
    with (
        pytest.raises(PermissionDenied, match="Only a manager"),
        world.db.session_factory.begin() as s,
    ):
        create_customer(s, CustomerInput(name="锁定的新客户", locked=True), world.li)
    with world.db.session_factory.begin() as s:
        update_customer(s, own, CustomerInput(locked=True), 1, world.manager)
    with world.db.session_factory.begin() as s:
        detail = get_customer(s, own, world.li)
        assert detail.locked
        # Saving the form again with the lock unchanged is fine for the holder.
        update_customer(
            s, own, CustomerInput(notes="拜访过", locked=True), detail.version, world.li
        )


def test_sales_cannot_give_a_customer_to_someone_else(world: World) -> None:
    own = world.new_customer(world.li, name="李的客户")
    with pytest.raises(PermissionDenied), world.db.session_factory.begin() as s:
        update_customer(s, own, CustomerInput(owner_id=world.wang.id), 1, world.li)
    with pytest.raises(PermissionDenied), world.db.session_factory.begin() as s:
        create_customer(s, CustomerInput(name="新客户", owner_id=world.wang.id), world.li)
    with world.db.session_factory.begin() as s:
        assert get_customer(s, own, world.li).owner_id == world.li.id


def test_manager_assigns_within_the_branch_only(world: World) -> None:
    cid = world.new_customer(world.li, name="李的客户")
    with world.db.session_factory.begin() as s:
        result = update_customer(s, cid, CustomerInput(owner_id=world.wang.id), 1, world.manager)
        assert result.detail.owner_name == "王芳"
        moves = s.scalars(
            select(OwnershipChange.reason).where(OwnershipChange.customer_id == cid)
        ).all()
        assert sorted(moves) == ["assign", "create"]
    with pytest.raises(PermissionDenied), world.db.session_factory.begin() as s:
        update_customer(s, cid, CustomerInput(owner_id=world.chen.id), 2, world.manager)
    gz = world.new_customer(world.chen, name="广州客户")
    with pytest.raises(NotFound), world.db.session_factory.begin() as s:
        get_customer(s, gz, world.manager)


# --------------------------------------------------------------------------- duplicates


def test_duplicate_check_matches_normalized_name_phone_and_email(world: World) -> None:
    existing = world.new_customer(
        world.wang,
        name="华为技术有限公司",
        phone="+86 21 6123 4567",
        email="Sales@Huawei.com",
        grade_id=world.grades["B"],
    )
    with world.db.session_factory.begin() as s:
        by_name = find_duplicates(s, name="华为技术", actor=world.manager)
        by_phone = find_duplicates(s, phone="021-6123-4567", actor=world.manager)
        by_email = find_duplicates(s, email="  sales@HUAWEI.com ", actor=world.manager)
        miss = find_duplicates(s, name="华为终端", phone="021-6123-4568", actor=world.manager)
    assert [h.matched_on for h in by_name] == [("name",)]
    assert [h.matched_on for h in by_phone] == [("phone",)]
    assert [h.matched_on for h in by_email] == [("email",)]
    assert miss == []
    hit = by_name[0]
    assert (hit.visible, hit.customer_id, hit.owner_name, hit.grade_code) == (
        True,
        existing,
        "王芳",
        "B",
    )


def test_duplicate_of_an_invisible_customer_reveals_only_its_owner(world: World) -> None:
    world.new_customer(world.wang, name="华为技术有限公司", phone="13812345678")
    with world.db.session_factory.begin() as s:
        hits = find_duplicates(s, name="华为技术", phone="+86 138 1234 5678", actor=world.li)
    assert len(hits) == 1
    hit = hits[0]
    assert hit.visible is False and hit.owner_name == "王芳"
    assert hit.matched_on == ("name", "phone")
    assert (hit.customer_id, hit.name, hit.grade_code, hit.last_followup_at) == (None,) * 4
    with pytest.raises(DuplicateCustomerFound) as err, world.db.session_factory.begin() as s:
        create_customer(s, CustomerInput(name="华为技术"), world.li)
    assert "王芳" in str(err.value) and err.value.hits[0].visible is False
    with world.db.session_factory.begin() as s:
        create_customer(s, CustomerInput(name="华为技术"), world.li, allow_duplicate=True)


def test_duplicate_check_finds_a_contacts_email(world: World) -> None:
    cid = world.new_customer(world.li, name="远航物流")
    with world.db.session_factory.begin() as s:
        add_contact(s, cid, ContactInput(name="赵敏", email="Zhao.Min@YuanHang.cn"), world.li)
    with world.db.session_factory.begin() as s:
        hits = find_duplicates(s, email="zhao.min@yuanhang.cn", actor=world.li)
        assert [(h.customer_id, h.matched_on) for h in hits] == [(cid, ("email",))]
        assert (
            find_duplicates(s, email="zhao.min@yuanhang.cn", exclude_id=cid, actor=world.li) == []
        )


def test_deleted_customers_are_not_duplicates(world: World) -> None:
    cid = world.new_customer(world.li, name="恒达贸易有限公司")
    with world.db.session_factory.begin() as s:
        delete_customer(s, cid, world.li)
    with world.db.session_factory.begin() as s:
        assert find_duplicates(s, name="恒达贸易", actor=world.admin) == []


# --------------------------------------------------------------------------- conflicts


def _open_form(world: World, cid: int, actor: object):
    """What a form does: read the customer in a short read transaction of its own."""
    with world.db.read_session_factory() as s:
        return get_customer(s, cid, actor)  # type: ignore[arg-type]


@pytest.mark.parametrize("with_base", [True, False], ids=["form-base", "audit-trail"])
def test_disjoint_edits_from_two_sessions_merge(world: World, with_base: bool) -> None:
    cid = world.new_customer(world.li, name="鑫源电子", phone="13812345678", notes="老客户")
    form_1 = _open_form(world, cid, world.li)
    form_2 = _open_form(world, cid, world.manager)
    with world.db.session_factory.begin() as s1:
        first = update_customer(
            s1, cid, CustomerInput(phone="13900001111"), form_1.version, world.li
        )
    assert first.merged == ()
    with world.db.session_factory.begin() as s2:
        second = update_customer(
            s2,
            cid,
            CustomerInput(notes="年底有采购计划", grade_id=world.grades["A"]),
            form_2.version,
            world.manager,
            base=form_2 if with_base else None,
        )
    assert second.merged == ("phone",)
    assert set(second.changed) == {"notes", "grade_id"}
    with world.db.session_factory.begin() as s:
        final = get_customer(s, cid, world.admin)
    assert (final.phone, final.notes, final.grade_code) == ("139 0000 1111", "年底有采购计划", "A")
    assert final.version == form_1.version + 2


@pytest.mark.parametrize("with_base", [True, False], ids=["form-base", "audit-trail"])
def test_same_field_edits_conflict_and_keep_both_inputs(world: World, with_base: bool) -> None:
    cid = world.new_customer(world.li, name="鑫源电子", phone="13812345678", notes="老客户")
    form_1 = _open_form(world, cid, world.li)
    form_2 = _open_form(world, cid, world.manager)
    with world.db.session_factory.begin() as s1:
        update_customer(s1, cid, CustomerInput(phone="13900001111"), form_1.version, world.li)
    mine = CustomerInput(phone="13700002222", notes="经理补充")
    with pytest.raises(EditConflict) as err, world.db.session_factory.begin() as s2:
        update_customer(
            s2, cid, mine, form_2.version, world.manager, base=form_2 if with_base else None
        )
    conflict = err.value
    assert set(conflict.fields) == {"phone"}
    clash = conflict.fields["phone"]
    assert (clash.base, clash.theirs, clash.mine) == (
        "138 1234 5678",
        "139 0000 1111",
        "137 0000 2222",
    )
    assert conflict.mine == {"phone": "137 0000 2222", "notes": "经理补充"}  # nothing typed lost
    with world.db.session_factory.begin() as s:
        saved = get_customer(s, cid, world.admin)
    assert (saved.phone, saved.notes) == ("139 0000 1111", "老客户")  # first save intact
    # The user chose their own value: saving against the version the conflict reported works.
    assert conflict.current_version is not None
    with world.db.session_factory.begin() as s2:
        update_customer(s2, cid, mine, conflict.current_version, world.manager)
    with world.db.session_factory.begin() as s:
        saved = get_customer(s, cid, world.admin)
    assert (saved.phone, saved.notes) == ("137 0000 2222", "经理补充")


@pytest.mark.postgres
def test_a_save_racing_an_uncommitted_one_waits_for_it_and_merges(pg_url: str) -> None:
    """Two sessions at once on PostgreSQL: the second blocks on the first's row lock, then
    sees the committed version and merges, instead of failing or overwriting."""
    world = build_world(pg_url)
    try:
        cid = world.new_customer(world.li, name="鑫源电子", phone="13812345678")
        form = _open_form(world, cid, world.li)
        first = world.db.session_factory()
        first.begin()
        update_customer(first, cid, CustomerInput(phone="13900001111"), form.version, world.li)
        outcome: dict[str, object] = {}

        def second_user() -> None:
            try:
                with world.db.session_factory.begin() as s2:
                    outcome["result"] = update_customer(
                        s2, cid, CustomerInput(notes="并发保存"), form.version, world.manager
                    )
            except Exception as exc:  # reported below
                outcome["error"] = exc

        thread = threading.Thread(target=second_user)
        thread.start()
        thread.join(1.0)
        assert thread.is_alive(), "the second save did not wait for the first one's lock"
        first.commit()
        first.close()
        thread.join(30)
        assert "error" not in outcome, outcome.get("error")
        result = outcome["result"]
        assert result.merged == ("phone",)  # type: ignore[attr-defined]
        with world.db.session_factory.begin() as s:
            final = get_customer(s, cid, world.admin)
        assert (final.phone, final.notes) == ("139 0000 1111", "并发保存")
    finally:
        world.db.dispose()


def test_contact_change_does_not_make_an_open_profile_form_stale(world: World) -> None:
    cid = world.new_customer(world.li, name="博瑞软件")
    form = _open_form(world, cid, world.li)
    with world.db.session_factory.begin() as s:
        add_contact(s, cid, ContactInput(name="周杰"), world.li)
    with world.db.session_factory.begin() as s:
        result = update_customer(s, cid, CustomerInput(industry="软件"), form.version, world.li)
    assert result.merged == () and result.detail.industry == "软件"


# --------------------------------------------------------------------------- bulk


def test_bulk_change_writes_one_audit_row_per_customer_and_ownership_rows(world: World) -> None:
    ids = [world.new_customer(world.li, name=f"客户{i}") for i in range(5)]
    foreign = world.new_customer(world.chen, name="广州客户")
    with world.db.session_factory.begin() as s:
        result = bulk_update(
            s,
            [*ids, foreign, 987_654],
            grade_id=world.grades["B"],
            owner_id=world.wang.id,
            actor=world.manager,
        )
    assert (result.requested, result.changed) == (7, 5)
    assert {p.customer_id for p in result.problems} == {foreign, 987_654}
    with world.db.session_factory.begin() as s:
        audits = s.execute(
            select(AuditLog.entity_id, func.count())
            .where(AuditLog.action == "customer.bulk_update")
            .group_by(AuditLog.entity_id)
        ).all()
        assert sorted(audits) == [(i, 1) for i in ids]
        moves = s.scalars(
            select(OwnershipChange.customer_id).where(OwnershipChange.reason == "assign")
        ).all()
        assert sorted(moves) == ids
        for cid in ids:
            detail = get_customer(s, cid, world.admin)
            assert (detail.owner_name, detail.grade_code, detail.version) == ("王芳", "B", 2)
        history = customer_history(s, ids[0], world.admin)
        assert {(h.field, h.old, h.new) for h in history if h.action == "customer.bulk_update"} == {
            ("grade", None, "B"),
            ("owner", "李娜", "王芳"),
        }


def test_sales_may_not_bulk_assign_owners_but_may_regrade_own(world: World) -> None:
    own = world.new_customer(world.li, name="李的客户")
    pool = world.new_customer(world.admin, name="公海客户", owner_id=None)
    with pytest.raises(PermissionDenied), world.db.session_factory.begin() as s:
        bulk_update(s, [own], owner_id=world.li.id, actor=world.li)
    with world.db.session_factory.begin() as s:
        result = bulk_update(s, [own, pool], grade_id=world.grades["C"], actor=world.li)
    assert result.changed == 1 and [p.customer_id for p in result.problems] == [pool]


# --------------------------------------------------------------------------- history


def test_history_shows_who_changed_which_field_from_what_to_what(world: World) -> None:
    cid = world.new_customer(world.li, name="天成机械", grade_id=world.grades["C"])
    with world.db.session_factory.begin() as s:
        update_customer(s, cid, CustomerInput(grade_id=world.grades["A"]), 1, world.li)
    with world.db.session_factory.begin() as s:
        contact = add_contact(s, cid, ContactInput(name="孙丽", mobile="13911112222"), world.li)
    with world.db.session_factory.begin() as s:
        update_contact(s, contact.id, ContactInput(title="采购经理"), contact.version, world.li)
    with world.db.session_factory.begin() as s:
        history = customer_history(s, cid, world.li)
    newest = history[0]
    assert (newest.action, newest.subject, newest.field, newest.old, newest.new) == (
        "contact.update",
        "孙丽",
        "title",
        None,
        "采购经理",
    )
    grade = next(h for h in history if h.field == "grade" and h.action == "customer.update")
    assert (grade.actor, grade.old, grade.new) == ("李娜", "C", "A")
    assert history[-1].action == "customer.create"
    assert [h.at for h in history] == sorted((h.at for h in history), reverse=True)


def test_saving_unchanged_values_writes_no_history(world: World) -> None:
    cid = world.new_customer(world.li, name="天成机械", phone="13812345678")
    with world.db.session_factory.begin() as s:
        result = update_customer(s, cid, CustomerInput(phone="138-1234-5678"), 1, world.li)
    assert result.changed == () and result.detail.version == 1
    with world.db.session_factory.begin() as s:
        assert {h.action for h in customer_history(s, cid, world.li)} == {"customer.create"}


# --------------------------------------------------------------------------- delete / restore


def test_deleted_customer_goes_to_the_recycle_bin_and_only_a_manager_restores(world: World) -> None:
    cid = world.new_customer(world.li, name="回收站客户")
    with world.db.session_factory.begin() as s:
        delete_customer(s, cid, world.li)
    with world.db.session_factory.begin() as s:
        assert [r.id for r in list_deleted(s, world.manager)] == [cid]
        assert list_deleted(s, world.chen) == []
    with pytest.raises(PermissionDenied), world.db.session_factory.begin() as s:
        restore_customer(s, cid, world.li)
    with pytest.raises(ValidationError), world.db.session_factory.begin() as s:
        update_customer(s, cid, CustomerInput(notes="x"), 2, world.li)
    with world.db.session_factory.begin() as s:
        assert restore_customer(s, cid, world.manager).deleted_at is None
    with world.db.session_factory.begin() as s:
        assert get_customer(s, cid, world.li).deleted_at is None
        actions = [h.action for h in customer_history(s, cid, world.li)]
    assert list(dict.fromkeys(actions)) == [
        "customer.restore",
        "customer.delete",
        "customer.create",
    ]


def test_sales_cannot_delete_a_colleagues_customer(world: World) -> None:
    cid = world.new_customer(world.wang, name="王的客户")
    with pytest.raises(NotFound), world.db.session_factory.begin() as s:
        delete_customer(s, cid, world.li)


# --------------------------------------------------------------------------- contacts


def test_exactly_one_primary_contact_and_contacts_feed_the_search_columns(world: World) -> None:
    cid = world.new_customer(world.li, name="海纳科技")
    with world.db.session_factory.begin() as s:
        first = add_contact(s, cid, ContactInput(name="刘强", mobile="13911112222"), world.li)
        second = add_contact(
            s,
            cid,
            ContactInput(name="Anna Smith", email="Anna@Hainatech.com", is_primary=True),
            world.li,
        )
    assert first.is_primary and second.is_primary
    with world.db.session_factory.begin() as s:
        detail = get_customer(s, cid, world.li)
        assert [(c.name, c.is_primary) for c in detail.contacts] == [
            ("Anna Smith", True),
            ("刘强", False),
        ]
        assert detail.version == 1  # contact changes leave the profile's version alone
        row = s.get(Customer, cid)
        assert row is not None
        assert "刘强" in row.search_text and "anna smith" in row.search_text
        assert "13911112222" in row.phone_digits
    with world.db.session_factory.begin() as s:
        delete_contact(s, second.id, world.li)
    with world.db.session_factory.begin() as s:
        detail = get_customer(s, cid, world.li)
        assert [(c.name, c.is_primary) for c in detail.contacts] == [("刘强", True)]
        row = s.get(Customer, cid)
        assert row is not None and "anna" not in row.search_text


def test_contact_input_is_validated(world: World) -> None:
    cid = world.new_customer(world.li, name="海纳科技")
    with pytest.raises(ValidationError) as err, world.db.session_factory.begin() as s:
        add_contact(s, cid, ContactInput(name="", mobile="123", email="x@y"), world.li)
    assert set(err.value.fields) == {"name", "mobile", "email"}


# --------------------------------------------------------------------------- attachments


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\li\\报价单.pdf", "报价单.pdf"),
        ("CON.txt", "_CON.txt"),
        ("nul", "_nul"),
        ("lpt1.doc", "_lpt1.doc"),
        ("a\x00b\x1f.pdf", "ab.pdf"),
        ("what?.txt", "what_.txt"),
        ("..", "attachment"),
        ("", "attachment"),
        ("name. ", "name"),
    ],
)
def test_attachment_names_are_sanitized(given: str, safe: str) -> None:
    assert sanitize_filename(given) == safe


def test_long_attachment_names_keep_their_extension_within_255_bytes() -> None:
    safe = sanitize_filename("报" * 200 + ".pdf")
    assert safe.endswith(".pdf") and len(safe.encode("utf-8")) <= 255


def test_attachments_are_stored_listed_read_and_deleted(world: World) -> None:
    cid = world.new_customer(world.li, name="云帆物流")
    data = b"%PDF-1.4 quote"
    with world.db.session_factory.begin() as s:
        row = add_attachment(s, cid, "../报价单.pdf", data, world.li)
    assert (row.filename, row.size, row.mime) == ("报价单.pdf", len(data), "application/pdf")
    assert row.sha256 == hashlib.sha256(data).hexdigest()
    with world.db.session_factory.begin() as s:
        assert [a.id for a in list_attachments(s, cid, world.li)] == [row.id]
        assert get_attachment_data(s, row.id, world.li).data == data
    with pytest.raises(NotFound), world.db.session_factory.begin() as s:
        get_attachment_data(s, row.id, world.wang)
    with world.db.session_factory.begin() as s:
        delete_attachment(s, row.id, world.li)
    with world.db.session_factory.begin() as s:
        assert list_attachments(s, cid, world.li) == []
        fields = [h.field for h in customer_history(s, cid, world.li)]
    assert fields.count("attachment") == 2


def test_attachment_over_the_size_limit_is_refused(world: World) -> None:
    cid = world.new_customer(world.li, name="云帆物流")
    with pytest.raises(ValidationError, match="50 MB"), world.db.session_factory.begin() as s:
        add_attachment(s, cid, "big.bin", b"\0" * (MAX_ATTACHMENT_BYTES + 1), world.li)
