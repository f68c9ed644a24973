"""QR decoders for camera frames, behind one signature: ``decode(gray) -> list[str]``.

Measured on generated phone-screen frames (``bench/qr_decoders.py``, 1280x720, one thread):
zxing-cpp decodes the most codes in the least time, and reads dark-mode (inverted) codes by
itself, so it is the default. pyzbar and OpenCV's detectors are kept for comparison and as
fall-backs; they only see inverted codes because their adapters try the inverted frame when the
plain one gives nothing.

Every adapter takes an 8-bit grayscale ``numpy`` array (H x W) and returns the decoded texts
(possibly none). Bytes that are not UTF-8 are read with the same fall-back as the serial framer
(Shift_JIS, then Latin-1). An adapter never raises for an unreadable frame.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

import cv2
import numpy as np
import numpy.typing as npt

from kiosk.devices.scanner.framing import decode_payload
from kiosk.errors import ConfigError

logger = logging.getLogger(__name__)

GrayImage = npt.NDArray[np.uint8]
DEFAULT_DECODER = "zxing"


class QrDecoder(Protocol):
    """Finds and decodes the QR codes in one grayscale frame."""

    name: str

    def decode(self, gray: GrayImage) -> list[str]:
        """The texts of the QR codes found in ``gray`` (H x W, uint8)."""
        ...


class ZxingDecoder:
    """zxing-cpp (``zxingcpp.read_barcodes``), QR only, inverted codes included."""

    name = "zxing"

    def __init__(self) -> None:
        import zxingcpp

        self._zxing = zxingcpp
        self._formats: Any = zxingcpp.BarcodeFormat.QRCode

    def decode(self, gray: GrayImage) -> list[str]:
        """See :class:`QrDecoder`."""
        results = self._zxing.read_barcodes(gray, formats=self._formats, try_invert=True)
        texts: list[str] = []
        for result in results:
            raw = bytes(result.bytes)
            texts.append(decode_payload(raw)[0] if raw else str(result.text))
        return texts


class PyzbarDecoder:
    """pyzbar (ZBar), QR only; tries the inverted frame when the plain one gives nothing.

    Needs the system library ``libzbar0``.
    """

    name = "pyzbar"

    def __init__(self) -> None:
        from pyzbar import pyzbar

        self._pyzbar = pyzbar
        self._symbols = [pyzbar.ZBarSymbol.QRCODE]

    def _once(self, gray: GrayImage) -> list[str]:
        results = self._pyzbar.decode(gray, symbols=self._symbols)
        return [decode_payload(bytes(r.data))[0] for r in results]

    def decode(self, gray: GrayImage) -> list[str]:
        """See :class:`QrDecoder`."""
        return self._once(gray) or self._once(np.invert(gray))


class OpenCvDecoder:
    """OpenCV's ``QRCodeDetector`` (or ``QRCodeDetectorAruco``); inverted frame as fall-back.

    Args:
        aruco: use ``QRCodeDetectorAruco`` (OpenCV 4.8+), whose finder-pattern search is the
            ArUco one.
    """

    def __init__(self, *, aruco: bool = False) -> None:
        self.name = "opencv-aruco" if aruco else "opencv"
        self._detector: Any = cv2.QRCodeDetectorAruco() if aruco else cv2.QRCodeDetector()

    def _once(self, gray: GrayImage) -> list[str]:
        try:
            found, texts, _points, _ = self._detector.detectAndDecodeMulti(gray)
        except cv2.error as exc:
            logger.debug("%s: detector failed on a frame: %s", self.name, exc)
            return []
        if not found:
            return []
        return [str(text) for text in texts if text]

    def decode(self, gray: GrayImage) -> list[str]:
        """See :class:`QrDecoder`."""
        return self._once(gray) or self._once(np.invert(gray))


DECODERS: dict[str, Callable[[], QrDecoder]] = {
    "zxing": ZxingDecoder,
    "pyzbar": PyzbarDecoder,
    "opencv": OpenCvDecoder,
}
if hasattr(cv2, "QRCodeDetectorAruco"):
    DECODERS["opencv-aruco"] = lambda: OpenCvDecoder(aruco=True)


def available_decoders() -> list[str]:
    """Names of the decoders that can be built here (pyzbar needs libzbar0)."""
    names = []
    for name, factory in DECODERS.items():
        try:
            factory()
        except (ImportError, OSError) as exc:
            logger.info("QR decoder %s unavailable: %s", name, exc)
            continue
        names.append(name)
    return names


def make_decoder(name: str = DEFAULT_DECODER) -> QrDecoder:
    """Build a decoder by name (``zxing``, ``pyzbar``, ``opencv``, ``opencv-aruco``).

    Raises:
        ConfigError: an unknown name, or its library is missing.
    """
    factory = DECODERS.get(name)
    if factory is None:
        raise ConfigError("scanner.decoder", name, f"known decoders: {', '.join(DECODERS)}")
    try:
        return factory()
    except (ImportError, OSError) as exc:
        raise ConfigError("scanner.decoder", name, f"its library cannot be loaded: {exc}") from exc
