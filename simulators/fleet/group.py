"""A fleet split over worker processes of at most ``per_process`` kiosks each.

One process runs a thousand kiosks on one loop thread (``simulators.fleet.loop``: epoll has
no descriptor limit, unlike the ``select()`` of paho's own loop, which capped a process at
about 150 kiosks). More processes only help when one core is not enough for the events
asked; each kiosk holds four descriptors (socket, SQLite file, WAL, shared memory), and
``Fleet.open`` raises the process's soft limit for them.

Workers are forked before any thread starts and obey commands sent over a pipe.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
from dataclasses import dataclass, replace
from multiprocessing.context import ForkProcess
from typing import Any

from simulators.fleet.fleet import Fleet, FleetSettings, FleetSummary

log = logging.getLogger(__name__)

MAX_PER_PROCESS = 2000


@dataclass(frozen=True)
class KioskTally:
    """Per-kiosk figures for checking against the server's store."""

    kiosk_id: str
    first_seq: int
    made: int


def _worker(
    settings: FleetSettings, first: int, conn: multiprocessing.connection.Connection
) -> None:
    fleet = Fleet(settings, first_number=first)
    fleet.open()
    conn.send("opened")
    while True:
        command = conn.recv()
        if command == "start":
            fleet.start()
            conn.send("started")
        elif command == "summary":
            conn.send(fleet.summary())
        elif command == "reset_delays":
            fleet.reset_reconnect_delays()
            conn.send("ok")
        elif command == "stop_events":
            fleet.stop_events()
            conn.send("ok")
        elif isinstance(command, tuple) and command[0] == "drain":
            conn.send(fleet.wait_drained(float(command[1])))
        elif command == "close":
            tallies = [KioskTally(k.kiosk_id, k.first_seq, k.stats.made) for k in fleet.kiosks]
            fleet.close()
            conn.send(tallies)
            return


class FleetGroup:
    """``settings.kiosks`` kiosks over ``ceil(kiosks / per_process)`` worker processes.

    Kiosk ids are ``fleet-0001`` … as in one ``Fleet``; each worker makes its share of
    ``settings.rate``.
    """

    def __init__(self, settings: FleetSettings, per_process: int = MAX_PER_PROCESS):
        self.settings = settings
        counts = []
        left = settings.kiosks
        while left > 0:
            counts.append(min(per_process, left))
            left -= counts[-1]
        self._ctx = multiprocessing.get_context("fork")
        self._conns: list[multiprocessing.connection.Connection] = []
        self.processes: list[ForkProcess] = []
        first = 1
        for index, count in enumerate(counts):
            part = replace(
                settings,
                kiosks=count,
                rate=settings.rate * count / settings.kiosks,
                seed=None if settings.seed is None else settings.seed + index,
            )
            parent, child = self._ctx.Pipe()
            process = self._ctx.Process(
                target=_worker, args=(part, first, child), name=f"fleet-{index}", daemon=True
            )
            self.processes.append(process)
            self._conns.append(parent)
            first += count

    def _all(self, command: Any) -> list[Any]:
        for conn in self._conns:
            conn.send(command)
        return [conn.recv() for conn in self._conns]

    def open(self) -> None:
        """Fork the workers; each opens its kiosks' stores."""
        for process in self.processes:
            process.start()
        for conn in self._conns:
            conn.recv()

    def start(self) -> None:
        """Start every kiosk's link and the event generators."""
        self._all("start")

    def summary(self) -> FleetSummary:
        """The figures of all workers added up."""
        parts: list[FleetSummary] = self._all("summary")
        return FleetSummary(
            kiosks=sum(p.kiosks for p in parts),
            online=sum(p.online for p in parts),
            made=sum(p.made for p in parts),
            acked=sum(p.acked for p in parts),
            pending=sum(p.pending for p in parts),
            refused=sum(p.refused for p in parts),
            dropped_telemetry=sum(p.dropped_telemetry for p in parts),
            reconnect_delays=[d for p in parts for d in p.reconnect_delays],
        )

    def reset_reconnect_delays(self) -> None:
        """Forget the reconnect delays seen so far."""
        self._all("reset_delays")

    def stop_events(self) -> None:
        """Stop making events."""
        self._all("stop_events")

    def wait_drained(self, timeout: float) -> bool:
        """Wait until every outbox is empty; False if one is not within ``timeout``."""
        return all(self._all(("drain", timeout)))

    def close(self) -> list[KioskTally]:
        """Stop every link and worker; the per-kiosk tallies."""
        tallies: list[KioskTally] = [t for part in self._all("close") for t in part]
        for process in self.processes:
            process.join(30)
        return tallies


__all__ = ["MAX_PER_PROCESS", "FleetGroup", "KioskTally"]
