"""A full disk on the real database file: every failure is a StoreError, the store reports
``fault/disk_full`` with the free space and ``ok`` once there is room, nothing is left
half-written.

The disk is filled the way SQLite sees it: ``PRAGMA max_page_count`` at the file's current
size on the real file (no root needed); the photo file's write fails for real through
``RLIMIT_FSIZE`` in a child process.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.core.tickets import TicketService
from kiosk.core.waiting import WaitingBoard
from kiosk.devices.health import Health, HealthBoard, HealthState
from kiosk.devices.printer.protocol import PaperStatus, PrinterStatus, Ticket
from kiosk.errors import StoreError, StoreFullError
from kiosk.i18n.catalog import load_catalogs
from kiosk.store.database import Database
from kiosk.store.health import STORE, StoreHealthMonitor
from kiosk.store.kv import begin_session, kv_set
from kiosk.store.outbox import Outbox
from kiosk.store.tickets import TicketRepository
from tests.kiosk_config import make_config
from tests.store.store_support import big_write, fill, fill_completely, make_room

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(tmp_path / "state" / "kiosk.sqlite3")
    yield database
    database.close()


def test_a_write_on_a_full_disk_raises_store_full_error_not_a_rollback_error(
    db: Database,
) -> None:
    fill(db)
    with pytest.raises(StoreFullError, match="database or disk is full") as caught:
        big_write(db)
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
    make_room(db)
    big_write(db)  # no transaction was left open by the failure
    with db.reading() as conn:
        assert conn.in_transaction is False
        assert len(conn.execute("SELECT value FROM kv WHERE key = 'big'").fetchone()[0]) == 20_000


def test_every_sqlite_error_inside_a_transaction_or_a_read_is_a_store_error(
    db: Database,
) -> None:
    with db.transaction() as tx:
        kv_set(tx, "k", "v")
    with (
        pytest.raises(StoreError, match="UNIQUE constraint failed") as unique,
        db.transaction() as tx,
    ):
        tx.execute("INSERT INTO kv (key, value) VALUES ('k', 'again')")
    assert isinstance(unique.value.__cause__, sqlite3.IntegrityError)
    with pytest.raises(StoreError, match="no such table: nowhere"), db.reading() as conn:
        conn.execute("SELECT * FROM nowhere")
    with db.reading() as conn:
        assert conn.execute("SELECT value FROM kv WHERE key = 'k'").fetchone()[0] == "v"
        assert conn.in_transaction is False


def test_an_error_of_our_own_inside_a_transaction_rolls_back_and_passes_unchanged(
    db: Database,
) -> None:
    with pytest.raises(ValueError, match="not a number"), db.transaction() as tx:
        kv_set(tx, "half", "done")
        raise ValueError("not a number")
    with db.reading() as conn:
        assert conn.execute("SELECT value FROM kv WHERE key = 'half'").fetchone() is None


def test_sixty_tickets_on_a_full_disk_each_fail_as_store_full_and_print_nothing(
    tmp_path: Path,
) -> None:
    config = make_config(tmp_path / "state")
    db = Database(tmp_path / "state" / "kiosk.sqlite3")
    outbox = Outbox(db, kiosk_id=config.kiosk_id, session=begin_session(db))
    printer = _CountingPrinter()
    repo = TicketRepository(db)
    tickets = TicketService(
        config,
        db,
        outbox,
        printer,
        HealthBoard(),
        WaitingBoard(config, repo, _Clock()),
        load_catalogs(),
        _Clock(),
    )
    fill_completely(db, "kv", "ticket_counter", "ticket")
    failures = 0
    for n in range(60):
        with pytest.raises(StoreFullError):
            tickets.issue(("certificates", "insurance", "childcare")[n % 3], "ja")
        failures += 1
    assert failures == 60
    assert printer.printed == []
    assert repo.all_numbers("2026-11-27") == []
    assert outbox.depth() == 0
    make_room(db)
    printer.allowed = True
    assert tickets.issue("certificates", "ja").ticket.number == "A-001"
    assert printer.printed == ["A-001"]
    db.close()


def test_the_store_reports_disk_full_with_the_free_space_and_ok_when_there_is_room(
    db: Database,
) -> None:
    board = HealthBoard()
    changes: list[Health] = []
    changed = threading.Condition()

    def on_change(device: str, health: Health) -> None:
        if device == STORE:
            with changed:
                changes.append(health)
                changed.notify_all()

    monitor = StoreHealthMonitor(db, board, probe_interval_s=0.05)
    board.subscribe(on_change)
    try:
        assert board.get(STORE).state is HealthState.OK
        fill(db)
        with pytest.raises(StoreFullError):
            big_write(db)
        with changed:
            assert changed.wait_for(lambda: len(changes) >= 1, 10)
        fault = changes[0]
        assert (fault.state, fault.reason) == (HealthState.FAULT, "disk_full")
        found = re.match(r"(\d+) bytes free in (\S+);", fault.detail)
        assert found is not None, fault.detail
        assert Path(found.group(2)) == db.path.parent
        assert int(found.group(1)) > 0  # the file system has room; SQLite's limit is full
        assert monitor.faulted
        # A small commit that fits into a page with room does not clear the fault: only
        # the probe, which needs new pages as a ticket does.
        with db.transaction() as tx:
            kv_set(tx, "tiny", "1")
        with changed:
            assert not changed.wait_for(lambda: len(changes) >= 2, 0.5)
        make_room(db)
        with changed:
            assert changed.wait_for(lambda: len(changes) >= 2, 10)
        assert changes[1].state is HealthState.OK
        assert [h.reason for h in changes] == ["disk_full", ""]
        assert not monitor.faulted
        big_write(db, "after")
    finally:
        monitor.stop()


def test_a_photo_write_that_fails_for_lack_of_room_leaves_no_temporary_file(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "photos"
    script = textwrap.dedent(
        f"""
        import resource, signal, sys
        from pathlib import Path
        sys.path.insert(0, {str(REPO_ROOT)!r})
        from kiosk.core.photo.session import _write_durably
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
        try:
            _write_durably(Path({str(folder)!r}), "abc.jpg", b"\\xff" * 300_000)
        except OSError as exc:
            print("refused", exc.errno)
        else:
            print("written")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split()[0] == "refused", done.stdout + done.stderr
    assert sorted(p.name for p in folder.iterdir()) == []


