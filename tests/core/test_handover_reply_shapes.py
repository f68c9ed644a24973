"""The hand-over on boards that answer an unlock in each of the three ways real CU16s do.

Real HandoverService, real Kerong driver, the locker simulator over ``socket://``. The case sits
behind door 2 (board 0 lock 2), where the lock's ADDR (0x01) and the board's (0x00) differ, so a
status-frame answer is not an echo. Before the driver confirmed unlocks by the door's sensor,
every pickup on a ``status`` or ``silent`` board ended in ``locker_unavailable``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.core.handover import HandoverJournal, HandoverService, OutcomeCode
from kiosk.devices.locker.factory import LockerSettings, open_locker
from kiosk.devices.locker.kerong_driver import UNLOCK_REPLY_SHAPES, KerongLocker
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

DOOR = 2


class ShapeParts:
    """A service on a real SQLite file driving boards that answer unlocks in one shape."""

    def __init__(self, path: Path, sim: LockerSimulator) -> None:
        self.sim = sim
        self.clock = StepClock()
        self.db = Database(path)
        self.outbox = Outbox(self.db, kiosk_id="test-kiosk-1", session=begin_session(self.db))
        locker = open_locker(
            sim.url, LockerSettings(boards=3, reply_timeout_s=0.1, unlock_check_s=0.3)
        )
        assert isinstance(locker, KerongLocker)
        self.locker = locker
        self.service = HandoverService(
            settings(compartments={DOOR: "S"}),
            HandoverJournal(self.db, self.outbox),
            locker,
            trust(),
            self.clock,
        )

    def close(self) -> None:
        self.locker.close()
        self.db.close()

    def steps(self) -> list[str]:
        return [e.type for e in self.outbox.pending(limit=10_000) if e.category == "handover"]


def _parts(tmp_path: Path, **sim_options: object) -> Iterator[ShapeParts]:
    sim = LockerSimulator(port=0, boards=3, **sim_options).start()  # type: ignore[arg-type]
    parts = ShapeParts(tmp_path / "k.sqlite3", sim)
    try:
        yield parts
    finally:
        parts.close()
        sim.stop()


@pytest.fixture(params=UNLOCK_REPLY_SHAPES)
def parts(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ShapeParts]:
    yield from _parts(tmp_path, reply_shape=request.param)


@pytest.fixture(params=UNLOCK_REPLY_SHAPES)
def spring_parts(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ShapeParts]:
    yield from _parts(tmp_path, reply_shape=request.param, auto_pull_s=0.0)


def _load(parts: ShapeParts) -> None:
    start = parts.service.identify_staff_card(staff_card(parts.clock.now()))
    assert parts.service.select_case(start.handover_id, "case-1").door == DOOR
    parts.sim.pull(DOOR)
    parts.service.poll(start.handover_id)
    parts.sim.put_item(DOOR)
    assert parts.sim.push(DOOR)
    assert parts.service.poll(start.handover_id).code is OutcomeCode.LOADED


def test_loading_and_a_pickup_end_with_the_door_opened_whatever_the_reply_shape(
    parts: ShapeParts,
) -> None:
    assign(parts, "case-1", "S", old=False)  # type: ignore[arg-type]
    _load(parts)
    start = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
    assert parts.service.enter_pin(start.handover_id, PIN).door == DOOR
    assert parts.sim.pull(DOOR)  # the latch was released by the one pulse
    assert parts.service.poll(start.handover_id).code is OutcomeCode.TAKE_PASSPORT
    parts.sim.take_item(DOOR)
    parts.service.poll(start.handover_id)
    assert parts.sim.push(DOOR)
    assert parts.service.poll(start.handover_id).code is OutcomeCode.COLLECTED

    assert parts.sim.pulsed_doors() == [DOOR, DOOR]  # loading, pickup: never twice
    assert parts.steps().count("handover.door_opened") == 2
    assert "handover.locker_failed" not in parts.steps()
    assert parts.locker.counters["unlocks_unconfirmed"] == 0


def test_a_spring_latch_confirms_each_unlock_and_opens_the_door_without_a_pull(
    spring_parts: ShapeParts,
) -> None:
    parts = spring_parts
    assign(parts, "case-1", "S", old=False)  # type: ignore[arg-type]
    _load(parts)
    start = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
    parts.service.enter_pin(start.handover_id, PIN)
    assert parts.sim.wait_until_open(DOOR)
    assert parts.service.poll(start.handover_id).code is OutcomeCode.TAKE_PASSPORT

    assert parts.sim.pulsed_doors() == [DOOR, DOOR]
    assert parts.locker.counters["unlocks_confirmed"] == 2
    assert parts.locker.counters["unlocks_still_locked"] == 0


def test_a_jammed_latch_is_retried_once_by_the_hand_over_then_sends_the_citizen_to_the_counter(
    parts: ShapeParts,
) -> None:
    assign(parts, "case-1", "S", old=False)  # type: ignore[arg-type]
    _load(parts)
    parts.sim.jam(DOOR)
    start = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
    parts.service.enter_pin(start.handover_id, PIN)
    assert not parts.sim.pull(DOOR)
    parts.clock.advance(9)
    parts.service.poll(start.handover_id)  # the hand-over's one retry, journalled
    parts.clock.advance(9)
    assert parts.service.poll(start.handover_id).code is OutcomeCode.DOOR_DID_NOT_OPEN

    assert parts.sim.pulses(DOOR) == 3  # loading, the pickup's unlock and its one retry
    assert parts.steps().count("handover.unlock_retried") == 1
    assert "handover.locker_failed" not in parts.steps()
    assert parts.locker.health().state.usable
