"""What the message view and the customer file's Mail tab need beyond ``mail_view``: the inline
(``cid:``) images of a message, writing an attachment or the raw message to a file, fetching
remote images on request, importing dropped mail files for one customer, and the re-link offer
after an address was added."""

from __future__ import annotations

import os
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_desktop.core.errors import NotFound, PermissionDenied, UserError
from crm_desktop.core.progress import NullProgress, Progress
from crm_desktop.db.models import Customer, EmailMessage
from crm_desktop.mail.filenames import sanitize_filename
from crm_desktop.mail.limits import MailParseError
from crm_desktop.mail.parse import ParsedMessage, iter_mail_files, parse_eml, parse_msg
from crm_desktop.services.context import Actor
from crm_desktop.services.customers import can_see
from crm_desktop.services.mail_store import (
    MailImportResult,
    import_mail_files,
    relink_candidates,
    unlinked_visible,
)

# The key a message is stored under (a long Message-ID is replaced by its hash): mail_store's,
# so a dropped file's messages stored before are found again exactly.
from crm_desktop.services.mail_store import message_key as stored_key
from crm_desktop.services.mail_view import (
    MAX_IDS,
    MessageDetail,
    get_attachment_data,
    get_message,
    get_raw_message,
    link_messages,
)

MAX_INLINE_IMAGES = 50
MAX_INLINE_BYTES = 20 * 1024 * 1024  # all inline images of one message together
REMOTE_TIMEOUT_S = 10.0
REMOTE_MAX_IMAGES = 40  # images fetched per "Show images"
REMOTE_MAX_BYTES = 5 * 1024 * 1024  # per image
REMOTE_TOTAL_BYTES = 20 * 1024 * 1024  # per message
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an Outlook .msg stored as it came


class RemoteFetchError(UserError):
    """No remote image could be fetched."""


# =========================================================================== DTOs


@dataclass(frozen=True)
class InlineImages:
    """The images a message's HTML refers to as ``cid:…``, by Content-ID (no angle brackets)."""

    email_id: int
    images: tuple[tuple[str, bytes], ...]
    # Their places among the message's attachments (in stored order) and how many it has:
    # the view leaves inline images out of the attachment list when the counts agree.
    positions: tuple[int, ...] = ()
    attachments: int = 0

    def as_dict(self) -> dict[str, bytes]:
        return dict(self.images)


@dataclass(frozen=True)
class RemoteImages:
    """Remote images fetched on the user's request: url → bytes; what failed, and why."""

    images: tuple[tuple[str, bytes], ...]
    failed: tuple[tuple[str, str], ...]
    skipped: int  # over the count cap


@dataclass(frozen=True)
class CustomerMailImport:
    """Mail files dropped onto one customer: the import and what was linked to the customer."""

    customer_id: int
    result: MailImportResult
    linked_here: int  # unlinked before, now linked to this customer by hand
    already_here: int  # linked to this customer already (by address, domain, thread)
    elsewhere: int  # linked to another customer: left where it was
    not_yours: int  # stored before in someone else's unlinked queue: left there
    email_ids: tuple[int, ...]  # every message of the files, in file order


@dataclass(frozen=True)
class RelinkOffer:
    customer_id: int
    email_ids: tuple[int, ...]


# =========================================================================== one message


@dataclass(frozen=True)
class LoadedMessage:
    """What the message view shows: the message and the images its HTML embeds."""

    detail: MessageDetail
    inline: InlineImages


def _parse_raw(raw: bytes) -> ParsedMessage:
    return parse_msg(raw) if raw.startswith(_OLE_MAGIC) else parse_eml(raw)


def inline_images(session: Session, email_id: int, actor: Actor) -> InlineImages:
    """The message's images with a Content-ID, read from its stored original (the attachment
    table keeps no Content-ID); at most MAX_INLINE_IMAGES, MAX_INLINE_BYTES together."""
    try:
        parsed = _parse_raw(get_raw_message(session, email_id, actor))
    except (MailParseError, NotFound, zlib.error):
        return InlineImages(email_id, ())
    found: list[tuple[str, bytes]] = []
    positions: list[int] = []
    total = 0
    for position, attachment in enumerate(parsed.attachments):
        if not attachment.content_id or not attachment.mime.startswith("image/"):
            continue
        if len(found) >= MAX_INLINE_IMAGES or total + attachment.size > MAX_INLINE_BYTES:
            break
        found.append((attachment.content_id, attachment.data))
        positions.append(position)
        total += attachment.size
    return InlineImages(email_id, tuple(found), tuple(positions), len(parsed.attachments))


