"""Session privacy: at the inactivity limit every screen goes home and nothing the previous
person entered or was shown is still held by a view-model or on the screen.

The limit is the kiosk's one inactivity timer (kiosk/ui/idle_return.py), configured short here
(``[ui] inactivity_s`` = 1 s); every other timer of the screens is left long, so a screen that
goes home within a few seconds went home because of the limit.
"""

# ruff: noqa: F401, F811 - make_full_kiosk is a fixture, imported from full_kiosk_support

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from kiosk.core.handover import HandoverState, OutcomeCode
from kiosk.devices.scanner.protocol import ScannedCode
from kiosk.ui.checkin_view_model import CheckInScreen
from kiosk.ui.handover_view_model import HandoverScreen
from kiosk.ui.idle_return import IdleReturn
from kiosk.ui.kiosk_view_model import Screen
from kiosk.ui.photo_view_model import PhotoScreen
from simulators.camera.simulator import SESSION
from tests.ui.conftest import HANDOVER_STAFF_ID, HANDOVER_STAFF_PIN
from tests.ui.full_kiosk_support import (
    FullKiosk,
    FullKioskFactory,
    make_full_kiosk,
    shown_image_sources,
    shown_texts,
)
from tests.ui.test_checkin_screens import booking

LIMIT_S = 1.0
GONE_MS = 8_000  # the limit plus a loaded runner; every screen's own timer is 30 s or more
STEP_MS = 15_000
GOOD = next(s for s in SESSION if s.name == "good")
EYES_CLOSED = next(s for s in SESSION if s.name == "eyes_closed")


def _at_home_with_nothing_kept(kiosk: FullKiosk) -> None:
    ui = kiosk.ui
    assert ui.view_model.current_screen is Screen.HOME
    assert ui.view_model.current_language == "ja"
    assert (
        kiosk.checkin.current_screen,
        kiosk.photo.current_screen,
        kiosk.handover.current_screen,
    ) == (CheckInScreen.NONE, PhotoScreen.NONE, HandoverScreen.NONE)
    loader = ui.window.findChild(QObject, "screenLoader")
    assert loader is not None
    assert loader.property("source").toString() == "HomeScreen.qml"
    assert shown_image_sources(ui) == []
    assert not any("●" in text for text in shown_texts(ui))


def _scan(kiosk: FullKiosk, text: str, *, to_handover: bool) -> None:
    code = ScannedCode(text=text, source="scanner", received_mono=time.monotonic())
    target = kiosk.handover if to_handover else kiosk.checkin
    worker = threading.Thread(target=target.on_scanned_code, args=(code,), name="scanner")
    worker.start()
    worker.join()


def test_a_failed_photo_of_a_face_is_gone_from_screen_and_memory_at_the_inactivity_limit(
    qtbot: QtBot, make_full_kiosk: FullKioskFactory
) -> None:
    # NOTE: 3 s: the preview must find the face (which counts as someone there) within it.
    kiosk = make_full_kiosk(inactivity_s=3.0, no_face_timeout_s=60.0)
    vm = kiosk.photo
    kiosk.ui.view_model.setLanguage("en")
    kiosk.camera_sim.hold(GOOD)
    kiosk.camera_sim.at_next_still(EYES_CLOSED)
    vm.open()
    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.RESULT, timeout=STEP_MS)
    assert vm.property("passed") is False
    assert vm.property("resultSource").startswith("image://camera/result/")
    assert any(s.startswith("image://camera/result/") for s in shown_image_sources(kiosk.ui))
    kiosk.camera_sim.hold(GOOD)  # the person is still there, but nobody touches the screen

    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.NONE, timeout=GONE_MS)

    assert vm.last_result is None
    assert vm.guidance is None
    assert (vm.property("resultSource"), vm.property("frameSource")) == ("", "")
    assert vm.property("problemKeys") == []
    assert vm.keeps_images is False  # neither the result nor the camera's last frame
    _at_home_with_nothing_kept(kiosk)


