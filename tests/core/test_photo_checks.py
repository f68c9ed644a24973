"""Verdicts on real face images and controlled transformations of them.

The real faces are scikit-image's ``astronaut`` and the Obama and Biden portraits of the
face_recognition source archive (``simulators/camera/real_faces.py``), each cut out of its
backdrop. Every verdict test runs on each of them. The drawn portraits of
``simulators/camera/scene.py`` are not used for verdicts any more: dlib's landmarks (the
chosen detector, ``bench/photo_detectors.py``) cannot read a drawing's lids, and its HOG
detector loses drawn faces rolled past 8° (real ones: 15°). See
``simulators/camera/photo_cases.py`` for the cases and their expected verdicts.
"""

from __future__ import annotations

import functools

import pytest

from kiosk.core.photo.checks import VerdictStatus, check_photo
from kiosk.core.photo.detect import HaarFaceDetector, measure_head
from kiosk.core.photo.rules import RuleSet, load_rule_set
from simulators.camera.photo_cases import PhotoCase, cases, good_print, good_still
from simulators.camera.scene import Image, passport_still
from tests.core.photo_support import DETECTOR, REAL_FACES, still

LOOKS = {face: "photo" if face == "astronaut" else f"photo:{face}" for face in REAL_FACES}


@functools.cache
def base_print(rule_set_id: str, look: str = "photo") -> Image:
    return good_print(DETECTOR, load_rule_set(rule_set_id), look=look)


@pytest.mark.parametrize("rule_set_id", ["jp-passport", "icao"])
@pytest.mark.parametrize(
    ("look", "case"),
    [(LOOKS[f], c) for f in REAL_FACES for c in cases(LOOKS[f])],
    ids=[f"{f}-{c.name}" for f in REAL_FACES for c in cases(LOOKS[f])],
)
def test_each_transformation_fails_exactly_the_rules_it_breaks(
    look: str, case: PhotoCase, rule_set_id: str
) -> None:
    rules = load_rule_set(rule_set_id)
    base = base_print(rule_set_id, look)
    report = check_photo(case.make(base, DETECTOR, rules), rules, DETECTOR)
    failed = {v.rule.name for v in report.failed}
    assert case.must_fail & set(rules.rules) <= failed
    assert failed - case.must_fail - case.may_fail == set()


@pytest.mark.parametrize("face", REAL_FACES)
def test_the_good_print_passes_every_rule_but_leaves_the_head_covering_to_a_person(
    face: str,
) -> None:
    report = check_photo(
        base_print("jp-passport", LOOKS[face]), load_rule_set("jp-passport"), DETECTOR
    )
    statuses = {v.rule.name: v.status for v in report.verdicts}
    assert statuses.pop("head_covering") is VerdictStatus.REVIEW
    assert set(statuses.values()) == {VerdictStatus.PASS}
    assert report.passed is False
    assert [v.rule.name for v in report.needs_review] == ["head_covering"]


def test_every_verdict_carries_the_measured_value_and_the_allowed_range() -> None:
    report = check_photo(base_print("icao"), load_rule_set("icao"), DETECTOR)
    rows = [v.as_dict() for v in report.verdicts if v.status is VerdictStatus.PASS]
    assert len(rows) == 15  # 13 rules, and lens glare and tint since the glasses rules
    assert all(isinstance(r["measured"], float) and r["allowed"] for r in rows)
    eye = report.verdict("eye_distance_px").as_dict()
    assert (eye["min"], eye["max"], eye["allowed"]) == (90.0, None, "≥ 90 px")


def test_the_crown_is_found_on_the_backdrop_within_three_pixels_of_the_truth() -> None:
    # The Haar fallback's path: crown and sides from the backdrop scan (hair included).
    still, truth = passport_still(width=1600, height=1200, scale=1.5)
    geometry = measure_head(still, HaarFaceDetector().detect(still)[0])
    assert geometry.crown_found is True
    assert abs(geometry.crown_y - truth.crown[1]) <= 3
    assert abs(geometry.left_x - truth.head_left) <= 3
    assert abs(geometry.right_x - truth.head_right) <= 3


@pytest.mark.parametrize("face", REAL_FACES)
@pytest.mark.parametrize("roll", [-8.0, -3.0, 0.0, 4.0, 8.0])
def test_roll_from_the_eye_line_is_within_one_degree_of_the_truth(roll: float, face: str) -> None:
    image, truth = still(face, roll_deg=roll)
    geometry = measure_head(image, DETECTOR.detect(image)[0])
    assert geometry.roll_deg is not None
    assert abs(geometry.roll_deg - truth.roll_deg) <= 1.0


def test_a_still_checked_uncropped_fails_the_print_geometry() -> None:
    rules: RuleSet = load_rule_set("jp-passport")
    report = check_photo(good_still(), rules, DETECTOR)
    assert report.verdict("photo_aspect").status is VerdictStatus.FAIL
    assert report.verdict("face_count").status is VerdictStatus.PASS
