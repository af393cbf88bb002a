"""Logging, planning, completing and editing one follow-up (跟进记录); also the follow-up words,
icons and the per-runner "follow-ups changed" hub the timeline, Today page and reminders share.

The dialog saves through an operation and stays open, with messages beside the fields, until
the save is acknowledged: nothing the user typed is lost on an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QCoreApplication,
    QDateTime,
    QEvent,
    QLocale,
    QObject,
    QPointF,
    QRectF,
    Qt,
    QTime,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.errors import ConflictError, NotFound, UserError, ValidationError
from crm_desktop.services.customers import ContactRow, get_customer
from crm_desktop.services.followups import (
    FOLLOWUP_KINDS,
    FOLLOWUP_OUTCOMES,
    FollowupInput,
    FollowupRow,
    LogResult,
    NextPlan,
    complete_followup,
    get_followup,
    list_lost_reasons,
    log_followup,
    plan_followup,
    update_followup,
)
from crm_desktop.ui.contact_dialog import field_error_text
from crm_desktop.ui.style import MUTED_COLOR, scaled_font
from crm_desktop.ui.widgets import ErrorLabel, with_error

if TYPE_CHECKING:
    from crm_desktop.services.context import Actor
    from crm_desktop.ui.ops import OpRunner

__all__ = [
    "FollowupDialog",
    "FollowupEvents",
    "followup_events",
    "followup_icon",
    "followup_pixmap",
    "kind_label",
    "outcome_label",
]

LOG = "log"  # a follow-up that happened
PLAN = "plan"  # a planned one (due date, kind, contact, note)
COMPLETE = "complete"  # a planned one marked done
EDIT = "edit"  # change a done or planned one
MODES = (LOG, PLAN, COMPLETE, EDIT)

OUTCOME_COLORS = {
    "positive": "#15803d",
    "neutral": "#6b7280",
    "negative": "#b45309",
    "won": "#1d4ed8",
    "lost": "#b3261e",
}
KIND_COLORS = {
    "call": "#2563eb",
    "visit": "#7c3aed",
    "meeting": "#0f766e",
    "email": "#c2410c",
    "wechat": "#15803d",
    "other": "#6b7280",
    "planned": "#b45309",
    "mail": "#c2410c",
    "ownership": "#475569",
}
FUTURE_SLACK = timedelta(minutes=5)  # clocks of two PCs differ a little

translate = QCoreApplication.translate  # lupdate reads translate("Context", "text") calls


# =========================================================================== words


def kind_label(kind: str) -> str:
    labels = {
        "call": translate("Followups", "Call"),
        "visit": translate("Followups", "Visit"),
        "meeting": translate("Followups", "Meeting"),
        "email": translate("Followups", "Email"),
        "wechat": translate("Followups", "WeChat"),
        "other": translate("Followups", "Other"),
    }
    return labels.get(kind, kind)


def outcome_label(outcome: str | None) -> str:
    if outcome is None:
        return ""
    labels = {
        "positive": translate("Followups", "Positive"),
        "neutral": translate("Followups", "Neutral"),
        "negative": translate("Followups", "Negative"),
        "won": translate("Followups", "Won"),
        "lost": translate("Followups", "Lost"),
    }
    return labels.get(outcome, outcome)


def local_datetime(value: datetime) -> QDateTime:
    """An aware (or naive UTC) datetime as a local QDateTime."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return QDateTime.fromSecsSinceEpoch(int(aware.timestamp()))


def utc_datetime(value: QDateTime) -> datetime:
    """A QDateTime (local time of a date-time editor) as an aware UTC datetime."""
    return datetime.fromtimestamp(value.toSecsSinceEpoch(), UTC)


