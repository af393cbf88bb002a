"""The customer file's Mail tab (the customer's threads, newest first, and the message view),
and dropping .eml/.msg/.mbox files onto a customer: onto its file window, or onto its row in a
customer list. Dropped files are imported and their unlinked messages linked to that customer
by hand; after an address was added to the customer or a contact, the unlinked mail that now
matches is offered for linking."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QEvent,
    QLocale,
    QMimeData,
    QObject,
    QPoint,
    Qt,
    QTime,
    Signal,
    Slot,
)
from PySide6.QtGui import QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStyle,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.mail.parse import MAIL_SUFFIXES
from crm_desktop.services.mail_read import (
    CustomerMailImport,
    RelinkOffer,
    import_for_customer,
    relink_offer,
)
from crm_desktop.services.mail_store import relink
from crm_desktop.services.mail_view import MailRow, MailThread, customer_mail, message_address
from crm_desktop.ui.icons import ACCENT
from crm_desktop.ui.message_view import MessageView
from crm_desktop.ui.style import MUTED_COLOR

if TYPE_CHECKING:
    from crm_desktop.services.context import Actor
    from crm_desktop.ui.customer_file import CustomerFileWindow
    from crm_desktop.ui.ops import Op, OpRunner

__all__ = [
    "MailDropFilter",
    "MailTab",
    "RowMailDrop",
    "import_summary",
    "mail_paths",
]

_ID_ROLE = Qt.ItemDataRole.UserRole
_THREAD_ROLE = Qt.ItemDataRole.UserRole + 1
_COMPOSE_MODULE = "crm_desktop.ui.compose_dialog"

translate = QCoreApplication.translate  # lupdate reads translate("Context", "text") calls


# =========================================================================== dropping files


def mail_paths(mime: QMimeData | None) -> list[str]:
    """The local .eml/.msg/.mbox files among what is dragged (folders and other files not)."""
    if mime is None or not mime.hasUrls():
        return []
    paths: list[str] = []
    for url in mime.urls():
        if not url.isLocalFile():
            continue
        path = Path(url.toLocalFile())
        if path.suffix.lower() in MAIL_SUFFIXES and path.is_file():
            paths.append(str(path))
    return paths


def import_summary(result: CustomerMailImport, name: str | None = None) -> str:
    """One or two sentences on what a drop did, in the UI's language."""
    imported = result.result
    parts = [
        translate("MailTab", "{count} messages read: {linked} linked to {name}.").format(
            count=QLocale().toString(imported.messages),
            linked=QLocale().toString(result.linked_here),
            name=name or translate("MailTab", "this customer"),
        )
    ]
    if result.already_here:
        parts.append(
            translate("MailTab", "{count} were linked to it already.").format(
                count=QLocale().toString(result.already_here)
            )
        )
    if result.elsewhere:
        parts.append(
            translate("MailTab", "{count} belong to another customer and were left there.").format(
                count=QLocale().toString(result.elsewhere)
            )
        )
    if result.not_yours:
        parts.append(
            translate(
                "MailTab", "{count} are in someone else's unlinked mail and were left there."
            ).format(count=QLocale().toString(result.not_yours))
        )
    if imported.problems:
        first = imported.problems[0]
        parts.append(
            translate("MailTab", "{count} could not be read (first: {file}: {reason}).").format(
                count=QLocale().toString(len(imported.problems)),
                file=Path(first.path).name,
                reason=first.reason,
            )
        )
    return " ".join(parts)


def run_customer_import(
    runner: OpRunner,
    parent: QWidget,
    actor: Actor,
    customer_id: int,
    paths: Sequence[str],
) -> Op:
    """The import-and-link operation of a drop (progress after 0.5 s, cancellable)."""
    op = runner.op(
        parent, import_for_customer, paths=list(paths), customer_id=customer_id, actor=actor
    )
    op.with_progress(translate("MailTab", "Importing mail…"), cancellable=True)
    return op


