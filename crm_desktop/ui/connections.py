"""File → Database connections…: the databases this computer knows — the local file (Single
mode) and company servers (Shared mode) — added, edited, removed, and switched to.

Switching asks the app to close this database and open the chosen one (``sig_switch``): a
company server shows its sign-in and becomes the default for the next start once signed in; the
local file opens as at start-up and becomes the default at once. Passwords are never kept
here: the sign-in stores them in the keyring when the user asks.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core import secrets
from crm_desktop.core.settings import LOCAL_PROFILE, Profile, Settings, save_settings
from crm_desktop.ui.login import ConnectionEditor, is_postgres_url, password_key, shared_label

log = logging.getLogger(__name__)

_NAME_ROLE = Qt.ItemDataRole.UserRole


class ConnectionsDialog(QDialog):
    """The connection profiles; ``Connect`` switches to the chosen one (``sig_switch``)."""

    sig_switch = Signal(str)
    """The user chose another database; carries the profile name (``LOCAL_PROFILE`` = file)."""

    def __init__(self, settings: Settings, current: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.current = current
        self.editor: ConnectionEditor | None = None
        self.setMinimumSize(520, 340)
        layout = QVBoxLayout(self)
        self.intro_label = QLabel(self)
        self.intro_label.setWordWrap(True)
        layout.addWidget(self.intro_label)
        row = QHBoxLayout()
        self.list = QListWidget(self)
        self.list.currentItemChanged.connect(self._on_list_current_item_changed)
        self.list.itemActivated.connect(self._on_list_item_activated)
        row.addWidget(self.list, 1)
        side = QVBoxLayout()
        self.add_button = QPushButton(self)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.edit_button = QPushButton(self)
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.remove_button = QPushButton(self)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        for button in (self.add_button, self.edit_button, self.remove_button):
            side.addWidget(button)
        side.addStretch(1)
        row.addLayout(side)
        layout.addLayout(row, 1)
        self.buttons = QDialogButtonBox(self)
        self.connect_button = QPushButton(self)
        self.connect_button.setDefault(True)
        self.buttons.addButton(self.connect_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.retranslate_ui()
        self._fill(select=current)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
            self._fill(select=self.chosen())
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("Database connections"))
        self.intro_label.setText(
            self.tr(
                "Work on this computer's own database file, or connect to your company's "
                "server so that every branch shares one customer database. The choice is "
                "remembered for the next start."
            )
        )
        self.add_button.setText(self.tr("&Add server…"))
        self.edit_button.setText(self.tr("&Edit…"))
        self.remove_button.setText(self.tr("&Remove"))
        self.connect_button.setText(self.tr("&Connect"))

    # ----------------------------------------------------------------- list

    def _fill(self, select: str | None) -> None:
        self.list.clear()
        entries = [(LOCAL_PROFILE, self.tr("This computer (local database file)"), "")]
        for profile in sorted(self.settings.profiles.values(), key=lambda p: p.name.lower()):
            if profile.name == LOCAL_PROFILE:
                continue
            where = shared_label(profile.url) if is_postgres_url(profile.url) else profile.url
            user = f" · {profile.user}" if profile.user else ""
            entries.append((profile.name, profile.name, f"{where}{user}"))
        for name, title, detail in entries:
            text = title if not detail else f"{title} — {detail}"
            if name == self.current:
                text = self.tr("{text}  (open now)").format(text=text)
            item = QListWidgetItem(text, self.list)
            item.setData(_NAME_ROLE, name)
            item.setToolTip(text)
            if name == select:
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        self._update_buttons()

    def chosen(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(_NAME_ROLE))

    def _update_buttons(self) -> None:
        name = self.chosen()
        editable = name is not None and name != LOCAL_PROFILE and name in self.settings.profiles
        self.edit_button.setEnabled(editable)
        self.remove_button.setEnabled(editable and name != self.current)
        self.connect_button.setEnabled(name is not None)

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_list_current_item_changed(self, *_items: object) -> None:
        self._update_buttons()

    @Slot(QListWidgetItem)
    def _on_list_item_activated(self, _item: QListWidgetItem) -> None:
        self._on_buttons_accepted()

    # ----------------------------------------------------------------- add, edit, remove

    def _open_editor(self, name: str | None) -> None:
        editor = ConnectionEditor(self.settings, self)
        if name is not None:
            editor.load_profile(self.settings.profiles[name])
        editor.finished.connect(self._on_editor_finished)
        self.editor = editor
        editor.open()

    @Slot()
    def _on_add_button_clicked(self) -> None:
        self._open_editor(None)

    @Slot()
    def _on_edit_button_clicked(self) -> None:
        name = self.chosen()
        if name is not None and name in self.settings.profiles:
            self._open_editor(name)

    @Slot(int)
    def _on_editor_finished(self, result: int) -> None:
        editor = self.editor
        self.editor = None
        if editor is None:
            return
        editor.deleteLater()
        if result != QDialog.DialogCode.Accepted.value:
            return
        profile = editor.profile()
        old = editor.editing_name
        if old is not None:
            self._move_password(self.settings.profiles[old], profile)
        if old is not None and old != profile.name:
            self.settings.profiles.pop(old, None)
            if self.settings.default_profile == old:
                self.settings.default_profile = profile.name
        self.settings.profiles[profile.name] = profile
        self._save()
        self._fill(select=profile.name)

    @Slot()
    def _on_remove_button_clicked(self) -> None:
        name = self.chosen()
        if name is None or name in (LOCAL_PROFILE, self.current):
            return
        answer = QMessageBox.question(
            self,
            self.tr("Remove connection"),
            self.tr(
                "Remove the connection “{name}”? The company's database is not touched; only "
                "this computer forgets how to reach it (and its saved password)."
            ).format(name=name),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        profile = self.settings.profiles.pop(name)
        if self.settings.default_profile == name:
            self.settings.default_profile = LOCAL_PROFILE
        if profile.user:
            try:
                secrets.delete_password(password_key(profile.url, profile.user))
            except Exception:  # the keyring may be locked or absent: the profile is gone anyway
                log.warning("could not forget the saved password of %s", name, exc_info=True)
        self._save()
        self._fill(select=LOCAL_PROFILE)

    @staticmethod
    def _move_password(before: Profile, after: Profile) -> None:
        """The keyring entry is named after the connection: an edited server, port or user
        takes the saved password along (or drops it when the user changed)."""
        if not before.user:
            return
        old_key = password_key(before.url, before.user)
        new_key = password_key(after.url, after.user) if after.user else None
        if old_key == new_key:
            return
        try:
            password = secrets.get_password(old_key)
            if password is not None and new_key is not None and before.user == after.user:
                secrets.set_password(new_key, password)
            secrets.delete_password(old_key)
        except Exception:  # a locked keyring: the user types the password once more
            log.warning("could not move the saved password of %s", before.name, exc_info=True)

    def _save(self) -> None:
        try:
            save_settings(self.settings)
        except OSError:
            log.warning("could not save the settings", exc_info=True)

    # ----------------------------------------------------------------- switch

    @Slot()
    def _on_buttons_accepted(self) -> None:
        name = self.chosen()
        if name is None:
            return
        profile = self.settings.profiles.get(name)
        if profile is None or not is_postgres_url(profile.url):
            # A file opens without a server's sign-in: it is the default from now on. A
            # company server becomes the default once its sign-in succeeded (LoginDialog).
            self.settings.default_profile = name
            self._save()
        self.accept()
        if name != self.current:
            self.sig_switch.emit(name)
