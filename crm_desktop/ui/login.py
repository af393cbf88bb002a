"""Signing in: a Single-mode app login checked by the service, or, in Shared mode, the
PostgreSQL login role whose password opens the database itself."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit, urlunsplit

from PySide6.QtCore import QEvent, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.errors import AuthenticationFailed, DatabaseError, NotFound, UserError
from crm_desktop.core.settings import Settings, save_settings
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


class LoginDialog(QDialog):
    """Asks for login and password; stays open with a message until they are right.

    Single mode needs ``runner`` (the open database). Shared mode needs ``shared_url`` (a
    PostgreSQL URL without password): signing in opens the database, available afterwards as
    ``database`` with its ``runner``.
    """

    sig_signed_in = Signal(object)
    """Sign-in succeeded; carries the Actor."""

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
        self._company_name = company_name
        self._busy = False
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
        self.login_edit = QLineEdit(self)
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.login_label = QLabel(self)
        self.password_label = QLabel(self)
        form.addRow(self.login_label, self.login_edit)
        form.addRow(self.password_label, self.password_edit)
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

        login = initial_login or (url_user(shared_url) if shared_url else None)
        login = login or settings.last_login or ""
        self.login_edit.setText(login)
        if initial_password:
            self.password_edit.setText(initial_password)
        (self.password_edit if login else self.login_edit).setFocus()
        self.login_edit.textEdited.connect(self._on_field_text_edited)
        self.password_edit.textEdited.connect(self._on_field_text_edited)
        self.retranslate_ui()

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

    # ----------------------------------------------------------------- signing in

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (self.login_edit, self.password_edit, self.sign_in_button):
            widget.setEnabled(not busy)
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
        if self.shared_url is not None:
            self._sign_in_shared(login, password)
            return
        from crm_desktop.services.users import authenticate

        assert self.runner is not None
        self._set_busy(True)
        self.runner.op(self, authenticate, login=login, password=password).on_success(
            self._on_signed_in
        ).on_failure(self._on_sign_in_failed).run()

    def _sign_in_shared(self, login: str, password: str) -> None:
        from crm_desktop.services.database import open_database
        from crm_desktop.ui.ops import OpRunner

        assert self.shared_url is not None
        if self.database is None:
            self._set_busy(True)
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                self.database = open_database(
                    url_with_user(self.shared_url, login), password=password
                )
            except DatabaseError as exc:
                self._set_busy(False)
                self._show_failure(exc)
                return
            finally:
                QApplication.restoreOverrideCursor()
            self.runner = OpRunner(self.database, parent=self)
        self._set_busy(True)
        assert self.runner is not None
        from crm_desktop.services.users import sign_in_shared

        # The PostgreSQL login that connected is the identity (current_user), not the text typed.
        self.runner.op(self, sign_in_shared).on_success(self._on_signed_in).on_failure(
            self._on_shared_lookup_failed
        ).run()

    def _on_signed_in(self, actor: Actor) -> None:
        self._set_busy(False)
        self.actor = actor
        self.settings.last_login = actor.login
        try:
            save_settings(self.settings)
        except OSError:
            log.warning("could not save the settings", exc_info=True)
        self.sig_signed_in.emit(actor)
        self.accept()

    def _on_shared_lookup_failed(self, exc: BaseException) -> None:
        # The role could connect but is no app user: close this connection, allow another login.
        if self.runner is not None:
            self.runner.shutdown()
            self.runner.deleteLater()
            self.runner = None
        if self.database is not None:
            self.database.dispose()
            self.database = None
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
