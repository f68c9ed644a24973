"""The real faces the photo tests film, and the transformations made of them, are what they say."""

from __future__ import annotations

import numpy as np
import pytest

from simulators.camera.real_faces import FACES
from tests.core.photo_support import (
    REAL_FACES,
    add_glasses,
    child_still,
    eye_distance,
    still,
    widen_hair,
)


def test_three_real_people_are_filmed_the_astronaut_obama_and_biden() -> None:
    assert REAL_FACES == ("astronaut", "obama", "biden")
    assert {f.file_name for f in FACES.values()} == {"", "obama.jpg", "biden.jpg"}


@pytest.mark.parametrize("face", REAL_FACES)
def test_each_still_knows_its_crown_eyes_chin_and_face_outline_in_that_order(face: str) -> None:
    _, truth = still(face)
    assert truth.crown[1] < truth.left_eye[1] < truth.chin[1]
    assert truth.face_left is not None and truth.face_right is not None
    assert truth.head_left <= truth.face_left < truth.left_eye[0]
    assert truth.right_eye[0] < truth.face_right <= truth.head_right
    assert abs(truth.roll_deg) < 0.01


@pytest.mark.parametrize("face", REAL_FACES)
def test_widened_hair_moves_the_head_sides_out_and_leaves_the_face_untouched(face: str) -> None:
    image, truth = still(face)
    wide, wide_truth = widen_hair(image, truth, 90)
    assert (wide_truth.head_left, wide_truth.head_right) == (
        truth.head_left - 90,
        truth.head_right + 90,
    )
    y = round(truth.left_eye[1])
    x0, x1 = round(truth.left_eye[0]), round(truth.right_eye[0])
    assert np.array_equal(wide[y - 20 : y + 20, x0:x1], image[y - 20 : y + 20, x0:x1])
    assert not np.array_equal(wide, image)


def test_tinted_glasses_darken_the_eyes_and_glare_brightens_them() -> None:
    image, truth = still("obama")
    x, y = (round(v) for v in truth.left_eye)
    d = round(eye_distance(truth))
    patch = (slice(y - d // 10, y + d // 10), slice(x - d // 8, x + d // 8))
    base = float(image[patch].mean())
    assert float(add_glasses(image, truth, tint=0.6)[patch].mean()) == pytest.approx(
        base * 0.4, abs=2.0
    )
    assert float(add_glasses(image, truth, glare=True)[patch].mean()) > base + 40


def test_a_child_has_a_smaller_head_lower_in_the_frame() -> None:
    _, adult = still("astronaut")
    _, child = child_still("astronaut")
    assert child.head_height == pytest.approx(adult.head_height * 0.66, rel=0.01)
    assert child.left_eye[1] > adult.left_eye[1] + 150
