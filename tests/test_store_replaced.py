"""A damaged state database end to end (issue 10, item 5): real Mosquitto, the central
simulator, the locker simulator, the printer simulator, SQLite files.

The kiosk issues tickets and checks a booking in; a passport lies in a compartment; the
database is overwritten with garbage. At the next start the kiosk moves the file aside,
reports ``store.replaced``, marks the compartment it cannot vouch for ``unknown``, and the
server's signed ``store.relearn`` answer brings back the used booking: the ticket numbers go
on, the booking cannot be used twice, no new event is taken for an old one.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.config import parse_config
from kiosk.core.trust import KeyPurpose
from kiosk.devices.health import HealthState
from kiosk.services import KioskServices, build_services
from kiosk.store.health import STORE
from simulators.central.server import CentralSimulator, issue_booking_token
from simulators.clock.sync import SimulatedClockSync
from simulators.locker.server import LockerSimulator
from simulators.printer.server import PrinterSimulator
from tests.contract.monitor import ContractMonitor
from tests.kiosk_config import config_data
from tests.link.link_support import wait_until
from tests.mosquitto import MosquittoBroker
from tests.trust_keys import central_keys, signing_key, trust_table

KIOSK = "test-kiosk-1"
PASSPORT_DOOR = 3


@pytest.fixture
def locker_sim() -> Iterator[LockerSimulator]:
    with LockerSimulator(port=0, boards=1) as sim:
        yield sim


def document(tmp_path: Path, broker: MosquittoBroker) -> dict[str, Any]:
    data = config_data(tmp_path / "state")
    data["mqtt"] = {"broker": broker.url, "keepalive_s": 5}
    data["trust"] = trust_table()
    data["locker"] = {"url": "sim://", "boards": 1}
    data["handover"] = {"compartments": {"M": "1-14"}, "return_doors": [15, 16]}
    return data


def kiosk(
    tmp_path: Path,
    broker: MosquittoBroker,
    printer: PrinterSimulator,
    locker_sim: LockerSimulator,
) -> KioskServices:
    doc = document(tmp_path, broker)
    return build_services(
        parse_config(doc, source="test"),
        clock_sync=SimulatedClockSync(),
        printer_url=printer.url,
        locker_url=locker_sim.url,
        printer_poll_s=3600,
        document=doc,
    )


def booking() -> str:
    kid, key = signing_key(KeyPurpose.BOOKING)
    return issue_booking_token(
        "chuo",
        "insurance",
        datetime.now(UTC) + timedelta(minutes=5),
        booking_id="bk-replayed",
        key=key,
        kid=kid,
    )


def test_a_damaged_database_is_moved_aside_reported_and_re_learned_from_the_server(
    tmp_path: Path,
    mosquitto: MosquittoBroker,
    printer: PrinterSimulator,
    locker_sim: LockerSimulator,
) -> None:
    token = booking()
    with (
        ContractMonitor(mosquitto.host, mosquitto.port) as monitor,
        CentralSimulator(mosquitto.host, mosquitto.port, **central_keys()) as central,
    ):
        first = kiosk(tmp_path, mosquitto, printer, locker_sim)
        first.start()
        try:
            numbers = [first.tickets.issue("certificates", "ja").ticket.number for _ in range(3)]
            assert first.checkin is not None
            assert first.checkin.check_in(token).result.value == "accepted"
            wait_until(lambda: first.outbox.depth() == 0, 20, "every event acked")
            old_incarnation = first.outbox.incarnation
        finally:
            first.stop()
        locker_sim.put_item(PASSPORT_DOOR)  # a passport the lost database had recorded
        state = tmp_path / "state"
        (state / "kiosk.sqlite3").write_bytes(os.urandom(8192))

        second = kiosk(tmp_path, mosquitto, printer, locker_sim)
        try:
            assert second.relearn is not None and second.relearn.pending
            replacement = second.relearn.replacement
            assert replacement is not None
            assert (replacement.reason, replacement.previous_incarnation) == (
                "not_a_database",
                old_incarnation,
            )
            assert second.health.get(STORE).reason == "relearning"
            assert second.handover is not None
            doors = {c.door: c.state for c in second.handover.compartments()}
            assert doors[PASSPORT_DOOR] == "unknown"
            assert [d for d, s in doors.items() if s != "free"] == [PASSPORT_DOOR]

            second.start()
            wait_until(lambda: not second.relearn.pending, 20, "the server's store.relearn")
            assert second.health.get(STORE).state is HealthState.OK
            assert second.checkin is not None
            again = second.checkin.check_in(token)
            assert again.result.value == "already_used"
            number = second.tickets.issue("certificates", "ja").ticket.number
            assert number == "A-051"
            assert second.handover.clear_compartment(PASSPORT_DOOR, "staff-7") is True
            assert {c.door: c.state for c in second.handover.compartments()}[
                PASSPORT_DOOR
            ] == "free"
            wait_until(lambda: second.outbox.depth() == 0, 20, "every new event acked")
            new_incarnation = second.outbox.incarnation
        finally:
            second.stop()
        assert monitor.wait_until(
            lambda m: m.incarnations(KIOSK) == [old_incarnation, new_incarnation], 10
        )
        monitor.assert_clean()
    assert numbers == ["A-001", "A-002", "A-003"]
    assert central.duplicates == 0
    replaced = central.events(KIOSK, "store.replaced")
    assert [e.incarnation for e in replaced] == [new_incarnation]
    data = replaced[0].envelope["data"]
    assert data["reason"] == "not_a_database"
    assert data["previous_incarnation"] == old_incarnation
    assert data["numbers_from_marker"] is True
    assert data["moved_aside"] == [
        name for name in sorted(p.name for p in state.iterdir()) if ".corrupt-" in name
    ]
    relearned = central.events(KIOSK, "store.relearned")[0].envelope["data"]
    assert relearned["used_bookings_learned"] == 1
    assert relearned["next_numbers"]["certificates"] == 51
    assert relearned["possible_duplicate_numbers"] == 0
    cleared = central.events(KIOSK, "handover.compartment_cleared")[0].envelope["data"]
    assert (cleared["door"], cleared["was"], cleared["staff_id"]) == (
        PASSPORT_DOOR,
        "unknown",
        "staff-7",
    )
    rejected = central.events(KIOSK, "checkin.rejected")[-1].envelope["data"]
    assert (rejected["reason"], rejected["booking_id"]) == ("already_used", "bk-replayed")
    issued = [
        e.envelope["data"]["number"]
        for e in central.events(KIOSK, "ticket.issued")
        if e.envelope["data"]["service"] == "certificates"
    ]
    assert issued == ["A-001", "A-002", "A-003", "A-051"]


def test_a_kiosk_whose_whole_state_folder_was_lost_learns_it_from_the_servers_ack(
    tmp_path: Path,
    mosquitto: MosquittoBroker,
    printer: PrinterSimulator,
    locker_sim: LockerSimulator,
) -> None:
    token = booking()
    with CentralSimulator(mosquitto.host, mosquitto.port, **central_keys()) as central:
        first = kiosk(tmp_path, mosquitto, printer, locker_sim)
        first.start()
        try:
            for _ in range(4):
                first.tickets.issue("certificates", "ja")
            assert first.checkin is not None
            assert first.checkin.check_in(token).result.value == "accepted"
            wait_until(lambda: first.outbox.depth() == 0, 20, "every event acked")
            old_incarnation = first.outbox.incarnation
        finally:
            first.stop()
        for path in (tmp_path / "state").iterdir():  # marker included
            if path.is_file():
                path.unlink()

        second = kiosk(tmp_path, mosquitto, printer, locker_sim)
        try:
            assert second.relearn is not None and not second.relearn.pending
            second.start()
            # The retained ack names the old incarnation: the kiosk reports, the server
            # answers, the kiosk re-learns.
            wait_until(
                lambda: second.relearn is not None and second.relearn.replacement is not None,
                20,
                "the foreign ack",
            )
            wait_until(lambda: not second.relearn.pending, 20, "the server's store.relearn")
            assert second.checkin is not None
            assert second.checkin.check_in(token).result.value == "already_used"
            number = second.tickets.issue("certificates", "ja").ticket.number
            new_incarnation = second.outbox.incarnation
        finally:
            second.stop()
    replacement = dataclasses.asdict(second.relearn.replacement)  # type: ignore[call-overload]
    assert (replacement["reason"], replacement["previous_incarnation"]) == (
        "server_knew_previous",
        old_incarnation,
    )
    assert replacement["marker"] is False
    relearned = central.events(KIOSK, "store.relearned")[0].envelope["data"]
    # Without a marker: the server's last number (4) and a tail of 60 per minute since the
    # server's last event, at least two minutes: never a number the lost database printed.
    assert relearned["next_numbers"]["certificates"] >= 4 + 2 * 60 + 1
    assert int(number[2:]) == relearned["next_numbers"]["certificates"]
    assert relearned["possible_duplicate_numbers"] == 0
    assert [e.incarnation for e in central.events(KIOSK, "store.replaced")] == [new_incarnation]
    assert central.duplicates == 0


def test_a_kiosk_that_cannot_open_its_state_shows_out_of_service_and_keeps_running(
    tmp_path: Path,
) -> None:
    """A database of a newer program (or one the kiosk may not read) is never moved aside:
    `kiosk run` shows the out-of-service screen with the reason and stays up until stopped,
    instead of exiting into systemd's restart and reboot loop."""
    import signal
    import sqlite3
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    state = tmp_path / "state"
    state.mkdir()
    conn = sqlite3.connect(state / "kiosk.sqlite3")
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = (state / "kiosk.sqlite3").read_bytes()
    text = (root / "config" / "kiosk.example.toml").read_text(encoding="utf-8")
    text = text.replace('state_dir = "/var/lib/kiosk"', f'state_dir = "{state}"')
    config = tmp_path / "kiosk.toml"
    config.write_text(text, encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "kiosk", "--config", str(config), "run"]
    proc = subprocess.Popen(
        [*command, "--windowed", "--announce-ready"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # blocks until the screen is up (or the process ends)
        assert line.strip() == "first-frame", proc.stderr.read() if proc.stderr else ""
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        status = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.stderr is not None
    log = proc.stderr.read()
    assert status == 0
    assert "out of service: the state database cannot be opened" in log
    assert "schema version 99 is newer" in log
    assert (state / "kiosk.sqlite3").read_bytes() == before
    assert sorted(p.name for p in state.iterdir() if "corrupt" in p.name) == []
