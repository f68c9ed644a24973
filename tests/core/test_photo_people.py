"""The rules on people who look different: glasses, voluminous hair, children, a seated person.

Every test runs on each real face (``tests/core/photo_support.py``: the astronaut, Obama and
Biden) and a transformation of it; the thresholds come from ``bench/photo_detectors.py``.
"""

from __future__ import annotations

import math

import pytest

from kiosk.core.photo.checks import VerdictStatus
from kiosk.core.photo.detect import measure_head
from kiosk.core.photo.guidance import GuidanceState, PhotoGuide
from kiosk.core.photo.rules import load_rule_set
from simulators.camera.scene import Person, Scene, person_truth, render
from tests.core.photo_support import (
    DETECTOR,
    REAL_FACES,
    add_glasses,
    check_still,
    child_still,
    detect_cached,
    eye_distance,
    failed_rules,
    low_still,
    still,
    widen_hair,
)

JP = load_rule_set("jp-passport")
LOOKS = {face: "photo" if face == "astronaut" else f"photo:{face}" for face in REAL_FACES}


@pytest.mark.parametrize("thick", [False, True], ids=["thin", "thick"])
@pytest.mark.parametrize("face", REAL_FACES)
def test_clear_glasses_thin_or_thick_pass_every_rule(face: str, thick: bool) -> None:
    image, truth = still(face)
    report = check_still(add_glasses(image, truth, thick=thick), JP)
    assert failed_rules(report) == set()


@pytest.mark.parametrize("thick", [False, True], ids=["thin", "thick"])
@pytest.mark.parametrize("face", REAL_FACES)
def test_eyes_behind_glasses_are_the_eyes_not_the_frames(face: str, thick: bool) -> None:
    image, truth = still(face)
    glasses = add_glasses(image, truth, thick=thick)
    found = detect_cached(DETECTOR, glasses)
    assert len(found) == 1
    d = eye_distance(truth)
    centres = found[0].eye_centres
    for centre, eye in zip(centres, (truth.left_eye, truth.right_eye), strict=True):
        assert math.dist(centre, eye) <= 0.15 * d
    geometry = measure_head(glasses, found[0])
    assert geometry.roll_deg is not None and abs(geometry.roll_deg - truth.roll_deg) <= 1.5


@pytest.mark.parametrize("face", REAL_FACES)
def test_tinted_lenses_fail_the_tint_rule_and_nothing_else(face: str) -> None:
    image, truth = still(face)
    report = check_still(add_glasses(image, truth, tint=0.6), JP)
    assert failed_rules(report) == {"lens_tint"}
    assert report.verdict("lens_tint").detail == "round the eye / cheek"


@pytest.mark.parametrize("face", REAL_FACES)
def test_glare_on_the_lenses_fails_the_glare_rule_and_nothing_else(face: str) -> None:
    image, truth = still(face)
    report = check_still(add_glasses(image, truth, glare=True), JP)
    assert failed_rules(report) == {"lens_glare"}


@pytest.mark.parametrize("face", REAL_FACES)
def test_hair_wider_than_the_print_passes_the_side_rule_on_the_face_and_ears(face: str) -> None:
    image, truth = still(face)
    # Each head's hair then reaches past both edges of the 35 mm print: the astronaut's is
    # already as wide as the print (+3 mm a side), the short-haired heads get 6 mm a side.
    wide, _ = widen_hair(image, truth, 45 if face == "astronaut" else 90)
    report = check_still(wide, JP)
    assert failed_rules(report) == set()
    side = report.verdict("side_margin_mm")
    assert side.status is VerdictStatus.PASS
    assert side.detail.startswith("face outline and ears (not the hair)")
    # The head is printed at its size (34 mm), not made smaller for the hair.
    assert report.verdict("head_height_mm").measured == pytest.approx(34.0, abs=0.6)


def test_voluminous_hair_takes_the_ministrys_crown_and_says_so() -> None:
    report = check_still(still("astronaut")[0], JP)
    assert report.notes == ("crown_rule",)
    assert report.as_dict()["notes"] == ["crown_rule"]
    for rule in ("head_height_mm", "top_margin_mm"):
        assert report.verdict(rule).status is VerdictStatus.PASS
        assert report.verdict(rule).detail.startswith("voluminous hair: crown taken as far above")
    assert report.geometry is not None and report.geometry.crown_rule_applied is True


@pytest.mark.parametrize("face", ["obama", "biden"])
def test_hair_of_ordinary_volume_keeps_its_own_crown(face: str) -> None:
    report = check_still(still(face)[0], JP)
    assert report.notes == ()
    assert report.verdict("top_margin_mm").detail == "crown from the backdrop"


@pytest.mark.parametrize("face", REAL_FACES)
def test_closed_eyes_are_found_and_read_as_closed(face: str) -> None:
    report = check_still(still(face, eyes_open=False)[0], JP)
    assert report.verdict("eyes_visible").status is VerdictStatus.PASS
    assert report.verdict("eyes_open").status is VerdictStatus.FAIL
    assert failed_rules(report) == {"eyes_open"}


@pytest.mark.parametrize("make", [child_still, low_still], ids=["child", "seated"])
@pytest.mark.parametrize("face", REAL_FACES)
def test_a_small_face_low_in_the_frame_is_cropped_to_the_rules(face: str, make: object) -> None:
    image, _ = make(face)  # type: ignore[operator]
    assert failed_rules(check_still(image, JP)) == set()


@pytest.mark.parametrize("face", REAL_FACES)
def test_guidance_speaks_to_the_child_alone_in_front_of_the_camera(face: str) -> None:
    child = Person(cx=640, cy=470, scale=0.9, look=LOOKS[face])
    advice = PhotoGuide(DETECTOR, rule_set=JP).advise(render(Scene(people=(child,))))
    assert advice.audience == "person"
    assert advice.message_id in {"photo.guide.move_up", "photo.guide.move_closer"}


@pytest.mark.parametrize("face", REAL_FACES)
def test_guidance_asks_a_helper_beside_the_person_to_step_out(face: str) -> None:
    people = (
        Person(cx=640, cy=360, scale=0.9, look=LOOKS[face]),
        Person(cx=1110, cy=300, scale=0.8, look=LOOKS[face]),
    )
    advice = PhotoGuide(DETECTOR, rule_set=JP).advise(render(Scene(people=people)))
    assert (advice.state, advice.message_id, advice.audience) == (
        GuidanceState.TOO_MANY_FACES,
        "photo.guide.helper_step_out",
        "helper",
    )


@pytest.mark.parametrize(
    ("glasses", "message"),
    [({"tint": 0.6}, "photo.guide.glasses_tint"), ({"glare": True}, "photo.guide.glasses_glare")],
    ids=["tinted", "glare"],
)
def test_guidance_names_tinted_lenses_and_glare(glasses: dict[str, object], message: str) -> None:
    person = Person(cx=640, cy=330, scale=1.2, look="photo:obama")
    frame = render(Scene(people=(person,)))
    shown = add_glasses(frame, person_truth(person), **glasses)  # type: ignore[arg-type]
    advice = PhotoGuide(DETECTOR, rule_set=JP).advise(shown)
    assert (advice.state, advice.message_id) == (GuidanceState.GLASSES, message)
