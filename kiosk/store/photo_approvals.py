"""Staff approvals of ID photos (issue 12): who approved which photo, why, and which
person-checked rules they waived. One row per approved photo, written in the same transaction
as the photo's row and its ``photo.captured`` and ``photo.approved`` events.

The schema is migration 6 (:mod:`kiosk.store.migration_photo_approval`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from kiosk.store.database import Database, Transaction


@dataclass(frozen=True)
class PhotoApprovalRow:
    """A stored staff approval (see migration 6)."""

    photo_id: str
    staff_id: str
    signed_in_by: str
    reason: str
    rules_waived: tuple[str, ...]
    approved_at: str


_COLUMNS = "photo_id, staff_id, signed_in_by, reason, rules_waived, approved_at"


class PhotoApprovalRepository:
    """SQL for the ``photo_approval`` table."""

    def __init__(self, db: Database):
        self._db = db

    @staticmethod
    def insert(tx: Transaction, row: PhotoApprovalRow) -> None:
        """Store the approval of a photo being stored in ``tx``."""
        tx.execute(
            f"INSERT INTO photo_approval ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
            (
                row.photo_id,
                row.staff_id,
                row.signed_in_by,
                row.reason,
                json.dumps(list(row.rules_waived)),
                row.approved_at,
            ),
        )

    def get(self, photo_id: str) -> PhotoApprovalRow | None:
        """The approval of this photo, or None (most photos need none)."""
        with self._db.reading() as conn:
            values = conn.execute(
                f"SELECT {_COLUMNS} FROM photo_approval WHERE photo_id = ?", (photo_id,)
            ).fetchone()
        if values is None:
            return None
        return PhotoApprovalRow(
            photo_id=str(values[0]),
            staff_id=str(values[1]),
            signed_in_by=str(values[2]),
            reason=str(values[3]),
            rules_waived=tuple(str(rule) for rule in json.loads(values[4])),
            approved_at=str(values[5]),
        )


__all__ = ["PhotoApprovalRepository", "PhotoApprovalRow"]
