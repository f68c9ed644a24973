"""Glasses: glare on the lenses and tinted lenses, measured around the eyes.

Glasses are allowed in a passport photo when the eyes are clearly visible, without glare and
without tint (MOFA; ICAO 9303). The eyes themselves come from the landmarks
(:mod:`kiosk.core.photo.landmarks`), which follow the lids, not the frames: a frame is never
taken for an eye. Two measures, both on the area any lens covers round each eye (an ellipse
:data:`LENS_HALF_WIDTH` x :data:`LENS_HALF_HEIGHT` eye distances about the eye centre, inside
the frames):

* **glare**: the share of that area (the eye included: glare over the eye hides it most) that
  is near-white (grey level at least :data:`GLARE_LEVEL` and :data:`GLARE_ABOVE_FACE` above
  the face's median, so a washed-out face is not "glare"); the larger of the two eyes;
* **tint**: the median grey of the skin round the eye (the lens area less the eye opening)
  over the median grey of the cheek below the lens; a tinted lens darkens the one and not the
  other. The smaller of the two eyes.

The thresholds live in the rule sets (``lens_glare``, ``lens_tint``) and come from the table
of ``bench/photo_detectors.py`` (clear, tinted and glare cases on every real face).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.core.photo.detect import FaceDetection, Image

logger = logging.getLogger(__name__)

# The area round each eye that any lens covers, well inside the frame (real lenses reach
# 0.4 eye distances and more from the eye centre), so a thick frame is not read as tint.
LENS_HALF_WIDTH = 0.25  # eye distances
LENS_HALF_HEIGHT = 0.16
GLARE_LEVEL = 240.0  # near-white; the whites of real eyes read 150-220
GLARE_ABOVE_FACE = 50.0
CHEEK_BELOW = 0.62  # the cheek sample's centre below the eye centre, eye distances


@dataclass(frozen=True)
class LensMeasures:
    """Glare and tint round the eyes of one face (None when the eyes were not found).

    Attributes:
        glare: share of the lens area that is glare (the worse eye), 0..1.
        tint: skin round the eye over the cheek, grey levels ratio (the darker eye).
    """

    glare: float | None
    tint: float | None


def _eye_opening(detection: FaceDetection, left: bool) -> list[tuple[float, float]]:
    if len(detection.landmarks) != 68:
        return []
    indices = range(36, 42) if left else range(42, 48)
    return [detection.landmarks[i] for i in indices]


def measure_lenses(gray: Image, detection: FaceDetection, face_median: float) -> LensMeasures:
    """:class:`LensMeasures` of ``detection`` in ``gray`` (``face_median``: the face's grey)."""
    centres = detection.eye_centres
    if len(centres) != 2:
        return LensMeasures(None, None)
    d = math.dist(centres[0], centres[1])
    if d < 8:
        return LensMeasures(None, None)
    height, width = gray.shape[:2]
    glare_shares: list[float] = []
    tints: list[float] = []
    level = max(GLARE_LEVEL, face_median + GLARE_ABOVE_FACE)
    for (x, y), left in zip(centres, (True, False), strict=True):
        lens = np.zeros((height, width), np.uint8)
        axes = (max(2, round(LENS_HALF_WIDTH * d)), max(2, round(LENS_HALF_HEIGHT * d)))
        cv2.ellipse(lens, (round(x), round(y)), axes, 0, 0, 360, 1, -1)
        inside = lens.astype(bool)
        if not inside.any():
            continue
        glare_shares.append(float(np.mean(gray[inside] >= level)))
        opening = _eye_opening(detection, left)
        ring = inside.copy()
        if opening:
            hole = np.zeros((height, width), np.uint8)
            pts = np.array(opening, np.float32)
            centre = pts.mean(axis=0)
            grown = (pts - centre) * 1.4 + centre  # the lashes and the lid's edge too
            cv2.fillConvexPoly(hole, cv2.convexHull(np.round(grown).astype(np.int32)), 1)
            ring &= ~hole.astype(bool)
        else:
            cv2.ellipse(lens, (round(x), round(y)), (axes[0] // 2, axes[1] // 2), 0, 0, 360, 0, -1)
            ring = lens.astype(bool)
        cy0 = round(y + (CHEEK_BELOW - 0.08) * d)
        cy1 = round(y + (CHEEK_BELOW + 0.08) * d)
        cx0, cx1 = round(x - 0.15 * d), round(x + 0.15 * d)
        cheek = gray[max(0, cy0) : min(height, cy1), max(0, cx0) : min(width, cx1)]
        if cheek.size == 0 or not ring.any():
            continue
        tints.append(float(np.median(gray[ring])) / max(1.0, float(np.median(cheek))))
    return LensMeasures(
        max(glare_shares) if len(glare_shares) == 2 else None,
        min(tints) if len(tints) == 2 else None,
    )
