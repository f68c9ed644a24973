"""Many simulated kiosks in one process, each running the real link code, on one thread.

Every kiosk has its own SQLite file (WAL), its own ``Outbox`` (gapless ``seq``, envelope,
bounded), its own session (``begin_session``), its own ``HealthBoard`` and its own
``MqttLink`` (MQTT 5, Will, birth, retained health, acks, jittered back-off). The retained
health snapshot, re-published every ``heartbeat_s``, is the heartbeat.

Events follow a day in a lobby: most are tickets (issued, then printed, sometimes a print
failure), some are device health changes (telemetry, which also re-publishes the health
snapshot). Arrivals are a Poisson process over the whole fleet at ``rate`` events per
second; each event goes to a kiosk chosen at random.

Cost: one :class:`~simulators.fleet.loop.KioskLoop` thread runs every kiosk's link (its
socket in one epoll selector, its work and timers), the event generator included; a kiosk
is its socket, its database connection and its three files (db, WAL, shared memory). The
kiosks' databases use ``synchronous=NORMAL`` by default: the fleet tests the link and the
server, not a kiosk's power loss, and a ``FULL`` commit waits for the disk (about 3 ms here,
twice per event).
"""

from __future__ import annotations

import functools
import logging
import random
import resource
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from kiosk.config import MqttConfig
from kiosk.devices.health import Health, HealthBoard, HealthState
from kiosk.errors import StoreError
from kiosk.link.mqtt_link import LinkTuning, MqttLink, MqttVersion
from kiosk.store.database import Database
from kiosk.store.kv import begin_session
from kiosk.store.outbox import Outbox, OutboxFullError, Priority
from simulators.fleet.loop import KioskLoop, LinkSlot

log = logging.getLogger(__name__)

SERVICES = ("resident", "tax", "pension", "certificates")
PRINT_FAILURES = ("paper_out", "cover_open", "no_answer")
FILES_PER_KIOSK = 4  # its socket, SQLite file, WAL and shared memory


@dataclass(frozen=True)
class FleetSettings:
    """How the fleet behaves.

    Attributes:
        kiosks: how many kiosks.
        broker: ``mqtt://host:port``.
        state_dir: one sub-folder per kiosk with its SQLite file (kept across runs: seq
            and session go on where they stopped).
        rate: events per second over the whole fleet.
        heartbeat_s: health snapshot period of each kiosk.
        keepalive_s: MQTT keep-alive of each kiosk.
        offices: kiosks are spread over this many offices.
        protocol: MQTT version of the kiosks.
        seed: random seed of the event mix (None: a fresh one).
        start_spread_s: kiosks start spread over this long (a city's kiosks do not boot
            in the same second).
        tuning: the links' windows and back-off (``stop_timeout_s`` is not waited for: the
            goodbye's PUBACK arrives on the same loop thread that would wait for it).
        synchronous: the kiosks' SQLite ``synchronous`` (``NORMAL``; ``FULL`` as a kiosk).
    """

    kiosks: int
    broker: str
    state_dir: Path
    rate: float = 10.0
    heartbeat_s: float = 60.0
    keepalive_s: int = 30
    offices: int = 20
    protocol: MqttVersion = MqttVersion.V5
    seed: int | None = None
    start_spread_s: float = 5.0
    tuning: LinkTuning = field(default_factory=lambda: LinkTuning(backoff_min_s=1.0))
    synchronous: str = "NORMAL"


@dataclass
class KioskStats:
    """What one simulated kiosk saw (written by its link's worker and the generator)."""

    made: int = 0
    refused: int = 0
    connects: int = 0
    lost_at: float | None = None  # monotonic time of the last connection loss
    reconnect_delays: list[float] = field(default_factory=list)


