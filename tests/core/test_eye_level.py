"""The eye-level controller: when and where the camera mount goes (pure logic, no devices)."""

from __future__ import annotations

import pytest

from kiosk.core.photo.eye_level import (
    EyeLevelController,
    EyeLevelDecision,
    EyeLevelSettings,
    EyeSighting,
    MountView,
)

SETTINGS = EyeLevelSettings(band=(0.30, 0.55), shift_per_mm=1.4 / 720, steady_frames=4)
LIMITS = (5.0, 395.0)


def at(mm: float, *, moving: bool = False, usable: bool = True) -> MountView:
    return MountView(mm, moving, usable, LIMITS)


def low_face(eye: float = 0.65) -> EyeSighting:
    return EyeSighting(1, eye, "move_up")


def feed(
    controller: EyeLevelController, sighting: EyeSighting, mount: MountView, frames: int
) -> list[EyeLevelDecision]:
    return [controller.observe(sighting, mount, float(n)) for n in range(frames)]


def test_a_face_low_in_the_frame_sends_the_camera_down_once_it_is_steady() -> None:
    controller = EyeLevelController(SETTINGS)
    decisions = feed(controller, low_face(0.65), at(250), 4)

    assert [d.reason for d in decisions] == ["steadying"] * 3 + ["aim"]
    assert all(d.adjusting for d in decisions)  # "the camera is moving", not "raise your face"
    assert [d.target_mm for d in decisions[:3]] == [None] * 3
    # The eyes are aimed at the band's middle: (0.425 - 0.65) / (1.4 / 720) mm lower.
    assert decisions[3].target_mm == pytest.approx(250 - 0.225 * 720 / 1.4)


def test_a_face_high_in_the_frame_sends_the_camera_up() -> None:
    controller = EyeLevelController(SETTINGS)
    decision = feed(controller, EyeSighting(1, 0.25, "move_down"), at(200), 4)[-1]
    assert decision.target_mm == pytest.approx(200 + 0.175 * 720 / 1.4)


def test_eyes_in_the_band_move_nothing() -> None:
    controller = EyeLevelController(SETTINGS)
    decisions = feed(controller, EyeSighting(1, 0.53, None), at(250), 10)
    assert {(d.target_mm, d.adjusting, d.reason) for d in decisions} == {(None, False, "in_band")}


def test_a_wandering_face_is_not_followed() -> None:
    controller = EyeLevelController(SETTINGS)
    eyes = [0.60, 0.70, 0.58, 0.72, 0.61, 0.69]
    decisions = [controller.observe(low_face(e), at(250), float(n)) for n, e in enumerate(eyes)]
    assert all(d.target_mm is None for d in decisions)
    assert decisions[-1].reason == "steadying"


def test_a_target_beyond_the_travel_is_clamped_and_at_the_end_the_person_is_asked() -> None:
    controller = EyeLevelController(SETTINGS)
    clamped = feed(controller, low_face(0.70), at(60), 4)[-1]
    assert clamped.target_mm == LIMITS[0]

    at_end = feed(EyeLevelController(SETTINGS), low_face(0.70), at(7), 4)
    assert {(d.target_mm, d.adjusting, d.reason) for d in at_end} == {(None, False, "at_limit")}


def test_a_small_correction_inside_the_dead_band_is_not_made() -> None:
    controller = EyeLevelController(EyeLevelSettings(band=(0.30, 0.55), target=0.552))
    decisions = feed(controller, low_face(0.556), at(250), 6)  # 2 mm away
    assert {(d.target_mm, d.adjusting, d.reason) for d in decisions} == {(None, False, "dead_band")}


def test_frames_while_the_mount_moves_and_just_after_are_not_used() -> None:
    controller = EyeLevelController(SETTINGS)
    aim = feed(controller, low_face(), at(250), 4)[-1]
    assert aim.target_mm is not None

    moving = controller.observe(low_face(), at(200, moving=True), 10.0)
    assert (moving.target_mm, moving.adjusting, moving.reason) == (None, True, "moving")
    settling = feed(controller, low_face(), at(aim.target_mm), SETTINGS.settle_frames)
    assert [d.reason for d in settling] == ["settling"] * SETTINGS.settle_frames
    after = feed(controller, EyeSighting(1, 0.43, None), at(aim.target_mm), 1)[0]
    assert (after.reason, after.adjusting) == ("in_band", False)


def test_nothing_moves_while_held_for_the_countdown_and_the_still() -> None:
    controller = EyeLevelController(SETTINGS)
    controller.hold()
    controller.hold()  # the still inside the countdown
    held = feed(controller, low_face(), at(250), 6)
    assert {(d.target_mm, d.adjusting, d.reason) for d in held} == {(None, False, "held")}

    controller.release()
    assert controller.held
    controller.release()
    assert not controller.held
    decisions = feed(controller, low_face(), at(250), 4)
    assert decisions[-1].reason == "aim"  # counted afresh after the hold


def test_nobody_there_for_a_while_returns_the_camera_to_its_default_height_once() -> None:
    controller = EyeLevelController(EyeLevelSettings(default_mm=250.0, return_after_s=8.0))
    nobody = EyeSighting(0)
    assert controller.observe(low_face(), at(130), 0.0).reason == "steadying"  # someone came
    decisions = [controller.observe(nobody, at(130), t) for t in (1.0, 5.0, 8.9)]
    assert [d.target_mm for d in decisions] == [None, None, None]

    back = controller.observe(nobody, at(130), 9.0)
    assert (back.target_mm, back.adjusting, back.reason) == (250.0, False, "return_default")
    assert controller.observe(nobody, at(250), 30.0).target_mm is None  # only once


def test_a_mount_that_is_not_usable_or_two_faces_move_nothing() -> None:
    controller = EyeLevelController(SETTINGS)
    unusable = feed(controller, low_face(), at(250, usable=False), 6)
    assert {(d.target_mm, d.adjusting, d.reason) for d in unusable} == {
        (None, False, "unavailable")
    }
    two = feed(controller, EyeSighting(2), at(250), 6)
    assert {d.reason for d in two} == {"not_one_face"}


def test_a_crop_that_wants_the_face_higher_moves_the_camera_a_step_down() -> None:
    controller = EyeLevelController(SETTINGS)
    decision = feed(controller, EyeSighting(1, 0.50, "move_up"), at(250), 4)[-1]
    assert decision.reason == "aim"
    assert decision.target_mm == pytest.approx(250 - 0.04 * 720 / 1.4)


def test_settings_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="out of range"):
        EyeLevelController(EyeLevelSettings(band=(0.6, 0.3)))
