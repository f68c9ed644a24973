"""``python -m simulators.locker`` / ``kiosk sim locker``: the Kerong CU16 chain simulator.

Serves the RS-485 line over TCP (the driver uses ``socket://127.0.0.1:PORT``). Type commands
on stdin (``pull 3``, ``push 3``, ``jam 5``, ``silence 1``, ``help``…). Stops on Ctrl-C,
SIGTERM or ``quit``.
"""

from __future__ import annotations

import argparse
import logging
import sys

from simulators.console import serve_until_stopped
from simulators.locker.control import HELP, apply_command
from simulators.locker.server import DEFAULT_PORT, MAX_BOARDS, LockerSimulator

EXAMPLE_BOARDS = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk sim locker", description="Kerong KR-CU16 lock-board simulator on TCP"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="TCP port (0 = free)")
    # NOTE: 3 boards, as config/kiosk.example.toml and `kiosk demo` have: with 1, a
    # `kiosk diag locker status` with the example config showed 32 doors "unknown".
    parser.add_argument(
        "--boards",
        type=int,
        default=EXAMPLE_BOARDS,
        choices=range(1, MAX_BOARDS + 1),
        metavar="1-10",
        help="boards on the chain (%(default)s, as the example config's [locker] boards)",
    )
    parser.add_argument("--locks-per-board", type=int, default=16, help="locks per board (1-16)")
    parser.add_argument("--locked-bit", type=int, choices=(0, 1), default=1, help="polarity")
    parser.add_argument("--pulse-ms", type=int, default=500, help="pulse recorded per unlock")
    parser.add_argument(
        "--auto-pull",
        type=float,
        default=None,
        metavar="SECONDS",
        help="a person pulls each released door this long after its unlock",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the simulator until interrupted or ``quit``; returns the exit code."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        simulator = LockerSimulator(
            args.port,
            host=args.host,
            boards=args.boards,
            locks_per_board=args.locks_per_board,
            locked_bit=args.locked_bit,
            pulse_ms=args.pulse_ms,
            auto_pull_s=args.auto_pull,
        )
        simulator.start()
    except (OSError, ValueError) as exc:
        print(
            f"cannot start the locker simulator on {args.host}:{args.port}: {exc}", file=sys.stderr
        )
        return 1
    doors = len(simulator.door_numbers)
    print(
        f"locker simulator on {simulator.url}: {args.boards} board(s), doors 1-{doors}; "
        f"`kiosk diag locker status --locker {simulator.url}` with [locker] boards = "
        f"{args.boards} and locks_per_board = {args.locks_per_board} reads it",
        flush=True,
    )
    print(HELP, flush=True)
    try:
        serve_until_stopped(lambda line: apply_command(simulator, line), name="locker-sim-stdin")
    finally:
        simulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
