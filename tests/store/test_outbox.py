"""The outbox on a real SQLite file: gapless seq across restarts, ack deletes, bounded policy."""

from __future__ import annotations

import json
import tempfile
import uuid
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.store.database import Database
from kiosk.store.kv import begin_session
from kiosk.store.migrations import MIGRATIONS
from kiosk.store.outbox import Outbox, OutboxFullError, Priority


def open_outbox(path: Path, capacity: int = 100) -> tuple[Database, Outbox]:
    db = Database(path)
    return db, Outbox(db, kiosk_id="k-1", session=begin_session(db), capacity=capacity)


def test_seq_is_gapless_and_survives_a_restart_even_after_everything_was_acked(
    tmp_path: Path,
) -> None:
    db, outbox = open_outbox(tmp_path / "s.db")
    with db.transaction() as tx:
        for n in range(3):
            outbox.append(tx, "ticket", "ticket.issued", {"n": n})
    assert outbox.ack(3) == 3
    db.close()
    db, outbox = open_outbox(tmp_path / "s.db")
    with db.transaction() as tx:
        event = outbox.append(tx, "ticket", "ticket.issued", {"n": 3})
    assert event is not None
    assert event.seq == 4
    assert outbox.session == 2
    assert [e.seq for e in outbox.pending()] == [4]


def test_the_envelope_has_every_field_of_the_contract(tmp_path: Path) -> None:
    db, outbox = open_outbox(tmp_path / "s.db")
    with db.transaction() as tx:
        event = outbox.append(tx, "ticket", "ticket.issued", {"number": "A-001"})
    assert event is not None
    envelope = json.loads(event.envelope)
    assert set(envelope) == {
        "v",
        "id",
        "seq",
        "session",
        "incarnation",
        "kiosk",
        "ts",
        "type",
        "data",
    }
    assert envelope["incarnation"] == db.incarnation
    assert str(uuid.UUID(envelope["incarnation"])) == envelope["incarnation"]
    assert envelope["v"] == 1
    assert envelope["seq"] == 1
    assert envelope["kiosk"] == "k-1"
    assert envelope["type"] == "ticket.issued"
    assert envelope["data"] == {"number": "A-001"}
    assert envelope["ts"].endswith("Z")
    assert envelope["id"][14] == "7"  # UUID version 7


def test_an_event_rolled_back_with_its_transaction_leaves_no_gap(tmp_path: Path) -> None:
    db, outbox = open_outbox(tmp_path / "s.db")
    with pytest.raises(RuntimeError), db.transaction() as tx:
        outbox.append(tx, "ticket", "ticket.issued", {})
        raise RuntimeError("state change failed")
    with db.transaction() as tx:
        event = outbox.append(tx, "ticket", "ticket.issued", {})
    assert event is not None
    assert event.seq == 1
    assert outbox.depth() == 1


def test_ack_deletes_only_up_to_the_acked_seq(tmp_path: Path) -> None:
    db, outbox = open_outbox(tmp_path / "s.db")
    with db.transaction() as tx:
        for _ in range(5):
            outbox.append(tx, "ticket", "ticket.issued", {})
    assert outbox.ack(2) == 2
    assert [e.seq for e in outbox.pending()] == [3, 4, 5]
    assert outbox.acked_seq() == 2
    assert outbox.ack(1) == 0
    assert outbox.acked_seq() == 2


def test_a_full_outbox_drops_telemetry_first_and_counts_it(tmp_path: Path) -> None:
    db, outbox = open_outbox(tmp_path / "s.db", capacity=3)
    with db.transaction() as tx:
        outbox.append(tx, "device", "device.health", {}, priority=Priority.TELEMETRY)
        outbox.append(tx, "ticket", "ticket.issued", {})
        outbox.append(tx, "ticket", "ticket.issued", {})
        outbox.append(tx, "ticket", "ticket.issued", {})
    pending = outbox.pending()
    assert [e.seq for e in pending] == [1, 2, 3, 4]  # still gapless: the server can ack
    assert [e.type for e in pending] == ["outbox.dropped"] + ["ticket.issued"] * 3
    assert pending[0].payload["data"] == {"dropped_type": "device.health"}
    assert pending[0].priority is Priority.TOMBSTONE
    assert outbox.dropped_telemetry() == 1


def test_a_full_outbox_refuses_an_event_a_person_depends_on(tmp_path: Path) -> None:
    db, outbox = open_outbox(tmp_path / "s.db", capacity=2)
    with db.transaction() as tx:
        outbox.append(tx, "ticket", "ticket.issued", {})
        outbox.append(tx, "ticket", "ticket.issued", {})
    with pytest.raises(OutboxFullError, match="outbox full"), db.transaction() as tx:
        outbox.append(tx, "ticket", "ticket.issued", {})
    with db.transaction() as tx:
        dropped = outbox.append(tx, "device", "device.health", {}, priority=Priority.TELEMETRY)
    assert dropped is None
    assert outbox.depth() == 2
    assert outbox.dropped_telemetry() == 1


def test_the_database_runs_in_wal_mode_with_full_sync(tmp_path: Path) -> None:
    db, _ = open_outbox(tmp_path / "s.db")
    with db.reading() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.schema_version == len(MIGRATIONS) == 6


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("person"), st.integers(1, 4)),
            st.tuples(st.just("telemetry"), st.integers(1, 4)),
            st.tuples(st.just("ack"), st.integers(0, 6)),
        ),
        max_size=25,
    )
)
def test_the_capacity_counter_always_equals_the_rows_that_count(
    steps: list[tuple[str, int]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db, outbox = open_outbox(Path(folder) / "s.db", capacity=6)
        for kind, n in steps:
            if kind == "ack":
                outbox.ack(outbox.acked_seq() + n)
                continue
            priority = Priority.PERSON if kind == "person" else Priority.TELEMETRY
            for _ in range(n):
                try:
                    with db.transaction() as tx:
                        outbox.append(tx, "ticket", "ticket.issued", {}, priority=priority)
                except OutboxFullError:
                    pass  # refused: nothing stored, the counter must not move either
            with db.reading() as conn:
                counted = conn.execute(
                    "SELECT COUNT(*) FROM outbox WHERE priority != ?",
                    (Priority.TOMBSTONE.value,),
                ).fetchone()[0]
                stored = conn.execute(
                    "SELECT value FROM kv WHERE key = 'outbox.live_rows'"
                ).fetchone()
            assert stored is not None and int(stored[0]) == counted
            assert counted <= 6
        db.close()
