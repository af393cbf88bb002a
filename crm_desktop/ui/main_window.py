"""The main window: navigation on the left, one page per area, status bar with database and user."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QByteArray, QCoreApplication, QEvent, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.settings import Settings, save_settings
from crm_desktop.services.context import Actor
from crm_desktop.ui.customers_page import CustomersPage
from crm_desktop.ui.icons import app_icon, app_pixmap, line_icon, line_pixmap
from crm_desktop.ui.style import scaled_font
from crm_desktop.ui.widgets import ElidedLabel, EmptyState, PageHeader

if TYPE_CHECKING:
    from pathlib import Path

    from crm_desktop.services.database import Database
    from crm_desktop.ui.admin_page import AdminPage
    from crm_desktop.ui.i18n import Translations
    from crm_desktop.ui.live import LiveUpdates
    from crm_desktop.ui.mail_page import MailPage
    from crm_desktop.ui.ops import OpRunner
    from crm_desktop.ui.pool_page import PoolPage
    from crm_desktop.ui.reminders import ReminderBanner, ReminderService
    from crm_desktop.ui.reports_page import ReportsPage
    from crm_desktop.ui.shortcuts_dialog import ShortcutEntry
    from crm_desktop.ui.today_page import TodayPage

log = logging.getLogger(__name__)

PAGE_KEYS: tuple[str, ...] = ("customers", "today", "pool", "mail", "reports", "admin")
GEOMETRY_KEY = "main_window"
DEFAULT_SIZE = QSize(1200, 750)
SIDEBAR_WIDTH = 220


@dataclass(frozen=True)
class PageText:
    title: str
    subtitle: str
    headline: str
    body: str
    hint: str


def role_label(role: str) -> str:
    """The role as users call it (GLOSSARY: 销售 / 经理 / 管理员)."""
    labels = {
        "sales": QCoreApplication.translate("MainWindow", "Salesperson"),
        "manager": QCoreApplication.translate("MainWindow", "Manager"),
        "admin": QCoreApplication.translate("MainWindow", "Administrator"),
    }
    return labels.get(role, role)


def page_text(key: str, actor: Actor) -> PageText:
    """The words of one page, in the current language."""
    if key == "customers":
        # The Customers page has its own empty states (customers_page.py).
        return PageText(
            QCoreApplication.translate("MainWindow", "Customers"),
            QCoreApplication.translate(
                "MainWindow", "Every customer file of the company, graded and placed by region."
            ),
            "",
            "",
            "",
        )
    if key == "today":
        # The Today page has its own empty states (today_page.py).
        return PageText(
            QCoreApplication.translate("MainWindow", "Today"),
            QCoreApplication.translate(
                "MainWindow", "Follow-ups due today and overdue, so that nothing slips."
            ),
            "",
            "",
            "",
        )
    if key == "pool":
        # The pool page has its own empty states (pool_page.py).
        return PageText(
            QCoreApplication.translate("MainWindow", "Public pool"),
            QCoreApplication.translate(
                "MainWindow",
                "Customers without an owner: claim one to make it yours, and see who followed "
                "it up before.",
            ),
            "",
            "",
            "",
        )
    if key == "mail":
        # The Mail page has its own empty states (mail_page.py).
        return PageText(
            QCoreApplication.translate("MainWindow", "Mail"),
            QCoreApplication.translate(
                "MainWindow",
                "Customer email kept with the company: link what matched no customer, search "
                "all the mail you may see.",
            ),
            "",
            "",
            "",
        )
    if key == "reports":
        # The Reports page has its own panel (reports_page.py).
        return PageText(
            QCoreApplication.translate("MainWindow", "Reports"),
            QCoreApplication.translate(
                "MainWindow",
                "PDF reports with the company header: preview, print or save. Every print and "
                "save is recorded in the audit log.",
            ),
            "",
            "",
            "",
        )
    if key == "admin":
        hint = (
            QCoreApplication.translate(
                "MainWindow",
                "Meanwhile manage users from the command line: "
                "<code>crm-desktop users add LOGIN --role sales</code>, "
                "<code>crm-desktop users list</code> and "
                "<code>crm-desktop users disable LOGIN</code>.",
            )
            if actor.is_admin
            else QCoreApplication.translate(
                "MainWindow",
                "Only administrators can change these settings; ask yours when something "
                "needs to change.",
            )
        )
        return PageText(
            QCoreApplication.translate("MainWindow", "Admin"),
            QCoreApplication.translate(
                "MainWindow", "Users, branches, regions, grades and public-pool rules."
            ),
            QCoreApplication.translate(
                "MainWindow", "Administration screens come in the next releases"
            ),
            QCoreApplication.translate(
                "MainWindow",
                "Here administrators will add and disable users, hand a departing salesperson's "
                "customers over to colleagues or the public pool, and edit branches, regions, "
                "grades and reclaim rules.",
            ),
            hint,
        )
    raise KeyError(key)


class Page(QWidget):
    """One area of the main window: title, optional content, and an empty-state card."""

    def __init__(self, key: str, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self._actor = actor
        self.setObjectName("page")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.page_layout = QVBoxLayout(self)
        self.page_layout.setContentsMargins(36, 28, 36, 28)
        self.page_layout.setSpacing(20)
        self.header = PageHeader(self)
        self.empty_state = EmptyState(key, self)
        self.page_layout.addWidget(self.header)
        self.content = QVBoxLayout()
        self.content.setSpacing(12)
        self.page_layout.addLayout(self.content)
        self.page_layout.addWidget(self.empty_state)
        self.page_layout.addStretch(1)

    def retranslate_ui(self) -> None:
        text = page_text(self.key, self._actor)
        self.header.set_texts(text.title, text.subtitle)
        self.empty_state.set_texts(text.headline, text.body, text.hint)


def _open_customer_file(
    parent: QWidget,
    runner: OpRunner,
    actor: Actor,
    customer_id: int | None,
    *,
    settings: Settings,
) -> None:
    # Imported when first used: the customer file is not needed to show the list.
    from crm_desktop.ui.customer_file import open_customer_file

    open_customer_file(parent, runner, actor, customer_id, settings=settings)


class MainWindow(QMainWindow):
    """The window a signed-in user works in."""

    sig_page_changed = Signal(str)
    """Another page was shown; carries its key (customers, today, pool, mail, reports, admin)."""

    sig_company_loaded = Signal(str)
    """The company name arrived from the database."""

    sig_customers_changed = Signal()
    """Customers were saved, created or deleted elsewhere (e.g. a customer file): the
    Customers page reloads its list, keeping the current row."""

    sig_closed = Signal()
    """The window closed (its close was not refused or deferred)."""

    sig_switch_database = Signal(str)
    """The user chose another database (File → Database connections…); carries the profile
    name. The app closes this window and opens that database."""

    def __init__(
        self,
        *,
        db: Database,
        actor: Actor,
        settings: Settings,
        runner: OpRunner,
        translations: Translations,
        company_name: str | None = None,
    ) -> None:
        super().__init__()
        self.db = db
        self.actor = actor
        self.settings = settings
        self.runner = runner
        self.translations = translations
        self.company_name = company_name
        # The connection profile this window's database came from (the app sets it; None when
        # started with --database URL).
        self.profile_name: str | None = settings.default_profile
        self._dialogs: list[QWidget] = []
        # Opens a customer file: (parent, runner, actor, customer id or None, settings=…).
        # Replaceable per window (tests record the calls instead of opening windows).
        self.customer_file_opener: Callable[..., object] = _open_customer_file
        self.setWindowIcon(app_icon())
        self._build_ui()
        self._build_menus()
        self._build_status_bar()
        self._reminders: ReminderService | None = None
        self._reminder_banner: ReminderBanner | None = None
        self.live: LiveUpdates | None = None  # Shared mode: changes of other clients
        self.retranslate_ui()
        self._restore_geometry()
        if company_name is None:
            self._load_company()

    # ----------------------------------------------------------------- construction

    def _build_ui(self) -> None:
        central = QWidget(self)
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)

        sidebar = QFrame(central)
        sidebar.setObjectName("sidebar")
        sidebar.setFixedWidth(SIDEBAR_WIDTH)
        column = QVBoxLayout(sidebar)
        column.setContentsMargins(12, 16, 12, 12)
        column.setSpacing(12)
        brand = QHBoxLayout()
        brand.setSpacing(10)
        logo = QLabel(sidebar)
        logo.setPixmap(app_pixmap(32))
        logo.setFixedSize(32, 32)
        brand.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        names = QVBoxLayout()
        names.setSpacing(0)
        self.company_label = QLabel(sidebar)
        self.company_label.setObjectName("sidebarTitle")
        self.company_label.setFont(scaled_font(self.company_label, 1.05, bold=True))
        self.company_label.setWordWrap(True)
        self.product_label = QLabel("crm-desktop", sidebar)
        self.product_label.setObjectName("sidebarSubtitle")
        self.product_label.setFont(scaled_font(self.product_label, 0.9))
        names.addWidget(self.company_label)
        names.addWidget(self.product_label)
        brand.addLayout(names, 1)
        column.addLayout(brand)
        column.addSpacing(4)

        self.nav = QListWidget(sidebar)
        self.nav.setObjectName("navigation")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setFont(scaled_font(self.nav, 1.05))
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        column.addWidget(self.nav, 1)

        user_row = QHBoxLayout()
        user_row.setSpacing(8)
        user_icon = QLabel(sidebar)
        user_icon.setPixmap(line_pixmap("user", 18, "#5f6368"))
        user_row.addWidget(user_icon, 0, Qt.AlignmentFlag.AlignTop)
        who = QVBoxLayout()
        who.setSpacing(0)
        self.sidebar_user_label = QLabel(self.actor.display_name, sidebar)
        self.sidebar_user_label.setObjectName("sidebarTitle")
        self.sidebar_role_label = QLabel(sidebar)
        self.sidebar_role_label.setObjectName("sidebarSubtitle")
        self.sidebar_role_label.setFont(scaled_font(self.sidebar_role_label, 0.9))
        who.addWidget(self.sidebar_user_label)
        who.addWidget(self.sidebar_role_label)
        user_row.addLayout(who, 1)
        column.addLayout(user_row)
        row.addWidget(sidebar)

        self.stack = QStackedWidget(central)
        self.customers_page = CustomersPage(self.actor, self.runner, self.settings, self.stack)
        self.customers_page.sig_open_customer.connect(self._on_customers_page_sig_open_customer)
        self.customers_page.sig_new_customer.connect(self._on_customers_page_sig_new_customer)
        self.sig_customers_changed.connect(self.customers_page.refresh)
        # Ask for the list now: the worker reads while the rest of the window is built.
        self.customers_page.refresh()
        # Only the Customers page is built now; the others (and their imports: ~0.3 s with
        # the follow-up and pool services) when first shown or asked for (_ensure_page).
        self.pages: dict[str, Any] = {"customers": self.customers_page}
        self._page_builders: dict[str, Callable[[], Any]] = {
            "today": self._build_today_page,
            "pool": self._build_pool_page,
            "mail": self._build_mail_page,
            "reports": self._build_reports_page,
            "admin": self._build_admin_page,
        }
        for key in PAGE_KEYS:
            if key not in self.pages and key not in self._page_builders:
                self.pages[key] = Page(key, self.actor, self.stack)
            self.stack.addWidget(self.pages.get(key) or QWidget(self.stack))
            item = QListWidgetItem(line_icon(key), "", self.nav)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setSizeHint(QSize(0, 40))
        # Reminders show in a banner above the pages where there is no system tray; the
        # banner joins this column when the reminders start (after the first paint).
        self._right_column = QVBoxLayout()
        self._right_column.setContentsMargins(0, 0, 0, 0)
        self._right_column.setSpacing(0)
        self._right_column.addWidget(self.stack, 1)
        row.addLayout(self._right_column, 1)
        self.setCentralWidget(central)
        self.nav.currentRowChanged.connect(self._on_nav_current_row_changed)
        self.nav.setCurrentRow(0)

    def _ensure_page(self, key: str) -> Any:
        """The page of ``key``, built (and put in its place in the stack) on first use."""
        page = self.pages.get(key)
        if page is None:
            page = self._page_builders[key]()
            index = PAGE_KEYS.index(key)
            placeholder = self.stack.widget(index)
            self.stack.insertWidget(index, page)
            self.stack.removeWidget(placeholder)
            placeholder.deleteLater()
            self.pages[key] = page
            page.retranslate_ui()
        return page

    @property
    def today_page(self) -> TodayPage:
        return self._ensure_page("today")  # type: ignore[no-any-return]

    @property
    def pool_page(self) -> PoolPage:
        return self._ensure_page("pool")  # type: ignore[no-any-return]

    @property
    def mail_page(self) -> MailPage:
        return self._ensure_page("mail")  # type: ignore[no-any-return]

    @property
    def reports_page(self) -> ReportsPage:
        return self._ensure_page("reports")  # type: ignore[no-any-return]

    @property
    def admin_page(self) -> AdminPage:
        return self._ensure_page("admin")  # type: ignore[no-any-return]

    def _build_today_page(self) -> TodayPage:
        from crm_desktop.ui.today_page import TodayPage

        # The Today page reads when shown, after follow-up changes and every few minutes.
        page = TodayPage(self.actor, self.runner, self.settings, self.stack)
        page.sig_open_customer.connect(self._on_today_page_sig_open_customer)
        return page

    def _build_pool_page(self) -> PoolPage:
        from crm_desktop.ui.pool_page import PoolPage

        # The pool page loads when first shown; afterwards it follows every change.
        page = PoolPage(self.actor, self.runner, self.settings, self.stack)
        page.sig_open_customer.connect(self._on_pool_page_sig_open_customer)
        page.sig_customers_moved.connect(self.customers_page.refresh)
        self.sig_customers_changed.connect(page.on_customers_changed)
        if self.live is not None:
            self.live.sig_changed.connect(page.on_live_changes)
        return page

    def _build_mail_page(self) -> MailPage:
        from crm_desktop.ui.mail_page import MailPage

        # The Mail page loads when first shown; its unlinked count badges the navigation.
        page = MailPage(self.actor, self.runner, self.settings, self.stack)
        page.sig_open_customer.connect(self.open_customer)
        item = self.nav.item(PAGE_KEYS.index("mail"))

        def badge(counts: object) -> None:
            unlinked = getattr(counts, "unlinked", 0)
            title = page_text("mail", self.actor).title
            item.setText(f"{title}  ({unlinked})" if unlinked else title)

        page.sig_counts_loaded.connect(badge)
        return page

    def _build_reports_page(self) -> ReportsPage:
        from crm_desktop.ui.reports_page import ReportsPage

        return ReportsPage(self.actor, self.runner, self.stack, settings=self.settings)

    def _build_admin_page(self) -> AdminPage:
        from crm_desktop.ui.admin_page import AdminPage

        return AdminPage(self.actor, self.runner, self.stack)

    @property
    def reminders(self) -> ReminderService:
        self._ensure_reminders()
        return self._reminders  # type: ignore[return-value]

    @property
    def reminder_banner(self) -> ReminderBanner:
        self._ensure_reminders()
        return self._reminder_banner  # type: ignore[return-value]

    def _ensure_reminders(self) -> None:
        if self._reminders is not None:
            return
        from crm_desktop.ui.reminders import ReminderBanner, ReminderService

        self._reminder_banner = ReminderBanner(self.centralWidget())
        self._right_column.insertWidget(0, self._reminder_banner)
        self._reminders = ReminderService(
            self.runner, self.actor, banner=self._reminder_banner, parent=self
        )
        self._reminders.sig_open_customer.connect(self._on_reminders_sig_open_customer)
        self._reminders.sig_show_today.connect(self._on_reminders_sig_show_today)

    def start_reminders(self) -> None:
        """Start polling for follow-ups falling due (once, after sign-in: when first shown)."""
        if not self.reminders.running:
            self.reminders.start()

    def start_live_updates(self) -> None:
        """Shared mode (PostgreSQL): follow the changes other clients write (once; SQLite has
        one writer and nothing to follow)."""
        if self.live is not None or self.db.is_single_mode:
            return
        from crm_desktop.services.live import listener_for
        from crm_desktop.ui.live import LiveUpdates

        self.live = LiveUpdates(self.runner, lambda: listener_for(self.db))
        self.live.sig_changed.connect(self.customers_page.on_live_changes)
        if "pool" in self.pages:
            self.live.sig_changed.connect(self.pages["pool"].on_live_changes)
        self.live.sig_changed.connect(self._on_live_sig_changed)
        self.live.start()

    def _on_live_sig_changed(self, changes: dict[str, set[int]]) -> None:
        """Other pages follow the changes of other clients too: Today (follow-ups and
        customers) reads again when in view, Mail when it holds mail."""
        today = self.pages.get("today")
        if today is not None and {"followup", "customer"} & changes.keys():
            today.refresh()
        mail = self.pages.get("mail")
        if mail is not None and "email_message" in changes:
            mail.on_mail_changed()

    def stop_live_updates(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live.deleteLater()
            self.live = None

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("")
        self.new_customer_action = QAction(self)
        self.new_customer_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_customer_action.triggered.connect(self._on_new_customer_action_triggered)
        self.file_menu.addAction(self.new_customer_action)
        self.log_followup_action = QAction(self)
        self.log_followup_action.setShortcut(QKeySequence("Ctrl+L"))
        self.log_followup_action.triggered.connect(self._on_log_followup_action_triggered)
        self.file_menu.addAction(self.log_followup_action)
        self.file_menu.addSeparator()
        self.import_action = QAction(self)
        self.import_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_action.triggered.connect(self._on_import_action_triggered)
        self.file_menu.addAction(self.import_action)
        self.import_history_action = QAction(self)
        self.import_history_action.triggered.connect(self._on_import_history_action_triggered)
        self.file_menu.addAction(self.import_history_action)
        self.file_menu.addSeparator()
        self.backup_action = QAction(self)
        self.backup_action.triggered.connect(self._on_backup_action_triggered)
        self.file_menu.addAction(self.backup_action)
        self.restore_action = QAction(self)
        self.restore_action.triggered.connect(self._on_restore_action_triggered)
        self.restore_action.setVisible(self.db.is_single_mode)
        self.file_menu.addAction(self.restore_action)
        self.file_menu.addSeparator()
        self.settings_action = QAction(self)
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.triggered.connect(self._on_settings_action_triggered)
        self.quit_action = QAction(self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        self.connections_action = QAction(self)
        self.connections_action.triggered.connect(self._on_connections_action_triggered)
        self.file_menu.addAction(self.connections_action)
        self.file_menu.addAction(self.settings_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)

        self.view_menu = bar.addMenu("")
        self.page_actions: dict[str, QAction] = {}
        group = QActionGroup(self)
        for index, key in enumerate(PAGE_KEYS):
            action = QAction(line_icon(key), "", self)
            action.setCheckable(True)
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.setData(key)
            action.triggered.connect(self._on_page_action_triggered)
            group.addAction(action)
            self.view_menu.addAction(action)
            self.page_actions[key] = action
        self.page_actions[PAGE_KEYS[0]].setChecked(True)

        self.help_menu = bar.addMenu("")
        self.shortcuts_action = QAction(self)
        # F1 is where users look for help; Ctrl+/ is the other common "list the keys" key.
        self.shortcuts_action.setShortcuts(
            [QKeySequence(QKeySequence.StandardKey.HelpContents), QKeySequence("Ctrl+/")]
        )
        self.shortcuts_action.triggered.connect(self._on_shortcuts_action_triggered)
        self.help_menu.addAction(self.shortcuts_action)
        self.help_menu.addSeparator()
        self.about_action = QAction(self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self._on_about_action_triggered)
        self.help_menu.addAction(self.about_action)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(True)
        self.database_label = ElidedLabel(self.db.label, bar)
        self.database_label.setObjectName("statusDatabase")
        self.user_label = QLabel(bar)
        self.user_label.setObjectName("statusUser")
        for icon_name, label in (("database", self.database_label), ("user", self.user_label)):
            box = QWidget(bar)
            layout = QHBoxLayout(box)
            layout.setContentsMargins(6, 0, 6, 0)
            layout.setSpacing(4)
            icon = QLabel(box)
            icon.setPixmap(line_pixmap(icon_name, 14, "#5f6368"))
            layout.addWidget(icon)
            layout.addWidget(label)
            bar.addPermanentWidget(box)

    # ----------------------------------------------------------------- language

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self._update_title()
        for row, key in enumerate(PAGE_KEYS):
            text = page_text(key, self.actor)
            item = self.nav.item(row)
            item.setText(text.title)
            self.page_actions[key].setText(text.title)
            if key in self.pages:
                self.pages[key].retranslate_ui()
        self.file_menu.setTitle(self.tr("&File"))
        self.view_menu.setTitle(self.tr("&View"))
        self.help_menu.setTitle(self.tr("&Help"))
        self.new_customer_action.setText(self.tr("&New customer"))
        self.log_followup_action.setText(self.tr("&Log follow-up…"))
        self.import_action.setText(self.tr("&Import customers…"))
        self.import_history_action.setText(self.tr("Import &history…"))
        self.backup_action.setText(self.tr("&Back up now…"))
        self.restore_action.setText(self.tr("&Restore from backup…"))
        self.settings_action.setText(self.tr("&Settings…"))
        self.connections_action.setText(self.tr("&Database connections…"))
        self.quit_action.setText(self.tr("&Quit"))
        self.about_action.setText(self.tr("&About crm-desktop"))
        self.shortcuts_action.setText(self.tr("&Keyboard shortcuts"))
        role = role_label(self.actor.role)
        self.user_label.setText(
            self.tr("{name} ({role})").format(name=self.actor.display_name, role=role)
        )
        self.user_label.setToolTip(self.tr("Signed in as {login}").format(login=self.actor.login))
        self.sidebar_role_label.setText(role)

    def _update_title(self) -> None:
        company = self.company_name or ""
        self.company_label.setText(company or self.tr("Company"))
        self.setWindowTitle(f"{company} — crm-desktop" if company else "crm-desktop")

    # ----------------------------------------------------------------- pages

    @property
    def current_page_key(self) -> str:
        return PAGE_KEYS[self.stack.currentIndex()]

    def show_page(self, key: str) -> None:
        self.nav.setCurrentRow(PAGE_KEYS.index(key))

    @Slot(int)
    def _on_nav_current_row_changed(self, row: int) -> None:
        if not 0 <= row < len(PAGE_KEYS):
            return
        key = PAGE_KEYS[row]
        if key in self._page_builders:
            self._ensure_page(key)
        self.stack.setCurrentIndex(row)
        if hasattr(self, "page_actions"):
            self.page_actions[key].setChecked(True)
        if hasattr(self, "log_followup_action"):
            # Only these pages have a selected customer; elsewhere Ctrl+L is the page's own
            # (Mail: Link…) and must not be an ambiguous shortcut.
            self.log_followup_action.setEnabled(key in ("customers", "today"))
        self.sig_page_changed.emit(key)

    @Slot()
    def _on_page_action_triggered(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.show_page(str(action.data()))

    # ----------------------------------------------------------------- customer files

    def open_customer(self, customer_id: int | None) -> None:
        """Open a customer's file (None: a new, empty customer)."""
        self.customer_file_opener(
            self, self.runner, self.actor, customer_id, settings=self.settings
        )

    @Slot(int)
    def _on_customers_page_sig_open_customer(self, customer_id: int) -> None:
        self.open_customer(customer_id)

    @Slot(int)
    def _on_pool_page_sig_open_customer(self, customer_id: int) -> None:
        self.open_customer(customer_id)

    @Slot()
    def _on_customers_page_sig_new_customer(self) -> None:
        self.open_customer(None)

    @Slot()
    def _on_new_customer_action_triggered(self) -> None:
        self.open_customer(None)

    # ----------------------------------------------------------------- follow-ups

    def selected_customer_id(self) -> int | None:
        """The customer selected on the current page (Customers or Today), if any."""
        if self.current_page_key == "customers":
            return self.customers_page.current_customer_id()
        if self.current_page_key == "today":
            return self.today_page.selected_customer_id()
        return None

    def log_followup(self, customer_id: int | None = None) -> QWidget | None:
        """Open the follow-up dialog for ``customer_id`` (default: the selected customer)."""
        from crm_desktop.ui.followup_dialog import open_followup_dialog

        if customer_id is None:
            customer_id = self.selected_customer_id()
        if customer_id is None:
            self.statusBar().showMessage(self.tr("Select a customer first."), 5000)
            return None
        return open_followup_dialog(self, self.runner, self.actor, customer_id=customer_id)

    @Slot()
    def _on_log_followup_action_triggered(self) -> None:
        self.log_followup()

    @Slot(int)
    def _on_today_page_sig_open_customer(self, customer_id: int) -> None:
        self.open_customer(customer_id)

    @Slot(int)
    def _on_reminders_sig_open_customer(self, customer_id: int) -> None:
        self.open_customer(customer_id)

    @Slot()
    def _on_reminders_sig_show_today(self) -> None:
        self.show_page("today")
        self.raise_()
        self.activateWindow()

    # ----------------------------------------------------------------- dialogs

    def _open_dialogs(self) -> list[QWidget]:
        """The dialogs of this window still open (closed ones delete themselves)."""
        self._dialogs = [d for d in self._dialogs if shiboken6.isValid(d) and d.isVisible()]
        return self._dialogs

    def _open_dialog(self, dialog: QWidget) -> None:
        self._open_dialogs()
        self._dialogs.append(dialog)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.open()  # type: ignore[attr-defined]

    @Slot()
    def _on_settings_action_triggered(self) -> None:
        from crm_desktop.ui.settings_dialog import SettingsDialog

        self._open_dialog(
            SettingsDialog(
                settings=self.settings,
                translations=self.translations,
                database_label=self.db.label,
                parent=self,
            )
        )

    @Slot()
    def _on_backup_action_triggered(self) -> None:
        from crm_desktop.ui.backup_dialogs import backup_coordinator

        backup_coordinator(self).back_up_now(self)

    @Slot()
    def _on_restore_action_triggered(self) -> None:
        from crm_desktop.ui.backup_dialogs import backup_coordinator

        backup_coordinator(self).restore_from_backup(self)

    @Slot()
    def _on_connections_action_triggered(self) -> None:
        from crm_desktop.ui.connections import ConnectionsDialog

        dialog = ConnectionsDialog(self.settings, self.profile_name or "", self)
        dialog.sig_switch.connect(self.sig_switch_database)
        self._open_dialog(dialog)

    def shortcut_entries(self) -> list[ShortcutEntry]:
        """Every keyboard shortcut of this window: the menus', each page's (pages not built
        yet are built now), the customer file's, the email window's, and keys the lists handle
        themselves."""
        from crm_desktop.ui.compose_dialog import compose_shortcuts
        from crm_desktop.ui.customer_file import customer_file_shortcuts
        from crm_desktop.ui.shortcuts_dialog import (
            fixed_entry,
            menu_entries,
            unique,
            widget_entries,
        )

        entries = menu_entries([self.file_menu, self.view_menu, self.help_menu])
        for key in PAGE_KEYS:
            page = self._ensure_page(key)
            group = page_text(key, self.actor).title
            entries.extend(widget_entries(group, page))
            enter = {
                "customers": self.tr("Open the selected customer"),
                "today": self.tr("Open the selected customer"),
                "pool": self.tr("Open the selected customer"),
                "mail": self.tr("Open the message's customer, or link it"),
            }.get(key)
            if enter is not None:
                entries.append(fixed_entry(group, enter, "Return"))
        entries.extend(customer_file_shortcuts())
        entries.extend(compose_shortcuts())
        return unique(entries)

    @Slot()
    def _on_shortcuts_action_triggered(self) -> None:
        self.show_shortcuts()

    def show_shortcuts(self) -> QWidget:
        """Open Help → Keyboard shortcuts (one at a time)."""
        from crm_desktop.ui.shortcuts_dialog import ShortcutsDialog

        for dialog in self._open_dialogs():
            if isinstance(dialog, ShortcutsDialog):
                dialog.raise_()
                dialog.activateWindow()
                return dialog
        dialog = ShortcutsDialog(self.shortcut_entries, self)
        self._open_dialog(dialog)
        return dialog

    @Slot()
    def _on_about_action_triggered(self) -> None:
        from crm_desktop.ui.about import AboutDialog

        self._open_dialog(AboutDialog(database_label=self.db.label, parent=self))

    def open_import(self, path: Path | None = None) -> QWidget:
        """Open the import wizard (``path``: a file dropped or chosen elsewhere)."""
        from crm_desktop.ui.import_wizard import open_import_wizard

        wizard = open_import_wizard(
            self, self.runner, self.actor, path=path, on_changed=self.sig_customers_changed.emit
        )
        self._open_dialogs()
        self._dialogs.append(wizard)
        return wizard

    @Slot()
    def _on_import_action_triggered(self) -> None:
        self.open_import()

    @Slot()
    def _on_import_history_action_triggered(self) -> None:
        from crm_desktop.ui.import_wizard import ImportHistoryDialog

        dialog = ImportHistoryDialog(self.actor, self.runner, self)
        dialog.sig_undone.connect(self.sig_customers_changed.emit)
        self._open_dialog(dialog)

    # ----------------------------------------------------------------- company

    def _load_company(self) -> None:
        from crm_desktop.services.company import company_info

        self.runner.op(self, company_info).read_only().on_success(self._on_company_info).run()

    def _on_company_info(self, info: object) -> None:
        name = getattr(info, "name", None)
        self.company_name = str(name) if name else None
        self._update_title()
        self.sig_company_loaded.emit(self.company_name or "")

    # ----------------------------------------------------------------- geometry

    def _restore_geometry(self) -> None:
        saved = self.settings.ui.get(GEOMETRY_KEY)
        restored = False
        if isinstance(saved, dict):
            geometry = saved.get("geometry")
            if isinstance(geometry, str) and geometry:
                restored = self.restoreGeometry(QByteArray.fromBase64(geometry.encode("ascii")))
            page = saved.get("page")
            if page in PAGE_KEYS:
                self.show_page(str(page))
        if not restored:
            self.resize(DEFAULT_SIZE)

    def remember_geometry(self) -> None:
        """Put the window's geometry and page into the settings (saved by ``closeEvent``)."""
        geometry = bytes(self.saveGeometry().toBase64().data()).decode("ascii")
        self.settings.ui[GEOMETRY_KEY] = {"geometry": geometry, "page": self.current_page_key}

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # The window shows once the user signed in; the reminders (and their imports) start
        # after its first paint.
        QTimer.singleShot(0, self, self.start_reminders)
        QTimer.singleShot(0, self, self.start_live_updates)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._reminders is not None:
            self._reminders.stop()
        self.stop_live_updates()
        self.remember_geometry()
        try:
            save_settings(self.settings)
        except OSError:
            log.warning("could not save the settings", exc_info=True)
        self.runner.shutdown()
        super().closeEvent(event)
        self.sig_closed.emit()
