"""Many clients on one PostgreSQL (issue 7): 20 client processes over 1,000,000 demo customers
run a mix of search / open file / save / log follow-up for 60 s; p95 latency per operation,
**zero lost updates** (every acknowledged save and follow-up is in the database afterwards),
and the server-side cost of row-level security (the same read mix as a plain superuser-owned
database and as a Shared-mode salesperson).

    python bench/concurrency.py                                  # 1M customers, 20 clients, 60 s
    python bench/concurrency.py --customers 20000 --seconds 10 --clients 4   # a quick run
    python bench/concurrency.py --database postgresql://postgres@HOST/DB     # an existing server

Without ``--database`` the bench starts its own throwaway cluster (initdb + pg_ctl on a free
port, the binaries of /usr/lib/postgresql/*/bin) in ``--cluster-dir`` and keeps it there
stopped, so the next run reuses the loaded data. With it, the URL's user must be a superuser
(the Shared copy of the database is made with ``CREATE DATABASE … TEMPLATE`` and
``server init``).

The mix: each client is a salesperson (round robin over the demo's salespeople, at least two
clients each). One round is
a search (a fragment of one of their customers' names, its initials or phone digits), opening a
customer file, and then either saving it (the notes get a unique token appended, over the
version the file was opened with; a stale save is refused or merged, never overwrites) or
logging a follow-up with a unique summary. Saves go to a small hot set of customers per
salesperson so clients sharing a salesperson collide. Each client writes down what was
acknowledged; afterwards the bench checks every token is in the database.

In Shared mode (when ``crm_desktop.services.server`` works) the mix runs on the Shared copy,
each client signed in as its salesperson's own login role; otherwise on the plain database.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import command_line, ensure_postgresql

PG_ROOT = Path("/usr/lib/postgresql")
HOST = "127.0.0.1"
SUPERUSER = "postgres"
PLAIN_DB = "crm_bench"
SHARED_DB = "crm_bench_shared"
ADMIN_LOGIN = "bench.admin"
BENCH_PASSWORD = "bench-password-1"
HOT_SET = 20  # customers per salesperson the saves go to
OPERATIONS = ("search", "open", "save", "followup")


# --------------------------------------------------------------------------- the cluster


@dataclass
class Cluster:
    bindir: Path
    base: Path
    port: int
    os_user: str | None

    @property
    def data(self) -> Path:
        return self.base / "data"

    def url(self, database: str, user: str = SUPERUSER, password: str | None = None) -> str:
        auth = user if password is None else f"{user}:{password}"
        return f"postgresql+psycopg://{auth}@{HOST}:{self.port}/{database}"

    def execute(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(
            host=HOST, port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            for statement in statements:
                conn.execute(statement)

    def has_database(self, name: str) -> bool:
        import psycopg

        with psycopg.connect(
            host=HOST, port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            return row is not None


def _bindir() -> Path:
    found = [b for b in PG_ROOT.glob("*/bin") if (b / "initdb").is_file()]
    if not found:
        raise SystemExit("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin")
    return max(found, key=lambda b: tuple(int(p) for p in b.parent.name.split(".")))


def _os_user() -> str | None:
    if os.geteuid() != 0:
        return None
    import pwd

    for name in ("postgres", "crmtest"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise SystemExit("running as root: create a 'postgres' OS user to run the server")


def _run(os_user: str | None, args: list[str]) -> None:
    command = ["runuser", "-u", os_user, "--", *args] if os_user else args
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start_cluster(base: Path, clients: int) -> Cluster:
    """Start (initdb first when ``base`` is new) a cluster trusting the superuser locally and
    asking every other role for its password."""
    bindir, os_user = _bindir(), _os_user()
    data = base / "data"
    if not (data / "PG_VERSION").exists():
        base.mkdir(parents=True, exist_ok=True)
        if os_user:
            import pwd

            info = pwd.getpwnam(os_user)
            os.chown(base, info.pw_uid, info.pw_gid)
        _run(
            os_user,
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
                "--no-instructions",
            ],
        )
        (data / "pg_hba.conf").write_text(
            f"local all {SUPERUSER} trust\nhost all {SUPERUSER} {HOST}/32 trust\n"
            f"local all all scram-sha-256\nhost all all {HOST}/32 scram-sha-256\n",
            encoding="utf-8",
        )
        with (data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            # A small company server's settings, except durability: fsync is off so the 2-core
            # box measures the database, not its virtual disk.
            conf.write(
                f"\nlisten_addresses = '{HOST}'\nunix_socket_directories = '{base}'\n"
                "password_encryption = 'scram-sha-256'\nfsync = off\n"
                "synchronous_commit = off\nfull_page_writes = off\n"
                f"max_connections = {max(100, clients * 4 + 20)}\n"
                "shared_buffers = 1GB\nwork_mem = 16MB\nmaintenance_work_mem = 512MB\n"
                "max_wal_size = 4GB\n"
            )
    port = _free_port()
    _run(
        os_user,
        [
            str(bindir / "pg_ctl"),
            "start",
            "-D",
            str(data),
            "-w",
            "-t",
            "120",
            "-l",
            str(base / "server.log"),
            "-o",
            f"-p {port}",
        ],
    )
    return Cluster(bindir, base, port, os_user)


def stop_cluster(cluster: Cluster) -> None:
    _run(cluster.os_user, [str(cluster.bindir / "pg_ctl"), "stop", "-D", str(cluster.data), "-w"])


# --------------------------------------------------------------------------- Shared copy


def shared_available() -> bool:
    try:
        from crm_desktop.services import server  # noqa: F401
    except ImportError:
        return False
    return True


def prepare_shared(cluster: Cluster, logins: list[str]) -> str | None:
    """The Shared copy of the plain database (``server init``), each salesperson with a login
    role; its URL as the first salesperson, or None when Shared mode is not available."""
    if not shared_available():
        return None
    if not cluster.has_database(SHARED_DB):
        try:
            _make_shared(cluster, logins)
        except Exception as exc:  # Shared mode still being built: measure the plain side
            print(f"no Shared copy: {type(exc).__name__}: {exc}", file=sys.stderr)
            cluster.execute(f"DROP DATABASE IF EXISTS {SHARED_DB} WITH (FORCE)")
            return None
    return cluster.url(SHARED_DB, logins[0], BENCH_PASSWORD)


def _make_shared(cluster: Cluster, logins: list[str]) -> None:
    from sqlalchemy import select

    from crm_desktop.db.models import AppUser
    from crm_desktop.services import server
    from crm_desktop.services.database import open_database
    from crm_desktop.services.users import actor_of

    print("making the Shared copy (CREATE DATABASE … TEMPLATE, server init) …", file=sys.stderr)
    cluster.execute(f"CREATE DATABASE {SHARED_DB} TEMPLATE {PLAIN_DB}")
    server.server_init(
        cluster.url(SHARED_DB),
        admin_login=ADMIN_LOGIN,
        admin_password=BENCH_PASSWORD,
        admin_name="Bench Admin",
    )
    db = open_database(cluster.url(SHARED_DB, ADMIN_LOGIN, BENCH_PASSWORD))
    try:
        with db.session_factory.begin() as s:
            admin = s.scalars(select(AppUser).where(AppUser.login == ADMIN_LOGIN)).one()
            actor = actor_of(admin)
            for user in s.scalars(select(AppUser).where(AppUser.login.in_(logins))):
                server.create_login(s, user.login, BENCH_PASSWORD, user.role, actor)
    finally:
        db.dispose()
    db = open_database(cluster.url(SHARED_DB))
    try:
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    finally:
        db.dispose()


# --------------------------------------------------------------------------- the clients


@dataclass(frozen=True)
class ClientPlan:
    number: int
    url: str
    login: str
    seconds: float
    start_at: float
    seed: int
    out: str


def _work_set(session: Any, actor: Any, rnd: random.Random) -> tuple[list[int], list[str]]:
    """A salesperson's hot set for saves and the search fragments of their customers."""
    from sqlalchemy import select

    from crm_desktop.db.models import Customer

    rows = session.execute(
        select(Customer.id, Customer.name, Customer.name_initials, Customer.phone_digits)
        .where(Customer.owner_id == actor.id, Customer.deleted_at.is_(None))
        .order_by(Customer.id)
        .limit(400)
    ).all()
    if not rows:
        raise SystemExit(f"{actor.login} owns no customers")
    hot = [r.id for r in rows[:HOT_SET]]
    fragments: list[str] = []
    for r in rnd.sample(rows, min(60, len(rows))):
        name = r.name
        start = rnd.randrange(max(1, len(name) - 3))
        fragments.append(name[start : start + rnd.choice((2, 3, 4))])
        if r.name_initials:
            fragments.append(r.name_initials.split()[0][:4])
        if r.phone_digits:
            digits = r.phone_digits.split()[0]
            fragments.append(digits[-6:])
    return hot, fragments


