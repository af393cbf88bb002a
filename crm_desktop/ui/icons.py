"""Line icons drawn with QPainter, so they are crisp at any size and DPI and need no image files
at run time. ``tools/export_icons.py`` writes the same drawings to ``resources/icons/`` as SVG
(``installer/make_icon.py`` the Windows app.ico) for installers, desktop entries and the docs."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

ICON_COLOR = "#5f6368"
ICON_SELECTED_COLOR = "#1d4ed8"
ACCENT = "#2563eb"
_GRID = 24.0  # icons are drawn on a 24 × 24 grid and scaled


def _customers(p: QPainter) -> None:
    p.drawEllipse(QPointF(9.0, 8.0), 3.4, 3.4)
    body = QPainterPath(QPointF(3.0, 19.5))
    body.cubicTo(3.0, 13.2, 15.0, 13.2, 15.0, 19.5)
    p.drawPath(body)
    p.drawEllipse(QPointF(16.5, 8.8), 2.7, 2.7)
    back = QPainterPath(QPointF(16.2, 13.9))
    back.cubicTo(19.2, 13.9, 21.0, 16.0, 21.0, 19.5)
    p.drawPath(back)


def _today(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(3.5, 5.0, 17.0, 15.5), 2.5, 2.5)
    p.drawLine(QPointF(3.5, 9.8), QPointF(20.5, 9.8))
    p.drawLine(QPointF(8.0, 3.0), QPointF(8.0, 6.5))
    p.drawLine(QPointF(16.0, 3.0), QPointF(16.0, 6.5))
    check = QPainterPath(QPointF(8.6, 14.8))
    check.lineTo(11.0, 17.2)
    check.lineTo(15.6, 12.6)
    p.drawPath(check)


def _pool(p: QPainter) -> None:
    # 公海, the "public sea": a person above two waves.
    p.drawEllipse(QPointF(12.0, 5.8), 2.6, 2.6)
    shoulders = QPainterPath(QPointF(7.6, 12.6))
    shoulders.cubicTo(7.6, 8.8, 16.4, 8.8, 16.4, 12.6)
    p.drawPath(shoulders)
    for y in (15.6, 19.8):
        wave = QPainterPath(QPointF(3.0, y))
        for start in (3.0, 9.0, 15.0):
            wave.quadTo(start + 1.5, y - 2.0, start + 3.0, y)
            wave.quadTo(start + 4.5, y + 2.0, start + 6.0, y)
        p.drawPath(wave)


def _mail(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(3.0, 5.5, 18.0, 13.0), 2.5, 2.5)
    flap = QPainterPath(QPointF(3.8, 7.0))
    flap.lineTo(12.0, 13.0)
    flap.lineTo(20.2, 7.0)
    p.drawPath(flap)


def _reports(p: QPainter) -> None:
    p.drawLine(QPointF(3.5, 20.0), QPointF(20.5, 20.0))
    for x, top in ((5.5, 13.0), (10.5, 7.0), (15.5, 10.5)):
        p.drawRoundedRect(QRectF(x, top, 3.2, 20.0 - top), 0.8, 0.8)


def _admin(p: QPainter) -> None:
    centre = QPointF(12.0, 12.0)
    outer, inner = 9.0, 6.6
    points: list[QPointF] = []
    for tooth in range(8):
        base = tooth * 45.0
        for radius, offset in ((inner, -15.0), (outer, -8.0), (outer, 8.0), (inner, 15.0)):
            angle = math.radians(base + offset)
            points.append(
                QPointF(
                    centre.x() + radius * math.cos(angle), centre.y() + radius * math.sin(angle)
                )
            )
    p.drawPolygon(QPolygonF(points))
    p.drawEllipse(centre, 2.8, 2.8)


def _database(p: QPainter) -> None:
    p.drawEllipse(QRectF(5.0, 3.5, 14.0, 5.0))
    side = QPainterPath(QPointF(5.0, 6.0))
    side.lineTo(5.0, 18.0)
    side.arcTo(QRectF(5.0, 15.5, 14.0, 5.0), 180.0, 180.0)
    side.lineTo(19.0, 6.0)
    p.drawPath(side)
    middle = QPainterPath(QPointF(5.0, 12.0))
    middle.arcTo(QRectF(5.0, 9.5, 14.0, 5.0), 180.0, 180.0)
    p.drawPath(middle)


def _user(p: QPainter) -> None:
    p.drawEllipse(QPointF(12.0, 8.0), 3.6, 3.6)
    body = QPainterPath(QPointF(5.0, 20.0))
    body.cubicTo(5.0, 13.5, 19.0, 13.5, 19.0, 20.0)
    p.drawPath(body)


_DRAWERS: dict[str, Callable[[QPainter], None]] = {
    "customers": _customers,
    "today": _today,
    "pool": _pool,
    "mail": _mail,
    "reports": _reports,
    "admin": _admin,
    "database": _database,
    "user": _user,
}


LINE_ICONS: tuple[str, ...] = tuple(_DRAWERS)


def paint_line_icon(painter: QPainter, name: str, size: float, color: str) -> None:
    """Draw the icon ``name`` in ``color`` into the square (0, 0, size, size) of ``painter``."""
    painter.save()
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.scale(size / _GRID, size / _GRID)
        pen = QPen(QColor(color), 1.8)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        _DRAWERS[name](painter)
    finally:
        painter.restore()


def line_pixmap(name: str, size: int, color: str, device_pixel_ratio: float = 2.0) -> QPixmap:
    """The icon ``name`` drawn in ``color`` on a transparent square of ``size`` logical pixels."""
    pixels = max(1, round(size * device_pixel_ratio))
    pixmap = QPixmap(pixels, pixels)
    pixmap.setDevicePixelRatio(device_pixel_ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    try:
        paint_line_icon(painter, name, size, color)
    finally:
        painter.end()
    return pixmap


def line_icon(
    name: str, color: str = ICON_COLOR, selected_color: str = ICON_SELECTED_COLOR
) -> QIcon:
    """An icon with a normal and a selected colour, at the sizes lists and menus use."""
    icon = QIcon()
    for size in (16, 20, 24, 32):
        icon.addPixmap(line_pixmap(name, size, color), QIcon.Mode.Normal)
        icon.addPixmap(line_pixmap(name, size, selected_color), QIcon.Mode.Selected)
    return icon


def app_pixmap(size: int, device_pixel_ratio: float = 2.0) -> QPixmap:
    """The application mark: two people in white on a blue rounded square."""
    pixels = max(1, round(size * device_pixel_ratio))
    pixmap = QPixmap(pixels, pixels)
    pixmap.setDevicePixelRatio(device_pixel_ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    try:
        paint_app_mark(painter, size)
    finally:
        painter.end()
    return pixmap


def paint_app_mark(painter: QPainter, size: float) -> None:
    """Draw the application mark into the square (0, 0, size, size) of ``painter``."""
    painter.save()
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.scale(size / _GRID, size / _GRID)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(ACCENT))
        painter.drawRoundedRect(QRectF(0.5, 0.5, 23.0, 23.0), 5.5, 5.5)
        pen = QPen(QColor("#ffffff"), 1.9)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.translate(12.0, 12.5)
        painter.scale(0.72, 0.72)
        painter.translate(-12.0, -12.0)
        _customers(painter)
    finally:
        painter.restore()


def app_icon() -> QIcon:
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        icon.addPixmap(app_pixmap(size, 1.0))
    return icon
