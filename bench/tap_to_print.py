"""Tap → last ticket byte sent: our own time over 200 tickets against the printer simulator.

"Our own time" is from the call of ``TicketService.issue`` (what a tap triggers) to the return
of the write of the ticket's last byte, minus the time spent waiting for the printer's status
answers (``DLE EOT``, the printer's time). The status wait is reported beside it, and so is a
baseline measured in the same run: one durable SQLite commit (WAL + FULL) plus one ``sendall``
of the same ticket bytes, the least any durable ticket path must do.
"""

from __future__ import annotations

import socket
import statistics
import tempfile
import time
from pathlib import Path

from bench.aims import check
from kiosk.core.clock import SystemClock
from kiosk.core.tickets import TicketService
from kiosk.core.waiting import WaitingBoard
from kiosk.devices.health import HealthBoard
from kiosk.devices.printer.escpos_printer import EscPosPrinter
from kiosk.devices.transport import TcpTransport
from kiosk.i18n.catalog import load_catalogs
from kiosk.store.database import Database
from kiosk.store.kv import begin_session
from kiosk.store.outbox import Outbox
from kiosk.store.tickets import TicketRepository
from simulators.printer.server import PrinterSimulator
from tests.kiosk_config import make_config

TICKETS = 200


class TimingTransport(TcpTransport):
    """A TCP transport that notes when each write returns and how long reads waited."""

    last_write_done = 0.0
    read_wait = 0.0

    def write(self, data: bytes) -> None:
        super().write(data)
        self.last_write_done = time.perf_counter()

    def read(self, n: int, timeout: float) -> bytes:
        start = time.perf_counter()
        try:
            return super().read(n, timeout)
        finally:
            self.read_wait += time.perf_counter() - start


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        PrinterSimulator(port=0, out_dir=Path(tmp) / "p") as sim,
    ):
        config = make_config(Path(tmp) / "state")
        db = Database(config.state_dir / "kiosk.sqlite3")
        outbox = Outbox(db, kiosk_id=config.kiosk_id, session=begin_session(db))
        transport = TimingTransport("127.0.0.1", sim.port, connect_timeout=3.0)
        printer = EscPosPrinter(transport, status_timeout_s=1.0)
        clock = SystemClock()
        health = HealthBoard()
        waiting = WaitingBoard(config, TicketRepository(db), clock)
        service = TicketService(
            config, db, outbox, printer, health, waiting, load_catalogs(), clock
        )
        own: list[float] = []
        waits: list[float] = []
        totals: list[float] = []
        sizes: list[int] = []
        for i in range(TICKETS):
            services = ("certificates", "insurance", "childcare")
            transport.read_wait = 0.0
            received = sim.received_bytes
            tap = time.perf_counter()
            outcome = service.issue(services[i % 3], "ja")
            done = time.perf_counter()
            assert outcome.printed, outcome.problem
            # Reads after the last write (the status after the cut) are not before it.
            waits.append(transport.read_wait)
            own.append(transport.last_write_done - tap)
            totals.append(done - tap)
            sizes.append(sim.received_bytes - received)
        sim.wait_for_tickets(TICKETS, timeout=30)
        ticket_bytes = printer.encode_ticket(service.layout(outcome.ticket))
        baseline: list[float] = []
        with socket.create_connection(("127.0.0.1", sim.port)) as sock:
            for n in range(TICKETS):
                start = time.perf_counter()
                with db.transaction() as tx:
                    tx.execute("INSERT INTO kv (key, value) VALUES (?, ?)", (f"b{n}", "x"))
                sock.sendall(ticket_bytes)
                baseline.append(time.perf_counter() - start)
        db.close()
    ms = 1000.0
    print(f"tap -> last ticket byte, {TICKETS} tickets (ms)")
    own_net = [o - w for o, w in zip(own, waits, strict=True)]
    print(
        f"  our own time (minus status)    p50 {statistics.median(own_net) * ms:6.2f}  "
        f"p99 {percentile(own_net, 0.99) * ms:6.2f}"
    )
    print(
        f"  whole path incl. status waits  p50 {statistics.median(own) * ms:6.2f}  "
        f"p99 {percentile(own, 0.99) * ms:6.2f}"
    )
    print(
        f"  status answers (printer time)  p50 {statistics.median(waits) * ms:6.2f}  "
        f"p99 {percentile(waits, 0.99) * ms:6.2f}"
    )
    print(
        f"  issue() incl. status after cut p50 {statistics.median(totals) * ms:6.2f}  "
        f"p99 {percentile(totals, 0.99) * ms:6.2f}"
    )
    print(
        f"  baseline commit+sendall        p50 {statistics.median(baseline) * ms:6.2f}  "
        f"p99 {percentile(baseline, 0.99) * ms:6.2f}"
    )
    print(
        f"  ratio own time / baseline      p50 "
        f"{statistics.median(own_net) / statistics.median(baseline):.2f}x"
    )
    print(f"  bytes on the wire per ticket (incl. status queries): {statistics.median(sizes):.0f}")
    p99 = percentile(own_net, 0.99) * ms
    check("tap -> last ticket byte, our own time, p99", p99, "<", 30, unit=" ms")


if __name__ == "__main__":
    main()