def test_typed_booking_digits_are_cleared_at_the_inactivity_limit(
    qtbot: QtBot, make_full_kiosk: FullKioskFactory
) -> None:
    kiosk = make_full_kiosk(inactivity_s=LIMIT_S)
    vm = kiosk.checkin
    vm.openKeypad()
    for digit in "9876":
        vm.pressDigit(digit)
    assert vm.property("enteredCode").replace("-", "").replace(" ", "") == "9876"
    assert any("9876" in t.replace("-", "").replace(" ", "") for t in shown_texts(kiosk.ui))

    qtbot.waitUntil(lambda: vm.current_screen is CheckInScreen.NONE, timeout=GONE_MS)

    assert vm.property("enteredCode") == ""
    assert not any("98" in text for text in shown_texts(kiosk.ui))
    _at_home_with_nothing_kept(kiosk)


def test_a_check_in_result_is_cleared_at_the_inactivity_limit(
    qtbot: QtBot, make_full_kiosk: FullKioskFactory
) -> None:
    kiosk = make_full_kiosk(inactivity_s=LIMIT_S)
    vm = kiosk.checkin
    kiosk.ui.view_model.setLanguage("en")
    _scan(kiosk, booking(), to_handover=False)
    qtbot.waitUntil(lambda: vm.current_screen is CheckInScreen.ACCEPTED, timeout=STEP_MS)
    assert "Insurance and pension" in vm.property("body")

    qtbot.waitUntil(lambda: vm.current_screen is CheckInScreen.NONE, timeout=GONE_MS)

    assert vm.last_outcome is None
    assert (vm.property("title"), vm.property("body"), vm.property("detail")) == ("", "", "")
    assert not any("Insurance and pension" in text for text in shown_texts(kiosk.ui))
    _at_home_with_nothing_kept(kiosk)


def test_pickup_pin_dots_are_cleared_and_the_pickup_cancelled_at_the_inactivity_limit(
    qtbot: QtBot, make_full_kiosk: FullKioskFactory
) -> None:
    kiosk = make_full_kiosk(inactivity_s=LIMIT_S)
    service, vm = kiosk.handover_service, kiosk.handover
    kiosk.assign("case-5", "S", old=False)
    start = service.identify_staff_card(kiosk.staff_card())
    door = service.select_case(start.handover_id, "case-5").door
    assert door is not None
    qtbot.waitUntil(
        lambda: service.poll(start.handover_id).state is HandoverState.DOOR_OPENED,
        timeout=STEP_MS,
    )
    kiosk.locker_sim.put_item(door)
    kiosk.locker_sim.push(door)
    qtbot.waitUntil(
        lambda: service.poll(start.handover_id).code is OutcomeCode.LOADED, timeout=STEP_MS
    )
    _scan(kiosk, kiosk.pickup_token("case-5"), to_handover=True)
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.PIN, timeout=STEP_MS)
    handover_id = vm.handover_id
    for digit in "482":
        vm.pressDigit(digit)
    assert vm.property("pinMask") == "●●●"
    assert "●●●" in shown_texts(kiosk.ui)

    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.NONE, timeout=GONE_MS)

    assert (vm.property("pinMask"), vm.handover_id, vm.property("title")) == ("", "", "")

    def abandoned() -> bool:
        record = service.handover(handover_id)
        return record is not None and record.state is HandoverState.ABANDONED

    qtbot.waitUntil(abandoned, timeout=STEP_MS)
    _at_home_with_nothing_kept(kiosk)


def test_a_staff_number_and_pin_dots_are_cleared_at_the_inactivity_limit(
    qtbot: QtBot, make_full_kiosk: FullKioskFactory
) -> None:
    kiosk = make_full_kiosk(inactivity_s=LIMIT_S)
    vm = kiosk.handover
    vm.openStaff()
    for digit in HANDOVER_STAFF_ID:
        vm.pressDigit(digit)
    vm.selectStaffField("pin")
    for digit in "77":
        vm.pressDigit(digit)
    assert (vm.property("staffId"), vm.property("staffPinMask")) == (HANDOVER_STAFF_ID, "●●")

    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.NONE, timeout=GONE_MS)

    assert (vm.property("staffId"), vm.property("staffPinMask")) == ("", "")
    assert vm.property("staffField") == "id"
    assert not any(HANDOVER_STAFF_ID in text for text in shown_texts(kiosk.ui))
    _at_home_with_nothing_kept(kiosk)


