"""Opening the state folder at start: the database, its identity, and what to do when the
database is missing or damaged.

=====================================  ====================  =================================
what is found                          marker                what happens
=====================================  ====================  =================================
a database that opens and passes       any                   used; the marker is updated
``PRAGMA integrity_check``
no database                            none                  a first start: a new database
no database                            present (or damaged)  *replaced* (``missing``)
a 0-byte database                      none                  a first start that crashed
                                                             before SQLite wrote a page: new
a 0-byte database                      present (or damaged)  *corrupt* (``empty``)
not SQLite (header), or SQLite says    any                   *corrupt* (``not_a_database``,
``SQLITE_NOTADB``/``SQLITE_CORRUPT``                         ``malformed``)
integrity check not ``ok``             any                   *corrupt* (``integrity``)
a ``-wal``/``-shm`` without database   any                   moved aside, then as above
cannot open for another reason         any                   ``StoreError``: the kiosk shows
(permissions, I/O error, a schema                            out of service with the reason
newer than this program)                                     (never deleted, never moved)
=====================================  ====================  =================================

*Corrupt*: the file and its ``-wal``/``-shm`` are moved aside as
``kiosk.sqlite3.corrupt-<UTC time>`` (``…-wal``, ``…-shm``) and kept for forensics; then, as
for *replaced*, a new database is made in re-learn mode (:mod:`kiosk.core.relearn`): the
replacement is written into the new database in its first transaction (so a crash right
after cannot forget it), sessions go on from the marker's, and the ticket numbers of the
marker's reservation for its business day are taken as already used.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.errors import StoreCorruptError, StoreError
from kiosk.store.database import Database, restrict_file, sidecar_paths
from kiosk.store.files import private_folder, remove_stale_temporaries
from kiosk.store.identity import Identity, IdentityMarker, MarkerError
from kiosk.store.kv import begin_session, kv_get, kv_set

log = logging.getLogger(__name__)

DB_NAME = "kiosk.sqlite3"
SQLITE_HEADER = b"SQLite format 3\x00"

REPLACED = "store.replaced"  # kv: JSON of the Replacement, written with the new database
RELEARN = "store.relearn"  # kv: pending | done


@dataclass(frozen=True)
class Replacement:
    """Why this database is new although the kiosk has run here before.

    Attributes:
        reason: ``missing`` (no database next to the marker), ``empty`` (0 bytes),
            ``not_a_database``, ``malformed``, ``integrity`` (moved aside), or
            ``server_knew_previous`` (no marker; the server's retained ack named another
            incarnation of this kiosk).
        previous_incarnation: the incarnation the marker (or the server) named; empty
            when unknown (a damaged marker).
        moved_aside: file names kept for forensics in the state folder.
        detail: what SQLite or the check said.
        detected_at: RFC 3339 UTC.
        reported: the ``store.replaced`` event is in the outbox.
        marker: the identity marker was read: its number reservation (taken over into the
            new database) covers every number the lost database may have printed.
    """

    reason: str
    previous_incarnation: str
    moved_aside: tuple[str, ...] = ()
    detail: str = ""
    detected_at: str = ""
    reported: bool = False
    marker: bool = False

    def to_json(self) -> str:
        """For the ``kv`` row."""
        return json.dumps(
            {
                "reason": self.reason,
                "previous_incarnation": self.previous_incarnation,
                "moved_aside": list(self.moved_aside),
                "detail": self.detail,
                "detected_at": self.detected_at,
                "reported": self.reported,
                "marker": self.marker,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Replacement:
        """From the ``kv`` row (a damaged row reads as an unknown replacement)."""
        try:
            body: dict[str, Any] = json.loads(text)
            return cls(
                reason=str(body["reason"]),
                previous_incarnation=str(body.get("previous_incarnation", "")),
                moved_aside=tuple(str(n) for n in body.get("moved_aside", [])),
                detail=str(body.get("detail", "")),
                detected_at=str(body.get("detected_at", "")),
                reported=bool(body.get("reported", False)),
                marker=bool(body.get("marker", False)),
            )
        except (ValueError, TypeError, KeyError) as exc:
            log.error("the stored replacement record is damaged (%s): %r", exc, text[:200])
            return cls(reason="unknown", previous_incarnation="")

    def as_event(self) -> dict[str, Any]:
        """The ``store.replaced`` event's data (without the new incarnation)."""
        return {
            "reason": self.reason,
            "previous_incarnation": self.previous_incarnation,
            "moved_aside": list(self.moved_aside),
            "detail": self.detail[:500],
            "detected_at": self.detected_at,
            "numbers_from_marker": self.marker,
        }


@dataclass
class OpenedState:
    """The state folder, opened.

    Attributes:
        db: the database.
        session: this run's session (already counted).
        marker: the identity marker (written for this run).
        replacement: why the database is new, when the kiosk ran here before; None for a
            database that simply went on (or a first start).
    """

    db: Database
    session: int
    marker: IdentityMarker
    replacement: Replacement | None = None
    warnings: list[str] = field(default_factory=list)


