"""A real photographed person for the camera simulator: scikit-image's ``astronaut`` portrait.

The photograph (Eileen Collins, NASA, public domain) ships inside the scikit-image wheel, so
nothing is downloaded. She is cut out of her studio backdrop once (OpenCV GrabCut seeded with
fixed head and body regions; deterministic) and can then be placed on any backdrop, scaled,
moved, rolled, darkened or blurred by the scene, with her eyes closed on request. Her features
were marked by hand on the 512x512 original (:data:`LANDMARKS`), and every transformation is
applied to them too, so each rendered frame comes with its ground truth.

scikit-image is in the ``sim`` extra (simulators, tests and benchmarks), never needed by a
kiosk; :func:`available` says whether it is installed.
"""

from __future__ import annotations

import functools
import importlib.util
import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
Point = tuple[float, float]

# Marked by hand on skimage.data.astronaut() (x, y in px of the 512x512 original).
LANDMARKS: dict[str, Point] = {
    "crown": (229.0, 15.5),  # top of the hair
    # The chin's lower edge, where the jaw line meets the neck's shadow (dlib's point 8 puts
    # it at (221, 178); a first mark at (226, 172) lay inside the chin, 1.4 mm high on a print).
    "chin": (221.0, 177.5),
    "left_eye": (203.8, 101.2),  # pupil of the eye on the image's left
    "right_eye": (246.3, 103.3),
    "head_left": (154.0, 102.0),  # outer edge of the hair at eye height
    "head_right": (300.0, 102.0),
}
EYE_HALF_WIDTH = 12.0  # px of the original: eye opening, for closing the lids
EYE_HALF_HEIGHT = 6.0


def available() -> bool:
    """True when scikit-image (the ``sim`` extra) is installed."""
    return importlib.util.find_spec("skimage") is not None


def source_roll_deg() -> float:
    """The tilt of her eye line in the original (positive = the image's right eye lower)."""
    (lx, ly), (rx, ry) = LANDMARKS["left_eye"], LANDMARKS["right_eye"]
    return math.degrees(math.atan2(ry - ly, rx - lx))


def head_height() -> float:
    """Crown to chin in the original, px."""
    return math.dist(LANDMARKS["crown"], LANDMARKS["chin"])


def face_centre(crown_share: float) -> Point:
    """The point ``crown_share`` of the head height below the crown, on the eyes' midline."""
    (lx, _), (rx, _) = LANDMARKS["left_eye"], LANDMARKS["right_eye"]
    crown_y, chin_y = LANDMARKS["crown"][1], LANDMARKS["chin"][1]
    return (lx + rx) / 2, crown_y + crown_share * (chin_y - crown_y)


@dataclass(frozen=True)
class Sprite:
    """The cut-out person: colour image and alpha (0..1) of the 512x512 original."""

    image: Image
    alpha: npt.NDArray[np.float32]


@functools.cache
def sprite(eyes_open: bool = True) -> Sprite:
    """The astronaut cut out of her backdrop (cached; about half a second the first time)."""
    from skimage import data  # the sim extra; imported here so the kiosk never needs it

    rgb = data.astronaut()  # type: ignore[no-untyped-call]
    image = np.ascontiguousarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), dtype=np.uint8)
    mask = np.full(image.shape[:2], cv2.GC_BGD, np.uint8)
    mask[5:512, 60:380] = cv2.GC_PR_BGD
    cv2.ellipse(mask, (228, 95), (70, 85), 0, 0, 360, int(cv2.GC_PR_FGD), -1)
    cv2.rectangle(mask, (60, 180), (360, 512), int(cv2.GC_PR_FGD), -1)
    # Certain: the face, the neck inside the suit's ring, the body.
    cv2.ellipse(mask, (226, 110), (45, 60), 0, 0, 360, int(cv2.GC_FGD), -1)
    cv2.ellipse(mask, (222, 215), (85, 55), 0, 0, 360, int(cv2.GC_FGD), -1)
    cv2.rectangle(mask, (130, 260), (330, 512), int(cv2.GC_FGD), -1)
    # Certain backdrop: beside the neck, where the studio backdrop shows through.
    cv2.rectangle(mask, (272, 150), (330, 180), int(cv2.GC_BGD), -1)
    background = np.zeros((1, 65), np.float64)
    foreground = np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)
    cv2.grabCut(image, mask, (0, 0, 1, 1), background, foreground, 5, cv2.GC_INIT_WITH_MASK)
    cut = np.where((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
    alpha = cv2.GaussianBlur(cut, (0, 0), 1.0).astype(np.float32) / 255.0
    if not eyes_open:
        image = image.copy()
        _close_eyes(image)
    return Sprite(image, alpha)


def _close_eyes(image: Image) -> None:
    """Paint lids over both eyes: the eye opening filled from the skin around it (inpainting),
    then a dark lash line along the lower edge of the closed lid."""
    holes = np.zeros(image.shape[:2], np.uint8)
    axes = (round(EYE_HALF_WIDTH), round(EYE_HALF_HEIGHT))
    for name in ("left_eye", "right_eye"):
        x, y = LANDMARKS[name]
        cv2.ellipse(holes, (round(x), round(y)), axes, 0, 0, 360, 255, -1)
    image[:] = cv2.inpaint(image, holes, 5, cv2.INPAINT_TELEA)
    for name in ("left_eye", "right_eye"):
        x, y = LANDMARKS[name]
        lash = (45, 55, 75)  # BGR: dark brown lashes
        cv2.ellipse(
            image, (round(x), round(y + 1)), (axes[0] - 1, 3), 0, 10, 170, lash, 1, cv2.LINE_AA
        )


def placement(
    cx: float, cy: float, head_px: float, roll_deg: float, crown_share: float
) -> npt.NDArray[np.float64]:
    """The 2x3 affine matrix from the original to the frame.

    Her face centre (``crown_share`` of the head below the crown) lands on ``(cx, cy)``, the
    head is ``head_px`` tall, and the eye line is levelled and then turned by ``roll_deg``
    counter-clockwise as seen (the scene's convention).
    """
    centre = face_centre(crown_share)
    # A counter-clockwise turn by the original's own roll levels her eyes.
    m = cv2.getRotationMatrix2D(centre, roll_deg + source_roll_deg(), head_px / head_height())
    m[0, 2] += cx - centre[0]
    m[1, 2] += cy - centre[1]
    return np.asarray(m, dtype=np.float64)


def transform(m: npt.NDArray[np.float64], point: Point) -> Point:
    """``point`` of the original, placed in the frame by ``m``."""
    x, y = point
    return (
        float(m[0, 0] * x + m[0, 1] * y + m[0, 2]),
        float(m[1, 0] * x + m[1, 1] * y + m[1, 2]),
    )


def composite(frame: Image, m: npt.NDArray[np.float64], *, eyes_open: bool = True) -> None:
    """Draw the person into ``frame`` (in place) with placement ``m``."""
    person = sprite(eyes_open)
    height, width = frame.shape[:2]
    warped = cv2.warpAffine(
        person.image, m, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    # Replicated borders: her body goes on below the original's bottom edge (the rest of the
    # original's border is backdrop, alpha 0, so nothing else grows).
    alpha = cv2.warpAffine(
        person.alpha, m, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )[..., None]
    blended = warped.astype(np.float32) * alpha + frame.astype(np.float32) * (1.0 - alpha)
    frame[:] = np.clip(blended, 0, 255).astype(np.uint8)
