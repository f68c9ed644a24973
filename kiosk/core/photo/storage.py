"""Keeping an accepted photo: the JPEG on disk, its row and events in one transaction.

The JPEG is written under the storage folder as ``<sha256>.jpg`` (temporary file, fsync,
rename) *before* the row and the ``photo.captured`` event are committed in one transaction
(DESIGN §6): a row never points at a missing file; a crash between the two leaves only an
orphan file with a content name, harmless and recognisable. A staff approval is committed in
the same transaction (table ``photo_approval``, event ``photo.approved``).

The event carries the hash, size, rule set and verdict summary, never the image: the image
goes to the server by a separate transfer (docs/mqtt-contract.md, "ID photos"); the row's
``transfer_state`` stays ``pending`` until that transfer confirms it.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.core import events
from kiosk.core.photo.checks import VerdictStatus
from kiosk.core.photo.codes import new_photo_code
from kiosk.core.photo.crop import encode_jpeg
from kiosk.core.photo.result import AcceptedPhoto, PhotoResult
from kiosk.core.photo.review import StaffApproval
from kiosk.core.photo.rules import RuleSet
from kiosk.errors import KioskError
from kiosk.store.database import Database, Transaction
from kiosk.store.files import write_private
from kiosk.store.outbox import Outbox, rfc3339
from kiosk.store.photo_approvals import PhotoApprovalRepository, PhotoApprovalRow
from kiosk.store.photos import PhotoRepository, PhotoRow
from kiosk.uuid7 import uuid7

logger = logging.getLogger(__name__)

_CODE_ATTEMPTS = 20


def verdict_summary(result: PhotoResult, approval: StaffApproval | None) -> dict[str, Any]:
    """The verdicts as the row and the ``photo.captured`` event keep them."""
    report = result.report
    assert report is not None
    summary: dict[str, Any] = {
        "status": {v.rule.name: v.status.value for v in report.verdicts},
        "measured": {
            v.rule.name: round(v.measured, 3)
            for v in report.verdicts
            if v.measured is not None and v.status is not VerdictStatus.REVIEW
        },
        "review": list(result.to_review),
        # NOTE: only an approved photo is stored with failed rules, all of them person-checked.
        "failed": list(result.problems) if approval is not None else [],
    }
    if approval is not None:
        summary["waived"] = list(approval.rules_waived)
    return summary


def write_durably(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` as ``folder/name`` (0600) via a temporary file, fsync and rename.

    A failed write (a full disk) leaves no temporary file behind (``write_private``).
    """
    path = folder / name
    if path.exists() and path.stat().st_size == len(data):
        return path  # the same content (the name is its hash)
    return write_private(folder, name, data)


