"""Signing in: a Single-mode app login checked by the service, or, in Shared mode, the
PostgreSQL login role whose password opens the database itself (a connection profile chosen
from the settings, its password from the keyring). A user whose password must change chooses a
new one before the main window opens."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from PySide6.QtCore import QEvent, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core import secrets
from crm_desktop.core.errors import (
    AuthenticationFailed,
    DatabaseError,
    NotFound,
    UserError,
    ValidationError,
)
from crm_desktop.core.settings import LOCAL_PROFILE, Profile, Settings, save_settings
from crm_desktop.services.context import Actor
from crm_desktop.ui.icons import app_pixmap
from crm_desktop.ui.style import make_title
from crm_desktop.ui.widgets import ErrorLabel

if TYPE_CHECKING:
    from crm_desktop.services.database import Database
    from crm_desktop.ui.ops import OpRunner

log = logging.getLogger(__name__)


def url_with_user(url: str, login: str) -> str:
    """``url`` (no password) with its user name replaced by ``login``."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    netloc = f"{quote(login, safe='')}@{host}"
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def url_user(url: str) -> str | None:
    return urlsplit(url).username


SSL_MODES = ("disable", "require", "verify-full")
DEFAULT_PORT = 5432
NEW_CONNECTION = "\x00new"  # the combo item that opens the connection editor


def default_sslmode(ca_file: str | None) -> str:
    """``verify-full`` when the server's CA file is known (the server proves who it is),
    else ``require`` (encrypted, but the certificate is not checked)."""
    return "verify-full" if ca_file else "require"


def build_postgres_url(
    *,
    host: str,
    database: str,
    user: str | None = None,
    port: int | None = None,
    sslmode: str | None = None,
    ca_file: str | None = None,
) -> str:
    """A ``postgresql+psycopg://`` URL without password; ``sslmode`` and ``sslrootcert`` go to
    libpq as query parameters."""
    netloc = host.strip()
    if ":" in netloc:  # an IPv6 literal
        netloc = f"[{netloc}]"
    if user:
        netloc = f"{quote(user.strip(), safe='')}@{netloc}"
    if port and port != DEFAULT_PORT:
        netloc = f"{netloc}:{port}"
    query: list[tuple[str, str]] = []
    if sslmode:
        if sslmode not in SSL_MODES:
            raise ValueError(f"unknown sslmode {sslmode!r}")
        query.append(("sslmode", sslmode))
    if ca_file and sslmode != "disable":
        query.append(("sslrootcert", ca_file))
    path = "/" + quote(database.strip(), safe="")
    return urlunsplit(("postgresql+psycopg", netloc, path, urlencode(query), ""))


def url_sslmode(url: str) -> str | None:
    return dict(parse_qsl(urlsplit(url).query)).get("sslmode")


def is_postgres_url(url: str) -> bool:
    return urlsplit(url).scheme.lower().startswith("postgres")


def password_key(url: str, login: str) -> str:
    """The keyring entry of ``login`` on ``url``: the same name the command line reads for a
    profile whose URL names that user (``secrets.secret_key``)."""
    return secrets.secret_key(url_with_user(url, login), login)


_URL_ROLE = Qt.ItemDataRole.UserRole
_USER_ROLE = Qt.ItemDataRole.UserRole + 1


def _same_connection(a: str, b: str) -> bool:
    """The same server, database and options, whoever signs in."""
    return url_with_user(a, "-") == url_with_user(b, "-")


def shared_label(url: str) -> str:
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"PostgreSQL {parts.hostname or 'localhost'}{port}{parts.path}"


