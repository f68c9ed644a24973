"""Used booking ids (check-in): a booking is accepted once, reuse is reported."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kiosk.store.database import Database, Transaction


@dataclass(frozen=True)
class UsedBooking:
    """A booking that was checked in here.

    Attributes:
        booking_id: the token's booking id, or ``code:<short code>`` for a typed code.
        office: the office it was checked in at.
        used_at: RFC 3339 UTC of the check-in.
        outcome: ``accepted`` (signed token), ``unverified`` (short code, not yet confirmed)
            or ``relearned`` (used before this database replaced a lost one; the server said).
        detail: service, slot, queue position… as stored.
    """

    booking_id: str
    office: str
    used_at: str
    outcome: str
    detail: dict[str, Any]


class UsedBookingRepository:
    """SQL for the ``used_booking`` table (migration 2)."""

    def __init__(self, db: Database):
        self._db = db

    @staticmethod
    def find(tx: Transaction, booking_id: str) -> UsedBooking | None:
        """The row of a booking id inside the caller's transaction, or None."""
        row = tx.execute(
            "SELECT booking_id, office, used_at, outcome, detail FROM used_booking "
            "WHERE booking_id = ?",
            (booking_id,),
        ).fetchone()
        return None if row is None else _row(row)

    @staticmethod
    def find_by_code(tx: Transaction, code: str) -> UsedBooking | None:
        """The first row whose short booking code is ``code`` (a typed code or a token's)."""
        row = tx.execute(
            "SELECT booking_id, office, used_at, outcome, detail FROM used_booking "
            "WHERE booking_id = ? OR json_extract(detail, '$.code') = ? "
            "ORDER BY used_at LIMIT 1",
            (f"code:{code}", code),
        ).fetchone()
        return None if row is None else _row(row)

    @staticmethod
    def insert(
        tx: Transaction,
        booking_id: str,
        office: str,
        used_at: str,
        outcome: str,
        detail: dict[str, Any],
    ) -> None:
        """Remember a booking as used (inside the caller's transaction, with its event)."""
        tx.execute(
            "INSERT INTO used_booking (booking_id, office, used_at, outcome, detail) "
            "VALUES (?, ?, ?, ?, ?)",
            (booking_id, office, used_at, outcome, _json(detail)),
        )

    @staticmethod
    def insert_relearned(
        tx: Transaction, booking_id: str, office: str, used_at: str, detail: dict[str, Any]
    ) -> bool:
        """Remember a booking the server says was used here before the database was replaced
        (outcome ``relearned``: a new scan of it reads as already used). False when the
        booking is already known."""
        cur = tx.execute(
            "INSERT OR IGNORE INTO used_booking (booking_id, office, used_at, outcome, detail) "
            "VALUES (?, ?, ?, 'relearned', ?)",
            (booking_id, office, used_at, _json(detail)),
        )
        return cur.rowcount > 0

    @staticmethod
    def update_detail(tx: Transaction, booking_id: str, detail: dict[str, Any]) -> bool:
        """Replace a row's detail (a server answer); False when there is no such row."""
        cur = tx.execute(
            "UPDATE used_booking SET detail = ? WHERE booking_id = ?", (_json(detail), booking_id)
        )
        return cur.rowcount > 0

    def get(self, booking_id: str) -> UsedBooking | None:
        """One row by booking id (outside a transaction)."""
        with self._db.reading() as conn:
            row = conn.execute(
                "SELECT booking_id, office, used_at, outcome, detail FROM used_booking "
                "WHERE booking_id = ?",
                (booking_id,),
            ).fetchone()
        return None if row is None else _row(row)

    def count(self) -> int:
        """How many bookings were checked in here."""
        with self._db.reading() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM used_booking").fetchone()[0])


def _json(detail: dict[str, Any]) -> str:
    return json.dumps(detail, ensure_ascii=False, separators=(",", ":"))


def _row(row: tuple[Any, ...]) -> UsedBooking:
    try:
        detail = json.loads(row[4])
    except (TypeError, ValueError):
        detail = {}
    return UsedBooking(
        booking_id=str(row[0]),
        office=str(row[1]),
        used_at=str(row[2]),
        outcome=str(row[3]),
        detail=detail if isinstance(detail, dict) else {},
    )
