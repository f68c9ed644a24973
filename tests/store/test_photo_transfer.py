"""The photo rows' transfer columns (migration 5), the backlog figures and the retention."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk.link.blob_sender import BlobSender
from kiosk.store.database import Database, _statements
from kiosk.store.kv import begin_session
from kiosk.store.migrations import MIGRATIONS
from kiosk.store.outbox import Outbox, rfc3339
from kiosk.store.photos import PhotoRepository, PhotoRow, TransferState

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def make_row(name: str, *, file: str | None = None, accepted: datetime = NOW) -> PhotoRow:
    sha256 = hashlib.sha256(name.encode()).hexdigest()
    return PhotoRow(
        id=f"id-{name}",
        code=f"C-{name}",
        sha256=sha256,
        size_bytes=1000,
        width_px=827,
        height_px=1063,
        dpi=600,
        rule_set="jp-passport",
        verdicts={},
        file=file or f"{sha256}.jpg",
        language="ja",
        accepted_at=rfc3339(accepted),
    )


def test_migration_5_adds_the_transfer_columns_to_existing_photos(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:4]:
        for statement in _statements(script):
            conn.execute(statement)
    conn.execute(
        "INSERT INTO photo (id, code, sha256, size_bytes, width_px, height_px, dpi, rule_set, "
        "verdicts, file, language, accepted_at) VALUES ('p1', 'C1', 'ab', 10, 1, 1, 600, "
        "'icao', '{}', 'ab.jpg', 'ja', '2026-11-27T00:00:00.000Z')"
    )
    conn.execute("PRAGMA user_version=4")
    conn.commit()
    conn.close()
    db = Database(path)
    assert db.schema_version == len(MIGRATIONS) == 6
    row = PhotoRepository(db).get("p1")
    assert row is not None
    assert (row.transfer_state, row.transfer_chunks, row.transfer_detail) == ("pending", 0, "")
    assert row.confirmed_at is None and row.file_deleted_at is None


def test_backlog_counts_pending_bytes_and_failed_transfers(tmp_path: Path) -> None:
    db = Database(tmp_path / "k.sqlite3")
    repo = PhotoRepository(db)
    old, new, gone = (
        make_row("old", accepted=NOW - timedelta(hours=2)),
        make_row("new"),
        make_row("gone"),
    )
    with db.transaction() as tx:
        for row in (old, new, gone):
            repo.insert(tx, row)
        repo.set_transfer_chunks(tx, new.sha256, 3)
        repo.set_transfer_state(tx, gone.id, TransferState.LOST.value, "file missing")
    backlog = repo.transfer_backlog()
    assert (backlog.pending, backlog.pending_bytes, backlog.failed) == (2, 2000, 1)
    assert backlog.oldest_accepted_at == old.accepted_at
    assert repo.get(new.id).transfer_chunks == 3  # type: ignore[union-attr]
    assert repo.get(gone.id).transfer_detail == "file missing"  # type: ignore[union-attr]


def test_retention_deletes_only_confirmed_files_past_keep_days(tmp_path: Path) -> None:
    db = Database(tmp_path / "k.sqlite3")
    outbox = Outbox(db, kiosk_id="k-1", session=begin_session(db))
    folder = tmp_path / "photos"
    folder.mkdir()
    repo = PhotoRepository(db)
    expired = make_row("expired")
    recent = make_row("recent")
    pending = make_row("pending", accepted=NOW - timedelta(days=365))
    lost = make_row("lost", accepted=NOW - timedelta(days=365))
    # The same image accepted twice: one row confirmed long ago, the other still pending.
    shared_a = make_row("shared")
    shared_b = PhotoRow(**{**shared_a.__dict__, "id": "id-shared-2", "code": "C-shared-2"})
    rows = (expired, recent, pending, lost, shared_a, shared_b)
    for row in rows:
        (folder / row.file).write_bytes(b"jpeg")
    with db.transaction() as tx:
        for row in rows:
            repo.insert(tx, row)
        repo.confirm_transfer(tx, expired.sha256, rfc3339(NOW - timedelta(days=31)))
        repo.confirm_transfer(tx, recent.sha256, rfc3339(NOW - timedelta(days=29)))
        repo.set_transfer_state(tx, lost.id, TransferState.LOST.value, "x")
        repo.set_transfer_state(tx, shared_b.id, TransferState.CONFIRMED.value)
        tx.execute(
            "UPDATE photo SET confirmed_at = ? WHERE id = ?",
            (rfc3339(NOW - timedelta(days=90)), shared_b.id),
        )
        tx.execute("UPDATE photo SET transfer_state = 'pending' WHERE id = ?", (shared_a.id,))
    sender = BlobSender(db, outbox, folder, keep_days=30, now=lambda: NOW)
    assert sender.delete_expired() == 1
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        {r.file for r in rows if r is not expired}
    )
    assert repo.get(expired.id).file_deleted_at == rfc3339(NOW)  # type: ignore[union-attr]
    assert repo.get(recent.id).file_deleted_at is None  # type: ignore[union-attr]
    assert sender.delete_expired() == 0  # done once
    # Later, when the pending twin is confirmed too, the shared file goes.
    with db.transaction() as tx:
        repo.confirm_transfer(tx, shared_a.sha256, rfc3339(NOW - timedelta(days=40)))
    assert sender.delete_expired() == 2
    assert not (folder / shared_a.file).exists()
    assert (folder / recent.file).exists()


def test_keep_days_0_deletes_a_confirmed_file_at_the_next_round(tmp_path: Path) -> None:
    db = Database(tmp_path / "k.sqlite3")
    outbox = Outbox(db, kiosk_id="k-1", session=begin_session(db))
    folder = tmp_path / "photos"
    folder.mkdir()
    row = make_row("now")
    (folder / row.file).write_bytes(b"jpeg")
    repo = PhotoRepository(db)
    with db.transaction() as tx:
        repo.insert(tx, row)
    sender = BlobSender(db, outbox, folder, keep_days=0, now=lambda: NOW)
    assert sender.delete_expired() == 0  # pending: kept
    with db.transaction() as tx:
        repo.confirm_transfer(tx, row.sha256, rfc3339(NOW))
    assert sender.delete_expired() == 1
    assert not (folder / row.file).exists()
