"""follow-ups and the public pool (issue 4): customer.owner_since, indexes for the Today page,
the next planned follow-up, reclaim and cooling-off

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import crm_desktop.db.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_customer_owner_id_grade_id_last_followup_at": (
        "customer", ["owner_id", "grade_id", "last_followup_at", "created_at"],
    ),
    "ix_customer_owner_id_grade_id_owner_since": (
        "customer", ["owner_id", "grade_id", "owner_since"],
    ),
    "ix_followup_customer_id_status_due_at": ("followup", ["customer_id", "status", "due_at"]),
    "ix_ownership_change_from_user_id_at": ("ownership_change", ["from_user_id", "at"]),
}


def upgrade() -> None:
    # A plain ADD COLUMN (no batch table copy): SQLite keeps the search triggers and it is
    # instant on a million rows.
    op.add_column(
        "customer",
        sa.Column("owner_since", crm_desktop.db.types.UTCDateTime(timezone=True), nullable=True),
    )
    # NULL on an owned customer means "since it was created" (rows loaded in bulk leave it
    # NULL too). Only customers moved to their owner later get the time of that move: a
    # backfill of every row would rewrite the whole table (1M rows: 30 s instead of < 1 s).
    op.execute(
        "UPDATE customer SET owner_since = ("
        "SELECT MAX(oc.at) FROM ownership_change oc "
        "WHERE oc.customer_id = customer.id AND oc.to_user_id = customer.owner_id) "
        "WHERE owner_id IS NOT NULL AND id IN ("
        "SELECT customer_id FROM ownership_change "
        "WHERE reason IN ('assign', 'claim', 'handover') AND to_user_id IS NOT NULL)"
    )
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
    # Native DROP COLUMN (SQLite ≥ 3.35, PostgreSQL): no table copy, triggers stay.
    op.execute("ALTER TABLE customer DROP COLUMN owner_since")
