"""Mail import end to end: parse + link + store of one large mbox into a database with
100,000 demo customers (issue 5: ≥ 1,000 messages/s on SQLite, peak memory bounded).

    python bench/mail.py                                   # 100,000 messages, median of 3 runs
    python bench/mail.py --messages 20000 --runs 3         # a smaller mbox: compare the peak RSS
    python bench/mail.py --database postgresql://…         # an empty PostgreSQL database

Each run imports into a fresh copy of the cached demo database (bench/out/demo-100000.sqlite3)
in a child process, so its peak RSS (ru_maxrss) is that import's alone. The mbox
(bench/out/mail-import-N-vV.mbox, reused) mixes the messages of ``bench/mail_parse.py`` (UTF-8,
GB2312/GBK mislabeled, Big5, RFC 2047, HTML alternatives, replies, attachments) with addresses
drawn from the database: 35 % from a contact's address, 10 % from a customer's own address,
20 % from another mailbox at a customer's domain, 20 % from free-mail (qq.com, 163.com …: never
linked by domain), 15 % from unknown domains (the unlinked queue).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from email import message_from_bytes, policy
from email.utils import formataddr
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT_DIR, command_line, ensure_postgresql, ensure_sqlite_database
from mail_parse import build_message

FORMAT_VERSION = 1
CUSTOMERS = 100_000
FREE = ("qq.com", "163.com", "126.com", "foxmail.com", "gmail.com", "outlook.com")
_FROM_LINE = re.compile(rb"^(>*From )", re.MULTILINE)


def _addresses(url: str) -> tuple[list[str], list[str], list[str]]:
    """(contact addresses, customer addresses, customer domains) of the database."""
    from sqlalchemy import select

    from crm_desktop.db.models import Contact, Customer
    from crm_desktop.services.database import open_database

    db = open_database(url)
    try:
        with db.read_session_factory() as s:
            contacts = list(
                s.scalars(select(Contact.email_norm).where(Contact.email_norm != "").limit(50_000))
            )
            customers = list(
                s.scalars(
                    select(Customer.email_norm).where(Customer.email_norm != "").limit(50_000)
                )
            )
    finally:
        db.dispose()
    domains = sorted({a.rsplit("@", 1)[1] for a in customers + contacts if "@" in a})
    return contacts, customers, domains


def ensure_mbox(count: int, url: str) -> Path:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"mail-import-{count}-v{FORMAT_VERSION}.mbox"
    if path.exists():
        return path
    contacts, customers, domains = _addresses(url)
    if not contacts or not customers:
        raise SystemExit("the database has no customer or contact addresses: regenerate it")
    print(f"generating {count:,} messages into {path} …", file=sys.stderr)
    rng = random.Random(7)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as out:
        for i in range(count):
            message = message_from_bytes(build_message(i, rng), policy=policy.compat32)
            roll = rng.random()
            if roll < 0.35:
                sender = rng.choice(contacts)
            elif roll < 0.45:
                sender = rng.choice(customers)
            elif roll < 0.65:
                sender = f"sales{rng.randint(1, 99)}@{rng.choice(domains)}"
            elif roll < 0.85:
                sender = f"{rng.randint(10_000, 99_999_999)}@{rng.choice(FREE)}"
            else:
                sender = f"info@unknown{rng.randint(1, 5_000)}.example"
            name = message["From"].rsplit("<", 1)[0].strip() if message["From"] else ""
            del message["From"]
            message["From"] = f"{name} <{sender}>" if name else formataddr(("", sender))
            del message["To"]
            message["To"] = "me@our-company.example"
            data = message.as_bytes().replace(b"\r\n", b"\n")
            out.write(b"From bench@example.cn Wed Jan  1 00:00:00 2025\n")
            out.write(_FROM_LINE.sub(rb">\1", data))
            out.write(b"\n\n")
    tmp.replace(path)
    return path


def child(url: str, mbox: str) -> None:
    """One import in this process; prints one JSON line."""
    from crm_desktop.services.context import SYSTEM
    from crm_desktop.services.database import open_database
    from crm_desktop.services.mail_store import import_mail_files

    db = open_database(url)
    try:
        started = time.perf_counter()
        with db.session_factory.begin() as s:
            result = import_mail_files(s, [mbox], SYSTEM)
        elapsed = time.perf_counter() - started
    finally:
        db.dispose()
    print(
        json.dumps(
            {
                "elapsed": elapsed,
                "messages": result.messages,
                "stored": result.stored,
                "linked": result.linked,
                "unlinked": result.unlinked,
                "duplicates": result.duplicates,
                "problems": len(result.problems),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def _fresh_postgres(url: str) -> None:
    from crm_desktop.services.database import open_database

    db = open_database(url)
    try:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM attachment")
            conn.exec_driver_sql("DELETE FROM email_message")
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", metavar="URL", help="PostgreSQL (default: SQLite file)")
    parser.add_argument("--child", nargs=2, metavar=("URL", "MBOX"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from crm_desktop.core.paths import sqlite_url

    if args.database:
        ensure_postgresql(args.database, CUSTOMERS)
        source_url = args.database
    else:
        source = ensure_sqlite_database(CUSTOMERS)
        source_url = sqlite_url(source)
    mbox = ensure_mbox(args.messages, source_url)
    runs = []
    for n in range(args.runs):
        if args.database:
            _fresh_postgres(args.database)
            url = args.database
        else:
            work = OUT_DIR / "mail-bench-work.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{work}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(source, work)
            url = sqlite_url(work)
        out = subprocess.run(
            [sys.executable, __file__, "--child", url, str(mbox)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        run = json.loads(out.strip().splitlines()[-1])
        runs.append(run)
        rate = run["messages"] / run["elapsed"]
        print(
            f"run {n + 1}: {run['messages']:,} messages in {run['elapsed']:.1f} s = "
            f"{rate:,.0f} msg/s; stored {run['stored']:,} (linked {run['linked']:,}, unlinked "
            f"{run['unlinked']:,}), {run['problems']} problems; peak RSS "
            f"{run['peak_rss_mb']:.0f} MB"
        )
    rates = [r["messages"] / r["elapsed"] for r in runs]
    where = "PostgreSQL" if args.database else "SQLite"
    size_mb = mbox.stat().st_size / 1e6
    print(f"mbox: {mbox.name}, {size_mb:.0f} MB; {CUSTOMERS:,} customers; {where}")
    print(
        f"import (parse + link + store, one transaction): median {statistics.median(rates):,.0f} "
        f"messages/s over {args.runs} runs (target ≥ 1,000); peak RSS median "
        f"{statistics.median(r['peak_rss_mb'] for r in runs):.0f} MB"
    )
    print(f"reproduce: {command_line()}")


if __name__ == "__main__":
    main()
