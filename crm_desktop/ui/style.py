"""The app's look: a light colour scheme and a small style sheet keyed on object names."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from crm_desktop.ui.icons import ACCENT

ERROR_COLOR = "#b3261e"
MUTED_COLOR = "#5f6368"

STYLE_SHEET = f"""
QFrame#sidebar {{
    background: #f3f5f8;
    border: none;
    border-right: 1px solid #dde1e7;
}}
QLabel#sidebarTitle {{ color: #1f2937; }}
QLabel#sidebarSubtitle {{ color: {MUTED_COLOR}; }}
QListWidget#navigation {{
    background: transparent;
    border: none;
    outline: 0;
}}
QListWidget#navigation::item {{
    color: #374151;
    padding: 9px 10px;
    margin: 1px 0px;
    border-radius: 6px;
}}
QListWidget#navigation::item:hover {{ background: #e7ebf1; }}
QListWidget#navigation::item:selected {{ background: #dce6fc; color: #1d4ed8; }}
QWidget#page {{ background: #ffffff; }}
QLabel#pageTitle {{ color: #111827; }}
QLabel#pageSubtitle, QLabel#muted, QLabel#statCaption {{ color: {MUTED_COLOR}; }}
QFrame#emptyState {{
    background: #f8fafc;
    border: 1px solid #e5e7eb;
    border-radius: 10px;
}}
QLabel#emptyHeadline {{ color: #111827; }}
QLabel#emptyBody {{ color: #374151; }}
QLabel#emptyHint {{ color: {MUTED_COLOR}; }}
QFrame#statTile {{
    background: #ffffff;
    border: 1px solid #e5e7eb;
    border-radius: 8px;
}}
QLabel#statValue {{ color: #111827; }}
QLabel#fieldError, QLabel#formError {{ color: {ERROR_COLOR}; }}
QLabel#badge {{
    color: #ffffff;
    background: {ACCENT};
    border-radius: 4px;
    padding: 1px 6px;
}}
QStatusBar QLabel {{ color: #374151; padding: 0px 6px; }}
"""


def apply_style(app: QApplication) -> None:
    """Light scheme everywhere (the style sheet assumes light backgrounds) and our style sheet."""
    hints = app.styleHints()
    if hasattr(hints, "setColorScheme"):
        hints.setColorScheme(Qt.ColorScheme.Light)
    app.setStyleSheet(STYLE_SHEET)


def scaled_font(widget: QWidget, factor: float, *, bold: bool = False) -> QFont:
    """The widget's font scaled by ``factor`` (so it follows the user's base font size)."""
    font = QFont(widget.font())
    size = font.pointSizeF()
    if size > 0:
        font.setPointSizeF(size * factor)
    if bold:
        font.setBold(True)  # CJK fallback fonts often lack a semi-bold face
    return font


def make_title(label: QLabel, factor: float = 1.7) -> QLabel:
    """Turn ``label`` into a bold page title."""
    label.setObjectName("pageTitle")
    label.setFont(scaled_font(label, factor, bold=True))
    return label
