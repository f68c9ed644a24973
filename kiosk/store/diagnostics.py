"""What the diagnostics read from and keep in the state database (issue 11).

* **Counters.** Tickets issued, printed and not printed, and ID photos are counted from their
  own tables (the rows are the truth). What has no table of its own is counted in ``kv``
  under ``counter.<name>``: ``scans`` (every code a scanner read), ``door_unlocks.<door>``
  (every unlock sent) and ``door_cycles.<door>`` (a door seen open and then closed again).
  No migration: ``kv`` exists since migration 1.
* **Recent faults** of earlier runs: the ``device.health`` events still in the outbox (the
  server has not acknowledged them yet), newest first.
* **The support bundle on its way to the server** (``diag.bundle``): at most one at a time,
  as one JSON value in ``kv`` (``diag.bundle``). A newer bundle replaces an unsent older
  one (whose file the caller deletes). The link's blob sender
  (:mod:`kiosk.link.blob_sender`) sends it like a photo's image and records its progress
  here.

:func:`read_summary` reads a database read-only from another process (``kiosk diag``
while the kiosk runs: SQLite's WAL lets both read).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from kiosk.errors import StoreError
from kiosk.store.database import Database, Transaction
from kiosk.store.kv import kv_get, kv_increment, kv_set

log = logging.getLogger(__name__)

COUNTER_PREFIX = "counter."
SCANS = "scans"
BUNDLE_KEY = "diag.bundle"


def door_unlocks(door: int) -> str:
    """The counter name of the unlocks sent to ``door``."""
    return f"door_unlocks.{door}"


def door_cycles(door: int) -> str:
    """The counter name of ``door``'s open-and-closed-again cycles."""
    return f"door_cycles.{door}"


def _counters(conn: sqlite3.Connection) -> dict[str, int]:
    counts: dict[str, int] = {}
    rows = conn.execute(
        "SELECT key, value FROM kv WHERE key >= ? AND key < ?",
        (COUNTER_PREFIX, COUNTER_PREFIX[:-1] + chr(ord(".") + 1)),
    ).fetchall()
    for key, value in rows:
        try:
            counts[str(key)[len(COUNTER_PREFIX) :]] = int(value)
        except ValueError:
            log.warning("counter %s holds %r, not a whole number; left out", key, value)
    issued, printed, failed = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(print_state = 'printed'), 0), "
        "COALESCE(SUM(print_state = 'failed'), 0) FROM ticket"
    ).fetchone()
    counts["tickets_issued"] = int(issued)
    counts["tickets_printed"] = int(printed)
    counts["tickets_not_printed"] = int(failed)
    counts["photos"] = int(conn.execute("SELECT COUNT(*) FROM photo").fetchone()[0])
    counts.setdefault(SCANS, 0)
    return counts


def _recent_health_events(conn: sqlite3.Connection, limit: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT envelope FROM outbox WHERE type = 'device.health' ORDER BY seq DESC LIMIT ?",
        (limit,),
    ).fetchall()
    found: list[dict[str, Any]] = []
    for (envelope,) in rows:
        try:
            data = json.loads(envelope)["data"]
        except (ValueError, KeyError, TypeError):
            continue
        if isinstance(data, dict) and isinstance(data.get("device"), str):
            found.append(data)
    return found


@dataclass(frozen=True)
class StateSummary:
    """What ``kiosk diag`` reads from a kiosk's database without the kiosk.

    Attributes:
        counters: see the module docstring.
        outbox_depth: events the server has not acknowledged.
        oldest_created: RFC 3339 creation time of the oldest of them (None: none).
        recent_health: the newest ``device.health`` events still in the outbox (data).
    """

    counters: dict[str, int]
    outbox_depth: int
    oldest_created: str | None
    recent_health: list[dict[str, Any]]


def read_summary(path: Path, *, faults: int = 50) -> StateSummary:
    """Counters, the outbox's backlog and recent faults of the database at ``path``, opened
    read-only (nothing is created or changed; the kiosk may be running).

    Raises:
        StoreError: the file is missing or cannot be read as a kiosk database.
    """
    if not path.is_file():
        raise StoreError(f"no state database at {path}")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2.0)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open {path} read-only: {exc}") from exc
    try:
        depth, oldest = conn.execute("SELECT COUNT(*), MIN(created) FROM outbox").fetchone()
        return StateSummary(
            _counters(conn),
            int(depth),
            None if oldest is None else str(oldest),
            _recent_health_events(conn, faults),
        )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot read {path}: {exc}") from exc
    finally:
        conn.close()


