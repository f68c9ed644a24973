"""Shared fixtures for the photo tests: the detector, the real faces and their transformations.

The real faces are :data:`simulators.camera.real_faces.FACES` (scikit-image's astronaut and
two portraits fetched from the face_recognition source archive). Each is filmed as a still by
:func:`still` and changed by the transformations below, which work on the still and its ground
truth (:class:`~simulators.camera.scene.PersonTruth`), so every transformed image still knows
where the eyes, chin, crown and face outline are:

* :func:`widen_hair`: the hair grown sideways by a dilation of the head's mask above the
  ears, filled with the person's own hair colour (voluminous hair);
* :func:`add_glasses`: frames (thin or thick) drawn round both eyes with a bridge and arms,
  optionally with tinted lenses or glare spots on them;
* :func:`child_still`: a child's proportions: a smaller head, lower in the frame;
* :func:`low_still`: an adult's face small and low in the frame (a wheelchair under a camera
  at standing height).

Detection results are cached per image within the session (:func:`detect_cached`): the same
still is checked by several tests.
"""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import replace

import cv2
import numpy as np

from kiosk.core.photo.checks import PhotoReport, check_photo
from kiosk.core.photo.crop import crop_still
from kiosk.core.photo.detect import FaceDetection, FaceDetector, Image, measure_head
from kiosk.core.photo.landmarks import DlibFaceDetector
from kiosk.core.photo.rules import RuleSet
from simulators.camera.real_faces import FACES
from simulators.camera.scene import PALE_BACKDROP, PersonTruth, passport_still

# The detector chosen by bench/photo_detectors.py (the kiosk's default_detector()).
DETECTOR: FaceDetector = DlibFaceDetector()
REAL_FACES = tuple(FACES)  # astronaut, obama, biden
STILL_W, STILL_H, STILL_SCALE = 2048, 1536, 1.9


@functools.cache
def still(face: str, **person: object) -> tuple[Image, PersonTruth]:
    """A 2048x1536 still of the real face ``face`` well placed on the pale backdrop (cached).

    ``person``: :class:`~simulators.camera.scene.Person` fields (``roll_deg``, ``cx``…).
    """
    kwargs: dict[str, object] = {"width": STILL_W, "height": STILL_H, "scale": STILL_SCALE}
    kwargs.update(person)
    image, truth = passport_still(look=f"photo:{face}", **kwargs)  # type: ignore[arg-type]
    image.setflags(write=False)
    return image, truth


_DETECTIONS: dict[tuple[str, str], list[FaceDetection]] = {}


def detect_cached(detector: FaceDetector, image: Image) -> list[FaceDetection]:
    """``detector.detect(image)``, computed once per detector and image content."""
    key = (detector.name, hashlib.blake2b(image.tobytes(), digest_size=16).hexdigest())
    if key not in _DETECTIONS:
        _DETECTIONS[key] = detector.detect(image)
    return _DETECTIONS[key]


def eye_distance(truth: PersonTruth) -> float:
    """Distance between the true eye centres, px."""
    return math.dist(truth.left_eye, truth.right_eye)


def _backdrop_mask(image: Image) -> np.ndarray:
    distance = np.linalg.norm(
        image.astype(np.float32) - np.array(PALE_BACKDROP, np.float32), axis=-1
    )
    return np.asarray(distance < 18.0)


