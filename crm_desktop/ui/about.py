"""The About dialog: version, the Qt and PySide versions, the database in use, the licence."""

from __future__ import annotations

import platform

import PySide6
from PySide6.QtCore import QEvent, Qt, qVersion
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from crm_desktop import __version__
from crm_desktop.ui.icons import app_pixmap
from crm_desktop.ui.style import make_title

LICENCE = "GPL-3.0-or-later"


class AboutDialog(QDialog):
    """Says which crm-desktop this is, on what, and under which licence."""

    def __init__(self, *, database_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 16)
        layout.setSpacing(14)

        header = QHBoxLayout()
        header.setSpacing(16)
        logo = QLabel(self)
        logo.setPixmap(app_pixmap(56))
        logo.setFixedSize(56, 56)
        header.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        names = QVBoxLayout()
        names.setSpacing(2)
        self.name_label = make_title(QLabel("crm-desktop", self), 1.5)
        self.version_label = QLabel(self)
        self.version_label.setObjectName("muted")
        names.addWidget(self.name_label)
        names.addWidget(self.version_label)
        names.addStretch(1)
        header.addLayout(names, 1)
        layout.addLayout(header)

        self.description_label = QLabel(self)
        self.description_label.setWordWrap(True)
        layout.addWidget(self.description_label)

        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(6)
        self.qt_label = QLabel(self)
        self.pyside_label = QLabel(self)
        self.python_label = QLabel(self)
        self.database_label = QLabel(self)
        self.database_value = QLabel(database_label, self)
        self.database_value.setWordWrap(True)
        self.database_value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.licence_label = QLabel(self)
        self.licence_value = QLabel(self)
        self.licence_value.setWordWrap(True)
        form.addRow(self.qt_label, QLabel(qVersion(), self))
        form.addRow(self.pyside_label, QLabel(PySide6.__version__, self))
        form.addRow(self.python_label, QLabel(platform.python_version(), self))
        form.addRow(self.database_label, self.database_value)
        form.addRow(self.licence_label, self.licence_value)
        layout.addLayout(form)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.retranslate_ui()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("About crm-desktop"))
        self.version_label.setText(self.tr("Version {version}").format(version=__version__))
        self.description_label.setText(
            self.tr(
                "A desktop CRM for small and mid-size enterprises: customer files graded and "
                "placed by region, follow-ups, linked mail and PDF reports — and every customer "
                "stays with the company when a salesperson leaves."
            )
        )
        self.qt_label.setText(self.tr("Qt:"))
        self.pyside_label.setText(self.tr("PySide6:"))
        self.python_label.setText(self.tr("Python:"))
        self.database_label.setText(self.tr("Database:"))
        self.licence_label.setText(self.tr("Licence:"))
        self.licence_value.setText(
            self.tr(
                "Free software under the GNU General Public License, version 3 or later ({spdx})."
            ).format(spdx=LICENCE)
        )
