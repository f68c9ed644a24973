"""The technician's locker console against the real driver and simulator."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.cli import EXIT_FAILED, EXIT_OK, main
from kiosk.devices.locker.diag import AUDIT_TYPE, open_door, status_table
from kiosk.devices.locker.factory import LockerSettings, open_locker
from kiosk.devices.locker.protocol import Locker
from simulators.locker.server import LockerSimulator

EXAMPLE_CONFIG = Path(__file__).resolve().parents[2] / "config" / "kiosk.example.toml"


@pytest.fixture
def sim() -> Iterator[LockerSimulator]:
    with LockerSimulator(port=0, boards=2, locks_per_board=2) as simulator:
        yield simulator


@pytest.fixture
def locker(sim: LockerSimulator) -> Iterator[Locker]:
    built = open_locker(
        sim.url, LockerSettings(boards=2, locks_per_board=2, reply_timeout_s=0.05, retries=0)
    )
    yield built
    built.close()


def test_the_status_table_lists_every_door_and_the_health(
    sim: LockerSimulator, locker: Locker
) -> None:
    sim.force_open(2)
    sim.put_item(1)
    sim.silence(1)
    assert status_table(locker).splitlines()[:5] == [
        "door  state    item",
        "   1  locked   yes",
        "   2  open     no",
        "   3  unknown  ?",
        "   4  unknown  ?",
    ]
    assert status_table(locker).splitlines()[5].startswith("health: fault (board_silent) board 1")


def test_a_technician_open_fires_once_and_is_audited_before_and_after(
    sim: LockerSimulator, locker: Locker
) -> None:
    audit: list[dict[str, Any]] = []
    reply = open_door(locker, 3, audit.append, actor="tech-7")
    assert reply.startswith("door 3: unlock sent once")
    assert sim.pulsed_doors() == [3]
    assert [(e["type"], e["stage"], e["door"], e["actor"]) for e in audit] == [
        (AUDIT_TYPE, "requested", 3, "tech-7"),
        (AUDIT_TYPE, "unlock_sent", 3, "tech-7"),
    ]


def test_a_failed_technician_open_is_audited_and_not_retried(
    sim: LockerSimulator, locker: Locker
) -> None:
    sim.silence(0)
    audit: list[dict[str, Any]] = []
    reply = open_door(locker, 1, audit.append)
    assert "NOT confirmed (unlock_unconfirmed)" in reply
    assert [e["stage"] for e in audit] == ["requested", "failed"]
    assert audit[1]["result"] == "unlock_unconfirmed"
    assert [f for f in sim.frames_received() if f[2] == 0x31] == [bytes.fromhex("02 00 31 03 36")]


def test_a_failing_audit_stops_the_open_before_anything_fires(
    sim: LockerSimulator, locker: Locker
) -> None:
    def broken(event: dict[str, Any]) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        open_door(locker, 2, broken)
    assert sim.frames_received() == []


def test_a_door_that_does_not_exist_is_neither_audited_nor_fired(locker: Locker) -> None:
    audit: list[dict[str, Any]] = []
    with pytest.raises(ValueError, match="no door 9"):
        open_door(locker, 9, audit.append)
    assert audit == []


def test_a_technician_open_says_how_the_unlock_was_confirmed(sim: LockerSimulator) -> None:
    sim.set_reply_shape("silent")
    audit: list[dict[str, Any]] = []
    locker = open_locker(
        sim.url,
        LockerSettings(boards=2, locks_per_board=2, reply_timeout_s=0.05, unlock_check_s=0.3),
    )
    person = threading.Thread(target=lambda: sim.wait_for_pulses(1) and sim.pull(4))
    person.start()
    try:
        reply = open_door(locker, 4, audit.append)
    finally:
        person.join()
        locker.close()
    assert reply == (
        "door 4: unlock sent once (confirmed by the door's sensor); pull the door now, then "
        "push it shut."
    )
    assert [(e["stage"], e["result"], e["confirmed"]) for e in audit[1:]] == [
        ("unlock_sent", "ok", "sensor")
    ]


def test_a_technician_open_of_a_jammed_latch_on_a_silent_board_is_not_confirmed(
    sim: LockerSimulator,
) -> None:
    sim.set_reply_shape("silent")
    sim.jam(3)
    audit: list[dict[str, Any]] = []
    locker = open_locker(
        sim.url,
        LockerSettings(boards=2, locks_per_board=2, reply_timeout_s=0.05, unlock_check_s=0.2),
    )
    try:
        reply = open_door(locker, 3, audit.append)
    finally:
        locker.close()
    assert reply.startswith("door 3: unlock sent once, NOT confirmed: the door still reads locked")
    assert reply.endswith(
        "Check the latch by hand and run 'kiosk diag locker status' before trying again."
    )
    assert [(e["stage"], e.get("result"), e.get("confirmed")) for e in audit] == [
        ("requested", None, None),
        ("unlock_sent", "still_locked", "not_confirmed"),
    ]
    assert "the door still read locked" in audit[1]["detail"]
    assert sim.pulsed_doors() == [3]


def test_diag_locker_open_exits_1_when_the_door_still_reads_locked_and_0_when_confirmed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(
            'state_dir = "/var/lib/kiosk"', f'state_dir = "{tmp_path / "state"}"'
        ),
        encoding="utf-8",
    )
    (tmp_path / "state").mkdir()
    with LockerSimulator(port=0, boards=3, reply_shape="silent", jammed=[18]) as sim:
        jammed = main(
            ["diag", "locker", "open", "18", "--config", str(config), "--locker", sim.url]
        )
        jammed_out = capsys.readouterr().out
        sim.set_reply_shape("echo")
        echoed = main(
            ["diag", "locker", "open", "19", "--config", str(config), "--locker", sim.url]
        )
        echoed_out = capsys.readouterr().out
        assert sim.pulsed_doors() == [18, 19]
    assert (jammed, echoed) == (EXIT_FAILED, EXIT_OK)
    assert jammed_out.startswith("door 18: unlock sent once, NOT confirmed: the door still reads")
    assert echoed_out.startswith("door 19: unlock sent once (confirmed by the board's reply)")