def when_text(value: datetime, now: datetime | None = None, *, in_sentence: bool = False) -> str:
    """ "Today 14:30", "Tomorrow 09:00", "Yesterday 17:10" or "12 Mar 10:00" (local time);
    ``in_sentence``: "today 14:30"… for the middle of a sentence ("due today 14:30")."""
    local = local_datetime(value)
    today = local_datetime(now or datetime.now(UTC)).date()
    time_text = QLocale().toString(local.time(), "HH:mm")
    days = today.daysTo(local.date())
    if days == 0:
        if in_sentence:
            return translate("Followups", "today {time}").format(time=time_text)
        return translate("Followups", "Today {time}").format(time=time_text)
    if days == 1:
        if in_sentence:
            return translate("Followups", "tomorrow {time}").format(time=time_text)
        return translate("Followups", "Tomorrow {time}").format(time=time_text)
    if days == -1:
        if in_sentence:
            return translate("Followups", "yesterday {time}").format(time=time_text)
        return translate("Followups", "Yesterday {time}").format(time=time_text)
    pattern = (
        translate("Followups", "d MMM")
        if local.date().year() == today.year()
        else translate("Followups", "d MMM yyyy")
    )
    return f"{QLocale().toString(local.date(), pattern)} {time_text}"


# =========================================================================== icons

_GRID = 24.0


def _call(p: QPainter) -> None:
    path = QPainterPath(QPointF(6.5, 3.5))
    path.lineTo(9.5, 3.5)
    path.lineTo(11.0, 8.0)
    path.lineTo(8.8, 9.6)
    path.cubicTo(10.0, 12.2, 11.8, 14.0, 14.4, 15.2)
    path.lineTo(16.0, 13.0)
    path.lineTo(20.5, 14.5)
    path.lineTo(20.5, 17.5)
    path.cubicTo(20.5, 19.2, 19.2, 20.5, 17.5, 20.5)
    path.cubicTo(10.0, 20.0, 4.0, 14.0, 3.5, 6.5)
    path.cubicTo(3.5, 4.8, 4.8, 3.5, 6.5, 3.5)
    p.drawPath(path)


def _visit(p: QPainter) -> None:
    pin = QPainterPath(QPointF(12.0, 21.0))
    pin.cubicTo(7.0, 15.5, 5.0, 12.5, 5.0, 9.5)
    pin.cubicTo(5.0, 5.6, 8.1, 3.0, 12.0, 3.0)
    pin.cubicTo(15.9, 3.0, 19.0, 5.6, 19.0, 9.5)
    pin.cubicTo(19.0, 12.5, 17.0, 15.5, 12.0, 21.0)
    p.drawPath(pin)
    p.drawEllipse(QPointF(12.0, 9.5), 2.6, 2.6)


def _meeting(p: QPainter) -> None:
    p.drawEllipse(QPointF(7.5, 7.5), 2.5, 2.5)
    p.drawEllipse(QPointF(16.5, 7.5), 2.5, 2.5)
    p.drawLine(QPointF(3.0, 14.0), QPointF(21.0, 14.0))
    p.drawLine(QPointF(6.0, 14.0), QPointF(6.0, 20.0))
    p.drawLine(QPointF(18.0, 14.0), QPointF(18.0, 20.0))


def _email(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(3.0, 5.5, 18.0, 13.0), 2.5, 2.5)
    flap = QPainterPath(QPointF(3.8, 7.0))
    flap.lineTo(12.0, 13.0)
    flap.lineTo(20.2, 7.0)
    p.drawPath(flap)


def _wechat(p: QPainter) -> None:
    p.drawEllipse(QRectF(2.5, 4.0, 12.5, 10.0))
    p.drawLine(QPointF(5.5, 12.5), QPointF(4.5, 15.5))
    p.drawEllipse(QRectF(10.0, 9.5, 11.5, 9.0))
    p.drawLine(QPointF(18.5, 17.5), QPointF(19.5, 20.0))


def _other(p: QPainter) -> None:
    p.drawEllipse(QPointF(12.0, 12.0), 8.5, 8.5)
    for x in (8.0, 12.0, 16.0):
        p.drawEllipse(QPointF(x, 12.0), 0.6, 0.6)


def _planned(p: QPainter) -> None:
    p.drawEllipse(QPointF(12.0, 12.0), 8.5, 8.5)
    p.drawLine(QPointF(12.0, 12.0), QPointF(12.0, 7.0))
    p.drawLine(QPointF(12.0, 12.0), QPointF(15.5, 14.0))


def _ownership(p: QPainter) -> None:
    p.drawLine(QPointF(4.0, 8.0), QPointF(19.0, 8.0))
    p.drawLine(QPointF(15.5, 4.5), QPointF(19.0, 8.0))
    p.drawLine(QPointF(15.5, 11.5), QPointF(19.0, 8.0))
    p.drawLine(QPointF(20.0, 16.0), QPointF(5.0, 16.0))
    p.drawLine(QPointF(8.5, 12.5), QPointF(5.0, 16.0))
    p.drawLine(QPointF(8.5, 19.5), QPointF(5.0, 16.0))