class SimulatedKiosk:
    """One kiosk: its own database, outbox, session, health board and real ``MqttLink``,
    whose connections and work run on ``loop``."""

    def __init__(self, kiosk_id: str, office: str, settings: FleetSettings, loop: KioskLoop):
        self.kiosk_id = kiosk_id
        self.office = office
        self.slot = LinkSlot(kiosk_id)
        self.db = Database(
            settings.state_dir / kiosk_id / "kiosk.sqlite3", synchronous=settings.synchronous
        )
        self.session = begin_session(self.db)
        self.outbox = Outbox(self.db, kiosk_id=kiosk_id, session=self.session)
        self.first_seq = self.outbox.last_seq() + 1
        self.health = HealthBoard()
        self.health.register("printer")
        self.health.register("scanner")
        self.stats = KioskStats()
        self._tickets = 0
        self._lock = threading.Lock()
        self.link = MqttLink(
            MqttConfig(
                broker=settings.broker,
                keepalive_s=settings.keepalive_s,
                username="",
                password="",
            ),
            kiosk_id=kiosk_id,
            office=office,
            session=self.session,
            outbox=self.outbox,
            health=self.health,
            protocol=settings.protocol,
            boot_id=f"fleet-{kiosk_id}",
            version="fleet",
            tuning=replace(settings.tuning, stop_timeout_s=0.0),
            connector=loop.connector(self.slot),
        )
        self.slot.link = self.link
        self.db.add_commit_listener(self.link.notify_outbox)
        self.link.subscribe_status(self._on_status)

    def _on_status(self, online: bool, reason: str) -> None:
        now = time.monotonic()
        with self._lock:
            if online:
                self.stats.connects += 1
                if self.stats.lost_at is not None:
                    self.stats.reconnect_delays.append(now - self.stats.lost_at)
                    self.stats.lost_at = None
            elif reason == "connection_lost":
                self.stats.lost_at = now

    def make_event(self, rng: random.Random) -> None:
        """Append one event of the lobby mix (a ticket, its print result, a device change)."""
        roll = rng.random()
        try:
            if roll < 0.08:
                device = rng.choice(("printer", "scanner"))
                state = rng.choice((HealthState.OK, HealthState.DEGRADED, HealthState.FAULT))
                health = Health(state, "" if state is HealthState.OK else "simulated")
                self.health.report(device, health)
                self._append(
                    "device",
                    "device.health",
                    {"device": device, **health.as_dict()},
                    Priority.TELEMETRY,
                )
            elif roll < 0.55 or self._tickets == 0:
                self._tickets += 1
                self._append("ticket", "ticket.issued", self._ticket(rng), Priority.PERSON)
            elif roll < 0.97:
                data = {"ticket_id": f"{self.kiosk_id}-t{self._tickets}", "number": "A-001"}
                self._append("ticket", "ticket.printed", data, Priority.PERSON)
            else:
                data = {
                    "ticket_id": f"{self.kiosk_id}-t{self._tickets}",
                    "number": "A-001",
                    "reason": rng.choice(PRINT_FAILURES),
                }
                self._append("ticket", "ticket.print_failed", data, Priority.PERSON)
        except OutboxFullError:
            self.stats.refused += 1
        except StoreError:
            log.exception("kiosk %s could not store an event", self.kiosk_id)

    def _ticket(self, rng: random.Random) -> dict[str, Any]:
        return {
            "ticket_id": f"{self.kiosk_id}-t{self._tickets}",
            "number": f"A-{self._tickets % 1000:03d}",
            "service": rng.choice(SERVICES),
            "business_day": date.today().isoformat(),
            "seq_number": self._tickets,
            "people_ahead": rng.randrange(0, 30),
            "wait_minutes": rng.randrange(0, 90),
            "wait_estimated": True,
            "language": rng.choice(("ja", "en")),
        }

    def _append(self, category: str, kind: str, data: dict[str, Any], prio: Priority) -> None:
        with self.db.transaction() as tx:
            event = self.outbox.append(
                tx, category, kind, data, priority=prio, now=datetime.now(UTC)
            )
        if event is not None:
            self.stats.made += 1

    def close(self) -> None:
        """Close the database (after the link said goodbye)."""
        self.db.close()


@dataclass(frozen=True)
class FleetSummary:
    """The fleet's figures at one moment.

    Attributes:
        kiosks: kiosks in the fleet.
        online: kiosks connected now.
        made: events made in this run.
        acked: events of this run the server has acknowledged.
        pending: events waiting in the outboxes (made in any run, not acked).
        refused: person events refused because an outbox was full.
        dropped_telemetry: telemetry events dropped because an outbox was full.
        reconnect_delays: every delay from a lost connection to the next one, seconds.
    """

    kiosks: int
    online: int
    made: int
    acked: int
    pending: int
    refused: int
    dropped_telemetry: int
    reconnect_delays: list[float]

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        delays = sorted(self.reconnect_delays)
        spread = (
            f"reconnects {len(delays)}: min {delays[0]:.2f} s, median "
            f"{delays[len(delays) // 2]:.2f} s, max {delays[-1]:.2f} s"
            if delays
            else "reconnects 0"
        )
        return [
            f"kiosks {self.kiosks}, online {self.online}",
            f"events made {self.made}, acked {self.acked}, pending in outboxes {self.pending}",
            f"refused (outbox full) {self.refused}, telemetry dropped {self.dropped_telemetry}",
            f"lost 0 by construction of the outbox; unacked events are still on disk: "
            f"{self.pending}",
            spread,
        ]


