"""Soak: 10,000 passport pickups across 48 simulated doors with random faults.

Each cycle assigns a case, a staff member loads it (the kiosk chooses the compartment), and
a citizen collects it (scan, PIN, old passport into the return compartment in ``hold``
mode, take, close). Faults are drawn at random per cycle: a jammed latch, a silent board,
a door forced open elsewhere, a wrong PIN first, a door left open, a restart (the service is
rebuilt on the same database and recovers) in the middle of the pickup. After each cycle
staff clear whatever the faults left (staff checks, returned passports).

Reported:

- wrong doors opened: pulses on a door the hand-over was not allowed to open (must be 0);
- hand-overs left undefined: not ended after the cycle (outside ``awaiting_close`` after a
  restart) or a stored state that is not a defined one (must be 0);
- time from the PIN accepted (the verifier matched) to the unlock call, our own time: p50,
  p99 (the SQLite commits with ``synchronous=FULL`` of ``pin_verified`` and ``*unlock_sent``
  are inside it: "unlock sent" is on disk before the pulse).

Locker: the in-process physical FakeBoard from ``tests/core/handover_support.py`` by default
(Locker Protocol, pulses recorded per door); ``--simulator`` drives the real Kerong driver
over ``socket://`` against ``simulators.locker`` (slower: every poll reads three boards).

Run: ``.venv/bin/python -m bench.handover_soak [--pickups N] [--simulator] [--seed S]``
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.aims import check
from kiosk.core.handover import HandoverState, PinVerifier
from kiosk.devices.locker.protocol import DoorStatus
from tests.core.handover_support import (
    PIN,
    FakeBoard,
    StepClock,
    assign,
    build,
    pickup_token,
    staff_card,
)

DOORS = tuple(range(1, 49))


class TimedLocker:
    """Wraps the locker: records each unlock call's time and door."""

    def __init__(self, inner: Any, marks: dict[str, float], unlocks: list[int]):
        self.inner = inner
        self.name = inner.name
        self.marks = marks
        self.unlocks = unlocks

    @property
    def doors(self) -> tuple[int, ...]:
        return tuple(self.inner.doors)

    def unlock(self, door: int) -> None:
        if "accepted" in self.marks and "unlock" not in self.marks:
            self.marks["unlock"] = time.perf_counter()
        self.unlocks.append(door)
        self.inner.unlock(door)

    def read_doors(self) -> Mapping[int, DoorStatus]:
        result: Mapping[int, DoorStatus] = self.inner.read_doors()
        return result

    def health(self) -> Any:
        return self.inner.health()

    def close(self) -> None:
        self.inner.close()


