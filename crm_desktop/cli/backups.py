"""``crm-desktop backup`` and ``crm-desktop restore`` (DESIGN §11, §13)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from crm_desktop.cli import CliError, _print_json, _resolve_url, _TerminalProgress


def cmd_backup(args: argparse.Namespace) -> int:
    from crm_desktop.core.settings import load_settings, save_settings
    from crm_desktop.db.engine import normalize_url
    from crm_desktop.services import backup as backups

    url, password = _resolve_url(args)
    parsed = normalize_url(url)
    shown = _TerminalProgress(args, "pages")
    if parsed.get_backend_name() == "postgresql":
        if args.out is None:
            raise CliError("A PostgreSQL backup needs --out FILE.dump")
        result = backups.pg_backup(parsed, Path(args.out), password=password)
    else:
        path = backups.sqlite_path(parsed)
        if not path.is_file():
            raise CliError(f"No database at {path}")
        if args.out is not None:
            result = backups.backup_sqlite(path, Path(args.out), shown.state())
        else:
            settings = load_settings()
            chosen = backups.backup_settings(settings.ui.get("backup"))
            result = backups.backup_now(
                path, chosen.folder, keep=chosen.keep, reason="manual", progress=shown.state()
            )
            # The app shows each database's last backup (settings keyed by database).
            settings.ui["backup"] = backups.record_backup(
                settings.ui.get("backup"), path, datetime.now()
            )
            save_settings(settings)
    shown.finish()
    if args.json:
        _print_json(result.to_json())
    else:
        print(f"backup written to {result.path} ({result.size:,} bytes, {result.check} ok)")
        for pruned in result.pruned:
            print(f"old backup removed: {pruned}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from crm_desktop.db.engine import normalize_url
    from crm_desktop.services import backup as backups

    url, _password = _resolve_url(args)
    parsed = normalize_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise CliError(backups.PG_RESTORE_REFUSED)
    db_path = backups.sqlite_path(parsed)
    backup = Path(args.file)
    if not backup.is_file():
        raise CliError(f"No backup file at {backup}")
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError("restore replaces the database: confirm with --yes")
        answer = input(f"Replace {db_path} with {backup}? The current file is kept aside. [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing was changed")
            return 1
    shown = _TerminalProgress(args, "pages")
    result = backups.restore(db_path, backup, shown.state())
    shown.finish()
    if args.json:
        _print_json(result.to_json())
    else:
        print(f"{db_path} restored from {backup}")
        for kept in result.kept_aside:
            print(f"previous file kept as {kept}")
    return 0


def register(sub: Any, customers_sub: Any, common: argparse.ArgumentParser) -> None:
    del customers_sub  # backups are top-level commands
    bk = sub.add_parser(
        "backup",
        help="back up the database (SQLite: online backup API; PostgreSQL: pg_dump -Fc)",
        parents=[common],
    )
    bk.add_argument(
        "--out",
        metavar="FILE",
        help="where to write it (default: a new generation in the backup folder, SQLite only)",
    )
    bk.add_argument("--json", action="store_true")
    bk.set_defaults(func=cmd_backup)

    rs = sub.add_parser(
        "restore",
        help="replace the SQLite database with a backup (the current file is kept aside)",
        parents=[common],
    )
    rs.add_argument("file", metavar="FILE", help="the backup to restore")
    rs.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    rs.add_argument("--json", action="store_true")
    rs.set_defaults(func=cmd_restore)
