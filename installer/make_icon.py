"""Write ``resources/icons/app.ico`` (Windows: the .exe, the installer, shortcuts) and
``app.png`` from the mark the app draws itself (``crm_desktop.ui.icons.app_pixmap``).

    python installer/make_icon.py

The .ico holds one PNG per size (the ICO container allows PNG entries since Windows Vista),
each drawn at its own size rather than scaled, so the small ones stay crisp. No Pillow needed.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ICON_DIR = ROOT / "resources" / "icons"
SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)


def png_bytes(size: int) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    from crm_desktop.ui.icons import app_pixmap

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not app_pixmap(size, 1.0).toImage().save(buffer, "PNG"):
        raise RuntimeError(f"could not encode the {size} px icon as PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(images: dict[int, bytes]) -> bytes:
    """An ICO file of square PNG images keyed by their size in pixels."""
    header = struct.pack("<HHH", 0, 1, len(images))  # reserved, type 1 = icon, count
    directory = b""
    body = b""
    offset = 6 + 16 * len(images)
    for size, png in sorted(images.items()):
        side = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        # width, height, colours (0: no palette), reserved, planes, bits per pixel, size, offset
        directory += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset + len(body))
        body += png
    return header + directory + body


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    images = {size: png_bytes(size) for size in SIZES}
    ICON_DIR.mkdir(parents=True, exist_ok=True)
    (ICON_DIR / "app.ico").write_bytes(ico_bytes(images))
    (ICON_DIR / "app.png").write_bytes(images[256])
    print(f"wrote {ICON_DIR / 'app.ico'} ({', '.join(map(str, SIZES))} px) and app.png")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