def load_message(session: Session, email_id: int, actor: Actor) -> LoadedMessage:
    """The message (``mail_view.get_message``: the actor's rights) and, when its HTML refers
    to ``cid:`` images, those images."""
    detail = get_message(session, email_id, actor)
    html = detail.body_html or ""
    if "cid:" in html.lower():
        inline = inline_images(session, email_id, actor)
    else:
        inline = InlineImages(email_id, ())
    return LoadedMessage(detail, inline)


def save_mail_attachment(session: Session, attachment_id: int, path: str, actor: Actor) -> Path:
    """Write a message's attachment to ``path`` (the caller chose it); returns the path."""
    _name, data = get_attachment_data(session, attachment_id, actor)
    return _write(Path(path), data)


def save_raw_message(session: Session, email_id: int, path: str, actor: Actor) -> Path:
    """Write the message's original bytes (as it was received) to ``path``."""
    return _write(Path(path), get_raw_message(session, email_id, actor))


def _write(path: Path, data: bytes) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise UserError(f"Could not write {path.name}: {exc.strerror or exc}") from exc
    return path


def temp_file_path(folder: str, attachment_id: int, filename: str) -> Path:
    """Where "Open" writes an attachment: a sub-folder per attachment (two files of the same
    name never overwrite each other) and the sanitized name, never outside ``folder``."""
    return Path(folder) / str(int(attachment_id)) / sanitize_filename(filename)


# =========================================================================== remote images


class _SafeRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects to http(s) only (urllib would also follow ftp)."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: object,
        code: int,
        msg: str,
        headers: object,
        newurl: str,
    ) -> urllib.request.Request | None:
        if urllib.parse.urlsplit(newurl).scheme.lower() not in ("http", "https"):
            return None
        return super().redirect_request(req, fp, code, msg, headers, newurl)  # type: ignore[arg-type]


def fetch_remote_images(
    urls: Sequence[str],
    *,
    progress: Progress | None = None,
    timeout: float = REMOTE_TIMEOUT_S,
    max_images: int = REMOTE_MAX_IMAGES,
    max_bytes: int = REMOTE_MAX_BYTES,
    max_total: int = REMOTE_TOTAL_BYTES,
) -> RemoteImages:
    """Fetch the http(s) images of one message, each once, with a timeout and size caps; a
    failed image is listed with its reason, the others go on. Sends no cookies, no referrer."""
    progress = progress or NullProgress()
    wanted = [
        u
        for u in dict.fromkeys(urls)
        if urllib.parse.urlsplit(u).scheme.lower() in ("http", "https")
    ]
    skipped = max(0, len(wanted) - max_images)
    wanted = wanted[:max_images]
    opener = urllib.request.build_opener(_SafeRedirects())
    opener.addheaders = [("User-Agent", "crm-desktop"), ("Accept", "image/*")]
    images: list[tuple[str, bytes]] = []
    failed: list[tuple[str, str]] = []
    total = 0
    for done, url in enumerate(wanted):
        progress.check_cancelled()
        progress.report(done, len(wanted), None)
        if total >= max_total:
            failed.append((url, "over the size limit for one message"))
            continue
        try:
            with opener.open(url, timeout=timeout) as response:
                data = response.read(max_bytes + 1)
            if len(data) > max_bytes:
                failed.append((url, f"larger than {max_bytes:,} bytes"))
                continue
            images.append((url, data))
            total += len(data)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            failed.append((url, str(getattr(exc, "reason", None) or exc)))
    progress.report(len(wanted), len(wanted), None)
    if wanted and not images:
        host = urllib.parse.urlsplit(wanted[0]).hostname or wanted[0]
        raise RemoteFetchError(f"Could not load the images from {host}: {failed[0][1]}")
    return RemoteImages(tuple(images), tuple(failed), skipped)


