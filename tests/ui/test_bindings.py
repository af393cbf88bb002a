"""Guards against Qt binding releases that corrupt CPython's reference counts.

PySide6 6.10–6.12 on CPython 3.11 drop a reference to None on every void call and to True on
every emit; after a few thousand calls the interpreter aborts. pyproject pins a good range; this
test fails if an install ever picks a bad one.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel


class _Emitter(QObject):
    sig_value = Signal(int)
    """Emitted with a number, for the test."""


def test_void_calls_and_emits_keep_none_and_true_alive(qtbot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    emitter = _Emitter()
    emitter.sig_value.connect(lambda _v: None)
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(5000):
        label.setText("x")
        label.setVisible(False)
        emitter.sig_value.emit(1)
    # A few references may come and go elsewhere; a leak per call would show thousands.
    assert abs(sys.getrefcount(None) - none_before) < 100
    assert abs(sys.getrefcount(True) - true_before) < 100
