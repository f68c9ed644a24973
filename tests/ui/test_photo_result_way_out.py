"""The photo result screen has a way out besides accepting (issue 13)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from kiosk.core import events
from kiosk.ui.kiosk_view_model import Screen
from kiosk.ui.photo_view_model import PhotoScreen
from simulators.camera.simulator import SESSION
from tests.ui.conftest import KioskParts, PhotoUiFactory
from tests.ui.screen_support import find_item, item_text, tap

STEP_MS = 15_000  # a still and its check take about a second here; generous for slow runners
GOOD = next(s for s in SESSION if s.name == "good")


def test_cancel_on_a_passed_photo_goes_home_and_keeps_no_photo(
    qtbot: QtBot, make_photo_ui: PhotoUiFactory, parts: KioskParts
) -> None:
    booth = make_photo_ui()
    vm = booth.vm
    tap(qtbot, booth.ui, "photoButton")
    qtbot.waitUntil(lambda: vm.property("frameSource") != "", timeout=STEP_MS)
    booth.camera_sim.hold(GOOD)
    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.RESULT, timeout=STEP_MS)
    passed = vm.property("passed")
    cancel_text = item_text(booth.ui, "photoResultCancelButton")

    tap(qtbot, booth.ui, "photoResultCancelButton")
    with parts.db.reading() as conn:
        photo_events = conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE category = ?", (events.PHOTO,)
        ).fetchone()[0]

    assert passed is True
    assert cancel_text == "やめる（写真は残しません）"
    assert vm.current_screen is PhotoScreen.NONE
    assert booth.ui.view_model.current_screen is Screen.HOME
    assert vm.property("resultSource") == ""
    assert photo_events == 0
    assert find_item(booth.ui, "homeScreen").isVisible()
