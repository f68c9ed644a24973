"""``python -m simulators.locker`` / ``kiosk sim locker``: the Kerong CU16 chain simulator.

Serves the RS-485 line over TCP (the driver uses ``socket://127.0.0.1:PORT``). Type commands
on stdin (``pull 3``, ``push 3``, ``jam 5``, ``shape 1 silent``, ``silence 1``, ``help``…).
``--reply-shape`` and ``--jam`` set the same from the start. Stops on Ctrl-C, SIGTERM or
``quit``.
"""

from __future__ import annotations

import argparse
import sys

from kiosk.devices.locker.kerong_driver import UNLOCK_REPLY_SHAPES
from simulators.console import configure_logging, device_parser, run_console
from simulators.locker.control import HELP, apply_command
from simulators.locker.server import DEFAULT_PORT, MAX_BOARDS, LockerSimulator

EXAMPLE_BOARDS = 3


def _reply_shape(text: str) -> tuple[int | None, str]:
    """``SHAPE`` (every board) or ``BOARD=SHAPE`` → ``(board or None, shape)``."""
    board_text, _, shape = text.rpartition("=")
    shape = shape.strip().lower()
    if shape not in UNLOCK_REPLY_SHAPES:
        raise argparse.ArgumentTypeError(
            f"{text!r}: the shape must be one of {', '.join(UNLOCK_REPLY_SHAPES)}"
        )
    if not board_text:
        return None, shape
    try:
        return int(board_text), shape
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected SHAPE or BOARD=SHAPE") from None


def _parser() -> argparse.ArgumentParser:
    parser = device_parser(
        "kiosk sim locker", "Kerong KR-CU16 lock-board simulator on TCP", DEFAULT_PORT
    )
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
    parser.add_argument(
        "--reply-shape",
        type=_reply_shape,
        action="append",
        default=[],
        metavar="[BOARD=]SHAPE",
        help="how the boards (or board BOARD) answer an unlock: echo (a frame with the lock's "
        "ADDR, the default), status (a status frame with the board's ADDR) or silent (nothing); "
        "repeatable; stdin: shape BOARD|all SHAPE",
    )
    parser.add_argument(
        "--jam",
        type=int,
        action="append",
        default=[],
        metavar="DOOR",
        help="this door's latch is jammed: an unlock pulses the lock and the door stays locked; "
        "repeatable; stdin: jam DOOR / unjam DOOR",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the simulator until interrupted or ``quit``; returns the exit code."""
    args = _parser().parse_args(argv)
    configure_logging(args.verbose)
    shapes: dict[int, str] = {}
    for board, shape in args.reply_shape:
        if board is None:
            shapes = dict.fromkeys(range(args.boards), shape)
        else:
            shapes[board] = shape
    try:
        simulator = LockerSimulator(
            args.port,
            host=args.host,
            boards=args.boards,
            locks_per_board=args.locks_per_board,
            locked_bit=args.locked_bit,
            pulse_ms=args.pulse_ms,
            auto_pull_s=args.auto_pull,
            reply_shape=shapes,
            jammed=args.jam,
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
    shaped = [f"board {b} {simulator.reply_shape(b)}" for b in range(args.boards)]
    if any(not text.endswith(" echo") for text in shaped) or args.jam:
        jams = f"; jammed door(s): {', '.join(map(str, args.jam))}" if args.jam else ""
        print(f"unlock replies: {', '.join(shaped)}{jams}", flush=True)
    return run_console(
        lambda line: apply_command(simulator, line),
        HELP,
        name="locker-sim-stdin",
        stop=simulator.stop,
    )


if __name__ == "__main__":
    raise SystemExit(main())
