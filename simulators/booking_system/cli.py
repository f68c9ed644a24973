"""``kiosk token``: the simulated booking system prints a demo booking or meeting token.

Signed with the DEMO-ONLY key of ``simulators.demo_keys`` that ``kiosk demo`` trusts. With no
arguments: a new booking at the demo office for now, valid to check in at once. Each token is
written into the booking book of the demo's state folder (``--book``), where the demo's central
simulator finds it: a typed code is answered with its service, a meeting's host is told.

    kiosk token [--office chuo] [--service insurance] [--slot HH:MM|now] [--qr]
    kiosk token --type meeting --host s-042 --host-name "山田 花子" [--wait "ja=2階 相談室前"]

The token goes to stdout (one line, scriptable); what it holds goes to stderr. A service the
demo kiosk does not offer is refused with the list of those it does (exit status 2); an
office other than the demo kiosk's is allowed (the kiosk shows its "another office" screen)
and said so on stderr.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
import tomllib
from collections.abc import Sequence
from datetime import UTC, datetime, time
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.core.booking_codes import format_booking_code, make_booking_code
from simulators.booking_system.book import BOOK_NAME, BookingBook
from simulators.booking_system.tokens import issue_booking, issue_meeting_token

log = logging.getLogger(__name__)

DEMO_OFFICE = "chuo"
DEMO_SERVICE = "insurance"
DEMO_CONFIG = Path(__file__).resolve().parents[2] / "kiosk" / "demo_config.toml"
"""The config ``kiosk demo`` runs with: its office and services are what the token is for."""


def default_book() -> Path:
    """The booking book in ``kiosk demo``'s default state folder (``kiosk.demo``)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "kiosk-demo" / BOOK_NAME


def demo_services() -> list[str]:
    """The service ids of the demo kiosk, in the config's order."""
    data = tomllib.loads(DEMO_CONFIG.read_text(encoding="utf-8"))
    return [str(service["id"]) for service in data.get("services", [])]


def parse_slot(text: str, timezone: ZoneInfo, now: datetime) -> datetime:
    """``now``, ``HH:MM`` (today, local) or an ISO date-time; the result is timezone-aware.

    Raises:
        ValueError: none of these forms.
    """
    if text == "now":
        return now.astimezone(timezone).replace(second=0, microsecond=0)
    try:
        clock = time.fromisoformat(text)
    except ValueError:
        moment = datetime.fromisoformat(text)
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone)
    return datetime.combine(now.astimezone(timezone).date(), clock, tzinfo=timezone)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk token",
        description="Print a booking token signed with the DEMO-ONLY key that `kiosk demo` "
        "trusts (never trusted by a real kiosk).",
        epilog="exit status: 0 token printed; 2 usage error (unknown service, bad slot…)",
    )
    parser.add_argument("--office", default=DEMO_OFFICE, help="office code (default: %(default)s)")
    parser.add_argument(
        "--service",
        default=DEMO_SERVICE,
        help=f"service id: {', '.join(demo_services())} (default: %(default)s)",
    )
    parser.add_argument(
        "--slot", default="now", help="slot start: now, HH:MM today, or YYYY-MM-DDTHH:MM"
    )
    parser.add_argument("--timezone", default="Asia/Tokyo", help="for --slot (%(default)s)")
    parser.add_argument(
        "--window", metavar="BEFORE,AFTER", help="check-in window minutes (default: config)"
    )
    parser.add_argument("--type", default="booking", choices=("booking", "meeting", "pickup"))
    parser.add_argument("--host", default="s-042", help="meeting: the host's staff id")
    parser.add_argument(
        "--host-name", default="山田 花子", help="meeting: the host's name (%(default)s)"
    )
    parser.add_argument(
        "--wait",
        action="append",
        default=[],
        metavar="LANG=PLACE",
        help="meeting: where to wait, per language (repeatable)",
    )
    parser.add_argument(
        "--book",
        type=Path,
        default=None,
        help="the booking book to record the token in (default: the demo's state folder)",
    )
    parser.add_argument("--qr", action="store_true", help="also print the QR on the terminal")
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run ``kiosk token``; returns the exit status (2 for bad arguments)."""
    stdout = out or sys.stdout
    args = _parser().parse_args(argv)
    try:
        timezone = ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        sys.stderr.write(f"kiosk token: unknown time zone {args.timezone!r}\n")
        return 2
    try:
        slot = parse_slot(args.slot, timezone, datetime.now(UTC))
    except ValueError:
        sys.stderr.write(f"kiosk token: --slot {args.slot!r} is not now, HH:MM or a date-time\n")
        return 2
    window: tuple[int, int] | None = None
    if args.window:
        try:
            before, after = (int(part) for part in args.window.split(","))
        except ValueError:
            sys.stderr.write("kiosk token: --window must be BEFORE,AFTER in minutes\n")
            return 2
        window = (before, after)
    wait: dict[str, str] = {}
    for entry in args.wait:
        language, sep, place = entry.partition("=")
        if not sep or not language or not place:
            sys.stderr.write(f"kiosk token: --wait {entry!r} is not LANG=PLACE\n")
            return 2
        wait[language] = place
    services = demo_services()
    if args.type != "meeting" and args.service not in services:
        sys.stderr.write(
            f"kiosk token: unknown service {args.service!r}; the demo kiosk's services are "
            f"{', '.join(services)}\n"
        )
        return 2
    if args.office != DEMO_OFFICE:
        sys.stderr.write(
            f"kiosk token: office {args.office!r} is not the demo kiosk's ({DEMO_OFFICE}): "
            "it will show its 'another office' screen\n"
        )
    code = make_booking_code(secrets.randbelow(10**7))
    book = BookingBook(args.book or default_book())
    if args.type == "meeting":
        booking_id = f"mt-{secrets.token_hex(6)}"
        token = issue_meeting_token(
            args.office,
            args.host,
            args.host_name,
            slot,
            wait=wait,
            booking_id=booking_id,
            code=code,
            window=window,
            book=book,
        )
        what = f"host {args.host} ({args.host_name})"
    else:
        booking_id = f"bk-{secrets.token_hex(6)}"
        token = issue_booking(
            args.office,
            args.service,
            slot,
            book=book,
            booking_id=booking_id,
            code=code,
            window=window,
            typ=args.type,
        )
        what = f"service {args.service}"
    sys.stderr.write(
        f"{args.type} {booking_id}: office {args.office}, {what}, "
        f"slot {slot.isoformat(timespec='minutes')}, code {format_booking_code(code)} "
        f"(signed with the DEMO-ONLY key; booked in {book.path})\n"
    )
    if args.qr:
        import qrcode

        qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
        qr.add_data(token)
        qr.make(fit=True)
        qr.print_ascii(out=stdout, invert=True)
    stdout.write(token + "\n")
    stdout.flush()
    return 0
