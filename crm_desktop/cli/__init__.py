"""The command line (DESIGN §11): a thin shell over the services the GUI uses too.

Exit codes: 0 ok, 1 a user-facing error (one clear line on stderr), 2 usage.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from crm_desktop import __version__
from crm_desktop.core.errors import (
    ConnectionLost,
    CrmError,
    ImportFileError,
    OperationCancelled,
    UserError,
)
from crm_desktop.core.progress import ProgressState

log = logging.getLogger("crm_desktop.cli")
T = TypeVar("T")


# --------------------------------------------------------------------------- output


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _print_json(value: Any) -> None:
    print(json.dumps(_jsonable(value), ensure_ascii=False, indent=None))


class CliError(UserError):
    """A user error found by the command line itself (bad combination of options …)."""


# --------------------------------------------------------------------------- database


def _resolve_url(args: argparse.Namespace) -> tuple[str, str | None]:
    """(URL without password, password or None) from --database / --profile / the default."""
    from crm_desktop.core import secrets
    from crm_desktop.core.settings import load_settings, strip_password

    if args.database:
        url, password = strip_password(args.database)
    else:
        profile = load_settings().profile(args.profile)
        url, password = strip_password(profile.url)
    if password is None and url.startswith("postgres"):
        from sqlalchemy.engine import make_url

        user = make_url(url).username
        password = secrets.get_password(secrets.secret_key(url, user))
    return url, password


def _with_database(args: argparse.Namespace, fn: Callable[[Any], T], *, create: bool = False) -> T:
    from crm_desktop.services.database import open_database

    url, password = _resolve_url(args)
    db = open_database(url, password=password, create=create)
    try:
        with db.session_factory.begin() as session:
            return fn(session)
    finally:
        db.dispose()


# --------------------------------------------------------------------------- commands


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from crm_desktop.services.database import upgrade_database

    url, password = _resolve_url(args)
    result = upgrade_database(url, password=password)
    if args.json:
        _print_json(result)
    elif result.changed:
        print(f"{result.database}: schema upgraded to {result.revision}")
    else:
        print(f"{result.database}: schema already at {result.revision}, nothing to do")
    return 0


def cmd_db_check(args: argparse.Namespace) -> int:
    from crm_desktop.services.database import check_integrity, open_database

    url, password = _resolve_url(args)
    db = open_database(url, password=password)
    try:
        result = check_integrity(db)
    finally:
        db.dispose()
    if args.json:
        _print_json(result)
    if not result.ok:
        raise CliError(f"{result.database} is damaged (integrity check: {result.finding})")
    if not args.json:
        print(f"{result.database}: integrity ok ({result.elapsed_s:.1f} s)")
    return 0


def cmd_server_init(args: argparse.Namespace) -> int:
    from crm_desktop.services.server import server_init

    url, password = _resolve_url(args)
    admin_password = _read_new_password(args)
    if not admin_password:
        raise CliError(
            "The first admin needs a password: use --password-stdin or run on a terminal"
        )
    result = server_init(
        url,
        admin_login=args.admin,
        admin_password=admin_password,
        admin_name=args.name,
        company=args.company,
        password=password,
        progress=None if args.json else (lambda message: print(f"… {message}")),
    )
    if args.json:
        _print_json(result)
    elif result.changed:
        print(
            f"{result.database}: Shared mode ready (schema {result.revision}); "
            f"first admin {result.admin_login!r}."
        )
    else:
        print(f"{result.database}: already in Shared mode; nothing to do.")
    return 0


def cmd_server_check(args: argparse.Namespace) -> int:
    from crm_desktop.services.server import server_check

    url, password = _resolve_url(args)
    result = server_check(url, password=password)
    if args.json:
        _print_json(result)
    elif result.ok:
        print(f"{result.database}: Shared mode ok")
    else:
        for problem in result.problems:
            print(f"problem: {problem}")
    if not result.ok:
        raise CliError(f"{result.database}: {len(result.problems)} problem(s) found")
    return 0


def _url_and_password(url: str) -> tuple[str, str | None]:
    """A URL given on the command line: its password (or the keyring's) apart from it."""
    from crm_desktop.core import secrets
    from crm_desktop.core.settings import strip_password

    bare, password = strip_password(url)
    if password is None and bare.startswith("postgres"):
        from sqlalchemy.engine import make_url

        password = secrets.get_password(secrets.secret_key(bare, make_url(bare).username))
    return bare, password


class _TerminalProgress:
    """A command's progress on stderr — on a terminal only, never with --json — at most twice a
    second: "12,345/100,000 customers". ``finish()`` ends the line if anything was shown."""

    def __init__(self, args: argparse.Namespace, unit: str, *, label: bool = False) -> None:
        self.shown = not getattr(args, "json", False) and sys.stderr.isatty()
        self.unit = unit
        self.label = label
        self.last = 0.0
        self.printed = False

    def __call__(self, done: int, total: int | None, label: str | None) -> None:
        moment = time.monotonic()
        if not self.shown or (moment - self.last <= 0.5 and done != total):
            return
        self.last = moment
        count = f"{done:,}" if total is None else f"{done:,}/{total:,}"
        extra = f" ({label or ''})" if self.label else ""
        print(f"\r{count} {self.unit}{extra}\x1b[K", end="", file=sys.stderr, flush=True)
        self.printed = True

    def state(self) -> ProgressState:
        return ProgressState(self)

    def finish(self) -> None:
        if self.printed:
            print(file=sys.stderr)


def cmd_db_copy(args: argparse.Namespace) -> int:
    from crm_desktop.services.db_copy import copy_database

    from_url, from_password = _url_and_password(args.from_url)
    to_url, to_password = _url_and_password(args.to_url)
    shown = _TerminalProgress(args, "rows", label=True)
    result = copy_database(
        from_url,
        to_url,
        from_password=from_password,
        to_password=to_password,
        progress=shown.state(),
    )
    shown.finish()
    if args.json:
        _print_json(result)  # the one-time passwords too: they are shown this once only
        return 0
    print(
        f"Copied {result.rows:,} rows from {result.source} to {result.target} in "
        f"{result.elapsed_s:.1f} s ({result.rows_per_s:,.0f} rows/s)."
    )
    _print_table(
        ("table", "source", "target"),
        [(c.table, f"{c.source:,}", f"{c.target:,}") for c in result.tables],
        indent="  ",
    )
    if result.logins:
        print(
            "Login roles created; each password works once and must be changed at the first "
            "sign-in. They are not stored anywhere: hand them out now."
        )
        _print_table(
            ("login", "role", "one-time password"),
            [
                (u.login, u.role + ("" if u.active else " (disabled)"), u.password or "(kept)")
                for u in result.logins
            ],
            indent="  ",
        )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from crm_desktop.services.demo import DEMO_PASSWORD, generate_demo

    if args.customers < 0:
        raise CliError("--customers must be 0 or more")
    if args.followups_per_customer is not None and args.followups_per_customer < 0:
        raise CliError("--followups-per-customer must be 0 or more")
    shown = _TerminalProgress(args, "customers")
    progress = shown.state()
    result = _with_database(
        args,
        lambda s: generate_demo(
            s,
            customers=args.customers,
            seed=args.seed,
            language=args.language,
            progress=progress,
            followups_per_customer=args.followups_per_customer,
        ),
        create=True,
    )
    shown.finish()
    if args.json:
        _print_json(result)
    else:
        rate = result.customers / result.elapsed_s if result.elapsed_s else 0
        print(
            f"Added {result.customers:,} customers, {result.contacts:,} contacts, "
            f"{result.followups:,} follow-ups ({result.pool:,} in the public pool) in "
            f"{result.elapsed_s:.1f} s ({rate:,.0f} customers/s)."
        )
        if result.users:
            print(f"Created {result.users} demo users; their password is {DEMO_PASSWORD!r}.")
    return 0


def _read_new_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if sys.stdin.isatty():
        first = getpass.getpass("Password for the new user: ")
        if first != getpass.getpass("Repeat the password: "):
            raise CliError("The two passwords differ")
        return first
    return None


def cmd_users_add(args: argparse.Namespace) -> int:
    from crm_desktop.services.context import SYSTEM
    from crm_desktop.services.users import add_user

    password = _read_new_password(args)
    row = _with_database(
        args,
        lambda s: add_user(
            s,
            login=args.login,
            display_name=args.name or args.login,
            role=args.role,
            password=password,
            email=args.email,
            branch_code=args.branch,
            actor=SYSTEM,
        ),
    )
    if args.json:
        _print_json(row)
    else:
        print(f"Added {row.role} {row.login} ({row.display_name})")
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    from crm_desktop.services.users import list_users

    rows = _with_database(args, list_users)
    if args.json:
        _print_json({"users": rows})
        return 0
    print(f"{'login':<20} {'name':<20} {'role':<8} {'branch':<8} active")
    for r in rows:
        print(
            f"{r.login:<20} {r.display_name:<20} {r.role:<8} {r.branch or '-':<8} "
            f"{'yes' if r.active else 'no'}"
        )
    return 0


def cmd_users_disable(args: argparse.Namespace) -> int:
    from crm_desktop.services.context import SYSTEM
    from crm_desktop.services.users import disable_user

    row = _with_database(args, lambda s: disable_user(s, args.login, actor=SYSTEM))
    if args.json:
        _print_json(row)
    else:
        print(f"Disabled {row.login}")
    return 0


def cmd_customers_search(args: argparse.Namespace) -> int:
    from crm_desktop.services.database import open_database
    from crm_desktop.services.search import search_customers

    if args.limit < 1:
        raise CliError("--limit must be 1 or more")
    url, password = _resolve_url(args)
    db = open_database(url, password=password)
    try:
        # A read: no write lock on SQLite, so a search runs beside an import.
        with db.read_session_factory() as session:
            result = search_customers(session, args.text, limit=args.limit)
    finally:
        db.dispose()
    if args.json:
        # The stable contract of DESIGN §11 / issue 3: exactly these keys.
        _print_json(
            {
                "query": result.query,
                "elapsed_ms": result.elapsed_ms,
                "total": result.total,
                "results": result.results,
            }
        )
        return 0
    more = "+" if result.capped else ""
    print(
        f"{len(result.results)} of {result.total}{more} customers for {result.query!r} "
        f"({result.elapsed_ms:.1f} ms)"
    )
    if result.results:
        header = ("id", "name", "grade", "region", "owner", "phone", "email")
        rows = [
            (
                str(h.id),
                h.name,
                h.grade or "",
                h.region or "",
                h.owner or "(pool)",
                h.phone or "",
                h.email or "",
            )
            for h in result.results
        ]
        _print_table(header, rows)
    return 0


def _parse_now(value: str | None) -> datetime | None:
    """The hidden ``--now`` of time-dependent commands (tests, "what if" runs): ISO 8601;
    without an offset it is local time."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"--now: {value!r} is not an ISO date and time") from None
    return (moment if moment.tzinfo else moment.astimezone()).astimezone(UTC)


def _split_by_day(rows: Sequence[Any], now: datetime) -> tuple[list[Any], list[Any], list[Any]]:
    """(overdue, due today, later) planned follow-ups, as the Today page splits them: overdue
    = due before today, today = the whole local day of ``now``."""
    from crm_desktop.services.followups import local_day_bounds

    start, end = local_day_bounds(now)
    overdue = [r for r in rows if r.due_at < start]
    today = [r for r in rows if start <= r.due_at < end]
    later = [r for r in rows if r.due_at >= end]
    return overdue, today, later


def _local_time(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else ""


def _print_table(header: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "") -> None:
    widths = [max(_display_width(r[i]) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        print(
            indent + "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip()
        )


def cmd_followups_due(args: argparse.Namespace) -> int:
    from crm_desktop.services.context import SYSTEM
    from crm_desktop.services.database import open_database
    from crm_desktop.services.followups import due_followups

    now = _parse_now(args.now) or datetime.now(UTC)
    url, password = _resolve_url(args)
    db = open_database(url, password=password)
    try:
        with db.read_session_factory() as session:
            rows = due_followups(session, SYSTEM, user_login=args.user, now=now)
    finally:
        db.dispose()
    overdue, today, later = _split_by_day(rows, now)
    if args.json:

        def item(r: Any) -> dict[str, Any]:
            return {
                "id": r.id,
                "customer_id": r.customer_id,
                "customer": r.customer_name,
                "contact": r.contact_name,
                "user": r.user_name,
                "kind": r.kind,
                "due_at": r.due_at,
                "note": r.summary,
            }

        _print_json(
            {
                "now": now,
                "user": args.user,
                "overdue": [item(r) for r in overdue],
                "due_today": [item(r) for r in today],
                "next_days": [item(r) for r in later],
            }
        )
        return 0
    who = args.user or "everyone"
    print(
        f"Follow-ups of {who} at {_local_time(now)}: {len(overdue)} overdue, "
        f"{len(today)} due today, {len(later)} in the next 7 days"
    )
    for title, part in (("Overdue", overdue), ("Due today", today), ("Next 7 days", later)):
        if not part:
            continue
        print(f"\n{title}")
        _print_table(
            ("due", "customer", "contact", "user", "kind", "note"),
            [
                (
                    _local_time(r.due_at),
                    r.customer_name,
                    r.contact_name or "",
                    r.user_name or "",
                    r.kind,
                    r.summary,
                )
                for r in part
            ],
            indent="  ",
        )
    return 0


def cmd_pool_reclaim(args: argparse.Namespace) -> int:
    from crm_desktop.services.pool import reclaim

    now = _parse_now(args.now)
    shown = _TerminalProgress(args, "customers")
    progress = shown.state()
    result = _with_database(
        args, lambda s: reclaim(s, now=now, dry_run=args.dry_run, progress=progress)
    )
    shown.finish()
    if args.json:
        # With --dry-run, "moved" counts the customers that would move.
        _print_json(
            {
                "dry_run": result.dry_run,
                "at": result.at,
                "moved": len(result.items),
                "customers": [
                    {
                        "id": i.customer_id,
                        "name": i.name,
                        "grade": i.grade_code,
                        "from": i.owner_login,
                        "idle_since": i.idle_since,
                        "rule": i.rule,
                    }
                    for i in result.items
                ],
            }
        )
        return 0
    n = len(result.items)
    if result.dry_run:
        print(f"{n:,} customers would return to the public pool (dry run: nothing was changed)")
    else:
        print(f"{n:,} customers returned to the public pool")
    if result.items:
        rules = {"no_followup": "no follow-up", "unwon": "not won"}
        _print_table(
            ("id", "name", "grade", "from", "idle since", "rule"),
            [
                (
                    str(i.customer_id),
                    i.name,
                    i.grade_code or "",
                    i.owner_login,
                    _local_time(i.idle_since),
                    rules.get(i.rule, i.rule),
                )
                for i in result.items
            ],
        )
    return 0


def cmd_handover(args: argparse.Namespace) -> int:
    """Hand a departing user's customers over (离职交接). Without --grade/--region everything
    moves and the login is disabled; with them only those customers move and the login stays
    (run again for the rest). --dry-run previews and changes nothing."""
    from crm_desktop.services.context import SYSTEM
    from crm_desktop.services.handover import handover_preview, plan_from_options, run_handover
    from crm_desktop.services.users import list_users

    now = _parse_now(args.now)
    shown = _TerminalProgress(args, "customers")

    def work(session: Any) -> dict[str, Any]:
        plan = plan_from_options(
            session,
            from_login=args.from_login,
            to=args.to,
            grades=args.grade or (),
            region=args.region,
        )
        logins = {u.id: u.login for u in list_users(session)}

        def name(heir: int | None) -> str:
            return "pool" if heir is None else logins.get(heir, f"#{heir}")

        preview = handover_preview(session, plan, SYSTEM)
        out: dict[str, Any] = {
            "dry_run": args.dry_run,
            "from": logins.get(plan.from_user_id, args.from_login),
            "customers": preview.customers,
            "open_followups": preview.open_followups,
            "mail": preview.mail,
            "unlinked_mail": preview.unlinked_mail,
        }
        if args.dry_run:
            moved = preview.assignments
            out |= {"at": None, "disabled": False, "followups_moved": None}
        else:
            result = run_handover(session, plan, SYSTEM, now=now, progress=shown.state())
            moved = result.moved
            out |= {
                "at": result.at,
                "disabled": result.disabled,
                "followups_moved": result.followups_moved,
                "followups_cancelled": result.followups_cancelled,
                "unlinked_mail_to": name(result.unlinked_mail_to)
                if result.unlinked_mail_moved
                else None,
            }
        out["moved"] = {name(heir): n for heir, n in moved.items()}
        out["kept"] = preview.customers - sum(moved.values())
        return out

    out = _with_database(args, work)
    shown.finish()
    if args.json:
        _print_json(out)
        return 0
    moves = ", ".join(f"{n:,} → {who}" for who, n in out["moved"].items()) or "nothing"
    if args.dry_run:
        print(
            f"{out['from']}: {out['customers']:,} customers; would move {moves} "
            "(dry run: nothing was changed)"
        )
    else:
        print(
            f"{out['from']}: moved {moves} at {_local_time(out['at'])}; "
            f"{out['followups_moved']:,} planned follow-ups moved, "
            f"{out['followups_cancelled']:,} cancelled"
        )
        if out["unlinked_mail_to"]:
            print(f"{out['unlinked_mail']:,} unlinked mails → {out['unlinked_mail_to']}")
    if out["kept"]:
        print(f"{out['kept']:,} customers stay with {out['from']}")
    if out["disabled"]:
        print(f"{out['from']}: login disabled")
    return 0


def _report_date(option: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliError(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from None


def cmd_report(args: argparse.Namespace) -> int:
    """Write one PDF report atomically (a temporary file renamed when complete) and audit it
    ("report.cli"); acts as the system unless ``--as LOGIN``."""
    from crm_desktop.services.company import company_info
    from crm_desktop.services.context import SYSTEM
    from crm_desktop.services.database import open_database
    from crm_desktop.services.reports import (
        filters_from_options,
        record_report_output,
        render_report,
        require_output_permission,
    )
    from crm_desktop.services.users import actor_of, get_user

    started = time.perf_counter()
    out = os.path.abspath(args.out)
    if not out.lower().endswith(".pdf"):
        raise CliError(f"--out: {args.out!r} must end in .pdf")
    if not os.path.isdir(os.path.dirname(out)):
        raise CliError(f"--out: the folder {os.path.dirname(out)!r} does not exist")
    now = _parse_now(args.now)
    url, password = _resolve_url(args)
    db = open_database(url, password=password)
    tmp = f"{out}.{os.getpid()}.tmp"
    try:
        # Gathered and built in a read session: no write lock while the PDF is drawn.
        with db.read_session_factory() as session:
            actor = actor_of(get_user(session, args.as_login)) if args.as_login else SYSTEM
            filters = filters_from_options(
                session,
                grades=args.grade or (),
                region=args.region,
                owner=args.owner,
                branch=args.branch,
                status=args.status,
                date_from=_report_date("--from", args.date_from),
                date_to=_report_date("--to", args.date_to),
                customer_id=args.customer,
                days=args.days,
                handover_from=args.handover_from,
                handover_to=args.handover_to,
            )
            company_language = company_info(session).language
            language = args.lang or (company_language if company_language == "en" else "zh_CN")
            require_output_permission(session, actor)
            output = render_report(session, args.kind, filters, actor, language=language, now=now)
        with open(tmp, "wb") as fh:
            fh.write(output.pdf)
            fh.flush()
            os.fsync(fh.fileno())
        with db.session_factory.begin() as session:
            record_report_output(
                session,
                args.kind,
                filters,
                actor,
                action="cli",
                customers=output.customers,
                pages=output.pages,
                target=os.path.basename(out),
            )
            os.replace(tmp, out)  # inside the transaction: no audit row without the file
    finally:
        db.dispose()
        if os.path.exists(tmp):
            os.unlink(tmp)
    elapsed_ms = (time.perf_counter() - started) * 1000
    if args.json:
        _print_json(
            {
                "kind": args.kind,
                "out": args.out,
                "pages": output.pages,
                "customers": output.customers,
                "elapsed_ms": round(elapsed_ms, 1),
            }
        )
        return 0
    pages = f"{output.pages:,} page" + ("" if output.pages == 1 else "s")
    customers = f"{output.customers:,} customer" + ("" if output.customers == 1 else "s")
    print(f"{args.kind}: {pages}, {customers} → {args.out}")
    return 0


def cmd_mail_import(args: argparse.Namespace) -> int:
    from crm_desktop.services.context import SYSTEM
    from crm_desktop.services.mail_store import import_mail_files

    missing = [p for p in args.paths if not os.path.exists(p)]
    if missing:
        raise ImportFileError(f"No such file or folder: {missing[0]}")
    shown = _TerminalProgress(args, "messages")
    started = time.perf_counter()
    progress = shown.state()
    result = _with_database(args, lambda s: import_mail_files(s, args.paths, SYSTEM, progress))
    elapsed_ms = round((time.perf_counter() - started) * 1000)
    shown.finish()
    rejected = [
        {
            "file": p.path if p.index is None else f"{p.path}#{p.index + 1}",
            "reason": p.reason,
        }
        for p in result.problems
    ]
    if args.json:
        _print_json(
            {
                "imported": result.stored,
                "duplicates": result.duplicates,
                "linked": result.linked,
                "unlinked": result.unlinked,
                "rejected": rejected,
                "files": result.files,
                "messages": result.messages,
                "batch_id": result.batch_id,
                "elapsed_ms": elapsed_ms,
            }
        )
        return 0
    print(
        f"{result.stored:,} messages imported ({result.linked:,} linked to customers, "
        f"{result.unlinked:,} unlinked), {result.duplicates:,} already stored, "
        f"{len(rejected):,} rejected — {result.files:,} files in {elapsed_ms / 1000:.1f} s"
    )
    for item in rejected:
        print(f"  rejected: {item['file']}: {item['reason']}")
    return 0


def _mail_ssl_context() -> Any:
    """Verified TLS; ``SSL_CERT_FILE`` names the CA bundle when set (a company CA, tests)."""
    import ssl

    cafile = os.environ.get("SSL_CERT_FILE") or None
    return ssl.create_default_context(cafile=cafile)


def _mail_password(account: Any) -> str:
    """The keyring's password, else CRM_MAIL_PASSWORD, else a prompt on a terminal."""
    from crm_desktop.core import secrets

    password = secrets.get_password(account.password_key)
    if password:
        return password
    password = os.environ.get("CRM_MAIL_PASSWORD")
    if password:
        return password
    if sys.stdin.isatty():
        return getpass.getpass(f"Password of mail account {account.name} ({account.username}): ")
    raise CliError(
        f"No password for mail account {account.name!r}: store it with "
        f"'mail accounts add … --password-stdin', set CRM_MAIL_PASSWORD, or run on a terminal"
    )


def cmd_mail_sync(args: argparse.Namespace) -> int:
    from crm_desktop.services.context import SYSTEM
    from crm_desktop.services.database import open_database
    from crm_desktop.services.mail_accounts import get_mail_account_by_name, list_mail_accounts
    from crm_desktop.services.mail_sync import sync_account

    started = time.perf_counter()
    url, db_password = _resolve_url(args)
    db = open_database(url, password=db_password)
    results: list[tuple[Any, Any]] = []
    errors: list[tuple[str, str]] = []
    try:
        with db.session_factory() as session:
            if args.account:
                accounts = [get_mail_account_by_name(session, args.account, SYSTEM)]
            else:
                accounts = [
                    a for a in list_mail_accounts(session, SYSTEM) if a.active and a.imap_host
                ]
                if not accounts:
                    raise CliError("No active mail account with an IMAP server to sync")
            session.rollback()
        passwords = {a.id: _mail_password(a) for a in accounts}
        context = _mail_ssl_context()
        for account in accounts:
            shown = _TerminalProgress(args, "messages")
            try:
                result = sync_account(
                    db.session_factory,
                    account.id,
                    SYSTEM,
                    password=passwords[account.id],
                    progress=shown.state(),
                    ssl_context=context,
                )
            except UserError as exc:
                if len(accounts) == 1:
                    raise
                errors.append((account.name, str(exc)))
                continue
            finally:
                shown.finish()
            results.append((account, result))
    finally:
        db.dispose()
    elapsed_ms = round((time.perf_counter() - started) * 1000)
    problems = [
        {"account": a.name, "path": p.path, "uid": p.index, "reason": p.reason}
        for a, r in results
        for p in r.problems
    ]
    if args.json:
        out: dict[str, Any] = {
            "accounts": [
                {
                    "name": a.name,
                    "id": a.id,
                    "reconnects": r.reconnects,
                    "folders": [
                        {
                            "folder": f.folder,
                            "fetched": f.fetched,
                            "stored": f.stored,
                            "duplicates": f.duplicates,
                            "linked": f.linked,
                            "unlinked": f.unlinked,
                            "uidvalidity_reset": f.uidvalidity_reset,
                        }
                        for f in r.folders
                    ],
                }
                for a, r in results
            ],
            "problems": problems,
            "elapsed_ms": elapsed_ms,
        }
        if errors:
            out["errors"] = [{"account": name, "error": text} for name, text in errors]
        _print_json(out)
    else:
        for account, result in results:
            print(f"{account.name} ({account.email_address}):")
            for f in result.folders:
                reset = " (UIDVALIDITY changed: folder walked again)" if f.uidvalidity_reset else ""
                print(
                    f"  {f.folder}: {f.stored:,} new ({f.linked:,} linked, {f.unlinked:,} "
                    f"unlinked), {f.duplicates:,} already stored, {f.fetched:,} downloaded{reset}"
                )
            if result.reconnects:
                print(f"  reconnected {result.reconnects} times")
        for item in problems:
            print(f"  not stored: {item['path']} UID {item['uid']}: {item['reason']}")
        print(f"Done in {elapsed_ms / 1000:.1f} s")
    for name, text in errors:
        print(f"crm-desktop: error: {name}: {text}", file=sys.stderr)
    return 1 if errors else 0


def _account_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "owner": row.user_login,
        "email": row.email_address,
        "user": row.username,
        "imap": {"host": row.imap_host, "port": row.imap_port, "security": row.imap_security},
        "smtp": {"host": row.smtp_host, "port": row.smtp_port, "security": row.smtp_security},
        "active": row.active,
        "last_synced_at": row.last_synced_at,
        "has_password": row.has_password,
    }


