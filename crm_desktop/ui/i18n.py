"""Choosing and switching the UI language: our .qm catalogue plus Qt's own (standard buttons).

Switching installs new QTranslators; Qt then sends ``QEvent.LanguageChange`` to every widget and
each widget re-runs its ``retranslate_ui()``, so the switch is live.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

log = logging.getLogger(__name__)

LANGUAGE_EN = "en"
LANGUAGE_ZH_CN = "zh_CN"
# Language names are shown in their own language, never translated.
LANGUAGES: tuple[tuple[str, str], ...] = ((LANGUAGE_EN, "English"), (LANGUAGE_ZH_CN, "简体中文"))
CATALOGUE = "crm_desktop"
QM_DIR = Path(__file__).resolve().parent / "i18n"
_QT_CATALOGUES = ("qtbase", "qt")  # qtbase_* holds QDialogButtonBox/QWizard texts; qt_* is older


def system_language(locale: QLocale | None = None) -> str:
    """The UI language matching the system locale: any Chinese locale → zh_CN, else English."""
    name = (locale or QLocale.system()).name()
    return LANGUAGE_ZH_CN if name.lower().startswith("zh") else LANGUAGE_EN


def choose_language(preferred: str | None, locale: QLocale | None = None) -> str:
    """The language to use: the one saved in the settings when known, else the system's."""
    if preferred in {code for code, _name in LANGUAGES}:
        return str(preferred)
    return system_language(locale)


def qm_path(language: str) -> Path:
    return QM_DIR / f"{CATALOGUE}_{language}.qm"


class Translations:
    """The translators installed on the application; ``apply`` switches the language live."""

    def __init__(self, app: QCoreApplication | None = None) -> None:
        instance = app or QCoreApplication.instance()
        if instance is None:
            raise RuntimeError("Translations need a QCoreApplication")
        self._app = instance
        self._installed: list[QTranslator] = []
        self.language = LANGUAGE_EN

    def apply(self, language: str) -> str:
        """Install the catalogues of ``language`` (unknown → English); returns what was applied."""
        if language not in {code for code, _name in LANGUAGES}:
            language = LANGUAGE_EN
        for translator in self._installed:
            self._app.removeTranslator(translator)
        self._installed.clear()
        if language != LANGUAGE_EN:
            self._install_own(language)
            self._install_qt(language)
        QLocale.setDefault(QLocale(language if language != LANGUAGE_EN else "en_US"))
        self.language = language
        return language

    def _install_own(self, language: str) -> None:
        translator = QTranslator(self._app)
        path = qm_path(language)
        if translator.load(str(path)):
            self._app.installTranslator(translator)
            self._installed.append(translator)
        else:
            log.warning("translation catalogue missing or unreadable: %s", path)

    def _install_qt(self, language: str) -> None:
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        for name in _QT_CATALOGUES:
            translator = QTranslator(self._app)
            if translator.load(f"{name}_{language}", folder):
                self._app.installTranslator(translator)
                self._installed.append(translator)
                return
        log.info("no Qt translations for %s in %s", language, folder)
