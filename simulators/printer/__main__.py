"""``python -m simulators.printer`` / ``kiosk sim printer``: the ESC/POS printer simulator.

Type control commands on stdin (``paper out``, ``cover open``, ``offline on``, ``help``…), or
use ``--control-port`` and ``nc``. Stops on Ctrl-C, SIGTERM or ``quit``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from simulators.console import serve_until_stopped
from simulators.printer.control import HELP, ControlServer, apply_command
from simulators.printer.server import DEFAULT_PORT, PrinterSimulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk sim printer", description="ESC/POS ticket printer simulator on TCP"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="TCP port (0 = free)")
    parser.add_argument(
        "--out", type=Path, default=Path("var/printer-sim"), help="folder for ticket PNG/JSON"
    )
    parser.add_argument("--font", type=Path, default=None, help="TrueType font for text")
    parser.add_argument(
        "--control-port", type=int, default=None, help="also accept commands on this TCP port"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the simulator until interrupted; returns the exit code."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    simulator = PrinterSimulator(args.port, host=args.host, out_dir=args.out, font_path=args.font)
    try:
        simulator.start()
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    control = ControlServer(simulator, args.control_port).start() if args.control_port else None
    print(f"ESC/POS printer simulator on {simulator.url}; tickets in {args.out}", flush=True)
    if control is not None:
        print(f"control commands on tcp://127.0.0.1:{control.port}", flush=True)
    print(HELP, flush=True)
    try:
        serve_until_stopped(lambda line: apply_command(simulator, line), name="printer-sim-stdin")
    finally:
        if control is not None:
            control.stop()
        simulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
