"""Real mail servers for the tests: a throwaway Dovecot (IMAP) and aiosmtpd (SMTP).

Nothing here is a mock: Dovecot is the Debian binary started with its own config file, users,
maildirs, sockets and logs in a temp folder, listening on free 127.0.0.1 ports; SMTP is a real
aiosmtpd server. Both speak TLS with a throwaway certificate authority (see ``make_certificates``)
so clients can verify the server instead of switching verification off.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
DOVECOT_BINARY = Path("/usr/sbin/dovecot")
DOVEADM_BINARY = Path("/usr/bin/doveadm")
DOVECOT_DH = Path("/usr/share/dovecot/dh.pem")
DOVECOT_MISSING = (
    "Dovecot not found (/usr/sbin/dovecot, /usr/bin/doveadm); "
    "install the Debian package dovecot-imapd"
)
START_TIMEOUT = 30.0
SMTP_USER = "sender@example.test"
SMTP_PASSWORD = "smtp-secret-1"


class MailServerError(RuntimeError):
    """A test mail server could not be started or driven."""


# --------------------------------------------------------------------------- TLS


@dataclass(frozen=True)
class Certificates:
    """A throwaway CA and a server certificate it signed for 127.0.0.1 and localhost."""

    ca_path: Path
    cert_path: Path
    key_path: Path

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts only the test CA (hostname checking stays on)."""
        return ssl.create_default_context(cafile=str(self.ca_path))

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(self.cert_path), str(self.key_path))
        return context


def make_certificates(directory: Path) -> Certificates:
    """Write ``ca.pem``, ``server.pem`` and ``server.key`` (0644: servers drop privileges)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    not_before, not_after = now - dt.timedelta(days=1), now + dt.timedelta(days=30)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "crm-desktop test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )

    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )

    directory.mkdir(parents=True, exist_ok=True)
    certs = Certificates(
        ca_path=directory / "ca.pem",
        cert_path=directory / "server.pem",
        key_path=directory / "server.key",
    )
    certs.ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    certs.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    certs.key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    for path in (certs.ca_path, certs.cert_path, certs.key_path):
        path.chmod(0o644)  # a throwaway key; readable by the unprivileged server processes
    return certs


# --------------------------------------------------------------------------- sockets


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_accepts(port: int, host: str = HOST) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


# --------------------------------------------------------------------------- Dovecot


@dataclass(frozen=True)
class _OsUsers:
    """Who Dovecot's processes and the test users' mail processes run as."""

    internal: str
    internal_group: str
    login: str
    mail_uid: int
    mail_gid: int
    root: bool


def _os_users() -> _OsUsers:
    import grp
    import pwd

    if os.geteuid() != 0:
        # Rootless Dovecot: every service, and the mail processes, run as the calling user.
        me = pwd.getpwuid(os.geteuid())
        group = grp.getgrgid(os.getegid()).gr_name
        return _OsUsers(me.pw_name, group, me.pw_name, me.pw_uid, me.pw_gid, root=False)

    def existing(*names: str) -> pwd.struct_passwd:
        for name in names:
            try:
                return pwd.getpwnam(name)
            except KeyError:
                continue
        raise MailServerError(f"none of the users {names} exists; reinstall dovecot-core")

    # Dovecot refuses to run mail or login processes as root: the package's own users for its
    # services and ``nobody`` for the mail of the test users.
    internal = existing("dovecot", "nobody")
    login = existing("dovenull", "nobody")
    mail = existing("nobody", "dovenull")
    return _OsUsers(
        internal=internal.pw_name,
        internal_group=grp.getgrgid(internal.pw_gid).gr_name,
        login=login.pw_name,
        mail_uid=mail.pw_uid,
        mail_gid=mail.pw_gid,
        root=True,
    )


DOVECOT_CONF = """\
# Throwaway Dovecot for the crm-desktop tests: nothing outside {base} is used.
protocols = imap
listen = {host}
base_dir = {base}/run
state_dir = {base}/state
instance_name = crm-test-{imap_port}
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
default_internal_user = {users.internal}
default_internal_group = {users.internal_group}
default_login_user = {users.login}
first_valid_uid = {users.mail_uid}
first_valid_gid = 0
shutdown_clients = yes
verbose_proctitle = yes

ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
{ssl_dh}
# Plain logins on the plain port too: clients that skip STARTTLS must still be testable.
disable_plaintext_auth = no
auth_mechanisms = plain login

passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/users/%u
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {base}/users/%u
  default_fields = uid={users.mail_uid} gid={users.mail_gid} home={base}/home/%u
}}
mail_location = maildir:~/Maildir

service imap-login {{
  chroot =
  inet_listener imap {{
    address = {host}
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {imaps_port}
    ssl = yes
  }}
}}
# Wrong-password tests would otherwise slow every later login from 127.0.0.1 (auth penalty).
auth_failure_delay = 0
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
protocol imap {{
  mail_max_userip_connections = 200
}}
"""


@dataclass
class Dovecot:
    """A running Dovecot; test users log in with plain passwords (see ``add_user``)."""

    base: Path
    imap_port: int
    imaps_port: int
    certs: Certificates
    process: subprocess.Popen[bytes]
    os_users: _OsUsers
    host: str = HOST
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def config(self) -> Path:
        return self.base / "dovecot.conf"

    @property
    def ca_path(self) -> Path:
        return self.certs.ca_path

    def ssl_context(self) -> ssl.SSLContext:
        return self.certs.client_context()

    def log(self) -> str:
        path = self.base / "dovecot.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    # -- users -------------------------------------------------------------------------

    def add_user(self, name: str, password: str) -> None:
        """Add (or re-password) a user.

        One passwd-file per user: Dovecot re-reads a passwd-file at most once a second, so a
        shared file would miss a user added right after another one logged in.
        """
        for value in (name, password):
            if not value or re.search(r"[:/\s]", value) or value.startswith("."):
                raise ValueError(f"unusable test user name or password: {value!r}")
        known = name in self.passwords
        self.passwords[name] = password
        path = self.base / "users" / name
        tmp = path.with_name(f".{name}.tmp")
        tmp.write_text(f"{name}:{{PLAIN}}{password}::::::\n", encoding="utf-8")
        tmp.chmod(0o644)
        tmp.replace(path)
        if known:
            time.sleep(1.1)  # a changed file is only seen once its mtime second has passed

    # -- IMAP as a user ----------------------------------------------------------------

    def client(self, user: str, *, timeout: float = 10.0) -> Any:
        """A logged-in ``imapclient.IMAPClient`` over IMAPS with the test CA; close it after."""
        from imapclient import IMAPClient

        client = IMAPClient(
            self.host,
            port=self.imaps_port,
            ssl=True,
            ssl_context=self.ssl_context(),
            timeout=timeout,
        )
        try:
            client.login(user, self.passwords[user])
        except BaseException:
            client.shutdown()
            raise
        return client

    def deliver(
        self,
        user: str,
        raw: bytes,
        folder: str = "INBOX",
        *,
        flags: tuple[str, ...] = (),
        msg_time: dt.datetime | None = None,
    ) -> int:
        """Store a message with IMAP APPEND as ``user``; returns its UID (UIDPLUS)."""
        client = self.client(user)
        try:
            if folder.upper() != "INBOX" and not client.folder_exists(folder):
                client.create_folder(folder)
            response = client.append(folder, raw, flags=flags, msg_time=msg_time)
        finally:
            client.logout()
        match = re.search(rb"APPENDUID \d+ (\d+)", response)
        if match is None:
            raise MailServerError(f"APPEND gave no APPENDUID: {response!r}")
        return int(match.group(1))

    def uidvalidity(self, user: str, folder: str = "INBOX") -> int:
        client = self.client(user)
        try:
            return int(client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])
        finally:
            client.logout()

    def change_uidvalidity(self, user: str, folder: str = "INBOX") -> int:
        """Give ``folder`` a new UIDVALIDITY (as after a server rebuild); returns the new one.

        The messages stay; a client that cached UIDs must treat them all as unknown.
        """
        new = self.uidvalidity(user, folder) + 1
        self.doveadm("mailbox", "update", "-u", user, "--uid-validity", str(new), folder)
        return new

    def recreate_folder(self, user: str, folder: str) -> int:
        """Delete and create ``folder`` (not INBOX): empty, with a new UIDVALIDITY."""
        if folder.upper() == "INBOX":
            raise ValueError("INBOX cannot be deleted; use change_uidvalidity")
        client = self.client(user)
        try:
            if client.folder_exists(folder):
                client.delete_folder(folder)
            client.create_folder(folder)
            return int(client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])
        finally:
            client.logout()

    def kick(self, user: str) -> None:
        """Drop every IMAP connection of ``user`` (``doveadm kick``), as a flaky network would."""
        self.doveadm("kick", user)

    def doveadm(self, *args: str) -> str:
        result = subprocess.run(
            [str(DOVEADM_BINARY), "-c", str(self.config), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
        if result.returncode != 0:
            raise MailServerError(
                f"doveadm {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}\n{self.log()[-2000:]}"
            )
        return result.stdout

    # -- life cycle --------------------------------------------------------------------

    def stop(self) -> None:
        try:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=15)
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


@dataclass(frozen=True)
class ImapAccount:
    """A fresh Dovecot user of one test (its mailboxes start empty)."""

    server: Dovecot
    user: str
    password: str

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def ca_path(self) -> Path:
        return self.server.ca_path


def dovecot_available() -> str | None:
    """Why Dovecot cannot run here, or None when it can."""
    if not (DOVECOT_BINARY.is_file() and DOVEADM_BINARY.is_file()):
        return DOVECOT_MISSING
    return None


def start_dovecot(certs: Certificates) -> Dovecot:
    """Start Dovecot in the foreground of a child process; returns once both ports accept."""
    users = _os_users()
    base = Path(tempfile.mkdtemp(prefix="crm-test-dovecot-"))
    try:
        base.chmod(0o755)  # login and mail processes run unprivileged and must get through
        (base / "home").mkdir()
        (base / "users").mkdir()
        (base / "users").chmod(0o755)
        if users.root:
            os.chown(base / "home", users.mail_uid, users.mail_gid)
        # Own copies of the certificates: the pytest temp folders are private (0700).
        tls = base / "tls"
        tls.mkdir()
        for path in (certs.ca_path, certs.cert_path, certs.key_path):
            shutil.copy2(path, tls / path.name)
        own_certs = Certificates(
            ca_path=tls / certs.ca_path.name,
            cert_path=tls / certs.cert_path.name,
            key_path=tls / certs.key_path.name,
        )
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise

    failures: list[str] = []
    for _attempt in range(3):  # another process may take a free port before Dovecot does
        imap_port, imaps_port = free_port(), free_port()
        if imap_port == imaps_port:
            continue
        (base / "dovecot.conf").write_text(
            DOVECOT_CONF.format(
                host=HOST,
                base=base,
                users=users,
                imap_port=imap_port,
                imaps_port=imaps_port,
                cert=own_certs.cert_path,
                key=own_certs.key_path,
                ssl_dh=f"ssl_dh = <{DOVECOT_DH}" if DOVECOT_DH.is_file() else "",
            ),
            encoding="utf-8",
        )
        (base / "dovecot.log").unlink(missing_ok=True)
        process = subprocess.Popen(
            [str(DOVECOT_BINARY), "-F", "-c", str(base / "dovecot.conf")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        server = Dovecot(
            base=base,
            imap_port=imap_port,
            imaps_port=imaps_port,
            certs=own_certs,
            process=process,
            os_users=users,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while process.poll() is None and time.monotonic() < deadline:
            if port_accepts(imap_port) and port_accepts(imaps_port):
                return server
            time.sleep(0.05)
        if process.poll() is None:
            process.kill()
        output = process.communicate(timeout=15)[0].decode("utf-8", errors="replace")
        failures.append(f"exit {process.returncode}: {output}\n{server.log()}")
    shutil.rmtree(base, ignore_errors=True)
    raise MailServerError("Dovecot did not start:\n" + "\n---\n".join(failures))


# --------------------------------------------------------------------------- SMTP


@dataclass(frozen=True)
class ReceivedMessage:
    """One message as the SMTP server received it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes  # exactly the bytes of the DATA phase, dot-unstuffed, CRLF line ends
    login: str | None  # the AUTH user, None when the client did not authenticate
    tls: bool