def cmd_mail_accounts_list(args: argparse.Namespace) -> int:
    from crm_desktop.services.context import SYSTEM
    from crm_desktop.services.mail_accounts import list_mail_accounts

    rows = _with_database(args, lambda s: list_mail_accounts(s, SYSTEM))
    if args.json:
        _print_json({"accounts": [_account_json(r) for r in rows]})
        return 0
    if not rows:
        print("No mail accounts")
        return 0
    _print_table(
        ("name", "owner", "email", "imap", "smtp", "active", "password", "last sync"),
        [
            (
                r.name,
                r.user_login,
                r.email_address,
                f"{r.imap_host}:{r.imap_port} {r.imap_security}" if r.imap_host else "",
                f"{r.smtp_host}:{r.smtp_port} {r.smtp_security}" if r.smtp_host else "",
                "yes" if r.active else "no",
                "keyring" if r.has_password else "",
                _local_time(r.last_synced_at),
            )
            for r in rows
        ],
    )
    return 0


def cmd_mail_accounts_add(args: argparse.Namespace) -> int:
    from crm_desktop.core.secrets import keyring_available
    from crm_desktop.services.context import SYSTEM
    from crm_desktop.services.mail_accounts import (
        MailAccountInput,
        first_admin_id,
        save_mail_account,
        store_password,
    )
    from crm_desktop.services.users import get_user

    password: str | None = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CliError("--password-stdin: no password on stdin")
        if not keyring_available():
            raise CliError(
                "No keyring is available to store the password; leave out --password-stdin "
                "and give CRM_MAIL_PASSWORD to 'mail sync' instead"
            )
    data = MailAccountInput(
        name=args.name,
        email_address=args.email,
        username=args.user or "",
        imap_host=args.imap_host,
        imap_port=args.imap_port,
        imap_security=args.imap_security,
        smtp_host=args.smtp_host,
        smtp_port=args.smtp_port,
        smtp_security=args.smtp_security,
        active=not args.inactive,
    )

    def add(session: Any) -> Any:
        owner_id: int | None
        if args.owner:
            owner_id = get_user(session, args.owner).id
        else:
            owner_id = first_admin_id(session)
            if owner_id is None:
                raise CliError("No administrator to own the account; give --owner LOGIN")
        row = save_mail_account(session, data, SYSTEM, user_id=owner_id)
        if password is not None and not store_password(session, row.id, password):
            raise CliError("The keyring refused the password; nothing was added")
        return row

    row = _with_database(args, add)
    if password is not None:
        # The row was read before the password was stored.
        row = dataclasses.replace(row, has_password=True)
    if args.json:
        _print_json(_account_json(row))
    else:
        stored = " (password in the keyring)" if row.has_password else ""
        print(f"Added mail account {row.name} <{row.email_address}> of {row.user_login}{stored}")
    return 0


