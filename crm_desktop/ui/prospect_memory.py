"""Prospect memory (issue 4 §6): who followed a customer up before, when, and with what outcome
or lost reason — shown beside the public pool's list and under the new-customer duplicate check,
so that the next salesperson knows the story. Only what ``pool.prospect_memory`` gives is shown."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QLocale, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.errors import OperationCancelled, UserError
from crm_desktop.services.context import Actor
from crm_desktop.services.pool import ProspectMemory, ProspectMemoryRow, prospect_memory
from crm_desktop.ui.style import MUTED_COLOR, scaled_font

if TYPE_CHECKING:
    from crm_desktop.ui.ops import Op, OpRunner

__all__ = [
    "ProspectMemoryView",
    "load_prospect_memory",
    "memory_summary",
    "outcome_label",
]

log = logging.getLogger(__name__)

MIN_WIDTH = 100

# Outcome colours: green for a win, red for a loss, amber for a bad sign, grey otherwise.
OUTCOME_COLORS = {
    "won": "#15803d",
    "positive": "#15803d",
    "neutral": MUTED_COLOR,
    "negative": "#b45309",
    "lost": "#b3261e",
}


def outcome_label(outcome: str | None) -> str:
    """A follow-up outcome as users call it (GLOSSARY: 跟进结果)."""
    labels = {
        "positive": QCoreApplication.translate("ProspectMemoryView", "Positive"),
        "neutral": QCoreApplication.translate("ProspectMemoryView", "Neutral"),
        "negative": QCoreApplication.translate("ProspectMemoryView", "Negative"),
        "won": QCoreApplication.translate("ProspectMemoryView", "Won"),
        "lost": QCoreApplication.translate("ProspectMemoryView", "Lost"),
    }
    if outcome is None:
        return ""
    return labels.get(outcome, outcome)


def _date(value: datetime | None) -> str:
    """A date in the user's time zone, ISO order (unambiguous in both languages)."""
    return "" if value is None else value.astimezone().strftime("%Y-%m-%d")


def _who(row: ProspectMemoryRow) -> str:
    return row.user_name or QCoreApplication.translate("ProspectMemoryView", "A former user")


def _outcome_text(row: ProspectMemoryRow) -> str:
    """ "Lost — price too high", "Positive", or "" when no outcome was recorded."""
    label = outcome_label(row.last_outcome)
    if row.last_outcome == "lost" and row.lost_reason:
        return QCoreApplication.translate("ProspectMemoryView", "{outcome} — {reason}").format(
            outcome=label, reason=row.lost_reason
        )
    return label


def _followups_text(count: int) -> str:
    if count == 1:
        return QCoreApplication.translate("ProspectMemoryView", "1 follow-up")
    return QCoreApplication.translate("ProspectMemoryView", "{count} follow-ups").format(
        count=QLocale().toString(count)
    )


def memory_summary(memory: ProspectMemory, *, limit: int = 3) -> str:
    """One line for the duplicate check: "Followed up before by Wang Fang (2025-02-11, Lost —
    price too high), Li Lei (2024-11-02, Neutral)"; "" when nobody followed it up."""
    parts = []
    for row in memory.rows[:limit]:
        details = [d for d in (_date(row.last_at), _outcome_text(row)) if d]
        who = _who(row)
        if details:
            who = QCoreApplication.translate("ProspectMemoryView", "{name} ({details})").format(
                name=who,
                details=QCoreApplication.translate("ProspectMemoryView", ", ").join(details),
            )
        parts.append(who)
    if not parts:
        return ""
    more = len(memory.rows) - limit
    text = QCoreApplication.translate(
        "ProspectMemoryView", "Followed up before by {people}"
    ).format(people=QCoreApplication.translate("ProspectMemoryView", "; ").join(parts))
    if more > 0:
        text += " " + QCoreApplication.translate("ProspectMemoryView", "and {count} more").format(
            count=more
        )
    return text