class LoginDialog(QDialog):
    """Asks for login and password; stays open with a message until they are right.

    Single mode needs ``runner`` (the open database). Shared mode needs ``shared_url`` (a
    PostgreSQL URL without password): the dialog offers it and the PostgreSQL profiles of the
    settings, fills the password from the keyring, and signing in opens the database, available
    afterwards as ``database`` with its ``runner``. A user whose ``must_change_password`` is set
    chooses a new password (``ChangePasswordDialog``) before ``sig_signed_in``; cancelling that
    signs out again and leaves this dialog open.
    """

    sig_signed_in = Signal(object)
    """Sign-in succeeded (and a required new password was chosen); carries the Actor."""

    def __init__(
        self,
        *,
        settings: Settings,
        database_label: str,
        runner: OpRunner | None = None,
        shared_url: str | None = None,
        company_name: str | None = None,
        initial_login: str | None = None,
        initial_password: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if (runner is None) == (shared_url is None):
            raise ValueError("LoginDialog needs either a runner (Single) or a shared_url (Shared)")
        self.settings = settings
        self.runner = runner
        self.shared_url = shared_url
        self.database: Database | None = runner.db if runner is not None else None
        self.actor: Actor | None = None
        self.profile_name: str | None = None  # the chosen profile (Shared mode)
        self.editor: ConnectionEditor | None = None
        self.change_dialog: ChangePasswordDialog | None = None
        self._company_name = company_name
        self._busy = False
        self._password = ""  # of the sign-in under way
        self._pending: Actor | None = None
        self._password_from_keyring = False
        self._profile_index = 0
        self.setMinimumWidth(420)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 18)
        layout.setSpacing(14)
        header = QHBoxLayout()
        header.setSpacing(14)
        logo = QLabel(self)
        logo.setPixmap(app_pixmap(44))
        logo.setFixedSize(44, 44)
        header.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        names = QVBoxLayout()
        names.setSpacing(2)
        self.title_label = make_title(QLabel(self), 1.45)
        self.company_label = QLabel(company_name or "", self)
        self.company_label.setObjectName("muted")
        self.company_label.setVisible(bool(company_name))
        names.addWidget(self.title_label)
        names.addWidget(self.company_label)
        header.addLayout(names, 1)
        layout.addLayout(header)

        form = QFormLayout()
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(10)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.profile_combo = QComboBox(self)
        self.profile_label = QLabel(self)
        self.login_edit = QLineEdit(self)
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.login_label = QLabel(self)
        self.password_label = QLabel(self)
        self.can_remember = secrets.keyring_available()
        self.remember_check = QCheckBox(self)
        self.remember_check.setEnabled(self.can_remember)
        if shared_url is not None:
            form.addRow(self.profile_label, self.profile_combo)
        else:
            self.profile_combo.hide()
            self.profile_label.hide()
            self.remember_check.hide()
        form.addRow(self.login_label, self.login_edit)
        form.addRow(self.password_label, self.password_edit)
        if shared_url is not None:
            form.addRow("", self.remember_check)
        layout.addLayout(form)

        self.error_label = ErrorLabel(self, object_name="formError")
        layout.addWidget(self.error_label)
        self.database_note = QLabel(database_label, self)
        self.database_note.setObjectName("muted")
        self.database_note.setWordWrap(True)
        layout.addWidget(self.database_note)

        self.buttons = QDialogButtonBox(self)
        self.sign_in_button = QPushButton(self)
        self.sign_in_button.setDefault(True)
        self.buttons.addButton(self.sign_in_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.retranslate_ui()

        login = initial_login or (url_user(shared_url) if shared_url else None)
        login = login or settings.last_login or ""
        self.login_edit.setText(login)
        if shared_url is not None:
            self._load_profiles(shared_url)
            self._choose_profile(self.profile_combo.currentIndex(), login=login)
        if initial_password:
            self.password_edit.setText(initial_password)
            self._password_from_keyring = False
        (self.password_edit if self.login_edit.text() else self.login_edit).setFocus()
        self.login_edit.textEdited.connect(self._on_field_text_edited)
        self.password_edit.textEdited.connect(self._on_field_text_edited)
        self.password_edit.textEdited.connect(self._on_password_edit_text_edited)
        self.login_edit.editingFinished.connect(self._on_login_edit_editing_finished)
        self.profile_combo.currentIndexChanged.connect(self._on_profile_combo_current_index_changed)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("Sign in — crm-desktop"))
        self.title_label.setText(self.tr("Sign in"))
        self.login_label.setText(self.tr("Login:"))
        self.password_label.setText(self.tr("Password:"))
        self.sign_in_button.setText(self.tr("Signing in…") if self._busy else self.tr("Sign in"))
        if self.shared_url is not None:
            self.login_edit.setPlaceholderText(self.tr("your database login"))
        self.profile_label.setText(self.tr("Connection:"))
        self.remember_check.setText(self.tr("Remember password"))
        self.remember_check.setToolTip(
            self.tr("Kept in the system keyring, never in a file.")
            if self.can_remember
            else self.tr("No system keyring is available: the password is asked each time.")
        )
        new_index = self.profile_combo.findData(NEW_CONNECTION, _URL_ROLE)
        if new_index >= 0:
            self.profile_combo.setItemText(new_index, self.tr("New connection…"))

    # ----------------------------------------------------------------- profiles (Shared)

    def _load_profiles(self, select_url: str | None, select_name: str | None = None) -> None:
        """Fill the combo: the settings' PostgreSQL profiles, the URL the app was started with
        when it is none of them, and "New connection…"; select ``select_name`` or the
        profile of ``select_url``."""
        combo = self.profile_combo
        combo.blockSignals(True)
        try:
            combo.clear()
            selected = -1
            for profile in self.settings.profiles.values():
                if not is_postgres_url(profile.url):
                    continue
                combo.addItem(profile.name, profile.url)
                combo.setItemData(combo.count() - 1, profile.user, _USER_ROLE)
                combo.setItemData(combo.count() - 1, profile.url, Qt.ItemDataRole.ToolTipRole)
                if selected < 0 and (
                    profile.name == select_name
                    or (
                        select_name is None
                        and select_url
                        and _same_connection(profile.url, select_url)
                    )
                ):
                    selected = combo.count() - 1
            if selected < 0 and select_url:
                combo.insertItem(0, shared_label(select_url), select_url)
                combo.setItemData(0, url_user(select_url), _USER_ROLE)
                selected = 0
            combo.addItem(self.tr("New connection…"), NEW_CONNECTION)
            combo.setCurrentIndex(max(selected, 0))
        finally:
            combo.blockSignals(False)

    def _choose_profile(self, index: int, *, login: str | None = None) -> None:
        url = self.profile_combo.itemData(index, _URL_ROLE)
        if not isinstance(url, str) or url == NEW_CONNECTION:
            return
        self._profile_index = index
        name = self.profile_combo.itemText(index)
        self.profile_name = name if name in self.settings.profiles else None
        self.shared_url = url
        user = self.profile_combo.itemData(index, _USER_ROLE)
        login = login or (user if isinstance(user, str) else None) or url_user(url) or ""
        self.login_edit.setText(login)
        self.database_note.setText(shared_label(url))
        self.error_label.set_error(None)
        self.password_edit.clear()
        self._password_from_keyring = False
        self.remember_check.setChecked(False)
        self._fill_password_from_keyring()

    @Slot(int)
    def _on_profile_combo_current_index_changed(self, index: int) -> None:
        if self.profile_combo.itemData(index, _URL_ROLE) == NEW_CONNECTION:
            self._open_editor()
            return
        self._choose_profile(index)
        (self.password_edit if self.login_edit.text() else self.login_edit).setFocus()

    def _open_editor(self) -> None:
        self.editor = ConnectionEditor(self.settings, parent=self)
        self.editor.finished.connect(self._on_editor_finished)
        self.editor.open()

    @Slot(int)
    def _on_editor_finished(self, result: int) -> None:
        editor = self.editor
        self.editor = None
        if editor is None:
            return
        editor.deleteLater()
        if result != QDialog.DialogCode.Accepted.value:
            self.profile_combo.blockSignals(True)
            self.profile_combo.setCurrentIndex(self._profile_index)
            self.profile_combo.blockSignals(False)
            return
        profile = editor.profile()
        self.settings.profiles[profile.name] = profile
        try:
            save_settings(self.settings)
        except OSError:
            log.warning("could not save the settings", exc_info=True)
        self._load_profiles(profile.url, profile.name)
        self._choose_profile(self.profile_combo.currentIndex())
        (self.password_edit if self.login_edit.text() else self.login_edit).setFocus()

    # ----------------------------------------------------------------- keyring (Shared)

    def _password_key(self, login: str | None = None) -> str | None:
        login = (login if login is not None else self.login_edit.text()).strip().lower()
        if self.shared_url is None or not login:
            return None
        return password_key(self.shared_url, login)

    def _fill_password_from_keyring(self) -> None:
        key = self._password_key()
        stored = secrets.get_password(key) if key else None
        if stored:
            self.password_edit.setText(stored)
            self._password_from_keyring = True
            self.remember_check.setChecked(True)
        elif self._password_from_keyring:  # the stored password of another login
            self.password_edit.clear()
            self._password_from_keyring = False
            self.remember_check.setChecked(False)

    @Slot()
    def _on_login_edit_editing_finished(self) -> None:
        if self.shared_url is not None and (
            not self.password_edit.text() or self._password_from_keyring
        ):
            self._fill_password_from_keyring()

    @Slot(str)
    def _on_password_edit_text_edited(self, _text: str) -> None:
        self._password_from_keyring = False

    def _remember(self, login: str, password: str) -> None:
        """After a successful sign-in: store, replace or forget the keyring entry."""
        key = self._password_key(login)
        if key is None or not self.can_remember:
            return
        if self.remember_check.isChecked():
            secrets.set_password(key, password)
        elif secrets.get_password(key) is not None:
            secrets.delete_password(key)

    # ----------------------------------------------------------------- signing in

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (
            self.login_edit,
            self.password_edit,
            self.sign_in_button,
            self.profile_combo,
            self.remember_check,
        ):
            widget.setEnabled(not busy and (widget is not self.remember_check or self.can_remember))
        self.retranslate_ui()

    @Slot(str)
    def _on_field_text_edited(self, _text: str) -> None:
        self.error_label.set_error(None)

    @Slot()
    def _on_buttons_accepted(self) -> None:
        if self._busy:
            return
        login = self.login_edit.text().strip().lower()
        password = self.password_edit.text()
        if not login or not password:
            self.error_label.set_error(self.tr("Enter your login and your password."))
            (self.login_edit if not login else self.password_edit).setFocus()
            return
        self.error_label.set_error(None)
        self._password = password
        if self.shared_url is not None:
            self._sign_in_shared(login, password)
            return
        from crm_desktop.services.users import authenticate

        assert self.runner is not None
        self._set_busy(True)
        self.runner.op(self, authenticate, login=login, password=password).on_success(
            self._on_signed_in
        ).on_failure(self._on_sign_in_failed).run()

    def _open_shared(self, login: str, password: str) -> bool:
        """Open the Shared database as ``login``; False (the message shown) when refused."""
        from crm_desktop.services.database import open_database
        from crm_desktop.ui.ops import OpRunner

        assert self.shared_url is not None
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.database = open_database(url_with_user(self.shared_url, login), password=password)
        except DatabaseError as exc:
            self._set_busy(False)
            self._show_failure(exc)
            return False
        finally:
            QApplication.restoreOverrideCursor()
        self.runner = OpRunner(self.database, parent=self)
        return True

    def _sign_in_shared(self, login: str, password: str) -> None:
        self._set_busy(True)
        if self.database is None and not self._open_shared(login, password):
            return
        assert self.runner is not None
        from crm_desktop.services.users import sign_in_shared

        # The PostgreSQL login that connected is the identity (current_user), not the text typed.
        self.runner.op(self, sign_in_shared).on_success(self._on_signed_in).on_failure(
            self._on_shared_lookup_failed
        ).run()

    def _on_signed_in(self, actor: Actor) -> None:
        """The password was right: is a new one required before work?"""
        from crm_desktop.services.users import needs_new_password

        assert self.runner is not None
        self._pending = actor
        self.runner.op(self, needs_new_password, actor=actor).read_only().on_success(
            self._on_password_checked
        ).on_failure(self._on_shared_lookup_failed).run()

    def _on_password_checked(self, required: bool) -> None:
        actor = self._pending
        assert actor is not None and self.runner is not None
        if not required:
            self._finish_sign_in(actor, self._password)
            return
        self.change_dialog = ChangePasswordDialog(
            runner=self.runner, actor=actor, old_password=self._password, parent=self
        )
        self.change_dialog.finished.connect(self._on_change_dialog_finished)
        self.change_dialog.open()

    @Slot(int)
    def _on_change_dialog_finished(self, result: int) -> None:
        dialog = self.change_dialog
        self.change_dialog = None
        actor = self._pending
        if dialog is None or actor is None:
            return
        dialog.deleteLater()
        new_password = dialog.new_password
        if result != QDialog.DialogCode.Accepted.value or new_password is None:
            self._sign_out()
            self.error_label.set_error(
                self.tr("You must choose a new password before you can work. Sign in again.")
            )
            self.password_edit.clear()
            self.password_edit.setFocus()
            return
        if self.shared_url is not None:
            # The open connections were made with the old password; reconnect with the new one
            # so the pool never tries the old password again.
            self._close_shared()
            self._set_busy(True)
            if not self._open_shared(actor.login, new_password):
                return
        self._finish_sign_in(actor, new_password)

    def _finish_sign_in(self, actor: Actor, password: str) -> None:
        self._set_busy(False)
        self._pending = None
        self._password = ""
        self.actor = actor
        if self.shared_url is not None:
            self._remember(actor.login, password)
            if self.profile_name is not None:
                self.settings.default_profile = self.profile_name
        self.settings.last_login = actor.login
        try:
            save_settings(self.settings)
        except OSError:
            log.warning("could not save the settings", exc_info=True)
        self.sig_signed_in.emit(actor)
        self.accept()

    def _close_shared(self) -> None:
        if self.shared_url is None:
            return
        if self.runner is not None:
            self.runner.shutdown()
            self.runner.deleteLater()
            self.runner = None
        if self.database is not None:
            self.database.dispose()
            self.database = None

    def _sign_out(self) -> None:
        """Back to the start: no actor; in Shared mode the connection is closed."""
        self._close_shared()
        self._pending = None
        self._password = ""
        self.actor = None
        self._set_busy(False)

    def _on_shared_lookup_failed(self, exc: BaseException) -> None:
        # The role could connect but is no app user: close this connection, allow another login.
        self._close_shared()
        self._pending = None
        self._on_sign_in_failed(exc)

    def _on_sign_in_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self._show_failure(exc)

    def _show_failure(self, exc: BaseException) -> None:
        if isinstance(exc, AuthenticationFailed) and exc.reason == "disabled":
            message = self.tr("This login is disabled. Ask an administrator.")
        elif isinstance(exc, AuthenticationFailed) and exc.reason != "no_app_user":
            message = self.tr("Wrong login or password. Please try again.")
        elif isinstance(exc, (NotFound, AuthenticationFailed)):
            message = self.tr("This database login has no crm-desktop user. Ask an administrator.")
        elif isinstance(exc, UserError):
            message = str(exc)
        else:
            assert self.runner is not None or self.shared_url is not None
            from crm_desktop.ui.errors import show_error

            (self.runner.show_error if self.runner is not None else show_error)(self, exc)
            return
        self.error_label.set_error(message)
        self.password_edit.selectAll()
        self.password_edit.setFocus()

    def reject(self) -> None:
        if self._busy:
            return
        super().reject()


