"""Degraded modes on the real screens (pytest-qt, offscreen), from the real devices' health.

Each test builds the screen on the real parts (store, printer driver on the printer
simulator, the check-in, photo and hand-over services on their simulators), follows a
``ServiceModeBoard`` on their health board as the app does, breaks a device and looks at
the home screen: tickets on screen with the printer out, the keypad with the scanner out, no
booth with the camera out, directions to the counter with the locker out, and the
out-of-service screen with the office's opening hours when nothing can be offered.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtQuick import QQuickItem
from pytestqt.qtbot import QtBot

from kiosk.core.office_hours import OpeningHours
from kiosk.core.service_modes import Journeys, Mode, ServiceModeBoard
from kiosk.devices.health import Health, HealthState
from kiosk.devices.scanner.factory import ScannerSettings, open_scanner
from kiosk.i18n.linebreak import plain
from kiosk.ui.checkin_view_model import CheckInScreen
from kiosk.ui.handover_view_model import HandoverScreen
from kiosk.ui.kiosk_view_model import Screen
from kiosk.ui.photo_view_model import PhotoScreen
from kiosk.ui.store_failure import build_store_failure_ui
from kiosk.ui.window import KioskUi, build_ui
from simulators.scanner.server import ScannerSimulator
from tests.ui.conftest import (
    CheckInUiFactory,
    HandoverUiFactory,
    KioskParts,
    PhotoUiFactory,
    UiFactory,
)
from tests.ui.screen_support import find_item, item_text, tap

SCREEN_TIMEOUT_MS = 10_000
OPENING_HOURS = {
    "mon": "08:30-17:15",
    "tue": "08:30-17:15",
    "wed": "08:30-17:15",
    "thu": "08:30-19:00",
    "fri": "08:30-17:15",
}


class FixedClock:
    """Friday 2026-11-27, 18:30 in Tokyo: the counter has closed, it opens again Monday."""

    def now(self) -> datetime:
        return datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def from_thread(target: Any, *args: Any) -> None:
    """Call ``target`` on another thread, as a device's own thread reports."""
    worker = threading.Thread(target=target, args=args)
    worker.start()
    worker.join()


def follow(ui: KioskUi, parts: KioskParts, journeys: Journeys, **kwargs: Any) -> ServiceModeBoard:
    """The modes of the screen's health board, followed by its view-model (as the app does)."""
    board = ServiceModeBoard(parts.health, journeys, db=parts.db, outbox=parts.outbox, **kwargs)
    ui.view_model.follow_service_modes(board)
    return board


def mode_events(parts: KioskParts) -> list[tuple[list[str], list[str]]]:
    return [
        (event.payload["data"]["on"], event.payload["data"]["off"])
        for event in parts.outbox.pending(limit=10_000)
        if event.type == "kiosk.mode_changed"
    ]


