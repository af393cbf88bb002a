"""search indexes: customer.search_keys, FTS5 tables + triggers (SQLite), pg_trgm / tsvector GIN
(PostgreSQL) — DESIGN §4

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 22:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

from crm_desktop.db import search_sql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

BACKFILL_BATCH = 5_000


def _backfill(conn: sa.Connection) -> None:
    """Existing customers get search_keys and the initials variants in search_text.

    The keys come from the same pure function every writer uses (crm_desktop.services.
    search_keys: string in, string out, no ORM), imported here only: a migration is a script
    run by the upgrade, outside the layered package.
    """
    from crm_desktop.services.search_keys import (
        TEXT_INITIALS_VARIANTS,
        initials_variants,
        search_keys,
    )

    customer = sa.table(
        "customer",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("name_pinyin", sa.String),
        sa.column("address", sa.String),
        sa.column("search_text", sa.Text),
        sa.column("search_keys", sa.Text),
    )
    contact = sa.table(
        "contact",
        sa.column("customer_id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("deleted_at", sa.DateTime),
    )
    update = (
        sa.update(customer)
        .where(customer.c.id == sa.bindparam("cid"))
        .values(search_keys=sa.bindparam("keys"), search_text=sa.bindparam("haystack"))
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(customer.c.id, customer.c.name, customer.c.name_pinyin,
                      customer.c.address, customer.c.search_text)
            .where(customer.c.id > last)
            .order_by(customer.c.id)
            .limit(BACKFILL_BATCH)
        ).all()
        if not rows:
            return
        first, last = rows[0].id, rows[-1].id
        contacts: dict[int, list[str]] = {}
        for cid, name in conn.execute(
            sa.select(contact.c.customer_id, contact.c.name).where(
                contact.c.customer_id.between(first, last), contact.c.deleted_at.is_(None)
            )
        ):
            contacts.setdefault(cid, []).append(name)
        params = []
        for row in rows:
            variants = initials_variants(row.name)
            extra = " ".join(variants[:TEXT_INITIALS_VARIANTS])
            params.append(
                {
                    "cid": row.id,
                    "keys": search_keys(
                        row.name,
                        contact_names=contacts.get(row.id, ()),
                        address=row.address,
                        full_pinyin=row.name_pinyin or None,
                        initials=variants,
                    ),
                    "haystack": f"{row.search_text} {extra}".strip(),
                }
            )
        conn.execute(update, params)


def upgrade() -> None:
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_keys', sa.Text(), server_default='', nullable=False))
    conn = op.get_bind()
    _backfill(conn)
    # Indexes last: one pass over the filled rows instead of one update per row.
    search_sql.create_search_objects(conn, fill=True)


def downgrade() -> None:
    conn = op.get_bind()
    search_sql.drop_search_objects(conn)
    # Not batch mode: on SQLite it would copy and drop the customer table, and dropping it
    # (foreign_keys=ON) cascades to every contact and follow-up. SQLite ≥ 3.35 drops the
    # unindexed column in place.
    op.execute("ALTER TABLE customer DROP COLUMN search_keys")