def client_main(plan: ClientPlan) -> None:
    """One client process: the mix until the time is up; what it measured and what was
    acknowledged go to ``plan.out`` as JSON."""
    from sqlalchemy import select

    from crm_desktop.core.errors import ConflictError
    from crm_desktop.db.models import AppUser
    from crm_desktop.services.customers import CustomerInput, get_customer, update_customer
    from crm_desktop.services.database import open_database
    from crm_desktop.services.followups import FollowupInput, log_followup
    from crm_desktop.services.search import search_customers
    from crm_desktop.services.users import actor_of

    rnd = random.Random(plan.seed)
    db = open_database(plan.url)
    latencies: dict[str, list[float]] = {op: [] for op in OPERATIONS}
    saved: list[tuple[int, str]] = []
    logged: list[tuple[int, str]] = []
    conflicts = 0
    errors: list[str] = []
    with db.read_session_factory() as s:
        user = s.scalars(select(AppUser).where(AppUser.login == plan.login)).one()
        actor = actor_of(user)
        hot, fragments = _work_set(s, actor, rnd)
    while time.time() < plan.start_at:
        time.sleep(0.01)
    deadline = time.monotonic() + plan.seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
        try:
            started = time.perf_counter()
            with db.read_session_factory() as s:
                search_customers(s, rnd.choice(fragments), visible_to=actor)
            latencies["search"].append(time.perf_counter() - started)

            customer_id = rnd.choice(hot)
            started = time.perf_counter()
            with db.read_session_factory() as s:
                detail = get_customer(s, customer_id, actor)
            latencies["open"].append(time.perf_counter() - started)

            token = f"[c{plan.number}-{n}]"
            if rnd.random() < 0.5:
                notes = ((detail.notes or "") + " " + token).strip()[-4000:]
                started = time.perf_counter()
                try:
                    with db.session_factory.begin() as s:
                        update_customer(
                            s,
                            customer_id,
                            CustomerInput(notes=notes),
                            detail.version,
                            actor,
                            base=detail,
                        )
                except ConflictError:
                    conflicts += 1  # refused, so not acknowledged: the user is asked
                else:
                    saved.append((customer_id, token))
                latencies["save"].append(time.perf_counter() - started)
            else:
                started = time.perf_counter()
                with db.session_factory.begin() as s:
                    log_followup(
                        s,
                        customer_id,
                        FollowupInput(kind="call", summary=token, outcome="neutral"),
                        actor,
                    )
                logged.append((customer_id, token))
                latencies["followup"].append(time.perf_counter() - started)
        except Exception as exc:  # counted and reported, the client goes on
            errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    db.dispose()
    Path(plan.out).write_text(
        json.dumps(
            {
                "client": plan.number,
                "login": plan.login,
                "latencies": latencies,
                "saved": saved,
                "logged": logged,
                "conflicts": conflicts,
                "errors": errors,
            }
        ),
        encoding="utf-8",
    )


