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
from crm_desktop.core.errors import CrmError, ImportFileError, OperationCancelled, UserError

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


def cmd_demo(args: argparse.Namespace) -> int:
    from crm_desktop.core.progress import ProgressState
    from crm_desktop.services.demo import DEMO_PASSWORD, generate_demo

    if args.customers < 0:
        raise CliError("--customers must be 0 or more")
    if args.followups_per_customer is not None and args.followups_per_customer < 0:
        raise CliError("--followups-per-customer must be 0 or more")
    last = [0.0]

    def on_report(done: int, total: int | None, _label: str | None) -> None:
        now = time.monotonic()
        if not args.json and sys.stderr.isatty() and (now - last[0] > 0.5 or done == total):
            last[0] = now
            print(f"\r{done:,}/{total or 0:,} customers", end="", file=sys.stderr, flush=True)

    progress = ProgressState(on_report)
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
    if sys.stderr.isatty() and not args.json:
        print(file=sys.stderr)
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
    from crm_desktop.core.progress import ProgressState
    from crm_desktop.services.pool import reclaim

    now = _parse_now(args.now)
    last = [0.0]

    def on_report(done: int, total: int | None, _label: str | None) -> None:
        moment = time.monotonic()
        if not args.json and sys.stderr.isatty() and (moment - last[0] > 0.5 or done == total):
            last[0] = moment
            print(f"\r{done:,}/{total or 0:,} customers", end="", file=sys.stderr, flush=True)

    progress = ProgressState(on_report)
    result = _with_database(
        args, lambda s: reclaim(s, now=now, dry_run=args.dry_run, progress=progress)
    )
    if sys.stderr.isatty() and not args.json and last[0]:
        print(file=sys.stderr)
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


def cmd_mail_import(args: argparse.Namespace) -> int:
    from crm_desktop.core.progress import ProgressState
    from crm_desktop.services.context import SYSTEM
    from crm_desktop.services.mail_store import import_mail_files

    missing = [p for p in args.paths if not os.path.exists(p)]
    if missing:
        raise ImportFileError(f"No such file or folder: {missing[0]}")
    last = [0.0]

    def on_report(done: int, _total: int | None, _label: str | None) -> None:
        moment = time.monotonic()
        if not args.json and sys.stderr.isatty() and moment - last[0] > 0.5:
            last[0] = moment
            print(f"\r{done:,} messages", end="", file=sys.stderr, flush=True)

    started = time.perf_counter()
    progress = ProgressState(on_report)
    result = _with_database(args, lambda s: import_mail_files(s, args.paths, SYSTEM, progress))
    elapsed_ms = round((time.perf_counter() - started) * 1000)
    if sys.stderr.isatty() and not args.json and last[0]:
        print(file=sys.stderr)
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
    # (helper "imap" adds: mail sync, mail accounts)

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
    return parser


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
        log.debug("unexpected error", exc_info=True)
        print(f"crm-desktop: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def main_gui() -> int:
    """Entry point of the windowed launcher (no console on Windows)."""
    from crm_desktop.ui.app import run_gui

    return run_gui()


if __name__ == "__main__":
    sys.exit(main())
