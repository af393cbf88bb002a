"""Write the app's drawn icons (crm_desktop/ui/icons.py) to resources/icons/ as SVG files: every
line icon and the app mark (app.svg). The app itself draws them at run time (crisp at any DPI);
the files are for desktop entries, the documentation and other tools. The Windows app.ico and
app.png are written by installer/make_icon.py from the same drawing.

    python tools/export_icons.py [--out resources/icons]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG_SIZE = 24


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "icons")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))

    from PySide6.QtCore import QRect, QSize
    from PySide6.QtGui import QGuiApplication, QPainter
    from PySide6.QtSvg import QSvgGenerator

    from crm_desktop.ui.icons import ICON_COLOR, LINE_ICONS, paint_app_mark
    from crm_desktop.ui.icons import paint_line_icon as paint_line

    _app = QGuiApplication.instance() or QGuiApplication(["export_icons"])
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)

    def svg(path: Path, title: str, paint: object) -> None:
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(QSize(SVG_SIZE, SVG_SIZE))
        generator.setViewBox(QRect(0, 0, SVG_SIZE, SVG_SIZE))
        generator.setTitle(title)
        generator.setDescription("crm-desktop icon, drawn by crm_desktop/ui/icons.py")
        painter = QPainter(generator)
        try:
            paint(painter)  # type: ignore[operator]
        finally:
            painter.end()
        print(f"icons: wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    for name in LINE_ICONS:
        svg(
            out / f"{name}.svg",
            name,
            lambda p, n=name: paint_line(p, n, SVG_SIZE, ICON_COLOR),
        )
    svg(out / "app.svg", "crm-desktop", lambda p: paint_app_mark(p, SVG_SIZE))
    return 0


if __name__ == "__main__":
    sys.exit(main())
