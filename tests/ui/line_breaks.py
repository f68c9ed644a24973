"""Finds words split across lines on the screen (issue 13: 「ご用件を選ん／でください」).

For every visible text item that wraps, the item's own text, font, width and wrap mode are laid
out again with ``QTextLayout`` (what ``QQuickText`` does inside); the line count must match the
item's ``lineCount`` (so the model is the screen), and every line must start where a line may
start in that language (:func:`kiosk.i18n.linebreak.allowed_breaks`: between phrases for
Japanese and Chinese, at spaces for Korean, easy Japanese and the Latin and Devanagari
scripts).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QFont, QTextLayout, QTextOption
from PySide6.QtQml import QQmlEngine, QQmlExpression
from PySide6.QtQuick import QQuickItem

from kiosk.i18n.linebreak import BREAK_CONTROLS, allowed_breaks, plain
from kiosk.ui.window import KioskUi

# QQuickText.WrapMode values (Text.Wrap…) and the QTextOption modes they stand for.
_WRAP_MODES = {
    1: QTextOption.WrapMode.WordWrap,  # Text.WordWrap
    3: QTextOption.WrapMode.WrapAnywhere,  # Text.WrapAnywhere
    4: QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere,  # Text.Wrap
}


@dataclass(frozen=True)
class SplitWord:
    """A line that starts inside a word or phrase."""

    language: str
    item: str
    text: str
    line: str
    lines: tuple[str, ...]

    def __str__(self) -> str:
        return (
            f"{self.language} {self.item}: {self.text!r} has a line starting {self.line!r} "
            f"(lines {self.lines})"
        )


def _texts(item: QQuickItem) -> list[QQuickItem]:
    found: list[QQuickItem] = []
    if not item.isVisible() or item.opacity() == 0:
        return found
    if item.metaObject().indexOfProperty("lineCount") >= 0 and item.property("text"):
        found.append(item)
    for child in item.childItems():
        found.extend(_texts(child))
    return found


def _line_starts(text: str, font: QFont, width: float, mode: QTextOption.WrapMode) -> list[int]:
    layout = QTextLayout(text.replace("\n", "\u2028"), font)
    option = QTextOption()
    option.setWrapMode(mode)
    layout.setTextOption(option)
    layout.beginLayout()
    starts: list[int] = []
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        starts.append(line.textStart())
    layout.endLayout()
    return starts


def _wrap_mode(ui: KioskUi, item: QQuickItem) -> int:
    # NOTE: PySide6 cannot convert QQuickText::WrapMode from item.property(); QML reads it.
    context = QQmlEngine.contextForObject(item) or ui.engine.rootContext()
    value = QQmlExpression(context, item, "wrapMode").evaluate()
    return int(value[0] if isinstance(value, tuple) else value)


def _shown_font(ui: KioskUi, item: QQuickItem) -> QFont:
    """The font the label is drawn in: a label that shrinks to fit (``fontSizeMode``, as
    KioskButton's at 200 % text) is drawn smaller than its ``font`` asks; ``fontInfo`` says
    the size it was drawn at."""
    font = QFont(item.property("font"))
    context = QQmlEngine.contextForObject(item) or ui.engine.rootContext()
    shown = QQmlExpression(context, item, "fontInfo.pixelSize").evaluate()
    size = shown[0] if isinstance(shown, tuple) else shown
    if isinstance(size, int | float) and 0 < size != font.pixelSize():
        font.setPixelSize(int(size))
    return font


def _plain_offset(text: str, offset: int) -> int:
    return sum(1 for char in text[:offset] if char not in BREAK_CONTROLS)


def split_words(ui: KioskUi, language: str) -> list[SplitWord]:
    """Every wrapped line on the window (and its popups) that starts inside a word."""
    found: list[SplitWord] = []
    for item in _texts(ui.window.contentItem()):
        mode = _WRAP_MODES.get(_wrap_mode(ui, item))
        if mode is None or mode is QTextOption.WrapMode.WrapAnywhere:
            continue  # NoWrap never breaks; WrapAnywhere labels are codes, breaking anywhere
        text = str(item.property("text"))
        font = _shown_font(ui, item)
        width = item.width() - item.property("leftPadding") - item.property("rightPadding")
        starts = _line_starts(text, font, width, mode)
        name = item.objectName() or type(item).__name__
        assert len(starts) == int(item.property("lineCount")), (
            f"{name}: laid out as {len(starts)} lines, shown as {item.property('lineCount')}"
        )
        shown = plain(text)
        allowed = allowed_breaks(shown, language)
        lines = tuple(
            plain(text[a:b]) for a, b in zip(starts, [*starts[1:], len(text)], strict=True)
        )
        for start in starts[1:]:
            offset = _plain_offset(text, start)
            if offset not in allowed:
                found.append(SplitWord(language, name, shown, shown[offset : offset + 8], lines))
    return found
