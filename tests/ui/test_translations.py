"""The zh_CN catalogue is complete, the shipped .qm matches it, and switching is live."""

from __future__ import annotations

import filecmp
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from crm_desktop.ui.i18n import Translations, choose_language, qm_path, system_language

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "i18n" / "crm_desktop_zh_CN.ts"
BIN = Path(sys.executable).parent


def test_every_string_has_a_chinese_translation() -> None:
    problems = []
    for context in ET.parse(TS).getroot().iter("context"):
        name = context.findtext("name")
        for message in context.iter("message"):
            translation = message.find("translation")
            source = message.findtext("source")
            if translation is None or translation.get("type") is not None:
                kind = "missing" if translation is None else translation.get("type")
                problems.append(f"{kind}: [{name}] {source!r}")
            elif message.get("numerus") == "yes":
                forms = [f.text or "" for f in translation.iter("numerusform")]
                if not forms or not all(f.strip() for f in forms):
                    problems.append(f"empty: [{name}] {source!r}")
            elif not (translation.text or "").strip():
                problems.append(f"empty: [{name}] {source!r}")
    assert problems == []


def test_the_shipped_qm_is_compiled_from_the_ts(tmp_path: Path) -> None:
    shipped = qm_path("zh_CN")
    assert shipped.exists(), "run: python tools/i18n.py compile"
    fresh = tmp_path / "fresh.qm"
    subprocess.run(
        [str(BIN / "pyside6-lrelease"), "-silent", str(TS), "-qm", str(fresh)], check=True
    )
    assert filecmp.cmp(fresh, shipped, shallow=False), "run: python tools/i18n.py compile"


def test_the_i18n_tool_finds_nothing_to_do() -> None:
    """Also proves every string in the code was extracted into the .ts."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "i18n.py"), "check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("saved", "system", "expected"),
    [
        ("zh_CN", "en_US", "zh_CN"),
        ("en", "zh_CN", "en"),
        (None, "zh_CN", "zh_CN"),
        (None, "zh_TW", "zh_CN"),
        (None, "de_DE", "en"),
        ("klingon", "en_GB", "en"),
    ],
)
def test_choose_language(saved: str | None, system: str, expected: str) -> None:
    assert choose_language(saved, QLocale(system)) == expected


def test_system_language_follows_the_locale() -> None:
    assert system_language(QLocale("zh_CN")) == "zh_CN"
    assert system_language(QLocale("fr_FR")) == "en"


def test_switching_translates_our_strings_and_qt_buttons(
    qtbot: QtBot, ui_translations: Translations
) -> None:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    cancel = box.button(QDialogButtonBox.StandardButton.Cancel)

    ui_translations.apply("zh_CN")
    assert QCoreApplication.translate("MainWindow", "Customers") == "客户"
    qtbot.waitUntil(lambda: "取消" in cancel.text())  # LanguageChange is a posted event

    ui_translations.apply("en")
    assert QCoreApplication.translate("MainWindow", "Customers") == "Customers"
    qtbot.waitUntil(lambda: cancel.text().replace("&", "") == "Cancel")
