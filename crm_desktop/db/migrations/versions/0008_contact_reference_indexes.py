"""indexes on followup.contact_id and email_message.contact_id; PostgreSQL: phone_digits in
byte order

Deleting a contact sets these references to NULL (ON DELETE SET NULL): without an index every
deleted contact scanned both tables — 54 ms per contact with 100,000 customers, about 0.5 s
with 1,000,000, so undoing a large import ran for hours.

PostgreSQL: the import's duplicate check looks phones up as byte-order ranges ("key" alone or
followed by the customer's other numbers); the default B-tree on phone_digits follows the
database's collation, where such ranges are unreliable and the planner chose parallel sequential
scans of the whole table for each chunk of phones (minutes with 1M customers). An index on
(phone_digits COLLATE "C") serves them (named search_… : managed here, not by the models).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""
from __future__ import annotations

from alembic import op

from crm_desktop.db.search_sql import PG_PHONE_RANGE_INDEX

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_followup_contact_id"), "followup", ["contact_id"])
    op.create_index(op.f("ix_email_message_contact_id"), "email_message", ["contact_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f'CREATE INDEX {PG_PHONE_RANGE_INDEX} ON customer (phone_digits COLLATE "C")')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {PG_PHONE_RANGE_INDEX}")
    op.drop_index(op.f("ix_email_message_contact_id"), table_name="email_message")
    op.drop_index(op.f("ix_followup_contact_id"), table_name="followup")
