"""One mail message, shown safely: headers, the body (HTML through an allow-list sanitizer,
remote images blocked until the user asks, ``cid:`` images from the message itself, links
opened only on click after a check), attachments to open or save, and "Save as .eml".

The view never fetches anything by itself: ``MailBrowser.loadResource`` serves ``cid:`` and
``data:`` images and the remote images the user asked for, and nothing else."""

from __future__ import annotations

import atexit
import base64
import html
import re
import shutil
import tempfile
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import shiboken6
from PySide6.QtCore import (
    QDateTime,
    QEvent,
    QLocale,
    QSize,
    Qt,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor, QDesktopServices, QImage, QTextDocument
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QStyle,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.errors import UserError
from crm_desktop.mail.filenames import sanitize_filename
from crm_desktop.services.mail_read import (
    LoadedMessage,
    RemoteImages,
    fetch_remote_images,
    load_message,
    save_mail_attachment,
    save_raw_message,
    temp_file_path,
)
from crm_desktop.ui.style import MUTED_COLOR, make_title

if TYPE_CHECKING:
    from crm_desktop.services.context import Actor
    from crm_desktop.ui.ops import Op, OpRunner

__all__ = ["MailBrowser", "MessageView", "SafeHtml", "sanitize_html", "session_temp_folder"]

MAX_DATA_URL_BYTES = 2 * 1024 * 1024
_ID_ROLE = Qt.ItemDataRole.UserRole


# =========================================================================== the sanitizer


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Kept with their (checked) attributes; every other tag is dropped, its text kept.
_ALLOWED_TAGS = _words(
    "a abbr acronym address b bdi bdo big blockquote br caption center cite code col "
    "colgroup dd del dfn div dl dt em font h1 h2 h3 h4 h5 h6 hr i img ins kbd li mark ol "
    "p pre q s samp small span strike strong style sub sup table tbody td tfoot th thead "
    "tr tt u ul var"
)
# Dropped with everything inside them.
_DROP_WITH_CONTENT = _words(
    "script noscript iframe frame frameset noframes object embed applet param template "
    "svg math title base meta link button select textarea option optgroup canvas audio "
    "video source track head-script xml"
)
_VOID = _words("br hr img col meta link base input param source track embed area wbr")
_GLOBAL_ATTRS = _words(
    "align valign width height bgcolor color face size border cellpadding cellspacing "
    "colspan rowspan dir lang title class style nowrap start type"
)
_TAG_ATTRS = {"a": frozenset({"href", "name"}), "img": frozenset({"src", "alt"})}
_LINK_SCHEMES = ("http", "https", "mailto")
_CSS_IMPORT = re.compile(r"@import[^;]*;?", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_CSS_DANGER = re.compile(r"expression\s*\(|behavior\s*:|-moz-binding|javascript:", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


@dataclass(frozen=True)
class SafeHtml:
    """Sanitized HTML and the remote (http/https) images it refers to, in order."""

    html: str
    remote_images: tuple[str, ...]
    cid_images: tuple[str, ...]


def _scheme(url: str) -> str:
    """The scheme as a browser reads it (control characters and spaces inside ignored)."""
    cleaned = _CONTROL.sub("", html.unescape(url))
    head, colon, _rest = cleaned.partition(":")
    return head.lower() if colon and "/" not in head and "?" not in head else ""


def _clean_css(css: str, remote: list[str], cids: list[str]) -> str:
    """CSS without @import, expressions or script; url() only for cid: images."""
    css = _CSS_IMPORT.sub("", css)
    if _CSS_DANGER.search(css):
        return ""

    def url(match: re.Match[str]) -> str:
        target = match.group(2).strip()
        scheme = _scheme(target)
        if scheme == "cid":
            cids.append(target[4:])
            return f'url("{target}")'
        if scheme in ("http", "https"):
            remote.append(target)  # shown, like an <img>, only once the user asks
            return f'url("{target}")'
        return "none"

    return _CSS_URL.sub(url, css)


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.remote: list[str] = []
        self.cids: list[str] = []
        self._dropping: list[str] = []  # the open tags whose content is dropped
        self._in_style = False

    # ------------------------------------------------------------------ tags

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._dropping:
            if tag in _DROP_WITH_CONTENT and tag not in _VOID:
                self._dropping.append(tag)
            return
        if tag in _DROP_WITH_CONTENT:
            if tag not in _VOID:
                self._dropping.append(tag)
            return
        if tag not in _ALLOWED_TAGS:
            return
        if tag == "style":
            self._in_style = True
            self.out.append("<style>")
            return
        kept: list[str] = []
        for raw_name, raw_value in attrs:
            name = raw_name.lower()
            if raw_value is None or name.startswith("on"):
                continue
            if name not in _GLOBAL_ATTRS and name not in _TAG_ATTRS.get(tag, ()):
                continue
            value = self._attribute(tag, name, raw_value)
            if value is not None:
                kept.append(f' {name}="{html.escape(value, quote=True)}"')
        self.out.append(f"<{tag}{''.join(kept)}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and not self._dropping and tag in _ALLOWED_TAGS:
            self.handle_endtag(tag)
        elif self._dropping and self._dropping[-1] == tag:
            self._dropping.pop()

    def handle_endtag(self, tag: str) -> None:
        if self._dropping:
            if tag == self._dropping[-1]:
                self._dropping.pop()
            return
        if tag == "style" and self._in_style:
            self._in_style = False
            self.out.append("</style>")
            return
        if tag in _ALLOWED_TAGS and tag not in _VOID:
            self.out.append(f"</{tag}>")

    def _attribute(self, tag: str, name: str, value: str) -> str | None:
        if name == "style":
            return _clean_css(value, self.remote, self.cids) or None
        if name == "href":
            target = value.strip()
            if target.startswith("#"):
                return target
            return target if _scheme(target) in _LINK_SCHEMES else None
        if name == "src":
            target = value.strip()
            scheme = _scheme(target)
            if scheme == "cid":
                self.cids.append(target[4:])
                return target
            if scheme in ("http", "https"):
                self.remote.append(target)
                return target
            if scheme == "data" and target[5:].lower().startswith("image/"):
                return target
            return None
        return value

    # ------------------------------------------------------------------ text

    def handle_data(self, data: str) -> None:
        if self._dropping:
            return
        if self._in_style:
            self.out.append(_clean_css(data, self.remote, self.cids).replace("</", "<\\/"))
            return
        self.out.append(html.escape(data, quote=False))

    def handle_comment(self, data: str) -> None:
        return

    def handle_decl(self, decl: str) -> None:
        return

    def handle_pi(self, data: str) -> None:
        return

    def unknown_decl(self, data: str) -> None:
        return


def sanitize_html(source: str) -> SafeHtml:
    """An allow-list copy of ``source``: no scripts, event handlers, ``javascript:`` or other
    unsafe URLs, frames, objects, embeds, forms, meta refresh, ``<link>`` or CSS ``@import``;
    images only from ``cid:``, ``data:image/…`` and http(s) (listed, to be blocked)."""
    parser = _Sanitizer()
    parser.feed(source)
    parser.close()
    return SafeHtml(
        html="".join(parser.out),
        remote_images=tuple(dict.fromkeys(parser.remote)),
        cid_images=tuple(dict.fromkeys(parser.cids)),
    )


_URL_IN_TEXT = re.compile(r"\b(https?://[^\s<>\"'）」，。]+)", re.IGNORECASE)


def plain_text_html(text: str) -> str:
    """Plain text as HTML that keeps its lines, with http(s) addresses as links."""
    escaped = html.escape(text, quote=False)

    def link(match: re.Match[str]) -> str:
        url = match.group(1).rstrip(".,;:!?)")
        rest = match.group(1)[len(url) :]
        return f'<a href="{html.escape(url, quote=True)}">{url}</a>{rest}'

    body = _URL_IN_TEXT.sub(link, escaped)
    return f'<pre style="white-space: pre-wrap; font-family: inherit;">{body}</pre>'


# =========================================================================== the browser


def placeholder_image(size: int = 16) -> QImage:
    """A light grey box: where a blocked remote image would be."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    # Plain: the document stretches it to the <img>'s width and height.
    image.fill(QColor("#e8edf3"))
    return image


class MailBrowser(QTextBrowser):
    """A QTextBrowser that never navigates and never fetches: ``cid:`` images come from the
    message, ``data:`` images are decoded, remote ones only once fetched on request (else a
    placeholder); links are reported through ``anchorClicked`` only."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setAcceptDrops(False)  # dropped mail files go to the window
        self.inline: dict[str, QImage] = {}
        self.remote: dict[str, QImage] = {}
        self.requested: list[str] = []  # every resource the document asked for (tests)
        self._placeholder = placeholder_image()

    def set_images(self, inline: dict[str, bytes], remote: dict[str, bytes]) -> None:
        self.inline = {cid.strip("<>"): QImage.fromData(data) for cid, data in inline.items()}
        self.remote = {url: QImage.fromData(data) for url, data in remote.items()}

    def show_html(self, text: str) -> None:
        # A fresh document: resources cached for the previous message must not carry over.
        document = QTextDocument(self)
        document.setDefaultFont(self.font())
        self.setDocument(document)  # the old one, our child, is deleted
        self.requested = []
        self.setHtml(text)

    def loadResource(self, type: int, name: QUrl | str) -> Any:
        name = QUrl(name) if isinstance(name, str) else name
        url = name.toString()
        self.requested.append(url)
        kind = type.value if hasattr(type, "value") else int(type)
        if kind != QTextDocument.ResourceType.ImageResource.value:
            return None  # style sheets and everything else: never loaded
        scheme = name.scheme().lower()
        if scheme == "cid":
            image = self.inline.get(urllib.parse.unquote(name.path()).strip("<>"))
            return image if image is not None and not image.isNull() else self._placeholder
        if scheme == "data":
            return self._data_image(url) or self._placeholder
        if scheme in ("http", "https"):
            image = self.remote.get(url)
            return image if image is not None and not image.isNull() else self._placeholder
        return None

    @staticmethod
    def _data_image(url: str) -> QImage | None:
        head, comma, payload = url.partition(",")
        if not comma or not head.lower().startswith("data:image/") or ";base64" not in head:
            return None
        if len(payload) > MAX_DATA_URL_BYTES * 4 // 3 + 4:
            return None
        try:
            data = base64.b64decode(urllib.parse.unquote(payload), validate=False)
        except ValueError:
            return None
        image = QImage.fromData(data)
        return None if image.isNull() else image


# =========================================================================== the view


class AttachmentLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def filename(self) -> str: ...
    @property
    def mime(self) -> str: ...
    @property
    def size(self) -> int: ...


class MessageLike(Protocol):
    """What the view reads of ``mail_view.MessageDetail``."""

    @property
    def id(self) -> int: ...
    @property
    def subject(self) -> str | None: ...
    @property
    def from_addr(self) -> str | None: ...
    @property
    def to_addrs(self) -> str | None: ...
    @property
    def cc_addrs(self) -> str | None: ...
    @property
    def sent_at(self) -> datetime | None: ...
    @property
    def customer_id(self) -> int | None: ...
    @property
    def customer_name(self) -> str | None: ...
    @property
    def body_text(self) -> str | None: ...
    @property
    def body_html(self) -> str | None: ...
    @property
    def attachments(self) -> Sequence[AttachmentLike]: ...


_temp_folders: list[str] = []  # this session's, the newest last


def session_temp_folder() -> str:
    """One private temporary folder per app session for opened attachments, removed at exit."""
    if not _temp_folders or not Path(_temp_folders[-1]).is_dir():
        folder = tempfile.mkdtemp(prefix="crm-mail-")
        atexit.register(shutil.rmtree, folder, True)
        _temp_folders.append(folder)
    return _temp_folders[-1]


def _fetch_remote(_factory: object, *, urls: Sequence[str], progress: Any = None) -> RemoteImages:
    """The op body of "Show images" (network only: the session factory is not used)."""
    return fetch_remote_images(urls, progress=progress)


def _when(value: datetime) -> str:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    moment = QDateTime.fromSecsSinceEpoch(int(aware.timestamp()))  # local time
    locale = QLocale()
    day = locale.toString(moment.date(), QLocale.FormatType.LongFormat)
    return f"{day} {locale.toString(moment.time(), QLocale.FormatType.ShortFormat)}"


class MessageView(QWidget):
    """One message: headers, a safe body, a remote-images bar and its attachments.

    Prompts and effects are attributes, so tests and embedders can answer them:
    ``choose_save_path(name)``, ``ask_open_link(url)``, ``open_url(url)``."""

    sig_shown = Signal(int)
    """A message is shown (after ``show_message`` loaded it, or ``show_detail``); its id."""

    sig_images_loaded = Signal(int)
    """The remote images the user asked for are shown; carries the message id."""

    sig_open_customer = Signal(int)
    """The user clicked the customer in the headers; carries its id."""

    sig_op_done = Signal(str)
    """An operation of the view ended either way: "load", "images", "open", "save", "eml"."""

    def __init__(
        self, runner: OpRunner | None, actor: Actor | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.actor = actor
        self.detail: MessageLike | None = None
        self.safe: SafeHtml | None = None
        self.images_allowed = False  # for the message shown; reset by the next one
        self.note = ""
        self._seq = 0
        self._inline: dict[str, bytes] = {}
        self._hidden: set[int] = set()
        self.choose_save_path: Callable[[str], str | None] = self._choose_save_path_dialog
        self.ask_open_link: Callable[[QUrl], bool] = self._ask_open_link_box
        self.open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl
        self._build()
        self.retranslate_ui()
        self.show_detail(None)

    # ----------------------------------------------------------------- construction

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)

        top = QHBoxLayout()
        self.subject_label = make_title(QLabel(self), 1.15)
        self.subject_label.setWordWrap(True)
        self.subject_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.subject_label, 1)
        self.eml_button = QPushButton(self)
        self.eml_button.clicked.connect(self._on_eml_button_clicked)
        top.addWidget(self.eml_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)

        self.headers_label = QLabel(self)
        self.headers_label.setObjectName("mailHeaders")
        self.headers_label.setTextFormat(Qt.TextFormat.RichText)
        self.headers_label.setWordWrap(True)
        self.headers_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
        )
        self.headers_label.linkActivated.connect(self._on_headers_label_link_activated)
        layout.addWidget(self.headers_label)

        self.remote_bar = QFrame(self)
        self.remote_bar.setObjectName("remoteBar")
        self.remote_bar.setStyleSheet(
            "QFrame#remoteBar { background: #fff7e6; border: 1px solid #f5c26b;"
            " border-radius: 6px; } QLabel { color: #7c4a03; background: transparent;"
            " border: none; }"
        )
        bar = QHBoxLayout(self.remote_bar)
        bar.setContentsMargins(10, 4, 6, 4)
        self.remote_label = QLabel(self.remote_bar)
        self.remote_label.setWordWrap(True)
        self.show_images_button = QPushButton(self.remote_bar)
        self.show_images_button.clicked.connect(self._on_show_images_button_clicked)
        bar.addWidget(self.remote_label, 1)
        bar.addWidget(self.show_images_button, 0)
        layout.addWidget(self.remote_bar)

        self.body = MailBrowser(self)
        self.body.setObjectName("mailBody")
        self.body.anchorClicked.connect(self._on_body_anchor_clicked)
        self.body.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        layout.addWidget(self.body, 1)

        self.attachments_frame = QWidget(self)
        row = QHBoxLayout(self.attachments_frame)
        row.setContentsMargins(0, 0, 0, 0)
        self.attachments_list = QListWidget(self.attachments_frame)
        self.attachments_list.setObjectName("mailAttachments")
        self.attachments_list.setFlow(QListWidget.Flow.LeftToRight)
        self.attachments_list.setWrapping(True)
        self.attachments_list.setFixedHeight(52)
        self.attachments_list.setSpacing(2)
        self.attachments_list.setIconSize(QSize(16, 16))
        self.attachments_list.itemSelectionChanged.connect(self._update_buttons)
        self.attachments_list.itemDoubleClicked.connect(self._on_attachments_list_item_activated)
        row.addWidget(self.attachments_list, 1)
        buttons = QVBoxLayout()
        buttons.setSpacing(4)
        self.open_button = QPushButton(self.attachments_frame)
        self.save_button = QPushButton(self.attachments_frame)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.save_button)
        row.addLayout(buttons)
        layout.addWidget(self.attachments_frame)

        self.note_label = QLabel(self)
        self.note_label.setStyleSheet(f"color: {MUTED_COLOR};")
        self.note_label.setWordWrap(True)
        layout.addWidget(self.note_label)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.eml_button.setText(self.tr("Save as .eml…"))
        self.eml_button.setToolTip(self.tr("Save the message as it was received"))
        self.show_images_button.setText(self.tr("Show images"))
        self.show_images_button.setToolTip(
            self.tr("Load this message's images from the internet (the sender may learn it)")
        )
        self.open_button.setText(self.tr("Open"))
        self.save_button.setText(self.tr("Save as…"))
        self._show_headers()
        self._show_remote_bar()

    def sizeHint(self) -> QSize:
        return QSize(640, 480)

    # ----------------------------------------------------------------- showing

    def show_message(self, email_id: int | None) -> Op | None:
        """Load and show a message (None: show nothing); the answer to an older request is
        dropped. Returns the load operation."""
        self._seq += 1
        if email_id is None or self.runner is None or self.actor is None:
            self.show_detail(None)
            return None
        seq = self._seq
        op = self.runner.op(self, load_message, email_id=email_id, actor=self.actor)
        op.read_only()
        op.on_success(lambda loaded: self._on_loaded(seq, loaded))
        op.on_failure(lambda exc: self._on_load_failed(seq, exc))
        op.sig_finished.connect(lambda: self._emit_done("load"))
        return op.run()

    def _on_loaded(self, seq: int, loaded: LoadedMessage) -> None:
        if seq != self._seq:
            return
        inline = loaded.inline
        hidden: set[int] = set()
        if inline.positions and inline.attachments == len(loaded.detail.attachments):
            # Images shown in the body are not listed again as attachments (same order).
            hidden = {loaded.detail.attachments[i].id for i in inline.positions}
        self.show_detail(loaded.detail, inline_images=inline.as_dict(), hide_attachments=hidden)

    def _on_load_failed(self, seq: int, exc: BaseException) -> None:
        if seq != self._seq:
            return
        self.show_detail(None)
        if isinstance(exc, UserError):
            self.set_note(str(exc))
        elif self.runner is not None:
            self.runner.show_error(self, exc)

    def show_detail(
        self,
        detail: MessageLike | None,
        *,
        inline_images: dict[str, bytes] | None = None,
        hide_attachments: set[int] | None = None,
    ) -> None:
        """Show ``detail`` as it is (no database): remote images blocked again;
        ``hide_attachments``: ids not listed (the images shown in the body)."""
        if detail is None or (self.detail is not None and detail.id != self.detail.id):
            self.images_allowed = False
        self.detail = detail
        self._hidden = set(hide_attachments or ())
        self.set_note("")
        self._inline = dict(inline_images or {})
        self.body.set_images(self._inline, {})
        if detail is None:
            self.safe = None
            self.body.show_html("")
        elif detail.body_html and detail.body_html.strip():
            self.safe = sanitize_html(detail.body_html)
            self.body.show_html(self.safe.html)
        else:
            self.safe = None
            self.body.show_html(plain_text_html(detail.body_text or ""))
        self._show_headers()
        self._show_remote_bar()
        self._show_attachments()
        self.body.verticalScrollBar().setValue(0)
        if detail is not None:
            self.sig_shown.emit(detail.id)

    def set_note(self, text: str) -> None:
        self.note = text
        self.note_label.setText(text)
        self.note_label.setVisible(bool(text))

    def _show_headers(self) -> None:
        detail = self.detail
        self.eml_button.setVisible(detail is not None)
        self.eml_button.setEnabled(detail is not None and self.runner is not None)
        if detail is None:
            self.subject_label.setText(self.tr("No message selected"))
            self.headers_label.setText("")
            return
        self.subject_label.setText(detail.subject or self.tr("(no subject)"))
        rows: list[tuple[str, str]] = [
            (self.tr("From"), html.escape(detail.from_addr or "")),
            (self.tr("To"), html.escape(detail.to_addrs or "")),
        ]
        if detail.cc_addrs:
            rows.append((self.tr("Cc"), html.escape(detail.cc_addrs)))
        if detail.sent_at is not None:
            rows.append((self.tr("Date"), html.escape(_when(detail.sent_at))))
        if detail.customer_id is not None:
            name = html.escape(detail.customer_name or f"#{detail.customer_id}")
            rows.append(
                (self.tr("Customer"), f'<a href="customer:{detail.customer_id}">{name}</a>')
            )
        cells = "".join(
            f'<tr><td style="color:{MUTED_COLOR}; padding-right:10px;">'
            f"{html.escape(label)}</td><td>{value}</td></tr>"
            for label, value in rows
        )
        self.headers_label.setText(f"<table cellspacing=0 cellpadding=1>{cells}</table>")

    def headers_text(self) -> str:
        """The headers as plain text (what the user reads)."""
        document = QTextDocument()
        document.setHtml(self.headers_label.text())
        return document.toPlainText()

    def _show_remote_bar(self) -> None:
        count = len(self.safe.remote_images) if self.safe is not None else 0
        visible = count > 0 and not self.images_allowed
        self.remote_bar.setVisible(visible)
        self.remote_label.setText(self.tr("Remote images were blocked to protect your privacy."))
        self.show_images_button.setEnabled(visible and self.runner is not None)

    def _show_attachments(self) -> None:
        self.attachments_list.clear()
        attachments = [
            a
            for a in (self.detail.attachments if self.detail is not None else ())
            if a.id not in self._hidden
        ]
        locale = QLocale()
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_FileIcon)
        for attachment in attachments:
            name = sanitize_filename(attachment.filename)
            item = QListWidgetItem(icon, f"{name}  ({locale.formattedDataSize(attachment.size)})")
            item.setData(_ID_ROLE, attachment.id)
            item.setToolTip(f"{name}\n{attachment.mime}")
            self.attachments_list.addItem(item)
        self.attachments_frame.setVisible(bool(attachments))
        if attachments:
            self.attachments_list.setCurrentRow(0)
        self._update_buttons()

    @Slot()
    def _update_buttons(self) -> None:
        chosen = self.selected_attachment() is not None and self.runner is not None
        self.open_button.setEnabled(chosen)
        self.save_button.setEnabled(chosen)

    def selected_attachment(self) -> AttachmentLike | None:
        if self.detail is None:
            return None
        item = self.attachments_list.currentItem()
        if item is None:
            return None
        wanted = item.data(_ID_ROLE)
        return next((a for a in self.detail.attachments if a.id == wanted), None)

    def select_attachment(self, attachment_id: int) -> None:
        for row in range(self.attachments_list.count()):
            item = self.attachments_list.item(row)
            if item is not None and item.data(_ID_ROLE) == attachment_id:
                self.attachments_list.setCurrentRow(row)
                return

    # ----------------------------------------------------------------- remote images

    @Slot()
    def _on_show_images_button_clicked(self) -> None:
        self.load_remote_images()

    def load_remote_images(self) -> Op | None:
        """Fetch this message's remote images (on a worker) and show them, for this message
        only: the next message is blocked again."""
        if self.detail is None or self.safe is None or not self.safe.remote_images:
            return None
        if self.runner is None:
            return None
        email_id = self.detail.id
        self.show_images_button.setEnabled(False)
        op = self.runner.op(self, _fetch_remote, urls=list(self.safe.remote_images))
        op.own_transactions().with_progress(self.tr("Loading images…"))
        op.on_success(lambda result: self._on_images_fetched(email_id, result))
        op.on_failure(lambda exc: self._on_images_failed(email_id, exc))
        op.sig_finished.connect(lambda: self._emit_done("images"))
        return op.run()

    def _on_images_fetched(self, email_id: int, result: RemoteImages) -> None:
        if self.detail is None or self.detail.id != email_id or self.safe is None:
            return  # another message is shown meanwhile: its images stay blocked
        self.images_allowed = True
        self.body.set_images(self._inline, dict(result.images))
        self.body.show_html(self.safe.html)
        self._show_remote_bar()
        if result.failed:
            self.set_note(
                self.tr("{count} images could not be loaded.").format(count=len(result.failed))
            )
        self.sig_images_loaded.emit(email_id)

    def _on_images_failed(self, email_id: int, exc: BaseException) -> None:
        if self.detail is None or self.detail.id != email_id:
            return
        self._show_remote_bar()
        if isinstance(exc, UserError):
            self.set_note(str(exc))
        elif self.runner is not None:
            self.runner.show_error(self, exc)

    # ----------------------------------------------------------------- links

    @Slot(QUrl)
    def _on_body_anchor_clicked(self, url: QUrl) -> None:
        self.follow_link(url)

    def follow_link(self, url: QUrl) -> bool:
        """Open a clicked link in the system's browser or mail program, after asking; any
        other kind of link (javascript:, file:, …) is refused."""
        if url.scheme().lower() not in _LINK_SCHEMES or not url.isValid():
            self.set_note(self.tr("This link was not opened: it is not a web or mail address."))
            return False
        if not self.ask_open_link(url):
            return False
        return bool(self.open_url(url))

    @Slot(str)
    def _on_headers_label_link_activated(self, link: str) -> None:
        kind, _colon, value = link.partition(":")
        if kind == "customer" and value.isdigit():
            self.sig_open_customer.emit(int(value))

    # ----------------------------------------------------------------- attachments

    @Slot(QListWidgetItem)
    def _on_attachments_list_item_activated(self, _item: QListWidgetItem) -> None:
        self.open_attachment()

    @Slot()
    def _on_open_button_clicked(self) -> None:
        self.open_attachment()

    @Slot()
    def _on_save_button_clicked(self) -> None:
        self.save_attachment()

    def open_attachment(self) -> Op | None:
        """Write the selected attachment into this session's temporary folder (under its
        sanitized name) and open it with the system's program for it."""
        chosen = self.selected_attachment()
        if chosen is None or self.runner is None:
            return None
        target = temp_file_path(session_temp_folder(), chosen.id, chosen.filename)
        return self._write_op(
            "open",
            save_mail_attachment,
            attachment_id=chosen.id,
            path=str(target),
        ).on_success(self._on_opened_written)

    def _on_opened_written(self, path: Path) -> None:
        self.open_url(QUrl.fromLocalFile(str(path)))

    def save_attachment(self) -> Op | None:
        """Save the selected attachment where the user chooses (its sanitized name offered)."""
        chosen = self.selected_attachment()
        if chosen is None or self.runner is None:
            return None
        chosen_path = self.choose_save_path(sanitize_filename(chosen.filename))
        if not chosen_path:
            return None
        return self._write_op(
            "save", save_mail_attachment, attachment_id=chosen.id, path=chosen_path
        ).on_success(self._on_saved)

    @Slot()
    def _on_eml_button_clicked(self) -> None:
        self.save_eml()

    def save_eml(self) -> Op | None:
        """Save the message as it was received, as a .eml file."""
        if self.detail is None or self.runner is None:
            return None
        stem = sanitize_filename(self.detail.subject or "message", max_bytes=120)
        chosen_path = self.choose_save_path(f"{stem}.eml")
        if not chosen_path:
            return None
        return self._write_op(
            "eml", save_raw_message, email_id=self.detail.id, path=chosen_path
        ).on_success(self._on_saved)

    def _on_saved(self, path: Path) -> None:
        self.set_note(self.tr("Saved {file}").format(file=Path(str(path)).name))

    def _write_op(self, kind: str, fn: Callable[..., Any], **kwargs: Any) -> Op:
        assert self.runner is not None
        op = self.runner.op(self, fn, actor=self.actor, **kwargs).read_only()
        op.on_failure(self._on_write_failed)
        op.sig_finished.connect(lambda: self._emit_done(kind))
        return op.run()

    def _on_write_failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserError):
            self.set_note(str(exc))
        elif self.runner is not None:
            self.runner.show_error(self, exc)

    def _emit_done(self, kind: str) -> None:
        if shiboken6.isValid(self):
            self.sig_op_done.emit(kind)

    # ----------------------------------------------------------------- default prompts

    def _choose_save_path_dialog(self, name: str) -> str | None:
        start = str(Path.home() / name)
        path, _filter = QFileDialog.getSaveFileName(self, self.tr("Save as"), start)
        return path or None

    def _ask_open_link_box(self, url: QUrl) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Open link"))
        if url.scheme().lower() == "mailto":
            box.setText(self.tr("Write to this address with your mail program?"))
        else:
            box.setText(self.tr("Open this link in your web browser?"))
        box.setInformativeText(url.toDisplayString()[:300])
        yes = box.addButton(self.tr("Open"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        clicked = box.clickedButton()
        box.deleteLater()
        return clicked is yes