# =========================================================================== dropping files


def _customer(session: Session, customer_id: int, actor: Actor) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None or customer.deleted_at is not None:
        raise NotFound("This customer does not exist or was deleted")
    if not can_see(actor, customer.owner_id, customer.branch_id):
        raise PermissionDenied("You may not see this customer")
    return customer


def _keys_of_files(paths: Iterable[str]) -> list[str]:
    """The stored keys (Message-ID or content hash) of every readable message in the files."""
    return [
        stored_key(item.message.dedupe_key)
        for item in iter_mail_files(paths)
        if item.message is not None
    ]


def import_for_customer(
    session: Session,
    paths: Sequence[str | os.PathLike[str]],
    customer_id: int,
    actor: Actor,
    progress: Progress | None = None,
) -> CustomerMailImport:
    """Import dropped .eml/.msg/.mbox files (``import_mail_files``) and link each of their
    messages that is linked nowhere to ``customer_id`` by hand; a message linked to another
    customer stays there (counted in ``elsewhere``). One transaction."""
    _customer(session, customer_id, actor)
    given = [os.fspath(p) for p in paths]
    result = import_mail_files(session, given, actor, progress)
    ids = list(
        session.scalars(
            select(EmailMessage.id)
            .where(EmailMessage.import_batch_id == result.batch_id)
            .order_by(EmailMessage.id)
        )
    )
    if result.duplicates:  # stored before: found again by their keys
        keys = list(dict.fromkeys(_keys_of_files(given)))
        known = set(ids)
        for start in range(0, len(keys), 1000):
            for email_id in session.scalars(
                select(EmailMessage.id).where(
                    EmailMessage.message_id.in_(keys[start : start + 1000]),
                    EmailMessage.deleted_at.is_(None),
                )
            ):
                if email_id not in known:
                    ids.append(email_id)
                    known.add(email_id)
    here = elsewhere = not_yours = 0
    rows = {
        row.id: row
        for start in range(0, len(ids), 1000)
        for row in session.execute(
            select(EmailMessage.id, EmailMessage.customer_id).where(
                EmailMessage.id.in_(ids[start : start + 1000])
            )
        )
    }
    visible_unlinked = {
        email_id
        for start in range(0, len(ids), 1000)
        for email_id in session.scalars(
            select(EmailMessage.id).where(
                EmailMessage.id.in_(ids[start : start + 1000]),
                EmailMessage.customer_id.is_(None),
                unlinked_visible(actor),
            )
        )
    }
    to_link: list[int] = []
    for email_id in ids:
        current = rows[email_id].customer_id
        if current == customer_id:
            here += 1
        elif current is not None:
            elsewhere += 1
        elif email_id not in visible_unlinked:
            not_yours += 1
        else:
            to_link.append(email_id)
    for start in range(0, len(to_link), MAX_IDS):
        if progress is not None:
            progress.check_cancelled()
        link_messages(session, to_link[start : start + MAX_IDS], customer_id, actor)
    linked = len(to_link)
    return CustomerMailImport(
        customer_id=customer_id,
        result=result,
        linked_here=linked,
        already_here=here,
        elsewhere=elsewhere,
        not_yours=not_yours,
        email_ids=tuple(ids),
    )


# =========================================================================== re-link offer


def relink_offer(session: Session, customer_id: int, actor: Actor) -> RelinkOffer:
    """The unlinked messages the actor sees whose addresses now match the customer's or its
    contacts' (``mail_store.relink_candidates``, limited to the actor's unlinked queue)."""
    _customer(session, customer_id, actor)
    candidates = relink_candidates(session, customer_id)
    visible: list[int] = []
    for start in range(0, len(candidates), 1000):
        visible += session.scalars(
            select(EmailMessage.id).where(
                EmailMessage.id.in_(candidates[start : start + 1000]), unlinked_visible(actor)
            )
        )
    return RelinkOffer(customer_id, tuple(sorted(visible)))
