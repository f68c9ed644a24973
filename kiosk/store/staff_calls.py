"""The open staff call kept in the ``kv`` table (issue 13): it outlives a restart.

A person waiting for staff must not be forgotten because the kiosk restarted (an update, a
watchdog restart, a power cut): the open call is written in the same transaction as its
``assist.staff_called`` event and deleted in the same transaction as its
``assist.staff_call_acknowledged``, so the two can never disagree. At start the call is read
back (same ``call_id``, same time: the wait goes on counting) and the lamp is lit again.

One JSON value under ``kv`` ``assist.open_call``: ``{"call_id", "at", "via"}``. No migration:
``kv`` exists since migration 1, and at most one call is open at a time.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from kiosk.store.database import Database, Transaction
from kiosk.store.kv import kv_get, kv_set

log = logging.getLogger(__name__)

OPEN_CALL_KEY = "assist.open_call"


@dataclass(frozen=True)
class OpenCallRecord:
    """The stored open call: its id, when it was made (aware) and how (``button``, ``screen``)."""

    call_id: str
    at: datetime
    via: str


def save_open_call(tx: Transaction, record: OpenCallRecord) -> None:
    """Keep ``record`` as the open call (inside the transaction that appends its event)."""
    value = {"call_id": record.call_id, "at": record.at.isoformat(), "via": record.via}
    kv_set(tx, OPEN_CALL_KEY, json.dumps(value, sort_keys=True))


def clear_open_call(tx: Transaction) -> None:
    """Forget the open call (inside the transaction that appends its acknowledgement)."""
    tx.execute("DELETE FROM kv WHERE key = ?", (OPEN_CALL_KEY,))


def read_open_call(conn: sqlite3.Connection) -> OpenCallRecord | None:
    """The open call stored, or None (also for a damaged value, which is logged)."""
    text = kv_get(conn, OPEN_CALL_KEY)
    if text is None:
        return None
    try:
        value = json.loads(text)
        at = datetime.fromisoformat(value["at"])
        if at.tzinfo is None:
            raise ValueError("time without a zone")
        return OpenCallRecord(str(value["call_id"]), at, str(value["via"]))
    except (ValueError, TypeError, KeyError) as exc:
        # NOTE: a value nobody can read is no call to restore; the server still has the event.
        log.error("kv %s is not an open call (%s): %r", OPEN_CALL_KEY, exc, text[:200])
        return None


def load_open_call(db: Database) -> OpenCallRecord | None:
    """Read the open call from ``db`` (at start).

    Raises:
        StoreError: the database could not be read.
    """
    with db.reading() as conn:
        return read_open_call(conn)
