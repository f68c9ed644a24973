"""``python -m simulators.scanner`` / ``kiosk sim scanner``: the serial scanner simulator.

Serves a serial line over TCP (``socket://127.0.0.1:PORT`` for the driver) and, with
``--pty-link PATH``, on a pty behind that symlink. Type commands on stdin (``scan TEXT``,
``burst 3 TEXT``, ``garbage``, ``silent``, ``back``, ``help``). Stops on Ctrl-C, SIGTERM or
``quit``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulators.console import configure_logging, device_parser, run_console
from simulators.scanner.control import HELP, apply_command
from simulators.scanner.server import DEFAULT_PORT, SUFFIXES, ScannerSimulator


def _parser() -> argparse.ArgumentParser:
    parser = device_parser(
        "kiosk sim scanner", "serial code scanner simulator (TCP and pty)", DEFAULT_PORT
    )
    parser.add_argument("--suffix", choices=sorted(SUFFIXES), default="cr", help="code suffix")
    parser.add_argument(
        "--pty-link", type=Path, default=None, help="also serve on a pty behind this symlink"
    )
    parser.add_argument("--encoding", default="utf-8", help="encoding of typed payloads")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the simulator until interrupted; returns the exit code."""
    args = _parser().parse_args(argv)
    configure_logging(args.verbose)
    simulator = ScannerSimulator(
        args.port,
        host=args.host,
        suffix=args.suffix,
        pty_link=args.pty_link,
        encoding=args.encoding,
    )
    try:
        simulator.start()
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    print(f"scanner simulator on {simulator.url} (suffix {args.suffix})", flush=True)
    if args.pty_link is not None:
        print(f"pty: {simulator.pty_url} -> {simulator.pty_path}", flush=True)
    return run_console(
        lambda line: apply_command(simulator, line),
        HELP,
        name="scanner-sim-stdin",
        stop=simulator.stop,
    )


if __name__ == "__main__":
    raise SystemExit(main())
