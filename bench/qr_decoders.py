"""QR decoders on generated phone-screen frames: decode rate per condition and ms per frame.

Two tables, on the same 1280x720 frames (``bench/qr_frames.py``), one thread
(``cv2.setNumThreads(1)``):

1. **zxing-cpp variants**: its options (binarizers, downscaled passes, inverted passes) and
   cheap pre-processing, against the default :class:`~kiosk.devices.scanner.decoders.ZxingDecoder`
   (one pass, then closer looks at the code's region, then the frame inverted). The default
   was chosen by this table:
   the most frames read with a p99 within 10 ms. Frames of three seeds (20 per condition each).
2. **decoder adapters** of ``kiosk.devices.scanner.decoders`` (zxing-cpp, pyzbar, OpenCV), on
   the first seed only (pyzbar and OpenCV take 20-40 ms a frame).

A frame counts as decoded when the expected payload is among the texts returned. Time is per
frame, whether decoded or not, through the adapter (retries included), as CPU time of the
decoding thread (``time.thread_time``): that is "on one core", and unlike wall-clock time it
does not double when the neighbours on this shared two-core machine run. Frames with no code
(nobody at the scanner, most of what the camera sees) cost the most, since every pass runs:
their time is in its own rows.

    .venv/bin/python -m bench.qr_decoders            # 3 seeds x 20 frames per condition
    .venv/bin/python -m bench.qr_decoders --quick    # 1 seed x 4 frames per condition
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cv2

from bench.qr_frames import CONDITIONS, PHONE_LIKE, QrFrame, generate_frames, make_empty_frame
from kiosk.devices.scanner.decoders import (
    DEFAULT_CLOSER_LOOKS,
    THIRD_LOOK,
    CloserLook,
    GrayImage,
    QrDecoder,
    ZxingDecoder,
    available_decoders,
    make_decoder,
)

DEFAULT_SEEDS = (2025, 77, 5)
EMPTY_FRAMES = 40


@dataclass
class DecoderResult:
    """What one decoder did on the frame set."""

    name: str
    decoded: dict[str, int] = field(default_factory=dict)
    frames: dict[str, int] = field(default_factory=dict)
    ms: list[float] = field(default_factory=list)
    empty_ms: list[float] = field(default_factory=list)

    def rate(self, condition: str | None = None) -> float:
        """Share of frames decoded (of one condition, or of all)."""
        if condition is None:
            total = sum(self.frames.values())
            return sum(self.decoded.values()) / total if total else 0.0
        frames = self.frames.get(condition, 0)
        return self.decoded.get(condition, 0) / frames if frames else 0.0

    def rate_of(self, conditions: tuple[str, ...]) -> float:
        """Share of frames decoded among those of ``conditions``."""
        frames = sum(self.frames.get(c, 0) for c in conditions)
        return sum(self.decoded.get(c, 0) for c in conditions) / frames if frames else 0.0

    def percentile_ms(self, q: float, *, empty: bool = False) -> float:
        """Time per frame at quantile ``q`` (0.5 = median), of code or no-code frames."""
        ordered = sorted(self.empty_ms if empty else self.ms)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


class _Variant:
    """A zxing-cpp variant for the table: a name and a decode function."""

    def __init__(self, name: str, decode: Callable[[GrayImage], list[str]]) -> None:
        self.name = name
        self.decode = decode


def _zxing_once(pre: Callable[[GrayImage], Any] | None = None, **options: Any) -> Any:
    import zxingcpp

    formats: Any = zxingcpp.BarcodeFormat.QRCode

    def decode(gray: GrayImage) -> list[str]:
        image = pre(gray) if pre is not None else gray
        found = zxingcpp.read_barcodes(image, formats=formats, **options)
        return [str(r.text) for r in found]

    return decode


def _unsharp(gray: GrayImage) -> Any:
    return cv2.addWeighted(gray, 2.0, cv2.GaussianBlur(gray, (0, 0), 1.5), -1.0, 0)


def _then_enlarged_frame(gray: GrayImage) -> list[str]:
    first: list[str] = _zxing_once()(gray)
    if first:
        return first
    enlarged = cv2.resize(gray, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_CUBIC)
    again: list[str] = _zxing_once(try_downscale=False)(enlarged)
    return again


def zxing_variants() -> list[QrDecoder]:
    """The zxing-cpp options and pre-processing compared in the variants table."""
    import zxingcpp

    clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))
    sharp = CloserLook(2.0, sharpen_sigma=1.5, sharpen_amount=1.0)
    variants: list[QrDecoder] = [
        ZxingDecoder(closer_looks=()),
        _Variant("global bin.", _zxing_once(binarizer=zxingcpp.Binarizer.GlobalHistogram)),
        _Variant("no downscale", _zxing_once(try_downscale=False)),
        _Variant("CLAHE", _zxing_once(clahe.apply)),
        _Variant("unsharp", _zxing_once(_unsharp)),
        _Variant("frame x1.5", _then_enlarged_frame),
        ZxingDecoder(closer_looks=(sharp,)),
        ZxingDecoder(closer_looks=(CloserLook(2.5),)),
        ZxingDecoder(closer_looks=DEFAULT_CLOSER_LOOKS[:1]),
        ZxingDecoder(),
        ZxingDecoder(closer_looks=(*DEFAULT_CLOSER_LOOKS, THIRD_LOOK)),
        ZxingDecoder(closer_looks=(sharp, CloserLook(2.5), DEFAULT_CLOSER_LOOKS[0], THIRD_LOOK)),
    ]
    names = [
        "1 pass (old)",
        "global bin.",
        "no downscale",
        "CLAHE",
        "unsharp",
        "frame x1.5",
        "region x2 sharp",
        "region x2.5",
        "region smooth+sharp",
        "**2 looks (default)**",
        "3 looks",
        "4 looks",
    ]
    for variant, name in zip(variants, names, strict=True):
        variant.name = name
    return variants


def measure(
    frames: list[QrFrame], decoders: list[QrDecoder], empty: list[GrayImage] | None = None
) -> list[DecoderResult]:
    """Run each decoder over every frame (single-threaded), and over the no-code frames."""
    cv2.setNumThreads(1)
    results = []
    for decoder in decoders:
        decoder.decode(frames[0].image)  # warm-up (library loading, first allocation)
        result = DecoderResult(decoder.name)
        for frame in frames:
            start = time.thread_time()
            texts = decoder.decode(frame.image)
            result.ms.append((time.thread_time() - start) * 1000)
            result.frames[frame.condition] = result.frames.get(frame.condition, 0) + 1
            if frame.payload in texts:
                result.decoded[frame.condition] = result.decoded.get(frame.condition, 0) + 1
        for image in empty or []:
            start = time.thread_time()
            decoder.decode(image)
            result.empty_ms.append((time.thread_time() - start) * 1000)
        results.append(result)
    return results


def table(results: list[DecoderResult], conditions: tuple[str, ...] = CONDITIONS) -> str:
    """The results as a Markdown table: one row per condition, one column per decoder."""
    header = "| condition | " + " | ".join(r.name for r in results) + " |"
    lines = [header, "|---|" + "---:|" * len(results)]
    for condition in conditions:
        cells = " | ".join(f"{r.rate(condition):.0%}" for r in results)
        lines.append(f"| {condition} | {cells} |")
    lines.append("| **all** | " + " | ".join(f"**{r.rate():.1%}**" for r in results) + " |")
    phone = [c for c in conditions if c in PHONE_LIKE]
    if phone:
        cells = " | ".join(f"**{r.rate_of(tuple(phone)):.1%}**" for r in results)
        lines.append(f"| **phone-like** | {cells} |")
    rows: list[tuple[str, float, bool]] = [
        ("median ms/frame", 0.5, False),
        ("p99 ms/frame", 0.99, False),
    ]
    if any(r.empty_ms for r in results):
        rows += [("no code: median ms", 0.5, True), ("no code: p99 ms", 0.99, True)]
    for label, q, empty in rows:
        cells = " | ".join(f"{r.percentile_ms(q, empty=empty):.1f}" for r in results)
        lines.append(f"| {label} | {cells} |")
    lines.append("| max ms/frame | " + " | ".join(f"{max(r.ms):.1f}" for r in results) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Print the zxing-cpp variants table and the decoder adapters table."""
    parser = argparse.ArgumentParser(prog="python -m bench.qr_decoders")
    parser.add_argument("--quick", action="store_true", help="1 seed, 4 frames per condition")
    parser.add_argument("--per-condition", type=int, default=None, help="frames per condition")
    parser.add_argument(
        "--seeds",
        default=",".join(str(s) for s in DEFAULT_SEEDS),
        help="comma-separated seeds of the frame sets",
    )
    parser.add_argument("--no-adapters", action="store_true", help="the variants table only")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")][: 1 if args.quick else None]
    per_condition = args.per_condition or (4 if args.quick else 20)
    frames = [f for seed in seeds for f in generate_frames(per_condition, seed=seed)]
    empty = [make_empty_frame(i, seed=seeds[0]) for i in range(EMPTY_FRAMES)]
    print(
        f"{len(frames)} frames of 1280x720 ({per_condition} per condition, seeds "
        f"{', '.join(map(str, seeds))}) and {len(empty)} with no code; one thread, CPU ms"
    )
    print("\nzxing-cpp variants (the default decoder is the '2 looks' column):\n")
    print(table(measure(frames, zxing_variants(), empty)))
    if args.no_adapters:
        return
    first = frames[: len(frames) // len(seeds)]
    names = available_decoders()
    print(f"\ndecoder adapters, seed {seeds[0]} ({len(first)} frames): {', '.join(names)}\n")
    print(table(measure(first, [make_decoder(name) for name in names], empty[:10])))


if __name__ == "__main__":
    main()
