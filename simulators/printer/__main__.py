"""``python -m simulators.printer`` / ``kiosk sim printer``: the ESC/POS printer simulator.

Type control commands on stdin (``paper out``, ``cover open``, ``offline on``, ``help``…), or
use ``--control-port`` and ``nc``. Stops on Ctrl-C, SIGTERM or ``quit``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulators.console import configure_logging, device_parser, run_console
from simulators.printer.control import HELP, ControlServer, apply_command
from simulators.printer.server import DEFAULT_PORT, PrinterSimulator


def _parser() -> argparse.ArgumentParser:
    parser = device_parser(
        "kiosk sim printer", "ESC/POS ticket printer simulator on TCP", DEFAULT_PORT
    )
    parser.add_argument(
        "--out", type=Path, default=Path("var/printer-sim"), help="folder for ticket PNG/JSON"
    )
    parser.add_argument("--font", type=Path, default=None, help="TrueType font for text")
    parser.add_argument(
        "--control-port", type=int, default=None, help="also accept commands on this TCP port"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the simulator until interrupted; returns the exit code."""
    args = _parser().parse_args(argv)
    configure_logging(args.verbose)
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

    def stop() -> None:
        if control is not None:
            control.stop()
        simulator.stop()

    return run_console(
        lambda line: apply_command(simulator, line), HELP, name="printer-sim-stdin", stop=stop
    )


if __name__ == "__main__":
    raise SystemExit(main())
