"""Screenshots of every screen in every language, into ``screenshots/`` (git-ignored).

Each journey runs once (in Japanese); every screen on its way is shot in each installed
language (``<lang>-<screen>.png``: switching the language re-reads every text, no waits), and
on each shot no line may start inside a word or phrase (tests/ui/line_breaks.py). The images
are for people to look at (layout, clipped text, missing glyphs).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from kiosk.config import KioskConfig, parse_config
from kiosk.core.office_hours import OpeningHours
from kiosk.core.service_modes import Journeys, ServiceModeBoard
from kiosk.devices.health import Health, HealthState
from kiosk.i18n.catalog import available_languages
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
from tests.ui.language_support import every_language_config_data
from tests.ui.line_breaks import SplitWord, split_words
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


LANGUAGES = available_languages()
JOURNEY_LANGUAGE = "ja"  # each journey runs once, in Japanese; every shot is in every language


@pytest.fixture
def config(tmp_path: Path) -> KioskConfig:
    """Every installed language, names in each (overrides tests/ui/conftest.py's config)."""
    return parse_config(every_language_config_data(tmp_path / "state"), source="screenshots")


@pytest.fixture
def splits() -> Iterator[list[SplitWord]]:
    """Words split across lines on any shot; none may be left at the end of the test."""
    found: list[SplitWord] = []
    yield found
    assert not found, "words split across lines:\n" + "\n".join(str(split) for split in found)


def _shot(ui: KioskUi, splits: list[SplitWord], name: str) -> None:
    """The screen as it is now, in every language; back to the journey's language after."""
    journey_language = ui.view_model.current_language
    for language in LANGUAGES:
        ui.view_model.setLanguage(language)
        path = ui.grab(SCREENSHOT_DIR / f"{language}-{name}.png")
        assert path.stat().st_size > 1000
        splits.extend(split_words(ui, language))
    ui.view_model.setLanguage(journey_language)


def test_every_screen_is_captured_in_each_language(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts, splits: list[SplitWord]
) -> None:
    ui = make_ui()
    vm = ui.view_model
    _from_thread(ui.status.setLinkStatus, True, "connected")
    qtbot.waitUntil(lambda: ui.status.property("online") is True)
    vm.setLanguage(JOURNEY_LANGUAGE)
    # A few tickets so the buttons show people waiting and a wait.
    for service in ("certificates", "certificates", "pension"):
        vm.requestTicket(service)
        qtbot.waitUntil(lambda: vm.current_screen is Screen.TAKE_TICKET, timeout=SCREEN_TIMEOUT_MS)
        vm.done()
        vm.setLanguage(JOURNEY_LANGUAGE)

    _shot(ui, splits, "1-home")
    chooser = ui.window.findChild(QObject, "languageChooser")
    chooser.open()
    qtbot.waitUntil(lambda: chooser.property("opened") is True)
    _shot(ui, splits, "1b-language-chooser")
    chooser.close()
    qtbot.waitUntil(lambda: chooser.property("visible") is False)

    vm.requestTicket("childcare")
    assert vm.current_screen is Screen.PRINTING
    _shot(ui, splits, "2-printing")
    qtbot.waitUntil(lambda: vm.current_screen is Screen.TAKE_TICKET, timeout=SCREEN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: find_item(ui, "ticketQr").property("paintedWidth") > 0)
    _shot(ui, splits, "3-take-ticket")
    vm.done()
    vm.setLanguage(JOURNEY_LANGUAGE)

    parts.printer_sim.set_paper("out")
    vm.requestTicket("pension")
    qtbot.waitUntil(lambda: vm.current_screen is Screen.PRINTER_PROBLEM, timeout=SCREEN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: find_item(ui, "ticketQr").property("paintedWidth") > 0)
    _shot(ui, splits, "4-printer-problem")
    vm.done()
    vm.setLanguage(JOURNEY_LANGUAGE)
    qtbot.waitUntil(lambda: find_item(ui, "printerBanner").isVisible())
    _shot(ui, splits, "5-home-printer-banner")

    parts.printer_sim.set_paper("ok")
    _from_thread(parts.health.report, "printer", Health(HealthState.OK))
    _from_thread(ui.status.setLinkStatus, False, "broker unreachable")
    qtbot.waitUntil(lambda: find_item(ui, "offlineLabel").isVisible())
    qtbot.waitUntil(lambda: not find_item(ui, "printerBanner").isVisible())
    _shot(ui, splits, "6-home-offline")

    _from_thread(vm.set_out_of_service, True, "error")
    qtbot.waitUntil(lambda: vm.current_screen is Screen.OUT_OF_SERVICE)
    _shot(ui, splits, "7-out-of-service")


def test_every_check_in_screen_is_captured_in_each_language(
    qtbot: QtBot, make_checkin_ui: CheckInUiFactory, splits: list[SplitWord]
) -> None:
    screen = make_checkin_ui()
    ui, vm = screen.ui, screen.vm
    ui.view_model.setLanguage(JOURNEY_LANGUAGE)
    qtbot.waitUntil(lambda: find_item(ui, "checkinButton").isVisible())
    _shot(ui, splits, "c1-home-with-booking-button")

    vm.openKeypad()
    for digit in "123456":
        vm.pressDigit(digit)
    _shot(ui, splits, "c2-keypad")
    vm.pressDigit("7")
    vm.pressDigit("2")
    with qtbot.waitSignal(vm.checkinFinished, timeout=SCREEN_TIMEOUT_MS):
        vm.submitCode()
    qtbot.waitUntil(lambda: find_item(ui, "keypadError").isVisible())
    qtbot.waitUntil(lambda: not vm.property("busy"))
    _shot(ui, splits, "c3-keypad-mistyped")
    vm.deleteDigit()
    vm.pressDigit("1")
    with qtbot.waitSignal(vm.checkinFinished, timeout=SCREEN_TIMEOUT_MS):
        vm.submitCode()
    _shot(ui, splits, "c4-code-unverified")
    answer = threading.Thread(
        target=screen.service.apply_server_answer,
        args=("code:12345671",),
        kwargs={"accepted": True, "position": 4, "wait_minutes": 20, "service_id": "pension"},
    )
    answer.start()
    answer.join()
    qtbot.waitUntil(lambda: find_item(ui, "checkinDetail").isVisible())
    _shot(ui, splits, "c5-code-confirmed-with-position")

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
        _shot(ui, splits, name)
    vm.done()


def test_every_photo_screen_is_captured_in_each_language(
    qtbot: QtBot, make_photo_ui: PhotoUiFactory, parts: KioskParts, splits: list[SplitWord]
) -> None:
    booth = make_photo_ui(countdown_step_s=0.5)
    ui, vm, sim = booth.ui, booth.vm, booth.camera_sim
    ui.view_model.setLanguage(JOURNEY_LANGUAGE)
    qtbot.waitUntil(lambda: find_item(ui, "photoButton").isVisible())
    _shot(ui, splits, "p1-home-with-photo-button")

    def live_frame_shown() -> bool:
        return bool(find_item(ui, "photoLive").property("paintedWidth") > 0)

    sim.hold(Shot("far", 1, (Person(cx=640, cy=330, scale=0.7, look=LOOK),)))
    vm.open()
    qtbot.waitUntil(
        lambda: vm.property("guidanceKey") == "photo.guide.move_closer", timeout=SCREEN_TIMEOUT_MS
    )
    qtbot.waitUntil(live_frame_shown, timeout=SCREEN_TIMEOUT_MS)
    _shot(ui, splits, "p2-preview-move-closer")

    sim.hold(next(s for s in SESSION if s.name == "eyes_closed"))
    qtbot.waitUntil(
        lambda: vm.property("guidanceKey") == "photo.guide.open_eyes", timeout=SCREEN_TIMEOUT_MS
    )
    _shot(ui, splits, "p2b-preview-open-eyes")

    sim.hold(next(s for s in SESSION if s.name == "good"))
    qtbot.waitUntil(lambda: vm.property("countdown") == 3, timeout=SCREEN_TIMEOUT_MS)
    _shot(ui, splits, "p3-preview-countdown")
    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.CHECKING, timeout=SCREEN_TIMEOUT_MS)
    _shot(ui, splits, "p4-checking")
    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.RESULT, timeout=SCREEN_TIMEOUT_MS)
    qtbot.waitUntil(
        lambda: find_item(ui, "photoResultImage").property("paintedWidth") > 0,
        timeout=SCREEN_TIMEOUT_MS,
    )
    assert vm.property("passed") is True
    _shot(ui, splits, "p5-result-pass")

    with qtbot.waitSignal(vm.photoFinished, timeout=SCREEN_TIMEOUT_MS):
        vm.accept()
    qtbot.waitUntil(lambda: find_item(ui, "photoQr").property("paintedWidth") > 0)
    _shot(ui, splits, "p6-receipt")
    vm.done()
    ui.view_model.setLanguage(JOURNEY_LANGUAGE)

    parts.printer_sim.set_paper("out")
    vm.open()
    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.RESULT, timeout=SCREEN_TIMEOUT_MS)
    with qtbot.waitSignal(vm.photoFinished, timeout=SCREEN_TIMEOUT_MS):
        vm.accept()
    qtbot.waitUntil(lambda: find_item(ui, "photoQr").property("paintedWidth") > 0)
    _shot(ui, splits, "p7-receipt-not-printed")
    vm.done()
    ui.view_model.setLanguage(JOURNEY_LANGUAGE)
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
    _shot(ui, splits, "p8-result-fail")
    vm.retake()

    sim.unplug()
    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.UNAVAILABLE, timeout=SCREEN_TIMEOUT_MS)
    _shot(ui, splits, "p9-camera-not-available")
    vm.done()


