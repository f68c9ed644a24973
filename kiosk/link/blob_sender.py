"""Sends the images of accepted ID photos to the server, in chunks, after the events.

docs/mqtt-contract.md, "ID photos": an accepted photo's JPEG lies under
``<state_dir>/photos/<sha256>.jpg`` with a ``photo`` row in ``transfer_state = pending``.
This module is the kiosk's half of step 2:

* One image at a time, oldest first. Before its first chunk the file is read whole and its
  sha256 computed again: a missing file is marked ``lost``, a file whose hash is not its
  name ``corrupt``, each with a ``photo.transfer_failed`` event (priority person): never
  sent, never dropped silently.
* Chunks of ``CHUNK_SIZE`` bytes on ``kiosk/v1/{id}/blob/{sha256}/{n}`` (QoS 1, not
  retained; payload framing in :mod:`kiosk.link.blob_frame`), **one in flight**, and only
  while no event waits to be published or for its PUBACK: the link asks for a chunk only
  then, so a ticket made during a transfer waits at most for the one chunk already on the
  wire.
* The number of chunks the broker took, in order, is written to the row after each PUBACK:
  after a reconnect or a restart the transfer resumes there, not from the start.
* The server answers on the retained ``kiosk/v1/{id}/blob-ack``: ``ok: true`` sets
  ``confirmed`` (+ a ``photo.transferred`` event, telemetry); ``missing: [n…]`` sends those
  chunks again; ``ok: false`` (hash mismatch at the server) starts the image again, at
  most ``max_attempts`` times, then ``rejected`` with ``photo.transfer_failed``. With every
  chunk sent and no answer within ``ack_timeout_s``, the last chunk is sent again: the
  server answers every last chunk.
* Retention: a confirmed image's file is deleted ``keep_days`` after the confirmation
  (0: at once); files of unconfirmed photos are never deleted.

Support bundles (``diag.bundle``, issue 11) take the same path once no photo is pending:
the one bundle queued in :class:`~kiosk.store.diagnostics.BundleQueue`, read whole and
checked against its sha256 like a photo, chunked on ``blob/{sha256}/{n}``, resumed after a
restart, confirmed by ``blob-ack`` (then ``diag.bundle_transferred``, telemetry, and its file
is deleted at once); a bundle that cannot be sent ends with ``diag.bundle_failed``.

Everything runs on the link's worker thread; only :meth:`BlobSender.wake` (a commit
listener) is called from other threads.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk.core.strict_json import StrictJsonError
from kiosk.core.strict_json import loads as strict_loads
from kiosk.errors import LinkError, StoreError
from kiosk.link.blob_frame import CHUNK_SIZE, chunk_count, encode_chunk
from kiosk.link.topics import LinkTopicError, Topics, validate_sha256
from kiosk.store.database import Database, Transaction
from kiosk.store.diagnostics import BundleQueue, BundleRow
from kiosk.store.outbox import Outbox, Priority, rfc3339
from kiosk.store.photos import PhotoRepository, PhotoRow, TransferState

log = logging.getLogger(__name__)

PHOTO_CATEGORY = "photo"
PHOTO_TRANSFERRED = "photo.transferred"
PHOTO_TRANSFER_FAILED = "photo.transfer_failed"
DIAG_CATEGORY = "device"  # the kiosk as a device: its support bundle
BUNDLE_TRANSFERRED = "diag.bundle_transferred"
BUNDLE_FAILED = "diag.bundle_failed"


class BlobFileError(LinkError):
    """Raised when a photo's file cannot be sent: missing (``lost``) or changed (``corrupt``).

    Attributes:
        state: the transfer state to record.
        detail: what was found, for people.
    """

    def __init__(self, state: TransferState, detail: str):
        super().__init__(detail)
        self.state = state
        self.detail = detail


@dataclass(frozen=True)
class BlobTuning:
    """Timings and limits of the image transfer; every value has its unit in its name.

    Attributes:
        chunk_size: bytes per chunk (the contract says 32 KiB; tests may use less).
        ack_timeout_s: every chunk sent and no ``blob-ack`` for this long: send the last
            chunk again (the server answers every last chunk with ``ok`` or ``missing``).
        max_bytes_per_s: pace the image on a slow uplink; None sends the next chunk as
            soon as the previous one is PUBACKed.
        max_attempts: ``ok: false`` answers (hash mismatch at the server) before the
            photo is marked ``rejected``.
        retention_interval_s: how often confirmed files are checked for deletion.
    """

    chunk_size: int = CHUNK_SIZE
    ack_timeout_s: float = 30.0
    max_bytes_per_s: float | None = None
    max_attempts: int = 3
    retention_interval_s: float = 3600.0


@dataclass(frozen=True)
class OutgoingChunk:
    """One chunk for the link to publish."""

    topic: str
    payload: bytes
    sha256: str
    index: int
    total: int
    size: int


@dataclass
class _Transfer:
    rows: list[PhotoRow]
    data: bytes
    total: int
    next_index: int  # first chunk of the in-order pass the broker has not taken yet
    started: float  # monotonic, in this run
    resend: list[int] = field(default_factory=list)  # chunks the server asked for again
    bundle: BundleRow | None = None  # a support bundle (then ``rows`` is empty)
    inflight: int | None = None  # index of the chunk without PUBACK
    inflight_mid: int | None = None
    waiting_since: float | None = None  # monotonic: every chunk sent, no answer yet
    attempts: int = 0  # ok:false answers so far
    sent: int = 0  # chunk publishes in this run

    @property
    def sha256(self) -> str:
        return self.bundle.sha256 if self.bundle is not None else self.rows[0].sha256


class BlobSender:
    """The kiosk's side of the image transfer (see the module docs).

    Args:
        db: the kiosk database (photo rows, and the events in the same transactions).
        outbox: ``photo.transferred`` and ``photo.transfer_failed`` go here.
        photo_dir: where the JPEGs lie (``<state_dir>/photos``).
        keep_days: days a confirmed image's file is kept after the confirmation; 0 deletes
            it at once.
        tuning: chunk size, time-outs, pacing.
        now: the wall clock for ``confirmed_at`` and the retention (tests pass their own).
        bundles: the support bundle to send after the photos (None: none).
        sends_photos: False on a kiosk without a photo booth (bundles only; the health
            snapshot then has no ``photo_transfer``).
    """

    def __init__(
        self,
        db: Database,
        outbox: Outbox,
        photo_dir: Path,
        *,
        keep_days: float = 30.0,
        tuning: BlobTuning | None = None,
        now: Callable[[], datetime] | None = None,
        bundles: BundleQueue | None = None,
        sends_photos: bool = True,
    ):
        if keep_days < 0:
            raise LinkError(f"keep_days {keep_days} is negative")
        self._db = db
        self._outbox = outbox
        self._repo = PhotoRepository(db)
        self.photo_dir = photo_dir
        self.keep_days = keep_days
        self.topics = Topics(outbox.kiosk_id)
        self._t = tuning or BlobTuning()
        self._now = now or (lambda: datetime.now(UTC))
        self._current: _Transfer | None = None
        self._dirty = True  # a commit happened since pending photos were last looked up
        self._next_send_at = 0.0
        self._next_retention_at = time.monotonic()
        self._unrecorded: set[str] = set()  # failures the store refused to record, this run
        self._bundles = bundles
        self.sends_photos = sends_photos
        db.add_commit_listener(self.wake)

    # ---- called from any thread -------------------------------------------------------------

    def wake(self) -> None:
        """A commit happened (maybe a new photo): look for pending images again. Only sets a
        flag; the link's flush that the same commit triggers does the work."""
        self._dirty = True

    # ---- the link's worker thread ---------------------------------------------------------

    @property
    def current(self) -> tuple[str, int, int] | None:
        """``(sha256, chunks the broker took in order, total)`` of the image being sent."""
        t = self._current
        return None if t is None else (t.sha256, t.next_index, t.total)

    def connection_reset(self) -> None:
        """The connection ended or began: a chunk without PUBACK is sent again."""
        t = self._current
        if t is None:
            return
        t.inflight = None
        t.inflight_mid = None
        if t.waiting_since is not None:
            t.waiting_since = time.monotonic()  # the answer may come with the retained ack

    def next_chunk(self) -> OutgoingChunk | None:
        """The chunk to publish now, or None (nothing to send, one in flight, or paced)."""
        if self._current is None:
            self._current = self._load_next()
            if self._current is None:
                return None
        t = self._current
        if t.inflight is not None or time.monotonic() < self._next_send_at:
            return None
        if t.resend:
            index = t.resend[0]
        elif t.next_index < t.total:
            index = t.next_index
        else:
            if t.waiting_since is None:
                t.waiting_since = time.monotonic()
            return None
        payload = encode_chunk(t.data, index, self._t.chunk_size)
        return OutgoingChunk(
            self.topics.blob(t.sha256, index), payload, t.sha256, index, t.total, len(t.data)
        )

    def chunk_published(self, chunk: OutgoingChunk, mid: int) -> None:
        """The link handed ``chunk`` to paho under message id ``mid``."""
        t = self._current
        if t is None or t.sha256 != chunk.sha256:
            return
        t.inflight = chunk.index
        t.inflight_mid = mid
        t.sent += 1
        if self._t.max_bytes_per_s:
            self._next_send_at = time.monotonic() + len(chunk.payload) / self._t.max_bytes_per_s

    def on_puback(self, mid: int) -> bool:
        """A PUBACK arrived; True when it was the chunk in flight (then ask for the next)."""
        t = self._current
        if t is None or t.inflight_mid != mid or t.inflight is None:
            return False
        index = t.inflight
        t.inflight = None
        t.inflight_mid = None
        if t.resend and t.resend[0] == index:
            t.resend.pop(0)
        elif index == t.next_index:
            t.next_index += 1
            with self._db.transaction() as tx:
                self._set_chunks(tx, t, t.next_index)
        if not t.resend and t.next_index >= t.total:
            t.waiting_since = time.monotonic()
        return True

    def on_blob_ack(self, payload: bytes) -> bool:
        """Handle the server's answer on ``blob-ack``; True when a photo's state changed
        (the link re-publishes its health snapshot)."""
        if not payload:
            return False  # a cleared retained message
        try:
            body = strict_loads(payload)
            sha256 = validate_sha256(body["blob"])
        except (StrictJsonError, TypeError, KeyError, LinkTopicError):
            log.warning("blob-ack of %s not understood: %r", self.topics.kiosk_id, payload[:200])
            return False
        t = self._current if self._current and self._current.sha256 == sha256 else None
        ok = body.get("ok")
        if ok is True and ((t is not None and t.bundle is not None) or self._is_bundle(sha256)):
            return self._confirm_bundle(sha256, t)
        if ok is True:
            return self._confirm(sha256, t)
        if t is None:
            log.debug("blob-ack for %s… which is not being sent: %r", sha256[:12], body)
            return False
        if ok is False:
            return self._mismatch(t, str(body.get("reason", "")))
        missing = body.get("missing")
        if isinstance(missing, list):
            wanted = sorted(
                {n for n in missing if isinstance(n, int) and not isinstance(n, bool)}
                & set(range(t.total))
            )
            log.info("server asks for %d chunks of %s… again: %s", len(wanted), sha256[:12], wanted)
            t.resend = [n for n in wanted if n != t.inflight]
            t.waiting_since = None
            return False
        log.warning("blob-ack for %s… without ok or missing: %r", sha256[:12], body)
        return False

    def deadline(self) -> float | None:
        """The next monotonic time :meth:`run_timers` has something to do."""
        deadlines = [self._next_retention_at]
        t = self._current
        if t is not None:
            if t.waiting_since is not None and t.inflight is None:
                deadlines.append(t.waiting_since + self._t.ack_timeout_s)
            if self._next_send_at > time.monotonic() and t.inflight is None:
                deadlines.append(self._next_send_at)
        return min(deadlines)

    def run_timers(self) -> bool:
        """Ack time-out, pacing and retention; True when a chunk may be due (flush)."""
        now = time.monotonic()
        due = False
        if now >= self._next_retention_at:
            self._next_retention_at = now + self._t.retention_interval_s
            self.delete_expired()
        t = self._current
        if t is not None and t.inflight is None:
            if t.waiting_since is not None and now - t.waiting_since >= self._t.ack_timeout_s:
                log.warning(
                    "no blob-ack for %s… %.0f s after its last chunk; sending the last again",
                    t.sha256[:12],
                    now - t.waiting_since,
                )
                t.waiting_since = None
                t.resend = [t.total - 1]
                due = True
            if self._next_send_at and now >= self._next_send_at:
                self._next_send_at = 0.0
                due = True
        return due

    def backlog(self) -> dict[str, Any]:
        """The ``photo_transfer`` part of the health snapshot."""
        backlog = self._repo.transfer_backlog()
        age = 0.0
        if backlog.oldest_accepted_at:
            oldest = datetime.fromisoformat(backlog.oldest_accepted_at.replace("Z", "+00:00"))
            age = round(max((self._now() - oldest).total_seconds(), 0.0), 3)
        report: dict[str, Any] = {
            "pending": backlog.pending,
            "pending_bytes": backlog.pending_bytes,
            "oldest_pending_age_s": age,
            "failed": backlog.failed,
        }
        t = self._current
        if t is not None:
            report["sending"] = {"sha256": t.sha256, "chunks_done": t.next_index, "total": t.total}
        return report

    def delete_expired(self) -> int:
        """Delete the files of images confirmed ``keep_days`` ago or earlier; how many.

        A file that cannot be deleted is logged and tried again at the next round.
        """
        cutoff = rfc3339(self._now() - timedelta(days=self.keep_days))
        deleted = 0
        for row in self._repo.files_to_delete(cutoff):
            path = self.photo_dir / row.file
            try:
                path.unlink()
            except FileNotFoundError:
                log.warning("photo %s: file %s was already gone at its retention end", row.id, path)
            except OSError as exc:
                log.error("photo %s: cannot delete %s: %s", row.id, path, exc)
                continue
            with self._db.transaction() as tx:
                PhotoRepository.set_file_deleted(tx, row.id, rfc3339(self._now()))
            deleted += 1
        if deleted:
            log.info("deleted %d confirmed photo files (keep_days %s)", deleted, self.keep_days)
        return deleted

    # ---- internals --------------------------------------------------------------------------

    def _load_next(self) -> _Transfer | None:
        """The oldest pending image whose file is intact; records the broken ones."""
        if not self._dirty:
            return None
        self._dirty = False
        rows = [r for r in self._repo.pending_transfers() if r.sha256 not in self._unrecorded]
        while rows:
            sha256 = rows[0].sha256
            same = [r for r in rows if r.sha256 == sha256]
            rows = [r for r in rows if r.sha256 != sha256]
            try:
                data = self._read_verified(same[0])
            except BlobFileError as exc:
                self._fail(same, exc.state, exc.detail)
                continue
            total = chunk_count(len(data), self._t.chunk_size)
            resume = min(max(r.transfer_chunks for r in same), total)
            log.info(
                "sending photo image %s… (%d bytes, %d chunks%s)",
                sha256[:12],
                len(data),
                total,
                f", resuming at chunk {resume}" if resume else "",
            )
            transfer = _Transfer(same, data, total, resume, time.monotonic())
            if resume >= total:
                transfer.waiting_since = time.monotonic()
            return transfer
        return self._load_bundle()

    # ---- support bundles (diag.bundle) ------------------------------------------------------

    def _is_bundle(self, sha256: str) -> bool:
        row = self._bundles.pending() if self._bundles is not None else None
        return row is not None and row.sha256 == sha256

    def _load_bundle(self) -> _Transfer | None:
        """The pending support bundle, once no photo waits (its file checked like one)."""
        row = self._bundles.pending() if self._bundles is not None else None
        if row is None or row.sha256 in self._unrecorded:
            return None
        try:
            data = self._read_verified(row)
        except BlobFileError as exc:
            self._fail_bundle(row, exc.state, exc.detail)
            return None
        total = chunk_count(len(data), self._t.chunk_size)
        resume = min(row.transfer_chunks, total)
        log.info(
            "sending support bundle %s… (%d bytes, %d chunks%s)",
            row.sha256[:12],
            len(data),
            total,
            f", resuming at chunk {resume}" if resume else "",
        )
        transfer = _Transfer([], data, total, resume, time.monotonic(), bundle=row)
        if resume >= total:
            transfer.waiting_since = time.monotonic()
        return transfer

    def _set_chunks(self, tx: Transaction, t: _Transfer, chunks: int) -> None:
        if t.bundle is not None:
            BundleQueue.set_transfer_chunks(tx, t.sha256, chunks)
        else:
            PhotoRepository.set_transfer_chunks(tx, t.sha256, chunks)

    def _fail_bundle(self, row: BundleRow, state: TransferState, detail: str) -> None:
        log.error("support bundle %s… not sent: %s (%s)", row.sha256[:12], state, detail)
        try:
            with self._db.transaction() as tx:
                BundleQueue.set_transfer_state(tx, row.sha256, state.value, detail)
                self._outbox.append(
                    tx,
                    DIAG_CATEGORY,
                    BUNDLE_FAILED,
                    {
                        "sha256": row.sha256,
                        "reason": state.value,
                        "detail": detail[:500],
                    },
                    priority=Priority.TELEMETRY,
                )
        except StoreError:
            log.exception("failure of bundle %s… could not be recorded", row.sha256[:12])
            self._unrecorded.add(row.sha256)

    def _transfer_fields(self, size_bytes: int, t: _Transfer | None) -> dict[str, Any]:
        """The confirmed event's transfer figures (chunks sent and time, when it was sent now)."""
        fields: dict[str, Any] = {
            "size_bytes": size_bytes,
            "chunks": chunk_count(size_bytes, self._t.chunk_size),
        }
        if t is not None:
            fields["chunks_sent"] = t.sent
            fields["duration_s"] = round(time.monotonic() - t.started, 3)
        return fields

    def _confirm_bundle(self, sha256: str, t: _Transfer | None) -> bool:
        with self._db.transaction() as tx:
            row = BundleQueue.confirm_transfer(tx, sha256, rfc3339(self._now()))
            if row is not None:
                data = {"sha256": sha256, **self._transfer_fields(row.size_bytes, t)}
                self._outbox.append(
                    tx, DIAG_CATEGORY, BUNDLE_TRANSFERRED, data, priority=Priority.TELEMETRY
                )
        if t is not None:
            self._current = None
            self._dirty = True
        if row is None:
            return False
        log.info("server confirmed support bundle %s…", sha256[:12])
        try:
            Path(row.file).unlink(missing_ok=True)  # logs and the config: not kept once sent
        except OSError as exc:
            log.error("support bundle %s not deleted after its transfer: %s", row.file, exc)
        return True

    def _read_verified(self, row: PhotoRow | BundleRow) -> bytes:
        path = self.photo_dir / row.file
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise BlobFileError(TransferState.LOST, f"file {path} is missing") from None
        except OSError as exc:
            raise BlobFileError(TransferState.LOST, f"file {path} cannot be read: {exc}") from exc
        actual = hashlib.sha256(data).hexdigest()
        if actual != row.sha256:
            raise BlobFileError(
                TransferState.CORRUPT,
                f"file {path} ({len(data)} bytes) has sha256 {actual}, not {row.sha256}",
            )
        return data

    def _fail(self, rows: list[PhotoRow], state: TransferState, detail: str) -> None:
        """Record a transfer that cannot go on, with its event (priority person)."""
        log.error(
            "photo image %s… of %s not sent: %s (%s)",
            rows[0].sha256[:12],
            ", ".join(r.code for r in rows),
            state,
            detail,
        )
        try:
            with self._db.transaction() as tx:
                for row in rows:
                    PhotoRepository.set_transfer_state(tx, row.id, state.value, detail)
                    self._outbox.append(
                        tx,
                        PHOTO_CATEGORY,
                        PHOTO_TRANSFER_FAILED,
                        {
                            "photo_id": row.id,
                            "code": row.code,
                            "sha256": row.sha256,
                            "reason": state.value,
                            "detail": detail[:500],
                        },
                        priority=Priority.PERSON,
                    )
        except StoreError:
            # NOTE: the photo stays pending on disk and is skipped until the next start;
            # the error is in the log and the health snapshot still counts it as pending.
            log.exception("transfer failure of %s… could not be recorded", rows[0].sha256[:12])
            self._unrecorded.add(rows[0].sha256)

    def _confirm(self, sha256: str, t: _Transfer | None) -> bool:
        at = rfc3339(self._now())
        with self._db.transaction() as tx:
            ids = PhotoRepository.confirm_transfer(tx, sha256, at)
            rows = {r.id: r for r in self._repo.by_sha256(sha256)} if ids else {}
            for photo_id in ids:
                row = rows[photo_id]
                data = {
                    "photo_id": row.id,
                    "code": row.code,
                    "sha256": sha256,
                    **self._transfer_fields(row.size_bytes, t),
                }
                self._outbox.append(
                    tx, PHOTO_CATEGORY, PHOTO_TRANSFERRED, data, priority=Priority.TELEMETRY
                )
        if t is not None:
            self._current = None
            self._dirty = True
        if not ids:
            log.debug("blob-ack ok for %s…: nothing pending with that hash", sha256[:12])
            return False
        log.info("server confirmed photo image %s… (%s)", sha256[:12], ", ".join(ids))
        if self.keep_days == 0:
            self.delete_expired()
        return True

    def _mismatch(self, t: _Transfer, reason: str) -> bool:
        t.attempts += 1
        try:
            # the file may have changed since it was read
            self._read_verified(t.bundle if t.bundle is not None else t.rows[0])
        except BlobFileError as exc:
            self._current = None
            self._dirty = True
            self._fail_transfer(t, exc.state, exc.detail)
            return True
        if t.attempts >= self._t.max_attempts:
            self._current = None
            self._dirty = True
            self._fail_transfer(
                t,
                TransferState.REJECTED,
                f"server found a hash mismatch {t.attempts} times ({reason or 'no reason'})",
            )
            return True
        log.warning(
            "server found a hash mismatch in %s… (%s); sending it again (attempt %d of %d)",
            t.sha256[:12],
            reason or "no reason",
            t.attempts + 1,
            self._t.max_attempts,
        )
        t.next_index = 0
        t.resend = []
        t.waiting_since = None
        with self._db.transaction() as tx:
            self._set_chunks(tx, t, 0)
        return False

    def _fail_transfer(self, t: _Transfer, state: TransferState, detail: str) -> None:
        if t.bundle is not None:
            self._fail_bundle(t.bundle, state, detail)
        else:
            self._fail(t.rows, state, detail)


__all__ = [
    "BUNDLE_FAILED",
    "BUNDLE_TRANSFERRED",
    "PHOTO_TRANSFERRED",
    "PHOTO_TRANSFER_FAILED",
    "BlobFileError",
    "BlobSender",
    "BlobTuning",
    "OutgoingChunk",
]
