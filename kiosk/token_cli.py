"""``kiosk token``: print a demo booking token (and its QR on the terminal).

Signed with the DEMO-ONLY key of ``simulators.demo_keys`` that ``kiosk demo`` trusts. With no
arguments: a new booking at the demo office for now, valid to check in at once.

    kiosk token [--office chuo] [--service insurance] [--slot HH:MM|now] [--qr]

The token goes to stdout (one line, scriptable); what it holds goes to stderr. A service the
demo kiosk does not offer is refused with the list of those it does (exit status 2); an
office other than the demo kiosk's is allowed (the kiosk shows its "another office" screen)
and said so on stderr.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import sys
import tomllib
from collections.abc import Sequence
from datetime import UTC, datetime, time
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.core.booking_codes import format_booking_code, make_booking_code

log = logging.getLogger(__name__)

DEMO_OFFICE = "chuo"
DEMO_SERVICE = "insurance"
DEMO_CONFIG = Path(__file__).resolve().parent / "demo_config.toml"
"""The config ``kiosk demo`` runs with: its office and services are what the token is for."""


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
    parser.add_argument("--type", default="booking", choices=("booking", "pickup"))
    parser.add_argument("--qr", action="store_true", help="also print the QR on the terminal")
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run ``kiosk token``; returns the exit status (2 for bad arguments)."""
    from simulators.central.server import issue_booking_token  # demo tooling, not the kiosk

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
    services = demo_services()
    if args.service not in services:
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
    booking_id = f"bk-{secrets.token_hex(6)}"
    token = issue_booking_token(
        args.office,
        args.service,
        slot,
        booking_id=booking_id,
        code=code,
        window=window,
        typ=args.type,
    )
    sys.stderr.write(
        f"{args.type} {booking_id}: office {args.office}, service {args.service}, "
        f"slot {slot.isoformat(timespec='minutes')}, code {format_booking_code(code)} "
        "(signed with the DEMO-ONLY key)\n"
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