def test_every_handover_screen_is_captured_in_each_language(
    qtbot: QtBot, make_handover_ui: HandoverUiFactory, splits: list[SplitWord]
) -> None:
    screen = make_handover_ui(reminder_s=3.0, alarm_s=60.0, open_timeout_s=0.5)
    ui, vm, sim, service = screen.ui, screen.vm, screen.sim, screen.service
    for case_id, size, old in (("HO-1001", "M", True), ("HO-1002", "S", False)):
        screen.assign(case_id, size, old=old)
    screen.assign("HO-1003", "S", old=False)

    def lang() -> None:
        ui.view_model.setLanguage(JOURNEY_LANGUAGE)

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
    _shot(ui, splits, "h1-home-with-pickup-button")

    vm.openStaff()
    for digit in "1234":
        vm.pressDigit(digit)
    vm.submitStaff()
    vm.pressDigit("7")
    vm.pressDigit("7")
    _shot(ui, splits, "h2-staff-sign-in")
    vm.pressDigit("7")
    vm.pressDigit("7")
    vm.submitStaff()
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.CASES, timeout=SCREEN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: vm.cases.rowCount() == 3, timeout=SCREEN_TIMEOUT_MS)
    _shot(ui, splits, "h3-staff-cases")
    door = load("HO-1001")
    _shot(ui, splits, "h4-staff-put-document")
    sim.put_item(door)
    sim.push(door)
    code("loaded")
    idle()
    _shot(ui, splits, "h5-staff-loaded")
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
    _shot(ui, splits, "h6-pickup-scan")
    _from_thread(vm.submit_scan, screen.pickup_token("HO-1001"))
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.PIN, timeout=SCREEN_TIMEOUT_MS)
    for digit in "4829":
        vm.pressDigit(digit)
    _shot(ui, splits, "h7-pickup-pin")
    for digit in "00":
        vm.pressDigit(digit)
    vm.submitPin()
    # NOTE: the wrong-PIN message stays under the PIN (pinError), while the screen's poll may
    # already have turned the code back to enter_pin: waiting for the code raced that poll.
    qtbot.waitUntil(lambda: vm.property("pinError") != "", timeout=SCREEN_TIMEOUT_MS)
    idle()
    _shot(ui, splits, "h8-pickup-pin-wrong")
    for digit in HANDOVER_PIN:
        vm.pressDigit(digit)
    vm.submitPin()
    code("put_old_passport")
    opened(41)
    _shot(ui, splits, "h9-pickup-return-old-passport")
    sim.put_item(41)
    sim.push(41)
    code("take_passport")
    case_door = int(vm.property("door"))
    opened(case_door)
    _shot(ui, splits, "h10-pickup-take-passport")
    sim.take_item(case_door)
    code("close_door")
    _shot(ui, splits, "h11-pickup-close-door-reminder")
    sim.push(case_door)
    code("collected")
    _shot(ui, splits, "h12-pickup-collected")
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
    _shot(ui, splits, "h13-pickup-door-did-not-open")
    leave()

    _from_thread(vm.submit_scan, screen.pickup_token("HO-1002"))
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.PIN, timeout=SCREEN_TIMEOUT_MS)
    for wrong in ("000000", "111111", "222222"):
        idle()
        for digit in wrong:
            vm.pressDigit(digit)
        vm.submitPin()
    code("case_locked")
    _shot(ui, splits, "h14-pickup-case-locked")
    leave()

    _from_thread(vm.submit_scan, screen.pickup_token("HO-1001"))
    code("already_collected")
    _shot(ui, splits, "h15-pickup-already-collected")
    leave()

    _from_thread(vm.submit_scan, screen.staff_card("s-12"))
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.CASES, timeout=SCREEN_TIMEOUT_MS)
    vm.openReview()
    qtbot.waitUntil(lambda: vm.returned.rowCount() == 1, timeout=SCREEN_TIMEOUT_MS)
    _shot(ui, splits, "h16-staff-review-returned")
    vm.closeReview()
    leave()


