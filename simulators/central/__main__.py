"""``kiosk sim central --broker mqtt://host:port [--db FILE]``: run the central-server simulator.

Prints one line per stored event (and per kiosk state change) until SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from kiosk.errors import LinkError
from kiosk.link.broker_url import parse_broker_url
from simulators.central.server import CentralSimulator, StoredEvent


def _avg(text: str) -> tuple[str, float]:
    service, sep, minutes = text.partition("=")
    try:
        value = float(minutes)
    except ValueError:
        value = -1.0
    if not sep or not service or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected SERVICE=MINUTES, e.g. resident=4")
    return service, value


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``kiosk sim central``."""
    parser = argparse.ArgumentParser(
        prog="kiosk sim central", description="Central-server simulator (MQTT contract v1)."
    )
    parser.add_argument("--broker", required=True, help="mqtt://host:port")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file for stored events")
    parser.add_argument("--ack-interval", type=float, default=0.2, help="seconds between acks")
    parser.add_argument(
        "--avg-min",
        type=_avg,
        action="append",
        default=[],
        metavar="SERVICE=MINUTES",
        help="average service time of a service (repeatable; default 5 minutes)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    return parser


def format_event(event: StoredEvent) -> str:
    """One line for a stored event: kiosk, seq, type and data."""
    data = json.dumps(event.envelope.get("data"), ensure_ascii=False, separators=(",", ":"))
    return f"{event.envelope.get('ts')} {event.kiosk} seq={event.seq} {event.type} {data}"


def main(argv: list[str] | None = None) -> int:
    """Run until SIGTERM or SIGINT; returns the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        broker = parse_broker_url(args.broker)
    except LinkError as exc:
        print(f"kiosk sim central: {exc}", file=sys.stderr)
        return 2
    if broker.tls:
        print("kiosk sim central: mqtts:// is not supported by the simulator", file=sys.stderr)
        return 2

    def show(event: StoredEvent) -> None:
        print(format_event(event), flush=True)

    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    sim = CentralSimulator(
        broker.host,
        broker.port,
        store_path=args.db,
        ack_interval_s=args.ack_interval,
        services_avg_min=dict(args.avg_min),
        on_event=show,
    )
    sim.start()
    print(f"central simulator on {broker} (session {sim.session}); Ctrl-C stops", flush=True)
    try:
        while not done.wait(1.0):
            pass
    finally:
        sim.stop()
    print(f"stopped; {len(sim.events())} events stored, {sim.duplicates} duplicates", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