def widen_hair(image: Image, truth: PersonTruth, grow_px: int) -> tuple[Image, PersonTruth]:
    """The hair made ``grow_px`` wider on each side (mask dilation), face and ears unchanged.

    The head's mask from the crown down to the middle of the ears is dilated; the new ring and
    the head's blended fringe (never the face, never the ears' inner part) get the hair's
    colour: the median of the head's top quarter. The truth's ``head_left``/``head_right``
    move out; the face outline stays where it was.
    """
    out = image.copy()
    # The person is everything but the backdrop reached from the top corners (a pale eye
    # white inside the face is not backdrop).
    _, labels = cv2.connectedComponents(_backdrop_mask(image).astype(np.uint8), connectivity=4)
    outside = np.isin(labels, [labels[0, 0], labels[0, -1]]) & (labels > 0)
    person = ~outside
    crown_y = round(truth.crown[1])
    chin_y = round(truth.chin[1])
    # Down to the middle of the ears (half-way from the eyes to the chin): hair, not shoulders.
    ears_y = round((truth.left_eye[1] + truth.right_eye[1]) / 2 * 0.5 + chin_y * 0.5)
    band = np.zeros_like(person)
    band[crown_y:ears_y] = person[crown_y:ears_y]
    # A round dilation by grow_px, as a distance transform (a 181 px kernel takes a second).
    away = cv2.distanceTransform((~band).astype(np.uint8), cv2.DIST_L2, 5)
    grown = np.asarray(away <= grow_px)
    grown[: max(0, crown_y)] = False  # the crown keeps its height: only the sides grow
    grown[ears_y:] = False
    # The head's own fringe (its edge blended with the backdrop) goes under the new hair too.
    core = cv2.erode(band.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    ring = grown & ~core
    ring &= ~_inside_face(truth, image.shape[:2])
    top = image[crown_y : crown_y + max(4, (chin_y - crown_y) // 4)]
    top_person = person[crown_y : crown_y + max(4, (chin_y - crown_y) // 4)]
    hair = np.median(top[top_person].reshape(-1, 3), axis=0).astype(np.uint8)
    out[ring] = hair
    return out, replace(
        truth, head_left=truth.head_left - grow_px, head_right=truth.head_right + grow_px
    )


def _inside_face(truth: PersonTruth, shape: tuple[int, ...]) -> np.ndarray:
    """The face itself (between the outline's ends, from the brows down): never painted over."""
    mask = np.zeros(shape[:2], np.uint8)
    if truth.face_left is None or truth.face_right is None:
        return mask.astype(bool)
    d = eye_distance(truth)
    eye_y = (truth.left_eye[1] + truth.right_eye[1]) / 2
    x0, x1 = round(truth.face_left), round(truth.face_right)
    cv2.rectangle(mask, (x0, round(eye_y - 0.45 * d)), (x1, round(truth.chin[1])), 1, -1)
    return mask.astype(bool)


def add_glasses(
    image: Image,
    truth: PersonTruth,
    *,
    frame_px: float | None = None,
    thick: bool = False,
    tint: float = 0.0,
    glare: bool = False,
) -> Image:
    """Glasses drawn over both eyes of a levelled face.

    Args:
        image: the still.
        truth: where the eyes are.
        frame_px: frame line width; default 1.5 % (thin) or 6 % (thick) of the eye distance.
        thick: a heavy dark frame instead of a thin metal one.
        tint: 0 clear lenses … 1 black (sunglasses); the eyes darken by that share.
        glare: a bright reflection on each lens, over its upper outer part and the lid.
    """
    out = image.astype(np.float32)
    d = eye_distance(truth)
    lens = (round(0.30 * d), round(0.21 * d))
    width = frame_px or (0.06 * d if thick else 0.015 * d)
    colour = (25.0, 25.0, 30.0) if thick else (120.0, 130.0, 140.0)
    mask = np.zeros(image.shape[:2], np.uint8)
    centres = [(round(x), round(y + 0.03 * d)) for x, y in (truth.left_eye, truth.right_eye)]
    for c in centres:
        cv2.ellipse(mask, c, lens, 0, 0, 360, 255, -1)
    if tint > 0:
        inside = mask > 0
        out[inside] *= 1.0 - tint
    if glare:
        spot = np.zeros(image.shape[:2], np.float32)
        for x, y in centres:
            # A window's reflection: over the upper, outer part of the lens and the lid.
            outward = -1 if x < (centres[0][0] + centres[1][0]) / 2 else 1
            cv2.ellipse(
                spot,
                (round(x + outward * 0.07 * d), round(y - 0.08 * d)),
                (round(0.16 * d), round(0.09 * d)),
                -20 * outward,
                0,
                360,
                1.0,
                -1,
            )
        soft = np.asarray(cv2.GaussianBlur(spot, (0, 0), 0.02 * d), np.float32)[..., None]
        out = out * (1 - soft) + 250.0 * soft
    line = max(1, round(width))
    for c in centres:
        cv2.ellipse(out, c, lens, 0, 0, 360, colour, line, cv2.LINE_AA)
    (lx, ly), (rx, ry) = centres
    cv2.line(out, (lx + lens[0], ly), (rx - lens[0], ry), colour, line, cv2.LINE_AA)
    cv2.line(out, (lx - lens[0], ly), (round(truth.head_left) + 4, ly - 4), colour, line)
    cv2.line(out, (rx + lens[0], ry), (round(truth.head_right) - 4, ry - 4), colour, line)
    return np.asarray(np.clip(out, 0, 255), dtype=np.uint8)


def child_still(face: str) -> tuple[Image, PersonTruth]:
    """A child's proportions: the head two-thirds of an adult's, its eyes low in the frame."""
    return still(face, scale=STILL_SCALE * 0.66, cy=STILL_H * 0.62)


def low_still(face: str) -> tuple[Image, PersonTruth]:
    """An adult's face small and low in the frame (seated in a wheelchair)."""
    return still(face, scale=STILL_SCALE * 0.8, cy=STILL_H * 0.66)


def print_of(image: Image, rule_set: RuleSet) -> Image:
    """The rule set's print cut from a still (the detector's first face; crop refusals raise)."""
    geometry = measure_head(image, detect_cached(DETECTOR, image)[0])
    return crop_still(image, geometry, rule_set)


def check_still(image: Image, rule_set: RuleSet) -> PhotoReport:
    """Crop a still to ``rule_set`` and check the print, as the booth does."""
    printed = print_of(image, rule_set)
    return check_photo(printed, rule_set, DETECTOR, detections=detect_cached(DETECTOR, printed))


def failed_rules(report: PhotoReport) -> set[str]:
    """The rules a report failed or could not measure."""
    return {v.rule.name for v in report.failed}
