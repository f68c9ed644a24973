"""A booking of another office never shows the office's code on screen (issue 13)."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from kiosk.ui.checkin_view_model import CheckInScreen
from tests.ui.conftest import CheckInUiFactory
from tests.ui.screen_support import item_text
from tests.ui.test_checkin_screens import booking, scan_from_thread

SCREEN_TIMEOUT_MS = 10_000


@pytest.mark.parametrize(
    ("language", "title"),
    [("ja", "この予約は別の庁舎のご予約です"), ("en", "This booking is for another office")],
)
def test_a_booking_of_an_office_with_no_configured_name_says_another_office_not_its_code(
    qtbot: QtBot, make_checkin_ui: CheckInUiFactory, language: str, title: str
) -> None:
    screen = make_checkin_ui(office_names={})
    screen.ui.view_model.setLanguage(language)

    with qtbot.waitSignal(screen.vm.checkinFinished, timeout=SCREEN_TIMEOUT_MS):
        scan_from_thread(screen, booking(office="shisui"))
    shown = [item_text(screen.ui, name) for name in ("checkinTitle", "checkinBody")]

    assert screen.vm.current_screen is CheckInScreen.REJECTED
    assert shown[0] == title
    assert [text for text in shown if "shisui" in text] == []
