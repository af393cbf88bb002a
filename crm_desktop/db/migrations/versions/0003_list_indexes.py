"""covering indexes for the customer list (sort by name / created / grade+next, region counts)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_customer_list_name": ["deleted_at", "name", "id", "owner_id", "branch_id"],
    "ix_customer_list_created_at": [
        "deleted_at", "created_at", "id", "region_id", "owner_id", "branch_id",
    ],
    "ix_customer_list_grade_next": [
        "deleted_at", "grade_id", "next_followup_at", "id", "owner_id", "branch_id",
    ],
    "ix_customer_list_region": ["deleted_at", "region_id", "owner_id", "branch_id"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "customer", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="customer")
