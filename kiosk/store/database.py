"""The kiosk's one SQLite database (WAL, ``synchronous=FULL``) and its transactions.

Every ``sqlite3.Error`` leaves this module as a :class:`~kiosk.errors.StoreError`
(``StoreFullError`` for SQLITE_FULL, ``StoreCorruptError`` for a damaged file), whether it
came from a read, a write inside a transaction or the commit: the callers' fallback screens
catch ``StoreError`` and nothing else.

The file and its ``-wal``/``-shm`` are readable by the kiosk's user only (0600): they hold
PIN verifiers and used booking ids.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from kiosk.errors import StoreCorruptError, StoreError, StoreFullError
from kiosk.store.migrations import MIGRATIONS

log = logging.getLogger(__name__)

Transaction = sqlite3.Connection
"""A connection inside ``Database.transaction()``: pass it to repositories that write."""

FailureListener = Callable[[StoreError], None]
"""``listener(error)``: called when a read or write failed; must only signal."""

FILE_MODE = 0o600
"""The database, its ``-wal`` and ``-shm``, and every file the kiosk keeps in its state folder."""

DIR_MODE = 0o700
"""The state folder and its sub-folders."""

INCARNATION = "store.incarnation"  # kv: this database's id, made when the file was created
FIRST_SEQ = "store.first_seq"  # kv: the first outbox seq of this incarnation
CREATED_AT = "store.created_at"  # kv: when this incarnation was made (RFC 3339 UTC)

_FULL = frozenset({"SQLITE_FULL"})
_CORRUPT = frozenset({"SQLITE_CORRUPT", "SQLITE_CORRUPT_VTAB", "SQLITE_CORRUPT_SEQUENCE"})
_NOT_A_DATABASE = frozenset({"SQLITE_NOTADB"})
# NOTE: errors of the statement itself (a constraint, a typo in SQL) are the program's, not
# the store's: they are raised as StoreError too, but the store's health is not told.
_STATEMENT_ERRORS = ("SQLITE_CONSTRAINT", "SQLITE_ERROR", "SQLITE_MISMATCH", "SQLITE_RANGE")


def store_error(path: Path, what: str, exc: sqlite3.Error) -> StoreError:
    """The store's error for a ``sqlite3.Error``: the leaf says disk full or corrupt.

    Args:
        path: the database file (named in the message).
        what: what was being done (``commit``, ``read``…).
        exc: the SQLite error.
    """
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    message = f"{path}: {what} failed: {exc} ({name or type(exc).__name__})"
    if name in _FULL:
        return StoreFullError(message)
    if name in _CORRUPT or name in _NOT_A_DATABASE:
        return StoreCorruptError(message)
    return StoreError(message)


def restrict_file(path: Path) -> None:
    """Make an existing file readable by its owner only (0600); a missing file is fine.

    NOTE: a state folder from before this rule may hold 0644 files; they are tightened at
    every open. A file we do not own (chmod refused) is logged, not fatal.
    """
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        return
    if mode & ~FILE_MODE:
        try:
            path.chmod(FILE_MODE)
        except OSError as exc:
            log.warning("cannot restrict %s to 0600 (is %o): %s", path, mode, exc)


def sidecar_paths(path: Path) -> tuple[Path, Path]:
    """The ``-wal`` and ``-shm`` files SQLite keeps next to a database in WAL mode."""
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


class Database:
    """One SQLite file shared by the store's repositories.

    NOTE: WAL with ``synchronous=FULL``: with NORMAL a power loss may roll back the last
    commits, and the screen may already have shown a ticket number from one of them.
    One connection guarded by a lock: our writes are small and serial, and a single
    connection keeps ``BEGIN IMMEDIATE`` ordering simple across threads.

    Args:
        path: the database file; created (mode 0600) when missing.
        synchronous: SQLite's ``synchronous`` pragma.

    Raises:
        StoreError: the file cannot be opened or migrated (``StoreCorruptError`` when it
            is not a database or is malformed).
    """

    def __init__(self, path: Path, *, synchronous: str = "FULL"):
        self.path = path
        self._lock = threading.RLock()
        self._commit_listeners: list[Callable[[], None]] = []
        self._failure_listeners: list[FailureListener] = []
        try:
            path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
            self.created = _create_private(path)
            for file in (path, *sidecar_paths(path)):
                restrict_file(file)
        except OSError as exc:
            raise StoreError(f"cannot open the state database {path}: {exc}") from exc
        try:
            self._conn = sqlite3.connect(
                str(path), isolation_level=None, check_same_thread=False, timeout=10.0
            )
        except sqlite3.Error as exc:
            raise store_error(path, "open", exc) from exc
        try:
            self._refuse_newer_schema()  # NOTE: before WAL mode: a newer file stays untouched
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute(f"PRAGMA synchronous={synchronous}")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._migrate()
            self._ensure_incarnation()
        except sqlite3.Error as exc:
            self._conn.close()
            raise store_error(path, "open", exc) from exc
        except StoreError:
            self._conn.close()
            raise
        for file in sidecar_paths(path):
            restrict_file(file)

    def add_commit_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after every committed write transaction.

        The link uses it to wake its outbox flusher without polling. Listeners run on the
        committing thread after the lock is released and must only signal.
        """
        self._commit_listeners.append(listener)

    def add_failure_listener(self, listener: FailureListener) -> None:
        """Call ``listener(error)`` when a read, a write or a commit failed because of the
        store (full, damaged, I/O, busy…), not because of the statement (a constraint).

        The store's health uses it (``store`` ``fault/disk_full``). Listeners may run while
        the database lock is held and must only signal.
        """
        self._failure_listeners.append(listener)

    def _refuse_newer_schema(self) -> None:
        version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            raise StoreError(
                f"{self.path}: schema version {version} is newer than this program "
                f"knows ({len(MIGRATIONS)}); refusing to touch it"
            )

    def _migrate(self) -> None:
        with self._lock:
            self._refuse_newer_schema()
            version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                log.info("migrating %s to schema version %d", self.path, number)
                try:
                    self._conn.execute("BEGIN IMMEDIATE")
                    for statement in _statements(script):
                        self._conn.execute(statement)
                    self._conn.execute(f"PRAGMA user_version={number}")
                    self._conn.execute("COMMIT")
                except sqlite3.Error as exc:
                    self._rollback()
                    raise store_error(self.path, f"migration {number}", exc) from exc

    def _ensure_incarnation(self) -> None:
        """Give the database its incarnation id, once, when it has none.

        A new file starts at ``seq`` 1. A database from before incarnations keeps its
        numbering: its ``first_seq`` is the next seq, which the birth tells the server.
        """
        with self._lock:
            row = self._conn.execute(
                "SELECT value FROM kv WHERE key = ?", (INCARNATION,)
            ).fetchone()
            if row is not None:
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                last = self._conn.execute(
                    "SELECT value FROM kv WHERE key = 'outbox.last_seq'"
                ).fetchone()
                first_seq = int(last[0]) + 1 if last else 1
                now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
                self._conn.executemany(
                    "INSERT INTO kv (key, value) VALUES (?, ?)",
                    [
                        (INCARNATION, str(uuid.uuid4())),
                        (FIRST_SEQ, str(first_seq)),
                        (CREATED_AT, now),
                    ],
                )
                self._conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise

    @property
    def incarnation(self) -> str:
        """This database's incarnation id (a uuid made when it was created).

        Raises:
            StoreError: it cannot be read.
        """
        return self._kv_text(INCARNATION)

    @property
    def first_seq(self) -> int:
        """The first outbox ``seq`` of this incarnation (1 for a database made new).

        Raises:
            StoreError: it cannot be read.
        """
        return int(self._kv_text(FIRST_SEQ) or "1")

    def _kv_text(self, key: str) -> str:
        with self.reading() as conn:
            row = conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else ""

    @property
    def schema_version(self) -> int:
        """The schema version on disk."""
        with self.reading() as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A write transaction: committed (durably) on leaving, rolled back on an exception.

        An ``sqlite3.Error`` raised inside the ``with`` body (an INSERT on a full disk) is
        raised as ``StoreError`` too; other exceptions pass unchanged.

        Raises:
            StoreError: the database could not be written (``StoreFullError``: disk full;
                ``StoreCorruptError``: damaged).
        """
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._failed("begin a transaction", exc) from exc
            try:
                yield self._conn
            except sqlite3.Error as exc:
                self._rollback()
                raise self._failed("write", exc) from exc
            except BaseException:
                self._rollback()
                raise
            try:
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise self._failed("commit", exc) from exc
        for listener in self._commit_listeners:
            listener()

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection for reads (no transaction is opened).

        Raises:
            StoreError: a read inside the ``with`` body failed.
        """
        with self._lock:
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise self._failed("read", exc) from exc

    def _rollback(self) -> None:
        """Roll back the open transaction, if SQLite has not already done so.

        NOTE: on SQLITE_FULL (and some I/O errors) SQLite rolls the transaction back by
        itself; a ROLLBACK then fails with "cannot rollback - no transaction is active"
        and hid the real error from every caller.
        """
        if not self._conn.in_transaction:
            return
        try:
            self._conn.execute("ROLLBACK")
        except sqlite3.Error as exc:
            log.error("%s: rollback failed: %s", self.path, exc)

    def _failed(self, what: str, exc: sqlite3.Error) -> StoreError:
        error = store_error(self.path, what, exc)
        log.error("%s", error)
        name = str(getattr(exc, "sqlite_errorname", "") or "")
        if name.startswith(_STATEMENT_ERRORS) or isinstance(
            exc, sqlite3.IntegrityError | sqlite3.ProgrammingError
        ):
            return error
        for listener in self._failure_listeners:
            listener(error)
        return error

    def close(self) -> None:
        """Close the connection; the WAL is checkpointed by SQLite."""
        with self._lock:
            try:
                self._conn.close()
            except sqlite3.Error as exc:
                log.error("%s: close failed: %s", self.path, exc)


def _create_private(path: Path) -> bool:
    """Create ``path`` empty with mode 0600 unless it exists; True when it was created.

    NOTE: SQLite gives its ``-wal`` and ``-shm`` the mode of the database file, so the
    database must exist with 0600 before SQLite opens it (the process umask may be 022).
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def _statements(script: str) -> Iterator[str]:
    """Split a migration script into statements (they hold no semicolons in strings)."""
    for part in script.split(";"):
        lines = [line.split("--", 1)[0] for line in part.splitlines()]
        statement = "\n".join(lines).strip()
        if statement:
            yield statement
