"""The hand-over screens on the real screen, a real HandoverService on SQLite, the real Kerong
driver and the locker simulator. Which relay fired comes from the simulator's own record.

Codes arrive from another thread, as a scanner driver delivers them.
"""

from __future__ import annotations

import threading
import time

from pytestqt.qtbot import QtBot

from kiosk.core.handover import HandoverState, OutcomeCode
from kiosk.devices.scanner.protocol import ScannedCode
from kiosk.i18n.linebreak import plain
from kiosk.ui.handover_view_model import HandoverScreen, is_handover_code
from tests.ui.conftest import (
    HANDOVER_PIN,
    HANDOVER_STAFF_ID,
    HANDOVER_STAFF_PIN,
    HandoverUi,
    HandoverUiFactory,
)
from tests.ui.screen_support import find_item, item_text, tap

SCREEN_TIMEOUT_MS = 10_000


def scan_from_thread(screen: HandoverUi, text: str) -> None:
    """Deliver a code on a scanner-like thread, routed as the app routes it."""
    code = ScannedCode(text=text, source="scanner", received_mono=time.monotonic())
    assert screen.vm.wants_code(text)
    worker = threading.Thread(target=screen.vm.on_scanned_code, args=(code,), name="scanner")
    worker.start()
    worker.join()


def type_digits(qtbot: QtBot, screen: HandoverUi, digits: str) -> None:
    for digit in digits:
        tap(qtbot, screen.ui, f"handoverKey_{digit}")


def wait_code(qtbot: QtBot, screen: HandoverUi, code: OutcomeCode) -> None:
    qtbot.waitUntil(lambda: screen.vm.property("code") == code.value, timeout=SCREEN_TIMEOUT_MS)


def wait_open(qtbot: QtBot, screen: HandoverUi, door: int) -> None:
    """Wait until the screen names ``door`` and the kiosk has seen it open (the simulator's
    "person" pulls a released door)."""

    def seen_open() -> bool:
        outcome = screen.vm.last_outcome
        return (
            outcome is not None
            and outcome.door == door
            and outcome.state in (HandoverState.DOOR_OPENED, HandoverState.RETURN_OPENED)
        )

    qtbot.waitUntil(seen_open, timeout=SCREEN_TIMEOUT_MS)


def load_through_screens(qtbot: QtBot, screen: HandoverUi, case_id: str) -> int:
    """Staff sign in with number and PIN, choose the case, put it in, close the door."""
    ui, vm, sim = screen.ui, screen.vm, screen.sim
    vm.openStaff()
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.STAFF)
    type_digits(qtbot, screen, HANDOVER_STAFF_ID)
    tap(qtbot, ui, "handoverStaffOk")
    assert vm.property("staffField") == "pin"
    type_digits(qtbot, screen, HANDOVER_STAFF_PIN)
    assert item_text(ui, "handoverStaffValue_pin") == "●●●●"
    tap(qtbot, ui, "handoverStaffOk")
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.CASES, timeout=SCREEN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: vm.cases.case_ids() == [case_id], timeout=SCREEN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: find_item(ui, f"handoverCase_{case_id}").isVisible())
    tap(qtbot, ui, f"handoverCase_{case_id}")
    wait_code(qtbot, screen, OutcomeCode.PUT_DOCUMENT)
    assert vm.current_screen is HandoverScreen.DOOR
    door = int(vm.property("door"))
    assert item_text(ui, "handoverDoorNumber") == str(door)
    wait_open(qtbot, screen, door)
    sim.put_item(door)
    sim.push(door)
    wait_code(qtbot, screen, OutcomeCode.LOADED)
    assert vm.current_screen is HandoverScreen.RESULT
    assert find_item(ui, "handoverLoadNext").isVisible()
    tap(qtbot, ui, "handoverDone")
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.NONE)
    return door


def test_routing_peeks_at_the_token_type_only(make_handover_ui: HandoverUiFactory) -> None:
    screen = make_handover_ui()
    assert is_handover_code(screen.pickup_token("case-1"))
    assert is_handover_code(screen.staff_card())
    assert is_handover_code(screen.pickup_token("case-1")[:-3] + "AAA")  # verified later
    assert not is_handover_code("12345671")
    assert not is_handover_code("a.!!!.b")
    assert not screen.vm.wants_code("CASE-1")  # a case barcode only while staff load


