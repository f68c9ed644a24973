"""Shared parts of the hand-over tests: a physical locker fake, a slot fake, a service on a
real SQLite file, real signed tokens and real scrypt verifiers.

``FakeBoard`` implements the Locker Protocol and models doors as things a person moves: an
unlock releases the latch (unless jammed), a pull opens a released door, a push closes and
latches it. Every pulse is recorded per door. With a ``state_file`` every change is written
to JSON at once (atomically), so a process killed with SIGKILL leaves the physical state and
the pulse record behind for the test process to read.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk.core.clock_guard import ClockGuard
from kiosk.core.handover import (
    HandoverJournal,
    HandoverService,
    HandoverSettings,
    ReturnMode,
    issue_pickup_token,
    issue_staff_card,
    make_pin_verifier,
)
from kiosk.core.handover.tokens import HandoverTrust
from kiosk.core.jws import public_key_text
from kiosk.core.trust import KeyPurpose, TrustList
from kiosk.devices.health import Health, HealthBoard, HealthState
from kiosk.devices.locker.protocol import DoorState, DoorStatus, LockerError
from kiosk.store.database import Database
from kiosk.store.kv import begin_session
from kiosk.store.outbox import Outbox
from tests.core.checkin_support import KEY

OFFICE = "chuo"
PIN = "482913"
CHEAP = 10  # log2 N for test verifiers: the format and the code path are the real ones
DOORS_PER_BOARD = 16


@dataclass
class DoorModel:
    """One door as a person and a sensor see it."""

    open: bool = False
    released: bool = False
    item: bool = False
    jammed: bool = False
    sensor_reads_open: bool = False  # a cut sensor cable


@dataclass
class FakeBoard:
    """A Locker (Protocol) fake with physical doors, pulses recorded per door."""

    door_numbers: tuple[int, ...]
    state_file: Path | None = None
    item_sensors: bool = True
    on_pulse: Callable[[int], None] | None = None
    name: str = "fake-locker"
    models: dict[int, DoorModel] = field(default_factory=dict)
    pulse_count: dict[int, int] = field(default_factory=dict)
    silent_boards: set[int] = field(default_factory=set)
    unlock_log: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        for door in self.door_numbers:
            self.models.setdefault(door, DoorModel())
        self._save()

    @classmethod
    def load(cls, state_file: Path, **kwargs: Any) -> FakeBoard:
        """The board as a (killed) process left it in ``state_file``."""
        data = json.loads(state_file.read_text())
        board = cls(
            tuple(int(d) for d in data["models"]),
            state_file=state_file,
            item_sensors=data["item_sensors"],
            models={int(d): DoorModel(**m) for d, m in data["models"].items()},
            pulse_count={int(d): n for d, n in data["pulses"].items()},
            silent_boards=set(data["silent_boards"]),
            unlock_log=list(data["unlock_log"]),
            **kwargs,
        )
        return board

    def _save(self) -> None:
        if self.state_file is None:
            return
        data = {
            "item_sensors": self.item_sensors,
            "models": {str(d): vars(m) for d, m in self.models.items()},
            "pulses": {str(d): n for d, n in self.pulse_count.items()},
            "silent_boards": sorted(self.silent_boards),
            "unlock_log": self.unlock_log,
        }
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.state_file)

    # -- the Locker Protocol ---------------------------------------------------------------

    @property
    def doors(self) -> tuple[int, ...]:
        return self.door_numbers

    def unlock(self, door: int) -> None:
        if door not in self.models:
            raise ValueError(f"no door {door}")
        if self._board(door) in self.silent_boards:
            raise LockerError(
                f"board {self._board(door)} did not answer",
                Health(HealthState.UNKNOWN, "no_answer"),
            )
        self.pulse_count[door] = self.pulse_count.get(door, 0) + 1
        self.unlock_log.append(door)
        model = self.models[door]
        if not model.jammed:
            model.released = True
        self._save()
        if self.on_pulse is not None:
            self.on_pulse(door)

    def read_doors(self) -> Mapping[int, DoorStatus]:
        result = {}
        for door, model in self.models.items():
            if self._board(door) in self.silent_boards:
                result[door] = DoorStatus(door, DoorState.UNKNOWN, None)
                continue
            is_open = model.open or model.sensor_reads_open
            result[door] = DoorStatus(
                door,
                DoorState.OPEN if is_open else DoorState.CLOSED,
                model.item if self.item_sensors else None,
            )
        return result

    def health(self) -> Health:
        if self.silent_boards:
            return Health(HealthState.FAULT, "no_answer", f"boards {sorted(self.silent_boards)}")
        return Health(HealthState.OK)

    def close(self) -> None:
        pass

    # -- a person and faults ---------------------------------------------------------------

    def pull(self, door: int) -> bool:
        model = self.models[door]
        if model.released and not model.open:
            model.open, model.released = True, False
            self._save()
        return model.open

    def push(self, door: int) -> None:
        model = self.models[door]
        model.open = False
        model.released = False
        self._save()

    def put_item(self, door: int) -> None:
        self.models[door].item = True
        self._save()

    def take_item(self, door: int) -> None:
        self.models[door].item = False
        self._save()

    def jam(self, door: int, jammed: bool = True) -> None:
        self.models[door].jammed = jammed
        self._save()

    def force_open(self, door: int) -> None:
        self.models[door].open = True
        self._save()

    def silence(self, board: int, silent: bool = True) -> None:
        (self.silent_boards.add if silent else self.silent_boards.discard)(board)
        self._save()

    def pulses(self, door: int) -> int:
        return self.pulse_count.get(door, 0)

    def total_pulses(self) -> int:
        return sum(self.pulse_count.values())

    @staticmethod
    def _board(door: int) -> int:
        return (door - 1) // DOORS_PER_BOARD


class FakeSlot:
    """The punch intake slot: a flap, a document sensor, a punch (IntakeSlot Protocol)."""

    def __init__(self, on_fire: Callable[[str], None] | None = None):
        self.flap_open = False
        self.document = False
        self.punched = 0
        self.opens = 0
        self.on_fire = on_fire

    def open(self) -> None:
        self.flap_open = True
        self.opens += 1
        if self.on_fire is not None:
            self.on_fire("slot_open")

    def document_present(self) -> bool | None:
        return self.document

    def punch(self) -> None:
        self.punched += 1
        self.document = False  # punched and dropped into the bin
        self.flap_open = False
        if self.on_fire is not None:
            self.on_fire("punch")

    def insert(self) -> None:
        if self.flap_open:
            self.document = True

    def health(self) -> Health:
        return Health(HealthState.OK)


class StepClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None):
        self.moment = start or datetime(2026, 11, 27, 1, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


def trust() -> HandoverTrust:
    """Pickup notices and staff cards, both signed by the tests' ``k2`` here."""
    key = {"k2": public_key_text(KEY.public_key())}
    return HandoverTrust(
        pickup=TrustList(key, purpose=KeyPurpose.PICKUP),
        staff=TrustList(key, purpose=KeyPurpose.STAFF),
    )