def open_state(state_dir: Path, kiosk_id: str, *, now: datetime | None = None) -> OpenedState:
    """Open (or make) the state folder's database; see the module's table.

    Raises:
        StoreError: the database cannot be opened and is not damaged (permissions, I/O,
            newer schema): nothing was moved or deleted.
    """
    now = now or datetime.now(UTC)
    try:
        private_folder(state_dir)
    except OSError as exc:
        raise StoreError(f"cannot use the state folder {state_dir}: {exc}") from exc
    remove_stale_temporaries(state_dir)
    remove_stale_temporaries(state_dir / "photos")
    marker = IdentityMarker(state_dir)
    warnings: list[str] = []
    known: Identity | None = None
    ran_before = False
    try:
        known = marker.read()
        ran_before = known is not None
    except MarkerError as exc:
        log.error("%s", exc)
        warnings.append(str(exc))
        ran_before = True  # a damaged marker is still a marker: this kiosk ran here
    if known is not None and known.kiosk != kiosk_id:
        log.warning("the state folder was %s's; it is %s's now", known.kiosk, kiosk_id)
    path = state_dir / DB_NAME
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    replacement: Replacement | None = None
    db: Database | None = None
    problem = _problem_before_opening(path, ran_before)
    if problem is None and path.exists():
        try:
            db = Database(path)
            problem = _integrity_problem(db)
        except StoreCorruptError as exc:
            problem = ("malformed", str(exc))
        if problem is not None and db is not None:
            db.close()
            db = None
    previous = known.incarnation if known is not None else ""
    if problem is not None:
        reason, detail = problem
        moved = _move_aside(path, f"corrupt-{stamp}")
        log.error(
            "state database %s is damaged (%s: %s); moved aside as %s", path, reason, detail, moved
        )
        replacement = Replacement(
            reason, previous, moved, detail, _rfc3339(now), marker=known is not None
        )
    elif not path.exists():
        orphans = [p for p in sidecar_paths(path) if p.exists()]
        moved = _move_aside(path, f"orphan-{stamp}") if orphans else ()
        if ran_before:
            log.error("state database %s is missing; a new one is made and reported", path)
            replacement = Replacement(
                "missing", previous, moved, "", _rfc3339(now), marker=known is not None
            )
        elif moved:
            log.warning("%s without a database moved aside as %s", orphans, moved)
    elif path.stat().st_size == 0:
        log.info("state database %s is empty (a first start that was cut short)", path)

    if db is None:
        db = Database(path)
        if replacement is not None:
            _record_replacement(db, replacement, known)
    elif known is not None and db.incarnation != known.incarnation:
        recorded = _stored_replacement(db)
        if recorded is None:
            # NOTE: not a database made new here (those record their replacement first):
            # a copy from elsewhere. Its own numbering and incarnation go on.
            log.warning(
                "state database %s is incarnation %s, the marker said %s",
                path,
                db.incarnation,
                known.incarnation,
            )
            warnings.append("database incarnation differs from the marker")
    if replacement is None:
        replacement = _stored_replacement(db)
        if replacement is not None and _relearn_done(db):
            replacement = None

    session = begin_session(db)
    identity = known or Identity(kiosk=kiosk_id, incarnation=db.incarnation)
    identity = replace(identity, kiosk=kiosk_id, incarnation=db.incarnation, session=session)
    try:
        marker.write(identity)
    except MarkerError as exc:
        # NOTE: not fatal at start; a ticket then fails until the marker can take its
        # number reservation (the disk is full: the store's health says so).
        log.error("%s", exc)
        warnings.append(str(exc))
    for file in (path, *sidecar_paths(path)):
        restrict_file(file)
    return OpenedState(db, session, marker, replacement, warnings)


def _problem_before_opening(path: Path, ran_before: bool) -> tuple[str, str] | None:
    """A reason to move the file aside without asking SQLite, or None."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc}") from exc
    if size == 0:
        return ("empty", "0 bytes where a database was expected") if ran_before else None
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc}") from exc
    if header != SQLITE_HEADER:
        return "not_a_database", f"the file does not start with the SQLite header: {header!r}"
    return None


def _integrity_problem(db: Database) -> tuple[str, str] | None:
    """``PRAGMA integrity_check``: None when ``ok``."""
    with db.reading() as conn:
        rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check(20)").fetchall()]
    if rows == ["ok"]:
        return None
    return "integrity", "; ".join(rows)[:1000]


def _move_aside(path: Path, tag: str) -> tuple[str, ...]:
    """Rename the database and its sidecars to ``<name>.<tag>[-wal|-shm]``; their names."""
    moved: list[str] = []
    wal, shm = sidecar_paths(path)
    for source, suffix in ((path, ""), (wal, "-wal"), (shm, "-shm")):
        if not source.exists():
            continue
        target = path.with_name(f"{path.name}.{tag}{suffix}")
        try:
            os.replace(source, target)
        except OSError as exc:
            raise StoreError(f"cannot move {source} aside: {exc}") from exc
        restrict_file(target)
        moved.append(target.name)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return tuple(moved)


def _record_replacement(db: Database, replacement: Replacement, known: Identity | None) -> None:
    """In the new database's first transaction: the replacement, the session to go on
    from, and the ticket numbers the marker reserved for its business day."""
    with db.transaction() as tx:
        kv_set(tx, REPLACED, replacement.to_json())
        kv_set(tx, RELEARN, "pending")
        if known is not None:
            kv_set(tx, "session", str(known.session))
            for service, number in sorted(known.reserved.items()):
                tx.execute(
                    "INSERT INTO ticket_counter (business_day, service, last_number) "
                    "VALUES (?, ?, ?)",
                    (known.business_day, service, number),
                )
    log.warning(
        "new state database %s (incarnation %s) replaces %s (%s); re-learning",
        db.path,
        db.incarnation,
        replacement.previous_incarnation or "an unknown one",
        replacement.reason,
    )


def _stored_replacement(db: Database) -> Replacement | None:
    with db.reading() as conn:
        text = kv_get(conn, REPLACED)
    return None if text is None else Replacement.from_json(text)


def _relearn_done(db: Database) -> bool:
    with db.reading() as conn:
        return kv_get(conn, RELEARN) == "done"


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


__all__ = ["DB_NAME", "RELEARN", "REPLACED", "OpenedState", "Replacement", "open_state"]
