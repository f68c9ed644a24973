"""A camera made of image files: a folder of photographs, or one photograph (``file://``).

For staff checking a photo a citizen brought, for the demo without a camera, and for tests.
The preview is each image scaled to fit the preview size; the still is the image at full
size. Images are shown in name order and repeat. ``frames()`` yields as fast as the caller
takes them (the caller sets the pace).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from kiosk.devices.camera.opencv_camera import CameraLostError
from kiosk.devices.camera.protocol import PREVIEW_SIZE, Frame
from kiosk.devices.health import UNKNOWN_AT_START, Health, HealthState

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})


class ImageFolderCamera:
    """See the module docstring.

    Args:
        path: a folder of images or one image file.
        name: device name in health reports.
        preview_size: the box preview frames are scaled into.
    """

    def __init__(
        self, path: Path, *, name: str = "camera", preview_size: tuple[int, int] = PREVIEW_SIZE
    ) -> None:
        self.path = path
        self.name = name
        self.preview_size = preview_size
        self._closed = threading.Event()
        self._index = 0
        self._current: Frame | None = None
        self._health: Health = UNKNOWN_AT_START

    @property
    def health(self) -> Health:
        """``ok`` once an image was read, ``fault`` when there is none."""
        return self._health

    def _files(self) -> list[Path]:
        if self.path.is_file():
            return [self.path]
        if self.path.is_dir():
            return sorted(p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        return []

    def _next_image(self) -> Frame:
        files = self._files()
        for _ in range(len(files)):
            path = files[self._index % len(files)]
            self._index += 1
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is not None:
                self._health = Health(HealthState.OK)
                return np.asarray(image, dtype=np.uint8)
            logger.warning("camera %s: %s is not an image", self.name, path)
        self._health = Health(HealthState.FAULT, "no_images", f"{self.path}: no readable image")
        raise CameraLostError(f"camera {self.name}: no readable image in {self.path}")

    def _preview(self, image: Frame) -> Frame:
        width, height = self.preview_size
        factor = min(width / image.shape[1], height / image.shape[0])
        size = (max(1, round(image.shape[1] * factor)), max(1, round(image.shape[0] * factor)))
        return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)

    def frames(self) -> Iterator[Frame]:
        """Each image scaled to the preview size, in turn, until :meth:`close`."""
        while not self._closed.is_set():
            self._current = self._next_image()
            yield self._preview(self._current)

    def still(self) -> Frame:
        """The image the preview shows now, at full size."""
        if self._current is None:
            self._current = self._next_image()
        return self._current.copy()

    def close(self) -> None:
        """End the preview iterator."""
        self._closed.set()
