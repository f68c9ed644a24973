"""``kiosk pin-verifier``: make the verifier of a staff PIN for ``[handover] staff_pins`` or
of a technician PIN for ``[diagnostics] technician_pins`` (the same format).

The PIN is read without echo (twice, to catch a typo) or, with ``--stdin``, as one line from
standard input (for provisioning scripts). Only the verifier goes to stdout; the PIN itself
is never printed, logged or written anywhere.

    kiosk pin-verifier            # asks for the PIN
    echo 482913 | kiosk pin-verifier --stdin
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from kiosk.core.handover.pins import PinVerifierError, make_pin_verifier, normalize_pin


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk pin-verifier",
        description="Print the scrypt verifier of a staff or technician PIN (4 to 12 digits) "
        "for [handover] staff_pins or [diagnostics] technician_pins. The PIN never appears on "
        "screen or in the output.",
    )
    parser.add_argument(
        "--stdin", action="store_true", help="read the PIN as one line from standard input"
    )
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    ask: Callable[[str], str] = getpass.getpass,
) -> int:
    """Run the command; returns the exit status (0 ok, 2 not a PIN or the two differ)."""
    args = _parser().parse_args(argv)
    out, err = stdout or sys.stdout, stderr or sys.stderr
    if args.stdin:
        pin = (stdin or sys.stdin).readline().strip()
    else:
        pin = ask("Staff PIN: ")
        if ask("The same PIN again: ") != pin:
            print("kiosk pin-verifier: the two PINs differ; nothing made", file=err)
            return 2
    if normalize_pin(pin) is None:
        print("kiosk pin-verifier: a PIN is 4 to 12 digits; nothing made", file=err)
        return 2
    try:
        verifier = make_pin_verifier(pin)
    except PinVerifierError as exc:  # pragma: no cover - normalize_pin checked the same
        print(f"kiosk pin-verifier: {exc}", file=err)
        return 2
    print(verifier, file=out)
    return 0


__all__ = ["main"]
