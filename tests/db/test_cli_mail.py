"""``crm-desktop mail import PATH... [--json]`` as a real process: counts, linking, rejected
files with their reasons, idempotent re-import, a missing path."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from crm_desktop.db.models import EmailMessage
from crm_desktop.services.database import open_database
from tests.db.customer_world import build_world
from tests.db.test_cli import crm


def eml(msgid: str, sender: str, subject: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: li.na@example.com\r\nSubject: {subject}\r\n"
        f"Message-ID: {msgid}\r\nDate: Tue, 3 Jun 2025 10:15:00 +0800\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n"
    ).encode()


def test_mail_import_counts_links_rejects_and_is_idempotent(db_url: str, tmp_path: Path) -> None:
    world = build_world(db_url)
    try:
        customer = world.new_customer(name="上海华通机械", email="buyer@huatong.example")
    finally:
        world.db.dispose()
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "a.eml").write_bytes(eml("<a@x>", "buyer@huatong.example", "报价"))
    (folder / "b.eml").write_bytes(eml("<b@x>", "someone@gmail.com", "hello"))
    (folder / "broken.eml").write_bytes(b"\x00\x01 not mail")
    parts = b"".join(b"--B\r\n\r\n%d\r\n" % i for i in range(2_000))
    (folder / "bomb.eml").write_bytes(
        b"Subject: x\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n" + parts + b"--B--\r\n"
    )
    first = crm("--database", db_url, "mail", "import", str(folder), "--json")
    assert first.returncode == 0, first.stderr
    result = json.loads(first.stdout)
    assert (result["imported"], result["duplicates"]) == (2, 0)
    assert (result["linked"], result["unlinked"]) == (1, 1)
    rejected = {Path(r["file"]).name: r["reason"] for r in result["rejected"]}
    assert set(rejected) == {"broken.eml", "bomb.eml"}
    assert "mail bomb" in rejected["bomb.eml"]
    assert isinstance(result["elapsed_ms"], int)

    again = crm(
        "--database", db_url, "mail", "import", str(folder / "a.eml"), str(folder / "b.eml")
    )
    assert again.returncode == 0, again.stderr
    assert "0 messages imported" in again.stdout and "2 already stored" in again.stdout

    missing = crm("--database", db_url, "mail", "import", str(tmp_path / "nope"))
    assert missing.returncode == 1
    assert missing.stderr.strip().count("\n") == 0 and "No such file" in missing.stderr

    db = open_database(db_url)
    try:
        with db.read_session_factory() as s:
            linked = s.scalar(
                select(EmailMessage.customer_id).where(EmailMessage.message_id == "<a@x>")
            )
    finally:
        db.dispose()
    assert linked == customer
