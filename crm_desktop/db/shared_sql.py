"""Shared mode's DDL (PostgreSQL only): roles, grants, helper functions, row-level security
policies, the audit trigger and the login-management functions (DESIGN §3).

Everything is generated from ``TABLES`` (one ``TableSpec`` per table: privileges per group
role, column privileges, policies) and is idempotent: ``apply_shared_schema`` stores a digest
of the statements it ran and does nothing when the digest is unchanged and ``check_catalogue``
finds nothing wrong.

The role model:

- ``crm_owner`` (NOLOGIN) owns every table, sequence, view and function of the schema; the
  migrations run after ``SET ROLE crm_owner``.
- ``crm_sales``, ``crm_manager``, ``crm_admin`` (NOLOGIN): table and column privileges are
  granted to these groups only; every person has a LOGIN role named as ``app_user.login``,
  member of exactly one group.
- ``crm_usermgr`` (NOLOGIN, CREATEROLE) owns the login-management functions.

Identity inside the database is ``current_user``: ``crm_user_id()`` is the id of the active
app_user whose login it is, NULL for anybody else (e.g. after ``SET ROLE crm_sales``). The
helper functions are SECURITY INVOKER on purpose: inside a SECURITY DEFINER function
``current_user`` is the function's owner, not the caller. Policies call them as
``(SELECT crm_user_id())`` so they are evaluated once per statement.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection

OWNER = "crm_owner"
SALES = "crm_sales"
MANAGER = "crm_manager"
ADMIN = "crm_admin"
USERMGR = "crm_usermgr"
GROUPS = (SALES, MANAGER, ADMIN)
GROUP_OF_ROLE = {"sales": SALES, "manager": MANAGER, "admin": ADMIN}
RESERVED_ROLES = (OWNER, SALES, MANAGER, ADMIN, USERMGR)
LOGIN_PATTERN = "^[a-z][a-z0-9_.]{1,62}$"
DIGEST_MARK = "crm-desktop shared schema "

ME = "(SELECT crm_user_id())"
MY_BRANCH = "(SELECT crm_user_branch())"
HAS_ID = f"{ME} IS NOT NULL"
BRANCH_USERS = f"(SELECT u.id FROM app_user u WHERE u.branch_id = {MY_BRANCH})"
BRANCH_LOGINS = f"(SELECT u.login FROM app_user u WHERE u.branch_id = {MY_BRANCH})"


def _customer_visible(column: str) -> str:
    """The customer ``column`` points at is visible (the subquery is itself under RLS)."""
    return f"EXISTS (SELECT 1 FROM customer c WHERE c.id = {column})"


@dataclass(frozen=True)
class Policy:
    name: str
    roles: tuple[str, ...]
    command: str = "ALL"  # ALL | SELECT | INSERT | UPDATE | DELETE
    using: str | None = None
    check: str | None = None

    def ddl(self, table: str) -> str:
        sql = f"CREATE POLICY {self.name} ON {table} AS PERMISSIVE FOR {self.command} "
        sql += f"TO {', '.join(self.roles)}"
        if self.using is not None:
            sql += f" USING ({self.using})"
        if self.check is not None:
            sql += f" WITH CHECK ({self.check})"
        return sql


@dataclass(frozen=True)
class TableSpec:
    name: str
    grants: Mapping[str, tuple[str, ...]]  # group → table privileges
    policies: tuple[Policy, ...]
    column_grants: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)


def _all(name: str, roles: tuple[str, ...], expr: str) -> Policy:
    return Policy(name, roles, "ALL", expr, expr)


READ = ("SELECT",)
WRITE = ("SELECT", "INSERT", "UPDATE")
WRITE_DELETE = ("SELECT", "INSERT", "UPDATE", "DELETE")
EVERYONE = {SALES: READ, MANAGER: READ, ADMIN: READ}
MEMBERS = (SALES, MANAGER)


def _reference_table(name: str) -> TableSpec:
    """Branches, regions, grades, settings: everyone reads, administrators write."""
    return TableSpec(
        name,
        {SALES: READ, MANAGER: READ, ADMIN: WRITE_DELETE},
        (
            Policy("crm_read", GROUPS, "SELECT", HAS_ID),
            _all("crm_admin_all", (ADMIN,), HAS_ID),
        ),
    )


def _customer_editable(column: str, role: str) -> str:
    """The customer ``column`` points at is one ``role`` may change (services.customers
    .can_edit): a salesperson's own; a manager's own or their branch's. Seeing a pool customer
    is not enough: a salesperson claims it first."""
    if role == SALES:
        mine = f"c.owner_id = {ME}"
    else:
        mine = f"(c.owner_id = {ME} OR c.branch_id = {MY_BRANCH})"
    return f"EXISTS (SELECT 1 FROM customer c WHERE c.id = {column} AND {mine})"


def _customer_owned(name: str) -> TableSpec:
    """Rows that belong to a customer: visible when their customer is, written when their
    customer may be changed."""
    policies: list[Policy] = [
        Policy("crm_member_read", MEMBERS, "SELECT", _customer_visible("customer_id")),
    ]
    for role, tag in ((SALES, "sales"), (MANAGER, "manager")):
        editable = _customer_editable("customer_id", role)
        policies += [
            Policy(f"crm_{tag}_insert", (role,), "INSERT", None, editable),
            Policy(f"crm_{tag}_update", (role,), "UPDATE", editable, editable),
        ]
    policies.append(_all("crm_admin_all", (ADMIN,), HAS_ID))
    return TableSpec(name, {SALES: WRITE, MANAGER: WRITE, ADMIN: WRITE_DELETE}, tuple(policies))


# Ownership history is written, never rewritten: members insert the rows of their own claims,
# releases, assignments and reclaims (``by`` themselves, or NULL for the rule-driven reclaim);
# a salesperson's rows only ever move a customer between themselves and the pool.
_HISTORY_BY_ME = f"(by_id IS NULL OR by_id = {ME})"
_HISTORY_SALES = (
    f"{_customer_visible('customer_id')} AND {_HISTORY_BY_ME} "
    f"AND (from_user_id IS NULL OR from_user_id = {ME}) "
    f"AND (to_user_id IS NULL OR to_user_id = {ME})"
)
_HISTORY_MANAGER = f"{_customer_visible('customer_id')} AND {_HISTORY_BY_ME}"

_SALES_CUSTOMER_SEE = f"{HAS_ID} AND (owner_id = {ME} OR owner_id IS NULL)"
# Claim (owner := me) and release (owner := NULL) are allowed; giving to another person not;
# an own customer stays in the salesperson's branch (so their manager keeps seeing it).
_SALES_CUSTOMER_CHECK = (
    f"{HAS_ID} AND (owner_id IS NULL OR (owner_id = {ME} AND "
    f"branch_id IS NOT DISTINCT FROM {MY_BRANCH}))"
)
_MANAGER_CUSTOMER_SEE = (
    f"{HAS_ID} AND (branch_id = {MY_BRANCH} OR owner_id IS NULL OR owner_id = {ME})"
)
# The branch stays theirs; an owner is someone of their branch (or themselves, or the pool).
_MANAGER_CUSTOMER_CHECK = (
    f"{_MANAGER_CUSTOMER_SEE} AND (owner_id IS NULL OR owner_id = {ME} "
    f"OR owner_id IN {BRANCH_USERS})"
)
_MAIL_SEE_SALES = (
    f"{HAS_ID} AND CASE WHEN customer_id IS NOT NULL THEN {_customer_visible('customer_id')} "
    f"ELSE owner_id = {ME} END"
)
_MAIL_SEE_MANAGER = (
    f"{HAS_ID} AND CASE WHEN customer_id IS NOT NULL THEN {_customer_visible('customer_id')} "
    f"ELSE (owner_id = {ME} OR owner_id IN {BRANCH_USERS}) END"
)
_ATTACHMENT_SEE = (
    "CASE WHEN email_id IS NOT NULL THEN "
    "EXISTS (SELECT 1 FROM email_message m WHERE m.id = email_id) "
    f"ELSE {_customer_visible('customer_id')} END"
)


def _attachment_writes() -> list[Policy]:
    """A mail's attachments are written with the mail (as visible as it is); a customer's own
    attachments only when the customer may be changed."""
    out: list[Policy] = []
    for role, tag in ((SALES, "sales"), (MANAGER, "manager")):
        editable = (
            "CASE WHEN email_id IS NOT NULL THEN "
            "EXISTS (SELECT 1 FROM email_message m WHERE m.id = email_id) "
            f"ELSE {_customer_editable('customer_id', role)} END"
        )
        out += [
            Policy(f"crm_{tag}_insert", (role,), "INSERT", None, editable),
            Policy(f"crm_{tag}_update", (role,), "UPDATE", editable, editable),
        ]
    return out


# What a person may change on their own app_user row (sign-in time, name, e-mail, the flag
# cleared after a password change) plus the optimistic-locking columns the ORM writes.
OWN_USER_COLUMNS = (
    "display_name",
    "email",
    "last_login_at",
    "must_change_password",
    "updated_at",
    "version",
)

TABLES: tuple[TableSpec, ...] = (
    _reference_table("branch"),
    _reference_table("region"),
    _reference_table("grade"),
    _reference_table("company_setting"),
    TableSpec(
        "app_user",
        # Everyone reads the user list (no password hashes exist in Shared mode: a trigger
        # keeps password_hash NULL, so the ORM may keep loading the whole row).
        {SALES: READ, MANAGER: READ, ADMIN: WRITE},
        (
            # No function calls here: crm_user_id() reads app_user itself.
            Policy("crm_read", GROUPS, "SELECT", "true"),
            Policy("crm_usermgr_read", (USERMGR,), "SELECT", "true"),
            Policy(
                "crm_own_row",
                MEMBERS,
                "UPDATE",
                "login = current_user::text",
                "login = current_user::text",
            ),
            _all("crm_admin_all", (ADMIN,), HAS_ID),
        ),
        column_grants={SALES: {"UPDATE": OWN_USER_COLUMNS}, MANAGER: {"UPDATE": OWN_USER_COLUMNS}},
    ),
    TableSpec(
        "customer",
        {SALES: WRITE, MANAGER: WRITE, ADMIN: WRITE_DELETE},
        (
            Policy("crm_sales", (SALES,), "ALL", _SALES_CUSTOMER_SEE, _SALES_CUSTOMER_CHECK),
            Policy(
                "crm_manager", (MANAGER,), "ALL", _MANAGER_CUSTOMER_SEE, _MANAGER_CUSTOMER_CHECK
            ),
            _all("crm_admin_all", (ADMIN,), HAS_ID),
        ),
    ),
    _customer_owned("contact"),
    TableSpec(
        "ownership_change",
        {SALES: ("SELECT", "INSERT"), MANAGER: ("SELECT", "INSERT"), ADMIN: WRITE_DELETE},
        (
            Policy("crm_member_read", MEMBERS, "SELECT", _customer_visible("customer_id")),
            Policy("crm_sales_insert", (SALES,), "INSERT", None, _HISTORY_SALES),
            Policy("crm_manager_insert", (MANAGER,), "INSERT", None, _HISTORY_MANAGER),
            _all("crm_admin_all", (ADMIN,), HAS_ID),
        ),
    ),
    TableSpec(
        "followup",
        {SALES: WRITE, MANAGER: WRITE, ADMIN: WRITE_DELETE},
        (
            Policy("crm_member_read", MEMBERS, "SELECT", _customer_visible("customer_id")),
            Policy(
                "crm_member_update",
                MEMBERS,
                "UPDATE",
                _customer_visible("customer_id"),
                _customer_visible("customer_id"),
            ),
            # A salesperson logs follow-ups as themselves only, on their own customers (a pool
            # customer is claimed first, as the app says).
            Policy(
                "crm_sales_insert",
                (SALES,),
                "INSERT",
                None,
                "EXISTS (SELECT 1 FROM customer c WHERE c.id = customer_id "
                f"AND c.owner_id = {ME}) AND user_id = {ME}",
            ),
            Policy(
                "crm_manager_insert",
                (MANAGER,),
                "INSERT",
                None,
                _customer_visible("customer_id"),
            ),
            _all("crm_admin_all", (ADMIN,), HAS_ID),
        ),
    ),
    TableSpec(
        "email_message",
        {SALES: WRITE, MANAGER: WRITE, ADMIN: WRITE_DELETE},
        (
            _all("crm_sales", (SALES,), _MAIL_SEE_SALES),
            _all("crm_manager", (MANAGER,), _MAIL_SEE_MANAGER),
            _all("crm_admin_all", (ADMIN,), HAS_ID),
        ),
    ),
    TableSpec(
        "attachment",
        {SALES: WRITE, MANAGER: WRITE, ADMIN: WRITE_DELETE},
        (
            Policy("crm_member_read", MEMBERS, "SELECT", _ATTACHMENT_SEE),
            *_attachment_writes(),
            _all("crm_admin_all", (ADMIN,), HAS_ID),
        ),
    ),
    TableSpec(
        "mail_account",
        {SALES: WRITE_DELETE, MANAGER: WRITE_DELETE, ADMIN: WRITE_DELETE},
        (
            _all("crm_own", MEMBERS, f"user_id = {ME}"),
            _all("crm_admin_all", (ADMIN,), HAS_ID),
        ),
    ),
    TableSpec(
        "mail_folder_state",
        {SALES: WRITE_DELETE, MANAGER: WRITE_DELETE, ADMIN: WRITE_DELETE},
        (
            _all(
                "crm_own_account",
                MEMBERS,
                "EXISTS (SELECT 1 FROM mail_account a WHERE a.id = account_id)",
            ),
            _all("crm_admin_all", (ADMIN,), HAS_ID),
        ),
    ),
    TableSpec(
        "import_batch",
        {SALES: WRITE, MANAGER: WRITE, ADMIN: WRITE_DELETE},
        (
            _all("crm_sales", (SALES,), f"user_id = {ME}"),
            _all("crm_manager", (MANAGER,), f"user_id = {ME} OR user_id IN {BRANCH_USERS}"),
            _all("crm_admin_all", (ADMIN,), HAS_ID),
        ),
    ),
    TableSpec(
        # An import's undo data (the values its updates replaced): as visible as its batch.
        "import_change",
        {
            SALES: ("SELECT", "INSERT", "DELETE"),
            MANAGER: ("SELECT", "INSERT", "DELETE"),
            ADMIN: WRITE_DELETE,
        },
        (
            _all(
                "crm_member_batch",
                MEMBERS,
                "EXISTS (SELECT 1 FROM import_batch b WHERE b.id = batch_id)",
            ),
            _all("crm_admin_all", (ADMIN,), HAS_ID),
        ),
    ),
    TableSpec(
        "audit_log",
        # INSERT only (a trigger sets actor and time); SELECT is needed by INSERT … RETURNING,
        # which the ORM uses: a salesperson sees only their own rows.
        {SALES: ("SELECT", "INSERT"), MANAGER: ("SELECT", "INSERT"), ADMIN: ("SELECT", "INSERT")},
        (
            Policy("crm_insert", GROUPS, "INSERT", None, "actor = current_user::text"),
            Policy("crm_sales_read", (SALES,), "SELECT", "actor = current_user::text"),
            Policy(
                "crm_manager_read",
                (MANAGER,),
                "SELECT",
                f"actor = current_user::text OR actor IN {BRANCH_LOGINS}",
            ),
            Policy("crm_admin_read", (ADMIN,), "SELECT", HAS_ID),
        ),
    ),
    TableSpec(
        "alembic_version",
        EVERYONE,
        (Policy("crm_read", GROUPS, "SELECT", "true"),),
    ),
)
SPEC_BY_TABLE = {spec.name: spec for spec in TABLES}

# --------------------------------------------------------------------------- functions

_HELPERS = """
CREATE OR REPLACE FUNCTION crm_user_id() RETURNS integer
LANGUAGE sql STABLE SECURITY INVOKER SET search_path = pg_catalog, public AS
$$ SELECT id FROM public.app_user WHERE login = current_user::text AND active $$;
CREATE OR REPLACE FUNCTION crm_user_role() RETURNS text
LANGUAGE sql STABLE SECURITY INVOKER SET search_path = pg_catalog, public AS
$$ SELECT role::text FROM public.app_user WHERE login = current_user::text AND active $$;
CREATE OR REPLACE FUNCTION crm_user_branch() RETURNS integer
LANGUAGE sql STABLE SECURITY INVOKER SET search_path = pg_catalog, public AS
$$ SELECT branch_id FROM public.app_user WHERE login = current_user::text AND active $$;
CREATE OR REPLACE FUNCTION crm_can_export() RETURNS boolean
LANGUAGE sql STABLE SECURITY INVOKER SET search_path = pg_catalog, public AS
$$ SELECT coalesce((SELECT can_export OR role IN ('manager', 'admin') FROM public.app_user
   WHERE login = current_user::text AND active), false) $$;
