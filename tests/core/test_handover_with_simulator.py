"""The hand-over through the real Kerong driver and the locker simulator (over socket://).

Repo rule: a test that mocks our driver proves nothing. Here the relay count comes from the
simulator's own record of unlock frames (``LockerSimulator.pulses``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.core.handover import (
    HandoverJournal,
    HandoverService,
    HandoverState,
    OutcomeCode,
)
from kiosk.devices.locker.factory import LockerSettings, open_locker
from kiosk.devices.locker.protocol import Locker
from kiosk.store.database import Database
from kiosk.store.kv import begin_session
from kiosk.store.outbox import Outbox
from simulators.locker.server import LockerSimulator
from tests.core.handover_support import (
    PIN,
    StepClock,
    assign,
    pickup_token,
    settings,
    staff_card,
    trust,
)

ROOT = Path(__file__).resolve().parents[2]


class SimParts:
    """A service on a real SQLite file, driving the simulator through the Kerong driver."""

    def __init__(self, path: Path, sim: LockerSimulator, clock: StepClock, **overrides: object):
        self.sim = sim
        self.clock = clock
        self.db = Database(path)
        self.outbox = Outbox(self.db, kiosk_id="test-kiosk-1", session=begin_session(self.db))
        self.locker: Locker = open_locker(sim.url, LockerSettings(boards=3))
        self.service = HandoverService(
            settings(**overrides),
            HandoverJournal(self.db, self.outbox),
            self.locker,
            trust(),
            clock,
        )

    def close(self) -> None:
        self.locker.close()
        self.db.close()

    def event_types(self) -> list[str]:
        return [e.type for e in self.outbox.pending(limit=10_000) if e.category == "handover"]


@pytest.fixture
def sim() -> Iterator[LockerSimulator]:
    simulator = LockerSimulator(port=0, boards=3).start()
    yield simulator
    simulator.stop()


@pytest.fixture
def parts(tmp_path: Path, sim: LockerSimulator) -> Iterator[SimParts]:
    p = SimParts(tmp_path / "k.sqlite3", sim, StepClock())
    yield p
    p.close()


def load(parts: SimParts, case_id: str) -> int:
    start = parts.service.identify_staff_card(staff_card(parts.clock.now()))
    door = parts.service.select_case(start.handover_id, case_id).door
    assert door is not None
    assert parts.sim.pull(door)
    parts.service.poll(start.handover_id)
    parts.sim.put_item(door)
    parts.sim.push(door)
    assert parts.service.poll(start.handover_id).code is OutcomeCode.LOADED
    return door


def test_loading_and_a_hold_mode_pickup_fire_only_the_case_and_return_doors(
    parts: SimParts,
) -> None:
    assign(parts, "case-1", "M", old=True)  # type: ignore[arg-type]
    door = load(parts, "case-1")
    assert door == 17
    start = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
    assert parts.service.enter_pin(start.handover_id, PIN).door == 41
    assert parts.sim.pull(41)
    parts.service.poll(start.handover_id)
    parts.sim.put_item(41)
    parts.sim.push(41)
    assert parts.service.poll(start.handover_id).door == 17
    assert parts.sim.pull(17)
    parts.service.poll(start.handover_id)
    parts.sim.take_item(17)
    parts.service.poll(start.handover_id)
    parts.sim.push(17)
    assert parts.service.poll(start.handover_id).code is OutcomeCode.COLLECTED
    assert parts.sim.pulsed_doors() == [17, 41, 17]  # loading, return door, case door
    assert (parts.sim.pulses(17), parts.sim.pulses(41)) == (2, 1)


def test_a_jammed_latch_is_retried_once_then_sends_the_citizen_to_the_counter(
    parts: SimParts,
) -> None:
    assign(parts, "case-1", "S", old=False)  # type: ignore[arg-type]
    door = load(parts, "case-1")
    parts.sim.jam(door)
    start = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
    parts.service.enter_pin(start.handover_id, PIN)
    assert not parts.sim.pull(door)
    parts.clock.advance(9)
    parts.service.poll(start.handover_id)
    parts.clock.advance(9)
    assert parts.service.poll(start.handover_id).code is OutcomeCode.DOOR_DID_NOT_OPEN
    assert parts.sim.pulses(door) == 3


def test_a_silent_board_makes_doors_unknown_and_the_pickup_is_refused(parts: SimParts) -> None:
    assign(parts, "case-1", "S", old=False)  # type: ignore[arg-type]
    door = load(parts, "case-1")
    parts.sim.silence(0)
    outcome = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
    assert outcome.code is OutcomeCode.LOCKER_UNAVAILABLE
    assert parts.sim.pulses(door) == 1


def test_a_forced_door_raises_the_tamper_alarm(parts: SimParts) -> None:
    assign(parts, "case-1", "S", old=False)  # type: ignore[arg-type]
    door = load(parts, "case-1")
    parts.service.watch()
    parts.sim.force_open(door)
    parts.service.watch()
    assert parts.event_types().count("handover.door_forced") == 1


@pytest.mark.parametrize(
    ("stop_after", "pulled", "state", "settlement", "pulses"),
    [
        (1, False, HandoverState.ABANDONED, "nothing_unlocked", 1),
        (2, False, HandoverState.ABANDONED, "nothing_unlocked", 1),
        (3, False, HandoverState.NOT_COLLECTED, "not_collected", 1),
        (4, False, HandoverState.NOT_COLLECTED, "not_collected", 2),
        (4, True, HandoverState.AWAITING_CLOSE, "awaiting_close", 2),
    ],
)
def test_a_killed_kiosk_is_settled_after_restart_without_a_frame_to_any_lock(
    tmp_path: Path,
    sim: LockerSimulator,
    stop_after: int,
    pulled: bool,
    state: HandoverState,
    settlement: str,
    pulses: int,
) -> None:
    db = tmp_path / "k.sqlite3"
    clock = StepClock()
    before = SimParts(db, sim, clock)
    assign(before, "case-1", "S", old=False)  # type: ignore[arg-type]
    door = load(before, "case-1")
    before.close()
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.core.handover_child",
            str(db),
            sim.url,
            "sim-pickup",
            str(stop_after),
            clock.now().isoformat(),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    try:
        for line in child.stdout:
            if line.startswith("STOPPED"):
                child.send_signal(signal.SIGKILL)
                break
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert sim.pulses(door) == pulses
    if pulled:
        assert sim.pull(door)
    after = SimParts(db, sim, clock)
    try:
        settled = after.service.recover()
        assert [(s.to_state, s.settlement) for s in settled] == [(state, settlement)]
        assert sim.pulses(door) == pulses
        assert sim.pulsed_doors() == [door] * pulses
    finally:
        after.close()
