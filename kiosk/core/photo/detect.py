"""Face and eye detection, and the head geometry measured from them.

Detectors sit behind the small :class:`FaceDetector` Protocol. The booth's detector is dlib's
HOG with the 68 face landmarks (:mod:`kiosk.core.photo.landmarks`, chosen by measurement in
``bench/photo_detectors.py``). :class:`HaarFaceDetector` is the fallback when dlib is not
installed: the cascades that ship inside the opencv-python 4.x wheels
(``cv2.data.haarcascades``; OpenCV 5.0 dropped them, see DESIGN §7), the ``alt2`` frontal-face
cascade with CLAHE, and scikit-image's LBP cascade for measurement
(:func:`load_skimage_lbp_cascade`).

The head is then measured, not guessed:

* **crown** (top of the head, hair included): from the plain backdrop. A background model
  (median colour and spread of the frame's top corners, the person's hair left out) is built,
  and rows are scanned upwards from the face box over its middle half; the crown is the last
  row that still differs from the backdrop before :data:`CROWN_GAP_ROWS` backdrop rows in a
  row. On a busy backdrop the model is not trusted (``crown_found`` False) and the crown falls
  back to an estimate. With **voluminous hair** (:data:`VOLUMINOUS_HAIR_RATIO`) the Ministry's
  rule takes the crown as far above the eye line as the chin is below it.
* **chin**: with landmarks, the jaw line's bottom (point 8). Without (Haar), the face box ends
  between the mouth and the chin and the chin is estimated as
  ``face.y + CHIN_FACTOR * face.h`` (1.07, measured with the alt2 cascade).
* **sides**: with landmarks, the face outline (the jaw line) and the ears beside it (skin
  past the jaw line), never the hair; without, scanning outwards along the eye line on the
  backdrop (hair included).
* **roll**: the angle of the line through the two eye centres.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any, Protocol

import cv2
import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

Image = npt.NDArray[np.uint8]

CHIN_FACTOR = 1.07
# Crown above the alt2 face box, in face heights, when the backdrop is busy: 0.50 on the real
# photograph, 0.21 on the drawn faces; the real one counts more.
CROWN_ESTIMATE_FACTOR = 0.42
CROWN_GAP_ROWS = 3
ROW_DIFFERS_FRACTION = 0.08  # a row differs when this share of its pixels is not backdrop
BACKDROP_MIN_DISTANCE = 18.0  # colour distance (BGR) always counted as "not backdrop"
BACKDROP_SPREAD_K = 4.0
BUSY_BACKDROP_STD = 20.0  # a backdrop model with more spread than this is not trusted


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in image pixels."""

    x: int
    y: int
    w: int
    h: int

    @property
    def cx(self) -> float:
        """Centre x."""
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        """Centre y."""
        return self.y + self.h / 2

    @property
    def bottom(self) -> int:
        """First row below the box."""
        return self.y + self.h

    @property
    def right(self) -> int:
        """First column right of the box."""
        return self.x + self.w

    def contains(self, x: float, y: float) -> bool:
        """True when the point lies inside the box."""
        return self.x <= x < self.right and self.y <= y < self.bottom

    def scaled(self, factor: float) -> Box:
        """The box in an image ``factor`` times as large."""
        return Box(
            round(self.x * factor),
            round(self.y * factor),
            round(self.w * factor),
            round(self.h * factor),
        )

    def mapped(self, scale: float, left: float, top: float) -> Box:
        """The box in a crop whose corner is ``(left, top)``, enlarged ``scale`` times."""
        return Box(
            round((self.x - left) * scale),
            round((self.y - top) * scale),
            round(self.w * scale),
            round(self.h * scale),
        )


