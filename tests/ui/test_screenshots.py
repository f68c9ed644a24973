"""Screenshots of every screen in both languages, into ``screenshots/`` (git-ignored).

They are for people to look at (layout, clipped text, missing glyphs); the test checks only
that each screen was reached and each file written.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from kiosk.core.office_hours import OpeningHours
from kiosk.core.service_modes import Journeys, ServiceModeBoard
from kiosk.devices.health import Health, HealthState
from kiosk.ui.diagnostics_view_model import DiagnosticsScreen
from kiosk.ui.handover_view_model import HandoverScreen
from kiosk.ui.kiosk_view_model import Screen
from kiosk.ui.photo_view_model import PhotoScreen
from kiosk.ui.window import KioskUi, build_ui
from simulators.camera.scene import Person
from simulators.camera.simulator import LOOK, SESSION, Shot
from simulators.central.server import issue_booking_token
from tests.ui.conftest import (
    CHECKIN_NOW,
    HANDOVER_PIN,
    CheckInUiFactory,
    HandoverUiFactory,
    KioskParts,
    PhotoUiFactory,
    UiFactory,
)
from tests.ui.diagnostics_support import TECHNICIAN_ID, TECHNICIAN_PIN, DiagnosticsUiFactory
from tests.ui.screen_support import find_item

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "screenshots"
SCREEN_TIMEOUT_MS = 10_000


def _from_thread(target: object, *args: object) -> None:
    worker = threading.Thread(target=target, args=args)  # type: ignore[arg-type]
    worker.start()
    worker.join()


def _checkin_token(minutes: int, booking_id: str, **kwargs: object) -> str:
    """A demo-signed booking for the screenshots (slot ``minutes`` after 10:00)."""
    return issue_booking_token(
        str(kwargs.pop("office", "chuo")),
        "pension",
        CHECKIN_NOW + timedelta(minutes=minutes),
        booking_id=booking_id,
        **kwargs,  # type: ignore[arg-type]
    )


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


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_check_in_screen_is_captured_in_each_language(
    qtbot: QtBot, make_checkin_ui: CheckInUiFactory, language: str
) -> None:
    screen = make_checkin_ui()
    ui, vm = screen.ui, screen.vm
    ui.view_model.setLanguage(language)
    qtbot.waitUntil(lambda: find_item(ui, "checkinButton").isVisible())
    _shot(ui, language, "c1-home-with-booking-button")

    vm.openKeypad()
    for digit in "123456":
        vm.pressDigit(digit)
    _shot(ui, language, "c2-keypad")
    vm.pressDigit("7")
    vm.pressDigit("2")
    with qtbot.waitSignal(vm.checkinFinished, timeout=SCREEN_TIMEOUT_MS):
        vm.submitCode()
    qtbot.waitUntil(lambda: find_item(ui, "keypadError").isVisible())
    qtbot.waitUntil(lambda: not vm.property("busy"))
    _shot(ui, language, "c3-keypad-mistyped")
    vm.deleteDigit()
    vm.pressDigit("1")
    with qtbot.waitSignal(vm.checkinFinished, timeout=SCREEN_TIMEOUT_MS):
        vm.submitCode()
    _shot(ui, language, "c4-code-unverified")
    answer = threading.Thread(
        target=screen.service.apply_server_answer,
        args=("code:12345671",),
        kwargs={"accepted": True, "position": 4, "wait_minutes": 20, "service_id": "pension"},
    )
    answer.start()
    answer.join()
    qtbot.waitUntil(lambda: find_item(ui, "checkinDetail").isVisible())
    _shot(ui, language, "c5-code-confirmed-with-position")

    shots = [
        ("c6-accepted", _checkin_token(10, "bk-shot-1")),
        ("c7-too-early", _checkin_token(120, "bk-shot-2")),
        ("c8-wrong-day", _checkin_token(6 * 24 * 60, "bk-shot-3")),
        ("c9-already-used", _checkin_token(10, "bk-shot-7")),
        ("c10-wrong-office", _checkin_token(10, "bk-shot-4", office="shisui")),
        ("c11-bad-signature", _checkin_token(10, "bk-shot-5")[:-3] + "AAA"),
        ("c12-not-a-booking", _checkin_token(10, "bk-shot-6", typ="pickup")),
        ("c13-unreadable", "\x1b[A\x00\x07"),
    ]
    for name, text in shots:
        if name == "c9-already-used":  # checked in at 09:55, five minutes before this scan
            screen.service.check_in(text, CHECKIN_NOW - timedelta(minutes=5))
        with qtbot.waitSignal(vm.checkinFinished, timeout=SCREEN_TIMEOUT_MS):
            _from_thread(vm.submit_scan, text)
        qtbot.waitUntil(lambda: not vm.property("busy"))
        assert vm.property("resultCode") == name.split("-", 1)[1].replace("-", "_")
        _shot(ui, language, name)
    vm.done()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_photo_screen_is_captured_in_each_language(
    qtbot: QtBot, make_photo_ui: PhotoUiFactory, parts: KioskParts, language: str
) -> None:
    booth = make_photo_ui(countdown_step_s=0.5)
    ui, vm, sim = booth.ui, booth.vm, booth.camera_sim
    ui.view_model.setLanguage(language)
    qtbot.waitUntil(lambda: find_item(ui, "photoButton").isVisible())
    _shot(ui, language, "p1-home-with-photo-button")

    def live_frame_shown() -> bool:
        return bool(find_item(ui, "photoLive").property("paintedWidth") > 0)

    sim.hold(Shot("far", 1, (Person(cx=640, cy=330, scale=0.7, look=LOOK),)))
    vm.open()
    qtbot.waitUntil(
        lambda: vm.property("guidanceKey") == "photo.guide.move_closer", timeout=SCREEN_TIMEOUT_MS
    )
    qtbot.waitUntil(live_frame_shown, timeout=SCREEN_TIMEOUT_MS)
    _shot(ui, language, "p2-preview-move-closer")

    sim.hold(next(s for s in SESSION if s.name == "eyes_closed"))
    qtbot.waitUntil(
        lambda: vm.property("guidanceKey") == "photo.guide.open_eyes", timeout=SCREEN_TIMEOUT_MS
    )
    _shot(ui, language, "p2b-preview-open-eyes")

    sim.hold(next(s for s in SESSION if s.name == "good"))
    qtbot.waitUntil(lambda: vm.property("countdown") == 3, timeout=SCREEN_TIMEOUT_MS)
    _shot(ui, language, "p3-preview-countdown")
    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.CHECKING, timeout=SCREEN_TIMEOUT_MS)
    _shot(ui, language, "p4-checking")
    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.RESULT, timeout=SCREEN_TIMEOUT_MS)
    qtbot.waitUntil(
        lambda: find_item(ui, "photoResultImage").property("paintedWidth") > 0,
        timeout=SCREEN_TIMEOUT_MS,
    )
    assert vm.property("passed") is True
    _shot(ui, language, "p5-result-pass")

    with qtbot.waitSignal(vm.photoFinished, timeout=SCREEN_TIMEOUT_MS):
        vm.accept()
    qtbot.waitUntil(lambda: find_item(ui, "photoQr").property("paintedWidth") > 0)
    _shot(ui, language, "p6-receipt")
    vm.done()
    ui.view_model.setLanguage(language)

    parts.printer_sim.set_paper("out")
    vm.open()
    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.RESULT, timeout=SCREEN_TIMEOUT_MS)
    with qtbot.waitSignal(vm.photoFinished, timeout=SCREEN_TIMEOUT_MS):
        vm.accept()
    qtbot.waitUntil(lambda: find_item(ui, "photoQr").property("paintedWidth") > 0)
    _shot(ui, language, "p7-receipt-not-printed")
    vm.done()
    ui.view_model.setLanguage(language)
    parts.printer_sim.set_paper("ok")

    sim.hold(next(s for s in SESSION if s.name == "good"))
    sim.at_next_still(next(s for s in SESSION if s.name == "eyes_closed"))  # a blink
    vm.open()
    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.RESULT, timeout=SCREEN_TIMEOUT_MS)
    qtbot.waitUntil(
        lambda: find_item(ui, "photoResultImage").property("paintedWidth") > 0,
        timeout=SCREEN_TIMEOUT_MS,
    )
    assert vm.property("passed") is False
    _shot(ui, language, "p8-result-fail")
    vm.retake()

    sim.unplug()
    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.UNAVAILABLE, timeout=SCREEN_TIMEOUT_MS)
    _shot(ui, language, "p9-camera-not-available")
    vm.done()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_handover_screen_is_captured_in_each_language(
    qtbot: QtBot, make_handover_ui: HandoverUiFactory, language: str
) -> None:
    screen = make_handover_ui(reminder_s=3.0, alarm_s=60.0, open_timeout_s=0.5)
    ui, vm, sim, service = screen.ui, screen.vm, screen.sim, screen.service
    for case_id, size, old in (("HO-1001", "M", True), ("HO-1002", "S", False)):
        screen.assign(case_id, size, old=old)
    screen.assign("HO-1003", "S", old=False)

    def lang() -> None:
        ui.view_model.setLanguage(language)

    def code(value: str) -> None:
        qtbot.waitUntil(lambda: vm.property("code") == value, timeout=SCREEN_TIMEOUT_MS)

    def opened(door: int) -> None:
        def seen() -> bool:
            o = vm.last_outcome
            return (
                o is not None
                and o.door == door
                and o.state is not None
                and (o.state.value in ("door_opened", "return_opened"))
            )

        qtbot.waitUntil(seen, timeout=SCREEN_TIMEOUT_MS)

    def idle() -> None:
        qtbot.waitUntil(lambda: not vm.property("busy"), timeout=SCREEN_TIMEOUT_MS)

    def leave() -> None:
        vm.cancel()
        qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.NONE)
        lang()

    def load(case_id: str) -> int:
        vm.selectCase(case_id)
        code("put_document")
        door = int(vm.property("door"))
        opened(door)
        return door

    lang()
    qtbot.waitUntil(lambda: find_item(ui, "handoverButton").isVisible())
    _shot(ui, language, "h1-home-with-pickup-button")

    vm.openStaff()
    for digit in "1234":
        vm.pressDigit(digit)
    vm.submitStaff()
    vm.pressDigit("7")
    vm.pressDigit("7")
    _shot(ui, language, "h2-staff-sign-in")
    vm.pressDigit("7")
    vm.pressDigit("7")
    vm.submitStaff()
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.CASES, timeout=SCREEN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: vm.cases.rowCount() == 3, timeout=SCREEN_TIMEOUT_MS)
    _shot(ui, language, "h3-staff-cases")
    door = load("HO-1001")
    _shot(ui, language, "h4-staff-put-document")
    sim.put_item(door)
    sim.push(door)
    code("loaded")
    idle()
    _shot(ui, language, "h5-staff-loaded")
    for case_id in ("HO-1002", "HO-1003"):
        vm.loadNext()
        qtbot.waitUntil(
            lambda: vm.current_screen is HandoverScreen.CASES, timeout=SCREEN_TIMEOUT_MS
        )
        door = load(case_id)
        sim.put_item(door)
        sim.push(door)
        code("loaded")
        idle()
    leave()

    vm.openPickup()
    _shot(ui, language, "h6-pickup-scan")
    _from_thread(vm.submit_scan, screen.pickup_token("HO-1001"))
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.PIN, timeout=SCREEN_TIMEOUT_MS)
    for digit in "4829":
        vm.pressDigit(digit)
    _shot(ui, language, "h7-pickup-pin")
    for digit in "00":
        vm.pressDigit(digit)
    vm.submitPin()
    code("pin_wrong")
    idle()
    _shot(ui, language, "h8-pickup-pin-wrong")
    for digit in HANDOVER_PIN:
        vm.pressDigit(digit)
    vm.submitPin()
    code("put_old_passport")
    opened(41)
    _shot(ui, language, "h9-pickup-return-old-passport")
    sim.put_item(41)
    sim.push(41)
    code("take_passport")
    case_door = int(vm.property("door"))
    opened(case_door)
    _shot(ui, language, "h10-pickup-take-passport")
    sim.take_item(case_door)
    code("close_door")
    _shot(ui, language, "h11-pickup-close-door-reminder")
    sim.push(case_door)
    code("collected")
    _shot(ui, language, "h12-pickup-collected")
    leave()

    jammed = service.case("HO-1003")
    assert jammed is not None and jammed.door is not None
    sim.jam(jammed.door)
    _from_thread(vm.submit_scan, screen.pickup_token("HO-1003"))
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.PIN, timeout=SCREEN_TIMEOUT_MS)
    for digit in HANDOVER_PIN:
        vm.pressDigit(digit)
    vm.submitPin()
    code("door_did_not_open")
    _shot(ui, language, "h13-pickup-door-did-not-open")
    leave()

    _from_thread(vm.submit_scan, screen.pickup_token("HO-1002"))
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.PIN, timeout=SCREEN_TIMEOUT_MS)
    for wrong in ("000000", "111111", "222222"):
        idle()
        for digit in wrong:
            vm.pressDigit(digit)
        vm.submitPin()
    code("case_locked")
    _shot(ui, language, "h14-pickup-case-locked")
    leave()

    _from_thread(vm.submit_scan, screen.pickup_token("HO-1001"))
    code("already_collected")
    _shot(ui, language, "h15-pickup-already-collected")
    leave()

    _from_thread(vm.submit_scan, screen.staff_card("s-12"))
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.CASES, timeout=SCREEN_TIMEOUT_MS)
    vm.openReview()
    qtbot.waitUntil(lambda: vm.returned.rowCount() == 1, timeout=SCREEN_TIMEOUT_MS)
    _shot(ui, language, "h16-staff-review-returned")
    vm.closeReview()
    leave()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_diagnostics_screens_are_captured_in_each_language(
    qtbot: QtBot, make_diagnostics_ui: DiagnosticsUiFactory, parts: KioskParts, language: str
) -> None:
    screen = make_diagnostics_ui()
    ui, vm = screen.ui, screen.vm
    kiosk = ui.view_model
    # A real fault on the board: a ticket that found the paper out (its frames recorded too).
    kiosk.requestTicket("certificates")
    qtbot.waitUntil(lambda: kiosk.current_screen is Screen.TAKE_TICKET, timeout=SCREEN_TIMEOUT_MS)
    kiosk.done()
    parts.printer_sim.set_paper("out")
    kiosk.requestTicket("pension")
    qtbot.waitUntil(
        lambda: kiosk.current_screen is Screen.PRINTER_PROBLEM, timeout=SCREEN_TIMEOUT_MS
    )
    kiosk.done()
    kiosk.setLanguage(language)
    # The other devices a kiosk reports, as their drivers and the clock guard would.
    for device, health in (
        ("scanner", Health(HealthState.OK)),
        ("clock", Health(HealthState.OK, detail="synchronised (adjtimex), offset 0.4 ms")),
        ("store", Health(HealthState.OK)),
    ):
        _from_thread(parts.health.report, device, health)

    vm.openSignIn()
    for digit in TECHNICIAN_ID:
        vm.pressDigit(digit)
    vm.submit()
    for digit in TECHNICIAN_PIN[:4]:
        vm.pressDigit(digit)
    _shot(ui, language, "d1-technician-sign-in")
    for digit in TECHNICIAN_PIN[4:]:
        vm.pressDigit(digit)
    vm.submit()
    qtbot.waitUntil(lambda: vm.property("takenAt") != "", timeout=SCREEN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: vm.devices.rowCount() > 0)
    _shot(ui, language, "d2-diagnostics-overview")

    vm.showSection("tests")
    qtbot.waitUntil(lambda: vm.tests.rowCount() == 2)
    with qtbot.waitSignal(vm.selfTestFinished, timeout=SCREEN_TIMEOUT_MS):
        vm.runSelfTest("printer", "status")
    _shot(ui, language, "d3-diagnostics-self-test-failed")
    parts.printer_sim.set_paper("ok")
    with qtbot.waitSignal(vm.selfTestFinished, timeout=SCREEN_TIMEOUT_MS):
        vm.runSelfTest("printer", "status")
    _shot(ui, language, "d4-diagnostics-self-test-passed")
    vm.runSelfTest("locker", "door-7")
    qtbot.waitUntil(lambda: vm.property("promptActive") is True, timeout=SCREEN_TIMEOUT_MS)
    _shot(ui, language, "d4b-diagnostics-self-test-asks-a-person")
    with qtbot.waitSignal(vm.selfTestFinished, timeout=SCREEN_TIMEOUT_MS):
        vm.cancelSelfTest()

    vm.showSection("faults")
    qtbot.waitUntil(lambda: vm.faults.rowCount() > 0)
    _shot(ui, language, "d5-diagnostics-history")
    vm.showSection("frames")
    qtbot.waitUntil(lambda: vm.frames.rowCount() > 0)
    _shot(ui, language, "d6-diagnostics-frames")
    vm.cancel()
    assert vm.current_screen is DiagnosticsScreen.NONE


class _FridayEvening:
    """Friday 2026-11-27, 18:30 in Tokyo: the counter has closed; it opens again Monday."""

    def now(self) -> datetime:
        return datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_degraded_modes_are_captured_in_each_language(
    qapp: QGuiApplication,
    qtbot: QtBot,
    make_checkin_ui: CheckInUiFactory,
    make_handover_ui: HandoverUiFactory,
    parts: KioskParts,
    language: str,
) -> None:
    # Printer and scanner out: tickets on screen (the banner) and the keypad for bookings.
    screen = make_checkin_ui()
    ui = screen.ui
    ui.view_model.follow_service_modes(
        ServiceModeBoard(parts.health, Journeys(checkin=True, scanner=True))
    )
    ui.view_model.setLanguage(language)
    parts.printer_sim.set_paper("out")
    _from_thread(parts.tickets.poll_printer)
    _from_thread(parts.health.report, "scanner", Health(HealthState.FAULT, "disconnected"))
    qtbot.waitUntil(lambda: find_item(ui, "scannerBanner").isVisible())
    qtbot.waitUntil(lambda: find_item(ui, "printerBanner").isVisible())
    _shot(ui, language, "m1-home-printer-and-scanner-out")
    screen.vm.openKeypad()
    _shot(ui, language, "m2-keypad-without-scanner")
    screen.vm.done()
    parts.printer_sim.set_paper("ok")
    _from_thread(parts.tickets.poll_printer)
    _from_thread(parts.health.report, "scanner", Health(HealthState.OK))

    # The locker out: the pickup button gives directions to the counter.
    handover = make_handover_ui()
    ui = handover.ui
    ui.view_model.follow_service_modes(ServiceModeBoard(parts.health, Journeys(pickup=True)))
    ui.view_model.setLanguage(language)
    for board in range(3):
        handover.sim.silence(board)
    qtbot.waitUntil(
        lambda: ui.view_model.property("pickupOffered") is False, timeout=SCREEN_TIMEOUT_MS
    )
    ui.view_model.showPickupRefused()
    qtbot.waitUntil(lambda: find_item(ui, "homeNotice").isVisible())
    _shot(ui, language, "m3-pickup-refused")
    ui.view_model.dismissNotice()
    for board in range(3):
        handover.sim.silence(board, False)
    qtbot.waitUntil(
        lambda: ui.view_model.property("pickupOffered") is True, timeout=SCREEN_TIMEOUT_MS
    )

    # Nothing usable (the store is out): out of service with the office's opening hours.
    hours = OpeningHours.from_table(
        {day: "08:30-17:15" for day in ("mon", "tue", "wed", "fri")} | {"thu": "08:30-19:00"}
    )
    ui = build_ui(
        qapp,
        replace(parts.config, opening_hours=hours),
        parts.tickets,
        parts.waiting,
        parts.health,
        parts.catalogs,
        clock=_FridayEvening(),
    )
    try:
        qtbot.waitExposed(ui.window)
        ui.view_model.follow_service_modes(ServiceModeBoard(parts.health, Journeys()))
        ui.view_model.setLanguage(language)
        _from_thread(parts.health.report, "store", Health(HealthState.FAULT, "disk_full"))
        qtbot.waitUntil(lambda: ui.view_model.current_screen is Screen.OUT_OF_SERVICE)
        _shot(ui, language, "m4-out-of-service-with-opening-hours")
        _from_thread(parts.health.report, "store", Health(HealthState.OK))
        qtbot.waitUntil(lambda: ui.view_model.current_screen is Screen.HOME)
    finally:
        ui.close()
