"""PIN verifiers: the cost of one guess, old and new scrypt parameters, measured here.

A 4-digit PIN has 10,000 values, so what a copied verifier costs to guess is all that stands
between it and its PIN. The bench times ``PinVerifier.matches`` (one scrypt) with the earlier
default (``log2 N = 14, r = 8, p = 1``, 16 MiB) and today's (``kiosk.core.handover.pins``
``DEFAULT_*``), each the best of several runs on one core, and prints:

* milliseconds per guess for each, and their ratio (new / old): the figure measured here;
* the whole 4-digit space on one core at each cost;
* the Raspberry Pi 4 figure, estimated, not measured: this machine's new cost times a stated
  Pi/here ratio. ``PI_RATIO_FLOOR = 1`` is the floor: a Pi 4 (Cortex-A72, 1.5 GHz, LPDDR4)
  is not faster per core than a current server core at this memory-bound work, so the new
  cost on a Pi is at least what is measured here. ``PI_RATIO_STATED = 2`` is the figure the
  code carried for the old cost (~50 ms on a Pi 4, pins.py before issue 10) divided by the
  old cost measured here (~25 ms); nobody has timed a Pi in this project yet, so run this
  bench on one to replace the estimate.

``.venv/bin/python -m bench.pin_verifier [RUNS]`` (default 5 per cost).
"""

from __future__ import annotations

import os
import sys
import time

from bench.aims import check
from kiosk.core.handover.pins import (
    DEFAULT_LOG2N,
    DEFAULT_P,
    DEFAULT_R,
    LEGACY_LOG2N,
    PinVerifier,
    make_pin_verifier,
)

OLD = (LEGACY_LOG2N, 8, 1)
NEW = (DEFAULT_LOG2N, DEFAULT_R, DEFAULT_P)
PI_RATIO_FLOOR = 1.0
PI_RATIO_STATED = 2.0
AIM_S = 0.25
PIN_SPACE = 10_000


def seconds_per_guess(log2n: int, r: int, p: int, runs: int) -> float:
    """The best of ``runs`` timings of one wrong guess against a verifier of this cost."""
    verifier = PinVerifier.parse(make_pin_verifier("482913", log2n=log2n, r=r, p=p))
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        verifier.matches("000000")
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    """Print the figures; 1 when the new cost misses the aim even at the floor ratio."""
    args = sys.argv[1:] if argv is None else argv
    runs = int(args[0]) if args else 5
    old = seconds_per_guess(*OLD, runs)
    new = seconds_per_guess(*NEW, runs)
    print(f"machine: {os.cpu_count()} cores, best of {runs} runs, one core per guess")
    for name, cost, seconds in (("old", OLD, old), ("new", NEW, new)):
        memory_mib = 128 * (1 << cost[0]) * cost[1] // (1 << 20)
        print(
            f"{name}: log2N={cost[0]} r={cost[1]} p={cost[2]} ({memory_mib} MiB): "
            f"{seconds * 1000:7.1f} ms a guess, 4-digit space {seconds * PIN_SPACE:7.0f} s"
        )
    print(f"ratio new/old (measured here): {new / old:.1f}x")
    for label, ratio in (("floor", PI_RATIO_FLOOR), ("stated", PI_RATIO_STATED)):
        pi = new * ratio
        print(
            f"Raspberry Pi 4 estimate ({label} ratio {ratio:g}x this core): "
            f"{pi:.2f} s a guess, 4-digit space {pi * PIN_SPACE / 3600:.1f} h on one core"
        )
    met = check(
        "PIN guess on a Raspberry Pi 4 (estimated: this core's cost, the floor)",
        new * PI_RATIO_FLOOR,
        ">=",
        AIM_S,
        unit=" s",
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
