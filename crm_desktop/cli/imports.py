"""``customers import FILE …``, ``import undo BATCH_ID`` and ``import list``: a thin shell over
services.customer_import (the import wizard calls the same functions)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from crm_desktop.cli import CliError, _print_json, _TerminalProgress, _with_database


def cmd_customers_import(args: argparse.Namespace) -> int:
    from crm_desktop.importers.mapping import guess_mapping
    from crm_desktop.importers.source import open_source
    from crm_desktop.services.context import SYSTEM
    from crm_desktop.services.customer_import import (
        ImportOptions,
        ImportResult,
        ValueChoice,
        analyse,
        remembered_mapping,
        run_import,
        write_problems_csv,
    )

    started = time.perf_counter()
    source = open_source(
        Path(args.file), encoding=args.encoding, delimiter=args.delimiter, sheet=args.sheet
    )
    mapping = remembered_mapping(source.headers) or guess_mapping(source.headers)
    if "customer.name" not in mapping.values():
        raise CliError(
            "No column of this file looks like the customer name (客户名称, 公司名称, company …); "
            "rename that column's header and try again"
        )
    shown = _TerminalProgress(args, "rows", label=True)
    progress = shown.state()

    def work(session: Any) -> ImportResult:
        values: dict[str, dict[str, ValueChoice]] = {}
        if args.create_values:
            plan = analyse(session, source, mapping, SYSTEM, progress)
            for kind, choices in plan.unknown.items():
                if kind != "owner":
                    values[kind] = {
                        c.text: ValueChoice(c.text, c.count, None, create=True) for c in choices
                    }
        options = ImportOptions(
            mapping=mapping,
            on_duplicate=args.on_duplicate,
            values=values,
            default_owner=args.owner,
            dry_run=args.dry_run,
        )
        # A dry run writes nothing: the transaction ends as it started.
        return run_import(session, source, options, SYSTEM, progress)

    result = _with_database(args, work)
    shown.finish()
    if args.problems:
        write_problems_csv(result.problems, Path(args.problems))
    out = result.to_json()
    out["elapsed_ms"] = round((time.perf_counter() - started) * 1000)
    if args.json:
        _print_json(out)
        return 0
    what = "would be " if result.dry_run else ""
    print(
        f"{result.rows:,} rows ({result.encoding or source.format}): {result.created:,} {what}"
        f"created, {result.updated:,} {what}updated, {result.skipped:,} skipped"
        + (
            f"; import {result.batch_id} (undo: crm-desktop import undo {result.batch_id})"
            if result.batch_id is not None
            else "; dry run, nothing changed"
        )
    )
    for problem in result.problems[:20]:
        print(f"  row {problem.row}: {problem.reason}")
    if len(result.problems) > 20:
        more = len(result.problems) - 20
        print(f"  … {more:,} more" + ("" if args.problems else " (--problems FILE.csv lists all)"))
    return 0


def cmd_import_undo(args: argparse.Namespace) -> int:
    from crm_desktop.services.context import SYSTEM
    from crm_desktop.services.customer_import import undo_import

    result = _with_database(args, lambda s: undo_import(s, args.batch_id, SYSTEM))
    if args.json:
        _print_json(
            {
                "batch_id": args.batch_id,
                "removed": result.removed,
                "restored": result.restored,
                "kept": list(result.kept),
            }
        )
        return 0
    print(
        f"Import {args.batch_id} undone: {result.removed:,} removed, "
        f"{result.restored:,} restored, {len(result.kept):,} kept"
    )
    for reason in result.kept[:20]:
        print(f"  {reason}")
    return 0


def cmd_import_list(args: argparse.Namespace) -> int:
    from crm_desktop.services.context import SYSTEM
    from crm_desktop.services.customer_import import list_batches

    rows = _with_database(args, lambda s: list_batches(s, SYSTEM, limit=args.limit))
    if args.json:
        _print_json(rows)
        return 0
    if not rows:
        print("No customer imports yet.")
        return 0
    for row in rows:
        counts = row.counts
        print(
            f"{row.id:>6}  {row.at:%Y-%m-%d %H:%M}  {row.status:<7} "
            f"{counts.get('created', 0):>7,} created {counts.get('updated', 0):>7,} updated  "
            f"{row.user or 'system'}  {row.file or ''}"
        )
    return 0


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    customers_sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    imp = customers_sub.add_parser(
        "import",
        help="import customers and contacts from a CSV, XLSX or vCard file (one transaction)",
        parents=[common],
    )
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--encoding", metavar="E", help="e.g. gb18030, big5, utf-8 (default: guess)")
    imp.add_argument("--delimiter", metavar="D", help="CSV field separator (default: guess)")
    imp.add_argument("--sheet", metavar="S", help="XLSX sheet (default: the first)")
    imp.add_argument(
        "--on-duplicate",
        choices=("skip", "update_empty", "update", "create"),
        default="skip",
        help="a customer that exists already (same name, phone or email): skip it, fill its "
        "empty fields, overwrite them, or create another (default: skip)",
    )
    imp.add_argument(
        "--owner",
        choices=("me", "pool"),
        default="me",
        help="owner of rows without one (the command line acts as the system: me = pool)",
    )
    imp.add_argument(
        "--create-values",
        action="store_true",
        help="create unknown grades and regions (default: leave them empty, with a note)",
    )
    imp.add_argument("--dry-run", action="store_true", help="check everything, change nothing")
    imp.add_argument("--problems", metavar="FILE.csv", help="write every row problem to a CSV")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(func=cmd_customers_import)

    batches = sub.add_parser("import", help="customer imports: list, undo", parents=[common])
    b_sub = batches.add_subparsers(dest="import_command", metavar="ACTION", required=True)
    undo = b_sub.add_parser(
        "undo",
        help="undo a customer import: remove what it created, restore what it updated",
        parents=[common],
    )
    undo.add_argument("batch_id", type=int, metavar="BATCH_ID")
    undo.add_argument("--json", action="store_true")
    undo.set_defaults(func=cmd_import_undo)
    lst = b_sub.add_parser("list", help="the latest customer imports", parents=[common])
    lst.add_argument("--limit", type=int, default=50, metavar="N")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_import_list)