# =========================================================================== new connection


class ConnectionEditor(QDialog):
    """A new Shared-mode connection profile: server, database, user and TLS. The URL it makes
    holds no password (``profile()``)."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._sslmode_touched = False
        self.editing_name: str | None = None  # the name of the profile being edited
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.labels = {
            key: QLabel(self)
            for key in ("name", "host", "port", "database", "user", "sslmode", "ca")
        }
        self.name_edit = QLineEdit(self)
        self.host_edit = QLineEdit(self)
        self.port_spin = QSpinBox(self)
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(DEFAULT_PORT)
        self.database_edit = QLineEdit(self)
        self.database_edit.setText("crm")
        self.user_edit = QLineEdit(self)
        self.sslmode_combo = QComboBox(self)
        for mode in SSL_MODES:
            self.sslmode_combo.addItem(mode, mode)
        self.ca_edit = QLineEdit(self)
        self.ca_button = QPushButton(self)
        ca_row = QHBoxLayout()
        ca_row.setContentsMargins(0, 0, 0, 0)
        ca_row.addWidget(self.ca_edit, 1)
        ca_row.addWidget(self.ca_button)
        ca_box = QWidget(self)
        ca_box.setLayout(ca_row)
        form.addRow(self.labels["name"], self.name_edit)
        form.addRow(self.labels["host"], self.host_edit)
        form.addRow(self.labels["port"], self.port_spin)
        form.addRow(self.labels["database"], self.database_edit)
        form.addRow(self.labels["user"], self.user_edit)
        form.addRow(self.labels["sslmode"], self.sslmode_combo)
        form.addRow(self.labels["ca"], ca_box)
        layout.addLayout(form)
        self.ssl_note = QLabel(self)
        self.ssl_note.setObjectName("muted")
        self.ssl_note.setWordWrap(True)
        layout.addWidget(self.ssl_note)
        self.error_label = ErrorLabel(self, object_name="formError")
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._set_sslmode(default_sslmode(None))
        self.sslmode_combo.activated.connect(self._on_sslmode_combo_activated)
        self.ca_edit.textChanged.connect(self._on_ca_edit_text_changed)
        self.ca_button.clicked.connect(self._on_ca_button_clicked)
        self.retranslate_ui()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("New connection"))
        texts = {
            "name": self.tr("Name:"),
            "host": self.tr("Server:"),
            "port": self.tr("Port:"),
            "database": self.tr("Database:"),
            "user": self.tr("User:"),
            "sslmode": self.tr("SSL mode:"),
            "ca": self.tr("Server CA file:"),
        }
        for key, text in texts.items():
            self.labels[key].setText(text)
        self.ca_button.setText(self.tr("Choose…"))
        self.ssl_note.setText(
            self.tr(
                "verify-full (recommended) checks the server's certificate against its CA file; "
                "require encrypts without checking; disable sends everything in clear text."
            )
        )

    @property
    def sslmode(self) -> str:
        return str(self.sslmode_combo.currentData())

    def _set_sslmode(self, mode: str) -> None:
        self.sslmode_combo.setCurrentIndex(max(0, self.sslmode_combo.findData(mode)))

    @Slot(int)
    def _on_sslmode_combo_activated(self, _index: int) -> None:
        self._sslmode_touched = True  # the user's choice: the CA file no longer changes it

    @Slot(str)
    def _on_ca_edit_text_changed(self, text: str) -> None:
        self.error_label.set_error(None)
        if not self._sslmode_touched:
            self._set_sslmode(default_sslmode(text.strip() or None))

    @Slot()
    def _on_ca_button_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("The server's CA certificate"),
            self.ca_edit.text(),
            self.tr("Certificates (*.crt *.pem *.cer);;All files (*)"),
        )
        if path:
            self.ca_edit.setText(path)

    def url(self) -> str:
        ca = self.ca_edit.text().strip() or None
        return build_postgres_url(
            host=self.host_edit.text(),
            port=self.port_spin.value(),
            database=self.database_edit.text(),
            user=self.user_edit.text().strip().lower() or None,
            sslmode=self.sslmode,
            ca_file=ca,
        )

    def load_profile(self, profile: Profile) -> None:
        """Edit ``profile`` (a PostgreSQL one): its fields fill the form; the name may stay."""
        from urllib.parse import unquote

        parts = urlsplit(profile.url)
        query = dict(parse_qsl(parts.query))
        self.editing_name = profile.name
        self.name_edit.setText(profile.name)
        self.host_edit.setText(parts.hostname or "")
        self.port_spin.setValue(parts.port or DEFAULT_PORT)
        self.database_edit.setText(unquote(parts.path.lstrip("/")))
        self.user_edit.setText(profile.user or unquote(parts.username or ""))
        self.ca_edit.setText(query.get("sslrootcert", ""))
        mode = query.get("sslmode")
        if mode in SSL_MODES:
            self._set_sslmode(mode)
            self._sslmode_touched = True

    def profile(self) -> Profile:
        user = self.user_edit.text().strip().lower() or None
        return Profile(name=self.name_edit.text().strip(), url=self.url(), user=user)

    def problem(self) -> tuple[QWidget, str] | None:
        """The first field that is not right, with what to say; None when all are."""
        from pathlib import Path

        name = self.name_edit.text().strip()
        if not name:
            return self.name_edit, self.tr("Give the connection a name.")
        if name == LOCAL_PROFILE or (name in self.settings.profiles and name != self.editing_name):
            return self.name_edit, self.tr("A connection with this name exists already.")
        if not self.host_edit.text().strip():
            return self.host_edit, self.tr("Enter the server's name or address.")
        if not self.database_edit.text().strip():
            return self.database_edit, self.tr("Enter the database name.")
        ca = self.ca_edit.text().strip()
        if self.sslmode == "verify-full" and not ca:
            return self.ca_edit, self.tr("verify-full needs the server's CA file.")
        if ca and self.sslmode != "disable" and not Path(ca).is_file():
            return self.ca_edit, self.tr("The CA file does not exist.")
        return None

    @Slot()
    def _on_buttons_accepted(self) -> None:
        problem = self.problem()
        if problem is not None:
            widget, message = problem
            self.error_label.set_error(message)
            widget.setFocus()
            return
        self.accept()


# =========================================================================== new password


class ChangePasswordDialog(QDialog):
    """The signed-in user must choose a new password (``users.change_own_password``) before
    working; ``new_password`` holds it once accepted. Cancel means: sign out."""

    def __init__(
        self,
        *,
        runner: OpRunner,
        actor: Actor,
        old_password: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        from crm_desktop.services.users import MIN_PASSWORD_LENGTH

        self.runner = runner
        self.actor = actor
        self.new_password: str | None = None
        self._old_password = old_password
        self._min_length = MIN_PASSWORD_LENGTH
        self._busy = False
        self.setMinimumWidth(400)
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        self.text_label = QLabel(self)
        self.text_label.setWordWrap(True)
        layout.addWidget(self.text_label)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.new_label = QLabel(self)
        self.repeat_label = QLabel(self)
        self.new_edit = QLineEdit(self)
        self.new_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat_edit = QLineEdit(self)
        self.repeat_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(self.new_label, self.new_edit)
        form.addRow(self.repeat_label, self.repeat_edit)
        layout.addLayout(form)
        self.error_label = ErrorLabel(self, object_name="formError")
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(self)
        self.ok_button = QPushButton(self)
        self.ok_button.setDefault(True)
        self.buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.new_edit.textEdited.connect(self._on_field_text_edited)
        self.repeat_edit.textEdited.connect(self._on_field_text_edited)
        self.new_edit.setFocus()
        self.retranslate_ui()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("Choose a new password"))
        self.text_label.setText(
            self.tr(
                "{name}, your password was set by an administrator or by a copy of the database. "
                "Choose a new password of your own to continue."
            ).format(name=self.actor.display_name)
        )
        self.new_label.setText(self.tr("New password:"))
        self.repeat_label.setText(self.tr("Repeat password:"))
        self.new_edit.setPlaceholderText(
            self.tr("at least {count} characters").format(count=self._min_length)
        )
        self.ok_button.setText(self.tr("Saving…") if self._busy else self.tr("Change password"))

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (self.new_edit, self.repeat_edit, self.ok_button, self.cancel_button):
            widget.setEnabled(not busy)
        self.retranslate_ui()

    @Slot(str)
    def _on_field_text_edited(self, _text: str) -> None:
        self.error_label.set_error(None)

    def problem(self) -> tuple[QLineEdit, str] | None:
        from crm_desktop.services.users import validate_password

        password = self.new_edit.text()
        try:
            validate_password(password)
        except ValidationError:
            return self.new_edit, self.tr("Use at least {count} characters.").format(
                count=self._min_length
            )
        if self._old_password is not None and password == self._old_password:
            return self.new_edit, self.tr("Choose a password different from the current one.")
        if self.repeat_edit.text() != password:
            return self.repeat_edit, self.tr("The two passwords differ.")
        return None

    @Slot()
    def _on_buttons_accepted(self) -> None:
        if self._busy:
            return
        problem = self.problem()
        if problem is not None:
            widget, message = problem
            self.error_label.set_error(message)
            widget.selectAll()
            widget.setFocus()
            return
        from crm_desktop.services.users import change_own_password

        password = self.new_edit.text()
        self._set_busy(True)
        self.runner.op(
            self, change_own_password, actor=self.actor, new_password=password
        ).on_success(lambda _none: self._on_changed(password)).on_failure(
            self._on_change_failed
        ).run()

    def _on_changed(self, password: str) -> None:
        self._set_busy(False)
        self.new_password = password
        self.accept()

    def _on_change_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, UserError):
            self.error_label.set_error(str(exc))
        else:
            self.runner.show_error(self, exc)

    def reject(self) -> None:
        if self._busy:
            return
        super().reject()