class PhotoStorage:
    """Stores checked photos and records what happened to their receipts (module docs).

    Args:
        db: the kiosk database.
        outbox: events go here, in the same transaction as the photo row.
        storage_dir: where accepted JPEGs are kept (``<state_dir>/photos``).
        rule_set: the rule set the photos were checked against (its print dpi and id).
    """

    def __init__(
        self,
        db: Database,
        outbox: Outbox,
        storage_dir: Path,
        rule_set: RuleSet,
    ) -> None:
        self._db = db
        self._outbox = outbox
        self.storage_dir = storage_dir
        self._rule_set = rule_set
        self._repo = PhotoRepository(db)
        self.approvals = PhotoApprovalRepository(db)

    def store(
        self,
        result: PhotoResult,
        language: str,
        now: datetime,
        approval: StaffApproval | None,
        receipt_qr: str,
    ) -> AcceptedPhoto:
        """Write the JPEG, then commit its row, its event (and the approval) at ``now``.

        ``receipt_qr`` is the receipt QR's payload; ``{code}`` is replaced by the photo code.

        The caller has checked that ``result`` may be stored (``PhotoBoothService.accept``).

        Raises:
            StoreError: the photo could not be committed (OutboxFullError included).
            OSError: the JPEG could not be written.
        """
        crop = result.crop
        assert crop is not None
        dpi = self._rule_set.print_size.dpi
        jpeg = encode_jpeg(crop, dpi)
        sha256 = hashlib.sha256(jpeg).hexdigest()
        path = write_durably(self.storage_dir, f"{sha256}.jpg", jpeg)
        photo_id = uuid7()
        verdicts = verdict_summary(result, approval)
        height, width = crop.shape[:2]
        with self._db.transaction() as tx:
            code = self._free_code(tx)
            qr = receipt_qr.format(code=code)
            self._repo.insert(
                tx,
                PhotoRow(
                    id=photo_id,
                    code=code,
                    sha256=sha256,
                    size_bytes=len(jpeg),
                    width_px=int(width),
                    height_px=int(height),
                    dpi=dpi,
                    rule_set=self._rule_set.id,
                    verdicts=verdicts,
                    file=path.name,
                    language=language,
                    accepted_at=rfc3339(now),
                ),
            )
            self._outbox.append(
                tx,
                events.PHOTO,
                events.PHOTO_CAPTURED,
                {
                    "photo_id": photo_id,
                    "code": code,
                    "sha256": sha256,
                    "size_bytes": len(jpeg),
                    "content_type": "image/jpeg",
                    "width_px": int(width),
                    "height_px": int(height),
                    "dpi": dpi,
                    "rule_set": self._rule_set.id,
                    "verdicts": verdicts,
                    "language": language,
                    "transfer": "pending",
                },
                now=now,
            )
            if approval is not None:
                self._record_approval(tx, photo_id, code, approval, now)
        logger.info(
            "photo %s accepted (id %s, %s, %d bytes, sha256 %s…)",
            code,
            photo_id,
            self._rule_set.id,
            len(jpeg),
            sha256[:12],
        )
        return AcceptedPhoto(photo_id, code, sha256, path, len(jpeg), qr, False)

    def _record_approval(
        self, tx: Transaction, photo_id: str, code: str, approval: StaffApproval, now: datetime
    ) -> None:
        approved_at = rfc3339(approval.approved_at)
        self.approvals.insert(
            tx,
            PhotoApprovalRow(
                photo_id=photo_id,
                staff_id=approval.staff_id,
                signed_in_by=approval.signed_in_by,
                reason=approval.reason.value,
                rules_waived=approval.rules_waived,
                approved_at=approved_at,
            ),
        )
        self._outbox.append(
            tx,
            events.PHOTO,
            events.PHOTO_APPROVED,
            {
                "photo_id": photo_id,
                "code": code,
                "staff_id": approval.staff_id,
                "signed_in_by": approval.signed_in_by,
                "reason": approval.reason.value,
                "rules_waived": list(approval.rules_waived),
                "approved_at": approved_at,
            },
            now=now,
        )

    def _free_code(self, tx: Transaction) -> str:
        for _ in range(_CODE_ATTEMPTS):
            code = new_photo_code()
            if not self._repo.code_taken(tx, code):
                return code
        raise KioskError(f"no free photo code after {_CODE_ATTEMPTS} attempts")

    def record_receipt(self, photo: AcceptedPhoto, *, printed: bool, reason: str = "") -> None:
        """Commit the receipt's outcome on the row and as ``photo.receipt_printed|failed``."""
        with self._db.transaction() as tx:
            self._repo.set_receipt_state(tx, photo.id, "printed" if printed else "failed", reason)
            data: dict[str, object] = {"photo_id": photo.id, "code": photo.code}
            if not printed:
                data["reason"] = reason
            self._outbox.append(
                tx,
                events.PHOTO,
                events.PHOTO_RECEIPT_PRINTED if printed else events.PHOTO_RECEIPT_FAILED,
                data,
            )

    def pending_transfers(self) -> list[PhotoRow]:
        """Accepted photos whose image has not reached the server (``transfer_state``)."""
        return self._repo.pending_transfers()


__all__ = ["PhotoStorage", "verdict_summary", "write_durably"]
