"""Helpers for tests of the store: a full disk as SQLite sees it, on the real file."""

from __future__ import annotations

from kiosk.errors import StoreFullError
from kiosk.store.database import Database
from kiosk.store.kv import kv_set


def fill(db: Database) -> int:
    """Let the file grow no further (SQLite answers SQLITE_FULL); returns the page limit."""
    with db.reading() as conn:
        pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
        conn.execute(f"PRAGMA max_page_count = {pages}")
    return pages


FILLERS = {
    "used_booking": (
        "INSERT INTO used_booking (booking_id, office, used_at, outcome) "
        "VALUES ('fill' || :n || :pad, 'fill', '', 'fill')"
    ),
    "outbox": (
        "INSERT INTO outbox (seq, id, category, type, priority, created, envelope) "
        "VALUES (1000000000 + :n, 'fill' || :n, 'fill', 'fill.fill', 'telemetry', '', :pad)"
    ),
    "kv": "INSERT INTO kv (key, value) VALUES ('fill.' || :n, :pad)",
    "ticket_counter": (
        "INSERT INTO ticket_counter (business_day, service, last_number) "
        "VALUES ('1999-01-01', 'fill' || :n || :pad, 0)"
    ),
    "ticket": (
        "INSERT INTO ticket (id, business_day, service, seq_number, display, issued_at, "
        "people_ahead, wait_minutes, wait_estimated, language) "
        "VALUES ('fill' || :n, '1999-01-01', 'fill', :n, :pad, '', 0, 0, 0, 'ja')"
    ),
}


def fill_completely(db: Database, *tables: str) -> None:
    """A full disk for the ticket and check-in paths: no page may grow and the pages of
    the tables they write have no room left (a row that fits into a page needs no new
    page). ``tables`` picks the tables to fill (default: all of ``FILLERS``); the outbox
    filler rows have seqs above 10**9."""
    fill(db)
    n = 0
    for name, statement in FILLERS.items():
        if tables and name not in tables:
            continue
        for size in (4000, 1000, 200, 50, 10, 1):
            while True:
                n += 1
                try:
                    with db.transaction() as tx:
                        tx.execute(statement, {"n": n, "pad": "f" * size})
                except StoreFullError:
                    break


def make_room(db: Database) -> None:
    with db.reading() as conn:
        conn.execute("PRAGMA max_page_count = 1073741823")


def big_write(db: Database, key: str = "big") -> None:
    with db.transaction() as tx:
        kv_set(tx, key, "x" * 20_000)
