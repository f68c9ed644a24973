"""Bytes per standard Japanese ticket, and what they cost on a 9600 baud serial line.

Three encodings of the same ticket (:func:`kiosk.devices.printer.layout.sample_ticket`):

- Kanji mode text (Shift_JIS) with the printer's native QR code (``GS ( k``): what we send;
- raster mode: Japanese lines drawn with IPA Gothic and sent as ``GS v 0`` images;
- Kanji mode text with python-escpos's default QR, which is an image (``qr(native=False)``).

Also the time to encode one ticket (median of 200), which is our own share of "tap to last
byte sent". Run: ``.venv/bin/python -m bench.ticket_bytes`` (``--json`` for machine output).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

from bench.aims import check
from kiosk.devices.printer.layout import TicketLayout, sample_ticket
from kiosk.devices.printer.protocol import TextMode

BAUD = 9600
BITS_PER_BYTE = 10  # 8N1: start bit, 8 data bits, stop bit
RUNS = 200


def wire_seconds(size: int, baud: int = BAUD) -> float:
    """Seconds to send ``size`` bytes at ``baud`` with 8N1 framing."""
    return size * BITS_PER_BYTE / baud


def median_ms(encode: Callable[[], bytes], runs: int = RUNS) -> float:
    """Median wall time of ``encode()`` in milliseconds."""
    encode()  # warm up: fonts, code tables
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        encode()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def measure() -> list[dict[str, object]]:
    """One row per encoding: name, bytes, seconds at 9600 baud, encode time."""
    ticket = sample_ticket()
    kanji = TicketLayout(TextMode.KANJI)
    raster = TicketLayout(TextMode.RASTER)
    cases: list[tuple[str, Callable[[], bytes]]] = [
        ("kanji text + native QR", lambda: kanji.encode(ticket)),
        ("raster text + native QR", lambda: raster.encode(ticket)),
        ("kanji text + python-escpos image QR", lambda: kanji.encode_with_image_qr(ticket)),
    ]
    rows: list[dict[str, object]] = []
    for name, encode in cases:
        size = len(encode())
        rows.append(
            {
                "encoding": name,
                "bytes": size,
                "seconds_at_9600_baud": round(wire_seconds(size), 3),
                "encode_ms_median": round(median_ms(encode), 3),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Print the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    rows = measure()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    base = rows[0]["bytes"]
    assert isinstance(base, int)
    print(f"standard Japanese ticket ({sample_ticket().number}), {BAUD} baud 8N1")
    print(f"{'encoding':38} {'bytes':>7} {'x':>6} {'9600 baud':>10} {'encode':>10}")
    for row in rows:
        size = row["bytes"]
        assert isinstance(size, int)
        print(
            f"{row['encoding']!s:38} {size:7d} {size / base:6.1f} "
            f"{row['seconds_at_9600_baud']!s:>8} s {row['encode_ms_median']!s:>7} ms"
        )
    check("bytes per standard Japanese ticket, native QR", base, "<", 1024, unit=" B", digits=0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