def _bell(p: QPainter) -> None:
    bell = QPainterPath(QPointF(5.0, 17.0))
    bell.lineTo(19.0, 17.0)
    bell.cubicTo(17.5, 15.5, 17.0, 14.0, 17.0, 10.5)
    bell.cubicTo(17.0, 7.0, 15.0, 4.5, 12.0, 4.5)
    bell.cubicTo(9.0, 4.5, 7.0, 7.0, 7.0, 10.5)
    bell.cubicTo(7.0, 14.0, 6.5, 15.5, 5.0, 17.0)
    p.drawPath(bell)
    p.drawLine(QPointF(10.5, 20.0), QPointF(13.5, 20.0))


_DRAWERS: dict[str, Callable[[QPainter], None]] = {
    "call": _call,
    "visit": _visit,
    "meeting": _meeting,
    "email": _email,
    "wechat": _wechat,
    "other": _other,
    "planned": _planned,
    "mail": _email,
    "ownership": _ownership,
    "reminder": _bell,
}


def followup_pixmap(
    name: str, size: int, color: str | None = None, device_pixel_ratio: float = 2.0
) -> QPixmap:
    """The line icon of a follow-up kind (or "planned", "mail", "ownership", "reminder")."""
    pixels = max(1, round(size * device_pixel_ratio))
    pixmap = QPixmap(pixels, pixels)
    pixmap.setDevicePixelRatio(device_pixel_ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.scale(size / _GRID, size / _GRID)
        pen = QPen(QColor(color or KIND_COLORS.get(name, "#5f6368")), 1.8)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        _DRAWERS.get(name, _other)(painter)
    finally:
        painter.end()
    return pixmap


def followup_icon(name: str, color: str | None = None) -> QIcon:
    icon = QIcon()
    for size in (16, 20, 24, 32):
        icon.addPixmap(followup_pixmap(name, size, color))
    return icon


# =========================================================================== change hub


class FollowupEvents(QObject):
    """One per op runner (one database): who changed follow-ups tells the others."""

    sig_changed = Signal(int)
    """Follow-ups of a customer were logged, planned, completed, edited or deleted; carries
    the customer id."""


def followup_events(runner: QObject) -> FollowupEvents:
    """The runner's hub (made on first use, a child of the runner)."""
    hub = runner.findChild(FollowupEvents)
    if hub is None:
        hub = FollowupEvents(runner)
    return hub


# =========================================================================== loading


@dataclass(frozen=True)
class FollowupFormData:
    """What the dialog offers: the customer's name and contacts, the lost reasons, and the
    follow-up being completed or edited."""

    customer_id: int
    customer_name: str
    contacts: tuple[ContactRow, ...]
    lost_reasons: tuple[str, ...]
    followup: FollowupRow | None


def load_followup_form(
    session: Any, customer_id: int | None, actor: Actor, followup_id: int | None = None
) -> FollowupFormData:
    """One read for the dialog (the session is handed through by the op runner)."""
    followup = get_followup(session, followup_id, actor) if followup_id is not None else None
    if customer_id is None:
        if followup is None:
            raise NotFound("no customer given")
        customer_id = followup.customer_id
    detail = get_customer(session, customer_id, actor)
    return FollowupFormData(
        customer_id=customer_id,
        customer_name=detail.name,
        contacts=tuple(detail.contacts),
        lost_reasons=tuple(list_lost_reasons(session)),
        followup=followup,
    )


# =========================================================================== the dialog


def _default_due(now: datetime) -> QDateTime:
    """Tomorrow at 10:00, local time: the usual "call back" slot."""
    local = local_datetime(now)
    return QDateTime(local.date().addDays(1), QTime(10, 0))


class FollowupDialog(QDialog):
    """Log (``mode`` "log"), plan ("plan"), complete a planned one ("complete") or edit
    ("edit") a follow-up of ``customer_id`` (complete and edit take ``followup_id``; the
    customer is then found from it). ``clock`` gives "now" (tests inject one).
    """

    sig_saved = Signal(object)
    """The follow-up was saved; carries the service's result (LogResult or FollowupRow)."""

    sig_save_finished = Signal(bool)
    """A save attempt ended; True when it was saved (tests wait on this)."""

    sig_loaded = Signal()
    """The contacts, lost reasons (and the follow-up) arrived; the form is ready."""

    def __init__(
        self,
        *,
        runner: OpRunner,
        actor: Actor,
        customer_id: int | None = None,
        mode: str = LOG,
        followup_id: int | None = None,
        clock: Callable[[], datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        if mode in (COMPLETE, EDIT) and followup_id is None:
            raise ValueError(f"mode {mode!r} needs a followup_id")
        if customer_id is None and followup_id is None:
            raise ValueError("a customer_id or a followup_id is needed")
        self.runner = runner
        self.actor = actor
        self.customer_id = customer_id
        self.mode = mode
        self.followup_id = followup_id
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.data: FollowupFormData | None = None
        self.followup: FollowupRow | None = None
        self.loaded = False
        self._loaded_values: dict[str, Any] | None = None
        self._busy = False
        self._build()
        self._reset_times()
        self.retranslate_ui()
        self._update_state()
        self._load()

    # ----------------------------------------------------------------- construction

    @property
    def planned_form(self) -> bool:
        """The form of a planned follow-up (due, kind, contact, note) rather than a done one."""
        if self.mode == PLAN:
            return True
        return self.mode == EDIT and self.followup is not None and self.followup.status == "planned"

    def _build(self) -> None:
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(10)
        self.customer_label = QLabel(self)
        self.customer_label.setFont(scaled_font(self.customer_label, 1.25, bold=True))
        self.customer_label.setWordWrap(True)
        layout.addWidget(self.customer_label)
        self.planned_note_label = QLabel(self)
        self.planned_note_label.setObjectName("muted")
        self.planned_note_label.setStyleSheet(f"color: {MUTED_COLOR};")
        self.planned_note_label.setWordWrap(True)
        self.planned_note_label.setVisible(False)
        layout.addWidget(self.planned_note_label)

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setVerticalSpacing(8)
        self.kind_combo = self._kind_combo()
        self.contact_combo = QComboBox(self)
        self.happened_edit = self._date_time_edit()
        self.due_edit = self._date_time_edit()
        self.summary_edit = QPlainTextEdit(self)
        self.summary_edit.setTabChangesFocus(True)
        self.summary_edit.setFixedHeight(96)
        self.outcome_combo = QComboBox(self)
        for outcome in FOLLOWUP_OUTCOMES:
            self.outcome_combo.addItem("", outcome)
        self.outcome_combo.setCurrentIndex(-1)
        self.lost_reason_combo = QComboBox(self)
        self.lost_reason_combo.setEditable(True)
        self.lost_reason_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)

        self.labels: dict[str, QLabel] = {}
        self.errors: dict[str, ErrorLabel] = {}
        self.editors: dict[str, QWidget] = {
            "due_at": self.due_edit,
            "kind": self.kind_combo,
            "contact_id": self.contact_combo,
            "happened_at": self.happened_edit,
            "summary": self.summary_edit,
            "outcome": self.outcome_combo,
            "lost_reason": self.lost_reason_combo,
        }
        self.rows: dict[str, QWidget] = {}
        for name, editor in self.editors.items():
            label = QLabel(self)
            error = ErrorLabel(self)
            self.labels[name] = label
            self.errors[name] = error
            box = with_error(editor, error)
            self.rows[name] = box
            self.form.addRow(label, box)
        layout.addLayout(self.form)

        # "Plan the next follow-up": a checkable group, closed until ticked.
        # A tick box; its fields appear (in a framed box) only when it is ticked.
        self.next_check = QCheckBox(self)
        self.next_check.setChecked(False)
        self.next_body = QFrame(self)
        self.next_body.setObjectName("nextBox")
        self.next_body.setStyleSheet(
            "QFrame#nextBox { border: 1px solid #d0d5dd; border-radius: 6px; }"
        )
        next_form = QFormLayout(self.next_body)
        next_form.setContentsMargins(12, 10, 12, 10)
        next_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        next_form.setVerticalSpacing(8)
        self.next_due_edit = self._date_time_edit()
        self.next_kind_combo = self._kind_combo()
        self.next_note_edit = QLineEdit(self)
        self.next_labels: dict[str, QLabel] = {}
        self.next_errors: dict[str, ErrorLabel] = {}
        for name, editor in (
            ("due_at", self.next_due_edit),
            ("kind", self.next_kind_combo),
            ("note", self.next_note_edit),
        ):
            label = QLabel(self.next_body)
            error = ErrorLabel(self.next_body)
            self.next_labels[name] = label
            self.next_errors[name] = error
            next_form.addRow(label, with_error(editor, error))
        layout.addWidget(self.next_check)
        layout.addWidget(self.next_body)

        self.form_error = ErrorLabel(self, object_name="formError")
        layout.addWidget(self.form_error)
        self.buttons = QDialogButtonBox(self)
        self.save_button = QPushButton(self)
        self.save_button.setDefault(True)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.outcome_combo.currentIndexChanged.connect(self._on_outcome_combo_current_index_changed)
        self.next_check.toggled.connect(self._on_next_check_toggled)

    def _kind_combo(self) -> QComboBox:
        combo = QComboBox(self)
        for kind in FOLLOWUP_KINDS:
            combo.addItem(followup_icon(kind), "", kind)
        return combo

    def _date_time_edit(self) -> QDateTimeEdit:
        edit = QDateTimeEdit(self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        return edit

    def _reset_times(self) -> None:
        now = self.clock()
        # Seconds are kept (not shown): "now" sorts after what happened a minute ago.
        self.happened_edit.setDateTime(local_datetime(now))
        self._default_happened = self.happened_edit.dateTime()
        self.due_edit.setDateTime(_default_due(now))
        self.next_due_edit.setDateTime(_default_due(now))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        titles = {
            LOG: self.tr("Log follow-up"),
            PLAN: self.tr("Plan follow-up"),
            COMPLETE: self.tr("Mark follow-up done"),
            EDIT: self.tr("Edit planned follow-up")
            if self.planned_form
            else self.tr("Edit follow-up"),
        }
        self.setWindowTitle(titles[self.mode])
        name = self.data.customer_name if self.data is not None else ""
        self.customer_label.setText(
            self.tr("{title} — {customer}").format(title=titles[self.mode], customer=name)
            if name
            else titles[self.mode]
        )
        if self.mode == COMPLETE and self.followup is not None:
            note = self.followup.summary.strip()
            due = self.followup.due_at
            parts = [
                self.tr("Planned: {kind}, due {when}").format(
                    kind=kind_label(self.followup.kind),
                    when=when_text(due, self.clock(), in_sentence=True) if due else "—",
                )
            ]
            if note:
                parts.append(self.tr("Note: {note}").format(note=note))
            self.planned_note_label.setText("\n".join(parts))
        self.labels["due_at"].setText(self.tr("Due"))
        self.labels["kind"].setText(self.tr("Kind"))
        self.labels["contact_id"].setText(self.tr("Contact"))
        self.labels["happened_at"].setText(self.tr("Time"))
        self.labels["summary"].setText(self.tr("Note") if self.planned_form else self.tr("Summary"))
        self.labels["outcome"].setText(self.tr("Outcome"))
        self.labels["lost_reason"].setText(self.tr("Lost reason"))
        self.summary_edit.setPlaceholderText(
            self.tr("What to prepare or ask, e.g. bring the new price list")
            if self.planned_form
            else self.tr("What was discussed, agreed or promised")
        )
        for combo in (self.kind_combo, self.next_kind_combo):
            for index in range(combo.count()):
                combo.setItemText(index, kind_label(str(combo.itemData(index))))
        for index in range(self.outcome_combo.count()):
            self.outcome_combo.setItemText(
                index, outcome_label(str(self.outcome_combo.itemData(index)))
            )
        self.outcome_combo.setPlaceholderText(self.tr("Choose an outcome…"))
        self.lost_reason_combo.lineEdit().setPlaceholderText(
            self.tr("Choose or type why the customer was lost")
        )
        if self.contact_combo.count() and self.contact_combo.itemData(0) is None:
            self.contact_combo.setItemText(0, self.tr("(no contact)"))
        self.next_check.setText(self.tr("Plan the next follow-up"))
        self.next_labels["due_at"].setText(self.tr("Due"))
        self.next_labels["kind"].setText(self.tr("Kind"))
        self.next_labels["note"].setText(self.tr("Note"))
        self.next_note_edit.setPlaceholderText(self.tr("e.g. send the revised quotation"))
        if self._busy:
            self.save_button.setText(self.tr("Saving…"))
        elif self.mode == PLAN:
            self.save_button.setText(self.tr("Plan"))
        elif self.mode == COMPLETE:
            self.save_button.setText(self.tr("Mark done"))
        else:
            self.save_button.setText(self.tr("Save"))

    def _update_state(self) -> None:
        planned = self.planned_form
        done_form = not planned
        self._set_row_visible("due_at", planned)
        self._set_row_visible("happened_at", done_form)
        self._set_row_visible("outcome", done_form)
        self._set_row_visible("lost_reason", done_form)
        self.next_check.setVisible(self.mode in (LOG, COMPLETE))
        self.next_body.setVisible(self.mode in (LOG, COMPLETE) and self.next_check.isChecked())
        self.planned_note_label.setVisible(self.mode == COMPLETE and self.followup is not None)
        lost = self.outcome_combo.currentData() == "lost"
        self.lost_reason_combo.setEnabled(lost)
        if not lost:
            self.errors["lost_reason"].set_error(None)
        self.save_button.setEnabled(self.loaded and not self._busy)
        self.adjustSize()

    def _set_row_visible(self, name: str, visible: bool) -> None:
        self.form.setRowVisible(self.rows[name], visible)

    @Slot(int)
    def _on_outcome_combo_current_index_changed(self, _index: int) -> None:
        self.errors["outcome"].set_error(None)
        self._update_state()
        if self.lost_reason_combo.isEnabled():
            self.lost_reason_combo.setFocus()

    @Slot(bool)
    def _on_next_check_toggled(self, checked: bool) -> None:
        for label in self.next_errors.values():
            label.set_error(None)
        self._update_state()
        if checked:
            self.next_due_edit.setFocus()

    # ----------------------------------------------------------------- loading

    def _load(self) -> None:
        self.runner.op(
            self,
            load_followup_form,
            customer_id=self.customer_id,
            actor=self.actor,
            followup_id=self.followup_id,
        ).read_only().on_success(self._on_form_loaded).on_failure(self._on_load_failed).run()

    def _on_form_loaded(self, data: FollowupFormData) -> None:
        self.data = data
        self.customer_id = data.customer_id
        self.followup = data.followup
        self.contact_combo.clear()
        self.contact_combo.addItem("", None)
        for contact in data.contacts:
            text = f"{contact.name} · {contact.title}" if contact.title else contact.name
            self.contact_combo.addItem(text, contact.id)
        self.lost_reason_combo.clear()
        self.lost_reason_combo.addItems(list(data.lost_reasons))
        self.lost_reason_combo.setCurrentIndex(-1)
        self.lost_reason_combo.setEditText("")
        primary = next((c.id for c in data.contacts if c.is_primary), None)
        self._select(self.contact_combo, primary)
        followup = data.followup
        if followup is not None:
            self._select(self.kind_combo, followup.kind)
            self._select(self.contact_combo, followup.contact_id)
            if self.mode == EDIT:
                self.summary_edit.setPlainText(followup.summary)
                if followup.status == "planned" and followup.due_at is not None:
                    self.due_edit.setDateTime(local_datetime(followup.due_at))
                if followup.happened_at is not None:
                    self.happened_edit.setDateTime(local_datetime(followup.happened_at))
                self._select(self.outcome_combo, followup.outcome)
                self.lost_reason_combo.setEditText(followup.lost_reason or "")
            else:  # completing: the next one is planned like this one by default
                self._select(self.next_kind_combo, followup.kind)
        self.loaded = True
        self._loaded_values = self.values()
        self.retranslate_ui()
        self._update_state()
        first = self.due_edit if self.planned_form else self.summary_edit
        first.setFocus()
        self.sig_loaded.emit()

    def _on_load_failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserError):
            self.form_error.set_error(str(exc))
        else:
            self.runner.show_error(self, exc)
        self.sig_loaded.emit()

    @staticmethod
    def _select(combo: QComboBox, value: Any) -> None:
        index = combo.findData(value)
        if index >= 0 or value is None:
            combo.setCurrentIndex(index if index >= 0 else 0)

    # ----------------------------------------------------------------- values

    def values(self) -> dict[str, Any]:
        """The form's values in the service's terms."""
        return {
            "kind": self.kind_combo.currentData(),
            "contact_id": self.contact_combo.currentData(),
            "happened_at": utc_datetime(self.happened_edit.dateTime()),
            "due_at": utc_datetime(self.due_edit.dateTime()),
            "summary": self.summary_edit.toPlainText().strip(),
            "outcome": self.outcome_combo.currentData(),
            "lost_reason": self.lost_reason_combo.currentText().strip() or None,
        }

    def next_plan(self) -> NextPlan | None:
        """The next follow-up to plan, when the group is ticked."""
        if self.mode not in (LOG, COMPLETE) or not self.next_check.isChecked():
            return None
        return NextPlan(
            due_at=utc_datetime(self.next_due_edit.dateTime()),
            note=self.next_note_edit.text().strip(),
            kind=str(self.next_kind_combo.currentData()),
            contact_id=self.contact_combo.currentData(),
        )

    def set_field_errors(self, fields: Mapping[str, str], next_fields: Mapping[str, str]) -> None:
        for name, label in self.errors.items():
            label.set_error(error_text(fields[name]) if name in fields else None)
        for name, label in self.next_errors.items():
            label.set_error(error_text(next_fields[name]) if name in next_fields else None)
        for name, editor in self.editors.items():
            if name in fields:
                editor.setFocus()
                return
        if next_fields:
            self.next_due_edit.setFocus()

    def validate(self) -> tuple[dict[str, str], dict[str, str]]:
        """Messages of the fields the user must correct before saving (none: it may save)."""
        values = self.values()
        fields: dict[str, str] = {}
        next_fields: dict[str, str] = {}
        if self.planned_form:
            return fields, next_fields
        if values["outcome"] is None:
            fields["outcome"] = self.tr("Choose an outcome")
        elif values["outcome"] == "lost" and not values["lost_reason"]:
            fields["lost_reason"] = self.tr("Say why the customer was lost")
        if values["happened_at"] > self.clock() + FUTURE_SLACK:
            fields["happened_at"] = self.tr("Not in the future; plan it instead")
        plan = self.next_plan()
        if plan is not None and plan.due_at <= values["happened_at"]:
            next_fields["due_at"] = self.tr("After the time of this follow-up")
        return fields, next_fields

    # ----------------------------------------------------------------- saving

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.retranslate_ui()
        self._update_state()

    def save(self) -> None:
        """Check and save the form (what the Save button does)."""
        if self._busy or not self.loaded:
            return
        self.form_error.set_error(None)
        fields, next_fields = self.validate()
        self.set_field_errors(fields, next_fields)
        if fields or next_fields:
            self.form_error.set_error(self.tr("Please correct the marked fields."))
            self.sig_save_finished.emit(False)
            return
        values = self.values()
        plan_next = self.next_plan()
        if self.planned_form:
            data = FollowupInput(
                **self._changed(
                    {
                        "kind": values["kind"],
                        "contact_id": values["contact_id"],
                        "due_at": values["due_at"],
                        "summary": values["summary"],
                    }
                )
            )
        else:
            lost = values["outcome"] == "lost"
            # Time untouched: the service takes its own (exact) "now".
            untouched = (
                self.mode != EDIT and self.happened_edit.dateTime() == self._default_happened
            )
            given: dict[str, Any] = {
                "kind": values["kind"],
                "contact_id": values["contact_id"],
                "happened_at": None if untouched else values["happened_at"],
                "summary": values["summary"],
                "outcome": values["outcome"],
                "lost_reason": values["lost_reason"] if lost else None,
            }
            if self.mode == COMPLETE and not values["summary"]:
                del given["summary"]  # the plan's note becomes the summary
            data = FollowupInput(**self._changed(given))
        if self.mode == LOG:
            op = self.runner.op(
                self,
                log_followup,
                customer_id=self.customer_id,
                data=data,
                actor=self.actor,
                plan_next=plan_next,
                now=self.clock(),
            )
        elif self.mode == PLAN:
            op = self.runner.op(
                self,
                plan_followup,
                customer_id=self.customer_id,
                plan=NextPlan(
                    due_at=values["due_at"],
                    note=values["summary"],
                    kind=values["kind"],
                    contact_id=values["contact_id"],
                ),
                actor=self.actor,
                now=self.clock(),
            )
        else:
            assert self.followup is not None
            op = self.runner.op(
                self,
                complete_followup if self.mode == COMPLETE else update_followup,
                followup_id=self.followup.id,
                data=data,
                version=self.followup.version,
                actor=self.actor,
                **({"plan_next": plan_next, "now": self.clock()} if self.mode == COMPLETE else {}),
            )
        if self.mode == EDIT and not data.given():
            self.accept()  # nothing changed
            return
        self._set_busy(True)
        op.on_success(self._on_saved).on_failure(self._on_save_failed).run()

    def _changed(self, given: dict[str, Any]) -> dict[str, Any]:
        """Editing: only what the user changed (an untouched time keeps its seconds)."""
        if self.mode != EDIT or self._loaded_values is None:
            return given
        return {k: v for k, v in given.items() if self._loaded_values.get(k) != v}

    @Slot()
    def _on_buttons_accepted(self) -> None:
        self.save()

    def _on_saved(self, result: LogResult | FollowupRow) -> None:
        self._set_busy(False)
        if self.customer_id is not None:
            followup_events(self.runner).sig_changed.emit(self.customer_id)
        self.sig_saved.emit(result)
        self.sig_save_finished.emit(True)
        self.accept()

    def _on_save_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, ValidationError) and exc.fields:
            fields, next_fields = _split_fields(exc.fields)
            self.set_field_errors(fields, next_fields)
            self.form_error.set_error(self.tr("Please correct the marked fields."))
        elif isinstance(exc, ConflictError):
            self.form_error.set_error(
                self.tr(
                    "Not saved: someone else changed this follow-up meanwhile. Your input is "
                    "kept; close the dialog and open the follow-up again to see their change."
                )
            )
        elif isinstance(exc, UserError):
            self.form_error.set_error(str(exc))
        else:
            self.runner.show_error(self, exc)
        self.sig_save_finished.emit(False)


def error_text(message: str) -> str:
    """A service's field message about a follow-up in the UI's language."""
    known = {
        "required for a lost outcome": translate("Followups", "Say why the customer was lost"),
        "choose one of the lost reasons": translate(
            "Followups", "Choose one of the listed reasons"
        ),
        "only for a lost outcome": translate("Followups", "Only for a lost outcome"),
        "not a contact of this customer": translate(
            "Followups", "No longer a contact of this customer"
        ),
        "complete the follow-up to give its outcome": translate(
            "Followups", "Mark the follow-up done to give its outcome"
        ),
        "only a planned follow-up has a due time": translate(
            "Followups", "Only a planned follow-up has a due time"
        ),
    }
    return known.get(message) or field_error_text(message)


def _split_fields(fields: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """A service's field errors: this follow-up's, and the next plan's ("plan_next.due_at",
    "next_due_at"…)."""
    own: dict[str, str] = {}
    nxt: dict[str, str] = {}
    for name, message in fields.items():
        for prefix in ("plan_next.", "plan_next_", "next_", "plan."):
            if name.startswith(prefix):
                rest = name[len(prefix) :]
                nxt["note" if rest in ("note", "summary") else rest] = message
                break
        else:
            if name == "plan_next":
                nxt["due_at"] = message
            elif name == "note":
                own["summary"] = message
            else:
                own[name] = message
    return own, nxt


def open_followup_dialog(
    parent: QWidget,
    runner: OpRunner,
    actor: Actor,
    *,
    customer_id: int | None = None,
    mode: str = LOG,
    followup_id: int | None = None,
    on_saved: Callable[[object], None] | None = None,
) -> FollowupDialog:
    """Open the dialog window-modal; it deletes itself when closed."""
    dialog = FollowupDialog(
        runner=runner,
        actor=actor,
        customer_id=customer_id,
        mode=mode,
        followup_id=followup_id,
        parent=parent,
    )
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    if on_saved is not None:
        dialog.sig_saved.connect(on_saved)
    dialog.open()
    return dialog