def test_the_diagnostics_screens_are_captured_in_each_language(
    qtbot: QtBot,
    make_diagnostics_ui: DiagnosticsUiFactory,
    parts: KioskParts,
    splits: list[SplitWord],
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
    kiosk.setLanguage(JOURNEY_LANGUAGE)
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
    _shot(ui, splits, "d1-technician-sign-in")
    for digit in TECHNICIAN_PIN[4:]:
        vm.pressDigit(digit)
    vm.submit()
    qtbot.waitUntil(lambda: vm.property("takenAt") != "", timeout=SCREEN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: vm.devices.rowCount() > 0)
    _shot(ui, splits, "d2-diagnostics-overview")

    vm.showSection("tests")
    qtbot.waitUntil(lambda: vm.tests.rowCount() == 2)
    with qtbot.waitSignal(vm.selfTestFinished, timeout=SCREEN_TIMEOUT_MS):
        vm.runSelfTest("printer", "status")
    _shot(ui, splits, "d3-diagnostics-self-test-failed")
    parts.printer_sim.set_paper("ok")
    with qtbot.waitSignal(vm.selfTestFinished, timeout=SCREEN_TIMEOUT_MS):
        vm.runSelfTest("printer", "status")
    _shot(ui, splits, "d4-diagnostics-self-test-passed")
    vm.runSelfTest("locker", "door-7")
    qtbot.waitUntil(lambda: vm.property("promptActive") is True, timeout=SCREEN_TIMEOUT_MS)
    _shot(ui, splits, "d4b-diagnostics-self-test-asks-a-person")
    with qtbot.waitSignal(vm.selfTestFinished, timeout=SCREEN_TIMEOUT_MS):
        vm.cancelSelfTest()

    vm.showSection("faults")
    qtbot.waitUntil(lambda: vm.faults.rowCount() > 0)
    _shot(ui, splits, "d5-diagnostics-history")
    vm.showSection("frames")
    qtbot.waitUntil(lambda: vm.frames.rowCount() > 0)
    _shot(ui, splits, "d6-diagnostics-frames")
    vm.cancel()
    assert vm.current_screen is DiagnosticsScreen.NONE


class _FridayEvening:
    """Friday 2026-11-27, 18:30 in Tokyo: the counter has closed; it opens again Monday."""

    def now(self) -> datetime:
        return datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def test_the_degraded_modes_are_captured_in_each_language(
    qapp: QGuiApplication,
    qtbot: QtBot,
    make_checkin_ui: CheckInUiFactory,
    make_handover_ui: HandoverUiFactory,
    parts: KioskParts,
    splits: list[SplitWord],
) -> None:
    # Printer and scanner out: tickets on screen (the banner) and the keypad for bookings.
    screen = make_checkin_ui()
    ui = screen.ui
    ui.view_model.follow_service_modes(
        ServiceModeBoard(parts.health, Journeys(checkin=True, scanner=True))
    )
    ui.view_model.setLanguage(JOURNEY_LANGUAGE)
    parts.printer_sim.set_paper("out")
    _from_thread(parts.tickets.poll_printer)
    _from_thread(parts.health.report, "scanner", Health(HealthState.FAULT, "disconnected"))
    qtbot.waitUntil(lambda: find_item(ui, "scannerBanner").isVisible())
    qtbot.waitUntil(lambda: find_item(ui, "printerBanner").isVisible())
    _shot(ui, splits, "m1-home-printer-and-scanner-out")
    screen.vm.openKeypad()
    _shot(ui, splits, "m2-keypad-without-scanner")
    screen.vm.done()
    parts.printer_sim.set_paper("ok")
    _from_thread(parts.tickets.poll_printer)
    _from_thread(parts.health.report, "scanner", Health(HealthState.OK))

    # The locker out: the pickup button gives directions to the counter.
    handover = make_handover_ui()
    ui = handover.ui
    ui.view_model.follow_service_modes(ServiceModeBoard(parts.health, Journeys(pickup=True)))
    ui.view_model.setLanguage(JOURNEY_LANGUAGE)
    for board in range(3):
        handover.sim.silence(board)
    qtbot.waitUntil(
        lambda: ui.view_model.property("pickupOffered") is False, timeout=SCREEN_TIMEOUT_MS
    )
    ui.view_model.showPickupRefused()
    qtbot.waitUntil(lambda: find_item(ui, "homeNotice").isVisible())
    _shot(ui, splits, "m3-pickup-refused")
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
        ui.view_model.setLanguage(JOURNEY_LANGUAGE)
        _from_thread(parts.health.report, "store", Health(HealthState.FAULT, "disk_full"))
        qtbot.waitUntil(lambda: ui.view_model.current_screen is Screen.OUT_OF_SERVICE)
        _shot(ui, splits, "m4-out-of-service-with-opening-hours")
        _from_thread(parts.health.report, "store", Health(HealthState.OK))
        qtbot.waitUntil(lambda: ui.view_model.current_screen is Screen.HOME)
    finally:
        ui.close()