def test_the_printer_out_shows_tickets_on_screen_and_back_with_paper_and_the_cover(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui()
    vm = ui.view_model
    board = follow(ui, parts, Journeys())
    sim = parts.printer_sim

    sim.set_paper("near_end")  # degraded: still printing, no mode
    from_thread(parts.tickets.poll_printer)
    assert board.current().active == frozenset()

    sim.set_paper("out")
    from_thread(parts.tickets.poll_printer)
    qtbot.waitUntil(lambda: find_item(ui, "printerBanner").isVisible())
    assert Mode.TICKETS_ON_SCREEN in board.current()
    vm.requestTicket("pension")
    qtbot.waitUntil(lambda: vm.current_screen is Screen.PRINTER_PROBLEM, timeout=SCREEN_TIMEOUT_MS)
    assert item_text(ui, "ticketNumber") == "B-001"
    vm.done()

    sim.set_paper("ok")
    sim.set_cover_open(True)
    from_thread(parts.tickets.poll_printer)
    assert Mode.TICKETS_ON_SCREEN in board.current()
    sim.set_cover_open(False)
    from_thread(parts.tickets.poll_printer)
    qtbot.waitUntil(lambda: not find_item(ui, "printerBanner").isVisible())
    assert board.current().active == frozenset()
    assert vm.current_screen is Screen.HOME
    assert mode_events(parts) == [(["tickets_on_screen"], []), ([], ["tickets_on_screen"])]


def test_the_scanner_out_offers_the_keypad_instead_of_the_scanner(
    qtbot: QtBot, make_checkin_ui: CheckInUiFactory, parts: KioskParts
) -> None:
    screen = make_checkin_ui()
    ui = screen.ui
    vm = ui.view_model
    with ScannerSimulator(port=0) as scanner_sim:
        scanner = open_scanner(scanner_sim.url, ScannerSettings())
        parts.health.register("scanner")
        follow(ui, parts, Journeys(checkin=True, scanner=True))
        scanner.start(screen.vm.on_scanned_code, parts.health.report)
        try:
            qtbot.waitUntil(lambda: parts.health.get("scanner").state is HealthState.OK)
            assert vm.property("scanOffered") is True
            assert not find_item(ui, "scannerBanner").isVisible()

            scanner_sim.go_silent()  # unplugged
            qtbot.waitUntil(lambda: find_item(ui, "scannerBanner").isVisible())
            assert vm.property("checkinKeypadOnly") is True
            assert item_text(ui, "scannerBannerText").startswith("スキャナーが使えません")
            assert find_item(ui, "checkinButton").isVisible()
            tap(qtbot, ui, "checkinButton")
            assert screen.vm.current_screen is CheckInScreen.KEYPAD
            assert item_text(ui, "keypadHint") == "QRコードの下にある8桁の番号です。"
            screen.vm.done()

            scanner_sim.come_back()
            qtbot.waitUntil(
                lambda: not find_item(ui, "scannerBanner").isVisible(), timeout=SCREEN_TIMEOUT_MS
            )
            assert vm.property("scanOffered") is True
        finally:
            scanner.stop()
    assert mode_events(parts) == [(["checkin_keypad_only"], []), ([], ["checkin_keypad_only"])]


def test_the_camera_out_hides_the_photo_booth_until_a_probe_finds_it_again(
    qtbot: QtBot, make_photo_ui: PhotoUiFactory, parts: KioskParts
) -> None:
    booth = make_photo_ui()
    ui = booth.ui
    board = follow(ui, parts, Journeys(photo=True), probe_interval_s=0)
    camera = booth.service.camera
    assert camera is not None

    def probe() -> None:  # as the app's status poll probes the camera (kiosk/services.py)
        camera.still()

    board.add_probe("camera", probe)
    assert find_item(ui, "photoButton").isVisible()

    booth.camera_sim.unplug()
    booth.vm.open()
    qtbot.waitUntil(
        lambda: booth.vm.current_screen is PhotoScreen.UNAVAILABLE, timeout=SCREEN_TIMEOUT_MS
    )
    booth.vm.done()
    qtbot.waitUntil(lambda: ui.view_model.property("photoOffered") is False)
    assert not find_item(ui, "photoButton").isVisible()

    from_thread(board.probe)  # still unplugged: stays hidden
    assert Mode.PHOTO_HIDDEN in board.current()
    booth.camera_sim.plug()
    from_thread(board.probe)
    qtbot.waitUntil(lambda: find_item(ui, "photoButton").isVisible())
    assert mode_events(parts) == [(["photo_hidden"], []), ([], ["photo_hidden"])]


def test_the_locker_out_answers_the_pickup_button_with_directions_to_the_counter(
    qtbot: QtBot, make_handover_ui: HandoverUiFactory, parts: KioskParts
) -> None:
    screen = make_handover_ui()
    ui, sim = screen.ui, screen.sim
    vm = ui.view_model
    follow(ui, parts, Journeys(pickup=True))

    for board in range(3):
        sim.silence(board)
    qtbot.waitUntil(  # the idle kiosk reads the doors every second
        lambda: vm.property("pickupOffered") is False, timeout=SCREEN_TIMEOUT_MS
    )
    assert parts.health.get("locker").reason == "board_silent"
    tap(qtbot, ui, "handoverButton")
    assert screen.vm.current_screen is HandoverScreen.NONE  # no scan screen, no PIN
    qtbot.waitUntil(lambda: find_item(ui, "homeNotice").isVisible())
    assert item_text(ui, "noticeTitle") == "パスポートは窓口でお受け取りください"
    assert item_text(ui, "noticeText").startswith("ただいま受け取りロッカーが使えません")
    tap(qtbot, ui, "noticeClose")
    assert not find_item(ui, "homeNotice").isVisible()

    tap(qtbot, ui, "handoverButton")
    assert find_item(ui, "homeNotice").isVisible()
    for board in range(3):
        sim.silence(board, False)
    qtbot.waitUntil(lambda: vm.property("pickupOffered") is True, timeout=SCREEN_TIMEOUT_MS)
    assert not find_item(ui, "homeNotice").isVisible()  # the notice went with the mode
    tap(qtbot, ui, "handoverButton")
    assert screen.vm.property("screen") == HandoverScreen.SCAN.value


@pytest.mark.parametrize(
    ("language", "now_text", "rows"),
    [
        (
            "ja",
            "窓口は月曜日の 8:30 に開きます。",
            [
                ("月曜日〜水曜日", "8:30〜17:15", False),
                ("木曜日", "8:30〜19:00", False),
                ("金曜日", "8:30〜17:15", True),
                ("土曜日〜日曜日", "休み", False),
            ],
        ),
        (
            "en",
            "The counter opens on Monday at 8:30.",
            [
                ("Monday – Wednesday", "8:30–17:15", False),
                ("Thursday", "8:30–19:00", False),
                ("Friday", "8:30–17:15", True),
                ("Saturday – Sunday", "closed", False),
            ],
        ),
    ],
)
def test_nothing_usable_shows_out_of_service_with_the_offices_opening_hours(
    qapp: QGuiApplication,
    qtbot: QtBot,
    parts: KioskParts,
    language: str,
    now_text: str,
    rows: list[tuple[str, str, bool]],
) -> None:
    config = replace(parts.config, opening_hours=OpeningHours.from_table(OPENING_HOURS))
    ui = build_ui(
        qapp,
        config,
        parts.tickets,
        parts.waiting,
        parts.health,
        parts.catalogs,
        clock=FixedClock(),
    )
    try:
        qtbot.waitExposed(ui.window)
        vm = ui.view_model
        follow(ui, parts, Journeys(checkin=True))
        vm.setLanguage(language)
        from_thread(parts.health.report, "store", Health(HealthState.FAULT, "disk_full"))
        qtbot.waitUntil(lambda: vm.current_screen is Screen.OUT_OF_SERVICE)
        assert vm.property("outOfServiceKey") == "oos.body.unavailable"
        assert find_item(ui, "openingHours").isVisible()
        assert item_text(ui, "openingNow") == now_text
        shown = [
            (plain(r["days"]), plain(r["hours"]), r["today"]) for r in vm.property("openingHours")
        ]
        assert shown == rows

        vm.set_out_of_service(True, "store")  # the store's own reason wins over the mode's
        qtbot.waitUntil(lambda: vm.property("outOfServiceKey") == "oos.body.store")
        vm.leave_out_of_service("store")
        qtbot.waitUntil(lambda: vm.property("outOfServiceKey") == "oos.body.unavailable")
        from_thread(parts.health.report, "store", Health(HealthState.OK))
        qtbot.waitUntil(lambda: vm.current_screen is Screen.HOME)
        assert mode_events(parts) == [(["out_of_service"], []), ([], ["out_of_service"])]
    finally:
        ui.close()


def test_the_counter_open_now_says_until_when(
    qapp: QGuiApplication, qtbot: QtBot, parts: KioskParts
) -> None:
    class ThursdayAfternoon:
        def now(self) -> datetime:
            return datetime(2026, 11, 26, 6, 0, tzinfo=UTC)  # 15:00 in Tokyo

    config = replace(parts.config, opening_hours=OpeningHours.from_table(OPENING_HOURS))
    ui = build_ui(
        qapp, config, parts.tickets, parts.waiting, parts.health, parts.catalogs,
        clock=ThursdayAfternoon(),
    )  # fmt: skip
    try:
        qtbot.waitExposed(ui.window)
        ui.view_model.set_out_of_service(True, "closed")
        qtbot.waitUntil(lambda: ui.view_model.current_screen is Screen.OUT_OF_SERVICE)
        assert item_text(ui, "openingNow") == "窓口は本日 19:00 まで開いています。"
        ui.view_model.setLanguage("en")
        qtbot.waitUntil(
            lambda: item_text(ui, "openingNow") == "The counter is open today until 19:00."
        )
    finally:
        ui.close()


def test_a_kiosk_without_opening_hours_shows_none(qtbot: QtBot, make_ui: UiFactory) -> None:
    ui = make_ui()
    ui.view_model.set_out_of_service(True, "error")
    qtbot.waitUntil(lambda: ui.view_model.current_screen is Screen.OUT_OF_SERVICE)
    assert not find_item(ui, "openingHours").isVisible()
    assert ui.view_model.property("openingHours") == []


def test_a_kiosk_that_cannot_open_its_state_shows_the_opening_hours_too(
    qapp: QGuiApplication, qtbot: QtBot, parts: KioskParts
) -> None:
    config = replace(parts.config, opening_hours=OpeningHours.from_table(OPENING_HOURS))
    ui = build_store_failure_ui(qapp, config, parts.catalogs, "schema version 99")
    try:
        qtbot.waitExposed(ui.window)
        table = ui.window.findChild(QQuickItem, "openingHours")
        assert table is not None and table.isVisible()
        rows = [(plain(r["days"]), plain(r["hours"])) for r in ui.model.property("openingHours")]
    finally:
        ui.window.close()
        qapp.removeTranslator(ui.translator)
    assert rows == [
        ("月曜日〜水曜日", "8:30〜17:15"),
        ("木曜日", "8:30〜19:00"),
        ("金曜日", "8:30〜17:15"),
        ("土曜日〜日曜日", "休み"),
    ]


def test_the_tactile_buttons_are_told_why_the_screen_takes_no_ticket_and_when_it_does_again(
    qtbot: QtBot, make_ui: UiFactory
) -> None:
    vm = make_ui().view_model
    assert vm.out_of_service_key() == ""

    vm.set_out_of_service(True, "closed")
    qtbot.waitUntil(lambda: vm.current_screen is Screen.OUT_OF_SERVICE)
    assert vm.out_of_service_key() == "oos.body.closed"

    vm.leave_out_of_service("closed")
    qtbot.waitUntil(lambda: vm.current_screen is Screen.HOME)
    assert vm.out_of_service_key() == ""
