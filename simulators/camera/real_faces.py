"""More real photographed people for the photo tests, beside scikit-image's astronaut.

The face_recognition project's source distribution on PyPI (``face_recognition==1.3.0``, MIT)
carries official White House portraits in its ``tests/test_images`` (photographs by U.S.
government employees in their duties: public domain). They are not in git: :func:`fetch`
downloads that one source archive with pip, checks its SHA-256 and keeps the portraits in
:func:`faces_dir` (``scripts/bootstrap.sh`` runs it; the tests fetch on first use too).

Two of them are cut out of their backdrops here (:data:`FACES`), as
:mod:`simulators.camera.photo_person` does for the astronaut: ``obama`` (official portrait,
short dark hair, a smile) and ``biden`` (white hair, head tilted 13°). The source archive's
``obama2`` (a flag and a second person touch the crown) and ``obama3`` (a chandelier over the
crown) cannot be cut out cleanly: the crown would be measured on the backdrop. They serve
only as raw detection images (:data:`RAW_IMAGES`, ``bench/photo_detectors.py``).

The eye centres, chin and face outline of each were found once with dlib's 68-point
landmarks (``bench/photo_detectors.py`` recomputes them) and are kept here as numbers, so
neither the simulator nor the tests need dlib to know the truth. The crown and the head's
sides (ears, hair) are read from the cut-out's outline.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import os
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from simulators.camera import photo_person

logger = logging.getLogger(__name__)

Image = npt.NDArray[np.uint8]
Point = tuple[float, float]

ARCHIVE = "face_recognition-1.3.0.tar.gz"
ARCHIVE_SHA256 = "5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec"
MEMBER_DIR = "face_recognition-1.3.0/tests/test_images/"
PORTRAITS = ("obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg")
CUT_VERSION = 1  # bump when the GrabCut seeds change: the cached cuts are then made again


class FacesUnavailableError(RuntimeError):
    """Raised when the portraits are not on disk and cannot be fetched (no network, no pip)."""


def faces_dir() -> Path:
    """Where the fetched portraits live: ``$KIOSK_TEST_FACES`` or ``~/.cache/lobby-kiosk/faces``."""
    override = os.environ.get("KIOSK_TEST_FACES")
    if override:
        return Path(override)
    return Path.home() / ".cache" / "lobby-kiosk" / "faces"


def fetch(folder: Path | None = None) -> Path:
    """Make sure the portraits are in ``folder`` (default :func:`faces_dir`); download once.

    Raises:
        FacesUnavailableError: pip cannot download the archive, or its checksum differs.
    """
    folder = folder or faces_dir()
    if all((folder / name).is_file() for name in PORTRAITS):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            "--dest",
            tmp,
            "face_recognition==1.3.0",
        ]
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=300)
        except (OSError, subprocess.SubprocessError) as exc:
            raise FacesUnavailableError(f"cannot download {ARCHIVE}: {exc}") from exc
        archive = Path(tmp) / ARCHIVE
        digest = hashlib.sha256(archive.read_bytes()).hexdigest()
        if digest != ARCHIVE_SHA256:
            raise FacesUnavailableError(f"{ARCHIVE} has SHA-256 {digest}, not {ARCHIVE_SHA256}")
        with tarfile.open(archive) as tar:
            for name in (*PORTRAITS, "../../LICENSE"):
                member = os.path.normpath(MEMBER_DIR + name)
                source = tar.extractfile(member)
                if source is None:
                    raise FacesUnavailableError(f"{member} missing from {ARCHIVE}")
                target = folder / Path(member).name
                target.with_suffix(".part").write_bytes(source.read())
                target.with_suffix(".part").replace(target)
    logger.info("real portraits fetched into %s", folder)
    return folder


def load_portrait(file_name: str) -> Image:
    """One fetched portrait as BGR (fetched first when missing).

    Raises:
        FacesUnavailableError: see :func:`fetch`.
    """
    path = fetch() / file_name
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise FacesUnavailableError(f"{path} cannot be read")
    return np.asarray(image, dtype=np.uint8)


@dataclass(frozen=True)
class RealFace:
    """A real photographed person and their features in the source image (px).

    Attributes:
        name: ``astronaut``, ``obama``, ``biden``.
        file_name: the portrait in :func:`faces_dir` (empty for the astronaut).
        left_eye: centre of the eye on the image's left.
        right_eye: centre of the eye on the image's right.
        chin: bottom of the chin.
        face_left: the face outline's left end at eye height (dlib jaw point 0, by the ear).
        face_right: its right end (jaw point 16).
        description: who, and what the face tests.
    """

    name: str
    file_name: str
    left_eye: Point
    right_eye: Point
    chin: Point
    face_left: Point
    face_right: Point
    description: str

    @property
    def roll_deg(self) -> float:
        """The eye line's tilt in the source (positive = the image's right eye lower)."""
        (lx, ly), (rx, ry) = self.left_eye, self.right_eye
        return math.degrees(math.atan2(ry - ly, rx - lx))

    @property
    def eye_centre(self) -> Point:
        """Midpoint of the eyes."""
        return (
            (self.left_eye[0] + self.right_eye[0]) / 2,
            (self.left_eye[1] + self.right_eye[1]) / 2,
        )


FACES: dict[str, RealFace] = {
    "astronaut": RealFace(
        "astronaut",
        "",
        photo_person.LANDMARKS["left_eye"],
        photo_person.LANDMARKS["right_eye"],
        photo_person.LANDMARKS["chin"],
        (179.0, 104.0),
        (272.0, 108.0),
        "Eileen Collins (NASA), scikit-image: voluminous hair wider than her face",
    ),
    "obama": RealFace(
        "obama",
        "obama.jpg",
        (443.8, 216.0),
        (547.8, 214.2),
        (495.0, 427.0),
        (372.0, 222.0),
        (614.0, 219.0),
        "official portrait (face_recognition sdist): dark skin, short hair, ears showing",
    ),
    "biden": RealFace(
        "biden",
        "biden.jpg",
        (535.2, 324.0),
        (652.5, 351.3),
        (561.0, 564.0),
        (429.0, 330.0),
        (710.0, 381.0),
        "vice-presidential portrait (face_recognition sdist): white hair, older, rolled 13°",
    ),
}
# Raw portraits for detection only (busy backdrops): name -> file.
RAW_IMAGES: dict[str, str] = {"obama2": "obama2.jpg", "obama3": "obama3.jpg"}


@dataclass(frozen=True)
class Cutout:
    """A real person cut out, eyes levelled, with the features in the cut-out's pixels.

    Attributes:
        image: BGR.
        alpha: 0..1 per pixel.
        marks: ``crown``, ``chin``, ``left_eye``, ``right_eye``, ``head_left``,
            ``head_right`` (hair or ears at eye height), ``face_left``, ``face_right``.
    """

    image: Image
    alpha: npt.NDArray[np.float32]
    marks: dict[str, Point]


def _level(face: RealFace, image: Image) -> tuple[Image, npt.NDArray[np.float64]]:
    m = cv2.getRotationMatrix2D(face.eye_centre, face.roll_deg, 1.0)
    h, w = image.shape[:2]
    out = cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(out, dtype=np.uint8), np.asarray(m, dtype=np.float64)


def _grabcut_mask(image: Image, marks: dict[str, Point]) -> npt.NDArray[np.uint8]:
    """GrabCut seeds from the face's own landmarks: the face for certain, the head around it
    probable, nothing beside the head above the chin, the shoulders below it."""
    h, w = image.shape[:2]
    (lx, ly), (rx, ry) = marks["left_eye"], marks["right_eye"]
    ex, ey = (lx + rx) / 2, (ly + ry) / 2
    d = rx - lx
    fh = marks["chin"][1] - ey  # eye line to chin
    chin_y = marks["chin"][1]
    mask = np.full((h, w), cv2.GC_BGD, np.uint8)
    x0, x1 = max(0, round(ex - 3.2 * d)), min(w, round(ex + 3.2 * d))
    mask[max(0, round(ey - 2.2 * fh)) :, x0:x1] = cv2.GC_PR_BGD
    head = np.zeros((h, w), np.uint8)
    cv2.ellipse(
        head,
        (round(ex), round(ey - 0.1 * fh)),
        (round(1.55 * d), round(1.35 * fh)),
        0,
        0,
        360,
        1,
        -1,
    )
    above = np.zeros((h, w), bool)
    above[: round(chin_y - 0.1 * fh)] = True
    mask[above & (head == 0) & (mask == cv2.GC_PR_BGD)] = cv2.GC_BGD
    mask[head == 1] = cv2.GC_PR_FGD
    cv2.rectangle(
        mask,
        (round(ex - 2.6 * d), round(chin_y + 0.3 * fh)),
        (round(ex + 2.6 * d), h),
        int(cv2.GC_PR_FGD),
        -1,
    )
    face = np.array([marks["face_left"], marks["face_right"], marks["chin"]], np.float32).reshape(
        -1, 1, 2
    )
    cv2.fillConvexPoly(mask, cv2.convexHull(face.astype(np.int32)), int(cv2.GC_FGD))
    cv2.ellipse(
        mask,
        (round(ex), round(ey - 0.3 * fh)),
        (round(0.8 * d), round(0.6 * fh)),
        0,
        0,
        360,
        int(cv2.GC_FGD),
        -1,
    )
    cv2.rectangle(
        mask,
        (round(ex - 1.5 * d), round(chin_y + 0.9 * fh)),
        (round(ex + 1.5 * d), h),
        int(cv2.GC_FGD),
        -1,
    )
    cv2.rectangle(
        mask, (round(ex - 0.5 * d), round(chin_y)), (round(ex + 0.5 * d), h), int(cv2.GC_FGD), -1
    )
    return mask


def _grabcut(image: Image, marks: dict[str, Point]) -> npt.NDArray[np.uint8]:
    mask = _grabcut_mask(image, marks)
    background = np.zeros((1, 65), np.float64)
    foreground = np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)
    cv2.grabCut(image, mask, (0, 0, 1, 1), background, foreground, 5, cv2.GC_INIT_WITH_MASK)
    return np.where((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)


def _outline_marks(alpha: npt.NDArray[np.float32], marks: dict[str, Point]) -> dict[str, Point]:
    """Crown (top of the cut-out over the eyes' midline) and head sides at eye height."""
    (lx, ly), (rx, ry) = marks["left_eye"], marks["right_eye"]
    ex, ey = (lx + rx) / 2, (ly + ry) / 2
    d = rx - lx
    band = alpha[:, round(ex - 0.3 * d) : round(ex + 0.3 * d)] > 0.5
    rows = np.nonzero(band.any(axis=1))[0]
    crown_y = float(rows[0]) if rows.size else ey
    row = alpha[round(ey)] > 0.5
    cols = np.nonzero(row)[0]
    near = cols[np.abs(cols - ex) < 2.0 * d]
    left = float(near.min()) if near.size else ex - d
    right = float(near.max()) if near.size else ex + d
    return {**marks, "crown": (ex, crown_y), "head_left": (left, ey), "head_right": (right, ey)}


@functools.cache
def cutout(name: str, eyes_open: bool = True) -> Cutout:
    """The person ``name`` of :data:`FACES` cut out of their backdrop (cached per process).

    Raises:
        KeyError: no such face.
        FacesUnavailableError: the portrait cannot be fetched.
    """
    face = FACES[name]
    if name == "astronaut":
        sprite = photo_person.sprite(eyes_open)
        marks = dict(photo_person.LANDMARKS)
        marks["face_left"], marks["face_right"] = face.face_left, face.face_right
        return Cutout(sprite.image, sprite.alpha, marks)
    source = load_portrait(face.file_name)
    image, m = _level(face, source)
    # Only the head and shoulders: GrabCut on the whole portrait takes ten times as long.
    d = face.right_eye[0] - face.left_eye[0]
    fh = face.chin[1] - face.eye_centre[1]
    x0 = max(0, round(face.eye_centre[0] - 3.3 * d))
    x1 = min(image.shape[1], round(face.eye_centre[0] + 3.3 * d))
    y0 = max(0, round(face.eye_centre[1] - 2.3 * fh))
    y1 = min(image.shape[0], round(face.chin[1] + 2.0 * fh))
    image = np.ascontiguousarray(image[y0:y1, x0:x1])
    m[0, 2] -= x0
    m[1, 2] -= y0
    marks = {
        key: photo_person.transform(m, getattr(face, key))
        for key in ("left_eye", "right_eye", "chin", "face_left", "face_right")
    }
    # NOTE: GrabCut takes a few seconds a face: its cut is kept beside the portrait.
    cached = faces_dir() / f"{name}.cut-v{CUT_VERSION}.png"
    cut_read = cv2.imread(str(cached), cv2.IMREAD_GRAYSCALE) if cached.is_file() else None
    if cut_read is not None and cut_read.shape == image.shape[:2]:
        cut = np.asarray(cut_read, dtype=np.uint8)
    else:
        cut = _grabcut(image, marks)
        cv2.imwrite(str(cached), cut)
    alpha = cv2.GaussianBlur(cut, (0, 0), 1.0).astype(np.float32) / 255.0
    if not eyes_open:
        image = image.copy()
        _close_eyes(image, marks)
    return Cutout(image, alpha, _outline_marks(alpha, marks))


def _close_eyes(image: Image, marks: dict[str, Point]) -> None:
    """Lids over both eyes (as :func:`photo_person._close_eyes`, sized by the eye distance)."""
    d = marks["right_eye"][0] - marks["left_eye"][0]
    axes = (max(2, round(0.28 * d)), max(1, round(0.13 * d)))
    holes = np.zeros(image.shape[:2], np.uint8)
    for key in ("left_eye", "right_eye"):
        x, y = marks[key]
        cv2.ellipse(holes, (round(x), round(y)), axes, 0, 0, 360, 255, -1)
    image[:] = cv2.inpaint(image, holes, 5, cv2.INPAINT_TELEA)
    for key in ("left_eye", "right_eye"):
        x, y = marks[key]
        cv2.ellipse(
            image,
            (round(x), round(y + 1)),
            (axes[0] - 1, max(1, axes[1] // 2)),
            0,
            10,
            170,
            (40, 45, 60),
            max(1, round(d / 40)),
            cv2.LINE_AA,
        )


def placement(
    name: str, cx: float, cy: float, head_px: float, roll_deg: float, crown_share: float
) -> npt.NDArray[np.float64]:
    """The 2x3 matrix from the cut-out to the frame (see :func:`photo_person.placement`)."""
    if name == "astronaut":
        return photo_person.placement(cx, cy, head_px, roll_deg, crown_share)
    marks = cutout(name).marks
    crown_y, chin_y = marks["crown"][1], marks["chin"][1]
    ex = (marks["left_eye"][0] + marks["right_eye"][0]) / 2
    centre = (ex, crown_y + crown_share * (chin_y - crown_y))
    m = cv2.getRotationMatrix2D(centre, roll_deg, head_px / (chin_y - crown_y))
    m[0, 2] += cx - centre[0]
    m[1, 2] += cy - centre[1]
    return np.asarray(m, dtype=np.float64)


def frame_marks(name: str, m: npt.NDArray[np.float64]) -> dict[str, Point]:
    """Every mark of ``name`` placed in the frame by ``m``."""
    return {k: photo_person.transform(m, v) for k, v in cutout(name).marks.items()}


def composite(
    frame: Image, name: str, m: npt.NDArray[np.float64], *, eyes_open: bool = True
) -> None:
    """Draw the person ``name`` into ``frame`` (in place) with placement ``m``."""
    if name == "astronaut":
        photo_person.composite(frame, m, eyes_open=eyes_open)
        return
    person = cutout(name, eyes_open)
    height, width = frame.shape[:2]
    warped = cv2.warpAffine(
        person.image, m, (width, height), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE
    )
    alpha = cv2.warpAffine(
        person.alpha, m, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )[..., None]
    blended = warped.astype(np.float32) * alpha + frame.astype(np.float32) * (1.0 - alpha)
    frame[:] = np.clip(blended, 0, 255).astype(np.uint8)


def main() -> int:
    """``python -m simulators.camera.real_faces``: fetch the portraits (bootstrap)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        folder = fetch()
    except FacesUnavailableError as exc:
        logger.error("%s", exc)
        return 1
    logger.info("portraits in %s", folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
