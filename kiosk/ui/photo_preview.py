"""The photo booth's live preview: camera frames from a worker thread to a QML image.

The preview never uses QtMultimedia: a worker thread (:class:`PreviewPump`) reads
``Camera.frames()`` through the photo service, runs the guidance at ``preview_fps`` (10 by
default: a Haar pass on 1280x720 takes ~30 ms here), turns the frame into a mirrored,
screen-sized ``QImage`` and hands both on (the view-model sends them to the GUI thread with a
queued signal). QML shows the frame through :class:`CameraImageProvider` as
``image://camera/<n>``; ``n`` changes with every frame so the Image reloads. The checked
photo is served by the same provider as ``image://camera/result/<n>``.
"""

# ruff: noqa: N802 - Qt names are camelCase

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Protocol

import cv2
import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage
from PySide6.QtQuick import QQuickImageProvider

from kiosk.core.handover.loading import StaffSignIn
from kiosk.core.photo.detect import Image
from kiosk.core.photo.guidance import Guidance, PhotoGuide
from kiosk.core.photo.result import AcceptedPhoto, PhotoResult, PhotoSettings
from kiosk.core.photo.review import StaffApproval
from kiosk.devices.health import Health

log = logging.getLogger(__name__)

PROVIDER_ID = "camera"
"""The QML image provider's name (``image://camera/...``)."""
PREVIEW_WIDTH = 960  # the frame is scaled to this width for the screen (16:9 → 960x540)


class PhotoBooth(Protocol):
    """What the screens need from the photo service (``PhotoBoothService`` fits)."""

    settings: PhotoSettings

    def guide(self) -> PhotoGuide:
        """A guidance object for the preview thread."""
        ...

    def preview_frames(self) -> Iterator[Image]:
        """The camera's live frames (blocks while the camera is lost)."""
        ...

    def camera_health(self) -> Health:
        """The camera's health now."""
        ...

    def take_still(self) -> Image:
        """One full-resolution still (raises DeviceError)."""
        ...

    def hold_camera_height(self, held: bool) -> None:
        """Keep a motorised camera mount where it is during the countdown (True), or free it."""
        ...

    def capture(self, still: Image) -> PhotoResult:
        """Check a still."""
        ...

    def approve(self, result: PhotoResult, sign_in: StaffSignIn, reason: str) -> StaffApproval:
        """A signed-in staff member's approval (raises StaffApprovalRefusedError)."""
        ...

    def accept(
        self, result: PhotoResult, language: str = "ja", approval: StaffApproval | None = None
    ) -> AcceptedPhoto:
        """Store an acceptable (or staff-approved) photo and print its receipt."""
        ...


def bgr_to_qimage(frame: Image, width: int, *, mirror: bool) -> QImage:
    """A BGR frame as an RGB ``QImage`` ``width`` px wide (mirrored for a preview)."""
    height = max(1, round(frame.shape[0] * width / frame.shape[1]))
    small = cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)
    if mirror:
        small = cv2.flip(small, 1)
    rgb = np.ascontiguousarray(cv2.cvtColor(small, cv2.COLOR_BGR2RGB))
    image = QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    return image.copy()  # NOTE: own the pixels; ``rgb`` is freed when this returns


class CameraImageProvider(QQuickImageProvider):
    """Serves ``image://camera/<n>`` (the latest preview frame) and ``image://camera/result/<n>``.

    Thread-safe: the preview pump stores frames from its thread; Qt reads on the GUI thread.
    """

    def __init__(self) -> None:
        super().__init__(QQuickImageProvider.ImageType.Image)
        self._lock = threading.Lock()
        self._images: dict[str, QImage] = {}

    def put(self, kind: str, image: QImage) -> None:
        """Store the image served for ``kind`` (``live`` or ``result``)."""
        with self._lock:
            self._images[kind] = image

    def clear(self) -> None:
        """Forget every image (the person left: nothing of their face is kept)."""
        with self._lock:
            self._images.clear()

    def holds_images(self) -> bool:
        """True while an image is kept (tests of session privacy)."""
        with self._lock:
            return bool(self._images)

    def requestImage(self, image_id: str, size: QSize, requested_size: QSize) -> QImage:
        """The latest image of the kind the id names (a grey frame before the first)."""
        kind = "result" if image_id.startswith("result/") else "live"
        with self._lock:
            image = self._images.get(kind)
        if image is None:
            image = QImage(16, 9, QImage.Format.Format_RGB888)
            image.fill(Qt.GlobalColor.darkGray)
        if size is not None:
            size.setWidth(image.width())
            size.setHeight(image.height())
        return image


class PreviewPump:
    """Reads preview frames on its own thread, runs guidance, hands them on at ``fps``.

    One thread for the kiosk's life (it is started on the first preview). :meth:`pause` stops
    the handing on; the thread then leaves the camera's frame iterator and waits. While the
    camera is lost the iterator blocks inside the driver (which re-opens it with back-off).
    """

    def __init__(
        self,
        booth: PhotoBooth,
        fps: float,
        on_frame: Callable[[int, QImage, Guidance], None],
    ) -> None:
        self._booth = booth
        self._interval = 1.0 / max(0.5, fps)
        self._on_frame = on_frame
        self._running = threading.Event()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        self.frames = 0

    def start(self) -> None:
        """Hand frames on (starts the thread the first time)."""
        self._running.set()
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="photo-preview", daemon=True)
            self._thread.start()

    def pause(self) -> None:
        """Stop handing frames on (the thread leaves the camera iterator)."""
        self._running.clear()

    def close(self, timeout: float = 5.0) -> bool:
        """End the thread; True when it ended (it may be blocked in a lost camera)."""
        self._closed.set()
        self._running.set()  # wake it
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def _run(self) -> None:
        guide = self._booth.guide()
        while not self._closed.is_set():
            self._running.wait()
            if self._closed.is_set():
                return
            try:
                self._pump(guide)
            except Exception:  # NOTE: the preview thread must outlive any frame's error
                log.exception("photo preview failed; retrying")
                self._closed.wait(self._interval)

    def _pump(self, guide: PhotoGuide) -> None:
        for frame in self._booth.preview_frames():
            if self._closed.is_set() or not self._running.is_set():
                return
            started = time.monotonic()
            guidance = guide.advise(frame)
            image = bgr_to_qimage(frame, PREVIEW_WIDTH, mirror=True)
            self.frames += 1
            self._on_frame(self.frames, image, guidance)
            # NOTE: rate limit, not a sleep for the tests: the camera delivers 30 fps (the
            # simulator as fast as asked); guidance at ``fps`` keeps one core mostly idle.
            remaining = self._interval - (time.monotonic() - started)
            if remaining > 0 and self._closed.wait(remaining):
                return


__all__ = [
    "PREVIEW_WIDTH",
    "PROVIDER_ID",
    "CameraImageProvider",
    "PhotoBooth",
    "PreviewPump",
    "bgr_to_qimage",
]
