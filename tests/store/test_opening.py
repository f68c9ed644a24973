"""Opening the state folder on real files: a first start, a database lost next to its
marker, a 0-byte file, a page of garbage, a failed integrity check, a newer schema, and
ticket numbers that never repeat across a replaced database (issue 10, item 5)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import threading
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.core.tickets import TicketService
from kiosk.core.waiting import WaitingBoard
from kiosk.devices.health import HealthBoard, HealthState
from kiosk.devices.printer.protocol import PaperStatus, PrinterStatus, Ticket
from kiosk.errors import StoreError
from kiosk.i18n.catalog import load_catalogs
from kiosk.store.health import STORE, StoreHealthMonitor
from kiosk.store.identity import RESERVE_BLOCK, Identity, MarkerError
from kiosk.store.kv import kv_get
from kiosk.store.opening import DB_NAME, OpenedState, open_state
from kiosk.store.outbox import Outbox
from kiosk.store.tickets import TicketRepository
from tests.kiosk_config import make_config

KIOSK = "test-kiosk-1"
NOW = datetime(2026, 11, 27, 1, 2, 3, tzinfo=UTC)
STAMP = "20261127T010203Z"
DAY = "2026-11-27"


class Clock:
    def now(self) -> datetime:
        return datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


class Printer:
    name = "printer"

    def print_ticket(self, ticket: Ticket) -> PrinterStatus:
        return PrinterStatus(online=True, paper=PaperStatus.OK, answered=True)

    def status(self) -> PrinterStatus:
        return PrinterStatus(online=True, paper=PaperStatus.OK, answered=True)

    def close(self) -> None:
        pass


def ticket_service(state: Path, opened: OpenedState) -> TicketService:
    config = make_config(state)
    outbox = Outbox(opened.db, kiosk_id=KIOSK, session=opened.session)
    return TicketService(
        config,
        opened.db,
        outbox,
        Printer(),
        HealthBoard(),
        WaitingBoard(config, TicketRepository(opened.db), Clock()),
        load_catalogs(),
        Clock(),
        marker=opened.marker,
    )


def marker(state: Path) -> dict[str, object]:
    body: dict[str, object] = json.loads((state / "kiosk.identity").read_text())
    return body


def kv(opened: OpenedState, key: str) -> str | None:
    with opened.db.reading() as conn:
        return kv_get(conn, key)


def first_run(state: Path, tickets: int = 0) -> tuple[str, int]:
    """Run the kiosk once (``tickets`` of certificates); its incarnation and session."""
    opened = open_state(state, KIOSK, now=NOW)
    service = ticket_service(state, opened)
    for _ in range(tickets):
        service.issue("certificates", "ja")
    incarnation, session = opened.db.incarnation, opened.session
    opened.db.close()
    return incarnation, session


def test_a_first_start_makes_a_private_database_and_marker_and_is_no_replacement(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    opened = open_state(state, KIOSK, now=NOW)
    try:
        assert opened.replacement is None
        assert opened.session == 1
        assert marker(state) == {
            "v": 1,
            "kiosk": KIOSK,
            "incarnation": opened.db.incarnation,
            "session": 1,
            "numbering": {"business_day": "", "reserved": {}},
        }
        assert stat.S_IMODE((state / "kiosk.identity").stat().st_mode) == 0o600
        assert stat.S_IMODE(state.stat().st_mode) == 0o700
    finally:
        opened.db.close()


def test_a_database_lost_next_to_its_marker_is_replaced_and_goes_on_after_the_numbers_reserved(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    old_incarnation, old_session = first_run(state, tickets=3)  # A-001..A-003
    assert marker(state)["numbering"] == {
        "business_day": DAY,
        "reserved": {"certificates": RESERVE_BLOCK},
    }
    for name in (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm"):
        (state / name).unlink(missing_ok=True)

    opened = open_state(state, KIOSK, now=NOW)
    try:
        replacement = opened.replacement
        assert replacement is not None
        assert (replacement.reason, replacement.previous_incarnation) == (
            "missing",
            old_incarnation,
        )
        assert replacement.marker is True
        assert opened.db.incarnation != old_incarnation
        assert opened.session == old_session + 1
        assert kv(opened, "store.relearn") == "pending"
        number = ticket_service(state, opened).issue("certificates", "ja").ticket.number
        assert number == f"A-{RESERVE_BLOCK + 1:03d}"  # never A-001 again that day
        other = ticket_service(state, opened).issue("insurance", "ja").ticket.number
        assert other == "B-001"  # the lost database never issued insurance tickets that day
        assert marker(state)["incarnation"] == opened.db.incarnation
    finally:
        opened.db.close()


def test_the_reservation_grows_in_blocks_and_is_on_disk_before_the_number_is_committed(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    opened = open_state(state, KIOSK, now=NOW)
    service = ticket_service(state, opened)
    seen: list[int] = []
    for _ in range(RESERVE_BLOCK + 1):
        outcome = service.issue("certificates", "ja")
        reserved = Identity.from_json((state / "kiosk.identity").read_bytes()).reserved
        seen.append(reserved["certificates"])
        assert int(outcome.ticket.number[2:]) <= reserved["certificates"]
    opened.db.close()
    assert sorted(set(seen)) == [RESERVE_BLOCK, 2 * RESERVE_BLOCK]


def test_a_zero_byte_database_where_the_marker_expects_one_is_moved_aside(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    old_incarnation, _ = first_run(state)
    (state / DB_NAME).write_bytes(b"")

    opened = open_state(state, KIOSK, now=NOW)
    try:
        assert opened.replacement is not None
        assert opened.replacement.reason == "empty"
        assert opened.replacement.previous_incarnation == old_incarnation
        assert opened.replacement.moved_aside == (f"{DB_NAME}.corrupt-{STAMP}",)
        assert (state / f"{DB_NAME}.corrupt-{STAMP}").stat().st_size == 0
    finally:
        opened.db.close()


def test_a_zero_byte_database_without_a_marker_is_a_first_start_cut_short(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / DB_NAME).write_bytes(b"")
    opened = open_state(state, KIOSK, now=NOW)
    try:
        assert opened.replacement is None
        assert sorted(p.name for p in state.iterdir() if "corrupt" in p.name) == []
    finally:
        opened.db.close()


def test_a_page_of_garbage_is_moved_aside_with_its_wal_and_shm_and_kept(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    old_incarnation, _ = first_run(state, tickets=1)
    garbage = os.urandom(4096)
    (state / DB_NAME).write_bytes(garbage)
    (state / f"{DB_NAME}-wal").write_bytes(b"wal frames")
    (state / f"{DB_NAME}-shm").write_bytes(b"shm")

    opened = open_state(state, KIOSK, now=NOW)
    try:
        assert opened.replacement is not None
        assert opened.replacement.reason == "not_a_database"
        assert opened.replacement.moved_aside == (
            f"{DB_NAME}.corrupt-{STAMP}",
            f"{DB_NAME}.corrupt-{STAMP}-wal",
            f"{DB_NAME}.corrupt-{STAMP}-shm",
        )
        assert (state / f"{DB_NAME}.corrupt-{STAMP}").read_bytes() == garbage
        assert (state / f"{DB_NAME}.corrupt-{STAMP}-wal").read_bytes() == b"wal frames"
        assert stat.S_IMODE((state / f"{DB_NAME}.corrupt-{STAMP}").stat().st_mode) == 0o600
        assert opened.replacement.previous_incarnation == old_incarnation
        assert opened.db.schema_version >= 5  # a working new database
        assert ticket_service(state, opened).issue("certificates", "ja").ticket.number == "A-051"
    finally:
        opened.db.close()


def test_a_database_that_fails_its_integrity_check_is_moved_aside(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first_run(state)
    path = state / DB_NAME
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE filler (n INTEGER PRIMARY KEY, pad TEXT)")
    conn.executemany("INSERT INTO filler VALUES (?, ?)", [(n, "p" * 900) for n in range(200)])
    conn.execute("CREATE INDEX filler_pad ON filler (pad, n)")
    conn.commit()
    # The schema forgets the index but its pages stay: SQLite opens the file and reads
    # every row, only the integrity check finds pages that belong to nothing.
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("DELETE FROM sqlite_master WHERE name = 'filler_pad'")
    conn.commit()
    conn.close()

    opened = open_state(state, KIOSK, now=NOW)
    try:
        assert opened.replacement is not None
        assert opened.replacement.reason == "integrity"
        assert opened.replacement.moved_aside[0] == f"{DB_NAME}.corrupt-{STAMP}"
        assert "is never used" in opened.replacement.detail
    finally:
        opened.db.close()


def test_a_database_of_a_newer_program_is_never_moved_and_stops_the_start(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    first_run(state)
    conn = sqlite3.connect(state / DB_NAME)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = sorted(p.name for p in state.iterdir())
    with pytest.raises(StoreError, match="schema version 99 is newer"):
        open_state(state, KIOSK, now=NOW)
    assert sorted(p.name for p in state.iterdir()) == before


def test_a_wal_left_without_its_database_is_moved_aside_before_a_new_one_is_made(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    first_run(state)
    (state / DB_NAME).unlink()
    (state / f"{DB_NAME}-wal").write_bytes(b"frames of a database that is gone")

    opened = open_state(state, KIOSK, now=NOW)
    try:
        assert opened.replacement is not None
        assert opened.replacement.reason == "missing"
        assert opened.replacement.moved_aside == (f"{DB_NAME}.orphan-{STAMP}-wal",)
        names = sorted(p.name for p in state.iterdir())
        assert f"{DB_NAME}.orphan-{STAMP}-wal" in names
    finally:
        opened.db.close()


def test_a_damaged_marker_still_means_the_kiosk_ran_here_before(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first_run(state)
    (state / DB_NAME).unlink()
    (state / "kiosk.identity").write_bytes(b'{"v": 1, "kio')

    opened = open_state(state, KIOSK, now=NOW)
    try:
        assert opened.replacement is not None
        assert (opened.replacement.reason, opened.replacement.previous_incarnation) == (
            "missing",
            "",
        )
        assert opened.replacement.marker is False
        assert re.fullmatch(r"[0-9a-f-]{36}", str(marker(state)["incarnation"]))
    finally:
        opened.db.close()


def test_a_crash_after_the_new_database_was_made_still_re_learns_at_the_next_start(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    old_incarnation, _ = first_run(state)
    identity = (state / "kiosk.identity").read_bytes()
    (state / DB_NAME).unlink()
    opened = open_state(state, KIOSK, now=NOW)
    opened.db.close()
    (state / "kiosk.identity").write_bytes(identity)  # the marker write never happened

    again = open_state(state, KIOSK, now=NOW)
    try:
        assert again.replacement is not None
        assert (again.replacement.reason, again.replacement.previous_incarnation) == (
            "missing",
            old_incarnation,
        )
        assert kv(again, "store.relearn") == "pending"
    finally:
        again.db.close()


def test_a_database_sqlite_calls_malformed_is_moved_aside_not_raised(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first_run(state)
    path = state / DB_NAME
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE filler (n INTEGER PRIMARY KEY, pad TEXT)")
    conn.executemany("INSERT INTO filler VALUES (?, ?)", [(n, "p" * 900) for n in range(200)])
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    conn.close()
    with path.open("r+b") as handle:  # a page near the end: the header stays good
        handle.seek(page_size * (pages - 3))
        handle.write(b"\x0d" + os.urandom(page_size - 1))

    opened = open_state(state, KIOSK, now=NOW)
    try:
        assert opened.replacement is not None
        assert opened.replacement.reason == "malformed"
        assert "database disk image is malformed" in opened.replacement.detail
        assert opened.replacement.moved_aside[0] == f"{DB_NAME}.corrupt-{STAMP}"
    finally:
        opened.db.close()


def test_a_number_whose_reservation_cannot_be_written_is_never_used_and_the_store_says_so(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    opened = open_state(state, KIOSK, now=NOW)
    board = HealthBoard()
    monitor = StoreHealthMonitor(opened.db, board, probe_interval_s=0.05, marker=opened.marker)
    changed = threading.Condition()
    board.subscribe(lambda device, health: _notify(changed))
    service = ticket_service(state, opened)
    marker_file = state / "kiosk.identity"
    saved = marker_file.read_bytes()
    marker_file.unlink()
    marker_file.mkdir()  # the marker cannot be replaced: its write fails
    (marker_file / "blocker").write_text("x")
    try:
        with pytest.raises(MarkerError, match="cannot write"):
            service.issue("certificates", "ja")
        with opened.db.reading() as conn:
            assert TicketRepository.last_number(conn, DAY, "certificates") == 0
        with changed:
            assert changed.wait_for(lambda: board.get(STORE).state is HealthState.FAULT, 10)
        assert board.get(STORE).reason == "io_error"

        (marker_file / "blocker").unlink()
        marker_file.rmdir()
        marker_file.write_bytes(saved)
        with changed:
            assert changed.wait_for(lambda: board.get(STORE).state is HealthState.OK, 10)
        assert service.issue("certificates", "ja").ticket.number == "A-001"
    finally:
        monitor.stop()
        opened.db.close()


def _notify(condition: threading.Condition) -> None:
    with condition:
        condition.notify_all()