CREATE OR REPLACE FUNCTION crm_audit_stamp() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, public AS
$$ BEGIN NEW.actor := current_user::text; NEW.at := clock_timestamp(); RETURN NEW; END $$;
CREATE OR REPLACE TRIGGER crm_audit_stamp BEFORE INSERT ON audit_log
FOR EACH ROW EXECUTE FUNCTION crm_audit_stamp();
CREATE OR REPLACE FUNCTION crm_no_password_hash() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, public AS
$$ BEGIN NEW.password_hash := NULL; RETURN NEW; END $$;
CREATE OR REPLACE TRIGGER crm_no_password_hash BEFORE INSERT OR UPDATE ON app_user
FOR EACH ROW EXECUTE FUNCTION crm_no_password_hash();
"""
HELPER_FUNCTIONS = ("crm_user_id", "crm_user_role", "crm_user_branch", "crm_can_export")

# What the policies cannot say, because they see one row version and not the change: the
# database refuses a salesperson what the app never does (issue 7). The row-level policies let a
# salesperson see and update pool customers (to claim them) and every follow-up of a customer
# they see; these BEFORE UPDATE triggers narrow that to the app's own writes:
# - a pool customer (OLD.owner_id IS NULL) is only claimed: owner := the salesperson, with
#   CLAIM_COLUMNS changing (pool.claim) — or, while it stays in the pool, its follow-up dates
#   are recomputed from the follow-ups (followups.refresh_customer_dates, run by a release after
#   the owner is cleared). Nothing else: no name, grade, notes, no soft delete or restore.
#   (There is no DELETE privilege on customer for salespeople at all.) The same holds for a
#   manager and the pool customers of other branches (their own branch's pool they edit).
# - a salesperson's own customer keeps what the app computes or a manager decides: ``locked``
#   (a manager's exemption from the pool rules), who created it and when, the holding dates
#   (``owner_since``/``pool_since`` change only with the owner) and the follow-up dates (equal to
#   what the follow-ups say); a new customer starts unlocked without follow-up dates.
# - a follow-up keeps its author and customer; the salesperson's own follow-ups of their own
#   customers are theirs to edit (followups.followup_editable); anybody else's, or their own once
#   the customer is in the pool, may only have a plan cancelled (pool claim/release/reclaim
#   cancel the plans of people who no longer hold the customer) and their own reminder stamped.
# Managers, administrators and crm_owner (migrations, server init) are not concerned.
CLAIM_COLUMNS = ("owner_id", "owner_since", "pool_since", "branch_id", "updated_at", "version")
POOL_DATE_COLUMNS = ("last_followup_at", "next_followup_at", "updated_at")
FOLLOWUP_CANCEL_COLUMNS = ("status", "updated_at", "version")


def _sql_array(columns: Sequence[str]) -> str:
    return "ARRAY[" + ", ".join(f"'{c}'" for c in columns) + "]::text[]"


_GUARDS = f"""
CREATE OR REPLACE FUNCTION crm_sales_customer_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, public AS $$
DECLARE
  me integer;
  role text;
  claim_columns text[] := {_sql_array(CLAIM_COLUMNS)};
  date_columns text[] := {_sql_array(POOL_DATE_COLUMNS)};
