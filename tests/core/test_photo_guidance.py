"""Live guidance on preview frames (1280x720) of drawn people and of a real photographed one."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kiosk.core.photo.guidance import MESSAGE_IDS, GuidanceState, PhotoGuide
from kiosk.core.photo.rules import load_rule_set
from kiosk.i18n.catalog import load_catalogs
from simulators.camera.scene import Person, Scene, render
from tests.core.photo_support import DETECTOR

GOOD = Person(cx=640, cy=330, scale=1.2)
CASES = [
    ("nobody", (), GuidanceState.NO_FACE, "photo.guide.no_face"),
    (
        "two people",
        (Person(cx=350, scale=0.8), Person(cx=900, scale=0.8)),
        GuidanceState.TOO_MANY_FACES,
        "photo.guide.too_many_faces",
    ),
    ("far away", (Person(scale=0.7),), GuidanceState.TOO_FAR, "photo.guide.move_closer"),
    ("too close", (Person(scale=1.8),), GuidanceState.TOO_CLOSE, "photo.guide.move_back"),
    (
        "on the image's left",
        (Person(cx=400, cy=330, scale=1.2),),
        GuidanceState.OFF_CENTRE,
        "photo.guide.move_left",
    ),
    (
        "on the image's right",
        (Person(cx=900, cy=330, scale=1.2),),
        GuidanceState.OFF_CENTRE,
        "photo.guide.move_right",
    ),
    ("too high", (Person(cy=200, scale=1.2),), GuidanceState.OFF_CENTRE, "photo.guide.move_down"),
    ("too low", (Person(cy=470, scale=1.2),), GuidanceState.OFF_CENTRE, "photo.guide.move_up"),
    (
        "tilted",
        (Person(cx=640, cy=330, scale=1.2, roll_deg=9),),
        GuidanceState.TILTED,
        "photo.guide.straighten",
    ),
    ("well placed", (GOOD,), GuidanceState.OK, "photo.guide.hold_still"),
]


def _photo(people: tuple[Person, ...], look: str = "photo") -> tuple[Person, ...]:
    return tuple(replace(p, look=look) for p in people)


LOOKS = ("photo", "photo:obama", "photo:biden", "drawn")
# NOTE: dlib's HOG detector (bench/photo_detectors.py) loses drawn faces rolled past 8° (real
# faces: 15°), so the tilted drawing is left out; every real face is tilted.
POSES = [(c, look) for c in CASES for look in LOOKS if (c[0], look) != ("tilted", "drawn")]


@pytest.mark.parametrize(
    ("people", "state", "message", "look"),
    [(*c[1:], look) for c, look in POSES],
    ids=[f"{c[0]}-{look}" for c, look in POSES],
)
def test_the_guide_says_what_to_do_for_each_pose(
    people: tuple[Person, ...], state: GuidanceState, message: str, look: str
) -> None:
    guide = PhotoGuide(DETECTOR, rule_set=load_rule_set("jp-passport"))
    placed = _photo(people, look) if look != "drawn" else people
    advice = guide.advise(render(Scene(people=placed)))
    assert (advice.state, advice.message_id) == (state, message)


REAL = replace(GOOD, look="photo")
CONDITIONS = [
    ("eyes closed", Scene(people=(replace(REAL, eyes_open=False),)), "photo.guide.open_eyes"),
    ("face too dark", Scene(people=(REAL,), gain=0.3), "photo.guide.lighting"),
    ("washed out", Scene(people=(REAL,), gain=2.3), "photo.guide.lighting"),
    ("moving (blurred)", Scene(people=(REAL,), blur_sigma=5.0), "photo.guide.keep_still"),
]


@pytest.mark.parametrize(
    ("scene", "message"), [c[1:] for c in CONDITIONS], ids=[c[0] for c in CONDITIONS]
)
def test_light_blur_and_closed_eyes_are_named_and_never_ok(scene: Scene, message: str) -> None:
    advice = PhotoGuide(DETECTOR, rule_set=load_rule_set("jp-passport")).advise(render(scene))
    assert advice.message_id == message
    assert advice.state is not GuidanceState.OK


def test_ok_means_the_frame_can_be_cropped_to_the_rules() -> None:
    advice = PhotoGuide(DETECTOR, rule_set=load_rule_set("jp-passport")).advise(
        render(Scene(people=(GOOD,)))
    )
    assert advice.geometry is not None and advice.geometry.crown_found is True
    assert advice.head_fraction is not None and 0.40 <= advice.head_fraction <= 0.62


def test_every_guidance_message_exists_in_japanese_and_english() -> None:
    catalogs = load_catalogs(("ja", "en"))
    for language in ("ja", "en"):
        missing = [m for m in MESSAGE_IDS.values() if m not in catalogs[language].messages]
        assert missing == [], language