def settings(**overrides: Any) -> HandoverSettings:
    """48 doors on three boards: 1-40 case compartments (S/M/L), 41-44 return, 45-48 spare."""
    compartments = {d: ("S" if d <= 16 else "M" if d <= 32 else "L") for d in range(1, 41)}
    values: dict[str, Any] = {
        "office": OFFICE,
        "compartments": compartments,
        "return_doors": (41, 42, 43, 44),
        "return_mode": ReturnMode.HOLD,
        "staff_pins": {"s-77": make_pin_verifier("7777", log2n=CHEAP)},
    }
    values.update(overrides)
    return HandoverSettings(**values)


@dataclass
class Parts:
    """The real parts under a hand-over service."""

    db: Database
    outbox: Outbox
    service: HandoverService
    board: FakeBoard
    clock: Any
    health: HealthBoard
    slot: FakeSlot | None = None

    def events(self, prefix: str = "handover.") -> list[tuple[str, dict[str, Any]]]:
        return [
            (e.type, e.payload["data"])
            for e in self.outbox.pending(limit=100_000)
            if e.type.startswith(prefix)
        ]

    def event_types(self) -> list[str]:
        return [t for t, _ in self.events()]


def build(
    path: Path,
    board: FakeBoard | None = None,
    *,
    clock: Any = None,
    slot: FakeSlot | None = None,
    settings_: HandoverSettings | None = None,
    monotonic: Callable[[], float] | None = None,
    clock_guard: ClockGuard | None = None,
) -> Parts:
    """A hand-over service on a real SQLite file (``monotonic``: the PIN pauses' clock)."""
    db = Database(path)
    outbox = Outbox(db, kiosk_id="test-kiosk-1", session=begin_session(db))
    board = board or FakeBoard(tuple(range(1, 49)))
    clock = clock or StepClock()
    health = HealthBoard()
    service = HandoverService(
        settings_ or settings(return_mode=ReturnMode.PUNCH if slot else ReturnMode.HOLD),
        HandoverJournal(db, outbox),
        board,
        trust(),
        clock,
        slot=slot,
        health=health,
        **({} if monotonic is None else {"monotonic": monotonic}),
        clock_guard=clock_guard,
    )
    return Parts(db, outbox, service, board, clock, health, slot)


