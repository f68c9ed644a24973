"""The staff keypad and hostile scans on the real hand-over screens (issue 10, items 6, 14).

A real HandoverService on SQLite, the real Kerong driver and the locker simulator.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from pytestqt.qtbot import QtBot

from kiosk.core.handover import OutcomeCode
from kiosk.core.handover.service import HandoverOutcome
from kiosk.core.jws import b64url_encode
from kiosk.devices.scanner.protocol import ScannedCode
from kiosk.i18n.linebreak import plain
from kiosk.ui.handover_view_model import HandoverScreen, is_handover_code
from tests.ui.conftest import (
    HANDOVER_STAFF_ID,
    HANDOVER_STAFF_PIN,
    HandoverUi,
    HandoverUiFactory,
    KioskParts,
)
from tests.ui.screen_support import find_item, item_text, tap

SCREEN_TIMEOUT_MS = 10_000

DEEP_SCAN = ".".join(
    [
        b64url_encode(json.dumps({"alg": "EdDSA", "kid": "x"}).encode()),
        b64url_encode(("[" * 1400 + "]" * 1400).encode()),
        b64url_encode(bytes(64)),
    ]
)
"""A QR whose payload nests 1,400 arrays: json.loads raised RecursionError on it."""


def scan_from_thread(screen: HandoverUi, text: str) -> None:
    code = ScannedCode(text=text, source="scanner", received_mono=time.monotonic())
    worker = threading.Thread(target=screen.vm.on_scanned_code, args=(code,), name="scanner")
    worker.start()
    worker.join()


def refusals(parts: KioskParts) -> list[dict[str, object]]:
    return [
        e.payload["data"] for e in parts.outbox.pending(limit=1000) if e.type == "handover.refused"
    ]


def test_without_staff_pins_the_staff_screen_asks_for_a_card_and_shows_no_keypad(
    qtbot: QtBot, make_handover_ui: HandoverUiFactory, parts: KioskParts
) -> None:
    screen = make_handover_ui(staff_pins={})
    vm, ui = screen.vm, screen.ui
    assert vm.property("staffKeypad") is False
    vm.openStaff()
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.STAFF)
    for name in ("handoverKey_1", "handoverStaffOk", "handoverStaffField_id"):
        assert not find_item(ui, name).isVisible(), name
    vm.pressDigit("1")
    vm.submitStaff()
    assert vm.property("staffId") == ""
    assert vm.property("busy") is False


def test_with_staff_pins_the_staff_screen_shows_the_keypad(
    qtbot: QtBot, make_handover_ui: HandoverUiFactory
) -> None:
    screen = make_handover_ui()
    vm, ui = screen.vm, screen.ui
    assert vm.property("staffKeypad") is True
    vm.openStaff()
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.STAFF)
    for name in ("handoverKey_1", "handoverStaffOk", "handoverStaffField_id"):
        assert find_item(ui, name).isVisible(), name


def test_wrong_staff_pins_pause_the_staff_keypad_with_its_own_message(
    qtbot: QtBot, make_handover_ui: HandoverUiFactory, parts: KioskParts
) -> None:
    screen = make_handover_ui()
    vm, ui = screen.vm, screen.ui
    vm.openStaff()
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.STAFF)
    for attempt in range(6):
        for digit in HANDOVER_STAFF_ID:
            tap(qtbot, ui, f"handoverKey_{digit}")
        tap(qtbot, ui, "handoverStaffOk")
        for digit in "0000":
            tap(qtbot, ui, f"handoverKey_{digit}")
        tap(qtbot, ui, "handoverStaffOk")
        qtbot.waitUntil(lambda: vm.property("staffError") is True, timeout=SCREEN_TIMEOUT_MS)
        qtbot.waitUntil(lambda: not vm.property("busy"), timeout=SCREEN_TIMEOUT_MS)
        expected = "staff_pin_paused" if attempt == 5 else "staff_refused"
        assert vm.property("code") == expected
        vm.clearDigits()
        vm.selectStaffField("id")
        vm.clearDigits()
    assert item_text(ui, "handoverStaffError") == parts.catalogs["ja"].text(
        "handover.staff_pin_paused.body"
    )
    assert vm.current_screen is HandoverScreen.STAFF


def test_a_deeply_nested_scan_is_no_hand_over_code_and_raises_nothing() -> None:
    assert is_handover_code(DEEP_SCAN) is False


def test_a_deeply_nested_scan_on_the_pickup_screen_gets_a_refusal_and_an_event(
    qtbot: QtBot, make_handover_ui: HandoverUiFactory, parts: KioskParts
) -> None:
    screen = make_handover_ui()
    vm = screen.vm
    assert not vm.wants_code(DEEP_SCAN)  # at home it goes to check-in
    vm.openPickup()
    assert vm.current_screen is HandoverScreen.SCAN
    assert vm.wants_code(DEEP_SCAN)  # the pickup screen answers every scan itself
    scan_from_thread(screen, DEEP_SCAN)
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.RESULT, timeout=SCREEN_TIMEOUT_MS)
    assert vm.property("code") == OutcomeCode.UNKNOWN_KEY.value
    assert plain(vm.property("title")) == parts.catalogs["ja"].text("handover.unknown_key.title")
    assert [r["reason"] for r in refusals(parts)] == ["unknown_key"]


def test_a_staff_pin_is_checked_on_the_worker_thread_never_the_gui_thread(
    qtbot: QtBot, make_handover_ui: HandoverUiFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = make_handover_ui()
    vm, ui, service = screen.vm, screen.ui, screen.service
    threads: list[str] = []
    check = service.identify_staff_pin

    def recording(staff_id: str, pin: str) -> HandoverOutcome:
        threads.append(threading.current_thread().name)
        return check(staff_id, pin)

    monkeypatch.setattr(service, "identify_staff_pin", recording)
    vm.openStaff()
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.STAFF)
    for digit in HANDOVER_STAFF_ID:
        tap(qtbot, ui, f"handoverKey_{digit}")
    tap(qtbot, ui, "handoverStaffOk")
    for digit in HANDOVER_STAFF_PIN:
        tap(qtbot, ui, f"handoverKey_{digit}")
    tap(qtbot, ui, "handoverStaffOk")
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.CASES, timeout=SCREEN_TIMEOUT_MS)
    assert len(threads) == 1
    assert threads[0].startswith("handover")
    assert threads[0] != threading.main_thread().name