class Physical:
    """The person's side: the FakeBoard itself, or the simulator's control API."""

    def __init__(self, target: Any):
        self.t = target

    def pull(self, door: int) -> None:
        self.t.pull(door)

    def push(self, door: int) -> None:
        self.t.push(door)

    def put(self, door: int) -> None:
        self.t.put_item(door)

    def take(self, door: int) -> None:
        self.t.take_item(door)

    def jam(self, door: int, on: bool) -> None:
        self.t.jam(door, on)

    def silence(self, board: int, on: bool) -> None:
        self.t.silence(board, on)

    def force(self, door: int) -> None:
        self.t.force_open(door)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pickups", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--simulator", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    rng = random.Random(args.seed)
    marks: dict[str, float] = {}
    latencies: list[float] = []
    original = PinVerifier.matches

    def timed_matches(self: PinVerifier, pin: str) -> bool:
        ok = original(self, pin)
        if ok:
            marks.clear()
            marks["accepted"] = time.perf_counter()
        return ok

    PinVerifier.matches = timed_matches  # type: ignore[method-assign]
    sim = None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kiosk.sqlite3"
        unlocks: list[int] = []
        if args.simulator:
            from kiosk.devices.locker.factory import LockerSettings, open_locker
            from simulators.locker.server import LockerSimulator

            sim = LockerSimulator(port=0, boards=3).start()
            physical = Physical(sim)

            def make_locker() -> Any:
                return TimedLocker(open_locker(sim.url, LockerSettings(boards=3)), marks, unlocks)
        else:
            board = FakeBoard(DOORS)
            physical = Physical(board)

            def make_locker() -> Any:
                return TimedLocker(board, marks, unlocks)

        clock = StepClock()
        parts = build(path, make_locker(), clock=clock)
        wrong = undefined = collected = restarts = 0
        outcomes: dict[str, int] = {}
        started = time.perf_counter()
        for i in range(args.pickups):
            case_id = f"c{i}"
            old = rng.random() < 0.5
            assign(parts, case_id, rng.choice("SML"), old=old)
            start = parts.service.identify_staff_card(staff_card(clock.now()))
            before = len(unlocks)
            opened = parts.service.select_case(start.handover_id, case_id)
            door = opened.door
            if door is None:
                outcomes["load:" + opened.code.value] = (
                    outcomes.get("load:" + opened.code.value, 0) + 1
                )
                parts.service.cancel(start.handover_id)
                continue
            wrong += sum(1 for d in unlocks[before:] if d != door)
            physical.pull(door)
            parts.service.poll(start.handover_id)
            physical.put(door)
            physical.push(door)
            if parts.service.poll(start.handover_id).state is not HandoverState.LOADED:
                undefined += 1
            fault = rng.choices(
                ["none", "jam", "silent", "force", "wrong_pin", "left_open", "restart"],
                [0.90, 0.02, 0.01, 0.02, 0.03, 0.01, 0.01],
            )[0]
            scan = parts.service.scan_pickup(pickup_token(case_id, clock.now()))
            hid = scan.handover_id
            before = len(unlocks)
            if fault == "wrong_pin":
                parts.service.enter_pin(hid, "000000")
            if fault == "jam":
                physical.jam(door, True)
            if fault == "silent":
                physical.silence((door - 1) // 16, True)
            pin_outcome = parts.service.enter_pin(hid, PIN)
            if "unlock" in marks:
                latencies.append(marks["unlock"] - marks["accepted"])
            if fault == "force":
                other = rng.choice([d for d in DOORS if d != door])
                physical.force(other)
            record = parts.service.handover(hid) if hid else None
            allowed = record.allowed_doors() if record else frozenset()
            for step in range(40):
                record = parts.service.handover(hid) if hid else None
                if record is None or record.state.terminal:
                    break
                if fault == "restart" and step == 2:
                    restarts += 1
                    parts.db.close()
                    parts = build(path, make_locker(), clock=clock)
                    parts.service.recover()
                    continue
                target = record.target_door()
                state = record.state
                if state in (HandoverState.UNLOCK_SENT, HandoverState.RETURN_UNLOCK_SENT):
                    assert target is not None
                    physical.pull(target)
                    clock.advance(3)
                elif state is HandoverState.RETURN_OPENED:
                    assert target is not None
                    physical.put(target)
                    physical.push(target)
                elif state is HandoverState.DOOR_OPENED:
                    assert target is not None
                    physical.take(target)
                    if fault == "left_open":
                        clock.advance(150)
                elif state in (HandoverState.ITEM_TAKEN, HandoverState.AWAITING_CLOSE):
                    assert target is not None
                    physical.push(target)
                parts.service.poll(hid)
            wrong += sum(1 for d in unlocks[before:] if d not in allowed)
            final = parts.service.handover(hid) if hid else None
            code = final.state.value if final else pin_outcome.code.value
            outcomes[code] = outcomes.get(code, 0) + 1
            if final is not None and not final.state.terminal:
                undefined += 1
            if final is not None and final.state is HandoverState.COLLECTED:
                collected += 1
            # staff tidy up after the faults
            physical.jam(door, False)
            for board_no in range(3):
                physical.silence(board_no, False)
            for c in parts.service.compartments():
                if c.state in ("returned", "fault") or (
                    c.state == "loaded" and c.case_id == case_id
                ):
                    physical.take(c.door)
                    physical.push(c.door)
                    parts.service.clear_compartment(c.door, "s-12")
            for d in DOORS:
                physical.push(d)
            parts.service.watch()
            # NOTE: the central server acks what it stored; without acks the outbox grows and
            # its depth count (per append) would dominate the figures.
            parts.outbox.ack(parts.outbox.last_seq())
            clock.advance(60)
        elapsed = time.perf_counter() - started
        with parts.db.reading() as conn:
            states = [r[0] for r in conn.execute("SELECT state FROM handover")]
        undefined += sum(1 for s in states if s not in {x.value for x in HandoverState})
        parts.db.close()
        if sim is not None:
            sim.stop()
    latencies.sort()
    ms = [x * 1000 for x in latencies]
    kind = "Kerong driver + simulators.locker" if args.simulator else "FakeBoard (Locker Protocol)"
    print(f"locker: {kind}")
    print(f"pickups attempted: {args.pickups}, collected: {collected}, restarts: {restarts}")
    print(f"final states: {dict(sorted(outcomes.items()))}")
    soak = f"{args.pickups:,} pickups, {'simulator' if args.simulator else 'FakeBoard'}"
    check(f"wrong doors opened ({soak})", wrong, "=", 0, digits=0)
    check(f"hand-overs left undefined ({soak})", undefined, "=", 0, digits=0)
    if ms:
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
        print(
            f"PIN accepted -> unlock call: p50 {statistics.median(ms):.2f} ms, "
            f"p99 {p99:.2f} ms, max {ms[-1]:.2f} ms (n={len(ms)})"
        )
    print(f"wall time {elapsed:.1f} s ({elapsed / max(1, args.pickups) * 1000:.1f} ms per cycle)")


if __name__ == "__main__":
    main()
