"""Small building blocks shared by windows and dialogs: field errors, stat tiles, empty states."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.settings import Settings
from crm_desktop.ui.icons import line_pixmap
from crm_desktop.ui.style import make_title, scaled_font


class ErrorLabel(QLabel):
    """A message shown beside (under) a field; hidden while there is nothing to say."""

    def __init__(self, parent: QWidget | None = None, *, object_name: str = "fieldError") -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setWordWrap(True)
        self.setFont(scaled_font(self, 0.92))
        self.setVisible(False)

    def set_error(self, text: str | None) -> None:
        self.setText(text or "")
        self.setVisible(bool(text))


def with_error(field: QWidget, error: ErrorLabel) -> QWidget:
    """``field`` with ``error`` under it, as one widget for a form row."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(field)
    layout.addWidget(error)
    return box


class ElidedLabel(QLabel):
    """A one-line label that shortens its text in the middle ("…") rather than widen its
    window; the whole text is in the tool tip. Made for file paths and database URLs."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.set_full_text(text)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()
        self.updateGeometry()

    def _chrome(self) -> int:
        """Pixels of the label that are not text: margins, padding from style sheets."""
        self.ensurePolished()  # style-sheet padding becomes contents margins when polished
        margins = self.contentsMargins()
        return margins.left() + margins.right() + 2 * (self.frameWidth() + self.margin()) + 2

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(
            self.fontMetrics().horizontalAdvance(self._full) + self._chrome(), hint.height()
        )

    def minimumSizeHint(self) -> QSize:
        return QSize(min(120, self.sizeHint().width()), super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(0, self.contentsRect().width() - 2)
        super().setText(
            self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, width)
        )


class StatTile(QFrame):
    """A number with a caption under it, e.g. "2,000 / customers"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statTile")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(2)
        self.value_label = QLabel("—", self)
        self.value_label.setObjectName("statValue")
        self.value_label.setFont(scaled_font(self.value_label, 1.6, bold=True))
        self.caption_label = QLabel(self)
        self.caption_label.setObjectName("statCaption")
        self.caption_label.setWordWrap(True)  # narrow windows wrap captions instead of widening
        layout.addWidget(self.value_label)
        layout.addWidget(self.caption_label)

    def set_value(self, text: str) -> None:
        self.value_label.setText(text)

    def set_caption(self, text: str) -> None:
        self.caption_label.setText(text)


def stat_tiles(parent: QWidget, count: int) -> tuple[QHBoxLayout, list[StatTile]]:
    """A row of ``count`` StatTiles (a page's headline numbers) and the tiles, left to right."""
    row = QHBoxLayout()
    tiles = [StatTile(parent) for _ in range(count)]
    for tile in tiles:
        row.addWidget(tile)
    return row, tiles


class EmptyState(QFrame):
    """A friendly card saying what will be here and what to do meanwhile."""

    def __init__(self, icon_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        outer = QHBoxLayout(self)
        outer.setContentsMargins(28, 24, 28, 24)
        outer.setSpacing(20)
        icon = QLabel(self)
        icon.setPixmap(line_pixmap(icon_name, 44, "#93a4c3"))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        icon.setFixedWidth(52)
        outer.addWidget(icon)
        column = QVBoxLayout()
        column.setSpacing(8)
        self.headline_label = QLabel(self)
        self.headline_label.setObjectName("emptyHeadline")
        self.headline_label.setFont(scaled_font(self.headline_label, 1.2, bold=True))
        self.headline_label.setWordWrap(True)
        self.body_label = QLabel(self)
        self.body_label.setObjectName("emptyBody")
        self.body_label.setWordWrap(True)
        self.hint_label = QLabel(self)
        self.hint_label.setObjectName("emptyHint")
        self.hint_label.setWordWrap(True)
        self.hint_label.setTextFormat(Qt.TextFormat.RichText)
        self.hint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.headline_label)
        column.addWidget(self.body_label)
        column.addSpacing(4)
        column.addWidget(self.hint_label)
        outer.addLayout(column, 1)

    def set_texts(self, headline: str, body: str, hint: str) -> None:
        self.headline_label.setText(headline)
        self.body_label.setText(body)
        self.hint_label.setText(hint)
        self.hint_label.setVisible(bool(hint))


class PageHeader(QWidget):
    """A page's bold title and one muted line under it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.title_label = make_title(QLabel(self))
        self.subtitle_label = QLabel(self)
        self.subtitle_label.setObjectName("pageSubtitle")
        self.subtitle_label.setWordWrap(True)
        layout.addWidget(self.title_label)
        layout.addWidget(self.subtitle_label)

    def set_texts(self, title: str, subtitle: str) -> None:
        self.title_label.setText(title)
        self.subtitle_label.setText(subtitle)


# ----------------------------------------------------------------- remembered layouts


def state_text(state: QByteArray) -> str:
    """A widget's saved state (``saveState``/``saveGeometry``) as text for the settings file."""
    return bytes(state.toBase64().data()).decode("ascii")


def state_bytes(saved: object) -> QByteArray | None:
    """The state ``state_text`` wrote (None when nothing usable was saved)."""
    if not isinstance(saved, str) or not saved:
        return None
    return QByteArray.fromBase64(saved.encode("ascii"))


def restore_splitter(settings: Settings | None, key: str, splitter: QSplitter) -> None:
    """Give ``splitter`` the sizes remembered under ``settings.ui[key]["splitter"]``."""
    saved = settings.ui.get(key) if settings is not None else None
    state = state_bytes(saved.get("splitter")) if isinstance(saved, dict) else None
    if state is not None:
        splitter.restoreState(state)


def remember_splitter(settings: Settings | None, key: str, splitter: QSplitter) -> None:
    """Keep ``splitter``'s sizes in ``settings.ui[key]["splitter"]`` (the settings file is
    written when the main window closes)."""
    if settings is None:
        return
    saved = settings.ui.get(key)
    saved = dict(saved) if isinstance(saved, dict) else {}
    saved["splitter"] = state_text(splitter.saveState())
    settings.ui[key] = saved