class _Clock:
    def now(self) -> datetime:
        return datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


class _CountingPrinter:
    """Counts tickets; a ticket reaching it while the disk is full fails the test."""

    name = "counting"

    def __init__(self) -> None:
        self.printed: list[str] = []
        self.allowed = False

    def print_ticket(self, ticket: Ticket) -> PrinterStatus:
        if not self.allowed:
            raise AssertionError("a ticket that was not committed must never be printed")
        self.printed.append(ticket.number)
        return PrinterStatus(online=True, paper=PaperStatus.OK, answered=True)

    def status(self) -> PrinterStatus:
        raise AssertionError("not polled in this test")

    def close(self) -> None:
        pass


def test_a_constraint_error_is_the_programs_not_a_store_fault(db: Database) -> None:
    board = HealthBoard()
    monitor = StoreHealthMonitor(db, board, probe_interval_s=0.05)
    reasons: list[str] = []
    changed = threading.Condition()

    def on_change(device: str, health: Health) -> None:
        with changed:
            reasons.append(health.reason)
            changed.notify_all()

    board.subscribe(on_change)
    try:
        with db.transaction() as tx:
            kv_set(tx, "k", "v")
        with (
            pytest.raises(StoreError, match="UNIQUE constraint failed"),
            db.transaction() as tx,
        ):
            tx.execute("INSERT INTO kv (key, value) VALUES ('k', 'again')")
        fill(db)
        with pytest.raises(StoreFullError):
            big_write(db)
        with changed:
            assert changed.wait_for(lambda: len(reasons) >= 1, 10)
        assert reasons[0] == "disk_full"  # no io_error came before it
    finally:
        monitor.stop()
