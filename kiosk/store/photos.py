"""Accepted ID photos on disk: one row per photo, its JPEG named by its content hash."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from kiosk.store.database import Database, Transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PhotoRow:
    """An accepted photo as stored (see migration 4)."""

    id: str
    code: str
    sha256: str
    size_bytes: int
    width_px: int
    height_px: int
    dpi: int
    rule_set: str
    verdicts: dict[str, Any]
    file: str
    language: str
    accepted_at: str
    transfer_state: str = "pending"
    receipt_state: str = "pending"
    receipt_reason: str = ""


_COLUMNS = (
    "id, code, sha256, size_bytes, width_px, height_px, dpi, rule_set, verdicts, file, "
    "language, accepted_at, transfer_state, receipt_state, receipt_reason"
)


def _row(values: tuple[Any, ...]) -> PhotoRow:
    return PhotoRow(
        id=str(values[0]),
        code=str(values[1]),
        sha256=str(values[2]),
        size_bytes=int(values[3]),
        width_px=int(values[4]),
        height_px=int(values[5]),
        dpi=int(values[6]),
        rule_set=str(values[7]),
        verdicts=json.loads(values[8]),
        file=str(values[9]),
        language=str(values[10]),
        accepted_at=str(values[11]),
        transfer_state=str(values[12]),
        receipt_state=str(values[13]),
        receipt_reason=str(values[14]),
    )


class PhotoRepository:
    """SQL for the ``photo`` table."""

    def __init__(self, db: Database):
        self._db = db

    @staticmethod
    def code_taken(tx: Transaction, code: str) -> bool:
        """True when a photo already has this code (inside the caller's transaction)."""
        return tx.execute("SELECT 1 FROM photo WHERE code = ?", (code,)).fetchone() is not None

    @staticmethod
    def insert(tx: Transaction, photo: PhotoRow) -> None:
        """Store a newly accepted photo."""
        tx.execute(
            f"INSERT INTO photo ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                photo.id,
                photo.code,
                photo.sha256,
                photo.size_bytes,
                photo.width_px,
                photo.height_px,
                photo.dpi,
                photo.rule_set,
                json.dumps(photo.verdicts, ensure_ascii=False, sort_keys=True),
                photo.file,
                photo.language,
                photo.accepted_at,
                photo.transfer_state,
                photo.receipt_state,
                photo.receipt_reason,
            ),
        )

    @staticmethod
    def set_receipt_state(tx: Transaction, photo_id: str, state: str, reason: str = "") -> None:
        """Record whether the receipt came out."""
        tx.execute(
            "UPDATE photo SET receipt_state = ?, receipt_reason = ? WHERE id = ?",
            (state, reason, photo_id),
        )

    @staticmethod
    def set_transfer_state(tx: Transaction, photo_id: str, state: str) -> None:
        """Record how far the image's transfer to the server got."""
        tx.execute("UPDATE photo SET transfer_state = ? WHERE id = ?", (state, photo_id))

    def get(self, photo_id: str) -> PhotoRow | None:
        """The photo with this id, or None."""
        with self._db.reading() as conn:
            values = conn.execute(
                f"SELECT {_COLUMNS} FROM photo WHERE id = ?", (photo_id,)
            ).fetchone()
        return _row(values) if values else None

    def by_code(self, code: str) -> PhotoRow | None:
        """The photo with this photo code, or None."""
        with self._db.reading() as conn:
            values = conn.execute(
                f"SELECT {_COLUMNS} FROM photo WHERE code = ?", (code,)
            ).fetchone()
        return _row(values) if values else None

    def pending_transfers(self) -> list[PhotoRow]:
        """Photos whose image has not reached the server yet, oldest first."""
        with self._db.reading() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM photo WHERE transfer_state = 'pending' "
                "ORDER BY accepted_at, id"
            ).fetchall()
        return [_row(values) for values in rows]
