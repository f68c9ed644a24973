"""Power cut (SIGKILL) at every step of loading and pickup, for each return mode.

A child process runs the journey on a real SQLite file with the physical FakeBoard saved to
a file at every change, and stops dead after point k (a committed step or a fired
actuator); the test kills it with SIGKILL, then recovers in this process: every hand-over is
settled into the state the recovery table defines, and no relay fires during recovery.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.core.handover import HandoverState
from tests.core.handover_child import Points, SavedSlot
from tests.core.handover_support import (
    FakeBoard,
    StepClock,
    assign,
    build,
    load_case,
)

ROOT = Path(__file__).resolve().parents[2]

# Per journey: (point name, settled state, settlement code) after a kill at that point;
# None when the hand-over had ended (nothing to settle).
LOADING = [
    ("staff_identified", HandoverState.ABANDONED, "nothing_unlocked"),
    ("compartment_chosen", HandoverState.ABANDONED, "nothing_unlocked"),
    ("unlock_sent", HandoverState.ABANDONED, "unlocked_not_loaded"),
    ("pulse:17", HandoverState.ABANDONED, "unlocked_not_loaded"),
    ("door_opened", HandoverState.AWAITING_CLOSE, "awaiting_close"),
    ("loaded", None, None),
]
PICKUP_HOLD = [
    ("token_verified", HandoverState.ABANDONED, "nothing_unlocked"),
    ("pin_verified", HandoverState.ABANDONED, "nothing_unlocked"),
    ("return_unlock_sent", HandoverState.ABANDONED, "nothing_returned"),
    ("pulse:41", HandoverState.ABANDONED, "nothing_returned"),
    ("return_opened", HandoverState.AWAITING_CLOSE, "awaiting_close"),
    ("return_closed", HandoverState.ABANDONED, "return_held"),
    ("unlock_sent", HandoverState.NOT_COLLECTED, "not_collected"),
    ("pulse:17", HandoverState.NOT_COLLECTED, "not_collected"),
    ("door_opened", HandoverState.AWAITING_CLOSE, "awaiting_close"),
    ("item_taken", HandoverState.AWAITING_CLOSE, "awaiting_close"),
    ("collected", None, None),
]
PICKUP_PUNCH = [
    ("token_verified", HandoverState.ABANDONED, "nothing_unlocked"),
    ("pin_verified", HandoverState.ABANDONED, "nothing_unlocked"),
    ("return_slot_opened", HandoverState.ABANDONED, "nothing_returned"),
    ("slot_open", HandoverState.ABANDONED, "nothing_returned"),
    ("return_punch_sent", HandoverState.ABANDONED, "return_in_slot_unpunched"),
    ("punch", HandoverState.ABANDONED, "return_held"),
    ("return_punched", HandoverState.ABANDONED, "return_held"),
    ("unlock_sent", HandoverState.NOT_COLLECTED, "not_collected"),
    ("pulse:17", HandoverState.NOT_COLLECTED, "not_collected"),
    ("door_opened", HandoverState.AWAITING_CLOSE, "awaiting_close"),
    ("item_taken", HandoverState.AWAITING_CLOSE, "awaiting_close"),
    ("collected", None, None),
]
PICKUP_NO_RETURN = [
    ("token_verified", HandoverState.ABANDONED, "nothing_unlocked"),
    ("pin_verified", HandoverState.ABANDONED, "nothing_unlocked"),
    ("unlock_sent", HandoverState.NOT_COLLECTED, "not_collected"),
    ("pulse:17", HandoverState.NOT_COLLECTED, "not_collected"),
    ("door_opened", HandoverState.AWAITING_CLOSE, "awaiting_close"),
    ("item_taken", HandoverState.AWAITING_CLOSE, "awaiting_close"),
    ("collected", None, None),
]
JOURNEYS = {
    "loading": LOADING,
    "pickup-hold": PICKUP_HOLD,
    "pickup-punch": PICKUP_PUNCH,
    "pickup-none": PICKUP_NO_RETURN,
}
CASES = [(journey, k) for journey, table in JOURNEYS.items() for k in range(1, len(table) + 1)]


def prepare(tmp_path: Path, journey: str) -> tuple[Path, Path, StepClock]:
    """The state before the journey: a case assigned (and loaded in door 17 for a pickup)."""
    db, board_file = tmp_path / "kiosk.sqlite3", tmp_path / "board.json"
    clock = StepClock()
    parts = build(db, FakeBoard(tuple(range(1, 49)), state_file=board_file), clock=clock)
    assign(parts, "case-1", "M", old=journey in ("pickup-hold", "pickup-punch"))
    if journey != "loading":
        assert load_case(parts, "case-1") == 17
    parts.db.close()
    return db, board_file, clock


def run_child(
    db: Path, board_file: Path, journey: str, stop_after: int, clock: StepClock
) -> list[str]:
    """Run the journey in a child; kill it with SIGKILL after point ``stop_after``."""
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.core.handover_child",
            str(db),
            str(board_file),
            journey,
            str(stop_after),
            clock.now().isoformat(),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    points: list[str] = []
    try:
        for line in child.stdout:
            words = line.split()
            if words[0] == "POINT":
                points.append(words[2])
            elif words[0] == "STOPPED":
                child.send_signal(signal.SIGKILL)
                break
            elif words[0] == "DONE":
                break
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return points


@pytest.mark.parametrize(("journey", "k"), CASES, ids=[f"{j}-{k}" for j, k in CASES])
def test_a_power_cut_after_any_step_settles_into_the_defined_state_without_a_relay(
    tmp_path: Path, journey: str, k: int
) -> None:
    table = JOURNEYS[journey]
    db, board_file, clock = prepare(tmp_path, journey)
    points = run_child(db, board_file, journey, k, clock)
    assert points == [name for name, _, _ in table[:k]]

    board = FakeBoard.load(board_file)
    pulses_at_the_cut = dict(board.pulse_count)
    slot = None
    if journey == "pickup-punch":
        slot = SavedSlot(board_file.with_suffix(".slot.json"), Points(0))
        opens, punched = slot.opens, slot.punched
    parts = build(db, board, clock=clock, slot=slot)
    settlements = parts.service.recover()

    _, state, code = table[k - 1]
    if state is None:
        assert settlements == []
    else:
        assert [(s.to_state, s.settlement) for s in settlements] == [(state, code)]
        recovered = [d for t, d in parts.events() if t == "handover.recovered"]
        assert [(d["state"], d["settlement"]) for d in recovered] == [(state.value, code)]
    assert board.pulse_count == pulses_at_the_cut  # recovery fired nothing
    if slot is not None:
        assert (slot.opens, slot.punched) == (opens, punched)
    assert set(board.pulse_count) <= {17, 41}  # the case's door and the return door only
    assert parts.service.journal.live() == (
        [] if state is not HandoverState.AWAITING_CLOSE else parts.service.journal.live()
    )
    for record in parts.service.journal.live():
        assert record.state is HandoverState.AWAITING_CLOSE


def test_a_recovered_open_door_settles_when_it_is_closed_and_fires_nothing(
    tmp_path: Path,
) -> None:
    db, board_file, clock = prepare(tmp_path, "pickup-none")
    run_child(db, board_file, "pickup-none", 5, clock)  # killed with door 17 open
    board = FakeBoard.load(board_file)
    parts = build(db, board, clock=clock)
    (settlement,) = parts.service.recover()
    assert settlement.to_state is HandoverState.AWAITING_CLOSE
    board.take_item(17)
    board.push(17)
    outcome = parts.service.poll(settlement.handover_id)
    assert outcome.state is HandoverState.COLLECTED
    assert board.pulses(17) == 2  # loading and pickup, none after the restart
    forced = [t for t, _ in parts.events() if t == "handover.door_forced"]
    assert forced == []


def test_a_pickup_after_a_held_return_skips_the_return_step(tmp_path: Path) -> None:
    db, board_file, clock = prepare(tmp_path, "pickup-hold")
    run_child(db, board_file, "pickup-hold", 6, clock)  # killed after return_closed
    parts = build(db, FakeBoard.load(board_file), clock=clock)
    parts.service.recover()
    case = parts.service.case("case-1")
    assert case is not None and (case.state, case.returned) == ("loaded", "door:41")
    data = json.loads(board_file.read_text())
    assert data["pulses"] == {"17": 1, "41": 1}
