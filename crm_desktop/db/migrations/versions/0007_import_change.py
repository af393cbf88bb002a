"""customer import (issue 8): import_change keeps the values an import overwrote, for undo

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-14
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The duplicate check's lookups (name_norm, phone_digits, customer/contact email_norm) and
    # undo's (import_batch_id) are indexed already (0001/0002); only the new table is needed.
    op.create_table(
        "import_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column(
            "before",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "entity IN ('customer', 'contact')", name=op.f("ck_import_change_entity")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batch.id"],
            name=op.f("fk_import_change_batch_id_import_batch"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_change")),
    )
    op.create_index(op.f("ix_import_change_batch_id"), "import_change", ["batch_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_import_change_batch_id"), table_name="import_change")
    op.drop_table("import_change")

