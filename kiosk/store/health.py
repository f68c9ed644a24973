"""The state database as a device on the health board: ``store``.

``ok``                   reads and writes work.
``degraded/relearning``  a replaced database is re-learning what the old one knew
                         (ticket numbers, used bookings, locker contents; see
                         :mod:`kiosk.core.relearn`).
``fault/disk_full``      a write failed with SQLITE_FULL; the detail gives the free bytes of
                         the state folder's file system.
``fault/corrupt``        SQLite says the file is damaged.
``fault/io_error``       any other read or write failure.

A fault clears by itself: while in fault the monitor writes a probe row of 64 KiB (new
pages, as a ticket needs) every ``probe_interval_s`` and after any other commit that
succeeds; when the probe is stored the health is ``ok`` again. The database's listeners
only signal; the monitor's thread reports, so a health change (which writes a
``device.health`` event) never runs inside a failing transaction.
"""

from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path

from kiosk.devices.health import Health, HealthBoard, HealthState
from kiosk.errors import StoreCorruptError, StoreError, StoreFullError
from kiosk.store.database import Database
from kiosk.store.identity import IdentityMarker
from kiosk.store.kv import kv_set

log = logging.getLogger(__name__)

STORE = "store"
"""The health board's device name for the state database."""

PROBE_KEY = "store.probe"
PROBE_BYTES = 64 * 1024


def free_bytes(folder: Path) -> int | None:
    """Bytes free for the kiosk's user on the file system of ``folder`` (None: unknown)."""
    try:
        return shutil.disk_usage(folder).free
    except OSError as exc:
        log.warning("cannot read the free space of %s: %s", folder, exc)
        return None


def failure_health(error: StoreError, folder: Path) -> Health:
    """The ``store`` health for a failed read or write."""
    if isinstance(error, StoreFullError):
        free = free_bytes(folder)
        where = (
            f"{free} bytes free in {folder}"
            if free is not None
            else f"free space of {folder} unknown"
        )
        return Health(HealthState.FAULT, "disk_full", f"{where}; {error}")
    if isinstance(error, StoreCorruptError):
        return Health(HealthState.FAULT, "corrupt", str(error))
    return Health(HealthState.FAULT, "io_error", str(error))


class StoreHealthMonitor:
    """Reports the database's health as the ``store`` device.

    Args:
        db: the database to watch.
        board: the health board.
        probe_interval_s: seconds between probe writes while in fault.
        marker: the identity marker; a failed marker write is a store fault too (a ticket
            number cannot be reserved), and the probe rewrites it.
    """

    def __init__(
        self,
        db: Database,
        board: HealthBoard,
        *,
        probe_interval_s: float = 10.0,
        marker: IdentityMarker | None = None,
    ):
        self._db = db
        self._marker = marker
        self._board = board
        self.probe_interval_s = probe_interval_s
        self._folder = db.path.parent
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._failure: StoreError | None = None  # newest failure not yet reported
        self._commit_seen = False  # someone else committed while in fault
        self._faulted = False
        self._relearning = False
        self._thread: threading.Thread | None = None
        board.register(STORE)
        board.report(STORE, Health(HealthState.OK))
        db.add_failure_listener(self._on_failure)
        db.add_commit_listener(self._on_commit)
        if marker is not None:
            marker.add_failure_listener(self._on_failure)

    @property
    def faulted(self) -> bool:
        """True while the last report was a fault."""
        with self._lock:
            return self._faulted

    def set_relearning(self, relearning: bool) -> None:
        """A replaced database is re-learning (``degraded/relearning``) or has finished."""
        with self._lock:
            self._relearning = relearning
            faulted = self._faulted
        if not faulted:
            self._board.report(STORE, self._healthy())

    def stop(self) -> None:
        """Stop the monitor's thread (the kiosk is shutting down)."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(5)

    # -- listeners: only signal ---------------------------------------------------------------

    def _on_failure(self, error: StoreError) -> None:
        with self._lock:
            self._failure = error
        self._ensure_thread()
        self._wake.set()

    def _on_commit(self) -> None:
        if threading.current_thread() is self._thread:
            return  # the monitor's own probe
        with self._lock:
            if not self._faulted:
                return
            self._commit_seen = True
        self._wake.set()

    # -- the monitor's thread -----------------------------------------------------------------

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is not None or self._stop.is_set():
                return
            self._thread = threading.Thread(target=self._run, name="store-health", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                timeout = self.probe_interval_s if self._faulted else None
            woke = self._wake.wait(timeout)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self._step(timer=not woke)
            except Exception:
                log.exception("store health monitor step failed")

    def _step(self, *, timer: bool) -> None:
        with self._lock:
            failure, self._failure = self._failure, None
            commit_seen, self._commit_seen = self._commit_seen, False
        if failure is not None:
            self._report_fault(failure)
            return
        with self._lock:
            faulted = self._faulted
        if faulted and (timer or commit_seen) and self._probe():
            with self._lock:
                self._faulted = False
            log.info("state database writes work again")
            self._board.report(STORE, self._healthy())

    def _probe(self) -> bool:
        """Write (then delete) a row of ``PROBE_BYTES``: True when there is room again.

        NOTE: a small commit can succeed on a full disk (a row fits into a page that has
        room) while a ticket still fails; the probe needs new pages, as a ticket does. Two
        transactions: the pages it proved are left free for the next ticket.
        """
        try:
            with self._db.transaction() as tx:
                kv_set(tx, PROBE_KEY, "x" * PROBE_BYTES)
            with self._db.transaction() as tx:
                tx.execute("DELETE FROM kv WHERE key = ?", (PROBE_KEY,))
            identity = self._marker.identity if self._marker is not None else None
            if self._marker is not None and identity is not None:
                self._marker.write(identity)
        except StoreError:
            return False  # still failing: the failure listener has signalled again
        return True

    def _report_fault(self, failure: StoreError) -> None:
        health = failure_health(failure, self._folder)
        with self._lock:
            self._faulted = True
        log.error("state database fault: %s (%s)", health.reason, health.detail)
        self._board.report(STORE, health)

    def _healthy(self) -> Health:
        with self._lock:
            relearning = self._relearning
        if relearning:
            return Health(
                HealthState.DEGRADED,
                "relearning",
                "a replaced state database is re-learning numbers, bookings and compartments",
            )
        return Health(HealthState.OK)


__all__ = ["STORE", "StoreHealthMonitor", "failure_health", "free_bytes"]