def test_the_staff_case_lists_are_emptied_at_the_inactivity_limit(
    qtbot: QtBot, make_full_kiosk: FullKioskFactory
) -> None:
    kiosk = make_full_kiosk(inactivity_s=LIMIT_S)
    vm = kiosk.handover
    kiosk.assign("case-71")
    kiosk.assign("case-72")
    vm.openStaff()
    for digit in HANDOVER_STAFF_ID:
        vm.pressDigit(digit)
    vm.submitStaff()
    for digit in HANDOVER_STAFF_PIN:
        vm.pressDigit(digit)
    vm.submitStaff()
    qtbot.waitUntil(lambda: vm.cases.case_ids() == ["case-71", "case-72"], timeout=STEP_MS)
    assert vm.current_screen is HandoverScreen.CASES

    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.NONE, timeout=GONE_MS)

    assert (vm.cases.case_ids(), vm.returned.case_ids()) == ([], [])
    assert (vm.property("staffSession"), vm.property("staffId")) == (False, "")
    assert not any("case-7" in text for text in shown_texts(kiosk.ui))
    _at_home_with_nothing_kept(kiosk)


def test_the_camera_s_last_frame_is_forgotten_when_an_empty_preview_goes_home_at_the_limit(
    qtbot: QtBot, make_full_kiosk: FullKioskFactory
) -> None:
    kiosk = make_full_kiosk(inactivity_s=LIMIT_S, no_face_timeout_s=60.0)
    vm = kiosk.photo
    vm.open()  # nobody steps in front of the camera
    qtbot.waitUntil(lambda: vm.property("frameSource") != "", timeout=STEP_MS)
    assert vm.keeps_images is True

    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.NONE, timeout=GONE_MS)

    assert (vm.property("frameSource"), vm.keeps_images) == ("", False)
    _at_home_with_nothing_kept(kiosk)


def test_an_open_locker_door_keeps_its_screen_past_the_limit_and_goes_home_after(
    qtbot: QtBot, make_full_kiosk: FullKioskFactory
) -> None:
    kiosk = make_full_kiosk(inactivity_s=LIMIT_S)
    vm, idle = kiosk.handover, kiosk.ui.view_model.idle
    kiosk.assign("case-81", "S", old=False)
    vm.submit_scan(kiosk.staff_card("s-12"))
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.CASES, timeout=STEP_MS)
    vm.selectCase("case-81")
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.DOOR, timeout=STEP_MS)
    door = vm.property("door")

    with qtbot.waitSignal(idle.deferred, timeout=GONE_MS):
        pass  # the limit passed with the door open

    assert vm.current_screen is HandoverScreen.DOOR
    assert vm.property("door") == door
    kiosk.locker_sim.put_item(door)
    kiosk.locker_sim.push(door)
    qtbot.waitUntil(lambda: vm.property("code") == "loaded", timeout=STEP_MS)
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.NONE, timeout=GONE_MS)
    assert (vm.cases.case_ids(), vm.property("staffSession")) == ([], False)
    _at_home_with_nothing_kept(kiosk)


# -- the mechanism itself (no screen: a fake journey, the limit acted out) ---------------------


class _Journey:
    def __init__(self, name: str, log: list[str], *, holding: bool = False) -> None:
        self.name, self.log, self.holding = name, log, holding

    def holds_screen(self) -> bool:
        return self.holding

    def clear_person(self) -> None:
        self.log.append(self.name)


def test_the_limit_clears_every_journey_in_the_order_they_registered(qtbot: QtBot) -> None:
    idle = IdleReturn(45.0)
    cleared: list[str] = []
    first, second = _Journey("tickets", cleared), _Journey("photo", cleared)
    idle.add(first)
    idle.add(second)
    idle.add(first)  # once only

    with qtbot.waitSignal(idle.returned, timeout=1000):
        assert idle.expire() is True

    assert cleared == ["tickets", "photo"]


def test_a_journey_holding_its_screen_defers_the_limit_for_every_journey(qtbot: QtBot) -> None:
    idle = IdleReturn(0.2)
    cleared: list[str] = []
    door = _Journey("handover", cleared, holding=True)
    idle.add(_Journey("photo", cleared))
    idle.add(door)

    assert idle.expire() is False
    assert cleared == []
    door.holding = False  # the door was shut
    with qtbot.waitSignal(idle.returned, timeout=2000):
        pass  # the limit started again by itself

    assert cleared == ["photo", "handover"]
