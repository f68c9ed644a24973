"""Helpers for the screen tests: find QML items, tap them, read QR codes off the window."""

from __future__ import annotations

from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtQuick import QQuickItem
from pytestqt.qtbot import QtBot

from kiosk.i18n.linebreak import plain
from kiosk.ui.window import KioskUi


def _items_named(root: QQuickItem, object_name: str) -> list[QQuickItem]:
    # NOTE: the visual tree, not QObject children: ListView delegates have no QObject parent.
    found = [root] if root.objectName() == object_name else []
    for child in root.childItems():
        found.extend(_items_named(child, object_name))
    return found


def find_item(ui: KioskUi, object_name: str) -> QQuickItem:
    """The QML item with this ``objectName`` (it must exist exactly once)."""
    found = _items_named(ui.window.contentItem(), object_name)
    assert len(found) == 1, f"{len(found)} items named {object_name!r}"
    return found[0]


def has_item(ui: KioskUi, object_name: str) -> bool:
    """True when an item with this ``objectName`` exists."""
    return bool(_items_named(ui.window.contentItem(), object_name))


def item_text(ui: KioskUi, object_name: str) -> str:
    """The ``text`` property of a Label or Button, as a person reads it (without the word
    joiners that keep Japanese phrases on one line: kiosk/i18n/linebreak.py)."""
    return plain(str(find_item(ui, object_name).property("text")))


def is_shown(item: QQuickItem) -> bool:
    """True when the item and all its ancestors are visible."""
    return item.isVisible()


def tap(qtbot: QtBot, ui: KioskUi, object_name: str) -> None:
    """Press and release the mouse in the middle of an item, like a finger would."""
    # NOTE: the window ignores taps for a moment after each screen change (Main.qml tapGuardMs);
    # wait that out first, as the item may be made anew meanwhile (a list's rows are).
    guards = _items_named(ui.window.contentItem(), "tapGuard")
    if guards:
        qtbot.waitUntil(lambda: guards[0].property("enabled") is False, timeout=5000)
    item = find_item(ui, object_name)
    assert item.isVisible() and item.isEnabled(), f"{object_name} cannot be tapped"
    centre = item.mapToScene(QPointF(item.width() / 2, item.height() / 2)).toPoint()
    qtbot.mouseClick(ui.window, Qt.MouseButton.LeftButton, pos=QPoint(centre))


def window_image(ui: KioskUi) -> Image.Image:
    """The window rendered now, as a Pillow image."""
    image = ui.window.grabWindow().convertToFormat(QImage.Format.Format_RGB888)
    data = bytes(image.constBits())[: image.sizeInBytes()]
    return Image.frombuffer(
        "RGB", (image.width(), image.height()), data, "raw", "RGB", image.bytesPerLine(), 1
    )
