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
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

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


@dataclass(frozen=True)
class CloserLook:
    """One more zxing-cpp pass over the code's region: smoothed, sharpened, then enlarged.

    The smoothing and sharpening run on the region as cut from the frame, before the
    enlargement: a quarter of the pixels to filter. Of the 328 phone-like frames of the tuning
    seeds that the first pass missed (with a code region), that look alone read 281 in 1.9 ms,
    the same filters after the enlargement 282 in 3.4 ms (``python -m bench.qr_decoders
    --looks``).

    Attributes:
        scale: enlargement of the region (bicubic); small, blurred modules become several
            pixels wide, which zxing-cpp's binarizer and sampling grid need.
        smooth_sigma: Gaussian sigma of a smoothing before sharpening, in pixels of the region
            (0: none); it keeps the sharpening from amplifying sensor noise.
        sharpen_sigma: Gaussian sigma of the unsharp mask, in pixels of the region (0: no
            sharpening).
        sharpen_amount: weight of the unsharp mask (0: no sharpening).
        binarizers: zxing-cpp's binarizers to try, in turn, on the same prepared image:
            ``local`` (LocalAverage) or ``global`` (GlobalHistogram, which suits a region that
            is mostly the code: its histogram has the code's two levels).
        filter_enlarged: smooth and sharpen after the enlargement rather than before (sigmas
            then scaled with it): a smoother result, for four times the filtering.
    """

    scale: float
    smooth_sigma: float = 0.0
    sharpen_sigma: float = 0.0
    sharpen_amount: float = 0.0
    binarizers: tuple[Literal["local", "global"], ...] = ("local",)
    filter_enlarged: bool = False


# Chosen by the zxing-cpp table of ``python -m bench.qr_decoders`` on the tuning seeds 1-3 and
# checked on the held-out seeds 11-14 (README's figures): a smoothed-then-sharpened look, read
# with the local then the global binarizer (the second reads 13 more of the 328 phone-like
# frames the first pass missed, on the same image: no filtering again), then a plain
# enlargement (``--looks`` table: 294 and 256 of 328 alone).
DEFAULT_CLOSER_LOOKS: tuple[CloserLook, ...] = (
    CloserLook(
        2.0, smooth_sigma=0.7, sharpen_sigma=1.5, sharpen_amount=2.5, binarizers=("local", "global")
    ),
    CloserLook(2.0),
)
THIRD_LOOK = CloserLook(1.5, sharpen_sigma=2.5, sharpen_amount=1.5, binarizers=("global",))
# CPU time of the decoding thread after which no further pass starts at a frame (see
# ZxingDecoder): the closer looks and the inverted pass are spent on frames the first pass
# could not read, and those (misses, frames with no code) made the p99. On the tuning seeds,
# 8 ms read as many frames as no limit in two runs (7 ms: as many, or 2 fewer of 780), p99
# 5.9-6.1 ms, no code in view 7.1-7.3 ms. Frames near the limit make the reads depend a little
# on the machine's load: held-out 97.6-97.9 % over two runs with the load at 5 on 2 cores.
DEFAULT_BUDGET_MS = 8.0
_REGION_CELL = 8  # frame pixels per cell of the texture map that finds the code's region
_REGION_MIN_CELLS = 64  # smaller textured patches (a word, a button) are not a code worth a look
_REGION_PAD_CELLS = 2
# A textured region bigger than this is clutter, or a code big enough for the first pass; it
# would cost the closer looks 15-20 ms on a frame with no code. The largest region of a code
# the first pass missed was 323,000 px in the bench's frames.
_REGION_MAX_PIXELS = 340_000
_CLOSER_LOOK_MAX_PIXELS = 700_000  # a large region is enlarged less: it bounds the time
_LEARNING_RATE = 0.2  # weight of the newest frame in the running means of the costs
_INITIAL_COST_RATIO = 1.0  # a closer look over a first pass of as many pixels, about
_GRADIENT_KERNEL = np.ones((2, 2), dtype=np.uint8)
# Share of a region's pixels above its Otsu threshold under which its code is more likely
# light-on-dark: about 0.57 for dark modules on a light screen (the quiet zone and the screen
# around the code are light), 0.39 for dark mode, on the bench's frames. It only orders the
# two polarities of a look; both are always tried.
_DARK_MODE_LIGHT_SHARE = 0.47


