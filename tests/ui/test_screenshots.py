"""Screenshots of every screen in both languages, into ``screenshots/`` (git-ignored).

They are for people to look at (layout, clipped text, missing glyphs); the test checks only
that each screen was reached and each file written.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.devices.health import Health, HealthState
from kiosk.ui.kiosk_view_model import Screen
from kiosk.ui.window import KioskUi
from tests.ui.conftest import KioskParts, UiFactory
from tests.ui.screen_support import find_item

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "screenshots"
SCREEN_TIMEOUT_MS = 10_000


def _from_thread(target: object, *args: object) -> None:
    worker = threading.Thread(target=target, args=args)  # type: ignore[arg-type]
    worker.start()
    worker.join()


def _shot(ui: KioskUi, language: str, name: str) -> Path:
    path = ui.grab(SCREENSHOT_DIR / f"{language}-{name}.png")
    assert path.stat().st_size > 1000
    return path


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_screen_is_captured_in_each_language(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts, language: str
) -> None:
    ui = make_ui()
    vm = ui.view_model
    _from_thread(ui.status.setLinkStatus, True, "connected")
    qtbot.waitUntil(lambda: ui.status.property("online") is True)
    vm.setLanguage(language)
    # A few tickets so the buttons show people waiting and a wait.
    for service in ("certificates", "certificates", "pension"):
        vm.requestTicket(service)
        qtbot.waitUntil(lambda: vm.current_screen is Screen.TAKE_TICKET, timeout=SCREEN_TIMEOUT_MS)
        vm.done()
        vm.setLanguage(language)

    _shot(ui, language, "1-home")

    vm.requestTicket("childcare")
    assert vm.current_screen is Screen.PRINTING
    _shot(ui, language, "2-printing")
    qtbot.waitUntil(lambda: vm.current_screen is Screen.TAKE_TICKET, timeout=SCREEN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: find_item(ui, "ticketQr").property("paintedWidth") > 0)
    _shot(ui, language, "3-take-ticket")
    vm.done()
    vm.setLanguage(language)

    parts.printer_sim.set_paper("out")
    vm.requestTicket("pension")
    qtbot.waitUntil(lambda: vm.current_screen is Screen.PRINTER_PROBLEM, timeout=SCREEN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: find_item(ui, "ticketQr").property("paintedWidth") > 0)
    _shot(ui, language, "4-printer-problem")
    vm.done()
    vm.setLanguage(language)
    qtbot.waitUntil(lambda: find_item(ui, "printerBanner").isVisible())
    _shot(ui, language, "5-home-printer-banner")

    parts.printer_sim.set_paper("ok")
    _from_thread(parts.health.report, "printer", Health(HealthState.OK))
    _from_thread(ui.status.setLinkStatus, False, "broker unreachable")
    qtbot.waitUntil(lambda: find_item(ui, "offlineLabel").isVisible())
    qtbot.waitUntil(lambda: not find_item(ui, "printerBanner").isVisible())
    _shot(ui, language, "6-home-offline")

    _from_thread(vm.set_out_of_service, True, "error")
    qtbot.waitUntil(lambda: vm.current_screen is Screen.OUT_OF_SERVICE)
    _shot(ui, language, "7-out-of-service")
