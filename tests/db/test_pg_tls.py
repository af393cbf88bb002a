"""Shared mode over TLS against a real PostgreSQL server that speaks it: ``verify-full`` with
the company's CA file signs in encrypted; a server whose certificate another CA signed is
refused with one clear sentence; ``require`` encrypts without checking."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import text

from crm_desktop.core.errors import DatabaseError
from crm_desktop.services.database import open_database
from crm_desktop.services.server import server_init
from crm_desktop.services.users import sign_in_shared
from tests.conftest import (
    PG_MISSING,
    PgCluster,
    _start_cluster,
    _stop_cluster,
    find_pg_bindir,
    postgres_unavailable,
)
from tests.mail.servers import Certificates, make_certificates

pytestmark = pytest.mark.postgres

ADMIN = "tls_admin"
PASSWORD = "tls-secret-42"


@pytest.fixture(scope="module")
def tls_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[PgCluster, Certificates]]:
    bindir = find_pg_bindir()
    if bindir is None:
        postgres_unavailable(PG_MISSING)
    certificates = make_certificates(tmp_path_factory.mktemp("pg-tls"))
    cluster = _start_cluster(bindir, tls=(certificates.cert_path, certificates.key_path))
    try:
        cluster.admin_execute("CREATE DATABASE crm_tls")
        server_init(cluster.url("crm_tls"), admin_login=ADMIN, admin_password=PASSWORD)
        yield cluster, certificates
    finally:
        _stop_cluster(cluster)


def login_url(cluster: PgCluster, **options: str) -> str:
    return f"postgresql+psycopg://{ADMIN}@{cluster.host}:{cluster.port}/crm_tls?" + urlencode(
        options
    )


def encrypted(url: str) -> tuple[bool, str]:
    db = open_database(url, password=PASSWORD)
    try:
        with db.session_factory.begin() as session:
            row = session.execute(
                text("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            ).one()
            actor = sign_in_shared(session)
        assert actor.login == ADMIN
        return bool(row[0]), str(row[1])
    finally:
        db.dispose()


def test_verify_full_with_the_company_ca_signs_in_encrypted(
    tls_server: tuple[PgCluster, Certificates],
) -> None:
    cluster, certificates = tls_server
    on, version = encrypted(
        login_url(cluster, sslmode="verify-full", sslrootcert=str(certificates.ca_path))
    )
    assert on and version.startswith("TLS")


def test_require_encrypts_without_a_ca_file(tls_server: tuple[PgCluster, Certificates]) -> None:
    cluster, _certificates = tls_server
    assert encrypted(login_url(cluster, sslmode="require"))[0]


def test_a_server_certificate_from_another_ca_is_refused_clearly(
    tls_server: tuple[PgCluster, Certificates], tmp_path: Path
) -> None:
    cluster, _certificates = tls_server
    stranger = make_certificates(tmp_path)  # an impostor's CA: not the one that signed the server
    url = login_url(cluster, sslmode="verify-full", sslrootcert=str(stranger.ca_path))
    with pytest.raises(DatabaseError, match="could not prove its identity") as caught:
        encrypted(url)
    assert "sslmode=verify-full" in str(caught.value)
    assert PASSWORD not in str(caught.value)


def test_a_missing_ca_file_is_named(
    tls_server: tuple[PgCluster, Certificates], tmp_path: Path
) -> None:
    cluster, _certificates = tls_server
    missing = tmp_path / "company-ca.crt"
    with pytest.raises(DatabaseError) as caught:
        encrypted(login_url(cluster, sslmode="verify-full", sslrootcert=str(missing)))
    assert "company-ca.crt" in str(caught.value)
