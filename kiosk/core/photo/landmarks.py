"""Faces and their 68 landmarks with dlib: the chin, the eye lids, the face outline, the roll.

:class:`DlibFaceDetector` finds faces with dlib's HOG detector (``get_frontal_face_detector``;
the CNN ``mmod`` detector is measured in ``bench/photo_detectors.py`` too) and places the
68-point iBUG landmarks of ``shape_predictor_68_face_landmarks.dat``, shipped by the
``face-recognition-models`` package (dlib itself comes as the prebuilt ``dlib-bin`` wheel,
x86_64 and aarch64). The landmarks give directly what the Haar pipeline had to guess:

* the chin: point 8 (the bottom of the jaw line);
* the eyes: points 36-41 and 42-47 (their centroid is the eye centre; glasses frames are
  never taken for eyes since the points follow the lids, not dark rings);
* the eye lids' opening: the eye aspect ratio (EAR, Soukupová and Čech 2016),
  ``(|p2-p6| + |p3-p5|) / (2 |p1-p4|)``, about 0.3 open and under 0.15 closed;
* the face outline: the jaw line, points 0-16 (0 and 16 sit by the ears at eye height);
* the roll: the line through the two eye centres.

The chosen detector by measurement (README, photo section) is :func:`default_detector`.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import threading
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from kiosk.core.photo.detect import Box, FaceDetection, FaceDetector, HaarFaceDetector, Image
from kiosk.core.photo.detect import to_gray as _to_gray

logger = logging.getLogger(__name__)

Point = tuple[float, float]
LEFT_EYE = range(36, 42)  # the eye on the image's left (the person's right eye)
RIGHT_EYE = range(42, 48)
JAW = range(0, 17)
CHIN = 8
PREDICTOR_FILE = "shape_predictor_68_face_landmarks.dat"
CNN_FILE = "mmod_human_face_detector.dat"


def models_dir() -> Path | None:
    """The ``models`` folder of the installed ``face_recognition_models`` package, or None.

    NOTE: the package's own ``__init__`` imports ``pkg_resources`` (setuptools), which a
    plain venv lacks; its files are found without importing it.
    """
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    return folder if (folder / PREDICTOR_FILE).is_file() else None


def available() -> bool:
    """True when dlib and the landmark model are installed."""
    return importlib.util.find_spec("dlib") is not None and models_dir() is not None


def eye_aspect_ratio(points: tuple[Point, ...]) -> float:
    """The eye aspect ratio of six eye landmarks (corner, two upper, corner, two lower)."""
    p1, p2, p3, p4, p5, p6 = points
    width = math.dist(p1, p4)
    if width <= 0:
        return 0.0
    return (math.dist(p2, p6) + math.dist(p3, p5)) / (2.0 * width)


def eye_points(detection: FaceDetection, left: bool) -> tuple[Point, ...]:
    """The six landmarks of the eye on the image's left (``left``) or right; () without."""
    if len(detection.landmarks) != 68:
        return ()
    return tuple(detection.landmarks[i] for i in (LEFT_EYE if left else RIGHT_EYE))


def _box_around(points: list[Point], grow: float) -> Box:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    w, h = max(xs) - min(xs), max(ys) - min(ys)
    side = max(w, h * 2.0) * (1 + grow)
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return Box(round(cx - side / 2), round(cy - side / 4), round(side), round(side / 2))


class DlibFaceDetector:
    """Faces with dlib (HOG or CNN) and their 68 landmarks.

    Args:
        work_width: the image is shrunk to this width for finding faces (0 = full size);
            the landmarks are placed on the full image.
        upsample: dlib's pyramid up-sampling (0: faces of 80 px and more in the work image).
        cnn: use the CNN ``mmod`` detector (much slower without a GPU) instead of HOG.
        retry_width: when no face is found, look once more at this width (a small face
            far from the camera, a still's face under 80 px at ``work_width``); 0 = never.

    Raises:
        FileNotFoundError: dlib or the models are not installed.
    """

    def __init__(
        self,
        *,
        work_width: int = 640,
        upsample: int = 0,
        cnn: bool = False,
        retry_width: int = 1280,
    ) -> None:
        folder = models_dir()
        if importlib.util.find_spec("dlib") is None or folder is None:
            raise FileNotFoundError("dlib-bin and face-recognition-models are needed")
        self._folder = folder
        self._models: tuple[Any, Any, Any] | None = None
        self._lock = threading.Lock()
        self.cnn = cnn
        self.work_width = work_width
        self.retry_width = retry_width
        self.upsample = upsample
        self.name = "dlib:cnn+68" if cnn else "dlib:hog+68"

    def load(self) -> None:
        """Load dlib and the models now; otherwise the first :meth:`detect` does (about a
        second and 30-40 MB: a kiosk whose booth is never used never pays it)."""
        self._loaded()

    def _loaded(self) -> tuple[Any, Any, Any]:
        with self._lock:
            if self._models is None:
                import dlib  # type: ignore[import-untyped]  # the booth's first frame

                detector = (
                    dlib.cnn_face_detection_model_v1(str(self._folder / CNN_FILE))
                    if self.cnn
                    else dlib.get_frontal_face_detector()
                )
                predictor = dlib.shape_predictor(str(self._folder / PREDICTOR_FILE))
                self._models = (dlib, detector, predictor)
                logger.info("face landmarks loaded (%s)", self.name)
            return self._models

    def detect(self, gray: Image) -> list[FaceDetection]:
        """Faces in ``gray`` (BGR accepted), largest first, each with eyes and 68 landmarks."""
        dlib, _, predictor = self._loaded()
        gray = _to_gray(gray)
        rects, factor = self._find(gray, self.work_width)
        if not rects and self.retry_width > self.work_width:
            rects, factor = self._find(gray, self.retry_width)
        detections = []
        for r in rects:
            big = dlib.rectangle(
                round(r.left() * factor),
                round(r.top() * factor),
                round(r.right() * factor),
                round(r.bottom() * factor),
            )
            shape = predictor(gray, big)
            points = tuple((float(p.x), float(p.y)) for p in shape.parts())
            left = [points[i] for i in LEFT_EYE]
            right = [points[i] for i in RIGHT_EYE]
            face = Box(big.left(), big.top(), big.width(), big.height())
            eyes = (_box_around(left, 0.3), _box_around(right, 0.3))
            pupils = (_centroid(left), _centroid(right))
            detections.append(FaceDetection(face, eyes, pupils, points))
        detections.sort(key=lambda d: -d.face.w * d.face.h)
        return detections

    def _find(self, gray: Image, work_width: int) -> tuple[list[Any], float]:
        """Face rectangles in ``gray`` shrunk to ``work_width``, and the shrink factor."""
        height, width = gray.shape[:2]
        factor = 1.0
        work = gray
        if work_width and width > work_width:
            factor = width / work_width
            work = np.asarray(
                cv2.resize(
                    gray, (work_width, round(height / factor)), interpolation=cv2.INTER_AREA
                ),
                dtype=np.uint8,
            )
        found = self._loaded()[1](work, self.upsample)
        return ([r.rect for r in found] if self.cnn else list(found)), factor


def _centroid(points: list[Point]) -> Point:
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def default_detector() -> FaceDetector:
    """The detector chosen by measurement (README): dlib HOG + 68 landmarks; OpenCV's Haar
    cascades when dlib or its model is not installed (logged: the glasses, chin and lid
    measures are then the older estimates)."""
    if available():
        return DlibFaceDetector()
    logger.warning("dlib or face-recognition-models missing: photo checks use Haar cascades")
    return HaarFaceDetector()