class Fleet:
    """N simulated kiosks against one broker, making events at a fleet-wide rate.

    Args:
        settings: size, broker, folders and pace.
        first_number: number of the first kiosk (``fleet-0001`` for 1); a fleet split
            over processes gives each part its own range.
    """

    def __init__(self, settings: FleetSettings, *, first_number: int = 1):
        self.settings = settings
        self.first_number = first_number
        self.kiosks: list[SimulatedKiosk] = []
        self.loop = KioskLoop()
        self._rng = random.Random(settings.seed)
        self._making = False
        self._next_event_at = 0.0

    def open(self, progress: Callable[[int], None] | None = None) -> None:
        """Create (or reopen) every kiosk's store and link; nothing connects yet."""
        self.settings.state_dir.mkdir(parents=True, exist_ok=True)
        _allow_descriptors(self.settings.kiosks * FILES_PER_KIOSK + 64)
        first = self.first_number
        for number in range(first, first + self.settings.kiosks):
            kiosk_id = f"fleet-{number:04d}"
            office = f"office-{(number - 1) % self.settings.offices + 1:02d}"
            self.kiosks.append(SimulatedKiosk(kiosk_id, office, self.settings, self.loop))
            if progress is not None:
                progress(number - first + 1)

    def start(self) -> None:
        """Start the loop, the links (spread over ``start_spread_s``) and the events."""
        self.loop.start()
        self.loop.run(self._start_links)

    def _start_links(self) -> None:
        spread = self.settings.start_spread_s / max(len(self.kiosks), 1)
        for index, kiosk in enumerate(self.kiosks):
            self.loop.call_later(index * spread, functools.partial(self._start_link, kiosk))
        self._making = self.settings.rate > 0
        self._next_event_at = time.monotonic()
        self._make_event()

    def _start_link(self, kiosk: SimulatedKiosk) -> None:
        kiosk.link.start(worker=False)
        self.loop.mark(kiosk.slot)

    def _make_event(self) -> None:
        """Make the events that are due (Poisson arrivals on a fixed schedule: a pass that
        came late makes the events it missed), then wait for the next one."""
        now = time.monotonic()
        while self._making and self._next_event_at <= now:
            kiosk = self._rng.choice(self.kiosks)
            kiosk.make_event(self._rng)
            self.loop.mark(kiosk.slot)
            self._next_event_at += self._rng.expovariate(self.settings.rate)
        if self._making:
            self.loop.call_later(self._next_event_at - now, self._make_event)

    def make_event(self, kiosk: SimulatedKiosk) -> None:
        """One event of the lobby mix on ``kiosk`` now (from any thread; for tests)."""

        def make() -> None:
            kiosk.make_event(self._rng)
            self.loop.mark(kiosk.slot)

        self.loop.run(make)

    def reset_reconnect_delays(self) -> None:
        """Forget the reconnect delays seen so far."""
        for kiosk in self.kiosks:
            kiosk.stats.reconnect_delays.clear()

    def stop_events(self) -> None:
        """Stop making events (the links keep sending what is pending)."""
        if self.loop.running:
            self.loop.run(self._stop_making)

    def _stop_making(self) -> None:
        self._making = False

    def wait_drained(self, timeout: float) -> bool:
        """Wait until every outbox is empty (all acked); False on timeout.

        Polls the outboxes every 0.2 s: the fleet has no single "all acked" signal.
        """
        deadline = time.monotonic() + timeout
        idle = threading.Event()
        while not all(k.outbox.depth() == 0 for k in self.kiosks):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            idle.wait(min(0.2, remaining))
        return True

    def summary(self) -> FleetSummary:
        """The figures now."""
        made = acked = pending = refused = dropped = online = 0
        delays: list[float] = []
        for kiosk in self.kiosks:
            made += kiosk.stats.made
            refused += kiosk.stats.refused
            acked += max(kiosk.outbox.acked_seq() - kiosk.first_seq + 1, 0)
            pending += kiosk.outbox.depth()
            dropped += kiosk.outbox.dropped_telemetry()
            online += kiosk.link.online
            delays += kiosk.stats.reconnect_delays
        return FleetSummary(
            len(self.kiosks), online, made, acked, pending, refused, dropped, delays
        )

    def close(self, timeout_s: float = 10.0) -> None:
        """Stop events; every link says goodbye (its retained shutdown state) and
        disconnects; then the loop ends and the stores close."""
        if self.loop.running:
            self.loop.run(self._say_goodbye)
            deadline = time.monotonic() + timeout_s
            idle = threading.Event()
            while self.loop.open_sockets and time.monotonic() < deadline:
                idle.wait(0.05)
            self.loop.stop()
        for kiosk in self.kiosks:
            kiosk.close()

    def _say_goodbye(self) -> None:
        self._making = False
        for kiosk in self.kiosks:
            kiosk.link.stop()
            self.loop.mark(kiosk.slot)


def _allow_descriptors(needed: int) -> None:
    """Raise the soft limit of open files towards ``needed`` (up to the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    if wanted < needed:
        log.warning("only %d open files allowed; the fleet needs about %d", wanted, needed)


__all__ = ["Fleet", "FleetSettings", "FleetSummary", "KioskStats", "SimulatedKiosk"]
