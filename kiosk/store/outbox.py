"""The outbox: every outgoing event, appended in the same transaction as its state change.

Rows leave only when the server's ``acked_seq`` covers them (DESIGN §5, §6), never on
PUBACK: a broker without persistence forgets what it acknowledged when it restarts.
"""

from __future__ import annotations

import enum
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kiosk.errors import OutboxFullError
from kiosk.store.database import Database, Transaction
from kiosk.store.kv import kv_get, kv_increment, kv_set
from kiosk.uuid7 import uuid7

log = logging.getLogger(__name__)

LIVE_ROWS = "outbox.live_rows"  # kv: rows that count against the capacity

ENVELOPE_VERSION = 1
DROPPED_EVENT = "outbox.dropped"


class Priority(enum.StrEnum):
    """Which events go first when the outbox is full."""

    PERSON = "person"  # a person depends on it (a ticket, a hand-over): refuse, never drop
    TELEMETRY = "telemetry"  # health changes, counters: dropped first, and counted
    TOMBSTONE = "tombstone"  # a dropped telemetry event's place, so ``seq`` stays gapless


@dataclass(frozen=True)
class OutboxEvent:
    """One stored event with the exact envelope that will be sent."""

    seq: int
    id: str
    category: str
    type: str
    priority: Priority
    created: str
    envelope: str

    @property
    def payload(self) -> dict[str, Any]:
        """The envelope as a dict."""
        result: dict[str, Any] = json.loads(self.envelope)
        return result