def code_region(gray: GrayImage) -> tuple[int, int, int, int] | None:
    """The most textured region of the frame, where a code most likely is, or None.

    A QR code is the densest patch of edges in a phone-held-up frame: the morphological
    gradient of the frame at half size, averaged over cells of 8x8 frame pixels, split in two
    by Otsu's threshold; the largest connected patch (at least 64 cells), padded by two cells.
    About 0.4 ms on a 1280x720 frame (1.0 ms at full size, which read no more codes).

    Returns:
        ``(x0, y0, x1, y1)`` in frame pixels, or None when nothing stands out or the patch is
        larger than 340,000 px (clutter, or a code large enough for a plain pass).
    """
    height, width = gray.shape
    cols, rows = width // _REGION_CELL, height // _REGION_CELL
    if cols < 4 or rows < 4:
        return None
    half = cv2.resize(gray, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
    edges = cv2.morphologyEx(half, cv2.MORPH_GRADIENT, _GRADIENT_KERNEL)
    energy = cv2.blur(cv2.resize(edges, (cols, rows), interpolation=cv2.INTER_AREA), (3, 3))
    _, mask = cv2.threshold(energy, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(mask)
    if count < 2:
        return None
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h, area = (int(v) for v in stats[best])
    if area < _REGION_MIN_CELLS:
        return None
    pad = _REGION_PAD_CELLS
    x0, y0 = max(0, (x - pad) * _REGION_CELL), max(0, (y - pad) * _REGION_CELL)
    x1, y1 = min(width, (x + w + pad) * _REGION_CELL), min(height, (y + h + pad) * _REGION_CELL)
    if (x1 - x0) * (y1 - y0) > _REGION_MAX_PIXELS:
        return None
    return x0, y0, x1, y1


def looks_light_on_dark(region: GrayImage) -> bool:
    """Whether the region's code is more likely light modules on a dark screen (dark mode).

    Less than 47 % of the region's pixels above its Otsu threshold: a light-on-dark code
    (0.39 typical) rather than dark-on-light (0.57, its quiet zone and screen being light).
    """
    threshold, _ = cv2.threshold(region, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return float(np.count_nonzero(region > threshold)) < _DARK_MODE_LIGHT_SHARE * region.size


class ZxingDecoder:
    """zxing-cpp (``zxingcpp.read_barcodes``), QR only, inverted and mirrored codes included.

    One pass over the whole frame (LocalAverage binarizer, with zxing-cpp's own downscaled
    passes); when it finds nothing, a closer look at the frame's most textured region
    (:func:`code_region`): smoothed, sharpened and enlarged, once per :class:`CloserLook`,
    both polarities (the likelier one first, :func:`looks_light_on_dark`); last, the whole
    frame inverted. Phone-held codes that are small, slightly blurred, tilted and dim together
    mostly fail the first pass and are read by a closer look (``bench/qr_decoders.py``).

    The extra passes run only while the frame's CPU time (of the decoding thread) leaves room
    for them within ``budget_ms``. A look's cost is estimated from the frame's first pass (its
    CPU time per pixel: this core's speed on this frame) times the pixels the look reads,
    times that look's running cost ratio learnt from the frames it failed on; the inverted pass
    costs about as much as the first pass. The budget is CPU time on this core: a slower core
    (a Raspberry Pi's, about 2x) takes fewer looks within the same budget, and needs a larger
    one (up to the camera's frame interval) to read as much. Frames where every pass fails
    (no code in view, the most common frame, or an unreadable one) are what made the p99
    (11-15 ms before the budget); a code held up stays in view for many frames.

    Args:
        closer_looks: the passes over the code's region after a first pass that read nothing
            (empty: the first pass only).
        budget_ms: the CPU milliseconds a frame may take, after which no further pass
            starts (None: no limit; 0: the first pass only).
    """

    name = "zxing"

    def __init__(
        self,
        *,
        closer_looks: tuple[CloserLook, ...] = DEFAULT_CLOSER_LOOKS,
        budget_ms: float | None = DEFAULT_BUDGET_MS,
    ) -> None:
        import zxingcpp

        self._zxing = zxingcpp
        self._formats: Any = zxingcpp.BarcodeFormat.QRCode
        self._binarizers: dict[str, Any] = {
            "local": zxingcpp.Binarizer.LocalAverage,
            "global": zxingcpp.Binarizer.GlobalHistogram,
        }
        self.closer_looks = closer_looks
        self.budget_ms = budget_ms
        # Each look's cost, when it reads nothing, in first passes over as many pixels: learnt
        # from the frames (the filters, the binarizers and both polarities).
        self._cost_ratios = [_INITIAL_COST_RATIO] * len(closer_looks)
        # With closer looks, the whole frame's inverted (dark-mode) pass comes last: most
        # dark-mode codes are read by a closer look (each tries its region inverted).
        self._first_invert = not closer_looks

    def _texts(self, results: Any) -> list[str]:
        texts: list[str] = []
        for result in results:
            raw = bytes(result.bytes)
            texts.append(decode_payload(raw)[0] if raw else str(result.text))
        return texts

    @staticmethod
    def _look_scale(region: GrayImage, look: CloserLook) -> float:
        height, width = region.shape
        return min(look.scale, math.sqrt(_CLOSER_LOOK_MAX_PIXELS / (height * width)))

    def closer_look(self, region: GrayImage, look: CloserLook) -> list[str]:
        """One closer look at ``region`` (both polarities, the likelier first), no budget."""
        return self._closer_look(region, look, looks_light_on_dark(region))

    def _closer_look(self, region: GrayImage, look: CloserLook, light_on_dark: bool) -> list[str]:
        image: Any = region
        scale = self._look_scale(region, look)
        sigma_scale = 1.0
        if look.filter_enlarged and scale > 1.0:
            image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
            sigma_scale = scale
        if look.smooth_sigma > 0:
            image = cv2.GaussianBlur(image, (0, 0), look.smooth_sigma * sigma_scale)
        if look.sharpen_amount > 0 and look.sharpen_sigma > 0:
            blurred = cv2.GaussianBlur(image, (0, 0), look.sharpen_sigma * sigma_scale)
            image = cv2.addWeighted(
                image, 1.0 + look.sharpen_amount, blurred, -look.sharpen_amount, 0
            )
        if not look.filter_enlarged and scale > 1.0:
            image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        if light_on_dark:
            # zxing-cpp tries the image as given first, then inverted.
            image = np.invert(image)
        for binarizer in look.binarizers:
            # Already enlarged: zxing-cpp's downscaled passes would only undo it.
            results = self._zxing.read_barcodes(
                image,
                formats=self._formats,
                try_invert=True,
                try_downscale=False,
                binarizer=self._binarizers[binarizer],
            )
            if results:
                return self._texts(results)
        return []

    def decode(self, gray: GrayImage) -> list[str]:
        """See :class:`QrDecoder`."""
        start = time.thread_time()
        texts = self._texts(
            self._zxing.read_barcodes(gray, formats=self._formats, try_invert=self._first_invert)
        )
        if texts or not self.closer_looks:
            return texts
        first_ms = (time.thread_time() - start) * 1000
        ms_per_pixel = first_ms / gray.size
        box = code_region(gray)
        if box is not None:
            x0, y0, x1, y1 = box
            region = gray[y0:y1, x0:x1]
            light_on_dark = looks_light_on_dark(region)
            for index, look in enumerate(self.closer_looks):
                pixels = region.size * max(1.0, self._look_scale(region, look)) ** 2
                unit_ms = ms_per_pixel * pixels
                if not self._affordable(start, self._cost_ratios[index] * unit_ms):
                    break
                look_start = time.thread_time()
                texts = self._closer_look(region, look, light_on_dark)
                if texts:
                    return texts
                self._learn_cost(index, look_start, unit_ms)
        # Last, the whole frame inverted, as the first pass would have done: a dark-mode code
        # in a cluttered scene, whose region was not the most textured one.
        if not self._affordable(start, first_ms):
            return []
        inverted = self._zxing.read_barcodes(
            np.invert(gray), formats=self._formats, try_invert=False
        )
        return self._texts(inverted)

    def _affordable(self, start: float, estimate_ms: float) -> bool:
        """Whether a pass of ``estimate_ms`` ends within the budget of the frame begun at start."""
        if self.budget_ms is None:
            return True
        return (time.thread_time() - start) * 1000 + estimate_ms <= self.budget_ms

    def _learn_cost(self, index: int, look_start: float, unit_ms: float) -> None:
        """Keep a running mean of a look's cost (when it read nothing) in first passes."""
        ratio = (time.thread_time() - look_start) * 1000 / max(unit_ms, 1e-6)
        self._cost_ratios[index] += _LEARNING_RATE * (ratio - self._cost_ratios[index])


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