def check_lost(url: str, reports: list[dict[str, Any]]) -> tuple[int, int, int, int]:
    """(acknowledged saves, missing saves, acknowledged follow-ups, missing follow-ups), read
    as the superuser after every client finished."""
    from sqlalchemy import select

    from crm_desktop.db.models import Customer, Followup
    from crm_desktop.services.database import open_database

    saves = [(cid, token) for r in reports for cid, token in r["saved"]]
    followups = [(cid, token) for r in reports for cid, token in r["logged"]]
    db = open_database(url)
    try:
        with db.read_session_factory() as s:
            ids = sorted({cid for cid, _t in saves})
            notes: dict[int, str | None] = {}
            if ids:
                notes = dict(
                    s.execute(select(Customer.id, Customer.notes).where(Customer.id.in_(ids))).all()
                )
            missing_saves = 0
            for cid, token in saves:
                # The notes keep their last 4000 characters; a token that scrolled out was
                # written and then pushed out by later appends, which is no loss.
                text = notes.get(cid) or ""
                if token not in text and len(text) < 3900:
                    missing_saves += 1
            summaries = {
                (cid, summary)
                for cid, summary in s.execute(
                    select(Followup.customer_id, Followup.summary).where(
                        Followup.summary.like("[c%")
                    )
                )
            }
            missing_followups = sum(1 for item in followups if tuple(item) not in summaries)
    finally:
        db.dispose()
    return len(saves), missing_saves, len(followups), missing_followups