def rfc3339(moment: datetime) -> str:
    """UTC time in RFC 3339 with milliseconds and a ``Z``."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Outbox:
    """Durable, ordered, bounded queue of outgoing events.

    Args:
        db: the kiosk database; its incarnation goes into every envelope.
        kiosk_id: goes into every envelope.
        session: the session number of this run (see ``begin_session``).
        capacity: rows kept at most; beyond it telemetry is dropped, person events refused.

    Attributes:
        incarnation: the database's incarnation id. ``seq`` counts within it: a replaced
            database starts again at 1 with a new incarnation, and the server keeps the two
            apart by ``(kiosk, incarnation, seq)``.
        first_seq: the first ``seq`` of this incarnation (1, or the next seq of a database
            from before incarnations); the birth tells the server.
    """

    def __init__(self, db: Database, *, kiosk_id: str, session: int, capacity: int = 100_000):
        self._db = db
        self.kiosk_id = kiosk_id
        self.session = session
        self.capacity = capacity
        self.incarnation = db.incarnation
        self.first_seq = db.first_seq

    def append(
        self,
        tx: Transaction,
        category: str,
        event_type: str,
        data: dict[str, Any],
        *,
        priority: Priority = Priority.PERSON,
        now: datetime | None = None,
    ) -> OutboxEvent | None:
        """Append an event inside the caller's transaction and return it.

        Returns None when a telemetry event was dropped (and counted) because the outbox is
        full of events a person depends on.

        Raises:
            OutboxFullError: the outbox is full and this event may not be dropped.
        """
        depth = self._live_rows(tx)
        if depth >= self.capacity and not self._make_room(tx):
            if priority is Priority.TELEMETRY:
                kv_increment(tx, "outbox.dropped_telemetry")
                log.warning("outbox full of person events; dropped new %s", event_type)
                return None
            raise OutboxFullError(
                f"outbox full ({depth} of {self.capacity} events unacknowledged); "
                f"refusing {event_type}"
            )
        seq = kv_increment(tx, "outbox.last_seq")
        created = rfc3339(now or datetime.now(UTC))
        event_id = uuid7()
        envelope = self._envelope(event_id, seq, created, event_type, data)
        tx.execute(
            "INSERT INTO outbox (seq, id, category, type, priority, created, envelope) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (seq, event_id, category, event_type, priority.value, created, envelope),
        )
        kv_increment(tx, LIVE_ROWS)
        return OutboxEvent(seq, event_id, category, event_type, priority, created, envelope)

    def _make_room(self, tx: Transaction) -> bool:
        """Turn the oldest telemetry event into a tombstone; False when there is none.

        NOTE: the row is not deleted: the server acks only a gapless ``seq`` run, so a hole
        would block every later ack. The tombstone keeps the seq with a tiny
        ``outbox.dropped`` envelope and does not count against the capacity.
        """
        row = tx.execute(
            "SELECT seq, id, type, created FROM outbox WHERE priority = ? ORDER BY seq LIMIT 1",
            (Priority.TELEMETRY.value,),
        ).fetchone()
        if row is None:
            return False
        seq, event_id, dropped_type, created = row
        tombstone = self._envelope(
            event_id, seq, created, DROPPED_EVENT, {"dropped_type": dropped_type}
        )
        tx.execute(
            "UPDATE outbox SET priority = ?, type = ?, envelope = ? WHERE seq = ?",
            (Priority.TOMBSTONE.value, DROPPED_EVENT, tombstone, seq),
        )
        kv_increment(tx, "outbox.dropped_telemetry")
        kv_increment(tx, LIVE_ROWS, -1)
        log.warning("outbox full; dropped telemetry event seq=%d (%s)", seq, dropped_type)
        return True

    @staticmethod
    def _live_rows(tx: Transaction) -> int:
        """Rows that count against the capacity (tombstones do not), kept in ``kv`` with
        every change in the same transaction.

        NOTE: a counter, not ``COUNT(*)`` on every append: the count reads the whole table
        and made each durable append about a quarter slower (bench/outbox_rates.py). A
        database from before the counter gets it counted once.
        """
        stored = kv_get(tx, LIVE_ROWS)
        if stored is not None:
            return int(stored)
        live = int(
            tx.execute(
                "SELECT COUNT(*) FROM outbox WHERE priority != ?", (Priority.TOMBSTONE.value,)
            ).fetchone()[0]
        )
        kv_set(tx, LIVE_ROWS, str(live))
        return live

    def _envelope(
        self, event_id: str, seq: int, created: str, event_type: str, data: dict[str, Any]
    ) -> str:
        return json.dumps(
            {
                "v": ENVELOPE_VERSION,
                "id": event_id,
                "seq": seq,
                "session": self.session,
                "incarnation": self.incarnation,
                "kiosk": self.kiosk_id,
                "ts": created,
                "type": event_type,
                "data": data,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    def pending(self, after_seq: int = 0, limit: int = 100) -> list[OutboxEvent]:
        """Stored events with ``seq > after_seq`` in order, at most ``limit``."""
        with self._db.reading() as conn:
            rows = conn.execute(
                "SELECT seq, id, category, type, priority, created, envelope FROM outbox "
                "WHERE seq > ? ORDER BY seq LIMIT ?",
                (after_seq, limit),
            ).fetchall()
        return [OutboxEvent(r[0], r[1], r[2], r[3], Priority(r[4]), r[5], r[6]) for r in rows]

    def ack(self, acked_seq: int) -> int:
        """Delete every event up to ``acked_seq`` (the server stored them); returns how many."""
        with self._db.transaction() as tx:
            live = self._live_rows(tx)
            leaving = int(
                tx.execute(
                    "SELECT COUNT(*) FROM outbox WHERE seq <= ? AND priority != ?",
                    (acked_seq, Priority.TOMBSTONE.value),
                ).fetchone()[0]
            )
            if leaving:
                kv_set(tx, LIVE_ROWS, str(live - leaving))
            cur = tx.execute("DELETE FROM outbox WHERE seq <= ?", (acked_seq,))
            previous = int(kv_get(tx, "outbox.acked_seq", "0") or "0")
            if acked_seq > previous:
                kv_set(tx, "outbox.acked_seq", str(acked_seq))
            return cur.rowcount

    def depth(self) -> int:
        """How many events wait for the server's ack."""
        with self._db.reading() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])

    def oldest_created(self) -> datetime | None:
        """Creation time of the oldest unacknowledged event, or None when empty."""
        with self._db.reading() as conn:
            row = conn.execute("SELECT created FROM outbox ORDER BY seq LIMIT 1").fetchone()
        if row is None:
            return None
        return datetime.fromisoformat(str(row[0]).replace("Z", "+00:00"))

    def dropped_telemetry(self) -> int:
        """How many telemetry events were dropped because the outbox was full."""
        with self._db.reading() as conn:
            return int(kv_get(conn, "outbox.dropped_telemetry", "0") or "0")

    def last_seq(self) -> int:
        """The last ``seq`` handed out (0 before the first event)."""
        with self._db.reading() as conn:
            return int(kv_get(conn, "outbox.last_seq", "0") or "0")

    def acked_seq(self) -> int:
        """The highest ``acked_seq`` the server has sent."""
        with self._db.reading() as conn:
            return int(kv_get(conn, "outbox.acked_seq", "0") or "0")


__all__ = [
    "Outbox",
    "OutboxEvent",
    "OutboxFullError",
    "Priority",
    "rfc3339",
]
