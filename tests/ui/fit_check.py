"""Finds text that does not fit: walks the window's item tree and compares each label's text
with its box (issue 13: every screen usable at 200 % text with nothing clipped)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF
from PySide6.QtQuick import QQuickItem, QQuickWindow

SLACK_PX = 1.5  # rounding of fractional layouts
SCROLLERS = ("QQuickFlickable", "QQuickListView", "QQuickGridView", "QQuickScrollView")


@dataclass(frozen=True)
class Misfit:
    """A label whose text does not fit, and how."""

    name: str
    text: str
    problem: str

    def __str__(self) -> str:
        return f"{self.name} {self.text[:40]!r}: {self.problem}"


def _classes(item: QQuickItem) -> list[str]:
    names = []
    meta = item.metaObject()
    while meta is not None:
        names.append(meta.className())
        meta = meta.superClass()
    return names


def _is_text(item: QQuickItem) -> bool:
    return "QQuickText" in _classes(item)


def _shown(item: QQuickItem) -> bool:
    node: QQuickItem | None = item
    while node is not None:
        if not node.isVisible() or node.opacity() <= 0.01:
            return False
        node = node.parentItem()
    return True


def _scrolls(item: QQuickItem) -> bool:
    node = item.parentItem()
    while node is not None:
        if any(cls in SCROLLERS for cls in _classes(node)):
            return True
        node = node.parentItem()
    return False


def _name(item: QQuickItem) -> str:
    node: QQuickItem | None = item
    while node is not None:
        if node.objectName():
            return node.objectName() if node is item else f"{node.objectName()}>label"
        node = node.parentItem()
    return type(item).__name__


def _scene_rect(item: QQuickItem) -> QRectF:
    return item.mapRectToScene(QRectF(0, 0, item.width(), item.height()))


def misfits(window: QQuickWindow, bounds: QQuickItem | None = None) -> list[Misfit]:
    """Every shown label in ``window`` whose text is elided, wider or taller than its box, or
    outside ``bounds`` (the screen area; default the window) when it cannot be scrolled to."""
    area = (
        _scene_rect(bounds) if bounds is not None else QRectF(0, 0, window.width(), window.height())
    )
    found: list[Misfit] = []

    def walk(item: QQuickItem) -> None:
        for child in item.childItems():
            walk(child)
        if not _is_text(item) or not _shown(item):
            return
        text = str(item.property("text") or "")
        if not text.strip():
            return
        name = _name(item)
        problems = []
        if item.property("truncated"):
            problems.append("elided or cut to its line count")
        content_w = float(item.property("contentWidth"))
        content_h = float(item.property("contentHeight"))
        if content_w > item.width() + SLACK_PX:
            problems.append(f"text {content_w:.0f} px wide in a box of {item.width():.0f}")
        if content_h > item.height() + SLACK_PX:
            problems.append(f"text {content_h:.0f} px tall in a box of {item.height():.0f}")
        rect = _scene_rect(item)
        inside_bounds = bounds is None or _descends(item, bounds)
        if inside_bounds and not _scrolls(item) and not _contains(area, rect):
            problems.append(
                f"box {rect.x():.0f},{rect.y():.0f} {rect.width():.0f}x{rect.height():.0f} "
                f"outside the screen {area.width():.0f}x{area.height():.0f}"
            )
        problems.extend(_outside_ancestors(item, rect, bounds))
        found.extend(Misfit(name, text, p) for p in problems)

    walk(window.contentItem())
    return found


def _outside_ancestors(item: QQuickItem, rect: QRectF, stop: QQuickItem | None) -> list[str]:
    """The label must lie inside each box it is drawn in (a row, a card, a button), up to the
    screen or the list it scrolls in; a list it cannot be scrolled in must show all of it."""
    problems: list[str] = []
    node = item.parentItem()
    while node is not None and node is not stop:
        classes = _classes(node)
        if any(cls in SCROLLERS for cls in classes):
            content_h = float(node.property("contentHeight") or 0)
            if content_h > node.height() + SLACK_PX and not node.property("interactive"):
                problems.append(
                    f"in a list {content_h:.0f} px tall that shows {node.height():.0f}"
                    " and cannot scroll"
                )
            break
        parent = node.parentItem()
        if parent is not None and any(cls in SCROLLERS for cls in _classes(parent)):
            break  # a scroller's content item: as tall as its content
        if node.width() > 0 and node.height() > 0 and not _contains(_scene_rect(node), rect):
            box = _scene_rect(node)
            problems.append(
                f"drawn outside {node.objectName() or classes[0]} "
                f"({rect.bottom() - box.bottom():+.0f} px below,"
                f" {rect.right() - box.right():+.0f} px right)"
            )
            break
        node = parent
    return problems


def _descends(item: QQuickItem, ancestor: QQuickItem) -> bool:
    node = item.parentItem()
    while node is not None:
        if node is ancestor:
            return True
        node = node.parentItem()
    return False


def _contains(area: QRectF, rect: QRectF) -> bool:
    return (
        rect.left() >= area.left() - SLACK_PX
        and rect.top() >= area.top() - SLACK_PX
        and rect.right() <= area.right() + SLACK_PX
        and rect.bottom() <= area.bottom() + SLACK_PX
    )
