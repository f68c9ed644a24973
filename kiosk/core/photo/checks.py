"""Check a photograph, as it will be printed, against a rule set.

The image is taken to be the whole print: its height is the rule set's print height, so
pixels convert to millimetres by ``height_px / height_mm``. A camera still is cropped first
(:mod:`kiosk.core.photo.crop`), then checked; a photo a citizen brought is scanned and checked
as it is.

Every rule of the set gives one :class:`Verdict` with the measured value, the allowed range
and ``pass``/``fail``; ``review`` when a person must decide (head covering); ``not_measured``
when the value could not be measured (no single face) — which is not a pass.

Measures (all on the face of the one detected person):

* exposure: median grey level of the inner face (middle 60 % of the face box);
* lighting_balance: ``|left − right| / mean`` of the cheeks (landmarks), else of the inner
  face's halves;
* sharpness: variance of the Laplacian of the face box resized to 128x128 (resizing makes it
  independent of the resolution). 128 px, not more: scikit-image's astronaut, a real but
  small portrait (a 100 px face), is as sharp as it can be at that scale (236) and fails
  only when blurred by more than about 3.5 print pixels (0.15 mm); at 256 px its detail is
  gone and no threshold separates it from a blurred drawn face. The value still depends on
  the face's texture (drawn faces read 3x higher), which is why it is a threshold, not a
  measure of focus in mm;
* eyes_open: the eye aspect ratio of the lids' landmarks (:mod:`~kiosk.core.photo.landmarks`),
  the smaller of the two eyes; not measured without landmarks (a Haar detection: its eye
  boxes cannot tell lids from glasses frames, see README);
* lens_glare, lens_tint: glare on glasses and tinted lenses (:mod:`~kiosk.core.photo.glasses`);
* the crown: with voluminous hair the Ministry's rule (``HeadGeometry.crown_rule_applied``),
  said in the head-size and top-margin verdicts' detail and in :attr:`PhotoReport.notes`;
* sides: with landmarks the face outline and the ears, never the hair;
* background: spread (standard deviation) and median grey level of
  :func:`~kiosk.core.photo.detect.backdrop_samples` (the person's hair taken out).
"""

from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from kiosk.core.photo.detect import (
    FaceDetection,
    FaceDetector,
    HeadGeometry,
    Image,
    backdrop_samples,
    measure_head,
    to_bgr,
    to_gray,
)
from kiosk.core.photo.glasses import measure_lenses
from kiosk.core.photo.landmarks import eye_aspect_ratio, eye_points
from kiosk.core.photo.rules import Rule, RuleSet

logger = logging.getLogger(__name__)

# Rules measured from the crown: not measured (never passed) when the crown was only estimated.
CROWN_RULES = frozenset({"head_height_mm", "head_height_ratio", "top_margin_mm"})
SHARPNESS_SIZE = 128  # px; see the module docstring


class VerdictStatus(enum.StrEnum):
    """The outcome of one rule."""

    PASS = "pass"
    FAIL = "fail"
    REVIEW = "review"
    NOT_MEASURED = "not_measured"


@dataclass(frozen=True)
class Verdict:
    """One rule applied to one photograph.

    Attributes:
        rule: the rule.
        status: pass, fail, review (a person decides) or not_measured.
        measured: the measured value (None when not measured or for review rules).
        detail: English text for staff and logs (how it was measured, what was missing).
    """

    rule: Rule
    status: VerdictStatus
    measured: float | None
    detail: str = ""

    @property
    def passed(self) -> bool:
        """True only for ``pass``."""
        return self.status is VerdictStatus.PASS

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for the CLI, events and the result screen."""
        return {
            "rule": self.rule.name,
            "status": self.status.value,
            "measured": None if self.measured is None else round(self.measured, 3),
            "allowed": self.rule.describe_range(),
            "min": self.rule.low,
            "max": self.rule.high,
            "unit": self.rule.unit,
            "detail": self.detail,
            "source": self.rule.source,
        }


@dataclass(frozen=True)
class PhotoReport:
    """Every verdict of a rule set on one photograph.

    Attributes:
        rule_set: the rule set's id.
        verdicts: one per rule, in the rule set's order.
        faces: how many faces were found.
        geometry: the measured head (None unless exactly one face).
        elapsed_s: time taken by detection and checks.
    """

    rule_set: str
    verdicts: tuple[Verdict, ...]
    faces: int
    geometry: HeadGeometry | None = field(default=None, compare=False)
    elapsed_s: float = 0.0

    @property
    def notes(self) -> tuple[str, ...]:
        """How the photo was measured where a rule allows a choice: ``crown_rule`` when the
        crown was taken by the Ministry's rule for voluminous hair."""
        if self.geometry is not None and self.geometry.crown_rule_applied:
            return ("crown_rule",)
        return ()

    @property
    def passed(self) -> bool:
        """True when every verdict passed (review items included: they are not passes)."""
        return all(v.passed for v in self.verdicts)

    @property
    def failed(self) -> tuple[Verdict, ...]:
        """Verdicts that failed or could not be measured."""
        return tuple(
            v for v in self.verdicts if v.status in (VerdictStatus.FAIL, VerdictStatus.NOT_MEASURED)
        )

    @property
    def needs_review(self) -> tuple[Verdict, ...]:
        """Verdicts a person must decide."""
        return tuple(v for v in self.verdicts if v.status is VerdictStatus.REVIEW)

    def verdict(self, rule: str) -> Verdict:
        """The verdict for ``rule``.

        Raises:
            KeyError: the rule set has no such rule.
        """
        for v in self.verdicts:
            if v.rule.name == rule:
                return v
        raise KeyError(rule)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "rules": self.rule_set,
            "passed": self.passed,
            "faces": self.faces,
            "notes": list(self.notes),
            "verdicts": [v.as_dict() for v in self.verdicts],
        }


