"""A V4L2 camera read through OpenCV's ``VideoCapture``.

Wiring: a USB (UVC) or CSI camera seen by V4L2 (``camera://0`` = ``/dev/video0``; use the
udev name, e.g. ``camera:///dev/kiosk-camera``). The preview runs at 1280x720; a still
switches the capture to the still size (V4L2 picks the nearest mode the camera has), drops
:attr:`OpenCvCamera.settle_frames` frames while the sensor settles, keeps one, and switches
back.

A camera that gives no frame for ``lost_after_empty_reads`` reads in a row (unplugged, USB
reset) is released, reported ``fault``/``disconnected`` and re-opened with back-off; the
preview iterator carries on by itself once it is back. The capture is injected
(``capture_factory``) so the simulator plugs in at the ``VideoCapture`` level.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import cv2
import numpy as np

from kiosk.devices.camera.protocol import PREVIEW_SIZE, Frame
from kiosk.devices.health import UNKNOWN_AT_START, Health, HealthState
from kiosk.errors import DeviceError

logger = logging.getLogger(__name__)

DEFAULT_STILL_SIZE = (2592, 1944)  # 5 MP; the camera answers with its nearest mode
DEFAULT_REOPEN_BACKOFF_S = (0.5, 10.0)
REASON_DISCONNECTED = "disconnected"


class CameraLostError(DeviceError, OSError):
    """Raised when the camera is not there or stops giving frames."""


class VideoCaptureLike(Protocol):
    """The part of ``cv2.VideoCapture`` the driver uses."""

    def isOpened(self) -> bool:  # noqa: N802 (OpenCV's name)
        """True when the device is open."""
        ...

    def read(self) -> tuple[bool, Any]:
        """``(ok, frame)``."""
        ...

    def set(self, prop: int, value: float) -> bool:
        """Set a capture property."""
        ...

    def get(self, prop: int) -> float:
        """Read a capture property."""
        ...

    def release(self) -> None:
        """Release the device."""
        ...


CaptureFactory = Callable[[int | str], VideoCaptureLike]
HealthCallback = Callable[[str, Health], object]


def _v4l2_capture(device: int | str) -> VideoCaptureLike:
    capture: VideoCaptureLike = cv2.VideoCapture(device, cv2.CAP_V4L2)
    if not capture.isOpened():
        capture.release()
        capture = cv2.VideoCapture(device)  # a video file or another back-end
    return capture


class OpenCvCamera:
    """See the module docstring.

    Args:
        device: V4L2 index or device path (or a video file).
        name: device name in health reports.
        preview_size: preview ``(width, height)``.
        still_size: still ``(width, height)`` requested from the camera.
        capture_factory: opens a capture; default ``cv2.VideoCapture`` on V4L2.
        reopen_backoff_s: ``(first, longest)`` wait between open attempts; doubles.
        lost_after_empty_reads: reads without a frame that mean the camera is lost.
        settle_frames: frames dropped after switching to the still size.
        on_health: called ``(name, health)`` on every change, on the reading thread.
    """

    def __init__(
        self,
        device: int | str,
        *,
        name: str = "camera",
        preview_size: tuple[int, int] = PREVIEW_SIZE,
        still_size: tuple[int, int] = DEFAULT_STILL_SIZE,
        capture_factory: CaptureFactory = _v4l2_capture,
        reopen_backoff_s: tuple[float, float] = DEFAULT_REOPEN_BACKOFF_S,
        lost_after_empty_reads: int = 3,
        settle_frames: int = 2,
        on_health: HealthCallback | None = None,
    ) -> None:
        first, longest = reopen_backoff_s
        if not 0 < first <= longest:
            raise ValueError(
                f"reopen back-off must be 0 < first <= longest, got {reopen_backoff_s}"
            )
        self.device = device
        self.name = name
        self.preview_size = preview_size
        self.still_size = still_size
        self.reopen_backoff_s = (first, longest)
        self.lost_after_empty_reads = max(1, lost_after_empty_reads)
        self.settle_frames = max(0, settle_frames)
        self.on_health = on_health
        self.opens = 0
        self.losses = 0
        self._factory = capture_factory
        self._capture: VideoCaptureLike | None = None
        self._lock = threading.RLock()
        self._closed = threading.Event()
        self._health: Health = UNKNOWN_AT_START

    @property
    def health(self) -> Health:
        """The last reported health."""
        return self._health

    def _report(self, health: Health) -> None:
        if health.same_as(self._health):
            return
        self._health = health
        if health.state is HealthState.OK:
            logger.info("camera %s on %s: ok", self.name, self.device)
        else:
            logger.warning(
                "camera %s: %s/%s: %s", self.name, health.state.value, health.reason, health.detail
            )
        if self.on_health is not None:
            try:
                self.on_health(self.name, health)
            except Exception:
                logger.exception("camera %s: health listener failed", self.name)

    def _open(self) -> VideoCaptureLike:
        with self._lock:
            if self._capture is not None:
                return self._capture
            try:
                capture = self._factory(self.device)
            except (OSError, cv2.error) as exc:
                raise CameraLostError(f"camera {self.device}: {exc}") from exc
            if not capture.isOpened():
                capture.release()
                raise CameraLostError(f"camera {self.device}: cannot be opened")
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.preview_size[0])
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.preview_size[1])
            self._capture = capture
            self.opens += 1
            self._report(Health(HealthState.OK))
            return capture

    def _lose(self, detail: str) -> None:
        with self._lock:
            capture, self._capture = self._capture, None
            if capture is not None:
                self.losses += 1
                try:
                    capture.release()
                except (OSError, cv2.error) as exc:
                    logger.debug("camera %s: release failed: %s", self.name, exc)
        self._report(Health(HealthState.FAULT, REASON_DISCONNECTED, f"{self.device}: {detail}"))

    def _read(self, capture: VideoCaptureLike) -> Frame | None:
        try:
            ok, frame = capture.read()
        except (OSError, cv2.error) as exc:
            raise CameraLostError(f"camera {self.device}: {exc}") from exc
        if not ok or frame is None:
            return None
        return np.asarray(frame, dtype=np.uint8)

    def frames(self) -> Iterator[Frame]:
        """Preview frames until :meth:`close`; lost cameras are re-opened with back-off."""
        first, longest = self.reopen_backoff_s
        backoff = first
        empty = 0
        while not self._closed.is_set():
            try:
                capture = self._open()
            except CameraLostError as exc:
                self._lose(str(exc))
                if self._closed.wait(backoff):
                    return
                backoff = min(backoff * 2, longest)
                continue
            backoff = first
            with self._lock:
                frame = self._read(capture) if self._capture is capture else None
            if frame is None:
                empty += 1
                if empty >= self.lost_after_empty_reads:
                    empty = 0
                    self._lose(f"no frame in {self.lost_after_empty_reads} reads")
                    if self._closed.wait(first):
                        return
                continue
            empty = 0
            yield frame

    def still(self) -> Frame:
        """One frame at :attr:`still_size` (see the module docstring).

        Raises:
            CameraLostError: the camera is not there or gave no frame.
        """
        with self._lock:
            capture = self._open()
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.still_size[0])
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.still_size[1])
            try:
                frame: Frame | None = None
                seen = 0
                for _ in range(self.settle_frames + self.lost_after_empty_reads):
                    got = self._read(capture)
                    if got is None:
                        continue
                    frame, seen = got, seen + 1
                    if seen > self.settle_frames:
                        break
            finally:
                capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.preview_size[0])
                capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.preview_size[1])
            if frame is None:
                self._lose("no frame for the still")
                raise CameraLostError(f"camera {self.device}: no frame for the still")
            logger.info("camera %s: still %dx%d", self.name, frame.shape[1], frame.shape[0])
            return frame

    def close(self) -> None:
        """Stop the preview iterator and release the camera."""
        self._closed.set()
        with self._lock:
            capture, self._capture = self._capture, None
        if capture is not None:
            capture.release()
