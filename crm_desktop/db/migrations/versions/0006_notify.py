"""live updates (issue 7): writes to customers, contacts, follow-ups and mail NOTIFY the ids

PostgreSQL only (Shared mode); on SQLite there is one user and nothing to tell, so this
revision does nothing there.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""
from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

CHANNEL = "crm_changes"
TABLES = ("customer", "contact", "followup", "email_message")
OPERATIONS = ("insert", "update", "delete")
# A NOTIFY payload must stay under 8000 bytes: past this many ids a statement says "many rows
# of this table changed" and the clients refresh what they show of it.
MAX_IDS = 400

# One notification per statement (transition tables), not per row: a bulk change of 2,000
# customers is one message. Plain SECURITY INVOKER: pg_notify needs no privilege and the
# transition tables are readable by whoever fired the trigger, whatever their role.
NOTIFY_FUNCTION = f"""
CREATE OR REPLACE FUNCTION crm_notify() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
    ids bigint[];
    customers bigint[];
BEGIN
    IF TG_TABLE_NAME = 'customer' THEN
        IF TG_OP = 'DELETE' THEN
            SELECT array_agg(DISTINCT r.id) INTO ids FROM old_rows AS r;
        ELSE
            SELECT array_agg(DISTINCT r.id) INTO ids FROM new_rows AS r;
        END IF;
        customers := ids;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT r.id),
               array_agg(DISTINCT r.customer_id) FILTER (WHERE r.customer_id IS NOT NULL)
          INTO ids, customers FROM old_rows AS r;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT r.id),
               array_agg(DISTINCT r.customer_id) FILTER (WHERE r.customer_id IS NOT NULL)
          INTO ids, customers FROM new_rows AS r;
    ELSE
        -- An update may move a row to another customer: both customers changed.
        SELECT array_agg(DISTINCT r.id),
               array_agg(DISTINCT r.customer_id) FILTER (WHERE r.customer_id IS NOT NULL)
          INTO ids, customers
          FROM (SELECT id, customer_id FROM new_rows
                UNION ALL SELECT id, customer_id FROM old_rows) AS r;
    END IF;
    IF ids IS NULL THEN
        RETURN NULL;  -- the statement changed no row
    END IF;
    IF cardinality(ids) + coalesce(cardinality(customers), 0) > {MAX_IDS} THEN
        PERFORM pg_notify('{CHANNEL}', json_build_object('t', TG_TABLE_NAME, 'all', true)::text);
    ELSE
        PERFORM pg_notify(
            '{CHANNEL}',
            json_build_object(
                't', TG_TABLE_NAME, 'ids', ids, 'c', coalesce(customers, '{{}}'::bigint[])
            )::text
        );
    END IF;
    RETURN NULL;
END
$$
"""


def _trigger_name(table: str, operation: str) -> str:
    return f"crm_notify_{table}_{operation}"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(NOTIFY_FUNCTION)
    for table in TABLES:
        for operation in OPERATIONS:
            rows = "OLD TABLE AS old_rows" if operation == "delete" else "NEW TABLE AS new_rows"
            if operation == "update":
                rows = "OLD TABLE AS old_rows NEW TABLE AS new_rows"
            op.execute(
                f"CREATE TRIGGER {_trigger_name(table, operation)} "
                f"AFTER {operation.upper()} ON {table} REFERENCING {rows} "
                "FOR EACH STATEMENT EXECUTE FUNCTION crm_notify()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        for operation in OPERATIONS:
            op.execute(f"DROP TRIGGER IF EXISTS {_trigger_name(table, operation)} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS crm_notify()")
