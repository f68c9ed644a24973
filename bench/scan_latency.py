"""Scan latency: last byte of a code on the serial line → ScannedCode handed to a listener.

The scanner simulator writes each code (a ~300-byte booking token plus CR) in one write to a
``SerialScanner`` connected over ``socket://`` on loopback; the time runs from just before
that write (so it includes the loopback send: an upper bound of the time from the last byte's
arrival) to the return of ``deliver(code)`` on the driver's thread. The serial wire time of
the code is not part of it and is reported beside it, computed at 10 bits per byte (8N1).

``measure(n, deliver=...)`` is reusable: pass a ``deliver`` that takes the code through the
check-in and onto the screen to time the whole path.
"""

from __future__ import annotations

import argparse
import statistics
import threading
from collections.abc import Callable
from dataclasses import dataclass

from bench.qr_frames import booking_jws
from kiosk.devices.scanner.protocol import ScannedCode
from kiosk.devices.scanner.serial_scanner import SerialScanner
from simulators.scanner.server import ScannerSimulator

CODE_BYTES = 300
BITS_PER_BYTE = 10  # start bit, 8 data bits, stop bit
WAIT_S = 5.0


@dataclass(frozen=True)
class LatencyResult:
    """Our own time per scan, in milliseconds."""

    samples_ms: tuple[float, ...]

    def percentile(self, q: float) -> float:
        """The ``q`` quantile (0.5 = median)."""
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def wire_time_ms(n_bytes: int, baudrate: int) -> float:
    """Time the bytes take on a serial line at ``baudrate`` (8N1)."""
    return n_bytes * BITS_PER_BYTE / baudrate * 1000


def _payload(index: int) -> str:
    import numpy as np

    token = booking_jws(np.random.default_rng(index))
    return (token + "." + "x" * CODE_BYTES)[: CODE_BYTES - 1]  # + CR = 300 bytes


def measure(n: int = 1000, deliver: Callable[[ScannedCode], object] | None = None) -> LatencyResult:
    """Send ``n`` distinct codes one after the other and time each to the end of ``deliver``.

    Raises:
        TimeoutError: a code did not arrive within 5 s.
    """
    import time

    done = threading.Event()
    finished_at = [0.0]

    def on_code(code: ScannedCode) -> None:
        if deliver is not None:
            deliver(code)
        finished_at[0] = time.perf_counter()
        done.set()

    samples: list[float] = []
    with ScannerSimulator(port=0) as sim:
        scanner = SerialScanner(sim.url, repeat_window_s=0.0)
        opened = threading.Event()
        scanner.start(on_code, lambda name, health: opened.set() if health.state.usable else None)
        try:
            # NOTE: wait for the driver's "ok" too: pyserial drops bytes that arrive while the
            # socket:// port is still opening (it resets the input buffer).
            if not (sim.wait_for_clients(1, WAIT_S) and opened.wait(WAIT_S)):
                raise TimeoutError("the scanner did not connect to the simulator")
            payloads = [_payload(i) for i in range(n)]
            for payload in payloads:
                done.clear()
                # NOTE: stamped before the write: the driver may deliver the code before the
                # write call returns here, so this includes the send (an upper bound).
                sent_at = time.perf_counter()
                sim.scan(payload)
                if not done.wait(WAIT_S):
                    raise TimeoutError(f"scan {len(samples)} did not arrive within {WAIT_S} s")
                samples.append((finished_at[0] - sent_at) * 1000)
                sim.sent.clear()  # keep the record small over 1,000 scans
        finally:
            scanner.stop()
    return LatencyResult(tuple(samples))


def main(argv: list[str] | None = None) -> None:
    """Print p50/p99 of our own time and the wire time beside it."""
    parser = argparse.ArgumentParser(prog="python -m bench.scan_latency")
    parser.add_argument("-n", type=int, default=1000, help="number of scans")
    args = parser.parse_args(argv)
    result = measure(args.n)
    print(f"scan → ScannedCode delivered, {args.n} scans of {CODE_BYTES} bytes over socket://:")
    print(
        f"  our time p50 {result.percentile(0.5):.3f} ms, p99 {result.percentile(0.99):.3f} ms,"
        f" max {max(result.samples_ms):.3f} ms, mean {statistics.fmean(result.samples_ms):.3f} ms"
    )
    for baud in (9600, 115200):
        print(
            f"  wire time of {CODE_BYTES} bytes at {baud} baud (8N1): "
            f"{wire_time_ms(CODE_BYTES, baud):.1f} ms (not included above)"
        )


if __name__ == "__main__":
    main()
