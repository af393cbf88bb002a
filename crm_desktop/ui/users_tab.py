"""Admin → Users: who may sign in — add a user (in Shared mode with a PostgreSQL login role),
reset a password, and disable a login, which starts the handover wizard (离职交接)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QLocale, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.services.config import BranchRow, list_branches
from crm_desktop.services.users import (
    LOGIN_RE,
    MIN_PASSWORD_LENGTH,
    UserRow,
    create_user,
    list_users,
    reset_password,
)
from crm_desktop.ui.admin_page import _ConfigTab
from crm_desktop.ui.style import MUTED_COLOR
from crm_desktop.ui.widgets import ErrorLabel, with_error

if TYPE_CHECKING:
    from crm_desktop.ui.admin_page import AdminPage

__all__ = ["NewUser", "PasswordDialog", "UserDialog", "UsersTab"]

ROLES = ("sales", "manager", "admin")


@dataclass(frozen=True)
class NewUser:
    """What the Add user dialog gives."""

    login: str
    display_name: str
    role: str
    branch_code: str | None
    email: str | None
    password: str


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setHorizontalSpacing(16)
    form.setVerticalSpacing(10)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return form


class _PasswordFields:
    """A password and its repetition, checked beside the fields."""

    def __init__(self, owner: QDialog, form: QFormLayout) -> None:
        self.owner = owner
        self.password_edit = QLineEdit(owner)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat_edit = QLineEdit(owner)
        self.repeat_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_error = ErrorLabel(owner)
        self.repeat_error = ErrorLabel(owner)
        self.password_label = QLabel(owner)
        self.repeat_label = QLabel(owner)
        form.addRow(self.password_label, with_error(self.password_edit, self.password_error))
        form.addRow(self.repeat_label, with_error(self.repeat_edit, self.repeat_error))

    def retranslate(self) -> None:
        self.password_label.setText(QCoreApplication.translate("PasswordFields", "Password:"))
        self.repeat_label.setText(QCoreApplication.translate("PasswordFields", "Repeat password:"))
        self.password_edit.setPlaceholderText(
            QCoreApplication.translate("PasswordFields", "at least {count} characters").format(
                count=MIN_PASSWORD_LENGTH
            )
        )

    def check(self) -> bool:
        password = self.password_edit.text()
        self.password_error.set_error(None)
        self.repeat_error.set_error(None)
        if len(password) < MIN_PASSWORD_LENGTH:
            self.password_error.set_error(
                QCoreApplication.translate(
                    "PasswordFields", "Use at least {count} characters."
                ).format(count=MIN_PASSWORD_LENGTH)
            )
            self.password_edit.setFocus()
            return False
        if self.repeat_edit.text() != password:
            self.repeat_error.set_error(
                QCoreApplication.translate("PasswordFields", "The two passwords differ.")
            )
            self.repeat_edit.setFocus()
            return False
        return True


class UserDialog(QDialog):
    """Add a user: login, name, role, branch, email and a first password."""

    def __init__(self, branches: Sequence[BranchRow], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        form = _form()
        self.login_edit = QLineEdit(self)
        self.login_edit.setMaxLength(63)
        self.login_error = ErrorLabel(self)
        self.name_edit = QLineEdit(self)
        self.name_edit.setMaxLength(200)
        self.name_error = ErrorLabel(self)
        self.role_combo = QComboBox(self)
        self.branch_combo = QComboBox(self)
        self.email_edit = QLineEdit(self)
        self.labels = [QLabel(self) for _ in range(5)]
        form.addRow(self.labels[0], with_error(self.login_edit, self.login_error))
        form.addRow(self.labels[1], with_error(self.name_edit, self.name_error))
        form.addRow(self.labels[2], self.role_combo)
        form.addRow(self.labels[3], self.branch_combo)
        form.addRow(self.labels[4], self.email_edit)
        self.passwords = _PasswordFields(self, form)
        layout.addLayout(form)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setStyleSheet(f"color: {MUTED_COLOR};")
        layout.addWidget(self.note)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.branches = tuple(branches)
        self.retranslate_ui()
        self.role_combo.setCurrentIndex(0)
        self.setMinimumWidth(460)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("Add user"))
        for label, text in zip(
            self.labels,
            (
                self.tr("Login:"),
                self.tr("Display name:"),
                self.tr("Role:"),
                self.tr("Branch:"),
                self.tr("Email:"),
            ),
            strict=True,
        ):
            label.setText(text)
        self.login_edit.setPlaceholderText(self.tr("e.g. li.na"))
        self.name_edit.setPlaceholderText(self.tr("e.g. Li Na"))
        role = self.role_combo.currentIndex()
        self.role_combo.clear()
        for code in ROLES:
            self.role_combo.addItem(self.role_text(code), code)
        self.role_combo.setCurrentIndex(max(role, 0))
        branch = self.branch_combo.currentIndex()
        self.branch_combo.clear()
        self.branch_combo.addItem(self.tr("(none)"), None)
        for b in self.branches:
            self.branch_combo.addItem(f"{b.name} ({b.code})", b.code)
        self.branch_combo.setCurrentIndex(max(branch, 0))
        self.passwords.retranslate()
        self.note.setText(
            self.tr(
                "On a shared server the login becomes a database login with this password. "
                "Tell the person their password in person; they can change it later."
            )
        )

    def role_text(self, role: str) -> str:
        names = {"sales": self.tr("Sales"), "manager": self.tr("Manager")}
        return names.get(role, self.tr("Administrator") if role == "admin" else role)

    def value(self) -> NewUser:
        return NewUser(
            login=self.login_edit.text().strip().lower(),
            display_name=self.name_edit.text().strip(),
            role=str(self.role_combo.currentData()),
            branch_code=self.branch_combo.currentData(),
            email=self.email_edit.text().strip() or None,
            password=self.passwords.password_edit.text(),
        )

    def accept(self) -> None:
        login = self.login_edit.text().strip().lower()
        self.login_error.set_error(None)
        self.name_error.set_error(None)
        if not LOGIN_RE.match(login):
            self.login_error.set_error(
                self.tr(
                    "Use 2 to 63 lower-case letters, digits, “.”, “_” or “-”, starting with a "
                    "letter."
                )
            )
            self.login_edit.setFocus()
            return
        if not self.name_edit.text().strip():
            self.name_error.set_error(self.tr("Enter the name other users will see."))
            self.name_edit.setFocus()
            return
        if not self.passwords.check():
            return
        super().accept()


class PasswordDialog(QDialog):
    """A new password for one user, typed twice."""

    def __init__(self, user_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.user_name = user_name
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        form = _form()
        self.passwords = _PasswordFields(self, form)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)
        self.setWindowTitle(self.tr("Reset password"))
        self.intro.setText(self.tr("A new password for {name}:").format(name=user_name))
        self.passwords.retranslate()

    def password(self) -> str:
        return self.passwords.password_edit.text()

    def accept(self) -> None:
        if self.passwords.check():
            super().accept()


class UsersTab(_ConfigTab):
    """The users as a table (login, name, role, branch, active); Add user…, Reset password…,
    Disable… (the handover wizard: their customers go to heirs, then the login is disabled).

    Prompts are attributes tests can replace: ``ask_new_user(branches) -> NewUser | None``,
    ``ask_password(user) -> str | None``, ``open_handover(user)``."""

    COLUMNS = ("login", "name", "role", "branch", "active")

    sig_user_added = Signal(object)
    """A user was added; carries their UserRow."""

    def __init__(self, page: AdminPage) -> None:
        super().__init__(page)
        self.users: tuple[UserRow, ...] = ()
        self.branches: tuple[BranchRow, ...] = ()
        self.ask_new_user: Callable[[Sequence[BranchRow]], NewUser | None] = self._ask_new_user
        self.ask_password: Callable[[UserRow], str | None] = self._ask_password
        self.open_handover: Callable[[UserRow], None] = self._open_handover
        self.wizard: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        self.intro_label = QLabel(self)
        self.intro_label.setWordWrap(True)
        layout.addWidget(self.intro_label)
        self.table = QTableWidget(0, len(self.COLUMNS), self)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.count_label = QLabel(self)
        self.count_label.setStyleSheet(f"color: {MUTED_COLOR};")
        layout.addWidget(self.count_label)
        layout.addWidget(self.message_label)
        layout.addWidget(self.info_label)
        row = QHBoxLayout()
        self.add_button = QPushButton(self)
        self.password_button = QPushButton(self)
        self.disable_button = QPushButton(self)
        row.addWidget(self.add_button)
        row.addWidget(self.password_button)
        row.addStretch(1)
        row.addWidget(self.disable_button)
        layout.addLayout(row)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(self._on_table_item_double_clicked)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.password_button.clicked.connect(self._on_password_button_clicked)
        self.disable_button.clicked.connect(self._on_disable_button_clicked)
        self.retranslate_ui()
        self._update_buttons()

    def role_text(self, role: str) -> str:
        names = {"sales": self.tr("Sales"), "manager": self.tr("Manager")}
        return names.get(role, self.tr("Administrator") if role == "admin" else role)

    def retranslate_ui(self) -> None:
        self.intro_label.setText(
            self.tr(
                "Everyone who may sign in. Disabling a login first hands the person's customers "
                "over (离职交接): to colleagues by grade, by region or one by one, or to the "
                "public pool."
            )
        )
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Login"),
                self.tr("Name"),
                self.tr("Role"),
                self.tr("Branch"),
                self.tr("Active"),
            ]
        )
        self.add_button.setText(self.tr("Add user…"))
        self.password_button.setText(self.tr("Reset password…"))
        self.disable_button.setText(self.tr("Disable and hand over…"))
        self.disable_button.setToolTip(
            self.tr("Hand this person's customers over, then disable the login")
        )
        if self.users:
            self._fill()

    # ----------------------------------------------------------------- data

    def refresh(self) -> None:
        self.page.run_op(list_branches, read_only=True).on_success(self._on_branches_loaded)
        self.page.run_op(list_users, read_only=True).on_success(self._on_loaded)

    def _on_branches_loaded(self, branches: list[BranchRow]) -> None:
        self.branches = tuple(branches)

    def _on_loaded(self, users: list[UserRow]) -> None:
        chosen = self.selected()
        self.users = tuple(users)
        self._fill()
        if chosen is not None:
            self.select_login(chosen.login)
        self._update_buttons()
        self.sig_loaded.emit()

    def _fill(self) -> None:
        self.table.setRowCount(len(self.users))
        for row, user in enumerate(self.users):
            texts = (
                user.login,
                user.display_name,
                self.role_text(user.role),
                user.branch or "",
                self.tr("yes") if user.active else self.tr("disabled"),
            )
            for column, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if not user.active:
                    item.setForeground(Qt.GlobalColor.gray)
                self.table.setItem(row, column, item)
        active = sum(1 for u in self.users if u.active)
        self.count_label.setText(
            self.tr("{active} active of {total} users").format(
                active=QLocale().toString(active), total=QLocale().toString(len(self.users))
            )
        )

    def selected(self) -> UserRow | None:
        model = self.table.selectionModel()
        rows = model.selectedRows() if model is not None else []
        if not rows or rows[0].row() >= len(self.users):
            return None
        return self.users[rows[0].row()]

    def select_login(self, login: str) -> None:
        for row, user in enumerate(self.users):
            if user.login == login:
                self.table.selectRow(row)
                return

    @Slot()
    def _update_buttons(self) -> None:
        user = self.selected()
        me = user is not None and user.id == self.page.actor.id
        self.password_button.setEnabled(user is not None and user.active)
        self.disable_button.setEnabled(user is not None and user.active and not me)

    # ----------------------------------------------------------------- actions

    @Slot()
    def _on_add_button_clicked(self) -> None:
        new = self.ask_new_user(self.branches)
        if new is None:
            return

        def done(row: Any) -> None:
            self.say(
                self.tr("Added {name} ({login}).").format(name=row.display_name, login=row.login),
                error=False,
            )
            self.sig_user_added.emit(row)

        self.change(
            create_user,
            done=done,
            login=new.login,
            display_name=new.display_name,
            role=new.role,
            password=new.password,
            email=new.email,
            branch_code=new.branch_code,
        )

    @Slot()
    def _on_password_button_clicked(self) -> None:
        user = self.selected()
        if user is None:
            return
        password = self.ask_password(user)
        if password is None:
            return

        def done(_row: Any) -> None:
            self.say(
                self.tr("The password of {name} was reset.").format(name=user.display_name),
                error=False,
            )

        self.change(reset_password, done=done, login=user.login, password=password)

    @Slot(object)
    def _on_table_item_double_clicked(self, _item: QTableWidgetItem) -> None:
        if self.password_button.isEnabled():
            self._on_password_button_clicked()

    @Slot()
    def _on_disable_button_clicked(self) -> None:
        user = self.selected()
        if user is not None and self.disable_button.isEnabled():
            self.open_handover(user)

    # ----------------------------------------------------------------- default prompts

    def _ask_new_user(self, branches: Sequence[BranchRow]) -> NewUser | None:
        dialog = UserDialog(branches, self)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                return dialog.value()
            return None
        finally:
            dialog.deleteLater()

    def _ask_password(self, user: UserRow) -> str | None:
        dialog = PasswordDialog(user.display_name, self)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                return dialog.password()
            return None
        finally:
            dialog.deleteLater()

    def _open_handover(self, user: UserRow) -> None:
        from crm_desktop.ui.handover_wizard import HandoverWizard

        wizard = HandoverWizard(
            self.page.actor, self.page.runner, self.users, from_user_id=user.id, parent=self
        )
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        wizard.sig_handed_over.connect(self._on_wizard_handed_over)
        self.wizard = wizard
        wizard.show()

    @Slot(object)
    def _on_wizard_handed_over(self, _result: object) -> None:
        self.page.sig_config_changed.emit()
        self.refresh()
