"""``kiosk sim fleet --kiosks N --broker URL [--state-dir DIR] [--rate EVENTS_PER_S]``.

Runs N simulated kiosks (each with its own SQLite outbox and a real MqttLink) against one
broker until SIGTERM or Ctrl-C, across broker restarts; then stops making events, waits
up to ``--drain`` seconds for the server's acks and prints a summary. All kiosks of a
process share one loop thread (``simulators.fleet.loop``); ``--per-process`` splits a very
large fleet over worker processes.
Run ``kiosk sim central --broker URL`` (the server side) next to it.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import tempfile
import threading
from pathlib import Path
from types import FrameType

from kiosk.errors import KioskError
from kiosk.link.broker_url import parse_broker_url
from kiosk.link.mqtt_link import MqttVersion
from simulators.fleet.fleet import FleetSettings
from simulators.fleet.group import MAX_PER_PROCESS, FleetGroup


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``kiosk sim fleet``."""
    parser = argparse.ArgumentParser(
        prog="kiosk sim fleet", description="Many simulated kiosks on the real link code."
    )
    parser.add_argument("--kiosks", type=int, required=True, help="how many kiosks")
    parser.add_argument("--broker", required=True, help="mqtt://host:port")
    parser.add_argument(
        "--state-dir", type=Path, default=None, help="kiosk databases (default: a temp dir)"
    )
    parser.add_argument("--rate", type=float, default=10.0, help="events/s over the fleet")
    parser.add_argument("--heartbeat", type=float, default=60.0, help="health period, s")
    parser.add_argument("--keepalive", type=int, default=30, help="MQTT keep-alive, s")
    parser.add_argument("--mqtt", choices=["5", "3.1.1"], default="5", help="MQTT version")
    parser.add_argument("--drain", type=float, default=30.0, help="wait for acks at stop, s")
    parser.add_argument("--seed", type=int, default=None, help="random seed of the event mix")
    parser.add_argument(
        "--per-process", type=int, default=MAX_PER_PROCESS, help="kiosks per worker process"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run until SIGTERM or SIGINT; returns the exit status (0, or 2 for bad arguments)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.ERROR,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        broker = parse_broker_url(args.broker)
    except KioskError as exc:
        print(f"kiosk sim fleet: {exc}", file=sys.stderr)
        return 2
    if args.kiosks < 1:
        print("kiosk sim fleet: --kiosks must be at least 1", file=sys.stderr)
        return 2
    temp = None
    state_dir = args.state_dir
    if state_dir is None:
        temp = tempfile.TemporaryDirectory(prefix="kiosk-fleet-")
        state_dir = Path(temp.name)
    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    fleet = FleetGroup(
        FleetSettings(
            kiosks=args.kiosks,
            broker=str(broker),
            state_dir=state_dir,
            rate=args.rate,
            heartbeat_s=args.heartbeat,
            keepalive_s=args.keepalive,
            protocol=MqttVersion(args.mqtt),
            seed=args.seed,
        ),
        per_process=max(1, min(args.per_process, MAX_PER_PROCESS)),
    )
    try:
        fleet.open()
        fleet.start()
        print(
            f"fleet of {args.kiosks} kiosks on {broker} at {args.rate} events/s "
            f"(state in {state_dir}); SIGTERM or Ctrl-C stops",
            flush=True,
        )
        while not done.wait(10.0):
            s = fleet.summary()
            print(f"online {s.online}/{s.kiosks}, made {s.made}, acked {s.acked}", flush=True)
        fleet.stop_events()
        drained = fleet.wait_drained(args.drain)
        summary = fleet.summary()
    finally:
        fleet.close()
        if temp is not None:
            temp.cleanup()
    for line in summary.lines():
        print(line, flush=True)
    if not drained:
        print(f"not all acked within {args.drain} s; the rest stays in the outboxes", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
