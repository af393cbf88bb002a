"""Render the main window's dialogs in English and Chinese into docs/screenshots/: Help →
Keyboard shortcuts, Settings, Database connections, the import wizard (preview and mapping of a
CSV file), Export and Restore from backup (after a backup made by hand).

    python tools/screenshots_dialogs.py [--customers 300] [--out docs/screenshots]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
SIZE = (1200, 750)
IMPORT_ROWS = {
    "en": (
        ("Company", "Contact", "Phone", "Email", "Grade", "Region"),
        (
            "Harbor Freight Components",
            "Laura Chen",
            "+1 415 555 0134",
            "laura@harborfc.com",
            "A",
            "West",
        ),
        (
            "Blue Ridge Metals Inc.",
            "Tom Becker",
            "+1 828 555 0199",
            "tom@blueridge.com",
            "B",
            "East",
        ),
        ("Prairie Sensors LLC", "Ana Lopez", "+1 312 555 0110", "ana@prairie.io", "C", "Midwest"),
    ),
    "zh_CN": (
        ("公司名称", "联系人", "电话", "邮箱", "客户等级", "区域"),
        ("上海明远贸易有限公司", "张伟", "021 6123 4500", "zhangwei@mingyuan.cn", "A", "华东"),
        ("杭州恒通电子有限公司", "李娜", "0571 8888 1234", "lina@hengtong.cn", "B", "华东"),
        ("成都西部仪表厂", "王磊", "028 8555 6677", "wanglei@xbyb.cn", "C", "西南"),
    ),
}

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from crm_desktop.services.context import Actor
    from crm_desktop.services.database import Database
    from crm_desktop.ui.i18n import Translations


def render_dialog_screenshots(
    app: QApplication,
    translations: Translations,
    db: Database,
    admin: Actor,
    language: str,
    out: Path,
) -> list[Path]:
    import csv
    import tempfile

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox, QWizard

    from crm_desktop.core.settings import Settings
    from crm_desktop.ui.app import build_main_window
    from crm_desktop.ui.backup_dialogs import backup_coordinator
    from crm_desktop.ui.connections import ConnectionsDialog
    from crm_desktop.ui.import_wizard import ImportWizard
    from crm_desktop.ui.ops import OpRunner
    from crm_desktop.ui.settings_dialog import SettingsDialog

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from screenshots import customers_ready, save, settle, wait_for

    translations.apply(language)
    runner = OpRunner(db)
    written: list[Path] = []

    def shot(widget: object, name: str) -> None:
        settle(app)
        path = out / f"{name}-{language}.png"
        save(widget, path)  # type: ignore[arg-type]
        written.append(path)

    settings = Settings(language=language)
    window = build_main_window(db, admin, settings, runner=runner, translations=translations)
    try:
        window.resize(*SIZE)
        window.show()
        wait_for(app, lambda: customers_ready(window.customers_page))

        shortcuts = window.show_shortcuts()
        shortcuts.resize(560, 640)
        shot(shortcuts, "shortcuts")
        shortcuts.close()

        dialog = SettingsDialog(
            settings=settings, translations=translations, database_label=db.label, parent=window
        )
        dialog.show()
        shot(dialog, "settings")
        dialog.close()

        connections = ConnectionsDialog(settings, "local", window)
        connections.show()
        shot(connections, "connections")
        connections.close()

        export = window.customers_page.start_export()
        if export is not None:
            wait_for(app, export.isVisible)
            shot(export, "export")
            export.close()

        folder = Path(tempfile.mkdtemp(prefix="crm-import-"))
        sample = folder / ("客户名单.csv" if language == "zh_CN" else "customers.csv")
        with sample.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows(IMPORT_ROWS[language])
        wizard = ImportWizard(admin, runner, path=sample, parent=window)
        wizard.resize(920, 660)
        wizard.show()
        wait_for(app, lambda: wizard.preview is not None)
        wizard.next()  # the file page → the preview of the first rows
        shot(wizard, "import-wizard-preview")
        wizard.button(QWizard.WizardButton.NextButton).click()
        shot(wizard, "import-wizard-mapping")
        wizard.close()

        # Back up now ends with a modal note; a timer pictures and closes it.
        coordinator = backup_coordinator(window)
        noted: list[bool] = []

        def picture_note() -> None:
            note = app.activeModalWidget()
            if isinstance(note, QMessageBox):
                timer.stop()
                shot(note, "backup-done")
                note.accept()
                noted.append(True)

        timer = QTimer()
        timer.setInterval(100)
        timer.timeout.connect(picture_note)
        timer.start()
        coordinator.back_up_now(window)
        wait_for(app, lambda: bool(noted))
        restore = coordinator.restore_from_backup(window)
        if restore is not None:
            restore.resize(640, 420)
            shot(restore, "restore")
            restore.close()
    finally:
        window.close()
        window.deleteLater()
        settle(app, 0.2)
        runner.shutdown()
    return written


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from screenshots import run_per_language

    description = __doc__.splitlines()[0] if __doc__ else None
    return run_per_language(
        render_dialog_screenshots, description=description, argv=argv, default_customers=300
    )


if __name__ == "__main__":
    sys.exit(main())