class MailDropFilter(QObject):
    """Accepts mail files dropped anywhere on ``target`` (a window), even over its text
    fields, and hands their paths to ``on_drop``; ``on_hover(True/False)`` while a drag with
    mail files is over it. Installed on the application, it sees drags before the widgets."""

    def __init__(
        self,
        target: QWidget,
        on_drop: Callable[[list[str]], object],
        *,
        accepts: Callable[[], bool] = lambda: True,
        on_hover: Callable[[bool], None] | None = None,
    ) -> None:
        super().__init__(target)
        self._target = target
        self._on_drop = on_drop
        self._accepts = accepts
        self._on_hover = on_hover
        target.setAcceptDrops(True)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def _ours(self, watched: QObject) -> bool:
        target = self._target
        if not shiboken6.isValid(target) or not isinstance(watched, QWidget):
            return False
        return watched is target or target.isAncestorOf(watched)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (
            QEvent.Type.DragEnter,
            QEvent.Type.DragMove,
            QEvent.Type.Drop,
            QEvent.Type.DragLeave,
        ):
            return False
        if not self._ours(watched):
            return False
        if kind == QEvent.Type.DragLeave:
            if self._on_hover is not None:
                self._on_hover(False)
            return False
        assert isinstance(event, QDropEvent)
        paths = mail_paths(event.mimeData())
        if not paths or not self._accepts():
            return False
        if kind == QEvent.Type.Drop:
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            if self._on_hover is not None:
                self._on_hover(False)
            self._on_drop(paths)
            return True
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        if self._on_hover is not None:
            self._on_hover(True)
        return True


class RowMailDrop(QObject):
    """Mail files dropped on a row of a customer list (``view`` with a model answering
    ``customer_id(row)``): the row under the drag is outlined, the drop imports the files and
    links them to that row's customer."""

    sig_imported = Signal(object)
    """A drop was imported; carries the CustomerMailImport."""

    def __init__(
        self,
        view: QTableView,
        runner: OpRunner,
        actor: Actor,
        *,
        customer_id_of: Callable[[int], int | None],
        name_of: Callable[[int], str | None] = lambda _row: None,
    ) -> None:
        super().__init__(view)
        self.view = view
        self.runner = runner
        self.actor = actor
        self._customer_id_of = customer_id_of
        self._name_of = name_of
        self.message_box: QMessageBox | None = None
        self.highlight = QFrame(view.viewport())
        self.highlight.setObjectName("dropRow")
        self.highlight.setStyleSheet(
            f"QFrame#dropRow {{ border: 2px solid {ACCENT}; border-radius: 3px;"
            " background: rgba(37, 99, 235, 28); }"
        )
        self.highlight.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.highlight.hide()
        self.highlighted_row: int | None = None
        view.setAcceptDrops(True)
        view.viewport().setAcceptDrops(True)
        view.viewport().installEventFilter(self)

    def row_at(self, pos: QPoint) -> int | None:
        row = self.view.rowAt(pos.y())
        if row < 0 or self._customer_id_of(row) is None:
            return None
        return row

    def _show_highlight(self, row: int | None) -> None:
        self.highlighted_row = row
        if row is None:
            self.highlight.hide()
            return
        model = self.view.model()
        rect = self.view.visualRect(model.index(row, 0))
        width = self.view.viewport().width()
        self.highlight.setGeometry(0, rect.top(), width, rect.height())
        self.highlight.show()
        self.highlight.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.DragLeave:
            self._show_highlight(None)
            return False
        if kind not in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
            return False
        assert isinstance(event, QDropEvent)
        paths = mail_paths(event.mimeData())
        if not paths:
            return False
        row = self.row_at(event.position().toPoint())
        if row is None:
            self._show_highlight(None)
            if isinstance(event, QDragMoveEvent):
                event.ignore()
            return True
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        if kind == QEvent.Type.Drop:
            self._show_highlight(None)
            self.drop_on_row(row, paths)
        else:
            self._show_highlight(row)
        return True

    def drop_on_row(self, row: int, paths: Sequence[str]) -> Op | None:
        """Import ``paths`` and link them to the customer of ``row``."""
        customer_id = self._customer_id_of(row)
        if customer_id is None:
            return None
        name = self._name_of(row)
        op = run_customer_import(self.runner, self.view, self.actor, customer_id, paths)
        op.on_success(lambda result: self._on_imported(result, name))
        return op.run()

    def _on_imported(self, result: CustomerMailImport, name: str | None) -> None:
        box = QMessageBox(self.view)
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle(translate("MailTab", "Mail imported"))
        box.setText(import_summary(result, name))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.message_box = box
        box.open()
        self.sig_imported.emit(result)


# =========================================================================== the tab


def _date_text(value: datetime | None) -> str:
    if value is None:
        return ""
    local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone()
    day = local.date()
    if day == date.today():
        clock = QTime(local.hour, local.minute, local.second)
        return QLocale().toString(clock, QLocale.FormatType.ShortFormat)
    qdate = QDate(day.year, day.month, day.day)
    return QLocale().toString(qdate, QLocale.FormatType.ShortFormat)


