"""Event ingest: every event stored once per ``(kiosk, incarnation, seq)``, and the gapless
ack positions the server publishes from it."""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from simulators.central.records import (
    ENVELOPE_KEYS,
    LEGACY,
    Arrival,
    StoredEvent,
    json_object,
)
from simulators.central.store import CentralStore

log = logging.getLogger(__name__)


@dataclass
class _Kiosk:
    contiguous: int = 0  # every seq 1..contiguous is stored
    acked_published: int = 0
    seen: set[int] = field(default_factory=set)  # stored seqs above ``contiguous``
    duplicates: int = 0


class EventLedger:
    """The stored events and each kiosk incarnation's ack position (not thread-safe: the
    simulator's worker holds its lock).

    Args:
        store: the store file, or None to keep events in memory only.
        arrivals: where each valid event's arrival is noted (duplicates included).
        ack_interval_s: how long new events wait for their ack (acks go out in batches).
    """

    def __init__(self, store: CentralStore | None, arrivals: deque[Arrival], ack_interval_s: float):
        self.store = store
        self.ack_interval_s = ack_interval_s
        self.rejected = 0
        self.ack_due_at: float | None = None
        self._arrivals = arrivals
        self._events: list[StoredEvent] = []
        self._kiosks: dict[tuple[str, str], _Kiosk] = {}  # (kiosk, incarnation) -> acks
        self._births: dict[str, tuple[str, int]] = {}  # kiosk -> (incarnation, first_seq)
        self._latest: dict[str, str] = {}  # kiosk -> incarnation of its latest event
        if store is not None:
            for kiosk, incarnation, contiguous in store.ack_positions():
                self._kiosks[(kiosk, incarnation)] = _Kiosk(contiguous, contiguous)
            for kiosk, incarnation, seq in store.seqs_above_acks():
                self._kiosks.setdefault((kiosk, incarnation), _Kiosk()).seen.add(seq)
            self._latest.update(store.latest_incarnations())

    # ---- reading ---------------------------------------------------------------------------

    def events(self, kiosk: str | None = None, type: str | None = None) -> list[StoredEvent]:
        """Events stored in this run, in arrival order."""
        return [
            e
            for e in self._events
            if (kiosk is None or e.kiosk == kiosk) and (type is None or e.type == type)
        ]

    def count(self, kiosk: str | None = None, type: str | None = None) -> int:
        """How many events ``events(kiosk, type)`` would return."""
        return sum(
            1
            for e in self._events
            if (kiosk is None or e.kiosk == kiosk) and (type is None or e.type == type)
        )

    @property
    def duplicates(self) -> int:
        """Events received again after they were stored."""
        return sum(k.duplicates for k in self._kiosks.values())

    def acked(self, kiosk: str, incarnation: str | None = None) -> int:
        """The last ``acked_seq`` published for ``kiosk`` (0 if none): of ``incarnation``,
        or of the incarnation of the kiosk's latest event."""
        if incarnation is None:
            incarnation = self._latest.get(kiosk, LEGACY)
        entry = self._kiosks.get((kiosk, incarnation))
        return entry.acked_published if entry else 0

    def contiguous(self, kiosk: str, incarnation: str) -> int | None:
        """The highest seq of ``incarnation`` below which every event is stored (None when
        the incarnation is unknown)."""
        entry = self._kiosks.get((kiosk, incarnation))
        return None if entry is None else entry.contiguous

    def other_incarnations(self, kiosk: str, incarnation: str) -> list[tuple[str, dict[str, Any]]]:
        """Every stored event of ``kiosk`` from other incarnations, oldest first."""
        if self.store is None:
            return [
                (e.incarnation, e.envelope)
                for e in self._events
                if e.kiosk == kiosk and e.incarnation != incarnation
            ]
        self.commit()
        return self.store.other_incarnations(kiosk, incarnation)

    # ---- ingest ----------------------------------------------------------------------------

    def accept(self, kiosk: str, category: str, payload: bytes) -> StoredEvent | None:
        """Store the event in ``payload`` unless it is invalid (counted in ``rejected``) or
        stored already (counted in ``duplicates``); returns it when newly stored."""
        envelope = json_object(payload)
        seq = envelope.get("seq") if envelope else None
        if (
            envelope is None
            or not ENVELOPE_KEYS.issubset(envelope)
            or envelope.get("kiosk") != kiosk
            or not isinstance(seq, int)
            or isinstance(seq, bool)
            or seq < 1
            or not isinstance(envelope.get("type"), str)
        ):
            self.rejected += 1
            log.warning("kiosk %s: invalid event envelope rejected: %r", kiosk, payload[:200])
            return None
        incarnation = self._incarnation_of(kiosk, envelope)
        entry = self._kiosks.setdefault((kiosk, incarnation), _Kiosk())
        self._arrivals.append(Arrival("evt", kiosk, seq=seq))
        if seq <= entry.contiguous or seq in entry.seen:
            entry.duplicates += 1
            return None
        entry.seen.add(seq)
        while entry.contiguous + 1 in entry.seen:
            entry.contiguous += 1
            entry.seen.discard(entry.contiguous)
        event = StoredEvent(kiosk, category, seq, envelope["type"], envelope, payload, incarnation)
        self._events.append(event)
        self._latest[kiosk] = incarnation
        if self.store is not None:
            self.store.add_event(kiosk, incarnation, envelope, payload)
        if entry.contiguous > entry.acked_published and self.ack_due_at is None:
            self.ack_due_at = time.monotonic() + self.ack_interval_s
        return event

    def on_birth(self, kiosk: str, body: dict[str, Any]) -> None:
        """Note the kiosk's incarnation; a database from before incarnations keeps its acks.

        A birth with ``first_seq`` > 1 continues the numbering of events that carry no
        incarnation: they are filed under the incarnation of that birth.
        """
        incarnation = body.get("incarnation")
        first_seq = body.get("first_seq")
        if not isinstance(incarnation, str) or not incarnation:
            return
        first = first_seq if isinstance(first_seq, int) and not isinstance(first_seq, bool) else 1
        self._births[kiosk] = (incarnation, first)
        legacy = self._kiosks.get((kiosk, LEGACY))
        if first > 1 and legacy is not None and (kiosk, incarnation) not in self._kiosks:
            self._kiosks[(kiosk, incarnation)] = self._kiosks.pop((kiosk, LEGACY))
            self._latest[kiosk] = incarnation

    def resume_from_ack(self, kiosk: str, body: dict[str, Any] | None) -> None:
        """Our own retained ack from an earlier run: where this kiosk's events stood."""
        acked = body.get("acked_seq") if body else None
        incarnation = body.get("incarnation", LEGACY) if body else LEGACY
        key = (kiosk, incarnation if isinstance(incarnation, str) else LEGACY)
        if key not in self._kiosks and isinstance(acked, int) and acked > 0:
            log.info("kiosk %s: resuming after acked_seq %d of %r", kiosk, acked, key[1])
            self._kiosks[key] = _Kiosk(contiguous=acked, acked_published=acked)
            self._latest.setdefault(kiosk, key[1])

    def _incarnation_of(self, kiosk: str, envelope: dict[str, Any]) -> str:
        incarnation = envelope.get("incarnation")
        if isinstance(incarnation, str) and incarnation:
            return incarnation
        birth = self._births.get(kiosk)
        if birth is not None and birth[1] > 1:
            return birth[0]  # a database from before incarnations, named by its birth
        return LEGACY

    # ---- acks ------------------------------------------------------------------------------

    def due_acks(self, now: float) -> list[tuple[str, str, int]]:
        """When the ack interval has passed: store, then return ``(kiosk, incarnation,
        acked_seq)`` of each new ack to publish (marked published)."""
        if self.ack_due_at is None or now < self.ack_due_at:
            return []
        self.ack_due_at = None
        self.commit()
        due = []
        for (kiosk, incarnation), entry in self._kiosks.items():
            if entry.contiguous > entry.acked_published:
                due.append((kiosk, incarnation, entry.contiguous))
                entry.acked_published = entry.contiguous
        return due

    def published_acks(self) -> list[tuple[str, str, int]]:
        """The ack last published for each kiosk's latest incarnation (to publish again
        after a reconnect: a broker without persistence lost them)."""
        return [
            (kiosk, incarnation, entry.acked_published)
            for (kiosk, incarnation), entry in self._kiosks.items()
            if entry.acked_published and incarnation == self._latest.get(kiosk, incarnation)
        ]

    def commit(self) -> None:
        """Write pending events and ack positions to the store (if any)."""
        if self.store is not None:
            self.store.commit((k, i, e.contiguous) for (k, i), e in self._kiosks.items())
