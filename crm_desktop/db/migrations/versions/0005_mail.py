"""mail (issue 5): an ignored mark for the unlinked queue, indexes for the Mail page's lists

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import crm_desktop.db.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

INDEXES = {
    # "All mail", newest first, and the unlinked queue of one person, newest first.
    "ix_email_message_sent_at_id": ("email_message", ["sent_at", "id"]),
    "ix_email_message_owner_id_customer_id_sent_at": (
        "email_message", ["owner_id", "customer_id", "sent_at"],
    ),
}


def upgrade() -> None:
    # Plain ADD COLUMN: no table copy on SQLite.
    op.add_column(
        "email_message",
        sa.Column("ignored_at", crm_desktop.db.types.UTCDateTime(timezone=True), nullable=True),
    )
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
    op.execute("ALTER TABLE email_message DROP COLUMN ignored_at")
