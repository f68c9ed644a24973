"""The photo test images: a good print and controlled transformations of it, with the verdicts.

Shared by ``tests/core/test_photo_checks.py`` and ``bench/photo_guidance.py``. The good print
is the rule set's crop of a 2048x1536 still (``scene.passport_still``) of a real photographed
person (:data:`PHOTO_CASES`, scikit-image's astronaut) or a drawn one (:data:`CASES`); each case
transforms it (or re-renders the still) and names the rules that must fail (``must_fail``)
and those allowed to fail as a consequence (``may_fail``: zooming in pushes the shoulders into
the backdrop corners, so the backdrop is no longer uniform). Every other rule must pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.core.photo.crop import crop_still, cut_print, plan_crop
from kiosk.core.photo.detect import FaceDetector, measure_head
from kiosk.core.photo.rules import RuleSet
from simulators.camera.scene import Image, Person, Scene, passport_still, render

STILL_W, STILL_H, STILL_SCALE = 2048, 1536, 1.9
NO_FACE_RULES = frozenset(
    {
        "head_height_mm",
        "head_height_ratio",
        "top_margin_mm",
        "bottom_margin_mm",
        "side_margin_mm",
        "centre_offset_ratio",
        "roll_deg",
        "eye_distance_px",
        "eyes_visible",
        "eyes_open",
        "exposure",
        "lighting_balance",
        "sharpness",
        "lens_glare",
        "lens_tint",
    }
)
NO_EYES_RULES = frozenset(
    {"roll_deg", "eye_distance_px", "eyes_open", "eyes_visible", "lens_glare", "lens_tint"}
)


@dataclass(frozen=True)
class PhotoCase:
    """One test image and its expected verdicts.

    Attributes:
        name: the transformation.
        make: builds the image from the good print (and the detector, rule set).
        must_fail: rules that must fail (or be not measured).
        may_fail: rules allowed to fail as a consequence.
    """

    name: str
    make: Callable[[Image, FaceDetector, RuleSet], Image]
    must_fail: frozenset[str] = frozenset()
    may_fail: frozenset[str] = frozenset()


def good_still(**person: object) -> Image:
    """The still every case starts from (``person``: :class:`Person` fields, e.g. ``look``)."""
    image, _ = passport_still(width=STILL_W, height=STILL_H, scale=STILL_SCALE, **person)
    return image


def good_print(detector: FaceDetector, rule_set: RuleSet, **person: object) -> Image:
    """The crop of :func:`good_still` to ``rule_set``."""
    still = good_still(**person)
    geometry = measure_head(still, detector.detect(still)[0])
    return crop_still(still, geometry, rule_set)


Make = Callable[[Image, FaceDetector, RuleSet], Image]


def _warp(image: Image, matrix: np.ndarray) -> Image:
    h, w = image.shape[:2]
    out = cv2.warpAffine(image, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(out, dtype=np.uint8)


def _zoom(factor: float) -> Callable[[Image, FaceDetector, RuleSet], Image]:
    def make(base: Image, _d: FaceDetector, _r: RuleSet) -> Image:
        h, w = base.shape[:2]
        return _warp(base, cv2.getRotationMatrix2D((w / 2, h * 0.45), 0, factor))

    return make


def _shift(base: Image, _d: FaceDetector, _r: RuleSet) -> Image:
    w = base.shape[1]
    return _warp(base, np.array([[1, 0, 0.1 * w], [0, 1, 0]], dtype=np.float32))


def _rotate(look: str) -> Make:
    """The person tilts the head 8° in front of the camera: the rolled still, cut where the
    level one was (rotating the print itself would smear the hair at its edges into its
    corners, a backdrop no camera films)."""

    def make(_base: Image, detector: FaceDetector, rule_set: RuleSet) -> Image:
        still = good_still(look=look)
        plan = plan_crop(measure_head(still, detector.detect(still)[0]), STILL_W, STILL_H, rule_set)
        return cut_print(good_still(look=look, roll_deg=8.0), plan, rule_set)

    return make


def _gain(factor: float) -> Callable[[Image, FaceDetector, RuleSet], Image]:
    def make(base: Image, _d: FaceDetector, _r: RuleSet) -> Image:
        scaled = base.astype(np.float32) * factor
        return np.asarray(np.clip(scaled, 0, 255), dtype=np.uint8)

    return make


def _overexpose(base: Image, detector: FaceDetector, rule_set: RuleSet) -> Image:
    """1.6 times as bright, or more: as far as brings the face's median grey to 250 (a darker
    face needs more light to be overexposed)."""
    found = detector.detect(base)
    factor = 1.6
    if found:
        f = found[0].face
        gray = cv2.cvtColor(base, cv2.COLOR_BGR2GRAY)
        inner = gray[f.y + f.h // 5 : f.bottom - f.h // 5, f.x + f.w // 5 : f.right - f.w // 5]
        factor = max(factor, 250.0 / max(1.0, float(np.median(inner))))
    return _gain(factor)(base, detector, rule_set)


def _blur(base: Image, _d: FaceDetector, _r: RuleSet) -> Image:
    return np.asarray(cv2.GaussianBlur(base, (0, 0), 6), dtype=np.uint8)


def _brighter_side_is_left(base: Image, detector: FaceDetector) -> bool:
    """Whether the face in ``base`` is lit more from the image's left (its own light)."""
    found = detector.detect(base)
    if not found:
        return True
    f = found[0].face
    gray = cv2.cvtColor(base, cv2.COLOR_BGR2GRAY)
    inner = gray[f.y + f.h // 4 : f.bottom - f.h // 4, f.x + f.w // 5 : f.right - f.w // 5]
    half = inner.shape[1] // 2
    return bool(inner[:, :half].mean() >= inner[:, half:].mean())


def _side_light(base: Image, detector: FaceDetector, _r: RuleSet) -> Image:
    # Light from the side the face is already lit from (the astronaut: the image's left;
    # Biden: the right), so the ramp adds to the face's own imbalance, never cancels it.
    ramp = np.linspace(1.25, 0.45, base.shape[1], dtype=np.float32)
    if not _brighter_side_is_left(base, detector):
        ramp = ramp[::-1]
    ramp = ramp[None, :, None]
    return np.asarray(np.clip(base.astype(np.float32) * ramp, 0, 255), dtype=np.uint8)


def _eyes_closed(look: str) -> Make:
    def make(_base: Image, detector: FaceDetector, rule_set: RuleSet) -> Image:
        return good_print(detector, rule_set, eyes_open=False, look=look)

    return make


def _busy(look: str) -> Make:
    def make(_base: Image, detector: FaceDetector, rule_set: RuleSet) -> Image:
        still = good_still(look=look)
        geometry = measure_head(still, detector.detect(still)[0])
        plan = plan_crop(geometry, STILL_W, STILL_H, rule_set)
        person = Person(cx=STILL_W / 2, cy=STILL_H * 0.48, scale=STILL_SCALE, look=look)
        busy = render(Scene(width=STILL_W, height=STILL_H, busy=True, people=(person,)))
        w, h = rule_set.print_size.width_px, rule_set.print_size.height_px
        sx, sy = w / plan.width, h / plan.height
        matrix = np.array([[sx, 0, -plan.x * sx], [0, sy, -plan.y * sy]], dtype=np.float32)
        return np.asarray(cv2.warpAffine(busy, matrix, (w, h)), dtype=np.uint8)

    return make


def _two_faces(look: str) -> Make:
    def make(base: Image, _d: FaceDetector, _r: RuleSet) -> Image:
        h, w = base.shape[:2]
        people = (
            Person(cx=w * 0.28, cy=h * 0.45, scale=1.0, look=look),
            Person(cx=w * 0.72, cy=h * 0.45, scale=1.0, look=look),
        )
        return render(Scene(width=w, height=h, people=people))

    return make


BACKDROP = frozenset({"background_uniformity"})
# The crown is only estimated off a plain backdrop, and a washed-out face shrinks its box: the
# head's size and margins may fail with them.
HEAD_GEOMETRY = frozenset(
    {"head_height_mm", "head_height_ratio", "top_margin_mm", "bottom_margin_mm"}
)


def cases(look: str = "drawn") -> tuple[PhotoCase, ...]:
    """The cases for a real photographed person (``"photo"``) or a drawn one."""
    return (
        PhotoCase("good", lambda base, _d, _r: base),
        PhotoCase(
            "scaled_down",
            _zoom(0.8),
            frozenset({"head_height_mm", "head_height_ratio"}),
            frozenset({"top_margin_mm", "bottom_margin_mm"}),
        ),
        PhotoCase(
            "scaled_up",
            _zoom(1.15),
            frozenset({"head_height_mm", "head_height_ratio"}),
            frozenset({"side_margin_mm", "top_margin_mm", "bottom_margin_mm"}) | BACKDROP,
        ),
        PhotoCase(
            "shifted", _shift, frozenset({"centre_offset_ratio"}), frozenset({"side_margin_mm"})
        ),
        # A rolled head is also wider in the print: its side margins may go; rolled voluminous
        # hair reaches the print's corners, where the backdrop and the crown may go with it.
        PhotoCase(
            "rotated",
            _rotate(look),
            frozenset({"roll_deg"}),
            frozenset({"side_margin_mm"}) | BACKDROP | HEAD_GEOMETRY,
        ),
        PhotoCase(
            "darkened",
            _gain(0.3),
            frozenset({"exposure"}),
            # NOTE: the Haar cascade loses the darkened face in some crops: then every face
            # rule is not measured, which is a fail too.
            NO_FACE_RULES | {"face_count", "background_luminance"},
        ),
        PhotoCase("overexposed", _overexpose, frozenset({"exposure"}), HEAD_GEOMETRY),
        PhotoCase("blurred", _blur, frozenset({"sharpness"})),
        PhotoCase(
            "side_lit",
            _side_light,
            frozenset({"lighting_balance"}),
            BACKDROP | {"head_height_mm", "head_height_ratio", "top_margin_mm"},
        ),
        PhotoCase(
            "eyes_closed",
            _eyes_closed(look),
            # The landmarks find closed eyes (eyes_visible may pass) and read the lids shut.
            frozenset({"eyes_open"}),
            NO_EYES_RULES | NO_FACE_RULES | {"face_count"},
        ),
        PhotoCase("busy_background", _busy(look), BACKDROP, HEAD_GEOMETRY),
        PhotoCase(
            "two_faces", _two_faces(look), frozenset({"face_count"}), NO_FACE_RULES | BACKDROP
        ),
    )


CASES = cases("drawn")
PHOTO_CASES = cases("photo")