def pickup_token(case_id: str, now: datetime, *, office: str = OFFICE, days: float = 14) -> str:
    return issue_pickup_token(case_id, office, now + timedelta(days=days), key=KEY, kid="k2")


def staff_card(now: datetime, staff_id: str = "s-12", office: str = OFFICE) -> str:
    return issue_staff_card(staff_id, office, now + timedelta(hours=8), key=KEY, kid="k2")


def assign(
    parts: Parts, case_id: str, size: str = "M", *, old: bool = True, pin: str = PIN
) -> None:
    parts.service.assign_case(
        case_id, size, has_old_passport=old, pin_verifier=make_pin_verifier(pin, log2n=CHEAP)
    )


def load_case(parts: Parts, case_id: str) -> int:
    """Staff load ``case_id`` through the real journey; returns its door."""
    start = parts.service.identify_staff_card(staff_card(parts.clock.now()))
    outcome = parts.service.select_case(start.handover_id, case_id)
    assert outcome.door is not None, outcome
    door = outcome.door
    parts.board.pull(door)
    parts.service.poll(start.handover_id)
    parts.board.put_item(door)
    parts.board.push(door)
    final = parts.service.poll(start.handover_id)
    assert final.code.value == "loaded", final
    return door


def act(parts: Parts, handover_id: str) -> bool:
    """The citizen or staff member does the next physical thing; False when done."""
    record = parts.service.handover(handover_id)
    assert record is not None
    state = record.state.value
    if record.state.terminal:
        return False
    door = record.target_door()
    if state in ("unlock_sent", "return_unlock_sent"):
        assert door is not None
        parts.board.pull(door)
    elif (state == "door_opened" and record.kind.value == "loading") or state == "return_opened":
        assert door is not None
        parts.board.put_item(door)
        parts.board.push(door)
    elif state == "door_opened":
        assert door is not None
        parts.board.take_item(door)
    elif state in ("item_taken", "awaiting_close"):
        assert door is not None
        parts.board.push(door)
    elif state == "return_slot_opened":
        assert parts.slot is not None
        parts.slot.insert()
    return True


def run_to_end(parts: Parts, handover_id: str, limit: int = 20) -> str:
    """Poll and act until the hand-over ends; returns the final outcome code."""
    for _ in range(limit):
        outcome = parts.service.poll(handover_id)
        if outcome.state is not None and outcome.state.terminal:
            return outcome.code.value
        act(parts, handover_id)
    raise AssertionError(f"hand-over {handover_id} did not end in {limit} polls")


def all_doors_pulsed(board: FakeBoard) -> set[int]:
    return {d for d, n in board.pulse_count.items() if n}


def cheap_verifier(pin: str = PIN) -> str:
    return make_pin_verifier(pin, log2n=CHEAP)
