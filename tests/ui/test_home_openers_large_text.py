"""The home screen's journey buttons stay on screen at 200 % text on a kiosk offering all three.

Found in the demo (check-in, hand-over and photo booth all on): at 200 % text the row of
openers was wider than the window, pushing 「予約の方はこちら」 and the service rows' waiting
figures off the right edge. The screenshot walks each open one journey, so they had one button.
"""

# ruff: noqa: F401, F811 - make_full_kiosk is a fixture, imported from full_kiosk_support

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QPointF
from pytestqt.qtbot import QtBot

from tests.ui.fit_check import misfits
from tests.ui.full_kiosk_support import FullKioskFactory, make_full_kiosk
from tests.ui.line_breaks import split_words
from tests.ui.screen_support import find_item
from tests.ui.test_screenshots import SCREENSHOT_DIR

OPENERS = ("checkinButton", "handoverButton", "photoButton")


@pytest.mark.parametrize("language", ["ja", "en"])
def test_all_three_openers_and_every_service_figure_fit_the_window_at_200_percent(
    qtbot: QtBot, make_full_kiosk: FullKioskFactory, language: str
) -> None:
    kiosk = make_full_kiosk()
    ui = kiosk.ui
    assert ui.accessibility is not None
    ui.view_model.setLanguage(language)
    ui.accessibility.toggleLargeText()
    qtbot.waitUntil(lambda: ui.accessibility is not None and ui.accessibility.large_text)
    # renders (the layouts settle) and keeps the picture for a person to look at
    ui.grab(SCREENSHOT_DIR / "large-text" / f"{language}-1c-home-all-openers.png")
    QCoreApplication.processEvents()

    width = ui.window.width()
    for name in OPENERS:
        button = find_item(ui, name)
        assert button.isVisible(), name
        left = button.mapToScene(QPointF(0, 0)).x()
        right = button.mapToScene(QPointF(button.width(), 0)).x()
        assert left >= 0 and right <= width, f"{name}: {left:.0f}..{right:.0f} of {width}"
    assert misfits(ui.window, find_item(ui, "screenLoader")) == []
    assert split_words(ui, language) == []
