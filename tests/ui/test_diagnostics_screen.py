"""The technicians' diagnostics screen (issue 11): the way in, the PIN, what it shows.

The real screen on real parts: the health board, SQLite (the wrong PINs' budget and the audit
events), the printer driver on the printer simulator, a check-in service for a citizen's
scan, and :class:`~tests.ui.diagnostics_support.BenchDiagnostics` (the ``Diagnostics``
Protocol on those parts).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import zxingcpp
from PySide6.QtCore import QPoint, QPointF, Qt, QUrl
from pytestqt.qtbot import QtBot

from kiosk import __version__
from kiosk.core.clock import SystemClock
from kiosk.core.diagnostics.counting import count
from kiosk.core.diagnostics.model import SelfTestResult
from kiosk.core.diagnostics.self_tests import PrinterPrintTest, ScannerEchoTest
from kiosk.core.diagnostics.service import DiagnosticsParts, DiagnosticsService
from kiosk.core.diagnostics.technician import SignIn, TechnicianAccess
from kiosk.core.handover.pin_budget import PinBudget, PinKeypad
from kiosk.devices.health import Health, HealthState
from kiosk.devices.scanner.protocol import ScannedCode
from kiosk.diag_wiring import recorder_of
from kiosk.store.diagnostics import DiagnosticsRepository, door_cycles
from kiosk.ui.diagnostics_view_model import DiagnosticsScreen, DiagnosticsViewModel
from kiosk.ui.kiosk_view_model import Screen
from kiosk.ui.window import KioskUi
from tests.ui.conftest import KioskParts, UiFactory
from tests.ui.diagnostics_support import (
    DOOR_TIMEOUT_S,
    TECHNICIAN_ID,
    TECHNICIAN_PIN,
    BenchDiagnostics,
    DiagnosticsUi,
    DiagnosticsUiFactory,
    technician_pins,
)
from tests.ui.screen_support import find_item, has_item, item_text, tap, window_image

SCREEN_TIMEOUT_MS = 10_000
GESTURE_TIMEOUT_MS = 7_000  # the gesture is a 5-second press


def screen_file(ui: KioskUi) -> str:
    return QUrl(find_item(ui, "screenLoader").property("source")).fileName()


def audit(parts: KioskParts) -> list[dict[str, object]]:
    return [
        e.payload["data"] for e in parts.outbox.pending(limit=1000) if e.type == "audit.diagnostics"
    ]


def technician_failures(parts: KioskParts) -> int:
    with parts.db.reading() as conn:
        row = conn.execute(
            "SELECT COUNT(*) FROM pin_failure WHERE case_id LIKE '#tech:%'"
        ).fetchone()
    return int(row[0])


def budget_failures(parts: KioskParts, keypad: PinKeypad) -> int:
    with parts.db.transaction() as tx:
        return PinBudget(keypad, 10, 3600).failures(tx, datetime.now(UTC))


def sign_in(qtbot: QtBot, screen: DiagnosticsUi, technician: str, pin: str) -> None:
    """Type the number and the PIN on the keypad (real taps) and press OK."""
    ui = screen.ui
    for digit in technician:
        tap(qtbot, ui, f"diagnosticsKey_{digit}")
    tap(qtbot, ui, "diagnosticsOk")  # on to the PIN
    for digit in pin:
        tap(qtbot, ui, f"diagnosticsKey_{digit}")
    with qtbot.waitSignal(screen.vm.busyChanged, timeout=SCREEN_TIMEOUT_MS):
        tap(qtbot, ui, "diagnosticsOk")
    qtbot.waitUntil(lambda: not screen.vm.property("busy"), timeout=SCREEN_TIMEOUT_MS)


def open_diagnostics(qtbot: QtBot, screen: DiagnosticsUi) -> DiagnosticsViewModel:
    vm = screen.vm
    vm.openSignIn()
    sign_in(qtbot, screen, TECHNICIAN_ID, TECHNICIAN_PIN)
    assert vm.current_screen is DiagnosticsScreen.MAIN
    qtbot.waitUntil(lambda: vm.property("takenAt") != "", timeout=SCREEN_TIMEOUT_MS)
    return vm


def test_a_five_second_press_on_the_clock_asks_for_a_technician_pin_and_a_wrong_one_stays_out(
    qtbot: QtBot, make_diagnostics_ui: DiagnosticsUiFactory, parts: KioskParts
) -> None:
    screen = make_diagnostics_ui()
    ui, vm = screen.ui, screen.vm
    entry = find_item(ui, "diagnosticsEntry")
    centre = entry.mapToScene(QPointF(entry.width() / 2, entry.height() / 2)).toPoint()

    qtbot.mousePress(ui.window, Qt.MouseButton.LeftButton, pos=QPoint(centre))
    qtbot.waitUntil(
        lambda: vm.current_screen is DiagnosticsScreen.SIGN_IN, timeout=GESTURE_TIMEOUT_MS
    )
    qtbot.mouseRelease(ui.window, Qt.MouseButton.LeftButton, pos=QPoint(centre))
    shown_after_gesture = screen_file(ui)
    sign_in(qtbot, screen, TECHNICIAN_ID, "999999")

    assert shown_after_gesture == "DiagnosticsSignInScreen.qml"
    assert vm.current_screen is DiagnosticsScreen.SIGN_IN
    assert screen_file(ui) == "DiagnosticsSignInScreen.qml"
    assert vm.property("signInError") == "refused"
    assert item_text(ui, "diagnosticsSignInError") == "番号またはPINが違います。"
    assert technician_failures(parts) == 1
    assert audit(parts) == [{"action": "pin_failed", "technician": TECHNICIAN_ID}]
    # NOTE: its own budget: neither the citizens' nor the staff's keypad counted it.
    assert budget_failures(parts, PinKeypad.TECHNICIAN) == 1
    assert budget_failures(parts, PinKeypad.CITIZEN) == 0
    assert budget_failures(parts, PinKeypad.STAFF) == 0


def test_a_spent_budget_pauses_the_technicians_keypad_and_the_right_pin_then_stays_out(
    qtbot: QtBot, make_diagnostics_ui: DiagnosticsUiFactory, parts: KioskParts
) -> None:
    screen = make_diagnostics_ui(budget=2)
    ui, vm = screen.ui, screen.vm
    vm.openSignIn()

    sign_in(qtbot, screen, "1", "0000")
    first = vm.property("signInError")
    tap(qtbot, ui, "diagnosticsField_id")
    tap(qtbot, ui, "diagnosticsKeyClear")
    sign_in(qtbot, screen, TECHNICIAN_ID, "1111")
    second = vm.property("signInError")
    tap(qtbot, ui, "diagnosticsField_id")
    tap(qtbot, ui, "diagnosticsKeyClear")
    sign_in(qtbot, screen, TECHNICIAN_ID, TECHNICIAN_PIN)

    assert (first, second) == ("refused", "refused")
    assert vm.property("signInError") == "paused"
    assert item_text(ui, "diagnosticsSignInError") == (
        "PINの誤りが続いたため、しばらく入力できません。"
    )
    assert vm.current_screen is DiagnosticsScreen.SIGN_IN
    assert technician_failures(parts) == 2  # the paused attempt checked no PIN and counted none
    assert [e["action"] for e in audit(parts)] == ["pin_failed", "pin_failed", "pin_paused"]
    assert budget_failures(parts, PinKeypad.CITIZEN) == 0


def test_the_right_pin_opens_the_screen_with_each_devices_health_reason_and_since(
    qtbot: QtBot, make_diagnostics_ui: DiagnosticsUiFactory, parts: KioskParts
) -> None:
    screen = make_diagnostics_ui()
    ui = screen.ui
    since = datetime(2026, 11, 27, 0, 58, 3, tzinfo=UTC)  # 09:58:03 in Tokyo
    reporter = threading.Thread(
        target=parts.health.report,
        args=("printer", Health(HealthState.FAULT, "paper_out", "paper end sensor", since)),
    )
    reporter.start()
    reporter.join()

    vm = open_diagnostics(qtbot, screen)
    qtbot.waitUntil(lambda: has_item(ui, "diagnosticsDeviceReason_printer"))

    assert screen_file(ui) == "DiagnosticsScreen.qml"
    assert item_text(ui, "diagnosticsDeviceState_printer") == "故障"
    assert item_text(ui, "diagnosticsDeviceReason_printer") == "paper_out  paper end sensor"
    assert item_text(ui, "diagnosticsDeviceSince_printer") == "2026-11-27 09:58:03 から"
    assert item_text(ui, "diagnosticsSummaryValue_software") == "0.11.0-test"
    assert item_text(ui, "diagnosticsSummaryValue_config") == "7"
    assert [r["reason"] for r in vm.faults.rows() if r["device"] == "printer"] == ["paper_out"]
    assert audit(parts) == [{"action": "opened", "technician": TECHNICIAN_ID}]


def test_the_screen_shows_the_link_outbox_and_disk_in_english_too(
    qtbot: QtBot, make_diagnostics_ui: DiagnosticsUiFactory, parts: KioskParts
) -> None:
    screen = make_diagnostics_ui()
    screen.ui.view_model.setLanguage("en")
    vm = open_diagnostics(qtbot, screen)
    summary = {row["key"]: row["value"] for row in vm.summary.rows()}

    assert summary["link"] == "mqtt://127.0.0.1:1883  down"
    assert summary["server"] == "not heard from yet"
    assert summary["outbox"].startswith(f"{parts.outbox.depth()} events  the oldest ")
    assert summary["outbox"].endswith(" s ago")
    assert summary["disk"].endswith(f"  ({parts.config.state_dir})")
    assert " free of " in summary["disk"]
    assert summary["kiosk"] == "ui-test-kiosk"


def test_the_screen_closes_itself_after_its_inactivity_time(
    qtbot: QtBot, make_diagnostics_ui: DiagnosticsUiFactory, parts: KioskParts
) -> None:
    # NOTE: longer than the 600 ms the window ignores taps after a screen change (Main.qml),
    # or the sign-in screen closes before its keypad takes a tap.
    screen = make_diagnostics_ui(inactivity_s=1.5)
    vm = open_diagnostics(qtbot, screen)

    with qtbot.waitSignal(vm.closedBecause, timeout=SCREEN_TIMEOUT_MS) as closed:
        pass
    assert vm.wait_idle()

    assert closed.args == ["inactivity"]
    assert vm.current_screen is DiagnosticsScreen.NONE
    assert screen_file(screen.ui) == "HomeScreen.qml"
    assert vm.report is None
    assert audit(parts)[-1] == {
        "action": "closed",
        "technician": TECHNICIAN_ID,
        "reason": "inactivity",
    }


def test_a_technician_reading_longer_than_the_ticket_screens_inactivity_keeps_their_language(
    qtbot: QtBot, make_diagnostics_ui: DiagnosticsUiFactory
) -> None:
    screen = make_diagnostics_ui(ui_inactivity_s=2.5)  # the status is read every 2 s
    kiosk = screen.ui.view_model
    kiosk.setLanguage("en")
    vm = open_diagnostics(qtbot, screen)
    reads = screen.diagnostics.status_calls

    qtbot.waitUntil(lambda: screen.diagnostics.status_calls >= reads + 2, timeout=8000)

    assert kiosk.current_language == "en"
    assert vm.current_screen is DiagnosticsScreen.MAIN
    assert item_text(screen.ui, "diagnosticsSection_overview") == "Overview"


def test_a_citizens_scan_closes_the_diagnostics_and_shows_the_citizen_their_answer(
    qtbot: QtBot, make_diagnostics_ui: DiagnosticsUiFactory, parts: KioskParts
) -> None:
    screen = make_diagnostics_ui()
    vm = open_diagnostics(qtbot, screen)

    assert screen.ui.checkin is not None
    with qtbot.waitSignal(vm.closedBecause, timeout=SCREEN_TIMEOUT_MS) as closed:
        screen.ui.checkin.submit_scan("\x1b[A\x00\x07")
    qtbot.waitUntil(lambda: screen_file(screen.ui) == "CheckInUnreadableScreen.qml")

    assert closed.args == ["citizen"]
    assert vm.current_screen is DiagnosticsScreen.NONE


def test_a_pin_accepted_after_the_sign_in_closed_never_opens_the_screen(
    qtbot: QtBot, make_diagnostics_ui: DiagnosticsUiFactory, parts: KioskParts
) -> None:
    release = threading.Event()
    checking = threading.Event()

    class SlowAccess(TechnicianAccess):
        def sign_in(self, technician_id: str, pin: str) -> SignIn:
            checking.set()
            release.wait(10)
            return super().sign_in(technician_id, pin)

    access = SlowAccess(technician_pins(), parts.db, parts.outbox, SystemClock())
    screen = make_diagnostics_ui(access=access)
    vm = screen.vm
    vm.openSignIn()
    for digit in TECHNICIAN_ID:
        vm.pressDigit(digit)
    vm.submit()
    for digit in TECHNICIAN_PIN:
        vm.pressDigit(digit)
    vm.submit()
    assert checking.wait(10)

    assert screen.ui.checkin is not None
    screen.ui.checkin.submit_scan("\x1b[A\x00\x07")  # a citizen walks up and scans
    qtbot.waitUntil(lambda: vm.current_screen is DiagnosticsScreen.NONE)
    release.set()
    assert vm.wait_idle()
    qtbot.waitUntil(lambda: not vm.property("busy"))

    assert vm.current_screen is DiagnosticsScreen.NONE
    assert screen_file(screen.ui) == "CheckInUnreadableScreen.qml"
    assert audit(parts) == [{"action": "opened", "technician": TECHNICIAN_ID}]  # checked: right


def test_the_citizen_screens_show_no_way_in_and_the_gesture_does_not_exist_without_pins(
    qtbot: QtBot, make_diagnostics_ui: DiagnosticsUiFactory, make_ui: UiFactory
) -> None:
    without = make_diagnostics_ui(pins={})
    plain = make_ui()  # no diagnostics at all
    with_pins = make_diagnostics_ui()
    kiosk = with_pins.ui.view_model

    def named_diagnostics(ui: KioskUi) -> list[str]:
        found: list[str] = []

        def walk(item: object) -> None:
            name = item.objectName()  # type: ignore[attr-defined]
            if name.startswith("diagnostics"):
                found.append(name)
            for child in item.childItems():  # type: ignore[attr-defined]
                walk(child)

        walk(ui.window.contentItem())
        return sorted(found)

    without.vm.openSignIn()
    # NOTE: no diagnostics at all: no view-model is built, QML gets a stand-in whose gesture
    # slot does nothing.
    assert plain.diagnostics is None
    plain.engine.rootContext().contextProperty("diagnosticsModel").openSignIn()
    kiosk.requestTicket("certificates")
    entry_while_printing = find_item(with_pins.ui, "diagnosticsEntry").property("enabled")
    with_pins.vm.openSignIn()  # the gesture's slot while a ticket is printing
    during_ticket = with_pins.vm.current_screen
    qtbot.waitUntil(lambda: kiosk.current_screen is Screen.TAKE_TICKET, timeout=SCREEN_TIMEOUT_MS)
    with_pins.vm.openSignIn()
    on_take_ticket = with_pins.vm.current_screen
    kiosk.done()

    assert without.vm.property("available") is False
    assert named_diagnostics(without.ui) == []
    assert named_diagnostics(plain) == []
    assert without.vm.current_screen is DiagnosticsScreen.NONE
    assert named_diagnostics(with_pins.ui) == ["diagnosticsEntry"]  # a MouseArea: nothing shown
    assert entry_while_printing is False
    assert (during_ticket, on_take_ticket) == (DiagnosticsScreen.NONE, DiagnosticsScreen.NONE)


def test_a_self_tests_pass_or_fail_appears_with_what_it_measured(
    qtbot: QtBot, make_diagnostics_ui: DiagnosticsUiFactory, parts: KioskParts
) -> None:
    screen = make_diagnostics_ui()
    ui = screen.ui
    vm = open_diagnostics(qtbot, screen)
    tap(qtbot, ui, "diagnosticsSection_tests")
    qtbot.waitUntil(lambda: has_item(ui, "diagnosticsRun_printer_status"))

    with qtbot.waitSignal(vm.selfTestFinished, timeout=SCREEN_TIMEOUT_MS) as passed:
        tap(qtbot, ui, "diagnosticsRun_printer_status")
    qtbot.waitUntil(lambda: item_text(ui, "diagnosticsTestState_printer_status") == "合格")
    measured_ok = item_text(ui, "diagnosticsTestMeasured_printer_status")
    parts.printer_sim.set_paper("out")
    with qtbot.waitSignal(vm.selfTestFinished, timeout=SCREEN_TIMEOUT_MS) as failed:
        tap(qtbot, ui, "diagnosticsRun_printer_status")
    qtbot.waitUntil(lambda: item_text(ui, "diagnosticsTestState_printer_status") == "不合格")

    assert passed.args[0].passed is True
    assert measured_ok == "測定値: paper: ok, online: True"
    assert failed.args[0].passed is False
    assert item_text(ui, "diagnosticsTestMeasured_printer_status") == (
        "測定値: paper: out, online: False"
    )
    assert vm.tests.rows()[0]["detail"] == "paper_out"
    qtbot.waitUntil(
        lambda: any(r["reason"] == "paper_out" for r in vm.faults.rows()),
        timeout=SCREEN_TIMEOUT_MS,
    )


def test_a_test_waiting_for_a_person_says_what_to_do_and_passes_when_it_is_done(
    qtbot: QtBot, make_diagnostics_ui: DiagnosticsUiFactory
) -> None:
    screen = make_diagnostics_ui()
    ui = screen.ui
    vm = open_diagnostics(qtbot, screen)
    vm.showSection("tests")
    qtbot.waitUntil(lambda: has_item(ui, "diagnosticsRun_locker_door-7"))
    title = [r["title"] for r in vm.tests.rows() if r["name"] == "door-7"]

    tap(qtbot, ui, "diagnosticsRun_locker_door-7")
    qtbot.waitUntil(lambda: vm.property("promptActive") is True, timeout=SCREEN_TIMEOUT_MS)
    prompt = item_text(ui, "diagnosticsPromptText")
    run_enabled = find_item(ui, "diagnosticsRun_printer_status").property("enabled")
    with qtbot.waitSignal(vm.selfTestFinished, timeout=SCREEN_TIMEOUT_MS) as finished:
        screen.diagnostics.door_shut.set()  # staff push the door shut
    qtbot.waitUntil(lambda: item_text(ui, "diagnosticsTestState_locker_door-7") == "合格")

    assert title == ["扉7の開閉"]
    assert prompt == "扉7を閉めてください。"
    assert run_enabled is False  # one test at a time
    assert finished.args[0].passed is True
    assert item_text(ui, "diagnosticsTestMeasured_locker_door-7") == "測定値: door: 7, closed: True"
    assert vm.property("promptActive") is False


def test_cancel_ends_a_waiting_test_failed_and_closing_the_screen_cancels_one_too(
    qtbot: QtBot, make_diagnostics_ui: DiagnosticsUiFactory
) -> None:
    screen = make_diagnostics_ui()
    ui = screen.ui
    vm = open_diagnostics(qtbot, screen)
    vm.showSection("tests")
    qtbot.waitUntil(lambda: vm.tests.rowCount() == 2)

    vm.runSelfTest("locker", "door-7")
    qtbot.waitUntil(lambda: vm.property("promptActive") is True, timeout=SCREEN_TIMEOUT_MS)
    with qtbot.waitSignal(vm.selfTestFinished, timeout=SCREEN_TIMEOUT_MS) as by_button:
        tap(qtbot, ui, "diagnosticsCancelTest")
    vm.runSelfTest("locker", "door-7")
    qtbot.waitUntil(lambda: vm.property("promptActive") is True, timeout=SCREEN_TIMEOUT_MS)
    with qtbot.waitSignal(vm.selfTestFinished, timeout=SCREEN_TIMEOUT_MS) as by_closing:
        tap(qtbot, ui, "diagnosticsClose")

    assert (by_button.args[0].passed, by_button.args[0].detail) == (False, "cancelled")
    assert (by_closing.args[0].passed, by_closing.args[0].detail) == (False, "cancelled")
    assert vm.current_screen is DiagnosticsScreen.NONE
    assert vm.property("promptActive") is False


def test_the_real_service_prints_and_its_scanner_echo_passes_on_the_code_read_off_the_screen(
    qtbot: QtBot, make_diagnostics_ui: DiagnosticsUiFactory, parts: KioskParts
) -> None:
    recorder = recorder_of(parts.printer)
    assert recorder is not None
    repository = DiagnosticsRepository(parts.db)
    for door in (10, 2, 10):
        count(repository, door_cycles(door))
    service = DiagnosticsService(
        DiagnosticsParts(
            kiosk_id=parts.config.kiosk_id,
            health=parts.health,
            software_version=__version__,
            state_dir=parts.config.state_dir,
            counters=repository.counters,
            count=lambda name: count(repository, name),
            frames={"printer": recorder},
            tests=[PrinterPrintTest(parts.printer.status, lambda: parts.tickets.print_test("ja"))],
        )
    )
    service.add_test(ScannerEchoTest(service.tap))
    screen = make_diagnostics_ui(service=service)
    ui = screen.ui
    passed_on: list[ScannedCode] = []
    scanner = service.tap_codes(passed_on.append)  # as KioskServices.start wires the scanner
    vm = open_diagnostics(qtbot, screen)
    devices = [row["name"] for row in vm.devices.rows()]
    printed = parts.printer_sim.printed_count
    tap(qtbot, ui, "diagnosticsSection_tests")
    qtbot.waitUntil(lambda: has_item(ui, "diagnosticsRun_scanner_echo"))

    with qtbot.waitSignal(vm.selfTestFinished, timeout=SCREEN_TIMEOUT_MS) as print_test:
        tap(qtbot, ui, "diagnosticsRun_printer_print")
    tap(qtbot, ui, "diagnosticsRun_scanner_echo")
    qtbot.waitUntil(lambda: vm.property("promptActive") is True, timeout=SCREEN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: find_item(ui, "diagnosticsPromptQr").property("paintedWidth") > 0)
    read = [code.text for code in zxingcpp.read_barcodes(window_image(ui))]
    shown = vm.property("promptCode")
    with qtbot.waitSignal(vm.selfTestFinished, timeout=SCREEN_TIMEOUT_MS) as echo:
        worker = threading.Thread(
            target=scanner,
            args=(ScannedCode(text=read[0], source="scanner", received_mono=time.monotonic()),),
            name="scanner",
        )
        worker.start()
        worker.join()
    qtbot.waitUntil(lambda: item_text(ui, "diagnosticsTestState_scanner_echo") == "合格")

    assert "printer" in devices
    assert print_test.args[0].passed is True
    assert parts.printer_sim.printed_count == printed + 1
    assert shown.startswith("KIOSK-ECHO-")
    assert read == [shown]  # the QR on the screen holds the code, as a scanner reads it
    assert (echo.args[0].passed, echo.args[0].measured["payload"]) == (True, shown)
    assert passed_on == []  # the code went to the test, never on to check-in
    assert vm.current_screen is DiagnosticsScreen.MAIN
    assert vm.property("promptActive") is False
    qtbot.waitUntil(
        lambda: {"name": "scans", "label": "読み取ったコード", "value": "1"} in vm.counters.rows(),
        timeout=SCREEN_TIMEOUT_MS,
    )
    assert [(r["label"], r["value"]) for r in vm.counters.rows()] == [
        ("扉2の開閉", "1"),
        ("扉10の開閉", "2"),
        ("証明写真", "0"),
        ("読み取ったコード", "1"),
        ("発券した整理券", "0"),
        ("印刷できなかった整理券", "0"),
        ("印刷した整理券", "0"),
    ]
    # the test ticket's bytes: only their head is kept, with the whole frame's size
    assert any(
        r["direction"] == "→" and r["hex"].startswith("1b 40") and r["hex"].endswith(" B)")
        for r in vm.frames.rows()
    )


def test_stopping_the_kiosk_cancels_a_test_that_waits_for_a_person_instead_of_waiting_for_it(
    qtbot: QtBot, make_diagnostics_ui: DiagnosticsUiFactory
) -> None:
    screen = make_diagnostics_ui()
    vm = open_diagnostics(qtbot, screen)
    vm.showSection("tests")
    qtbot.waitUntil(lambda: vm.tests.rowCount() == 2)
    results: list[SelfTestResult] = []
    vm.selfTestFinished.connect(results.append)
    vm.runSelfTest("locker", "door-7")
    qtbot.waitUntil(lambda: vm.property("promptActive") is True, timeout=SCREEN_TIMEOUT_MS)

    began = time.monotonic()
    vm.close()  # what KioskUi.close() does at shutdown
    took = time.monotonic() - began

    assert took < DOOR_TIMEOUT_S / 2  # was the door test's whole wait
    qtbot.waitUntil(lambda: len(results) == 1)
    assert (results[0].passed, results[0].detail) == (False, "cancelled")


def test_a_diagnostics_that_audits_its_tests_is_told_the_screen_and_the_technician(
    qtbot: QtBot, make_diagnostics_ui: DiagnosticsUiFactory, parts: KioskParts
) -> None:
    asked: list[tuple[str, str]] = []

    class AuditedBench(BenchDiagnostics):
        def run_self_test(  # type: ignore[override]
            self, device: str, name: str, *, via: str = "console", actor: str = "?"
        ) -> SelfTestResult:
            asked.append((via, actor))
            return super().run_self_test(device, name)

    screen = make_diagnostics_ui(service=AuditedBench(parts))
    vm = open_diagnostics(qtbot, screen)
    vm.showSection("tests")
    qtbot.waitUntil(lambda: vm.tests.rowCount() == 2)

    with qtbot.waitSignal(vm.selfTestFinished, timeout=SCREEN_TIMEOUT_MS):
        vm.runSelfTest("printer", "status")

    assert asked == [("screen", TECHNICIAN_ID)]


def test_every_text_id_the_diagnostics_build_exists_in_both_catalogues(
    parts: KioskParts,
) -> None:
    ids = {
        *(f"diag.state.{s.value}" for s in HealthState),
        *(f"diag.test.{r}" for r in ("running", "passed", "failed")),
        *(
            f"diag.summary.{k}"
            for k in ("link", "server", "outbox", "disk", "clock", "software", "config", "kiosk")
        ),
        *(f"diag.duration.{u}" for u in ("seconds", "minutes", "hours")),
        *(f"diag.server.{s}" for s in ("online", "offline", "unknown")),
        *(f"diag.prompt.{k}" for k in ("scan_code", "open_door", "close_door")),
        *(
            f"diag.counter.{c}"
            for c in (
                "tickets_issued",
                "tickets_printed",
                "tickets_not_printed",
                "photos",
                "scans",
                "door_unlocks",
                "door_cycles",
            )
        ),
        *(
            f"diag.test.{t}"
            for t in (
                "printer.print",
                "scanner.echo",
                "camera.frame",
                "locker.status",
                "locker.door",
                "camera_mount.home",
            )
        ),
    }
    for catalog in parts.catalogs.values():
        assert sorted(ids - set(catalog.messages)) == []


def test_without_a_diagnostics_table_there_are_no_technicians_and_the_screen_closes_in_2_min(
    parts: KioskParts,
) -> None:
    settings = parts.config.diagnostics

    assert settings.technician_pins == {}
    assert settings.inactivity_s == 120.0
    assert (settings.pin_budget, timedelta(seconds=settings.pin_budget_window_s)) == (
        5,
        timedelta(hours=1),
    )
