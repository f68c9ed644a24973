"""A code scanner made of a camera and a QR decoder.

Wiring: a V4L2 camera (``camera://0`` = ``/dev/video0``) read through OpenCV's
``VideoCapture``, or any frame source (a generated scene in tests and the demo). Each frame is
turned to grayscale and given to a :class:`~kiosk.devices.scanner.decoders.QrDecoder`
(zxing-cpp by default: see ``bench/qr_decoders.py``). A code stays in view for many frames, so
the repeat filter makes it one scan. A camera that stops giving frames (unplugged) is
``fault``/``disconnected`` and is opened again with back-off.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

import cv2
import numpy as np
import numpy.typing as npt

from kiosk.devices.scanner.decoders import GrayImage, QrDecoder, make_decoder
from kiosk.devices.scanner.framing import clean_text
from kiosk.devices.scanner.protocol import MAX_CODE_LENGTH, ScannedCode
from kiosk.devices.scanner.reconnecting import (
    DEFAULT_REOPEN_BACKOFF_S,
    DeviceLostError,
    ReconnectingScanner,
)
from kiosk.devices.scanner.repeat_filter import DEFAULT_REPEAT_WINDOW_S
from kiosk.devices.url import parse_device_url
from kiosk.errors import DeviceUrlError, TransportError

logger = logging.getLogger(__name__)

Frame = npt.NDArray[np.uint8]


class FrameSource(Protocol):
    """Where frames come from: a camera, a video file, generated images."""

    def read(self) -> Frame | None:
        """The next frame (BGR or grayscale); None when the source is lost or ended."""
        ...

    def close(self) -> None:
        """Release the source."""
        ...


FrameSourceOpener = Callable[[], FrameSource]


class VideoCaptureSource:
    """An OpenCV ``VideoCapture`` (a V4L2 camera by index or path).

    Args:
        device: camera index (``0`` for ``/dev/video0``) or a device path / video file.
        width: requested frame width (1280).
        height: requested frame height (720).

    Raises:
        TransportError: the camera cannot be opened.
    """

    def __init__(self, device: int | str, *, width: int = 1280, height: int = 720) -> None:
        self.device = device
        self._capture: Any = cv2.VideoCapture(device)
        if not self._capture.isOpened():
            self._capture.release()
            raise TransportError(f"camera {device}: cannot be opened")
        self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)

    def read(self) -> Frame | None:
        """The next frame, or None when the camera gave none (lost)."""
        ok, frame = self._capture.read()
        return frame if ok else None

    def close(self) -> None:
        """Release the camera."""
        self._capture.release()


def camera_opener(url: str) -> FrameSourceOpener:
    """A function that opens the camera a ``camera://N`` (or ``camera:///dev/video0``) URL names.

    Raises:
        DeviceUrlError: not a camera URL.
    """
    parsed = parse_device_url(url)
    if parsed.scheme != "camera":
        raise DeviceUrlError(f"{url}: expected camera://INDEX or camera:///dev/videoN")
    where = parsed.path or "0"
    device: int | str = int(where) if where.isdigit() else where
    width = parsed.param_int("width", 1280)
    height = parsed.param_int("height", 720)
    return lambda: VideoCaptureSource(device, width=width, height=height)


def to_gray(frame: Frame) -> GrayImage:
    """A grayscale view of a BGR, BGRA or already grayscale frame."""
    if frame.ndim == 2:
        return frame
    code = cv2.COLOR_BGRA2GRAY if frame.shape[2] == 4 else cv2.COLOR_BGR2GRAY
    return np.asarray(cv2.cvtColor(frame, code), dtype=np.uint8)


class CameraScanner(ReconnectingScanner):
    """QR codes read from camera frames (see the module docstring).

    Args:
        source: ``camera://N`` or a function that opens a :class:`FrameSource`.
        name: device name in health reports and on each code.
        decoder: the QR decoder; None builds the default (zxing-cpp).
        repeat_window_s: the same code again within this many seconds is one scan.
        reopen_backoff_s: ``(first, longest)`` wait between attempts to open the camera.
        frame_interval_s: least time between two decoded frames (0: every frame).
        lost_after_empty_reads: this many reads in a row without a frame mean the camera is
            lost (a V4L2 camera may drop a single frame).
    """

    def __init__(
        self,
        source: str | FrameSourceOpener,
        *,
        name: str = "camera",
        decoder: QrDecoder | None = None,
        repeat_window_s: float = DEFAULT_REPEAT_WINDOW_S,
        reopen_backoff_s: tuple[float, float] = DEFAULT_REOPEN_BACKOFF_S,
        frame_interval_s: float = 0.0,
        lost_after_empty_reads: int = 3,
    ) -> None:
        if isinstance(source, str):
            describe = source
            opener = camera_opener(source)
        else:
            describe = getattr(source, "__name__", "frame source")
            opener = source
        super().__init__(
            name, describe, repeat_window_s=repeat_window_s, reopen_backoff_s=reopen_backoff_s
        )
        self.decoder = decoder if decoder is not None else make_decoder()
        self.frame_interval_s = frame_interval_s
        self.lost_after_empty_reads = max(1, lost_after_empty_reads)
        self.frames_read = 0
        self._opener = opener
        self._source: FrameSource | None = None

    def _open_device(self) -> None:
        self._source = self._opener()

    def _close_device(self) -> None:
        source, self._source = self._source, None
        if source is not None:
            try:
                source.close()
            except (OSError, cv2.error) as exc:
                logger.debug("camera %s: close failed: %s", self.name, exc)

    def _serve(self) -> None:
        source = self._source
        assert source is not None
        empty = 0
        next_frame = 0.0
        while not self._stopping.is_set():
            if self.frame_interval_s > 0:
                wait = next_frame - time.monotonic()
                if wait > 0 and self._stopping.wait(wait):
                    return
                next_frame = time.monotonic() + self.frame_interval_s
            try:
                frame = source.read()
            except (OSError, cv2.error) as exc:
                raise DeviceLostError(str(exc)) from exc
            if frame is None:
                empty += 1
                if empty >= self.lost_after_empty_reads:
                    raise DeviceLostError(f"no frame in {empty} reads")
                continue
            empty = 0
            self.frames_read += 1
            self.process_frame(frame)

    def process_frame(self, frame: Frame) -> list[ScannedCode]:
        """Decode one frame and deliver its codes; returns them (repeats included)."""
        received = time.monotonic()
        texts = self.decoder.decode(to_gray(frame))
        codes = []
        for text in texts:
            truncated = len(text) > MAX_CODE_LENGTH
            clean, stripped = clean_text(text[:MAX_CODE_LENGTH])
            if not clean:
                continue
            code = ScannedCode(clean, self.name, received, truncated=truncated, stripped=stripped)
            codes.append(code)
            self._deliver(code)
        return codes