BEGIN
  IF OLD.owner_id IS NOT NULL THEN
    RETURN NEW;
  END IF;
  -- A manager edits the pool of their own branch; other branches' pool they only claim.
  role := coalesce(crm_user_role(), '');
  IF role <> 'sales' AND NOT (role = 'manager'
     AND OLD.branch_id IS DISTINCT FROM crm_user_branch()) THEN
    RETURN NEW;
  END IF;
  me := crm_user_id();
  IF NEW.owner_id IS NOT NULL THEN
    IF NEW.owner_id = me AND OLD.deleted_at IS NULL AND NEW.pool_since IS NULL
       AND (to_jsonb(NEW) - claim_columns) = (to_jsonb(OLD) - claim_columns) THEN
      RETURN NEW;  -- a claim
    END IF;
    RAISE EXCEPTION 'customer % is in the public pool: you may only claim it '
      '(owner, owner since, pool since and branch change), nothing else', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF (to_jsonb(NEW) - date_columns) = (to_jsonb(OLD) - date_columns)
     AND (NEW.last_followup_at IS NOT DISTINCT FROM OLD.last_followup_at
          OR NEW.last_followup_at IS NOT DISTINCT FROM (
            SELECT max(f.happened_at) FROM public.followup f WHERE f.customer_id = OLD.id
            AND f.status = 'done' AND f.deleted_at IS NULL))
     AND (NEW.next_followup_at IS NOT DISTINCT FROM OLD.next_followup_at
          OR NEW.next_followup_at IS NOT DISTINCT FROM (
            SELECT min(f.due_at) FROM public.followup f WHERE f.customer_id = OLD.id
            AND f.status = 'planned' AND f.deleted_at IS NULL)) THEN
    RETURN NEW;  -- the follow-up dates recomputed (a release clears the plans)
  END IF;
  RAISE EXCEPTION 'customer % is in the public pool: claim it before changing it', OLD.id
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE OR REPLACE TRIGGER crm_sales_customer_guard BEFORE UPDATE ON customer
FOR EACH ROW WHEN (OLD.owner_id IS NULL) EXECUTE FUNCTION crm_sales_customer_guard();
CREATE OR REPLACE FUNCTION crm_sales_own_customer_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, public AS $$
BEGIN
  IF crm_user_role() IS DISTINCT FROM 'sales' THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.locked OR NEW.last_followup_at IS NOT NULL OR NEW.next_followup_at IS NOT NULL THEN
      RAISE EXCEPTION 'a new customer starts unlocked and without follow-up dates'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.locked IS DISTINCT FROM OLD.locked THEN
    RAISE EXCEPTION 'customer %: only a manager may lock or unlock a customer', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.uuid IS DISTINCT FROM OLD.uuid OR NEW.created_at IS DISTINCT FROM OLD.created_at
     OR NEW.created_by_id IS DISTINCT FROM OLD.created_by_id THEN
    RAISE EXCEPTION 'customer %: who created it and when stay as they are', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.owner_id IS NOT DISTINCT FROM OLD.owner_id
     AND (NEW.owner_since IS DISTINCT FROM OLD.owner_since
          OR NEW.pool_since IS DISTINCT FROM OLD.pool_since) THEN
    RAISE EXCEPTION 'customer %: the holding dates change only with the owner', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF (NEW.last_followup_at IS DISTINCT FROM OLD.last_followup_at
      AND NEW.last_followup_at IS DISTINCT FROM (
        SELECT max(f.happened_at) FROM public.followup f WHERE f.customer_id = OLD.id
        AND f.status = 'done' AND f.deleted_at IS NULL))
     OR (NEW.next_followup_at IS DISTINCT FROM OLD.next_followup_at
      AND NEW.next_followup_at IS DISTINCT FROM (
        SELECT min(f.due_at) FROM public.followup f WHERE f.customer_id = OLD.id
        AND f.status = 'planned' AND f.deleted_at IS NULL)) THEN
    RAISE EXCEPTION 'customer %: the follow-up dates come from the follow-ups', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER crm_sales_own_customer_guard BEFORE INSERT OR UPDATE ON customer
