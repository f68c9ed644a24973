"""A kiosk process for the power-cut tests: runs one journey and stops dead after point k.

Usage: ``python -m tests.core.handover_child DB BOARD_JSON JOURNEY STOP_AFTER START_TIME``

JOURNEY is ``loading`` or ``pickup-hold`` / ``pickup-punch`` / ``pickup-none``. A *point* is
every committed journal step and every actuator fired (a pulse, the slot's flap, the punch).
Each point is printed as ``POINT k name``; after point STOP_AFTER the process prints
``STOPPED k`` and blocks until the test kills it with SIGKILL. STOP_AFTER 0 runs to the end
and prints ``DONE k``. The board (and the slot) are written to BOARD_JSON at every change.
"""

from __future__ import annotations

import json
import sys
import threading
from datetime import datetime
from pathlib import Path

from kiosk.core.handover.machine import Step
from tests.core.handover_support import (
    PIN,
    FakeBoard,
    FakeSlot,
    StepClock,
    act,
    build,
    pickup_token,
    staff_card,
)


class Points:
    """Counts points and stops the process dead at the chosen one."""

    def __init__(self, stop_after: int):
        self.count = 0
        self.stop_after = stop_after

    def __call__(self, name: str) -> None:
        self.count += 1
        print(f"POINT {self.count} {name}", flush=True)
        if self.count == self.stop_after:
            print(f"STOPPED {self.count}", flush=True)
            threading.Event().wait()  # until SIGKILL


class SavedSlot(FakeSlot):
    """The slot fake, its state saved next to the board's."""

    def __init__(self, path: Path, points: Points):
        super().__init__(on_fire=points)
        self.path = path
        if path.exists():
            data = json.loads(path.read_text())
            self.flap_open, self.document = data["flap_open"], data["document"]
            self.punched, self.opens = data["punched"], data["opens"]

    def save(self) -> None:
        self.path.write_text(
            json.dumps(
                {
                    "flap_open": self.flap_open,
                    "document": self.document,
                    "punched": self.punched,
                    "opens": self.opens,
                }
            )
        )

    def open(self) -> None:
        self.flap_open = True
        self.opens += 1
        self.save()
        assert self.on_fire is not None
        self.on_fire("slot_open")

    def punch(self) -> None:
        self.punched += 1
        self.document = False
        self.flap_open = False
        self.save()
        assert self.on_fire is not None
        self.on_fire("punch")

    def insert(self) -> None:
        super().insert()
        self.save()


def main() -> None:
    db, board_file, journey, stop_after, start = sys.argv[1:6]
    points = Points(int(stop_after))
    if journey == "sim-pickup":
        simulator_pickup(Path(db), board_file, points, StepClock(datetime.fromisoformat(start)))
        return
    board = FakeBoard.load(Path(board_file), on_pulse=lambda door: points(f"pulse:{door}"))
    slot = SavedSlot(Path(board_file).with_suffix(".slot.json"), points)
    clock = StepClock(datetime.fromisoformat(start))
    parts = build(Path(db), board, clock=clock, slot=slot if journey == "pickup-punch" else None)
    parts.service.add_step_listener(lambda step: points(_name(step)))
    if journey == "loading":
        first = parts.service.identify_staff_card(staff_card(clock.now()))
        parts.service.select_case(first.handover_id, "case-1")
    else:
        first = parts.service.scan_pickup(pickup_token("case-1", clock.now()))
        parts.service.enter_pin(first.handover_id, PIN)
    for _ in range(30):
        outcome = parts.service.poll(first.handover_id)
        if outcome.state is not None and outcome.state.terminal:
            break
        act(parts, first.handover_id)
    print(f"DONE {points.count}", flush=True)


def simulator_pickup(db: Path, url: str, points: Points, clock: StepClock) -> None:
    """Scan and PIN against the real Kerong driver on the simulator at ``url``.

    The person's moves happen in the test process (it owns the simulator), so this journey
    stops after the unlock: points are the committed steps, then ``unlocked`` once
    ``enter_pin`` returned (the frame was acknowledged).
    """
    from kiosk.core.handover import HandoverJournal, HandoverService
    from kiosk.devices.locker.factory import LockerSettings, open_locker
    from kiosk.store.database import Database
    from kiosk.store.kv import begin_session
    from kiosk.store.outbox import Outbox
    from tests.core.handover_support import settings, trust

    database = Database(db)
    outbox = Outbox(database, kiosk_id="test-kiosk-1", session=begin_session(database))
    locker = open_locker(url, LockerSettings(boards=3))
    service = HandoverService(settings(), HandoverJournal(database, outbox), locker, trust(), clock)
    service.add_step_listener(lambda step: points(_name(step)))
    first = service.scan_pickup(pickup_token("case-1", clock.now()))
    service.enter_pin(first.handover_id, PIN)
    points("unlocked")
    print(f"DONE {points.count}", flush=True)


def _name(step: Step) -> str:
    return step.name


if __name__ == "__main__":
    main()