class DiagnosticsRepository:
    """Counters and earlier faults in the kiosk's own database."""

    def __init__(self, db: Database):
        self._db = db

    def increment(self, name: str, by: int = 1) -> int:
        """Add ``by`` to counter ``name`` in a transaction of its own; the new value.

        Raises:
            StoreError: the database could not be written.
        """
        with self._db.transaction() as tx:
            return kv_increment(tx, COUNTER_PREFIX + name, by)

    def counters(self) -> dict[str, int]:
        """Every counter (see the module docstring), by name."""
        with self._db.reading() as conn:
            return _counters(conn)

    def recent_health_events(self, limit: int) -> list[dict[str, Any]]:
        """The data of the newest ``device.health`` events still in the outbox, newest first."""
        with self._db.reading() as conn:
            return _recent_health_events(conn, limit)


@dataclass(frozen=True)
class BundleRow:
    """A support bundle on its way to the server.

    Attributes:
        sha256: the file's hash (its name on the blob topic).
        file: the file's absolute path.
        size_bytes: its size.
        created_at: RFC 3339 UTC.
        transfer_state: ``pending``, ``confirmed``, ``lost``, ``corrupt`` or ``rejected``
            (the words of :class:`kiosk.store.photos.TransferState`).
        transfer_chunks: chunks the broker took in order (where a restart resumes).
        transfer_detail: why it failed.
        confirmed_at: RFC 3339 UTC of the server's ``ok``.
    """

    sha256: str
    file: str
    size_bytes: int
    created_at: str
    transfer_state: str = "pending"
    transfer_chunks: int = 0
    transfer_detail: str = ""
    confirmed_at: str | None = None


def _bundle(conn: sqlite3.Connection) -> BundleRow | None:
    text = kv_get(conn, BUNDLE_KEY)
    if not text:
        return None
    try:
        return BundleRow(**json.loads(text))
    except (ValueError, TypeError) as exc:
        log.error("kv %s is not a bundle record (%s): %r", BUNDLE_KEY, exc, text[:200])
        return None


def _store_bundle(tx: Transaction, row: BundleRow) -> None:
    kv_set(tx, BUNDLE_KEY, json.dumps(asdict(row), sort_keys=True))


class BundleQueue:
    """The support bundle waiting for (or sent to) the server; one at a time."""

    def __init__(self, db: Database):
        self._db = db

    def current(self) -> BundleRow | None:
        """The last bundle queued, whatever its state."""
        with self._db.reading() as conn:
            return _bundle(conn)

    def pending(self) -> BundleRow | None:
        """The bundle to send, or None."""
        row = self.current()
        return row if row is not None and row.transfer_state == "pending" else None

    def enqueue(self, row: BundleRow) -> BundleRow | None:
        """Queue ``row`` for the server; returns the unsent bundle it replaces (if any)."""
        with self._db.transaction() as tx:
            previous = _bundle(tx)
            _store_bundle(tx, row)
        if previous is not None and previous.transfer_state == "pending":
            return previous
        return None

    @staticmethod
    def set_transfer_chunks(tx: Transaction, sha256: str, chunks: int) -> None:
        """The broker took the first ``chunks`` chunks of the pending bundle ``sha256``."""
        row = _bundle(tx)
        if row is not None and row.sha256 == sha256 and row.transfer_state == "pending":
            _store_bundle(tx, replace(row, transfer_chunks=chunks))

    @staticmethod
    def set_transfer_state(tx: Transaction, sha256: str, state: str, detail: str = "") -> None:
        """End the pending bundle ``sha256``'s transfer (``lost``, ``corrupt``, ``rejected``)."""
        row = _bundle(tx)
        if row is not None and row.sha256 == sha256 and row.transfer_state == "pending":
            _store_bundle(tx, replace(row, transfer_state=state, transfer_detail=detail))

    @staticmethod
    def confirm_transfer(tx: Transaction, sha256: str, at: str) -> BundleRow | None:
        """The server holds bundle ``sha256``: returns the confirmed row (None: not pending)."""
        row = _bundle(tx)
        if row is None or row.sha256 != sha256 or row.transfer_state != "pending":
            return None
        confirmed = replace(row, transfer_state="confirmed", confirmed_at=at, transfer_detail="")
        _store_bundle(tx, confirmed)
        return confirmed


__all__ = [
    "SCANS",
    "BundleQueue",
    "BundleRow",
    "DiagnosticsRepository",
    "StateSummary",
    "door_cycles",
    "door_unlocks",
    "read_summary",
]