FOR EACH ROW EXECUTE FUNCTION crm_sales_own_customer_guard();
CREATE OR REPLACE FUNCTION crm_sales_followup_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, public AS $$
DECLARE
  me integer;
  loose text[] := {_sql_array(FOLLOWUP_CANCEL_COLUMNS)};
BEGIN
  IF crm_user_role() IS DISTINCT FROM 'sales' THEN
    RETURN NEW;
  END IF;
  me := crm_user_id();
  IF NEW.user_id IS DISTINCT FROM OLD.user_id THEN
    RAISE EXCEPTION 'follow-up %: a salesperson may not change who logged it', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.customer_id IS DISTINCT FROM OLD.customer_id THEN
    RAISE EXCEPTION 'follow-up %: a salesperson may not move it to another customer', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.user_id = me AND EXISTS (
       SELECT 1 FROM public.customer c WHERE c.id = OLD.customer_id AND c.owner_id = me) THEN
    RETURN NEW;  -- their own follow-up of their own customer
  END IF;
  IF OLD.user_id = me THEN
    loose := loose || 'reminded_at'::text;
  END IF;
  IF (to_jsonb(NEW) - loose) = (to_jsonb(OLD) - loose)
     AND (NEW.status = OLD.status OR (OLD.status = 'planned' AND NEW.status = 'cancelled')) THEN
    RETURN NEW;  -- a plan cancelled (claim, release, reclaim) or a reminder shown
  END IF;
  RAISE EXCEPTION 'follow-up %: a salesperson may change only their own follow-ups of their '
    'own customers', OLD.id
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE OR REPLACE TRIGGER crm_sales_followup_guard BEFORE UPDATE ON followup
FOR EACH ROW EXECUTE FUNCTION crm_sales_followup_guard();
"""
GUARD_TRIGGERS = {
    "crm_sales_customer_guard": "customer",
    "crm_sales_own_customer_guard": "customer",
    "crm_sales_followup_guard": "followup",
}

# The search box's candidate sources (services/search.py) in Shared mode. Under row-level
# security PostgreSQL evaluates the policy before any operator that is not LEAKPROOF (LIKE,
# pg_trgm, tsvector @@), so none of them can be an index condition: a salesperson's search read
# the policy's owner index (160,000 rows) and filtered those, 200–5,000 ms instead of 10. This
# function runs as crm_owner, whose policy is ``true`` (no security quals: the search indexes
# are used), and writes the caller's visibility into the query itself, in the shape of
# search.visibility_filter (no index serves it; the search_customer_visibility statistics match
# it). It never returns more than the customer policies show the caller:
#   - the caller is ``session_user`` (inside a SECURITY DEFINER function current_user is the
#     owner), an active app_user; anybody else gets nothing;
#   - admin (role admin and member of crm_admin): every customer; manager (role manager and
#     member of crm_manager): own, pool and their branch; any other member of a group: own and
#     pool — the sales policy, which every group's policy includes;
#   - the patterns are built here from raw words (LIKE escapes, a quoted tsquery lexeme), so no
#     caller-chosen pattern can make an operator fail on some rows and not others.
# It returns ids only; the service reads the rows under row-level security again.
_SEARCH = r"""
CREATE OR REPLACE FUNCTION crm_search_customer_ids(p_source text, p_terms text[],
    p_required text[], p_cap integer) RETURNS SETOF integer
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public ROWS 200 AS $$
DECLARE
  me integer;
  my_role text;
  my_branch integer;
  term text := coalesce(p_terms[1], '');
  visible text;
  cond text;
  ordering text := '';
  word text;
