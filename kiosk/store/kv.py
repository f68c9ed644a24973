"""Small named values kept in the ``kv`` table (counters, the session number)."""

from __future__ import annotations

import sqlite3

from kiosk.store.database import Database


def kv_get(conn: sqlite3.Connection, key: str, default: str | None = None) -> str | None:
    """The value stored under ``key``, or ``default``."""
    row = conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
    return str(row[0]) if row else default


def kv_set(conn: sqlite3.Connection, key: str, value: str) -> None:
    """Store ``value`` under ``key`` (inside the caller's transaction)."""
    conn.execute(
        "INSERT INTO kv (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def kv_increment(conn: sqlite3.Connection, key: str, by: int = 1) -> int:
    """Add ``by`` to an integer value (missing = 0) and return the new value."""
    value = int(kv_get(conn, key, "0") or "0") + by
    kv_set(conn, key, str(value))
    return value


def begin_session(db: Database) -> int:
    """Count one more start of the kiosk and return the new session number.

    The session travels in the birth, the Will and every event envelope, so the server can
    tell a late Will of an old session from the state of the new one.
    """
    with db.transaction() as tx:
        return kv_increment(tx, "session")