class RecordingHandler:
    """aiosmtpd handler keeping every accepted message in ``messages``."""

    def __init__(self, *, implicit_tls: bool) -> None:
        self.messages: list[ReceivedMessage] = []
        self._implicit_tls = implicit_tls

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        # aiosmtpd's own auth_required warns on SMTPS (it does not count implicit TLS as TLS).
        if not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        auth = session.auth_data
        login = getattr(auth, "login", None)
        self.messages.append(
            ReceivedMessage(
                mail_from=envelope.mail_from,
                rcpt_tos=tuple(envelope.rcpt_tos),
                data=bytes(envelope.original_content),
                login=login.decode("utf-8") if isinstance(login, bytes) else None,
                tls=self._implicit_tls or session.ssl is not None,
            )
        )
        return "250 OK"


class PasswordAuthenticator:
    """AUTH PLAIN/LOGIN accepting one user name and password."""

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user, password

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.user.encode("utf-8")
            and auth_data.password == self.password.encode("utf-8")
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


@dataclass
class SmtpServer:
    """A running aiosmtpd server that demands AUTH (over TLS) before it accepts mail."""

    controller: Any
    handler: RecordingHandler
    port: int
    implicit_tls: bool  # True: SMTPS (TLS from the first byte); False: plain + STARTTLS
    certs: Certificates
    user: str
    password: str
    host: str = HOST

    @property
    def messages(self) -> list[ReceivedMessage]:
        return self.handler.messages

    @property
    def ca_path(self) -> Path:
        return self.certs.ca_path

    def ssl_context(self) -> ssl.SSLContext:
        return self.certs.client_context()

    def stop(self) -> None:
        self.controller.stop()