@dataclass(frozen=True)
class FaceDetection:
    """One face and the eyes found inside it.

    Attributes:
        face: the face box.
        eyes: eye boxes inside the face, at most two, left to right in the image.
        pupils: eye centres, left to right (refined), when known.
        landmarks: the 68 iBUG points when a landmark detector placed them
            (:mod:`kiosk.core.photo.landmarks`), else empty.
    """

    face: Box
    eyes: tuple[Box, ...] = ()
    pupils: tuple[tuple[float, float], ...] = ()
    landmarks: tuple[tuple[float, float], ...] = ()

    @property
    def eye_centres(self) -> tuple[tuple[float, float], ...]:
        """Eye centres, left to right: the refined pupils when known, else the box centres."""
        if len(self.pupils) == len(self.eyes):
            return self.pupils
        return tuple((e.cx, e.cy) for e in self.eyes)

    def mapped(self, scale: float, left: float, top: float) -> FaceDetection:
        """This detection in a crop whose corner is ``(left, top)``, enlarged ``scale`` times
        (the still's detection reused on its print: see ``PhotoBoothService.capture``)."""
        return FaceDetection(
            self.face.mapped(scale, left, top),
            tuple(e.mapped(scale, left, top) for e in self.eyes),
            tuple(((x - left) * scale, (y - top) * scale) for x, y in self.pupils),
            tuple(((x - left) * scale, (y - top) * scale) for x, y in self.landmarks),
        )


class FaceDetector(Protocol):
    """Finds faces (and their eyes) in a grayscale image."""

    name: str

    def detect(self, gray: Image) -> list[FaceDetection]:
        """Faces in ``gray`` (largest first), each with up to two eyes inside it."""
        ...


def to_bgr(image: Image) -> Image:
    """BGR of a BGR or grayscale image (BGR images are returned as they are)."""
    if image.ndim == 3:
        return image
    return np.asarray(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), dtype=np.uint8)


def to_gray(image: Image) -> Image:
    """Grayscale of a BGR, BGRA or grayscale image."""
    if image.ndim == 2:
        return image
    code = cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else cv2.COLOR_BGR2GRAY
    return np.asarray(cv2.cvtColor(image, code), dtype=np.uint8)


class HaarFaceDetector:
    """Faces and eyes with OpenCV's Haar cascades (opencv-python 4.x wheels).

    The image is shrunk to at most ``work_width`` pixels wide (speed), contrast-equalised with
    CLAHE (the plain cascade misses darker skin tones in even light: see the bench), then the
    frontal-face cascade runs; the eye cascade runs in the upper 60 % of each face.

    Args:
        face_cascade: cascade file name in ``cv2.data.haarcascades``, a path, or
            :data:`SKIMAGE_LBP` (scikit-image's LBP cascade, for measurement).
        eye_cascade: eye cascade file name or path.
        work_width: width the image is shrunk to before detection (0 = full size).
        min_face_fraction: smallest face, as a share of the shorter image side.
        clahe: equalise contrast before detection.
        scale_factor: cascade pyramid step.
        min_neighbors: cascade acceptance (higher = fewer false faces).

    Raises:
        FileNotFoundError: a cascade file cannot be loaded.
    """

    def __init__(
        self,
        *,
        face_cascade: str = "haarcascade_frontalface_alt2.xml",
        eye_cascade: str = "haarcascade_eye.xml",
        work_width: int = 640,
        min_face_fraction: float = 0.12,
        clahe: bool = True,
        scale_factor: float = 1.1,
        min_neighbors: int = 5,
    ) -> None:
        short = face_cascade.removeprefix("haarcascade_").removesuffix(".xml")
        self.name = "lbp" if face_cascade == SKIMAGE_LBP else f"haar:{short}"
        if clahe:
            self.name += "+clahe"
        self._face: Any = _load_cascade(face_cascade)
        self._eye: Any = _load_cascade(eye_cascade)
        self.work_width = work_width
        self.min_face_fraction = min_face_fraction
        self.scale_factor = scale_factor
        self.min_neighbors = min_neighbors
        self._clahe: Any = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)) if clahe else None

    def detect(self, gray: Image) -> list[FaceDetection]:
        """Faces in ``gray``, largest first, each with its eyes (see the class docstring)."""
        gray = to_gray(gray)
        height, width = gray.shape[:2]
        factor = 1.0
        work = gray
        if self.work_width and width > self.work_width:
            factor = width / self.work_width
            work = np.asarray(
                cv2.resize(
                    gray, (self.work_width, round(height / factor)), interpolation=cv2.INTER_AREA
                ),
                dtype=np.uint8,
            )
        if self._clahe is not None:
            work = self._clahe.apply(work)
        side = min(work.shape[:2])
        min_face = max(24, round(side * self.min_face_fraction))
        found = self._face.detectMultiScale(
            work,
            scaleFactor=self.scale_factor,
            minNeighbors=self.min_neighbors,
            minSize=(min_face, min_face),
        )
        faces = sorted((Box(*map(int, f)) for f in found), key=lambda b: -b.w * b.h)
        detections = []
        for small in faces:
            eyes = tuple(e.scaled(factor) for e in self._eyes(work, small))
            pupils = tuple(pupil_centre(gray, e) for e in eyes)
            detections.append(FaceDetection(small.scaled(factor), eyes, pupils))
        return detections

    def _eyes(self, work: Image, face: Box) -> list[Box]:
        top = work[face.y : face.y + round(face.h * 0.6), face.x : face.right]
        min_eye = max(8, round(face.w * 0.12))
        found = self._eye.detectMultiScale(
            top,
            scaleFactor=1.1,
            minNeighbors=3,
            minSize=(min_eye, min_eye),
            maxSize=(round(face.w * 0.45), round(face.w * 0.45)),
        )
        boxes = [Box(int(x) + face.x, int(y) + face.y, int(w), int(h)) for x, y, w, h in found]
        # One eye per half of the face: the largest in each (eyebrows and nostrils also fire).
        best: list[Box] = []
        for half_left in (True, False):
            side = [b for b in boxes if (b.cx < face.cx) == half_left]
            if side:
                best.append(max(side, key=lambda b: b.w * b.h))
        return sorted(best, key=lambda b: b.x)


