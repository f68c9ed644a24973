"""QR decoders on generated phone-screen frames: decode rate per condition and ms per frame.

Every decoder adapter of ``kiosk.devices.scanner.decoders`` reads the same 1280x720 frames
(``bench/qr_frames.py``) on one thread (``cv2.setNumThreads(1)``). A frame counts as decoded
when the expected payload is among the texts returned. Time is per frame, whether decoded or
not, through the adapter (so it includes the inverted retry of pyzbar and OpenCV).

    .venv/bin/python -m bench.qr_decoders            # 20 frames per condition
    .venv/bin/python -m bench.qr_decoders --quick    # 4 frames per condition
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field

import cv2

from bench.qr_frames import CONDITIONS, QrFrame, generate_frames
from kiosk.devices.scanner.decoders import available_decoders, make_decoder


@dataclass
class DecoderResult:
    """What one decoder did on the frame set."""

    name: str
    decoded: dict[str, int] = field(default_factory=dict)
    frames: dict[str, int] = field(default_factory=dict)
    ms: list[float] = field(default_factory=list)

    def rate(self, condition: str | None = None) -> float:
        """Share of frames decoded (of one condition, or of all)."""
        if condition is None:
            total = sum(self.frames.values())
            return sum(self.decoded.values()) / total if total else 0.0
        frames = self.frames.get(condition, 0)
        return self.decoded.get(condition, 0) / frames if frames else 0.0

    def percentile_ms(self, q: float) -> float:
        """Time per frame at quantile ``q`` (0.5 = median)."""
        ordered = sorted(self.ms)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def measure(frames: list[QrFrame], names: list[str]) -> list[DecoderResult]:
    """Run each named decoder over every frame (single-threaded)."""
    cv2.setNumThreads(1)
    results = []
    for name in names:
        decoder = make_decoder(name)
        decoder.decode(frames[0].image)  # warm-up (library loading, first allocation)
        result = DecoderResult(name)
        for frame in frames:
            start = time.perf_counter()
            texts = decoder.decode(frame.image)
            result.ms.append((time.perf_counter() - start) * 1000)
            result.frames[frame.condition] = result.frames.get(frame.condition, 0) + 1
            if frame.payload in texts:
                result.decoded[frame.condition] = result.decoded.get(frame.condition, 0) + 1
        results.append(result)
    return results


def table(results: list[DecoderResult], conditions: tuple[str, ...] = CONDITIONS) -> str:
    """The results as a Markdown table: one row per condition, one column per decoder."""
    header = "| condition | " + " | ".join(r.name for r in results) + " |"
    lines = [header, "|---|" + "---:|" * len(results)]
    for condition in conditions:
        cells = " | ".join(f"{r.rate(condition):.0%}" for r in results)
        lines.append(f"| {condition} | {cells} |")
    lines.append("| **all** | " + " | ".join(f"**{r.rate():.0%}**" for r in results) + " |")
    lines.append(
        "| median ms/frame | " + " | ".join(f"{r.percentile_ms(0.5):.1f}" for r in results) + " |"
    )
    lines.append(
        "| p95 ms/frame | " + " | ".join(f"{r.percentile_ms(0.95):.1f}" for r in results) + " |"
    )
    lines.append("| max ms/frame | " + " | ".join(f"{max(r.ms):.1f}" for r in results) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Print the decoder table."""
    parser = argparse.ArgumentParser(prog="python -m bench.qr_decoders")
    parser.add_argument("--quick", action="store_true", help="4 frames per condition")
    parser.add_argument("--per-condition", type=int, default=None, help="frames per condition")
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args(argv)
    per_condition = args.per_condition or (4 if args.quick else 20)
    frames = list(generate_frames(per_condition, seed=args.seed))
    names = available_decoders()
    print(
        f"{len(frames)} frames of 1280x720 ({per_condition} per condition), seed {args.seed}, "
        f"one thread; decoders: {', '.join(names)}"
    )
    print(table(measure(frames, names)))


if __name__ == "__main__":
    main()
