"""Outbox figures of DESIGN §7, as ratios in one run.

1. Durable appends per second, one event per transaction (what a tap does), with the
   kiosk's setting ``synchronous=FULL`` and with ``NORMAL`` (WAL both), same file system.
2. Drain: 10,000 events made while the link is down, then the link starts against a local
   Mosquitto with the central simulator acking; events per second from start until the
   outbox is empty (every row deleted by the server's ack, not by PUBACK).

``.venv/bin/python -m bench.outbox_rates [APPENDS] [BACKLOG]`` (defaults 3000, 10000).
"""

from __future__ import annotations

import logging
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.aims import check
from kiosk.config import MqttConfig
from kiosk.devices.health import HealthBoard
from kiosk.link.mqtt_link import MqttLink
from kiosk.store.database import Database
from kiosk.store.kv import begin_session
from kiosk.store.outbox import Outbox
from simulators.central.server import CentralSimulator
from simulators.mosquitto import MosquittoProcess

DATA = {"ticket_id": "t-1", "number": "A-001"}


def appends_per_second(folder: Path, synchronous: str, count: int) -> float:
    """Durable appends/s, one transaction each."""
    db = Database(folder / f"{synchronous.lower()}.sqlite3", synchronous=synchronous)
    outbox = Outbox(db, kiosk_id="bench", session=begin_session(db))
    start = time.perf_counter()
    for _ in range(count):
        with db.transaction() as tx:
            outbox.append(tx, "ticket", "ticket.printed", DATA)
    elapsed = time.perf_counter() - start
    db.close()
    return count / elapsed


def drain_rate(folder: Path, backlog: int) -> tuple[float, int]:
    """Events/s from link start to an empty outbox; and the duplicates the server saw."""
    with MosquittoProcess(folder / "broker") as broker:
        db = Database(folder / "drain.sqlite3")
        session = begin_session(db)
        outbox = Outbox(db, kiosk_id="bench", session=session)
        with db.transaction() as tx:
            for _ in range(backlog):
                outbox.append(tx, "ticket", "ticket.printed", DATA)
        with CentralSimulator("127.0.0.1", broker.port) as sim:
            link = MqttLink(
                MqttConfig(broker=broker.url, keepalive_s=30, username="", password=""),
                kiosk_id="bench",
                office="bench",
                session=session,
                outbox=outbox,
                health=HealthBoard(),
            )
            done = threading.Event()
            start = time.perf_counter()
            link.start()
            while outbox.depth() and not done.wait(0.01):
                pass
            elapsed = time.perf_counter() - start
            link.stop()
            duplicates = sim.duplicates
        db.close()
    return backlog / elapsed, duplicates


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.ERROR)
    args = sys.argv[1:] if argv is None else argv
    appends = int(args[0]) if args else 3000
    backlog = int(args[1]) if len(args) > 1 else 10_000
    with tempfile.TemporaryDirectory(prefix="bench-outbox-", dir=Path.cwd()) as tmp:
        folder = Path(tmp)
        full = appends_per_second(folder, "FULL", appends)
        normal = appends_per_second(folder, "NORMAL", appends)
        print(f"durable appends/s, one per transaction, {appends} each (files under {Path.cwd()}):")
        print(f"  WAL + synchronous=FULL   {full:8.0f}/s   (the kiosk's setting)")
        print(
            f"  WAL + synchronous=NORMAL {normal:8.0f}/s   (ratio NORMAL/FULL {normal / full:.1f}x)"
        )
        rate, duplicates = drain_rate(folder, backlog)
        print(
            f"drain of a {backlog}-event backlog to a local Mosquitto, central sim acking: "
            f"{rate:.0f} events/s, duplicates at the server {duplicates}"
        )
        check("durable outbox appends, WAL + FULL", full, ">=", 5000, unit="/s", digits=0)
        check("drain of a backlog to a local broker", rate, ">=", 2000, unit=" events/s", digits=0)


if __name__ == "__main__":
    main()