@dataclass(frozen=True)
class FaceMeasures:
    """Image measures of one face (see the module docstring)."""

    exposure: float
    lighting_balance: float
    sharpness: float
    eyes_open: float | None
    eyes_visible: int
    lens_glare: float | None = None
    lens_tint: float | None = None


def measure_face(gray: Image, detection: FaceDetection) -> FaceMeasures:
    """Exposure, lighting balance, sharpness and eye openness of one face in ``gray``."""
    f = detection.face
    height, width = gray.shape[:2]
    y0, y1 = max(0, f.y + f.h // 5), min(height, f.bottom - f.h // 5)
    x0, x1 = max(0, f.x + f.w // 5), min(width, f.right - f.w // 5)
    inner = gray[y0:y1, x0:x1].astype(np.float32)
    if inner.size == 0:
        return FaceMeasures(float("nan"), float("nan"), float("nan"), None, 0)
    exposure = float(np.median(inner))
    half = inner.shape[1] // 2
    left, right = float(inner[:, :half].mean()), float(inner[:, half:].mean())
    if len(detection.landmarks) == 68:
        # The cheeks, placed by the landmarks: a rolled head's box halves hold hair and
        # backdrop on one side, the cheeks never do.
        left, right = _cheek_means(gray, detection.landmarks)
    balance = abs(left - right) / max(1.0, (left + right) / 2)
    box = gray[max(0, f.y) : min(height, f.bottom), max(0, f.x) : min(width, f.right)]
    resized = cv2.resize(box, (SHARPNESS_SIZE, SHARPNESS_SIZE), interpolation=cv2.INTER_AREA)
    sharpness = float(cv2.Laplacian(resized, cv2.CV_64F).var())
    eyes_open: float | None = None
    if len(detection.landmarks) == 68:
        eyes_open = min(
            eye_aspect_ratio(eye_points(detection, left=True)),
            eye_aspect_ratio(eye_points(detection, left=False)),
        )
    lenses = measure_lenses(gray, detection, exposure)
    return FaceMeasures(
        exposure,
        balance,
        sharpness,
        eyes_open,
        len(detection.eyes),
        lenses.glare,
        lenses.tint,
    )


def _cheek_means(gray: Image, marks: tuple[tuple[float, float], ...]) -> tuple[float, float]:
    """Mean grey of the cheek on the image's left and right: squares of 0.3 eye distances
    half-way between the nose tip (point 30) and the jaw (points 3 and 13)."""
    d = max(1.0, float(np.hypot(marks[42][0] - marks[39][0], marks[42][1] - marks[39][1])))
    half = max(1, round(0.15 * d * 2))  # inner eye corners are ~0.5 eye distances apart
    height, width = gray.shape[:2]
    means = []
    for jaw in (3, 13):
        x = round((marks[jaw][0] + marks[30][0]) / 2)
        y = round((marks[jaw][1] + marks[30][1]) / 2)
        patch = gray[
            max(0, y - half) : min(height, y + half), max(0, x - half) : min(width, x + half)
        ]
        means.append(float(patch.mean()) if patch.size else float("nan"))
    return means[0], means[1]


def check_photo(
    image: Image,
    rule_set: RuleSet,
    detector: FaceDetector,
    *,
    detections: list[FaceDetection] | None = None,
) -> PhotoReport:
    """Apply every rule of ``rule_set`` to ``image`` (the whole print); see the module docstring.

    ``detections``: faces already found (a camera still's, mapped onto its print), so the
    print is judged on the same face the crop was planned on; None runs ``detector``.
    """
    started = time.perf_counter()
    gray = to_gray(image)
    if detections is None:
        detections = detector.detect(gray)
    height, width = gray.shape[:2]
    px_per_mm = height / rule_set.print_size.height_mm
    geometry: HeadGeometry | None = None
    face: FaceMeasures | None = None
    if len(detections) == 1:
        geometry = measure_head(to_bgr(image), detections[0])
        face = measure_face(gray, detections[0])
    backdrop = backdrop_samples(image, detections[0].face if detections else None)
    backdrop_grey = backdrop.astype(np.float32) @ np.array([0.114, 0.587, 0.299], np.float32)

    values: dict[str, tuple[float | None, str]] = {
        "photo_aspect": (width / height, f"{width}x{height} px"),
        "face_count": (float(len(detections)), ""),
        "background_uniformity": (float(backdrop_grey.std()), f"{len(backdrop_grey)} pixels"),
        "background_luminance": (float(np.median(backdrop_grey)), ""),
    }
    missing = f"needs exactly one face, found {len(detections)}"
    if not detections:
        # NOTE: a badly exposed face is often not found at all; say why rather than only
        # "no face": measure where the face should be, the middle of the image.
        centre = gray[height // 4 : height * 3 // 4, width // 4 : width * 3 // 4]
        values["exposure"] = (float(np.median(centre)), "no face found: image centre")
    if geometry is not None and face is not None:
        g = geometry
        if g.crown_rule_applied:
            crown_note = (
                "voluminous hair: crown taken as far above the eye line as the chin is below"
                " it (MOFA rule; the hair may be trimmed)"
            )
        elif g.crown_found:
            crown_note = "crown from the backdrop"
        else:
            crown_note = "crown estimated: backdrop not plain or head cut off at the top"
        landmarked = len(g.face.landmarks) == 68
        side_note = "face outline and ears (not the hair)" if landmarked else "head with its hair"
        values.update(
            {
                "head_height_mm": (g.head_height / px_per_mm, crown_note),
                "head_height_ratio": (g.head_height / height, crown_note),
                "top_margin_mm": (g.crown_y / px_per_mm, crown_note),
                "bottom_margin_mm": (
                    (height - g.chin_y) / px_per_mm,
                    "chin from the jaw line" if landmarked else "chin estimated from the face box",
                ),
                "side_margin_mm": (
                    min(g.left_x, width - 1 - g.right_x) / px_per_mm,
                    f"{side_note} {g.left_x:.0f}–{g.right_x:.0f} px of {width}",
                ),
                "centre_offset_ratio": (abs(g.centre_x - width / 2) / width, ""),
                "roll_deg": (g.roll_deg, "" if g.roll_deg is not None else "needs two eyes"),
                "eye_distance_px": (
                    g.eye_distance_px,
                    "" if g.eye_distance_px is not None else "needs two eyes",
                ),
                "eyes_visible": (float(face.eyes_visible), ""),
                "eyes_open": (
                    face.eyes_open,
                    "lids' eye aspect ratio"
                    if face.eyes_open is not None
                    else "needs the eye landmarks",
                ),
                "lens_glare": (
                    face.lens_glare,
                    "share of the lens area" if face.lens_glare is not None else "needs two eyes",
                ),
                "lens_tint": (
                    face.lens_tint,
                    "round the eye / cheek" if face.lens_tint is not None else "needs two eyes",
                ),
                "exposure": (face.exposure, ""),
                "lighting_balance": (face.lighting_balance, ""),
                "sharpness": (face.sharpness, ""),
            }
        )
    verdicts = []
    for rule in rule_set.rules.values():
        if rule.review:
            verdicts.append(Verdict(rule, VerdictStatus.REVIEW, None, "a person checks this"))
            continue
        measured, detail = values.get(rule.name, (None, missing))
        if measured is None:
            verdicts.append(Verdict(rule, VerdictStatus.NOT_MEASURED, None, detail or missing))
            continue
        if rule.name in CROWN_RULES and geometry is not None and not geometry.crown_found:
            # An estimated crown never passes a rule: the value is shown, the rule is not met.
            verdicts.append(Verdict(rule, VerdictStatus.NOT_MEASURED, measured, detail))
            continue
        status = VerdictStatus.PASS if rule.allows(measured) else VerdictStatus.FAIL
        verdicts.append(Verdict(rule, status, measured, detail))
    report = PhotoReport(
        rule_set.id, tuple(verdicts), len(detections), geometry, time.perf_counter() - started
    )
    logger.info(
        "photo check %s: %s (%d faces, %d failed, %d to review) in %.0f ms",
        rule_set.id,
        "fail" if report.failed else "pass",
        report.faces,
        len(report.failed),
        len(report.needs_review),
        report.elapsed_s * 1000,
    )
    return report