def _who(row: MailRow) -> str:
    """The other party: the sender of incoming mail, "→ recipient" of outgoing."""
    text = (row.to_addrs if row.direction == "out" else row.from_addr) or ""
    first = text.split(",")[0].strip()
    name = first.split("<")[0].strip().strip('"') if "<" in first else first
    return f"→ {name or first}" if row.direction == "out" else name or first


class MailTab(QWidget):
    """The customer's mail as threads (newest first), the selected message below; New email,
    Reply, Reply all, Link elsewhere…; mail files dropped on the window land here.

    Prompts are attributes (tests answer them): ``ask_relink(count, addresses) -> bool``."""

    sig_loaded = Signal(int)
    """The threads arrived and are shown; carries how many."""

    sig_imported = Signal(object)
    """Dropped files were imported and linked; carries the CustomerMailImport."""

    sig_relinked = Signal(int)
    """Matching unlinked mail was linked after an address was added; carries how many."""

    def __init__(self, window: CustomerFileWindow) -> None:
        super().__init__(window)
        self._window = window
        self.threads: tuple[MailThread, ...] = ()
        self.loaded_once = False
        self._stale = True
        self._load_seq = 0
        self.compose_dialog: Any = None
        self.link_dialog: QWidget | None = None
        self.ask_relink: Callable[[int, Sequence[str]], bool] = self._ask_relink_box
        self._build()
        self.retranslate_ui()
        self._update_buttons()

    @property
    def runner(self) -> OpRunner:
        return self._window.runner

    @property
    def actor(self) -> Actor:
        return self._window.actor

    @property
    def customer_id(self) -> int | None:
        return self._window.customer_id

    # ----------------------------------------------------------------- construction

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(6)
        buttons = QHBoxLayout()
        self.new_button = QPushButton(self)
        self.reply_button = QPushButton(self)
        self.reply_all_button = QPushButton(self)
        self.link_button = QPushButton(self)
        for button in (self.new_button, self.reply_button, self.reply_all_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.link_button)
        layout.addLayout(buttons)
        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.reply_button.clicked.connect(self._on_reply_button_clicked)
        self.reply_all_button.clicked.connect(self._on_reply_all_button_clicked)
        self.link_button.clicked.connect(self._on_link_button_clicked)

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setChildrenCollapsible(False)
        top = QWidget(self.splitter)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(4)
        self.tree = QTreeWidget(top)
        self.tree.setObjectName("mailThreads")
        self.tree.setColumnCount(3)
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setAcceptDrops(False)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        self.tree.setColumnWidth(1, 70)
        self.tree.setColumnWidth(2, 110)
        self.tree.currentItemChanged.connect(self._on_tree_current_item_changed)
        top_layout.addWidget(self.tree, 1)
        self.hint_label = QLabel(top)
        self.hint_label.setObjectName("dropHint")
        self.hint_label.setWordWrap(True)
        self.hint_label.setStyleSheet(f"color: {MUTED_COLOR};")
        top_layout.addWidget(self.hint_label)
        self.view = MessageView(self._window.runner, self._window.actor, self.splitter)
        self.view.sig_shown.connect(self._on_view_sig_shown)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.view)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([200, 360])
        layout.addWidget(self.splitter, 1)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.tree.setHeaderLabels([self.tr("Subject"), self.tr("Messages"), self.tr("Last")])
        self.new_button.setText(self.tr("New email…"))
        self.reply_button.setText(self.tr("Reply…"))
        self.reply_all_button.setText(self.tr("Reply all…"))
        self.link_button.setText(self.tr("Link elsewhere…"))
        self.link_button.setToolTip(self.tr("Link the selected message to another customer"))
        self.hint_label.setText(
            self.tr("Drop .eml or .msg files here to add them to this customer")
        )
        self._fill_tree()
        self._update_buttons()

    # ----------------------------------------------------------------- loading

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale:
            self.load()

    def invalidate(self) -> None:
        """The customer's mail may have changed: reload now if shown, else when shown."""
        self._stale = True
        if self.isVisible():
            self.load()

    def load(self) -> None:
        if self.customer_id is None:
            return
        self._stale = False
        self._load_seq += 1
        seq = self._load_seq
        self._window.run_op(
            "mail", customer_mail, read_only=True, customer_id=self.customer_id, actor=self.actor
        ).on_success(lambda threads: self._on_threads_loaded(seq, threads))

    def _on_threads_loaded(self, seq: int, threads: list[MailThread]) -> None:
        if seq != self._load_seq:
            return
        self.threads = tuple(threads)
        self.loaded_once = True
        self._fill_tree()
        self.sig_loaded.emit(len(self.threads))

    def _fill_tree(self) -> None:
        current = self.current_email_id()
        self.tree.blockSignals(True)
        try:
            self.tree.clear()
            for thread in self.threads:
                top = QTreeWidgetItem(
                    [
                        thread.subject or self.tr("(no subject)"),
                        QLocale().toString(thread.count),
                        _date_text(thread.last_at),
                    ]
                )
                top.setData(0, _THREAD_ROLE, thread.thread_key)
                newest = thread.messages[-1] if thread.messages else None
                top.setData(0, _ID_ROLE, newest.id if newest else None)
                top.setToolTip(0, thread.subject or "")
                font = top.font(0)
                font.setBold(True)
                top.setFont(0, font)
                clip = self.style().standardIcon(QStyle.StandardPixmap.SP_FileIcon)
                for message in reversed(thread.messages):  # newest first inside, too
                    child = QTreeWidgetItem(
                        [
                            _who(message),
                            "↗" if message.direction == "out" else "",
                            _date_text(message.sent_at),
                        ]
                    )
                    child.setData(0, _ID_ROLE, message.id)
                    if message.has_attachments:
                        child.setIcon(1, clip)
                    child.setToolTip(0, message.subject or "")
                    top.addChild(child)
                self.tree.addTopLevelItem(top)
            for index in range(min(3, self.tree.topLevelItemCount())):
                item = self.tree.topLevelItem(index)
                if item is not None and item.childCount() > 1:
                    item.setExpanded(True)
        finally:
            self.tree.blockSignals(False)
        if current is not None and self.select_message(current):
            return
        first = self.tree.topLevelItem(0)
        if first is not None:
            self.tree.setCurrentItem(first)
        else:
            self.view.show_message(None)
        self._update_buttons()

    def select_message(self, email_id: int) -> bool:
        """Select the message's row (its thread opened); False when it is not in the list."""
        for index in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(index)
            if top is None:
                continue
            for row in range(top.childCount()):
                child = top.child(row)
                if child is not None and child.data(0, _ID_ROLE) == email_id:
                    top.setExpanded(True)
                    self.tree.setCurrentItem(child)
                    return True
        return False

    def current_email_id(self) -> int | None:
        item = self.tree.currentItem()
        value = item.data(0, _ID_ROLE) if item is not None else None
        return int(value) if isinstance(value, int) else None

    def current_row(self) -> MailRow | None:
        wanted = self.current_email_id()
        for thread in self.threads:
            for message in thread.messages:
                if message.id == wanted:
                    return message
        return None

    @Slot(object, object)
    def _on_tree_current_item_changed(
        self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None
    ) -> None:
        email_id = current.data(0, _ID_ROLE) if current is not None else None
        shown = self.view.detail.id if self.view.detail is not None else None
        if email_id != shown:
            self.view.show_message(email_id if isinstance(email_id, int) else None)
        self._update_buttons()

    @Slot(int)
    def _on_view_sig_shown(self, _email_id: int) -> None:
        self._update_buttons()

    # ----------------------------------------------------------------- buttons

    def _compose(self) -> Callable[..., Any] | None:
        """helper "send"'s ``open_compose``, when the compose dialog is there."""
        if importlib.util.find_spec(_COMPOSE_MODULE) is None:
            return None
        opener = getattr(importlib.import_module(_COMPOSE_MODULE), "open_compose", None)
        return opener if callable(opener) else None

    def _update_buttons(self) -> None:
        have_customer = self.customer_id is not None
        chosen = self.current_email_id() is not None
        can_compose = importlib.util.find_spec(_COMPOSE_MODULE) is not None
        for button in (self.new_button, self.reply_button, self.reply_all_button):
            button.setToolTip("" if can_compose else self.tr("Sending mail is not available yet"))
        self.new_button.setEnabled(have_customer and can_compose)
        self.reply_button.setEnabled(have_customer and chosen and can_compose)
        self.reply_all_button.setEnabled(have_customer and chosen and can_compose)
        self.link_button.setEnabled(have_customer and chosen)

    @Slot()
    def _on_new_button_clicked(self) -> None:
        self.open_compose(reply=False)

    @Slot()
    def _on_reply_button_clicked(self) -> None:
        self.open_compose(reply=True)

    @Slot()
    def _on_reply_all_button_clicked(self) -> None:
        self.open_compose(reply=True, reply_all=True)

    def open_compose(self, *, reply: bool, reply_all: bool = False) -> Any:
        opener = self._compose()
        if opener is None or self.customer_id is None:
            return None
        email_id = self.current_email_id() if reply else None
        if reply and email_id is None:
            return None
        row = self.current_row()
        dialog = opener(
            self._window,
            self.runner,
            self.actor,
            customer_id=self.customer_id,
            contact_id=row.contact_id if reply and row is not None else None,
            reply_to_email_id=email_id,
            reply_all=reply_all,
        )
        self.compose_dialog = dialog
        sent = getattr(dialog, "sig_sent", None)
        if sent is not None:
            sent.connect(lambda *_args: self._on_changed_elsewhere())
        return dialog

    @Slot()
    def _on_link_button_clicked(self) -> None:
        self.open_link_dialog()

    def open_link_dialog(self) -> QWidget | None:
        """Link the selected message to another customer (mailpage's link dialog)."""
        from crm_desktop.ui.link_dialog import LinkDialog

        row = self.current_row()
        if row is None:
            return None
        dialog = LinkDialog(
            self.runner,
            self.actor,
            [row.id],
            address=message_address(row.direction, row.from_addr, row.to_addrs),
            subject=row.subject or "",
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.sig_linked.connect(lambda _result: self._on_changed_elsewhere())
        self.link_dialog = dialog
        dialog.open()
        return dialog

    def _on_changed_elsewhere(self) -> None:
        if shiboken6.isValid(self):
            self.invalidate()
            self._window.reload()

    # ----------------------------------------------------------------- dropped files

    def accepts_drops(self) -> bool:
        return self.customer_id is not None and self._window.loaded

    def import_files(self, paths: Sequence[str]) -> Op | None:
        """Import dropped mail files and link them to this customer (by hand)."""
        if not paths or self.customer_id is None:
            return None
        op = self._window.run_op(
            "mail",
            import_for_customer,
            paths=list(paths),
            customer_id=self.customer_id,
            actor=self.actor,
            progress_label=self.tr("Importing mail…"),
        )
        return op.on_success(self._on_imported)

    def _on_imported(self, result: CustomerMailImport) -> None:
        name = self._window.detail.name if self._window.detail is not None else None
        self._window.show_note(import_summary(result, name))
        self._window.tabs.setCurrentWidget(self)
        self.invalidate()
        self._window.reload()  # the timeline shows linked mail too
        self.sig_imported.emit(result)

    # ----------------------------------------------------------------- re-link offer

    def offer_relink_if_new(self, before: str | None, after: str | None) -> None:
        """After a save: when an address was added or changed, look for unlinked mail that
        now matches this customer and offer to link it."""
        new = (after or "").strip()
        if not new or new.casefold() == (before or "").strip().casefold():
            return
        if self.customer_id is None:
            return
        self._window.run_op(
            "mail", relink_offer, read_only=True, customer_id=self.customer_id, actor=self.actor
        ).on_success(lambda offer: self._on_relink_offer(offer, [new]))

    def _on_relink_offer(self, offer: RelinkOffer, addresses: Sequence[str]) -> None:
        if not offer.email_ids or offer.customer_id != self.customer_id:
            return
        if not self.ask_relink(len(offer.email_ids), addresses):
            return
        self._window.run_op(
            "mail",
            relink,
            customer_id=offer.customer_id,
            email_ids=list(offer.email_ids),
            actor=self.actor,
        ).on_success(self._on_relinked)

    def _on_relinked(self, linked: list[int]) -> None:
        self._window.show_note(
            self.tr("Linked {count} messages to this customer.").format(
                count=QLocale().toString(len(linked))
            )
        )
        self.invalidate()
        self._window.reload()
        self.sig_relinked.emit(len(linked))

    def _ask_relink_box(self, count: int, addresses: Sequence[str]) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Link matching mail"))
        box.setText(
            self.tr("{count} unlinked messages match {addresses}. Link them now?").format(
                count=QLocale().toString(count), addresses=", ".join(addresses)
            )
        )
        yes = box.addButton(self.tr("Link them"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("Not now"), QMessageBox.ButtonRole.RejectRole)
        box.exec()
        clicked = box.clickedButton()
        box.deleteLater()
        return clicked is yes
