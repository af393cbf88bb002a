"""Shared fixtures: real databases, never mocks.

SQLite: one migrated template file per session, copied for each test. PostgreSQL: one throwaway
cluster per session (initdb + pg_ctl on a free 127.0.0.1 port), one migrated template database,
and a fresh ``CREATE DATABASE … TEMPLATE`` copy for each test. Every test gets its own
``CRM_DESKTOP_HOME`` so nothing touches the real user folders.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

# Before anything imports Qt: tests never need a display.
os.environ["QT_QPA_PLATFORM"] = "offscreen"

PG_ROOT = Path("/usr/lib/postgresql")
PG_MISSING = (
    "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; install postgresql"
)
PG_SUPERUSER = "postgres"
PG_HOST = "127.0.0.1"
PG_TEMPLATE_DB = "crm_template"
FALLBACK_OS_USER = "crmtest"

_db_numbers = itertools.count(1)
_timings: dict[str, float] = {}


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for label, seconds in _timings.items():
        terminalreporter.write_line(f"{label}: {seconds:.2f} s")


# --------------------------------------------------------------------------- every test


@pytest.fixture(autouse=True)
def crm_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private CRM_DESKTOP_HOME: settings, data and logs of the app land here."""
    home = tmp_path_factory.mktemp("crm-home")
    monkeypatch.setenv("CRM_DESKTOP_HOME", str(home))
    return home


# --------------------------------------------------------------------------- SQLite


def _sqlite_url(path: Path) -> str:
    return "sqlite:///" + path.as_posix()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, closed and checkpointed, to be copied by ``sqlite_url``."""
    from crm_desktop.db import migrate
    from crm_desktop.db.engine import create_db_engine

    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    engine = create_db_engine(_sqlite_url(path))
    try:
        migrate.upgrade(engine)
        # Outside any transaction (the DBAPI connection is in autocommit), or SQLite refuses.
        raw = engine.raw_connection()
        try:
            busy, _log, _done = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            assert busy == 0, "template WAL checkpoint was blocked"
            assert raw.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            raw.close()
    finally:
        engine.dispose()
    # A copy of the main file alone is only complete when the WAL holds nothing.
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "template WAL was not checkpointed"
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """URL of a migrated SQLite database of this test's own."""
    path = tmp_path / "crm.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return _sqlite_url(path)


@pytest.fixture
def empty_sqlite_url(tmp_path: Path) -> str:
    """URL of a SQLite file that does not exist yet."""
    return _sqlite_url(tmp_path / "empty.sqlite3")


# --------------------------------------------------------------------------- PostgreSQL


def postgres_unavailable(reason: str) -> NoReturn:
    """Skip a PostgreSQL test, or fail it when CI demands PostgreSQL (CRM_REQUIRE_POSTGRES=1)."""
    if os.environ.get("CRM_REQUIRE_POSTGRES") == "1":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def _version_key(bindir: Path) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in bindir.parent.name.split("."))
    except ValueError:
        return (-1,)


def find_pg_bindir() -> Path | None:
    """The bin folder of the highest installed PostgreSQL server version, if any."""
    found = [
        bindir
        for bindir in PG_ROOT.glob("*/bin")
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file()
    ]
    return max(found, key=_version_key) if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((PG_HOST, 0))
        return int(sock.getsockname()[1])


def _server_os_user() -> str | None:
    """The OS user that runs initdb/postgres; None when we are not root (run as ourselves)."""
    import pwd  # POSIX only, like the server binaries looked for

    if os.geteuid() != 0:
        return None
    for name in (PG_SUPERUSER, FALLBACK_OS_USER):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    subprocess.run(
        [
            "useradd",
            "--system",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            FALLBACK_OS_USER,
        ],
        check=True,
        capture_output=True,
    )
    return FALLBACK_OS_USER


@dataclass(frozen=True)
class PgCluster:
    """A running throwaway PostgreSQL cluster; the superuser logs in without a password."""

    bindir: Path
    base: Path
    port: int
    host: str = PG_HOST

    def url(self, database: str, user: str = PG_SUPERUSER, password: str | None = None) -> str:
        auth = user if password is None else f"{user}:{password}"
        return f"postgresql+psycopg://{auth}@{self.host}:{self.port}/{database}"

    @property
    def admin_url(self) -> str:
        return self.url("postgres")

    def admin_execute(self, *statements: str) -> None:
        """Run statements as the superuser in autocommit (CREATE/DROP DATABASE, roles)."""
        import psycopg

        with psycopg.connect(
            host=self.host, port=self.port, user=PG_SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            for statement in statements:
                conn.execute(statement)


def _run_as(os_user: str | None, args: list[str], cwd: Path) -> None:
    command = ["runuser", "-u", os_user, "--", *args] if os_user else args
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )


PG_HBA = f"""\
# Throwaway test cluster: the superuser is trusted, every other role logs in with a password.
local all {PG_SUPERUSER} trust
host  all {PG_SUPERUSER} {PG_HOST}/32 trust
local all all scram-sha-256
host  all all {PG_HOST}/32 scram-sha-256
"""