def pupil_centre(gray: Image, eye: Box) -> tuple[float, float]:
    """The centre of the darkest blob in the middle of an eye box (the iris and pupil).

    # NOTE: Haar eye boxes wobble by a quarter of their size from frame to frame, which is
    # several degrees of roll; the dark iris inside them is found to a pixel or two.
    """
    # NOTE: Haar eye boxes often sit on the eyebrow; search a little below the box too.
    x0, x1 = max(0, eye.x), max(0, eye.right)
    y0, y1 = max(0, eye.y), max(0, eye.bottom + eye.h // 4)
    region = gray[y0:y1, x0:x1]
    if region.size < 16:
        return eye.cx, eye.cy
    # NOTE: only a light blur (noise): a blur as wide as the iris would mix it with the white
    # around it and make the eyebrow the darker spot.
    smooth = cv2.GaussianBlur(region, (0, 0), max(1.0, eye.w / 30)).astype(np.float32)
    dark = smooth <= float(smooth.min()) + 2.0
    ys, xs = np.nonzero(dark)
    return float(x0 + xs.mean() + 0.5), float(y0 + ys.mean() + 0.5)


SKIMAGE_LBP = "skimage:lbp_frontalface"


def load_skimage_lbp_cascade() -> Any:
    """scikit-image's LBP frontal-face cascade as an OpenCV classifier (for measurement).

    The file ships inside scikit-image (``skimage.data.lbp_frontal_face_cascade_filename``)
    with a misspelt ``featuhreParams`` tag that OpenCV refuses; it is read from memory with
    the tag mended. scikit-image is only in the ``sim`` extra, so a kiosk never loads this.

    Raises:
        FileNotFoundError: scikit-image is not installed or the file is unreadable.
    """
    try:
        from skimage import data
    except ImportError as exc:
        raise FileNotFoundError("the LBP cascade needs scikit-image (the sim extra)") from exc
    path: str = data.lbp_frontal_face_cascade_filename()  # type: ignore[no-untyped-call]
    with open(path, encoding="utf-8") as f:
        text = f.read().replace("featuhreParams", "featureParams")
    storage = cv2.FileStorage(text, cv2.FILE_STORAGE_READ | cv2.FILE_STORAGE_MEMORY)
    cascade = cv2.CascadeClassifier()
    if not cascade.read(storage.getFirstTopLevelNode()) or cascade.empty():
        raise FileNotFoundError(f"LBP cascade {path} cannot be read")
    return cascade


def _load_cascade(name: str) -> Any:
    if name == SKIMAGE_LBP:
        return load_skimage_lbp_cascade()
    folder: str = cv2.data.haarcascades  # type: ignore[attr-defined]
    path = name if "/" in name else folder + name
    cascade = cv2.CascadeClassifier(path)
    if cascade.empty():
        raise FileNotFoundError(f"Haar cascade {path} cannot be loaded (opencv-python 4.x needed)")
    return cascade


@dataclass(frozen=True)
class BackdropModel:
    """The plain backdrop's colour and spread, sampled from the frame's top corners.

    Attributes:
        colour: median BGR colour.
        spread: mean per-channel standard deviation (grey levels).
        luminance: median grey level.
    """

    colour: tuple[float, float, float]
    spread: float
    luminance: float

    @property
    def plain(self) -> bool:
        """True when the backdrop is uniform enough to find the head's outline on it."""
        return self.spread <= BUSY_BACKDROP_STD

    def differs(self, pixels: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
        """Which of ``pixels`` (…, 3 BGR) are not backdrop."""
        distance = np.linalg.norm(
            pixels.astype(np.float32) - np.array(self.colour, np.float32), axis=-1
        )
        return np.asarray(distance > max(BACKDROP_MIN_DISTANCE, BACKDROP_SPREAD_K * self.spread))


def backdrop_samples(image: Image, face: Box | None) -> npt.NDArray[np.uint8]:
    """Backdrop pixels: the top corners beside the head (above the shoulders), as (N, 3) BGR.

    Each corner is as wide as the gap between the image edge and the face box minus a margin
    of half a face width (hair and ears), and as tall as the face box top. The person's hair is
    left out (:func:`_hair_mask`): hair that reaches the print's edges (trimmed by the
    Ministry's crown rule) is not backdrop, while clutter of other colours stays in.
    """
    bgr = to_bgr(image)
    height, width = bgr.shape[:2]
    if face is None:
        strip = bgr[: max(1, height // 10)]
        return strip.reshape(-1, 3)
    depth = max(4, min(face.y + face.h // 2, height))
    margin = face.w // 2
    region = np.zeros((height, width), bool)
    region[:depth, : max(0, face.x - margin)] = True
    region[:depth, min(width, face.right + margin) :] = True
    region[: max(0, face.y - face.h // 2)] = True
    if not region.any():
        return bgr[: max(1, height // 20)].reshape(-1, 3)
    hair = _hair_mask(bgr, face, bgr[region])
    kept = region & ~hair
    # NOTE: hair that covers most of the corners leaves too little to judge a backdrop by:
    # then the whole region is judged, as before.
    if kept.sum() < PERSON_MAX_SHARE * region.sum():
        kept = region
    return np.asarray(bgr[kept], dtype=np.uint8)


PERSON_MASK_STEP = 4  # the hair's mask is found on a 1/4-size image (speed on 5 MP)
# At least this share of the corners must be left once the hair is taken out; less, and the
# corners are judged whole (the astronaut's hair, trimmed at the print's edges, leaves 0.7).
PERSON_MAX_SHARE = 0.35
HAIR_COLOUR_DISTANCE = 45.0  # BGR distance from the hair's median colour still counted as hair
HAIR_SPREAD_K = 1.0  # …or the hair patch's own spread (1.5 took a busy backdrop's lines for hair)


def _hair_mask(bgr: Image, face: Box, samples: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """The hair joined to the head (full size): pixels that differ from the backdrop, have the
    colour of the hair just above the face (and, when it differs, of the hair under the top
    of the head: short dark hair over a high forehead) and are joined to it, holes included.
    Clutter of other colours is never taken for hair, so a busy backdrop still fails."""
    height, width = bgr.shape[:2]
    pick = samples[:: max(1, len(samples) // 20000)].astype(np.float32)
    colour = np.median(pick, axis=0)
    # The spread of the pixels near the median only: hair in the samples must not widen it.
    near = pick[np.linalg.norm(pick - colour, axis=1) < 3 * BACKDROP_MIN_DISTANCE]
    spread = float(np.mean(np.std(near, axis=0))) if len(near) > 10 else BUSY_BACKDROP_STD
    limit = max(BACKDROP_MIN_DISTANCE, BACKDROP_SPREAD_K * spread)
    step = PERSON_MASK_STEP
    small = bgr[::step, ::step].astype(np.float32)
    differs = np.linalg.norm(small - colour, axis=-1) > limit
    hx0, hx1 = max(0, (face.x + face.w // 4) // step), max(0, (face.right - face.w // 4) // step)
    patches = []
    # Just above the face box.
    patches.append(
        (max(0, (face.y - face.h // 4) // step), max(0, (face.y - face.h // 20) // step))
    )
    # Under the top of the head: up from the face while the rows differ (not when the head
    # runs into the image's top edge: it cannot be told from clutter there).
    rows = differs[: max(0, face.y // step), hx0:hx1].mean(axis=1) > 0.5 if hx1 > hx0 else None
    if rows is not None and rows.any():
        top = len(rows) - 1
        while top > 0 and rows[top - 1]:
            top -= 1
        if top > 0:
            patches.append((top, min(len(rows), top + max(2, face.h // 10 // step))))
    person_small = np.zeros(differs.shape, np.uint8)
    first: npt.NDArray[np.float32] | None = None
    for hy0, hy1 in patches:
        patch = small[hy0:hy1, hx0:hx1][differs[hy0:hy1, hx0:hx1]]
        if len(patch) < 0.5 * max(1, (hy1 - hy0) * (hx1 - hx0)):
            continue
        hair = np.median(patch, axis=0)
        if first is not None and np.linalg.norm(hair - first) <= HAIR_COLOUR_DISTANCE:
            continue  # the same hair as above the face: nothing new
        first = hair if first is None else first
        # Hair has strands lighter and darker than its median: as far as its spread reaches.
        spread_hair = float(np.linalg.norm(np.std(patch, axis=0)))
        reach = max(HAIR_COLOUR_DISTANCE, HAIR_SPREAD_K * spread_hair)
        hairy = differs & (np.linalg.norm(small - hair, axis=-1) < reach)
        _, labels = cv2.connectedComponents(hairy.astype(np.uint8), connectivity=8)
        touching = np.unique(labels[hy0:hy1, hx0:hx1])
        person_small |= np.isin(labels, touching[touching > 0]).astype(np.uint8)
    if not person_small.any():
        return np.zeros((height, width), bool)
    # Holes inside the hair (highlights, the face) are the person too: what the image's border
    # cannot reach without crossing the hair.
    _, outside = cv2.connectedComponents((person_small == 0).astype(np.uint8), connectivity=4)
    border = np.unique(np.concatenate([outside[0], outside[-1], outside[:, 0], outside[:, -1]]))
    person_small[~np.isin(outside, border[border > 0]) & (person_small == 0)] = 1
    # The hair's fringe (strands, the blur of its edge) goes with it: two mask pixels.
    person_small = np.asarray(cv2.dilate(person_small, np.ones((5, 5), np.uint8)), np.uint8)
    person = cv2.resize(person_small, (width, height), interpolation=cv2.INTER_NEAREST)
    return np.asarray(person, dtype=bool)


def backdrop_model(image: Image, face: Box | None) -> BackdropModel:
    """A :class:`BackdropModel` from :func:`backdrop_samples`."""
    samples = backdrop_samples(image, face).astype(np.float32)
    if len(samples) > 20000:  # enough for a median; keep it fast at 5 MP
        samples = samples[:: len(samples) // 20000]
    colour = np.median(samples, axis=0)
    spread = float(np.mean(np.std(samples, axis=0)))
    grey = samples @ np.array([0.114, 0.587, 0.299], np.float32)
    return BackdropModel(
        (float(colour[0]), float(colour[1]), float(colour[2])), spread, float(np.median(grey))
    )


@dataclass(frozen=True)
class HeadGeometry:
    """The head as measured in one image (px).

    Attributes:
        face: the detection it was measured from.
        crown_y: top of the head (hair included), or the Ministry's crown for voluminous hair
            (see ``hair_crown_y``).
        crown_found: True when the crown came from the backdrop scan; False when the backdrop
            was not plain (estimated from the face box) or the head reaches the image top.
        chin_y: the chin: landmark 8, or without landmarks ``face.y + CHIN_FACTOR * face.h``.
        left_x: left edge of the head at eye height: with landmarks the face outline or the
            ear, without them the ear or hair.
        right_x: right edge of the head.
        centre_x: the face's centre line (midpoint of the eyes, else of the face box).
        roll_deg: eye-line angle, positive when the right eye (in the image) is lower; None
            without two eyes.
        eye_distance_px: distance between eye centres; None without two eyes.
        backdrop: the backdrop model used.
        face_left_x: with landmarks, the face outline's left end (jaw line), else None;
            ``left_x`` is then the outline or the ear beside it, never the hair.
        face_right_x: its right end.
        hair_crown_y: the top of the hair when it was taken no further than the Ministry's
            rule for voluminous hair allows (``crown_y`` is then the rule's crown: as far
            above the eye line as the chin is below it); None when the crown is the hair's
            top itself.
    """

    face: FaceDetection
    crown_y: float
    crown_found: bool
    chin_y: float
    left_x: float
    right_x: float
    centre_x: float
    roll_deg: float | None
    eye_distance_px: float | None
    backdrop: BackdropModel
    face_left_x: float | None = None
    face_right_x: float | None = None
    hair_crown_y: float | None = None

    @property
    def crown_rule_applied(self) -> bool:
        """True when the crown was taken by the Ministry's rule for voluminous hair."""
        return self.hair_crown_y is not None

    @property
    def head_height(self) -> float:
        """Crown to chin in px."""
        return self.chin_y - self.crown_y

    @property
    def eye_y(self) -> float:
        """Height of the eye line (the eyes' mean, else 40 % down the face box)."""
        centres = self.face.eye_centres
        if len(centres) == 2:
            return (centres[0][1] + centres[1][1]) / 2
        return self.face.face.y + 0.4 * self.face.face.h


def _scan_crown(image: Image, face: Box, model: BackdropModel) -> tuple[float, bool]:
    x0 = max(0, round(face.x + face.w * 0.25))
    x1 = min(image.shape[1], round(face.right - face.w * 0.25))
    start = min(max(face.y, 0), image.shape[0] - 1)
    if x1 <= x0:
        return float(start), False
    band = image[: start + 1, x0:x1]
    differs = model.differs(band).mean(axis=1) > ROW_DIFFERS_FRACTION
    crown = start
    gap = 0
    for row in range(start, -1, -1):
        if differs[row]:
            crown = row
            gap = 0
        else:
            gap += 1
            if gap >= CROWN_GAP_ROWS:
                return float(crown), True
    # The head reaches the top edge: the crown is outside the image.
    return float(crown), crown > 0


def _scan_side(image: Image, face: Box, y: float, model: BackdropModel, step: int) -> float:
    row_centre = min(max(round(y), 0), image.shape[0] - 1)
    y0, y1 = max(0, row_centre - 2), min(image.shape[0], row_centre + 3)
    width = image.shape[1]
    start = round(face.cx)
    strip = image[y0:y1]
    differs = model.differs(strip).mean(axis=0) > 0.5
    edge = start
    gap = 0
    col = start
    while 0 <= col < width:
        if differs[col]:
            edge = col
            gap = 0
        else:
            gap += 1
            if gap >= CROWN_GAP_ROWS and abs(col - start) > face.w * 0.3:
                break
        col += step
    return float(edge)


# Hair is voluminous when eye line → top of the hair exceeds this many times eye line → chin:
# then the Ministry's crown rule applies. Measured (bench/photo_detectors.py) on the real
# faces: the astronaut 1.16 to 1.26 (her hair stands well above her head), Biden 1.01 to 1.09,
# Obama 0.88 to 0.97 (every transformation); 1.12 lies between.
VOLUMINOUS_HAIR_RATIO = 1.12
# An ear is skin-coloured: within this BGR distance of the cheeks' median colour.
EAR_SKIN_DISTANCE = 45.0
EAR_MAX_SHARE = 0.45  # an ear reaches at most this share of the eye distance past the jaw line


def _ear_reach(bgr: Image, marks: tuple[tuple[float, float], ...], step: int) -> float:
    """How far (px) skin goes on past the jaw line by the ear, on the image's left (``step``
    -1) or right (+1); 0 when hair or backdrop starts at the jaw line."""
    d = math.dist(marks[39], marks[42])  # inner eye corners: stable under glasses
    cheek = [marks[i] for i in (1, 2, 15, 14, 29)]
    samples = []
    for x, y in cheek:
        cx = x + (marks[30][0] - x) * 0.3
        y0, x0 = max(0, round(y) - 2), max(0, round(cx) - 2)
        samples.append(bgr[y0 : round(y) + 3, x0 : round(cx) + 3].reshape(-1, 3))
    skin = np.median(np.concatenate(samples).astype(np.float32), axis=0)
    jaw = (0, 1, 2) if step < 0 else (16, 15, 14)
    height, width = bgr.shape[:2]
    reach = 0.0
    limit = round(EAR_MAX_SHARE * d)
    for i in jaw:
        x, y = marks[i]
        row = min(max(round(y), 0), height - 1)
        gap = 0
        for k in range(1, limit + 1):
            col = round(x) + step * k
            if not 0 <= col < width:
                break
            if np.linalg.norm(bgr[row, col].astype(np.float32) - skin) <= EAR_SKIN_DISTANCE:
                reach = max(reach, float(k))
                gap = 0
            else:
                gap += 1
                if gap >= 3:
                    break
    return reach


def measure_head(image: Image, detection: FaceDetection) -> HeadGeometry:
    """Measure crown, chin, sides, roll and eye distance of one detected face in ``image``.

    With 68 landmarks the chin is the jaw line's bottom (point 8) and the sides are the face
    outline and the ears beside it (skin past the jaw line), never the hair; without, the
    chin comes from the face box and the sides from the backdrop scan (hair included).
    """
    bgr = to_bgr(image)
    face = detection.face
    model = backdrop_model(bgr, face)
    if model.plain:
        crown_y, crown_found = _scan_crown(bgr, face, model)
    else:
        crown_y, crown_found = max(0.0, face.y - CROWN_ESTIMATE_FACTOR * face.h), False
    marks = detection.landmarks
    chin_y = marks[8][1] if len(marks) == 68 else face.y + CHIN_FACTOR * face.h
    centres = detection.eye_centres
    roll: float | None = None
    eye_distance: float | None = None
    centre_x = face.cx
    if len(centres) == 2:
        (lx, ly), (rx, ry) = centres
        roll = math.degrees(math.atan2(ry - ly, rx - lx))
        eye_distance = math.hypot(rx - lx, ry - ly)
        centre_x = (lx + rx) / 2
    eye_y = (centres[0][1] + centres[1][1]) / 2 if len(centres) == 2 else face.y + 0.4 * face.h
    hair_crown_y: float | None = None
    below = chin_y - eye_y
    # MOFA: with voluminous hair the crown is taken as far above the eye line as the chin is
    # below it, and the hair may be trimmed by the print's top edge. A head that reaches the
    # image top (crown not found) is voluminous by the same measure when even the visible
    # part is that tall.
    if (
        len(marks) == 68
        and model.plain
        and below > 0
        and eye_y - crown_y > VOLUMINOUS_HAIR_RATIO * below
    ):
        hair_crown_y = crown_y
        crown_y, crown_found = eye_y - below, True
    face_left: float | None = None
    face_right: float | None = None
    if len(marks) == 68:
        face_left = min(p[0] for p in marks[:17])
        face_right = max(p[0] for p in marks[:17])
        left_x = face_left - _ear_reach(bgr, marks, -1)
        right_x = face_right + _ear_reach(bgr, marks, +1)
    elif model.plain:
        left_x = _scan_side(bgr, face, eye_y, model, -1)
        right_x = _scan_side(bgr, face, eye_y, model, +1)
    else:
        left_x, right_x = face.x - 0.02 * face.w, face.right + 0.02 * face.w
    return HeadGeometry(
        detection,
        crown_y,
        crown_found,
        chin_y,
        left_x,
        right_x,
        centre_x,
        roll,
        eye_distance,
        model,
        face_left,
        face_right,
        hair_crown_y,
    )