def cmd_mail_accounts_remove(args: argparse.Namespace) -> int:
    from crm_desktop.services.context import SYSTEM
    from crm_desktop.services.mail_accounts import delete_mail_account, get_mail_account_by_name

    def remove(session: Any) -> Any:
        row = get_mail_account_by_name(session, args.name, SYSTEM)
        delete_mail_account(session, row.id, SYSTEM)
        return row

    row = _with_database(args, remove)
    if args.json:
        _print_json({"removed": _account_json(row)})
    else:
        print(f"Removed mail account {row.name}; the mail it brought stays")
    return 0


def _display_width(text: str) -> int:
    """Columns a string takes in a terminal: East Asian wide characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _display_width(text))


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    where = common.add_mutually_exclusive_group()
    where.add_argument(
        "--database", metavar="URL", help="sqlite:///FILE or postgresql://USER@HOST/DB"
    )
    where.add_argument("--profile", metavar="NAME", help="a connection profile from the settings")

    parser = argparse.ArgumentParser(
        prog="crm-desktop",
        description="Desktop CRM: customer files, follow-ups, linked mail and PDF reports.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"crm-desktop {__version__}")
    parser.add_argument("--debug", action="store_true", help="log debug details to stderr")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check that this installation works (a throw-away database, a report, the main "
        "window offscreen); prints one line, exit code 0 when all is well",
    )
    # bench/startup.py --frozen: run_gui(database, autologin=(login, password),
    # exit_when_shown=True) in the packaged app, which cannot run `python -c`.
    parser.add_argument(
        "--bench-startup", nargs=3, metavar=("URL", "LOGIN", "PASSWORD"), help=argparse.SUPPRESS
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    db = sub.add_parser("db", help="create, migrate or copy a database", parents=[common])
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_sub.add_parser("upgrade", help="create or migrate the schema", parents=[common])
    up.add_argument("--json", action="store_true")
    up.set_defaults(func=cmd_db_upgrade)

    chk = db_sub.add_parser(
        "check", help="check the file's integrity (SQLite quick_check)", parents=[common]
    )
    chk.add_argument("--json", action="store_true")
    chk.set_defaults(func=cmd_db_check)

    cp = db_sub.add_parser(
        "copy",
        help="copy a whole database into an empty one (Single → Shared)",
        parents=[common],
    )
    cp.add_argument(
        "--from", dest="from_url", required=True, metavar="URL", help="the database to copy"
    )
    cp.add_argument(
        "--to",
        dest="to_url",
        required=True,
        metavar="URL",
        help="an empty database, or one just made Shared by 'server init' (as its bootstrap "
        "admin); every user then gets a login role with a one-time password",
    )
    cp.add_argument("--json", action="store_true", help="one JSON object, passwords included")
    cp.set_defaults(func=cmd_db_copy)

    demo = sub.add_parser(
        "demo", help="fill the database with realistic demo data", parents=[common]
    )
    demo.add_argument("--customers", type=int, default=1000, metavar="N")
    demo.add_argument("--seed", type=int, default=20261122)
    demo.add_argument("--language", choices=("zh_CN", "en"), default="zh_CN")
    demo.add_argument(
        "--followups-per-customer",
        type=float,
        metavar="F",
        help="average follow-ups (done, planned, cancelled) per customer (default: about 2.7)",
    )
    demo.add_argument("--json", action="store_true")
    demo.set_defaults(func=cmd_demo)

    customers = sub.add_parser("customers", help="find customers", parents=[common])
    c_sub = customers.add_subparsers(dest="customers_command", metavar="ACTION", required=True)
    search = c_sub.add_parser(
        "search",
        help="find customers by name, pinyin, initials, contact, phone, email or address",
        parents=[common],
    )
    search.add_argument("text", metavar="TEXT")
    search.add_argument("--limit", type=int, default=50, metavar="N")
    search.add_argument("--json", action="store_true")
    search.set_defaults(func=cmd_customers_search)

    followups = sub.add_parser("followups", help="planned follow-ups", parents=[common])
    f_sub = followups.add_subparsers(dest="followups_command", metavar="ACTION", required=True)
    due = f_sub.add_parser(
        "due",
        help="overdue follow-ups, those due today and in the next 7 days",
        parents=[common],
    )
    due.add_argument("--user", metavar="LOGIN", help="only this user's (default: everyone's)")
    due.add_argument("--json", action="store_true")
    due.add_argument("--now", help=argparse.SUPPRESS)  # tests: ISO date and time
    due.set_defaults(func=cmd_followups_due)

    pool = sub.add_parser("pool", help="the public pool", parents=[common])
    p_sub = pool.add_subparsers(dest="pool_command", metavar="ACTION", required=True)
    rec = p_sub.add_parser(
        "reclaim",
        help="return customers without follow-up (per grade rules) to the public pool",
        parents=[common],
    )
    rec.add_argument(
        "--dry-run", action="store_true", help="list the customers that would move; change nothing"
    )
    rec.add_argument("--json", action="store_true")
    rec.add_argument("--now", help=argparse.SUPPRESS)  # tests: ISO date and time
    rec.set_defaults(func=cmd_pool_reclaim)

    hand = sub.add_parser(
        "handover",
        help="hand a departing user's customers to heirs or the pool, then disable the login",
        parents=[common],
    )
    hand.add_argument("--from", dest="from_login", required=True, metavar="LOGIN")
    hand.add_argument("--to", required=True, metavar="LOGIN|pool", help="the heir, or pool")
    hand.add_argument(
        "--grade",
        action="append",
        metavar="G",
        help="only customers of this grade (repeat for several); the login stays enabled",
    )
    hand.add_argument(
        "--region",
        metavar="NAME|ID",
        help="only customers of this region and below; the login stays enabled",
    )
    hand.add_argument("--dry-run", action="store_true", help="show what would move; change nothing")
    hand.add_argument("--json", action="store_true")
    hand.add_argument("--now", help=argparse.SUPPRESS)  # tests: ISO date and time
    hand.set_defaults(func=cmd_handover)

    mail = sub.add_parser("mail", help="import and sync customer mail", parents=[common])
    m_sub = mail.add_subparsers(dest="mail_command", metavar="ACTION", required=True)
    imp = m_sub.add_parser(
        "import",
        help=".eml / .msg / .mbox files or folders: stored once, linked to customers",
        parents=[common],
    )
    imp.add_argument("paths", nargs="+", metavar="PATH")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(func=cmd_mail_import)
    sync = m_sub.add_parser(
        "sync",
        help="fetch new mail of INBOX and Sent from the IMAP accounts (all active, or --account)",
        parents=[common],
    )
    sync.add_argument("--account", metavar="NAME", help="only this mail account")
    sync.add_argument("--json", action="store_true")
    sync.set_defaults(func=cmd_mail_sync)
    accounts = m_sub.add_parser("accounts", help="the mail accounts", parents=[common])
    a_sub = accounts.add_subparsers(dest="accounts_command", metavar="ACTION", required=True)
    a_list = a_sub.add_parser("list", help="list every mail account", parents=[common])
    a_list.add_argument("--json", action="store_true")
    a_list.set_defaults(func=cmd_mail_accounts_list)
    a_add = a_sub.add_parser("add", help="add a mail account", parents=[common])
    a_add.add_argument("--name", required=True, help="the account's name (mail sync --account)")
    a_add.add_argument("--email", required=True, metavar="ADDRESS", help="its email address")
    a_add.add_argument("--user", metavar="LOGIN", help="the server login (default: --email)")
    a_add.add_argument("--owner", metavar="LOGIN", help="whose account (default: an admin)")
    security = ("ssl", "starttls", "none")
    a_add.add_argument("--imap-host", metavar="HOST")
    a_add.add_argument("--imap-port", type=int, metavar="PORT")
    a_add.add_argument("--imap-security", choices=security, default="ssl")
    a_add.add_argument("--smtp-host", metavar="HOST")
    a_add.add_argument("--smtp-port", type=int, metavar="PORT")
    a_add.add_argument("--smtp-security", choices=security, default="ssl")
    a_add.add_argument("--inactive", action="store_true", help="add it switched off")
    a_add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from stdin and store it in the keyring",
    )
    a_add.add_argument("--json", action="store_true")
    a_add.set_defaults(func=cmd_mail_accounts_add)
    a_rm = a_sub.add_parser(
        "remove", help="remove a mail account (its mail stays)", parents=[common]
    )
    a_rm.add_argument("name", metavar="NAME")
    a_rm.add_argument("--json", action="store_true")
    a_rm.set_defaults(func=cmd_mail_accounts_remove)

    report = sub.add_parser(
        "report",
        help="write a PDF report (roster, followups, overdue, dormant, profile, handover, …)",
        parents=[common],
    )
    report.add_argument(
        "kind",
        choices=("roster", "followups", "overdue", "dormant", "profile", "handover", "dashboard"),
        metavar="KIND",
        help="roster | followups | overdue | dormant | profile | handover | dashboard",
    )
    report.add_argument("--out", required=True, metavar="FILE.pdf", help="the PDF to write")
    report.add_argument(
        "--grade", action="append", metavar="G", help="a grade code (repeat for several)"
    )
    report.add_argument("--region", metavar="NAME|ID", help="a region with its sub-regions")
    report.add_argument(
        "--owner", metavar="LOGIN", help="customers of this owner (followups/overdue: user)"
    )
    report.add_argument("--branch", metavar="CODE")
    report.add_argument("--status", metavar="S", help="prospect | active | dormant | lost")
    report.add_argument("--from", dest="date_from", metavar="DATE", help="followups: first day")
    report.add_argument("--to", dest="date_to", metavar="DATE", help="followups: last day")
    report.add_argument("--customer", type=int, metavar="ID", help="profile: the customer")
    report.add_argument("--days", type=int, metavar="N", help="dormant: days without follow-up")
    report.add_argument("--handover-from", metavar="LOGIN", help="handover: the departing user")
    report.add_argument(
        "--handover-to", metavar="LOGIN|pool", help="handover: the heir (default: the pool)"
    )
    report.add_argument("--lang", choices=("zh_CN", "en"), help="default: the company's")
    report.add_argument(
        "--as", dest="as_login", metavar="LOGIN", help="with this user's rights (default: all)"
    )
    report.add_argument("--json", action="store_true")
    report.add_argument("--now", help=argparse.SUPPRESS)  # tests: ISO date and time
    report.set_defaults(func=cmd_report)

    server = sub.add_parser(
        "server", help="Shared mode on a PostgreSQL server: roles, policies", parents=[common]
    )
    s_sub = server.add_subparsers(dest="server_command", metavar="ACTION", required=True)
    s_init = s_sub.add_parser(
        "init",
        help="set up roles, row-level security and the first admin (run as the bootstrap admin)",
        parents=[common],
    )
    s_init.add_argument("--admin", required=True, metavar="LOGIN", help="the first admin's login")
    s_init.add_argument("--name", help="the first admin's display name (default: the login)")
    s_init.add_argument("--company", help="name the company and seed the defaults if new")
    s_init.add_argument(
        "--password-stdin", action="store_true", help="read the admin's password from stdin"
    )
    s_init.add_argument("--json", action="store_true")
    s_init.set_defaults(func=cmd_server_init)
    s_check = s_sub.add_parser(
        "check", help="verify roles, grants and row-level security", parents=[common]
    )
    s_check.add_argument("--json", action="store_true")
    s_check.set_defaults(func=cmd_server_check)

    users = sub.add_parser("users", help="manage users", parents=[common])
    u_sub = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    add = u_sub.add_parser("add", help="add a user", parents=[common])
    add.add_argument("login")
    add.add_argument("--name", help="display name (default: the login)")
    add.add_argument("--role", choices=("sales", "manager", "admin"), default="sales")
    add.add_argument("--email")
    add.add_argument("--branch", metavar="CODE")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.add_argument("--json", action="store_true")
    add.set_defaults(func=cmd_users_add)
    lst = u_sub.add_parser("list", help="list users", parents=[common])
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_users_list)
    dis = u_sub.add_parser("disable", help="disable a user's login", parents=[common])
    dis.add_argument("login")
    dis.add_argument("--json", action="store_true")
    dis.set_defaults(func=cmd_users_disable)

    # Commands kept in their own modules of this package (issue 8 onwards): each has
    # ``register(sub, customers_sub, common)`` adding its parsers.
    import importlib

    for name in _COMMAND_MODULES:
        importlib.import_module(f"crm_desktop.cli.{name}").register(sub, c_sub, common)
    return parser


_COMMAND_MODULES = ("imports", "exports", "backups")


def _merge_where(args: argparse.Namespace, argv: Sequence[str]) -> None:
    # --database / --profile may stand before or after the sub-command; argparse gives the
    # sub-parser's default (None) precedence, so re-read the top-level value when needed.
    for name in ("database", "profile"):
        if getattr(args, name, None) is None:
            flag = f"--{name}"
            for i, item in enumerate(argv):
                if item == flag and i + 1 < len(argv):
                    setattr(args, name, argv[i + 1])
                elif item.startswith(flag + "="):
                    setattr(args, name, item.split("=", 1)[1])


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    _merge_where(args, argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.self_test or args.bench_startup:
        if args.command is not None:
            flag = "--self-test" if args.self_test else "--bench-startup"
            parser.error(f"{flag} takes no command (got {args.command!r})")
        return _self_test() if args.self_test else _bench_startup(*args.bench_startup)
    if args.command is None:
        from crm_desktop.ui.app import run_gui

        return run_gui(database=args.database, profile=args.profile)
    try:
        return int(args.func(args))
    except OperationCancelled:
        print("crm-desktop: cancelled; nothing was changed", file=sys.stderr)
        return 1
    except CrmError as exc:
        print(f"crm-desktop: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("crm-desktop: interrupted; nothing was changed", file=sys.stderr)
        return 1
    except Exception as exc:
        from crm_desktop.services.database import translate_error

        if isinstance(translate_error(exc), ConnectionLost):
            log.debug("connection lost", exc_info=True)
            print(
                "crm-desktop: error: the connection to the database server was lost; "
                "the interrupted work was not saved — try again",
                file=sys.stderr,
            )
            return 1
        log.debug("unexpected error", exc_info=True)
        print(f"crm-desktop: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def _self_test() -> int:
    from crm_desktop.cli.selftest import main_self_test

    return main_self_test()


def _bench_startup(url: str, login: str, password: str) -> int:
    from crm_desktop.ui.app import run_gui

    return run_gui(database=url, autologin=(login, password), exit_when_shown=True)


def main_gui() -> int:
    """Entry point of the windowed launcher (no console on Windows)."""
    if sys.argv[1:] == ["--self-test"]:
        return _self_test()
    from crm_desktop.ui.app import run_gui

    return run_gui()


if __name__ == "__main__":
    sys.exit(main())