def _start_cluster(bindir: Path, *, tls: tuple[Path, Path] | None = None) -> PgCluster:
    """Start a cluster; ``tls`` = (certificate, key) turns on TLS (plain connections stay
    allowed: sslmode decides on the client side)."""
    os_user = _server_os_user()
    base = Path(tempfile.mkdtemp(prefix="crm-test-pg-"))
    data = base / "data"
    if os_user:
        import pwd

        info = pwd.getpwnam(os_user)
        os.chown(base, info.pw_uid, info.pw_gid)
    _run_as(
        os_user,
        [
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            PG_SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
            "--no-instructions",
        ],
        cwd=base,
    )
    (data / "pg_hba.conf").write_text(PG_HBA, encoding="utf-8")
    with (data / "postgresql.conf").open("a", encoding="utf-8") as conf:
        conf.write(
            f"\nlisten_addresses = '{PG_HOST}'\n"
            f"unix_socket_directories = '{base}'\n"
            "password_encryption = 'scram-sha-256'\n"
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            "max_connections = 200\n"
        )
        if tls is not None:
            conf.write("ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n")
    if tls is not None:
        shutil.copyfile(tls[0], data / "server.crt")
        shutil.copyfile(tls[1], data / "server.key")
        (data / "server.key").chmod(0o600)
        if os_user:
            import pwd

            info = pwd.getpwnam(os_user)
            for name in ("server.crt", "server.key"):
                os.chown(data / name, info.pw_uid, info.pw_gid)
    last_error: Exception | None = None
    for _attempt in range(3):  # another process may grab the free port before the server does
        port = _free_port()
        try:
            _run_as(
                os_user,
                [
                    str(bindir / "pg_ctl"),
                    "start",
                    "-D",
                    str(data),
                    "-w",
                    "-t",
                    "60",
                    "-l",
                    str(base / "server.log"),
                    "-o",
                    f"-p {port}",
                ],
                cwd=base,
            )
        except RuntimeError as exc:
            last_error = exc
            continue
        return PgCluster(bindir=bindir, base=base, port=port)
    log = base / "server.log"
    detail = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    shutil.rmtree(base, ignore_errors=True)
    raise RuntimeError(f"PostgreSQL test cluster did not start: {last_error}\n{detail}")


def _stop_cluster(cluster: PgCluster) -> None:
    try:
        _run_as(
            _server_os_user(),
            [
                str(cluster.bindir / "pg_ctl"),
                "stop",
                "-D",
                str(cluster.base / "data"),
                "-m",
                "immediate",
                "-w",
            ],
            cwd=cluster.base,
        )
    finally:
        shutil.rmtree(cluster.base, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A throwaway PostgreSQL cluster for the whole session (skipped when not installed)."""
    bindir = find_pg_bindir()
    if bindir is None:
        postgres_unavailable(PG_MISSING)
    started = time.monotonic()
    cluster = _start_cluster(bindir)
    _timings["PostgreSQL test cluster start"] = time.monotonic() - started
    try:
        yield cluster
    finally:
        _stop_cluster(cluster)


@pytest.fixture(scope="session")
def pg_admin_url(pg_cluster: PgCluster) -> str:
    """The superuser's URL (no password needed) on the test cluster's ``postgres`` database."""
    return pg_cluster.admin_url


@pytest.fixture(scope="session")
def pg_template(pg_cluster: PgCluster) -> str:
    """Name of a migrated database that ``pg_url`` copies for each test."""
    from crm_desktop.db import migrate
    from crm_desktop.db.engine import create_db_engine

    pg_cluster.admin_execute(f"CREATE DATABASE {PG_TEMPLATE_DB} ENCODING 'UTF8' TEMPLATE template0")
    engine = create_db_engine(pg_cluster.url(PG_TEMPLATE_DB))
    try:
        migrate.upgrade(engine)
    finally:
        # CREATE DATABASE … TEMPLATE refuses while anyone is connected to the template.
        engine.dispose()
    return PG_TEMPLATE_DB


def _throwaway_database(cluster: PgCluster, template: str) -> Iterator[str]:
    name = f"crm_test_{os.getpid()}_{next(_db_numbers)}"
    cluster.admin_execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    try:
        yield cluster.url(name)
    finally:
        cluster.admin_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pg_url(pg_cluster: PgCluster, pg_template: str) -> Iterator[str]:
    """URL of a migrated PostgreSQL database of this test's own, dropped afterwards."""
    yield from _throwaway_database(pg_cluster, pg_template)


@pytest.fixture
def empty_pg_url(pg_cluster: PgCluster) -> Iterator[str]:
    """URL of an empty UTF-8 PostgreSQL database of this test's own, dropped afterwards."""
    yield from _throwaway_database(pg_cluster, "template0")


# --------------------------------------------------------------------------- both dialects

DIALECTS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=DIALECTS)
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh migrated database, once on SQLite and once on PostgreSQL."""
    # getfixturevalue: the SQLite run never starts the PostgreSQL cluster.
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture(params=DIALECTS)
def empty_db_url(request: pytest.FixtureRequest) -> str:
    """A fresh empty database, once on SQLite and once on PostgreSQL."""
    name = "empty_sqlite_url" if request.param == "sqlite" else "empty_pg_url"
    return str(request.getfixturevalue(name))


# The real mail servers (Dovecot, aiosmtpd), for every test package that needs them.
from tests.mail.fixtures import (  # noqa: E402
    dovecot,
    imap_account,
    mail_certs,
    smtp_server,
    smtps_server,
)

__all__ = ["dovecot", "imap_account", "mail_certs", "smtp_server", "smtps_server"]

from tests.keyrings import memory_keyring  # noqa: E402

__all__ += ["memory_keyring"]