def percentile(samples: list[float], pct: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def run_mix(
    url_of: Any, logins: list[str], clients: int, seconds: float, seed: int
) -> list[dict[str, Any]]:
    ctx = mp.get_context("spawn")
    workdir = Path(tempfile.mkdtemp(prefix="crm-bench-mix-"))
    start_at = time.time() + 8.0 + clients * 0.6  # every client imported and connected
    # At least two clients per salesperson: they open and save the same hot customers.
    logins = logins[: max(1, min(len(logins), clients // 2))]
    plans = [
        ClientPlan(
            number=i,
            url=url_of(logins[i % len(logins)]),
            login=logins[i % len(logins)],
            seconds=seconds,
            start_at=start_at,
            seed=seed + i,
            out=str(workdir / f"client-{i}.json"),
        )
        for i in range(clients)
    ]
    processes = [ctx.Process(target=client_main, args=(p,)) for p in plans]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    reports = []
    for plan, process in zip(plans, processes, strict=True):
        if process.exitcode != 0 or not Path(plan.out).exists():
            raise SystemExit(f"client {plan.number} failed (exit code {process.exitcode})")
        reports.append(json.loads(Path(plan.out).read_text(encoding="utf-8")))
    shutil.rmtree(workdir, ignore_errors=True)
    return reports


# --------------------------------------------------------------------------- RLS cost


def read_mix(url: str, login: str, rounds: int, seed: int) -> dict[str, list[float]]:
    """The read half of the mix (search, open file) in one process, sequentially: the same
    queries in the same order whatever the database, so two runs compare the server's work."""
    from sqlalchemy import select

    from crm_desktop.db.models import AppUser
    from crm_desktop.services.customers import get_customer
    from crm_desktop.services.database import open_database
    from crm_desktop.services.search import search_customers
    from crm_desktop.services.users import actor_of

    rnd = random.Random(seed)
    db = open_database(url)
    times: dict[str, list[float]] = {"search": [], "open": []}
    try:
        with db.read_session_factory() as s:
            actor = actor_of(s.scalars(select(AppUser).where(AppUser.login == login)).one())
            hot, fragments = _work_set(s, actor, rnd)
        for i in range(rounds + 20):  # the first 20 warm the caches
            with db.read_session_factory() as s:
                started = time.perf_counter()
                search_customers(s, fragments[i % len(fragments)], visible_to=actor)
                searched = time.perf_counter() - started
                started = time.perf_counter()
                get_customer(s, hot[i % len(hot)], actor)
                opened = time.perf_counter() - started
            if i >= 20:
                times["search"].append(searched)
                times["open"].append(opened)
    finally:
        db.dispose()
    return times


# --------------------------------------------------------------------------- main


def sales_logins(url: str) -> list[str]:
    from sqlalchemy import select

    from crm_desktop.db.models import AppUser
    from crm_desktop.services.database import open_database

    db = open_database(url)
    try:
        with db.read_session_factory() as s:
            return list(
                s.scalars(
                    select(AppUser.login)
                    .where(AppUser.role == "sales", AppUser.active.is_(True))
                    .order_by(AppUser.id)
                )
            )
    finally:
        db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rls-rounds", type=int, default=300, help="read rounds per RLS run")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database", metavar="URL", help="an existing server (superuser URL)")
    parser.add_argument(
        "--cluster-dir",
        type=Path,
        help="where the throwaway cluster lives (default /tmp/crm-bench-pg-CUSTOMERS)",
    )
    parser.add_argument("--plain", action="store_true", help="run the mix on the plain database")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    cluster: Cluster | None = None
    if args.database:
        plain_url = args.database
    else:
        base = args.cluster_dir or Path(tempfile.gettempdir()) / f"crm-bench-pg-{args.customers}"
        cluster = start_cluster(base, args.clients)
        if not cluster.has_database(PLAIN_DB):
            cluster.execute(f"CREATE DATABASE {PLAIN_DB} ENCODING 'UTF8' TEMPLATE template0")
        plain_url = cluster.url(PLAIN_DB)
    try:
        ensure_postgresql(plain_url, args.customers)
        logins = sales_logins(plain_url)
        shared_url = prepare_shared(cluster, logins) if cluster is not None else None
        on_shared = shared_url is not None and not args.plain
        if on_shared:
            assert cluster is not None

            def url_of(login: str) -> str:
                return cluster.url(SHARED_DB, login, BENCH_PASSWORD)

            check_url = cluster.url(SHARED_DB)
        else:

            def url_of(login: str) -> str:
                return plain_url

            check_url = plain_url
        print(
            f"mix: {args.clients} clients × {args.seconds:g} s on "
            f"{'Shared (RLS, salesperson logins)' if on_shared else 'plain'} database …",
            file=sys.stderr,
        )
        reports = run_mix(url_of, logins, args.clients, args.seconds, args.seed)
        acked_saves, lost_saves, acked_followups, lost_followups = check_lost(check_url, reports)

        rls: dict[str, Any] = {}
        if shared_url is not None:
            print("RLS cost: the read mix, plain then Shared …", file=sys.stderr)
            plain_times = read_mix(plain_url, logins[0], args.rls_rounds, args.seed)
            shared_times = read_mix(shared_url, logins[0], args.rls_rounds, args.seed)
            for op in ("search", "open"):
                rls[op] = {
                    "plain_p50_ms": statistics.median(plain_times[op]) * 1000,
                    "plain_p95_ms": percentile(plain_times[op], 95) * 1000,
                    "shared_p50_ms": statistics.median(shared_times[op]) * 1000,
                    "shared_p95_ms": percentile(shared_times[op], 95) * 1000,
                }
    finally:
        if cluster is not None:
            stop_cluster(cluster)

    ops: dict[str, Any] = {}
    for op in OPERATIONS:
        samples = [x for r in reports for x in r["latencies"][op]]
        ops[op] = {
            "count": len(samples),
            "per_s": len(samples) / args.seconds,
            "p50_ms": statistics.median(samples) * 1000 if samples else None,
            "p95_ms": percentile(samples, 95) * 1000 if samples else None,
            "p99_ms": percentile(samples, 99) * 1000 if samples else None,
        }
    errors = [e for r in reports for e in r["errors"]]
    summary = {
        "command": command_line(),
        "customers": args.customers,
        "clients": args.clients,
        "seconds": args.seconds,
        "database": "shared" if on_shared else "plain",
        "operations": ops,
        "saves_acknowledged": acked_saves,
        "saves_lost": lost_saves,
        "followups_acknowledged": acked_followups,
        "followups_lost": lost_followups,
        "conflicts_refused": sum(r["conflicts"] for r in reports),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "rls_cost": rls,
    }
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    else:
        print(summary["command"])
        print(
            f"{args.customers:,} customers, {args.clients} clients, {args.seconds:g} s, "
            f"{summary['database']} database"
        )
        for op, figures in ops.items():
            if figures["count"]:
                print(
                    f"  {op:9} {figures['count']:7,} ops {figures['per_s']:7.1f}/s   "
                    f"p50 {figures['p50_ms']:7.1f} ms   p95 {figures['p95_ms']:7.1f} ms   "
                    f"p99 {figures['p99_ms']:7.1f} ms"
                )
        print(
            f"  lost updates: {lost_saves} of {acked_saves:,} acknowledged saves, "
            f"{lost_followups} of {acked_followups:,} acknowledged follow-ups "
            f"({summary['conflicts_refused']:,} stale saves refused, {len(errors)} errors)"
        )
        for sample in summary["error_samples"]:
            print(f"    error: {sample}")
        if rls:
            print(f"  RLS cost ({args.rls_rounds} rounds as {logins[0]}, one client):")
            for op, f in rls.items():
                print(
                    f"    {op:7} plain p50 {f['plain_p50_ms']:6.1f} / p95 {f['plain_p95_ms']:6.1f}"
                    f" ms   Shared p50 {f['shared_p50_ms']:6.1f} / p95 {f['shared_p95_ms']:6.1f}"
                    " ms"
                )
        else:
            print("  RLS cost: not measured (Shared mode unavailable or --database given)")
    return 1 if lost_saves or lost_followups else 0


if __name__ == "__main__":
    sys.exit(main())