def load_prospect_memory(
    runner: OpRunner,
    parent: QWidget | None,
    actor: Actor,
    customer_id: int,
    on_loaded: Callable[[ProspectMemory], None],
    on_refused: Callable[[BaseException], None] | None = None,
) -> Op:
    """Read one customer's prospect memory on a worker. A refusal (a customer one may not see)
    goes to ``on_refused`` (or nowhere); anything else is logged, never shown: the memory is a
    help beside the real work, not a reason for an error dialog."""

    def failed(exc: BaseException) -> None:
        if isinstance(exc, OperationCancelled):
            return
        if isinstance(exc, UserError):
            if on_refused is not None:
                on_refused(exc)
            return
        log.warning(
            "prospect memory of customer %d failed", customer_id, exc_info=(type(exc), exc, None)
        )
        if on_refused is not None:
            on_refused(exc)

    op = runner.op(parent, prospect_memory, customer_id=customer_id, actor=actor).read_only()
    return op.on_success(on_loaded).on_failure(failed).run()


class _MemoryCard(QFrame):
    """One past salesperson: name and count, then the last date and outcome."""

    def __init__(self, row: ProspectMemoryRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("memoryCard")
        self.row = row
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(2)
        top = QHBoxLayout()
        top.setSpacing(8)
        self.name_label = QLabel(self)
        self.name_label.setFont(scaled_font(self.name_label, 1.0, bold=True))
        self.count_label = QLabel(self)
        self.count_label.setObjectName("muted")
        top.addWidget(self.name_label, 1)
        top.addWidget(self.count_label, 0, Qt.AlignmentFlag.AlignRight)
        layout.addLayout(top)
        self.detail_label = QLabel(self)
        self.detail_label.setWordWrap(True)
        self.detail_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.detail_label)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        row = self.row
        self.name_label.setText(_who(row))
        self.count_label.setText(_followups_text(row.followups))
        parts = []
        if row.last_at is not None:
            parts.append(
                _escape(
                    QCoreApplication.translate("ProspectMemoryView", "Last {date}").format(
                        date=_date(row.last_at)
                    )
                )
            )
        outcome = _outcome_text(row)
        if outcome:
            color = OUTCOME_COLORS.get(row.last_outcome or "", MUTED_COLOR)
            parts.append(f'<span style="color: {color};">{_escape(outcome)}</span>')
        if not parts:
            parts.append(
                _escape(QCoreApplication.translate("ProspectMemoryView", "No outcome recorded"))
            )
        self.detail_label.setText(" · ".join(parts))

    def text(self) -> str:
        outcome = _outcome_text(self.row)
        return " · ".join(t for t in (_who(self.row), _date(self.row.last_at), outcome) if t)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class ProspectMemoryView(QFrame):
    """The side panel of the pool page: the selected customer's past salespeople, newest first,
    with the date they last followed it up, how often, and the last outcome or lost reason."""

    sig_loaded = Signal(object)
    """The shown customer's memory arrived (a ProspectMemory), or None when cleared/refused."""

    def __init__(self, runner: OpRunner, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("prospectMemory")
        self.setStyleSheet(
            "QFrame#prospectMemory { background: #f8fafc; border: 1px solid #e5e7eb;"
            " border-radius: 8px; }"
            " QFrame#memoryCard { background: #ffffff; border: 1px solid #e5e7eb;"
            " border-radius: 6px; }"
            " QLabel { background: transparent; border: none; }"
            " QWidget#memoryCards, QWidget#memoryViewport { background: transparent; }"
        )
        self.runner = runner
        self.actor = actor
        self.customer_id: int | None = None
        self.customer_name = ""
        self.memory: ProspectMemory | None = None
        self.loading = False
        self.refusal: str | None = None
        self._generation = 0
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(6)
        self.title_label = QLabel(self)
        self.title_label.setFont(scaled_font(self.title_label, 1.1, bold=True))
        self.name_label = QLabel(self)
        self.name_label.setWordWrap(True)
        self.name_label.setFont(scaled_font(self.name_label, 1.0, bold=True))
        self.pool_label = QLabel(self)
        self.pool_label.setObjectName("muted")
        self.pool_label.setWordWrap(True)
        self.message_label = QLabel(self)
        self.message_label.setObjectName("muted")
        self.message_label.setWordWrap(True)
        layout.addWidget(self.title_label)
        layout.addWidget(self.name_label)
        layout.addWidget(self.pool_label)
        layout.addWidget(self.message_label)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setStyleSheet("QScrollArea { background: transparent; }")
        self.cards_widget = QWidget()
        self.cards_widget.setObjectName("memoryCards")
        self.cards_widget.setAutoFillBackground(False)
        self.cards_layout = QVBoxLayout(self.cards_widget)
        self.cards_layout.setContentsMargins(0, 4, 0, 0)
        self.cards_layout.setSpacing(6)
        self.cards_layout.addStretch(1)
        self.scroll.setWidget(self.cards_widget)
        self.scroll.viewport().setAutoFillBackground(False)
        self.scroll.viewport().setObjectName("memoryViewport")
        layout.addWidget(self.scroll, 1)
        self.cards: list[_MemoryCard] = []
        self.retranslate_ui()

    def minimumSizeHint(self) -> QSize:
        # Narrow: the panel shares the pool page with the filters and the list, and the main
        # window must still fit an 800-pixel screen (its hidden pages count in its minimum).
        return QSize(MIN_WIDTH, super().minimumSizeHint().height())

    # ----------------------------------------------------------------- language

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.title_label.setText(self.tr("Prospect memory"))
        self.title_label.setToolTip(
            self.tr(
                "Who followed this customer up before, when, and what came of it — kept "
                "across owners so that the next salesperson knows the story."
            )
        )
        for card in self.cards:
            card.retranslate_ui()
        self._show_texts()

    # ----------------------------------------------------------------- loading

    def show_customer(self, customer_id: int | None, name: str = "") -> None:
        """Show the memory of ``customer_id`` (None: nothing selected); an older answer still
        on its way is dropped."""
        self._generation += 1
        generation = self._generation
        self.customer_id = customer_id
        self.customer_name = name
        self.memory = None
        self.refusal = None
        self._set_cards(())
        if customer_id is None:
            self.loading = False
            self._show_texts()
            self.sig_loaded.emit(None)
            return
        self.loading = True
        self._show_texts()
        load_prospect_memory(
            self.runner,
            self,
            self.actor,
            customer_id,
            lambda memory: self._on_loaded(generation, memory),
            lambda exc: self._on_refused(generation, exc),
        )

    def _on_loaded(self, generation: int, memory: ProspectMemory) -> None:
        if generation != self._generation:
            return
        self.loading = False
        self.set_memory(memory)

    def _on_refused(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self.loading = False
        self.refusal = (
            str(exc)
            if isinstance(exc, UserError)
            else self.tr("The prospect memory could not be read; the log has the details.")
        )
        self._show_texts()
        self.sig_loaded.emit(None)

    def set_customer_name(self, name: str) -> None:
        """The shown customer's name (it may arrive after the memory: list rows load late)."""
        self.customer_name = name
        self._show_texts()

    def set_memory(self, memory: ProspectMemory | None) -> None:
        """Show ``memory`` (also for tools and tests that have one at hand)."""
        self.memory = memory
        self._set_cards(memory.rows if memory is not None else ())
        self._show_texts()
        self.sig_loaded.emit(memory)

    def _set_cards(self, rows: Sequence[ProspectMemoryRow]) -> None:
        for card in self.cards:
            card.setParent(None)
            card.deleteLater()
        self.cards = []
        for row in rows:
            card = _MemoryCard(row, self.cards_widget)
            self.cards_layout.insertWidget(self.cards_layout.count() - 1, card)
            self.cards.append(card)

    def _show_texts(self) -> None:
        self.name_label.setText(self.customer_name)
        self.name_label.setVisible(bool(self.customer_name))
        memory = self.memory
        pool_parts = []
        if memory is not None and memory.pool_since is not None:
            pool_parts.append(
                self.tr("In the public pool since {date}").format(date=_date(memory.pool_since))
            )
        if memory is not None and memory.last_reclaim_from:
            pool_parts.append(self.tr("last owner {name}").format(name=memory.last_reclaim_from))
        self.pool_label.setText(self.tr(", ").join(pool_parts))
        self.pool_label.setVisible(bool(pool_parts))
        if self.customer_id is None:
            message = self.tr(
                "Select a customer to see who followed it up before and what came of it."
            )
        elif self.loading:
            message = self.tr("Loading…")
        elif self.refusal is not None:
            message = self.refusal
        elif memory is not None and not memory.rows:
            message = self.tr("Nobody has followed this customer up yet: a fresh prospect.")
        elif memory is not None:
            message = self.tr("Who followed it up before, newest first:")
        else:
            message = ""
        self.message_label.setText(message)
        self.message_label.setVisible(bool(message))

    def text(self) -> str:
        """What the panel says, as plain text (tests, accessibility)."""
        lines = [self.customer_name, self.pool_label.text(), self.message_label.text()]
        lines += [card.text() for card in self.cards]
        return "\n".join(line for line in lines if line)
