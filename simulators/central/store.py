"""The central simulator's SQLite file: events, ack positions and images, kept across runs."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from simulators.central.records import json_object, now_text

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS event (
    kiosk       TEXT NOT NULL,
    incarnation TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    id          TEXT NOT NULL,
    type        TEXT NOT NULL,
    ts          TEXT NOT NULL,
    envelope    TEXT NOT NULL,
    received    TEXT NOT NULL,
    PRIMARY KEY (kiosk, incarnation, seq)
);
CREATE TABLE IF NOT EXISTS kiosk_ack (
    kiosk       TEXT NOT NULL,
    incarnation TEXT NOT NULL,
    contiguous  INTEGER NOT NULL,
    PRIMARY KEY (kiosk, incarnation)
);
CREATE TABLE IF NOT EXISTS blob (
    sha256   TEXT PRIMARY KEY,
    kiosk    TEXT NOT NULL,
    data     BLOB NOT NULL,
    received TEXT NOT NULL
);
"""

EventRow = tuple[str, str, int, str, str, str, str, str]


class CentralStore:
    """The store file; events are written in batches (``commit``), images at once.

    Args:
        path: the SQLite file (created with its folder when missing; upgraded when it is
            from before incarnations).
    """

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(path), check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        upgrade_store(db)
        db.executescript(SCHEMA)
        self._db = db
        self._pending: list[EventRow] = []

    def ack_positions(self) -> list[tuple[str, str, int]]:
        """``(kiosk, incarnation, contiguous)`` of every stored ack position."""
        rows = self._db.execute("SELECT kiosk, incarnation, contiguous FROM kiosk_ack")
        return [(str(k), str(i), int(c)) for k, i, c in rows]

    def seqs_above_acks(self) -> list[tuple[str, str, int]]:
        """``(kiosk, incarnation, seq)`` of stored events above their ack position."""
        rows = self._db.execute(
            "SELECT e.kiosk, e.incarnation, e.seq FROM event e LEFT JOIN kiosk_ack a "
            "ON a.kiosk = e.kiosk AND a.incarnation = e.incarnation "
            "WHERE e.seq > COALESCE(a.contiguous, 0)"
        )
        return [(str(k), str(i), int(s)) for k, i, s in rows]

    def latest_incarnations(self) -> dict[str, str]:
        """Each kiosk's incarnation of its latest stored event."""
        rows = self._db.execute(
            "SELECT kiosk, incarnation FROM event WHERE rowid IN "
            "(SELECT MAX(rowid) FROM event GROUP BY kiosk)"
        )
        return {str(k): str(i) for k, i in rows}

    def add_event(self, kiosk: str, incarnation: str, envelope: dict[str, Any], raw: bytes) -> None:
        """Queue an event for the next ``commit``."""
        self._pending.append(
            (
                kiosk,
                incarnation,
                int(envelope["seq"]),
                str(envelope.get("id")),
                str(envelope.get("type")),
                str(envelope.get("ts")),
                raw.decode("utf-8"),
                now_text(),
            )
        )

    def commit(self, positions: Iterable[tuple[str, str, int]]) -> None:
        """Write the queued events and the ack positions ``(kiosk, incarnation, contiguous)``
        in one transaction (before the acks are published)."""
        with self._db:
            if self._pending:
                self._db.executemany(
                    "INSERT OR IGNORE INTO event VALUES (?, ?, ?, ?, ?, ?, ?, ?)", self._pending
                )
            self._db.executemany(
                "INSERT INTO kiosk_ack (kiosk, incarnation, contiguous) VALUES (?, ?, ?) "
                "ON CONFLICT (kiosk, incarnation) DO UPDATE SET contiguous = excluded.contiguous",
                list(positions),
            )
        self._pending.clear()

    def other_incarnations(self, kiosk: str, incarnation: str) -> list[tuple[str, dict[str, Any]]]:
        """Every stored event of ``kiosk`` from other incarnations, oldest first (call
        ``commit`` first)."""
        rows = self._db.execute(
            "SELECT incarnation, envelope FROM event WHERE kiosk = ? AND incarnation != ? "
            "ORDER BY rowid",
            (kiosk, incarnation),
        ).fetchall()
        known: list[tuple[str, dict[str, Any]]] = []
        for inc, text in rows:
            body = json_object(str(text).encode("utf-8"))
            if body is not None:
                known.append((str(inc), body))
        return known

    def add_blob(self, sha256: str, kiosk: str, data: bytes) -> None:
        """Store a verified image at once."""
        with self._db:
            self._db.execute(
                "INSERT OR IGNORE INTO blob VALUES (?, ?, ?, ?)", (sha256, kiosk, data, now_text())
            )

    def close(self) -> None:
        """Close the file (queued events not committed are lost: ``commit`` first)."""
        self._db.close()


def upgrade_store(db: sqlite3.Connection) -> None:
    """A store file from before incarnations: its events and acks become incarnation ''."""
    columns = [row[1] for row in db.execute("PRAGMA table_info(event)")]
    if not columns or "incarnation" in columns:
        return
    log.info("central store: adding incarnations to a store from before them")
    with db:
        db.execute("ALTER TABLE event RENAME TO event_v0")
        db.execute("ALTER TABLE kiosk_ack RENAME TO kiosk_ack_v0")
        db.executescript(SCHEMA)
        db.execute(
            "INSERT INTO event SELECT kiosk, '', seq, id, type, ts, envelope, received "
            "FROM event_v0"
        )
        db.execute("INSERT INTO kiosk_ack SELECT kiosk, '', contiguous FROM kiosk_ack_v0")
        db.execute("DROP TABLE event_v0")
        db.execute("DROP TABLE kiosk_ack_v0")
