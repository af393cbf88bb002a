"""``customers export FILE.csv|FILE.xlsx``: the customers of a filter to a spreadsheet file, with
the export permission, audited (services/export.py does the work)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from crm_desktop.cli import CliError, _print_json, _resolve_url, _TerminalProgress


def cmd_customers_export(args: argparse.Namespace) -> int:
    """Read and write the file in a read session (no write lock while a million rows stream
    out), then audit and rename it in a short write transaction. Acts as the system unless
    ``--as LOGIN``; refused for a user without the export permission."""
    from crm_desktop.services.company import company_info
    from crm_desktop.services.context import SYSTEM
    from crm_desktop.services.customer_list import CustomerFilter
    from crm_desktop.services.database import open_database
    from crm_desktop.services.export import (
        DEFAULT_COLUMNS,
        columns_from_text,
        discard_export,
        export_format,
        finish_export,
        write_export,
    )
    from crm_desktop.services.reports import filters_from_options
    from crm_desktop.services.users import actor_of, get_user

    out = Path(os.path.abspath(args.file))
    export_format(out)  # a wrong suffix is a user error before the database is opened
    if not out.parent.is_dir():
        raise CliError(f"{args.file}: the folder {str(out.parent)!r} does not exist")
    columns = columns_from_text(args.columns) if args.columns else DEFAULT_COLUMNS
    url, password = _resolve_url(args)
    db = open_database(url, password=password)
    shown = _TerminalProgress(args, "customers")
    try:
        with db.read_session_factory() as session:
            actor = actor_of(get_user(session, args.as_login)) if args.as_login else SYSTEM
            pool = args.owner is not None and args.owner.strip().lower() == "pool"
            options = filters_from_options(
                session,
                grades=args.grade or (),
                region=args.region,
                owner=None if pool else args.owner,
            )
            flt = CustomerFilter(
                grade_ids=options.grade_ids,
                region_id=options.region_id,
                owner_ids=(options.owner_id,) if options.owner_id is not None else (),
                in_pool=True if pool else None,
            )
            company_language = company_info(session).language
            language = args.lang or (company_language if company_language == "en" else "zh_CN")
            try:
                draft = write_export(
                    session,
                    actor,
                    out,
                    filter=flt,
                    columns=columns,
                    contacts=args.contacts,
                    language=language,
                    progress=shown.state(),
                )
            finally:
                shown.finish()
        try:
            with db.session_factory.begin() as session:
                result = finish_export(session, actor, draft)
        except BaseException:
            discard_export(draft)
            raise
    finally:
        db.dispose()
    if args.json:
        _print_json(result.to_json())
        return 0
    rows = f"{result.rows:,} row" + ("" if result.rows == 1 else "s")
    customers = f"{result.customers:,} customer" + ("" if result.customers == 1 else "s")
    print(f"{rows} ({customers}) → {args.file}")
    return 0


def register(sub: Any, customers_sub: Any, common: argparse.ArgumentParser) -> None:
    del sub  # only a customers action
    export = customers_sub.add_parser(
        "export",
        help="write customers to a .csv (UTF-8, Excel-ready) or .xlsx file",
        parents=[common],
    )
    export.add_argument("file", metavar="FILE.csv|FILE.xlsx")
    export.add_argument(
        "--grade", action="append", metavar="G", help="grade code (repeat for several)"
    )
    export.add_argument("--region", metavar="R", help="region id, code or name (with subregions)")
    export.add_argument("--owner", metavar="LOGIN", help='owner login, or "pool"')
    export.add_argument(
        "--columns",
        metavar="a,b",
        help="columns, e.g. name,grade,phone (default: name,grade,region,owner,status,phone,"
        "email,address; also id,kind,industry,source,website,tags,notes,last_followup_at,"
        "next_followup_at)",
    )
    export.add_argument(
        "--contacts", action="store_true", help="one row per contact, the customer repeated"
    )
    export.add_argument("--lang", choices=("zh_CN", "en"), help="header language")
    export.add_argument(
        "--as", dest="as_login", metavar="LOGIN", help="with this user's rights (default: all)"
    )
    export.add_argument("--json", action="store_true")
    export.set_defaults(func=cmd_customers_export)
