"""The drawn icons are shipped as files too (resources/icons/, by tools/export_icons.py), so
installers, desktop entries and the docs show the same pictures as the app."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize
from PySide6.QtSvg import QSvgRenderer

from crm_desktop.core.paths import resources_dir
from crm_desktop.ui.icons import LINE_ICONS, line_icon


@pytest.mark.parametrize("name", [*LINE_ICONS, "app"])
def test_every_icon_is_shipped_as_an_svg(qapp: object, name: str) -> None:
    path = resources_dir() / "icons" / f"{name}.svg"
    assert path.is_file(), f"run: python tools/export_icons.py ({path} is missing)"
    assert QSvgRenderer(str(path)).isValid()


def test_line_icons_are_sharp_on_high_dpi_screens(qapp: object) -> None:
    """Every size a list or menu asks for has a 2× pixmap (drawn, not scaled up)."""
    icon = line_icon("customers")
    for size in (16, 20, 24, 32):
        pixmap = icon.pixmap(QSize(size, size), 2.0)
        assert pixmap.devicePixelRatio() == 2.0
        assert pixmap.width() == 2 * size