def test_staff_load_a_case_through_the_screens(
    qtbot: QtBot, make_handover_ui: HandoverUiFactory
) -> None:
    screen = make_handover_ui()
    screen.assign("case-7", "M", old=False)
    door = load_through_screens(qtbot, screen, "case-7")
    assert door == 17  # the smallest free compartment that fits an M case
    assert screen.sim.pulsed_doors() == [17]
    case = screen.service.case("case-7")
    assert case is not None and case.state == "loaded" and case.door == 17


def test_a_citizen_collects_a_passport_through_the_screens(
    qtbot: QtBot, make_handover_ui: HandoverUiFactory
) -> None:
    screen = make_handover_ui()
    ui, vm, sim = screen.ui, screen.vm, screen.sim
    screen.assign("case-1", "M", old=True)
    door = load_through_screens(qtbot, screen, "case-1")
    pulses_before = {d: sim.pulses(d) for d in sim.door_numbers}

    qtbot.waitUntil(lambda: find_item(ui, "handoverButton").isVisible())
    tap(qtbot, ui, "handoverButton")
    assert vm.current_screen is HandoverScreen.SCAN
    scan_from_thread(screen, screen.pickup_token("case-1"))
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.PIN, timeout=SCREEN_TIMEOUT_MS)
    type_digits(qtbot, screen, HANDOVER_PIN)
    assert item_text(ui, "handoverPinMask") == "●" * len(HANDOVER_PIN)
    tap(qtbot, ui, "handoverPinOk")

    wait_code(qtbot, screen, OutcomeCode.PUT_OLD_PASSPORT)  # the simulator pulled door 41
    assert vm.current_screen is HandoverScreen.DOOR
    assert vm.property("door") == 41
    wait_open(qtbot, screen, 41)
    sim.put_item(41)
    sim.push(41)
    wait_code(qtbot, screen, OutcomeCode.TAKE_PASSPORT)
    assert vm.property("door") == door
    assert item_text(ui, "handoverDoorNumber") == str(door)
    assert (vm.property("doorColumn"), vm.property("doorRow")) == (2, 1)  # door 17
    wait_open(qtbot, screen, door)
    sim.take_item(door)
    sim.push(door)
    wait_code(qtbot, screen, OutcomeCode.COLLECTED)
    assert vm.current_screen is HandoverScreen.RESULT
    assert item_text(ui, "handoverTitle") == plain(
        screen.ui.translator.translate("", "handover.collected.title")
    )
    assert not find_item(ui, "handoverLoadNext").isVisible()  # no staff path for a citizen

    fired = {d: sim.pulses(d) - pulses_before[d] for d in sim.door_numbers}
    assert {d: n for d, n in fired.items() if n} == {41: 1, door: 1}
    tap(qtbot, ui, "handoverDone")
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.NONE)


def test_a_wrong_pin_shows_the_attempts_left_and_opens_nothing(
    qtbot: QtBot, make_handover_ui: HandoverUiFactory
) -> None:
    screen = make_handover_ui()
    ui, vm, sim = screen.ui, screen.vm, screen.sim
    screen.assign("case-2", "S", old=False)
    load_through_screens(qtbot, screen, "case-2")
    loaded_pulses = len(sim.pulsed_doors())
    ui.view_model.setLanguage("en")

    scan_from_thread(screen, screen.pickup_token("case-2"))
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.PIN, timeout=SCREEN_TIMEOUT_MS)
    type_digits(qtbot, screen, "000000")
    tap(qtbot, ui, "handoverPinOk")
    wait_code(qtbot, screen, OutcomeCode.PIN_WRONG)
    assert vm.current_screen is HandoverScreen.PIN
    qtbot.waitUntil(lambda: find_item(ui, "handoverPinError").isVisible())
    assert item_text(ui, "handoverPinError") == "The PIN does not match. 2 attempts left."
    assert item_text(ui, "handoverPinMask") == ""

    type_digits(qtbot, screen, "111111")
    tap(qtbot, ui, "handoverPinOk")
    qtbot.waitUntil(
        lambda: item_text(ui, "handoverPinError") == "The PIN does not match. 1 attempt left.",
        timeout=SCREEN_TIMEOUT_MS,
    )
    type_digits(qtbot, screen, "222222")
    tap(qtbot, ui, "handoverPinOk")
    wait_code(qtbot, screen, OutcomeCode.CASE_LOCKED)
    assert vm.current_screen is HandoverScreen.RESULT
    assert item_text(ui, "handoverTitle") == "Please go to the counter"
    assert len(sim.pulsed_doors()) == loaded_pulses  # nothing was unlocked
    tap(qtbot, ui, "handoverDone")
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.NONE)


