"""The ID photo screens driven by the camera simulator through the real driver and service."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from kiosk.core import events
from kiosk.devices.health import HealthState
from kiosk.ui.kiosk_view_model import Screen
from kiosk.ui.photo_view_model import PhotoScreen
from simulators.camera.scene import Person
from simulators.camera.simulator import SESSION, Shot
from tests.ui.conftest import KioskParts, PhotoUi, PhotoUiFactory
from tests.ui.screen_support import find_item, item_text, tap

STEP_MS = 15_000  # a still and its check take about a second here; generous for slow runners

GOOD = next(s for s in SESSION if s.name == "good")
FAR = Shot("far", 1, (Person(cx=640, cy=330, scale=0.7),))
OFF_CENTRE = next(s for s in SESSION if s.name == "off_centre")
EYES_CLOSED = next(s for s in SESSION if s.name == "eyes_closed")


def _guidance_becomes(qtbot: QtBot, booth: PhotoUi, message_id: str) -> None:
    qtbot.waitUntil(lambda: booth.vm.property("guidanceKey") == message_id, timeout=STEP_MS)


def test_guidance_follows_the_person_then_counts_down_and_an_accepted_photo_gets_a_receipt(
    qtbot: QtBot, make_photo_ui: PhotoUiFactory, parts: KioskParts
) -> None:
    booth = make_photo_ui()
    vm = booth.vm
    booth.ui.view_model.setLanguage("en")
    tap(qtbot, booth.ui, "photoButton")
    assert vm.current_screen is PhotoScreen.PREVIEW

    _guidance_becomes(qtbot, booth, "photo.guide.no_face")
    qtbot.waitUntil(lambda: vm.property("frameSource") != "", timeout=STEP_MS)
    booth.camera_sim.hold(FAR)
    _guidance_becomes(qtbot, booth, "photo.guide.move_closer")
    assert item_text(booth.ui, "photoGuidance") == "Please come a little closer."
    booth.camera_sim.hold(OFF_CENTRE)
    qtbot.waitUntil(
        lambda: vm.property("guidanceKey") in ("photo.guide.move_left", "photo.guide.move_right"),
        timeout=STEP_MS,
    )
    booth.camera_sim.hold(GOOD)
    _guidance_becomes(qtbot, booth, "photo.guide.hold_still")
    qtbot.waitUntil(lambda: vm.property("countdown") == 3, timeout=STEP_MS)
    assert find_item(booth.ui, "photoCountdown").isVisible()
    qtbot.waitUntil(lambda: vm.property("countdown") == 1, timeout=STEP_MS)
    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.CHECKING, timeout=STEP_MS)
    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.RESULT, timeout=STEP_MS)

    assert vm.property("passed") is True, vm.last_result and vm.last_result.problems
    assert vm.property("problemKeys") == []
    # The astronaut's hair is voluminous: the crown rule was applied, and the screen says so.
    assert vm.property("noteKeys") == ["photo.note.crown_rule"]
    assert item_text(booth.ui, "photoNote").startswith("Your hair is voluminous")
    assert find_item(booth.ui, "photoAcceptButton").isVisible()
    with qtbot.waitSignal(vm.photoFinished, timeout=STEP_MS) as finished:
        tap(qtbot, booth.ui, "photoAcceptButton")
    photo = finished.args[0]
    assert vm.current_screen is PhotoScreen.RECEIPT
    assert photo.printed
    assert item_text(booth.ui, "photoCode") == photo.display_code
    assert photo.path.exists()
    with parts.db.reading() as conn:
        types = [
            row[0]
            for row in conn.execute(
                "SELECT type FROM outbox WHERE category = ? ORDER BY seq", (events.PHOTO,)
            )
        ]
    assert types == [events.PHOTO_CAPTURED, events.PHOTO_RECEIPT_PRINTED]

    tap(qtbot, booth.ui, "photoDoneButton")
    assert vm.current_screen is PhotoScreen.NONE
    assert booth.ui.view_model.current_screen is Screen.HOME
    assert booth.ui.view_model.current_language == "ja"


def test_closed_eyes_in_the_preview_are_pointed_out_and_hold_the_countdown(
    qtbot: QtBot, make_photo_ui: PhotoUiFactory
) -> None:
    booth = make_photo_ui()
    vm = booth.vm
    booth.camera_sim.hold(EYES_CLOSED)
    vm.open()
    _guidance_becomes(qtbot, booth, "photo.guide.open_eyes")
    assert vm.property("countdown") == 0
    assert vm.current_screen is PhotoScreen.PREVIEW


def test_a_blink_at_the_shutter_says_what_was_wrong_and_offers_only_a_retake(
    qtbot: QtBot, make_photo_ui: PhotoUiFactory
) -> None:
    booth = make_photo_ui()
    vm = booth.vm
    booth.camera_sim.hold(GOOD)
    booth.camera_sim.at_next_still(EYES_CLOSED)  # the citizen blinks as the shutter goes
    vm.open()
    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.RESULT, timeout=STEP_MS)

    assert vm.property("passed") is False
    keys = vm.property("problemKeys")
    # The landmarks find the closed eyes and read the lids shut (eyes_open, not eyes_visible).
    assert "photo.problem.eyes_open" in keys
    assert "photo.problem.roll_deg" not in keys  # unmeasurable without eyes: not "tilted"
    assert not find_item(booth.ui, "photoAcceptButton").isVisible()
    vm.accept()  # refused: nothing happens
    assert vm.current_screen is PhotoScreen.RESULT
    tap(qtbot, booth.ui, "photoRetakeButton")
    assert vm.current_screen is PhotoScreen.PREVIEW


def test_a_camera_dropping_out_shows_the_not_available_screen_and_a_device_fault(
    qtbot: QtBot, make_photo_ui: PhotoUiFactory, parts: KioskParts
) -> None:
    booth = make_photo_ui()
    vm = booth.vm
    vm.open()
    _guidance_becomes(qtbot, booth, "photo.guide.no_face")

    booth.camera_sim.unplug()

    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.UNAVAILABLE, timeout=STEP_MS)
    assert find_item(booth.ui, "photoUnavailableTitle").isVisible()
    health = parts.health.get("camera")
    assert (health.state, health.reason) == (HealthState.FAULT, "disconnected")
    tap(qtbot, booth.ui, "photoUnavailableDone")
    assert vm.current_screen is PhotoScreen.NONE


def test_nobody_in_front_of_the_camera_for_the_timeout_goes_back_home(
    qtbot: QtBot, make_photo_ui: PhotoUiFactory
) -> None:
    booth = make_photo_ui(no_face_timeout_s=1.0)
    vm = booth.vm
    booth.ui.view_model.setLanguage("en")
    vm.open()
    _guidance_becomes(qtbot, booth, "photo.guide.no_face")

    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.NONE, timeout=STEP_MS)
    assert booth.ui.view_model.current_screen is Screen.HOME
    assert booth.ui.view_model.current_language == "ja"
    assert find_item(booth.ui, "photoButton").isVisible()


def test_the_home_screen_has_no_photo_button_without_a_photo_service(
    qtbot: QtBot, make_ui: object
) -> None:
    ui = make_ui()  # type: ignore[operator]
    assert not find_item(ui, "photoButton").isVisible()


def test_the_camera_height_is_held_through_the_countdown_and_freed_after_the_still(
    qtbot: QtBot, make_photo_ui: PhotoUiFactory
) -> None:
    booth = make_photo_ui(mount=True, countdown_step_s=0.3)
    vm = booth.vm
    controller = booth.service.eye_level
    assert controller is not None
    booth.camera_sim.hold(GOOD)
    vm.open()
    qtbot.waitUntil(lambda: vm.property("countdown") > 0, timeout=STEP_MS)
    assert controller.held  # a counting-down person is not photographed by a moving camera
    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.RESULT, timeout=STEP_MS)
    assert not controller.held
