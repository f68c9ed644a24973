"""Run every benchmark in turn: ``.venv/bin/python -m bench`` (``make bench``).

Each bench prints its figures, and each figure with an aim (DESIGN §7, the issues) as a
line ending ``met`` or ``MISSED`` (:mod:`bench.aims`); the run ends with all those lines
again, each bench's time, and the exit status 1 when a bench failed or an aim was missed.
A bench that raises is reported and the run goes on.
"""

from __future__ import annotations

import importlib
import logging
import sys
import time
import traceback

from bench import aims

BENCHMARKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ticket_bytes", ()),
    ("tap_to_print", ()),
    ("startup_idle", ()),
    ("scan_latency", ()),
    ("scan_to_screen", ()),
    ("qr_decoders", ("--looks",)),
    ("outbox_rates", ()),
    ("blob_transfer", ()),
    ("pin_verifier", ()),
    ("config_models", ()),
    ("jws_libraries", ()),
    ("json_schema", ()),
    ("fleet", ()),
    ("locker_frames", ()),
    ("handover_soak", ("--simulator", "--pickups", "1000")),
    ("photo_guidance", ()),
    ("photo_detectors", ()),
    ("camera_mount", ()),
    ("voice_engines", ()),
)
"""(module of ``bench``, its arguments): the README's figures come from these runs."""
# Longer than about 3 minutes, so each runs on its own (the README says when it last ran):
# - bench.idle_soak, the kiosk idle on every simulator for an hour (RSS, file descriptors and
#   threads must stay flat): python -m bench.idle_soak [--minutes N];
# - bench.handover_soak's 10,000 pickups on the in-process board (about 4 minutes here; the run
#   above does 1,000 on the real driver and simulator): python -m bench.handover_soak.


def fresh_logging() -> None:
    """Logging as in a fresh process, so a bench's own ``basicConfig`` level applies again.

    ``logging.basicConfig`` does nothing once the root logger has a handler: without this, the
    first bench's level (or a kiosk module's) would hold for all the others, and a soak's
    expected warnings (forced doors, silent boards) would fill the run's output.
    """
    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    root.setLevel(logging.WARNING)


def run(name: str, args: tuple[str, ...]) -> bool:
    """Run one bench's ``main``; False when it raised (the traceback is printed)."""
    main = importlib.import_module(f"bench.{name}").main
    fresh_logging()
    # NOTE: each bench reads its arguments from sys.argv, as when run alone.
    saved, sys.argv = sys.argv, [f"bench.{name}", *args]
    try:
        main()
    except SystemExit as stop:  # a bench that ends with its own exit status
        return stop.code in (None, 0)
    except Exception:  # noqa: BLE001 - one broken bench must not hide the others' figures
        traceback.print_exc(file=sys.stdout)
        return False
    finally:
        sys.argv = saved
    return True


def main() -> int:
    """Run every bench, then the summary; 0 when every bench ran and every aim was met."""
    timings: list[tuple[str, float, bool]] = []
    for name, args in BENCHMARKS:
        title = " ".join((f"bench.{name}", *args))
        print(f"== {title}", flush=True)
        start = time.monotonic()
        ok = run(name, args)
        timings.append((title, time.monotonic() - start, ok))
        print(flush=True)
    print("== summary: each figure against its aim", flush=True)
    for verdict in aims.RESULTS:
        print(f"  {verdict.line}")
    missed = sum(not v.met for v in aims.RESULTS)
    failed = [title for title, _, ok in timings if not ok]
    met = len(aims.RESULTS) - missed
    print(f"{met} aims met, {missed} missed; benches that failed: {len(failed)}")
    for title, seconds, ok in timings:
        print(f"  {title}: {seconds:.0f} s{'' if ok else ' FAILED'}")
    return 1 if missed or failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