BEGIN
  SELECT u.id, u.role::text, u.branch_id INTO me, my_role, my_branch
    FROM public.app_user u WHERE u.login = session_user::text AND u.active;
  IF me IS NULL OR coalesce(p_cap, 0) <= 0 OR coalesce(cardinality(p_terms), 0) = 0
     OR EXISTS (SELECT 1 FROM unnest(p_terms) t WHERE coalesce(t, '') = '') THEN
    RETURN;  -- nobody, or nothing to look for
  END IF;
  IF my_role = 'admin' AND pg_has_role(session_user, 'crm_admin', 'USAGE') THEN
    visible := '';
  ELSIF my_role = 'manager' AND my_branch IS NOT NULL
        AND pg_has_role(session_user, 'crm_manager', 'USAGE') THEN
    visible := format(' AND (coalesce(c.owner_id, 0) IN (0, %s)'
                      ' OR coalesce(c.branch_id, 0) = %s)', me, my_branch);
  ELSIF pg_has_role(session_user, 'crm_sales', 'USAGE')
        OR pg_has_role(session_user, 'crm_manager', 'USAGE')
        OR pg_has_role(session_user, 'crm_admin', 'USAGE') THEN
    visible := format(' AND coalesce(c.owner_id, 0) IN (0, %s)', me);
  ELSE
    RETURN;
  END IF;
  IF p_source = 'name' THEN
    cond := format('c.name_norm = %L', term);
  ELSIF p_source = 'name_prefix' THEN
    cond := format('(c.name_norm COLLATE "C") > %L AND (c.name_norm COLLATE "C") < %L',
                   term, term || chr(1114111));
    ordering := ' ORDER BY c.name_norm COLLATE "C"';
  ELSIF p_source = 'initials_prefix' THEN
    cond := format('(c.name_initials COLLATE "C") >= %L AND (c.name_initials COLLATE "C") < %L',
                   term, term || chr(1114111));
    ordering := ' ORDER BY c.name_initials COLLATE "C"';
  ELSIF p_source IN ('keys', 'keys_prefix') THEN
    cond := format('to_tsvector(''simple''::regconfig, c.search_keys) '
                   '@@ to_tsquery(''simple''::regconfig, %L)',
                   '''' || replace(replace(term, '\', '\\'), '''', '''''') || ''''
                   || CASE WHEN p_source = 'keys_prefix' THEN ':*' ELSE '' END);
  ELSIF p_source = 'text' THEN
    cond := 'true';
    FOREACH word IN ARRAY p_terms LOOP
      cond := cond || format(' AND c.search_text LIKE %L ESCAPE ''\''', '%'
        || replace(replace(replace(coalesce(word, ''), '\', '\\'), '%', '\%'), '_', '\_') || '%');
    END LOOP;
  ELSE
    RAISE EXCEPTION 'unknown search source %', quote_literal(coalesce(p_source, ''))
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOREACH word IN ARRAY coalesce(p_required, '{}'::text[]) LOOP
    cond := cond || format(' AND c.search_text LIKE %L ESCAPE ''\''', '%'
      || replace(replace(replace(coalesce(word, ''), '\', '\\'), '%', '\%'), '_', '\_') || '%');
  END LOOP;
  RETURN QUERY EXECUTE 'SELECT c.id FROM public.customer c WHERE ' || cond
    || ' AND c.deleted_at IS NULL' || visible || ordering || format(' LIMIT %s', p_cap);
END $$;
"""
SEARCH_FUNCTION = "crm_search_customer_ids"
SEARCH_FUNCTION_ARGS = "text, text[], text[], integer"

_RESERVED_SQL = ", ".join(f"'{r}'" for r in RESERVED_ROLES)
_GROUPS_SQL = ", ".join(f"'{g}'" for g in GROUPS)

# Owned by crm_usermgr (CREATEROLE). They run as that role: the caller is session_user.
_USERMGR = f"""
CREATE OR REPLACE FUNCTION crm_usermgr_guard(p_login text, p_must_exist boolean,
    p_self_ok boolean DEFAULT false) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE r pg_roles%ROWTYPE;
BEGIN
  IF NOT (p_self_ok AND p_login = session_user::text)
     AND NOT coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false)
     AND NOT pg_has_role(session_user, '{OWNER}', 'MEMBER')
     AND NOT (pg_has_role(session_user, '{ADMIN}', 'MEMBER') AND EXISTS (
       SELECT 1 FROM public.app_user WHERE login = session_user::text AND active
       AND role = 'admin')) THEN
    RAISE EXCEPTION 'only an administrator may manage logins'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_login IS NULL OR p_login !~ '{LOGIN_PATTERN}' OR p_login IN ({_RESERVED_SQL})
     OR p_login LIKE 'pg\\_%' THEN
    RAISE EXCEPTION '% is not a valid login', quote_literal(coalesce(p_login, ''))
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT * INTO r FROM pg_roles WHERE rolname = p_login;
  IF NOT FOUND THEN
    IF p_must_exist THEN
      RAISE EXCEPTION 'no login %', quote_literal(p_login)
        USING ERRCODE = 'undefined_object';
    END IF;
    RETURN false;
  END IF;
  IF r.rolsuper OR r.rolcreaterole OR r.rolbypassrls OR r.rolreplication OR r.rolcreatedb
     OR EXISTS (SELECT 1 FROM pg_auth_members WHERE roleid = r.oid)
     OR NOT EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                    WHERE m.member = r.oid AND g.rolname IN ({_GROUPS_SQL}))
     OR EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                WHERE m.member = r.oid AND g.rolname NOT IN ({_GROUPS_SQL})) THEN
    RAISE EXCEPTION 'the role % exists and is not a crm-desktop login', quote_literal(p_login)
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN true;
END $$;

CREATE OR REPLACE FUNCTION crm_usermgr_group(p_login text, p_role text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE g text;
BEGIN
  IF p_role IS NULL OR p_role NOT IN ('sales', 'manager', 'admin') THEN
    RAISE EXCEPTION 'unknown role %', quote_literal(coalesce(p_role, ''))
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOREACH g IN ARRAY ARRAY[{_GROUPS_SQL}] LOOP
    IF g <> ('crm_' || p_role) AND pg_has_role(p_login, g, 'MEMBER') THEN
      EXECUTE format('REVOKE %I FROM %I', g, p_login);
    END IF;
  END LOOP;
  IF NOT EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g2 ON g2.oid = m.roleid
                 JOIN pg_roles u ON u.oid = m.member
                 WHERE u.rolname = p_login AND g2.rolname = 'crm_' || p_role) THEN
    EXECUTE format('GRANT %I TO %I', 'crm_' || p_role, p_login);
  END IF;
END $$;

CREATE OR REPLACE FUNCTION crm_create_login(p_login text, p_password text, p_role text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF coalesce(p_password, '') = '' THEN
    RAISE EXCEPTION 'a password is required' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF crm_usermgr_guard(p_login, false) THEN
    EXECUTE format('ALTER ROLE %I LOGIN INHERIT PASSWORD %L', p_login, p_password);
  ELSE
    EXECUTE format('CREATE ROLE %I LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE '
                   'NOREPLICATION NOBYPASSRLS PASSWORD %L', p_login, p_password);
  END IF;
  PERFORM crm_usermgr_group(p_login, p_role);
END $$;

CREATE OR REPLACE FUNCTION crm_set_login_password(p_login text, p_password text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF coalesce(p_password, '') = '' THEN
    RAISE EXCEPTION 'a password is required' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM crm_usermgr_guard(p_login, true, true);
  EXECUTE format('ALTER ROLE %I PASSWORD %L', p_login, p_password);
END $$;

CREATE OR REPLACE FUNCTION crm_set_login_role(p_login text, p_role text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  PERFORM crm_usermgr_guard(p_login, true);
  PERFORM crm_usermgr_group(p_login, p_role);
END $$;

CREATE OR REPLACE FUNCTION crm_disable_login(p_login text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  PERFORM crm_usermgr_guard(p_login, true);
  IF p_login = session_user::text THEN
    RAISE EXCEPTION 'you cannot disable your own login'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  EXECUTE format('ALTER ROLE %I NOLOGIN', p_login);
  PERFORM pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE usename = p_login AND pid <> pg_backend_pid();
END $$;

CREATE OR REPLACE FUNCTION crm_enable_login(p_login text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  PERFORM crm_usermgr_guard(p_login, true);
  EXECUTE format('ALTER ROLE %I LOGIN', p_login);
END $$;
"""
USERMGR_FUNCTIONS = {
    "crm_usermgr_guard": "text, boolean, boolean",
    "crm_usermgr_group": "text, text",
    "crm_create_login": "text, text, text",
    "crm_set_login_password": "text, text",
    "crm_set_login_role": "text, text",
    "crm_disable_login": "text",
    "crm_enable_login": "text",
}
# Called by people (the rest are internal to the user-management functions).
USERMGR_PUBLIC = (
    "crm_create_login",
    "crm_set_login_password",
    "crm_set_login_role",
    "crm_disable_login",
    "crm_enable_login",
)


def _split(script: str) -> list[str]:
    """Split on ';' at line ends outside dollar-quoted bodies."""
    statements: list[str] = []
    current: list[str] = []
    inside = False
    for line in script.strip().splitlines():
        current.append(line)
        inside ^= line.count("$$") % 2 == 1
        if not inside and line.rstrip().endswith(";"):
            statements.append("\n".join(current).rstrip().rstrip(";"))
            current = []
    if "".join(current).strip():
        statements.append("\n".join(current))
    return statements


# --------------------------------------------------------------------------- roles


def _run(conn: Connection, sql: str) -> None:
    """Execute a statement without parameters (psycopg reads '%' as a placeholder even then)."""
    conn.exec_driver_sql(sql.replace("%", "%%"))


def _exists(conn: Connection, role: str) -> bool:
    return bool(conn.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).first())


def _is_superuser(conn: Connection) -> bool:
    return bool(
        conn.exec_driver_sql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").scalar()
    )


def ensure_roles(conn: Connection) -> list[str]:
    """Create the NOLOGIN roles that are missing (cluster-wide) and give the bootstrap admin
    (``current_user``) what it needs; return the names created."""
    created: list[str] = []
    attributes = {
        OWNER: "NOLOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS",
        SALES: "NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS",
        MANAGER: "NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS",
        ADMIN: "NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS",
        USERMGR: "NOLOGIN NOSUPERUSER NOCREATEDB CREATEROLE NOBYPASSRLS",
    }
    for role, attrs in attributes.items():
        if not _exists(conn, role):
            conn.exec_driver_sql(f"CREATE ROLE {role} {attrs}")
            created.append(role)
    superuser = _is_superuser(conn)
    me = str(conn.exec_driver_sql("SELECT current_user").scalar())
    for role in (OWNER, USERMGR):
        if not superuser and not _member(conn, me, role):
            conn.exec_driver_sql(f"GRANT {role} TO {_ident(conn, me)}")
    if not _member(conn, USERMGR, "pg_signal_backend"):
        conn.exec_driver_sql(f"GRANT pg_signal_backend TO {USERMGR}")
    database = str(conn.exec_driver_sql("SELECT current_database()").scalar())
    if not _has_database_create(conn, OWNER, database):
        conn.exec_driver_sql(f"GRANT CREATE ON DATABASE {_ident(conn, database)} TO {OWNER}")
    for role in (OWNER, USERMGR):
        if not _has_schema_privilege(conn, role, "CREATE" if role == OWNER else "USAGE"):
            conn.exec_driver_sql(f"GRANT USAGE, CREATE ON SCHEMA public TO {role}")
    return created


def _ident(conn: Connection, name: str) -> str:
    return str(conn.exec_driver_sql("SELECT quote_ident(%s)", (name,)).scalar())


def _member(conn: Connection, member: str, role: str) -> bool:
    row = conn.exec_driver_sql(
        "SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
        "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = %s AND r.rolname = %s",
        (member, role),
    ).first()
    return row is not None


def _has_database_create(conn: Connection, role: str, database: str) -> bool:
    return bool(
        conn.exec_driver_sql(
            "SELECT has_database_privilege(%s, %s, 'CREATE')", (role, database)
        ).scalar()
    )


def _has_schema_privilege(conn: Connection, role: str, privilege: str) -> bool:
    return bool(
        conn.exec_driver_sql(
            "SELECT has_schema_privilege(%s, 'public', %s)", (role, privilege)
        ).scalar()
    )


def take_ownership(conn: Connection) -> int:
    """Make ``crm_owner`` the owner of every table, sequence, view and function of the
    ``public`` schema (extension members excepted); return how many objects moved."""
    rows = conn.exec_driver_sql(
        """
        SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
               WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
               format('%%I.%%I', n.nspname, c.relname)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND pg_get_userbyid(c.relowner) <> %s
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
        UNION ALL
        SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END,
               p.oid::regprocedure::text
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) NOT IN (%s, %s)
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                          AND d.objid = p.oid AND d.deptype = 'e')
        UNION ALL
        SELECT 'STATISTICS', format('%%I.%%I', n.nspname, s.stxname)
        FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace
        WHERE n.nspname = 'public' AND pg_get_userbyid(s.stxowner) <> %s
        """,
        (OWNER, OWNER, USERMGR, OWNER),
    ).all()
    for kind, name in rows:
        conn.exec_driver_sql(f"ALTER {kind} {name} OWNER TO {OWNER}")
    return len(rows)


def ensure_login(conn: Connection, login: str, password: str, role: str) -> bool:
    """The bootstrap admin's way to create a login (``crm_create_login``); True when the role
    did not exist before."""
    existed = _exists(conn, login)
    if existed and _member(conn, login, GROUP_OF_ROLE[role]):
        return False  # a re-run: the password stays as it is
    conn.exec_driver_sql("SELECT crm_create_login(%s, %s, %s)", (login, password, role))
    return not existed


# --------------------------------------------------------------------------- schema


def table_names(conn: Connection) -> list[str]:
    rows = conn.exec_driver_sql(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname"
    ).all()
    return [str(r[0]) for r in rows]


def owner_statements(tables: Sequence[str]) -> list[str]:
    """Statements run as ``crm_owner``: helpers, triggers, grants, RLS and policies."""
    unknown = sorted(set(tables) - set(SPEC_BY_TABLE))
    if unknown:
        # A table this code does not know (a newer migration?) gets no grants: closed.
        pass
    statements = [
        "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {', '.join(GROUPS)}, {USERMGR}",
        "REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM PUBLIC",
        *_split(_HELPERS),
        *_split(_GUARDS),
    ]
    for name in HELPER_FUNCTIONS:
        statements.append(f"REVOKE ALL ON FUNCTION {name}() FROM PUBLIC")
        statements.append(f"GRANT EXECUTE ON FUNCTION {name}() TO {', '.join(GROUPS)}, {USERMGR}")
    for fn in ("crm_audit_stamp", "crm_no_password_hash", *GUARD_TRIGGERS):
        statements.append(f"REVOKE ALL ON FUNCTION {fn}() FROM PUBLIC")
    statements.extend(_split(_SEARCH))
    search = f"{SEARCH_FUNCTION}({SEARCH_FUNCTION_ARGS})"
    statements.append(f"REVOKE ALL ON FUNCTION {search} FROM PUBLIC")
    statements.append(f"GRANT EXECUTE ON FUNCTION {search} TO {', '.join(GROUPS)}")
    statements.append(
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {', '.join(GROUPS)}"
    )
    for table in tables:
        spec = SPEC_BY_TABLE.get(table)
        statements.append(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        statements.append(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        statements.append(
            f"CREATE POLICY crm_owner_all ON {table} AS PERMISSIVE FOR ALL TO {OWNER} "
            "USING (true) WITH CHECK (true)"
        )
        if spec is None:
            continue
        for group, privileges in spec.grants.items():
            statements.append(f"GRANT {', '.join(privileges)} ON {table} TO {group}")
        for group, by_privilege in spec.column_grants.items():
            for privilege, columns in by_privilege.items():
                statements.append(f"GRANT {privilege} ({', '.join(columns)}) ON {table} TO {group}")
        if table == "app_user":
            statements.append(f"GRANT SELECT ON {table} TO {USERMGR}")
        for policy in spec.policies:
            statements.append(policy.ddl(table))
    return statements


def usermgr_statements() -> list[str]:
    """Statements run as the bootstrap admin: the login functions, owned by crm_usermgr."""
    statements = _split(_USERMGR)
    for name, args in USERMGR_FUNCTIONS.items():
        statements.append(f"ALTER FUNCTION {name}({args}) OWNER TO {USERMGR}")
        statements.append(f"REVOKE ALL ON FUNCTION {name}({args}) FROM PUBLIC")
    for name in USERMGR_PUBLIC:
        args = USERMGR_FUNCTIONS[name]
        statements.append(f"GRANT EXECUTE ON FUNCTION {name}({args}) TO {ADMIN}, {OWNER}")
    # Everyone may change their own password (the function checks it is their own).
    statements.append(
        f"GRANT EXECUTE ON FUNCTION crm_set_login_password(text, text) TO {SALES}, {MANAGER}"
    )
    return statements


def _drop_policies(conn: Connection) -> None:
    rows = conn.exec_driver_sql(
        "SELECT policyname, tablename FROM pg_policies WHERE schemaname = 'public'"
    ).all()
    for policy, table in rows:
        conn.exec_driver_sql(f'DROP POLICY "{policy}" ON "{table}"')


def schema_digest(tables: Sequence[str]) -> str:
    text = "\n".join([*owner_statements(tables), *usermgr_statements()])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def stored_digest(conn: Connection) -> str | None:
    comment = conn.exec_driver_sql(
        "SELECT obj_description(to_regprocedure('public.crm_user_id()'), 'pg_proc')"
    ).scalar()
    if not comment or not str(comment).startswith(DIGEST_MARK):
        return None
    return str(comment)[len(DIGEST_MARK) :]


def apply_shared_schema(conn: Connection) -> bool:
    """Grants, RLS, policies and functions for every table (run by the bootstrap admin, after
    the migrations). Idempotent; False when everything was in place already."""
    tables = table_names(conn)
    digest = schema_digest(tables)
    if stored_digest(conn) == digest and not check_catalogue(conn):
        return False
    conn.exec_driver_sql("REVOKE ALL ON SCHEMA public FROM PUBLIC")
    conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {', '.join(GROUPS)}, {USERMGR}")
    conn.exec_driver_sql(f"SET LOCAL ROLE {OWNER}")
    _drop_policies(conn)
    for statement in owner_statements(tables):
        _run(conn, statement)
    conn.exec_driver_sql(f"COMMENT ON FUNCTION crm_user_id() IS '{DIGEST_MARK}{digest}'")
    conn.exec_driver_sql("RESET ROLE")
    for statement in usermgr_statements():
        _run(conn, statement)
    # No password hashes in Shared mode (logins are PostgreSQL roles).
    conn.exec_driver_sql(f"SET LOCAL ROLE {OWNER}")
    conn.exec_driver_sql("UPDATE app_user SET password_hash = NULL WHERE password_hash IS NOT NULL")
    conn.exec_driver_sql("RESET ROLE")
    return True


def is_shared(conn: Connection) -> bool:
    """``crm_owner`` owns ``customer``."""
    owner = conn.exec_driver_sql(
        "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = to_regclass('public.customer')"
    ).scalar()
    return owner == OWNER


def search_function_applies(conn: Connection) -> bool:
    """The search should go through the Shared-mode search function: it exists (``db upgrade``
    adds it to older databases), this login may execute it and is subject to row-level
    security as itself (not a superuser or BYPASSRLS role, which read the search indexes
    directly, and no SET ROLE: the function serves ``session_user``)."""
    signature = f"public.{SEARCH_FUNCTION}({SEARCH_FUNCTION_ARGS})"
    found = conn.exec_driver_sql(
        "SELECT CASE WHEN to_regprocedure(%s) IS NULL THEN false "
        "ELSE has_function_privilege(%s, 'EXECUTE') "
        "AND current_user = session_user "
        "AND NOT (SELECT r.rolsuper OR r.rolbypassrls FROM pg_roles r "
        "WHERE r.rolname = current_user) END",
        (signature, signature),
    ).scalar()
    return bool(found)


# --------------------------------------------------------------------------- check


def check_catalogue(conn: Connection) -> list[str]:
    """Everything that is not as Shared mode needs it, one sentence each (empty: all well)."""
    problems: list[str] = []
    if not is_shared(conn):
        return ["the database is not in Shared mode (crm_owner does not own customer)"]
    for role in (*RESERVED_ROLES,):
        row = conn.exec_driver_sql(
            "SELECT rolcanlogin, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s",
            (role,),
        ).first()
        if row is None:
            problems.append(f"the role {role} is missing")
            continue
        if row[0]:
            problems.append(f"the group role {role} can log in")
        if row[1] or row[2]:
            problems.append(f"the group role {role} is superuser or BYPASSRLS")
    rows = conn.exec_driver_sql(
        """
        SELECT c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity,
               pg_get_userbyid(c.relowner), coalesce(c.reloptions, '{}'),
               (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid),
               coalesce(array_to_string(c.relacl, ','), '')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        ORDER BY c.relname
        """
    ).all()
    for name, kind, rls, forced, owner, options, policies, acl in rows:
        if owner != OWNER:
            problems.append(f"{name} is owned by {owner}, not {OWNER}")
        if kind in ("r", "p"):
            if not rls:
                problems.append(f"row-level security is off on table {name}")
            elif not forced:
                problems.append(f"row-level security is not forced on table {name}")
            if policies == 0:
                problems.append(f"table {name} has no policies")
            if name not in SPEC_BY_TABLE:
                problems.append(f"table {name} is not known to this version's role model")
        elif kind == "v":
            if not any(o in ("security_invoker=true", "security_invoker=on") for o in options):
                problems.append(f"view {name} is not security_invoker")
        elif kind in ("m", "f"):
            problems.append(f"{name} (materialized view or foreign table) cannot have RLS")
        if any(entry.startswith("=") for entry in acl.split(",") if entry):
            problems.append(f"PUBLIC has privileges on {name}")
    # Every role that can reach one of the groups: no superuser, owner, CREATEROLE, BYPASSRLS.
    logins = conn.exec_driver_sql(
        f"""
        SELECT r.rolname, r.rolsuper, r.rolbypassrls, r.rolcreaterole,
               pg_has_role(r.oid, '{OWNER}', 'MEMBER'),
               array(SELECT g.rolname::text FROM pg_auth_members m
                     JOIN pg_roles g ON g.oid = m.roleid
                     WHERE m.member = r.oid AND g.rolname IN ({_GROUPS_SQL}) ORDER BY 1),
               (SELECT u.role FROM app_user u WHERE u.login = r.rolname::text)
        FROM pg_roles r
        WHERE r.rolname NOT IN ({_RESERVED_SQL})
          AND (pg_has_role(r.oid, '{SALES}', 'MEMBER') OR pg_has_role(r.oid, '{MANAGER}',
               'MEMBER') OR pg_has_role(r.oid, '{ADMIN}', 'MEMBER'))
          AND NOT r.rolsuper IS NULL
        ORDER BY r.rolname
        """
    ).all()
    for login, superuser, bypass, createrole, owner_member, groups, app_role in logins:
        if superuser:
            # A superuser is "member" of everything; only a real membership makes it an app login.
            if groups:
                problems.append(f"the app login {login} is a superuser")
            continue
        if bypass:
            problems.append(f"the app login {login} has BYPASSRLS")
        if createrole:
            problems.append(f"the app login {login} has CREATEROLE")
        if owner_member:
            problems.append(f"the app login {login} is a member of {OWNER}")
        if len(groups) > 1:
            problems.append(f"the app login {login} is in more than one group: {groups}")
        if app_role is not None and groups and groups != [GROUP_OF_ROLE.get(str(app_role))]:
            problems.append(
                f"the app login {login} is in {groups} but its app_user role is {app_role}"
            )
    owned = conn.exec_driver_sql(
        f"""
        SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) <> '{OWNER}'
          AND (pg_has_role(c.relowner, '{SALES}', 'MEMBER')
               OR pg_has_role(c.relowner, '{MANAGER}', 'MEMBER')
               OR pg_has_role(c.relowner, '{ADMIN}', 'MEMBER'))
          AND NOT (SELECT rolsuper FROM pg_roles WHERE oid = c.relowner)
        """
    ).all()
    for (login,) in owned:
        problems.append(f"the app login {login} owns objects of the schema")
    functions = conn.exec_driver_sql(
        """
        SELECT p.proname, p.prosecdef, coalesce(array_to_string(p.proconfig, ','), ''),
               has_function_privilege('public', p.oid, 'EXECUTE')
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND left(p.proname, 4) = 'crm_'
        """
    ).all()
    names = {str(f[0]) for f in functions}
    expected = (*HELPER_FUNCTIONS, *USERMGR_FUNCTIONS, "crm_audit_stamp", SEARCH_FUNCTION)
    for name in (*expected, *GUARD_TRIGGERS):
        if name not in names:
            problems.append(f"the function {name} is missing")
    for name, secdef, config, public_exec in functions:
        if secdef and "search_path=" not in config:
            problems.append(f"the SECURITY DEFINER function {name} has no fixed search_path")
        if secdef and public_exec:
            problems.append(f"everyone may execute the SECURITY DEFINER function {name}")
    for trigger, table in {"crm_audit_stamp": "audit_log", **GUARD_TRIGGERS}.items():
        found = conn.exec_driver_sql(
            "SELECT 1 FROM pg_trigger WHERE tgname = %s "
            "AND tgrelid = to_regclass('public.' || %s) AND tgenabled <> 'D'",
            (trigger, table),
        ).first()
        if found is None:
            problems.append(f"the {table} trigger {trigger} is missing or disabled")
    return problems