def smtp_available() -> str | None:
    try:
        import aiosmtpd  # noqa: F401
    except ImportError as exc:
        return f"aiosmtpd is not installed ({exc}); pip install -e '.[test]'"
    return None


def start_smtp(certs: Certificates, *, implicit_tls: bool, user: str, password: str) -> SmtpServer:
    """Start aiosmtpd on a free 127.0.0.1 port; returns once it answers with its greeting."""
    from aiosmtpd.controller import Controller

    failures: list[str] = []
    for _attempt in range(3):
        port = free_port()
        handler = RecordingHandler(implicit_tls=implicit_tls)
        tls_kwargs: dict[str, Any] = (
            # aiosmtpd only counts STARTTLS as TLS: on SMTPS every connection is TLS anyway.
            {"ssl_context": certs.server_context(), "auth_require_tls": False}
            if implicit_tls
            else {"tls_context": certs.server_context(), "auth_require_tls": True}
        )
        controller = Controller(
            handler,
            hostname=HOST,
            port=port,
            ready_timeout=START_TIMEOUT,
            server_hostname="localhost",
            authenticator=PasswordAuthenticator(user, password),
            **tls_kwargs,
        )
        try:
            controller.start()  # waits until the server has sent its greeting
        except Exception as exc:
            failures.append(repr(exc))
            try:
                controller.stop(no_assert=True)
            except Exception as stop_exc:
                failures.append(f"stop: {stop_exc!r}")
            continue
        return SmtpServer(
            controller=controller,
            handler=handler,
            port=port,
            implicit_tls=implicit_tls,
            certs=certs,
            user=user,
            password=password,
        )
    raise MailServerError("aiosmtpd did not start: " + "; ".join(failures))