def test_staff_review_the_returned_passports_from_the_staff_screen(
    qtbot: QtBot, make_handover_ui: HandoverUiFactory
) -> None:
    screen = make_handover_ui()
    ui, vm = screen.ui, screen.vm
    screen.assign("case-3", "S", old=True)
    door = load_through_screens(qtbot, screen, "case-3")
    scan_from_thread(screen, screen.pickup_token("case-3"))
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.PIN, timeout=SCREEN_TIMEOUT_MS)
    type_digits(qtbot, screen, HANDOVER_PIN)
    tap(qtbot, ui, "handoverPinOk")
    wait_code(qtbot, screen, OutcomeCode.PUT_OLD_PASSPORT)
    wait_open(qtbot, screen, 41)
    screen.sim.put_item(41)
    screen.sim.push(41)
    wait_code(qtbot, screen, OutcomeCode.TAKE_PASSPORT)
    wait_open(qtbot, screen, door)
    screen.sim.take_item(door)
    screen.sim.push(door)
    wait_code(qtbot, screen, OutcomeCode.COLLECTED)
    tap(qtbot, ui, "handoverDone")
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.NONE)

    scan_from_thread(screen, screen.staff_card("s-12"))
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.CASES, timeout=SCREEN_TIMEOUT_MS)
    tap(qtbot, ui, "handoverOpenReview")
    qtbot.waitUntil(lambda: vm.returned.case_ids() == ["case-3"], timeout=SCREEN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: find_item(ui, "handoverReviewed_case-3").isVisible())
    tap(qtbot, ui, "handoverReviewed_case-3")
    qtbot.waitUntil(lambda: vm.returned.case_ids() == [], timeout=SCREEN_TIMEOUT_MS)
    case = screen.service.case("case-3")
    assert case is not None and case.return_reviewed
    tap(qtbot, ui, "handoverReviewBack")
    tap(qtbot, ui, "handoverCasesDone")
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.NONE)


def test_the_case_lists_are_list_models(
    qtbot: QtBot, qtmodeltester: object, make_handover_ui: HandoverUiFactory
) -> None:
    screen = make_handover_ui()
    screen.assign("case-4", "S", old=False)
    scan_from_thread(screen, screen.staff_card())
    qtbot.waitUntil(lambda: screen.vm.cases.case_ids() == ["case-4"], timeout=SCREEN_TIMEOUT_MS)
    qtmodeltester.check(screen.vm.cases)  # type: ignore[attr-defined]
    screen.vm.cancel()


def test_inactivity_on_the_pin_screen_cancels_and_returns_home(
    qtbot: QtBot, make_handover_ui: HandoverUiFactory
) -> None:
    screen = make_handover_ui(inactivity_s=0.5)
    vm, sim = screen.vm, screen.sim
    screen.assign("case-5", "S", old=False)
    start = screen.service.identify_staff_card(screen.staff_card())
    door = screen.service.select_case(start.handover_id, "case-5").door
    assert door is not None
    qtbot.waitUntil(
        lambda: screen.service.poll(start.handover_id).state is HandoverState.DOOR_OPENED,
        timeout=SCREEN_TIMEOUT_MS,
    )
    sim.put_item(door)
    sim.push(door)
    qtbot.waitUntil(
        lambda: screen.service.poll(start.handover_id).code is OutcomeCode.LOADED,
        timeout=SCREEN_TIMEOUT_MS,
    )

    scan_from_thread(screen, screen.pickup_token("case-5"))
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.PIN, timeout=SCREEN_TIMEOUT_MS)
    handover_id = vm.handover_id
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.NONE, timeout=SCREEN_TIMEOUT_MS)

    def abandoned() -> bool:
        record = screen.service.handover(handover_id)
        return record is not None and record.state is HandoverState.ABANDONED

    qtbot.waitUntil(abandoned, timeout=SCREEN_TIMEOUT_MS)
    assert sim.pulses(door) == 1  # the loading only
