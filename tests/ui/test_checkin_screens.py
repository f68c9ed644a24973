"""The check-in screens on the real screen, a real CheckInService, real signatures and SQLite.

Codes arrive from another thread, as a scanner driver delivers them.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from kiosk.core.checkin import CheckInResult
from kiosk.devices.scanner.protocol import ScannedCode
from kiosk.ui.checkin_view_model import CheckInScreen
from kiosk.ui.kiosk_view_model import Screen
from simulators.central.server import issue_booking_token
from tests.ui.conftest import CHECKIN_NOW, CheckInUi, CheckInUiFactory, KioskParts, UiFactory
from tests.ui.screen_support import find_item, item_text, tap

SCREEN_TIMEOUT_MS = 10_000
CODE = "12345671"


def booking(minutes: float = 10, **kwargs: object) -> str:
    """A demo-signed booking for the chuo office (slot ``minutes`` after 10:00)."""
    kwargs.setdefault("booking_id", "bk-ui-1")
    kwargs.setdefault("code", CODE)
    return issue_booking_token(
        str(kwargs.pop("office", "chuo")),
        str(kwargs.pop("service", "pension")),
        CHECKIN_NOW + timedelta(minutes=minutes),
        **kwargs,  # type: ignore[arg-type]
    )


def scan_from_thread(screen: CheckInUi, text: str) -> None:
    """Deliver a code on a scanner-like thread."""
    code = ScannedCode(text=text, source="scanner", received_mono=time.monotonic())
    worker = threading.Thread(target=screen.vm.on_scanned_code, args=(code,), name="scanner")
    worker.start()
    worker.join()


def checkin_events(parts: KioskParts) -> list[tuple[str, dict[str, object]]]:
    return [
        (e.type, e.payload["data"])
        for e in parts.outbox.pending(limit=1000)
        if e.category == "checkin"
    ]


SCREEN_ITEMS = {
    CheckInScreen.ACCEPTED: "checkinAcceptedScreen",
    CheckInScreen.REJECTED: "checkinRejectedScreen",
    CheckInScreen.UNREADABLE: "checkinUnreadableScreen",
}

CASES = {
    "accepted": (
        booking(),
        CheckInScreen.ACCEPTED,
        ("受付しました", "保険・年金　10:10 頃にお呼びします。お掛けになってお待ちください。"),
        (
            "You are checked in",
            "Insurance and pension — your turn at about 10:10. Please take a seat.",
        ),
    ),
    "too_early": (
        booking(120),
        CheckInScreen.REJECTED,
        ("まだ受付時間ではありません", "受付は 11:30 からです。その頃にもう一度かざしてください。"),
        ("Too early to check in", "Check-in opens at 11:30. Please scan again then."),
    ),
    "wrong_office": (
        booking(office="shisui"),
        CheckInScreen.REJECTED,
        (
            "この予約は 四街道支所 のご予約です",
            "ご予約の庁舎へお越しください。わからない場合は窓口でお尋ねください。",
        ),
        (
            "This booking is for Shisui branch",
            "Please go to the office of your booking, or ask at the counter.",
        ),
    ),
    "unreadable": (
        "\x1b[A\x00\x07",
        CheckInScreen.UNREADABLE,
        ("読み取れませんでした", "画面を明るくしてもう一度かざすか、予約番号を入力してください。"),
        (
            "Could not read the code",
            "Turn up your screen brightness and try again, or type the booking code.",
        ),
    ),
}


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_scan_from_the_scanner_thread_shows_its_outcome_screen_in_each_language(
    qtbot: QtBot, make_checkin_ui: CheckInUiFactory, case: str, language: str
) -> None:
    screen = make_checkin_ui()
    text, expected_screen, ja, en = CASES[case]
    screen.ui.view_model.setLanguage(language)

    with qtbot.waitSignal(screen.vm.checkinFinished, timeout=SCREEN_TIMEOUT_MS):
        scan_from_thread(screen, text)

    assert screen.vm.current_screen is expected_screen
    assert find_item(screen.ui, SCREEN_ITEMS[expected_screen]).isVisible()
    title, body = ja if language == "ja" else en
    assert item_text(screen.ui, "checkinTitle") == title
    assert item_text(screen.ui, "checkinBody") == body
    assert not find_item(screen.ui, "languageButton").isVisible()


def test_the_home_screen_has_a_booking_button_only_with_a_check_in_service(
    qtbot: QtBot, make_ui: UiFactory
) -> None:
    plain = make_ui()
    assert not find_item(plain, "checkinButton").isVisible()
    assert plain.checkin is not None and plain.checkin.property("available") is False


def test_typing_the_code_offline_checks_in_unverified_and_returns_home(
    qtbot: QtBot, make_checkin_ui: CheckInUiFactory, parts: KioskParts
) -> None:
    screen = make_checkin_ui(screen_s=2.0)
    ui, vm = screen.ui, screen.vm
    assert item_text(ui, "checkinButton") == "予約の方はこちら"

    tap(qtbot, ui, "checkinButton")
    assert vm.current_screen is CheckInScreen.KEYPAD
    assert find_item(ui, "checkinKeypadScreen").isVisible()
    assert find_item(ui, "key_5").height() >= 120
    assert not find_item(ui, "keypadOk").isEnabled()
    for digit in "12345679":
        tap(qtbot, ui, f"key_{digit}")
    tap(qtbot, ui, "keypadBack")
    tap(qtbot, ui, "key_1")
    assert item_text(ui, "keypadCode") == "1234-5671"

    with qtbot.waitSignal(vm.checkinFinished, timeout=SCREEN_TIMEOUT_MS) as finished:
        tap(qtbot, ui, "keypadOk")

    assert finished.args[0].result is CheckInResult.CODE_UNVERIFIED
    assert vm.current_screen is CheckInScreen.ACCEPTED
    assert item_text(ui, "checkinTitle") == "受付しました（確認待ち）"
    assert checkin_events(parts) == [
        ("checkin.code_entered", {"code": CODE, "verified": False, "online": False})
    ]
    qtbot.waitUntil(lambda: vm.current_screen is CheckInScreen.NONE, timeout=SCREEN_TIMEOUT_MS)
    assert find_item(ui, "homeScreen").isVisible()


def test_a_mistyped_code_stays_on_the_keypad_with_an_explanation(
    qtbot: QtBot, make_checkin_ui: CheckInUiFactory, parts: KioskParts
) -> None:
    screen = make_checkin_ui()
    vm = screen.vm
    vm.openKeypad()
    for digit in "12345672":
        vm.pressDigit(digit)

    with qtbot.waitSignal(vm.checkinFinished, timeout=SCREEN_TIMEOUT_MS):
        vm.submitCode()

    assert vm.current_screen is CheckInScreen.KEYPAD
    assert find_item(screen.ui, "keypadError").isVisible()
    assert item_text(screen.ui, "keypadCode") == "1234-5672"
    assert checkin_events(parts) == []
    vm.pressDigit("9")  # already 8 digits: ignored
    vm.deleteDigit()
    assert not find_item(screen.ui, "keypadError").isVisible()


def test_the_unreadable_screen_leads_to_the_keypad(
    qtbot: QtBot, make_checkin_ui: CheckInUiFactory
) -> None:
    screen = make_checkin_ui()
    with qtbot.waitSignal(screen.vm.checkinFinished, timeout=SCREEN_TIMEOUT_MS):
        scan_from_thread(screen, "A" * 5000)

    assert screen.vm.current_screen is CheckInScreen.UNREADABLE
    tap(qtbot, screen.ui, "checkinKeypadButton")
    assert screen.vm.current_screen is CheckInScreen.KEYPAD


def test_the_same_booking_scanned_twice_in_a_burst_is_one_check_in(
    qtbot: QtBot, make_checkin_ui: CheckInUiFactory, parts: KioskParts
) -> None:
    screen = make_checkin_ui()
    text = booking()
    with qtbot.waitSignal(screen.vm.checkinFinished, timeout=SCREEN_TIMEOUT_MS):
        scan_from_thread(screen, text)
    qtbot.waitUntil(lambda: not screen.vm.property("busy"))
    with qtbot.waitSignal(screen.vm.checkinFinished, timeout=SCREEN_TIMEOUT_MS) as second:
        scan_from_thread(screen, text)

    assert second.args[0].repeated
    assert screen.vm.current_screen is CheckInScreen.ACCEPTED
    assert [kind for kind, _ in checkin_events(parts)] == ["checkin.accepted"]


def test_a_scan_while_a_ticket_is_printing_is_ignored(
    qtbot: QtBot, make_checkin_ui: CheckInUiFactory, parts: KioskParts
) -> None:
    screen = make_checkin_ui()
    screen.ui.view_model.requestTicket("certificates")
    assert screen.ui.view_model.current_screen is Screen.PRINTING

    with qtbot.waitSignal(screen.vm.scanIgnored, timeout=SCREEN_TIMEOUT_MS) as ignored:
        scan_from_thread(screen, booking())

    assert ignored.args == ["a ticket is printing"]
    assert screen.vm.current_screen is CheckInScreen.NONE
    assert checkin_events(parts) == []


def test_a_scan_on_the_take_ticket_screen_shows_the_check_in(
    qtbot: QtBot, make_checkin_ui: CheckInUiFactory
) -> None:
    screen = make_checkin_ui()
    kiosk = screen.ui.view_model
    kiosk.requestTicket("certificates")
    qtbot.waitUntil(lambda: kiosk.current_screen is Screen.TAKE_TICKET, timeout=SCREEN_TIMEOUT_MS)

    with qtbot.waitSignal(screen.vm.checkinFinished, timeout=SCREEN_TIMEOUT_MS):
        scan_from_thread(screen, booking())

    assert find_item(screen.ui, "checkinAcceptedScreen").isVisible()


def test_the_servers_queue_position_reaches_the_screen_while_it_shows(
    qtbot: QtBot, make_checkin_ui: CheckInUiFactory
) -> None:
    screen = make_checkin_ui()
    screen.ui.view_model.setLanguage("en")
    screen.vm.openKeypad()
    for digit in CODE:
        screen.vm.pressDigit(digit)
    with qtbot.waitSignal(screen.vm.checkinFinished, timeout=SCREEN_TIMEOUT_MS):
        screen.vm.submitCode()

    answer = threading.Thread(
        target=screen.service.apply_server_answer,
        args=("code:" + CODE,),
        kwargs={"accepted": True, "position": 4, "wait_minutes": 20, "service_id": "pension"},
    )
    answer.start()
    answer.join()

    qtbot.waitUntil(lambda: item_text(screen.ui, "checkinDetail") == "People ahead of you: 4")
    assert item_text(screen.ui, "checkinTitle") == "Your booking is confirmed"
    assert item_text(screen.ui, "checkinBody") == (
        "Insurance and pension — your turn at about 10:20. Please take a seat."
    )


def test_a_late_answer_to_the_original_check_in_leaves_a_copied_qrs_refusal_on_screen(
    qtbot: QtBot, make_checkin_ui: CheckInUiFactory, qapp: QGuiApplication
) -> None:
    screen = make_checkin_ui()
    screen.ui.view_model.setLanguage("en")
    text = booking(booking_id="bk-copied")
    original = screen.service.check_in(text, CHECKIN_NOW - timedelta(minutes=5))
    assert original.result is CheckInResult.ACCEPTED  # the resident, offline, 5 minutes ago
    with qtbot.waitSignal(screen.vm.checkinFinished, timeout=SCREEN_TIMEOUT_MS):
        scan_from_thread(screen, text)  # the copy
    assert screen.vm.current_screen is CheckInScreen.REJECTED
    refusal = (item_text(screen.ui, "checkinTitle"), item_text(screen.ui, "checkinBody"))

    answer = screen.service.apply_server_answer("bk-copied", accepted=True, position=4)
    qapp.processEvents()  # delivers the answer the service posted to the screen

    assert answer is not None and answer.result is CheckInResult.ACCEPTED
    assert screen.vm.current_screen is CheckInScreen.REJECTED
    assert screen.vm.last_outcome is not None
    assert screen.vm.last_outcome.result is CheckInResult.ALREADY_USED
    assert (item_text(screen.ui, "checkinTitle"), item_text(screen.ui, "checkinBody")) == refusal
    assert item_text(screen.ui, "checkinDetail") == ""


def test_an_accepted_check_in_prints_a_slip_when_configured(
    qtbot: QtBot, make_checkin_ui: CheckInUiFactory, parts: KioskParts
) -> None:
    screen = make_checkin_ui(print_slip=True)
    with qtbot.waitSignal(screen.vm.checkinFinished, timeout=SCREEN_TIMEOUT_MS):
        scan_from_thread(screen, booking())

    slips = parts.printer_sim.wait_for_tickets(1, timeout=5)
    assert "保険・年金" in slips[0].lines
    assert "10:10" in slips[0].lines
    qtbot.waitUntil(lambda: not screen.vm.property("busy"), timeout=SCREEN_TIMEOUT_MS)


def test_every_check_in_result_has_texts_in_both_catalogues(parts: KioskParts) -> None:
    for result in CheckInResult:
        for catalog in parts.catalogs.values():
            assert f"checkin.{result.value}.title" in catalog.messages
            assert f"checkin.{result.value}.body" in catalog.messages
    for month in range(1, 13):
        for catalog in parts.catalogs.values():
            assert f"checkin.month.{month}" in catalog.messages
