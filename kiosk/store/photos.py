"""Accepted ID photos on disk: one row per photo, its JPEG named by its content hash.

``transfer_state`` (migrations 4 and 5): ``pending`` until the server confirms it holds the
image (``confirmed``); ``lost`` (the file is gone), ``corrupt`` (the file's hash is not its
name) and ``rejected`` (the server kept finding a hash mismatch) end a transfer with an
event. ``transfer_chunks`` is where an interrupted transfer resumes.
"""

from __future__ import annotations

import enum
import json
import logging
from dataclasses import dataclass
from typing import Any

from kiosk.store.database import Database, Transaction

log = logging.getLogger(__name__)


class TransferState(enum.StrEnum):
    """How far a photo's image got on its way to the server."""

    PENDING = "pending"  # not confirmed yet (maybe partly sent: see ``transfer_chunks``)
    CONFIRMED = "confirmed"  # the server holds the image under its hash
    LOST = "lost"  # the file was missing when it was to be sent
    CORRUPT = "corrupt"  # the file's sha256 is not the one in the row (and in the event)
    REJECTED = "rejected"  # the server found a hash mismatch again and again


@dataclass(frozen=True)
class TransferBacklog:
    """What waits to go to the server, for the health snapshot.

    Attributes:
        pending: photos whose image is not confirmed yet.
        pending_bytes: their size in bytes.
        oldest_accepted_at: RFC 3339 acceptance time of the oldest of them, or None.
        failed: photos whose transfer ended lost, corrupt or rejected.
    """

    pending: int
    pending_bytes: int
    oldest_accepted_at: str | None
    failed: int


@dataclass(frozen=True)
class PhotoRow:
    """An accepted photo as stored (see migrations 4 and 5)."""

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
    transfer_chunks: int = 0
    transfer_detail: str = ""
    confirmed_at: str | None = None
    file_deleted_at: str | None = None


_COLUMNS = (
    "id, code, sha256, size_bytes, width_px, height_px, dpi, rule_set, verdicts, file, "
    "language, accepted_at, transfer_state, receipt_state, receipt_reason, "
    "transfer_chunks, transfer_detail, confirmed_at, file_deleted_at"
)
_FAILED_STATES = (TransferState.LOST, TransferState.CORRUPT, TransferState.REJECTED)


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
        transfer_chunks=int(values[15]),
        transfer_detail=str(values[16]),
        confirmed_at=None if values[17] is None else str(values[17]),
        file_deleted_at=None if values[18] is None else str(values[18]),
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
            f"INSERT INTO photo ({_COLUMNS}) VALUES ({', '.join('?' * 19)})",
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
                photo.transfer_chunks,
                photo.transfer_detail,
                photo.confirmed_at,
                photo.file_deleted_at,
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
    def set_transfer_state(tx: Transaction, photo_id: str, state: str, detail: str = "") -> None:
        """Record how far the image's transfer to the server got (and why, if it failed)."""
        tx.execute(
            "UPDATE photo SET transfer_state = ?, transfer_detail = ? WHERE id = ?",
            (state, detail, photo_id),
        )

    @staticmethod
    def set_transfer_chunks(tx: Transaction, sha256: str, chunks: int) -> None:
        """Record that the broker took the first ``chunks`` chunks of this image, in order."""
        tx.execute(
            "UPDATE photo SET transfer_chunks = ? WHERE sha256 = ? AND transfer_state = ?",
            (chunks, sha256, TransferState.PENDING.value),
        )

    @staticmethod
    def confirm_transfer(tx: Transaction, sha256: str, at: str) -> list[str]:
        """Mark every pending photo with this image as confirmed; returns their ids."""
        ids = [
            str(row[0])
            for row in tx.execute(
                "SELECT id FROM photo WHERE sha256 = ? AND transfer_state = ? ORDER BY id",
                (sha256, TransferState.PENDING.value),
            ).fetchall()
        ]
        tx.execute(
            "UPDATE photo SET transfer_state = ?, confirmed_at = ?, transfer_detail = '' "
            "WHERE sha256 = ? AND transfer_state = ?",
            (TransferState.CONFIRMED.value, at, sha256, TransferState.PENDING.value),
        )
        return ids

    @staticmethod
    def set_file_deleted(tx: Transaction, photo_id: str, at: str) -> None:
        """Record that the photo's JPEG was removed (the retention period ended)."""
        tx.execute("UPDATE photo SET file_deleted_at = ? WHERE id = ?", (at, photo_id))

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

    def by_sha256(self, sha256: str) -> list[PhotoRow]:
        """Every photo whose JPEG has this hash (normally one), oldest first."""
        with self._db.reading() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM photo WHERE sha256 = ? ORDER BY accepted_at, id",
                (sha256,),
            ).fetchall()
        return [_row(values) for values in rows]

    def files_to_delete(self, confirmed_before: str) -> list[PhotoRow]:
        """Confirmed photos whose file is still kept and whose confirmation is not later
        than ``confirmed_before`` (RFC 3339 UTC), oldest first.

        NOTE: a file another, unconfirmed row still names (the same image accepted twice)
        is not listed: only confirmed images are ever deleted.
        """
        with self._db.reading() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM photo p WHERE transfer_state = ? "
                "AND file_deleted_at IS NULL AND confirmed_at <= ? "
                "AND NOT EXISTS (SELECT 1 FROM photo q WHERE q.file = p.file "
                "AND q.transfer_state != ?) ORDER BY confirmed_at, id",
                (
                    TransferState.CONFIRMED.value,
                    confirmed_before,
                    TransferState.CONFIRMED.value,
                ),
            ).fetchall()
        return [_row(values) for values in rows]

    def transfer_backlog(self) -> TransferBacklog:
        """How many images wait for the server, their bytes, the oldest, the failed ones."""
        marks = ", ".join("?" * len(_FAILED_STATES))
        with self._db.reading() as conn:
            count, size, oldest = conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(size_bytes), 0), MIN(accepted_at) FROM photo "
                "WHERE transfer_state = ?",
                (TransferState.PENDING.value,),
            ).fetchone()
            failed = conn.execute(
                f"SELECT COUNT(*) FROM photo WHERE transfer_state IN ({marks})",
                tuple(state.value for state in _FAILED_STATES),
            ).fetchone()[0]
        return TransferBacklog(int(count), int(size), oldest, int(failed))

    def pending_transfers(self) -> list[PhotoRow]:
        """Photos whose image has not reached the server yet, oldest first."""
        with self._db.reading() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM photo WHERE transfer_state = 'pending' "
                "ORDER BY accepted_at, id"
            ).fetchall()
        return [_row(values) for values in rows]


__all__ = ["PhotoRepository", "PhotoRow", "TransferBacklog", "TransferState"]
