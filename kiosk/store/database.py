"""The kiosk's one SQLite database (WAL, ``synchronous=FULL``) and its transactions."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kiosk.errors import StoreError
from kiosk.store.migrations import MIGRATIONS

log = logging.getLogger(__name__)

Transaction = sqlite3.Connection
"""A connection inside ``Database.transaction()``: pass it to repositories that write."""


class Database:
    """One SQLite file shared by the store's repositories.

    NOTE: WAL with ``synchronous=FULL``: with NORMAL a power loss may roll back the last
    commits, and the screen may already have shown a ticket number from one of them.
    One connection guarded by a lock: our writes are small and serial, and a single
    connection keeps ``BEGIN IMMEDIATE`` ordering simple across threads.
    """

    def __init__(self, path: Path, *, synchronous: str = "FULL"):
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                str(path), isolation_level=None, check_same_thread=False, timeout=10.0
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute(f"PRAGMA synchronous={synchronous}")
            self._conn.execute("PRAGMA foreign_keys=ON")
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the state database {path}: {exc}") from exc
        self._lock = threading.RLock()
        self._commit_listeners: list[Callable[[], None]] = []
        self._migrate()

    def add_commit_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after every committed write transaction.

        The link uses it to wake its outbox flusher without polling. Listeners run on the
        committing thread after the lock is released and must only signal.
        """
        self._commit_listeners.append(listener)

    def _migrate(self) -> None:
        with self._lock:
            version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
            if version > len(MIGRATIONS):
                raise StoreError(
                    f"{self.path}: schema version {version} is newer than this program "
                    f"knows ({len(MIGRATIONS)}); refusing to touch it"
                )
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                log.info("migrating %s to schema version %d", self.path, number)
                try:
                    self._conn.execute("BEGIN IMMEDIATE")
                    for statement in _statements(script):
                        self._conn.execute(statement)
                    self._conn.execute(f"PRAGMA user_version={number}")
                    self._conn.execute("COMMIT")
                except sqlite3.Error as exc:
                    self._conn.execute("ROLLBACK")
                    raise StoreError(f"{self.path}: migration {number} failed: {exc}") from exc

    @property
    def schema_version(self) -> int:
        """The schema version on disk."""
        with self._lock:
            return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A write transaction: committed (durably) on leaving, rolled back on an exception.

        Raises:
            StoreError: the database could not be written (disk full, read-only, corrupt).
        """
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: cannot start a transaction: {exc}") from exc
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            try:
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._conn.execute("ROLLBACK")
                raise StoreError(f"{self.path}: commit failed: {exc}") from exc
        for listener in self._commit_listeners:
            listener()

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection for reads (no transaction is opened)."""
        with self._lock:
            yield self._conn

    def close(self) -> None:
        """Close the connection; the WAL is checkpointed by SQLite."""
        with self._lock:
            self._conn.close()


def _statements(script: str) -> Iterator[str]:
    """Split a migration script into statements (they hold no semicolons in strings)."""
    for part in script.split(";"):
        lines = [line.split("--", 1)[0] for line in part.splitlines()]
        statement = "\n".join(lines).strip()
        if statement:
            yield statement
